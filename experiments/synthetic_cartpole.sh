#!/usr/bin/env bash
# Reproduce the README's main job: `synthax metalearn` with the `cpu` preset (PPO with fixed
# hyperparameters, SNES population 32, 60 generations) into experiments/runs/CartPole-v1-cpu.
# The shipped Synthetic-CartPole-v1 comes from experiments/metalearn_classic_control.py
# (PPO, SAC and DQN with random hyperparameters). Run from the repository root:
#   bash experiments/synthetic_cartpole.sh
set -euo pipefail
out=experiments/runs/CartPole-v1-cpu
rm -rf "$out"
# One CPU device, as the committed run was made: more devices round differently (see the README).
SYNTHAX_CPU_DEVICES=1 synthax metalearn --env CartPole-v1 --preset cpu --seed 0 --out "$out" \
    --no-progress
rm "$out/state.eqx"  # env.eqx is the result; the resumable state is not needed
