"""Meta-learn the five shipped classic-control synthetic environments and install them.

For each environment this runs its stages (`STAGES`: a config in `experiments/configs/` and its
run folder in `experiments/runs/`; one stage for most, `experiments/runs/<env_id>/`) with
`synthax metalearn`, in order (resuming a run from its checkpoint if a previous call was stopped,
and skipping runs that are complete; a later stage warm-starts from an earlier one's `env.eqx`
through its config's `init_environment`). Where `REWARD_SCALE` names one, the scale of one
stage's reward is chosen by agents (`experiments/reward_scale.py`, once) right after that stage,
and the stages after it start from the rescaled environment. The last result's `env.eqx` is
copied to `synthax/checkpoints/data/Synthetic-<env_id>.eqx`, where `synthax.make` and
`gymnax.make` find it.

    python experiments/metalearn_classic_control.py [--only cartpole acrobot ...]

Run it from the repository root: the configs' `init_environment` paths are relative to it.
"""

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from synthax.compilation_cache import enable_compilation_cache
from synthax.meta import MetaLearnConfig
from synthax.meta.run import run_metalearning
from synthax.parallel import restart_with_cpu_devices

ROOT = Path(__file__).resolve().parent.parent
RUNS = ROOT / "experiments" / "runs"  # every stage's run folder is in here
# The shipped environments: config name (`experiments/configs/<name>.yaml`) -> real env id.
ENV_IDS = {"cartpole": "CartPole-v1", "acrobot": "Acrobot-v1", "mountaincar": "MountainCar-v0",
           "mountaincar_continuous": "MountainCarContinuous-v0", "pendulum": "Pendulum-v1"}
CONFIGS = list(ENV_IDS)
# Per environment, (config under experiments/configs/, run folder under experiments/runs/) in
# order; the last stage's environment is shipped.
# Pendulum-v1: the argmax policy's return, then actors on the bandit's reward as the exact critic
# from its result (the results page's "fitnesses that train no agent"), its reward rescaled
# (REWARD_SCALE), then PPO's agents, then PPO's and TD3's agents together (each algorithm's
# centered ranks); its 1000-generation run of the agents' fitness (pendulum.yaml ->
# experiments/runs/Pendulum-v1) was shipped before all of these. MountainCar-v0: its agents'
# run, then the argmax policy's return from its result, then PPO's and DQN's agents together
# from that one's. MountainCarContinuous-v0: its agents' run, then DDPG's and TD3's agents
# together from its result.
STAGES = {name: [(f"{name}.yaml", None)] for name in CONFIGS}
STAGES["mountaincar"] = [("mountaincar.yaml", None),
                         ("mountaincar_policy/argmax.yaml", "MountainCar-v0-argmax"),
                         ("mountaincar_policy/ppo_dqn_finish.yaml",
                          "MountainCar-v0-ppo-dqn-finish")]
STAGES["mountaincar_continuous"] = [("mountaincar_continuous.yaml", None),
                                    ("mountaincar_continuous_policy/ddpg_td3_finish.yaml",
                                     "MountainCarContinuous-v0-ddpg-td3-finish")]
STAGES["pendulum"] = [("pendulum_policy/argmax.yaml", "Pendulum-v1-argmax"),
                      ("pendulum_policy/true_critic_actors.yaml",
                       "Pendulum-v1-true-critic-actors"),
                      ("pendulum_policy/ppo_finish.yaml", "Pendulum-v1-ppo-finish"),
                      ("pendulum_policy/ppo_td3_finish.yaml", "Pendulum-v1-ppo-td3-finish")]

# Per environment, the reward-scale step: the run folder of the stage whose `env.eqx` it
# rescales, the run folder of `experiments/reward_scale.py`'s result (that bandit with the reward
# scale agents did best with; the next stage's config starts from it) and the script's arguments
# after --checkpoint.
REWARD_SCALE = {
    "pendulum": ("Pendulum-v1-true-critic-actors", "Pendulum-v1-true-critic-actors-scaled",
                 ["--config", "experiments/configs/pendulum.yaml", "--scales", "0.5", "1", "2",
                  "4", "8", "--runs", "12", "--seed", "1"]),
}


