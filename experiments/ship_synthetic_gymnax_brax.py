"""Ship synthetic-gymnax's five Brax environments as `Synthetic-<name>` (read as data from its
wheel), so that code written for synthetic-gymnax (`gymnax.make("Synthetic-hopper")`) runs on
synthax. An environment meta-learned by synthax replaces one of these only where it matches or
beats it on `docs/brax.md`; each file's metadata says where it came from.

    pip download --no-deps synthetic-gymnax==0.0.1 -d sg
    pip install -e '.[brax]'
    python experiments/ship_synthetic_gymnax_brax.py sg/synthetic_gymnax-0.0.1-py3-none-any.whl
"""

import argparse
import hashlib
from pathlib import Path

from synthax.checkpoints import import_from_wheel, save_environment
from synthax.envs import BraxEnvironment, make
from synthax.envs.brax_env import BRAX_ENVS

DATA = Path(__file__).resolve().parents[1] / "synthax" / "checkpoints" / "data"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="synthetic_gymnax-0.0.1-py3-none-any.whl")
    parser.add_argument("--only", nargs="*", choices=BRAX_ENVS, default=list(BRAX_ENVS))
    args = parser.parse_args()
    digest = hashlib.sha256(args.wheel.read_bytes()).hexdigest()
    for name in args.only:
        real = make(name)
        assert isinstance(real, BraxEnvironment)
        env = import_from_wheel(args.wheel, real, name)
        metadata = {
            "source": "synthetic-gymnax 0.0.1 (Liesen et al. 2024), "
                      f"synthetic_gymnax/checkpoints/{name}/checkpoint.pkl, read as data",
            "wheel_sha256": digest,
            "meta_learned_on": "brax generalized backend (brax.envs.create's default)",
        }
        path = DATA / f"Synthetic-{name}.eqx"
        save_environment(path, env, name, metadata)
        print(f"{path.relative_to(DATA.parents[2])}: observation {env.observation_dim}, "
              f"action {env.action_dim}", flush=True)


if __name__ == "__main__":
    main()
