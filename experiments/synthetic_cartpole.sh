#!/usr/bin/env bash
# Meta-learn the shipped Synthetic-CartPole-v1 with the default CPU preset and install it in the
# package. Run from the repository root:  bash experiments/synthetic_cartpole.sh
set -euo pipefail
out=experiments/runs/CartPole-v1-cpu
rm -rf "$out"
synthax metalearn --env CartPole-v1 --preset cpu --seed 0 --out "$out" --no-progress
cp "$out/env.eqx" synthax/checkpoints/data/Synthetic-CartPole-v1.eqx
rm "$out/state.eqx"  # the shipped env.eqx is the result; the resumable state is not needed