def stage_runs(name: str) -> list[tuple[Path, Path]]:
    """The (config file, run folder) of each of `name`'s stages, in order; a stage without a
    folder runs into `experiments/runs/<env_id>/`."""
    runs = []
    for config, folder in STAGES[name]:
        path = ROOT / "experiments" / "configs" / config
        folder = folder or MetaLearnConfig.from_file(path).env_id
        runs.append((path, RUNS / folder))
    return runs


def shipped_run(name: str) -> tuple[Path, Path]:
    """The (config file, run folder) of `name`'s last meta-learning stage."""
    return stage_runs(name)[-1]


def reward_scale_after(name: str) -> Path | None:
    """The run folder of the stage whose reward `REWARD_SCALE` rescales, or `None`."""
    return RUNS / REWARD_SCALE[name][0] if name in REWARD_SCALE else None


def reward_scaled_checkpoint(name: str) -> Path | None:
    """The `env.eqx` of `name`'s reward-scale step (`REWARD_SCALE`), or `None`."""
    return RUNS / REWARD_SCALE[name][1] / "env.eqx" if name in REWARD_SCALE else None


def reward_scale_command(name: str) -> list[str] | None:
    """The `experiments/reward_scale.py` command of `name` (`REWARD_SCALE`), or `None`."""
    if name not in REWARD_SCALE:
        return None
    checkpoint = (reward_scale_after(name) / "env.eqx").relative_to(ROOT)
    out = reward_scaled_checkpoint(name).parent.relative_to(ROOT)
    return ["python", "experiments/reward_scale.py", "--checkpoint", str(checkpoint),
            *REWARD_SCALE[name][2], "--out", str(out)]


def shipped_checkpoint(name: str) -> Path:
    """The `env.eqx` shipped for `name`: the last stage's, or its reward-scaled one where the
    reward-scale step (`REWARD_SCALE`) follows the last stage."""
    last = shipped_run(name)[1]
    if reward_scale_after(name) == last:
        return reward_scaled_checkpoint(name)
    return last / "env.eqx"


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=CONFIGS, default=CONFIGS)
    args = parser.parse_args()
    if Path.cwd().resolve() != ROOT:  # the configs' init_environment paths are relative to it
        parser.error(f"run from the repository root {ROOT}, not {Path.cwd()}")
    enable_compilation_cache()
    for name in args.only:
        for config_path, out in stage_runs(name):
            config = MetaLearnConfig.from_file(config_path)
            summary_path = out / "summary.json"
            # Compared as resolved configs (inner-loop sizes and search spaces written out, as
            # a run records them and as a resume compares them), so that a summary written
            # before a field existed still matches.
            done = (summary_path.exists() and MetaLearnConfig.from_dict(
                json.loads(summary_path.read_text())["config"]).resolved() == config.resolved())
            if not done:
                resume = (out / "state.eqx").exists()
                print(f"{config.env_id}: {'resuming' if resume else 'starting'} -> {out}",
                      file=sys.stderr, flush=True)

                def progress(record):
                    print(json.dumps(record), file=sys.stderr, flush=True)

                run_metalearning(config, out, resume=resume, on_generation=progress)
            if out == reward_scale_after(name) and not reward_scaled_checkpoint(name).exists():
                command = reward_scale_command(name)
                print(f"{config.env_id}: {' '.join(command)}", file=sys.stderr, flush=True)
                subprocess.run([sys.executable, *command[1:]], cwd=ROOT, check=True)
        checkpoint = shipped_checkpoint(name)
        target = ROOT / "synthax" / "checkpoints" / "data" / f"Synthetic-{config.env_id}.eqx"
        tmp = target.with_suffix(".eqx.tmp")
        shutil.copyfile(checkpoint, tmp)
        tmp.replace(target)
        summary = json.loads(summary_path.read_text())
        print(f"{config.env_id}: {summary['generations']} generations, "
              f"{summary['wall_seconds'] / 60:.1f} min -> {target.relative_to(ROOT)}", flush=True)


if __name__ == "__main__":
    main()
