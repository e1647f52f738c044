"""Regenerate docs/transfer.md: do the shipped synthetic environments train agents unlike those
seen in meta-learning?

synthetic-gymnax (Liesen et al. 2024) reports that its synthetic environments train agents with
network architectures, optimisers and hyperparameters outside its meta-training distribution.
For each shipped classic-control environment (`Synthetic-<env_id>`, `synthax.envs.make`) this
measures that with the evaluation of `docs/results.md` (`synthax.meta.compare_environments`):
per row and algorithm, 20 agents (the hyperparameters the row does not fix drawn from
`synthax.agents.SEARCH_SPACES`, the same draws and seeds in both arms) train 10k steps on the
synthetic environment and, beside them, on the real one; each is evaluated on 50 real episodes,
and a cell is the IQM of the 20 agents' mean returns with a 95% stratified-bootstrap interval.
The rows:

1. networks not used in meta-learning: width 16 and 256, depth 1 and 3, another activation;
2. optimisers not used in meta-learning: RMSprop, and SGD with momentum 0.9 (the agents'
   `optimizer` field; meta-learning trains with Adam);
3. hyperparameters outside the meta-training settings (fixed values; the searched fields stay
   random draws);
4. a policy trained by an evolution strategy (SNES) directly on the environment, with the same
   budget of environment steps on the synthetic and the real one (`ES_BUDGET`).

Results per environment go to `experiments/results/transfer/<env_id>/results.json`, written
after every row, and are reused unless `--force` (an interrupted run resumes at its first
unmeasured row). Each records the sha256 of the checkpoint it measured; when another environment
is shipped, the old results move to `superseded.json` beside it (still on the page, against the
results page's rows of that environment) and the rows are measured again, on the synthetic arm
only: the real-env arm, which the same draws and seeds make identical, is taken from
`superseded.json` (each such row says `"reused": "superseded.json"`). The in-distribution
reference is the `synthax` and `real` arms of
`experiments/results/classic_control/<env_id>/results.json` (the same shipped environments,
with the meta-training settings).

    SYNTHAX_CPU_DEVICES=1 python experiments/transfer.py

With `--robust`, for the environments of `WIDER` it measures instead an environment
meta-learned further with a wider distribution (`WIDER[env_id]`: a committed config whose
`optimizers` adds SGD, and its run folder) on the rows `WIDER_ROWS`, the same agents and seeds
as the shipped environment's rows, into `experiments/results/transfer/<env_id>/wider.json`;
the page shows both, before and after.

    SYNTHAX_CPU_DEVICES=1 python experiments/transfer.py --robust --envs CartPole-v1
"""

import argparse
import gc
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import equinox as eqx
import evosax.algorithms as ea
import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

# experiments/metalearn_classic_control.py: the shipped environments' env ids and configs.
from metalearn_classic_control import ENV_IDS

from synthax.agents import INNER_LOOP, agent_class
from synthax.agents.networks import DeterministicActor
from synthax.checkpoints import load_environment, shipped_path
from synthax.checkpoints.io import atomic_write_text
from synthax.compilation_cache import enable_compilation_cache
from synthax.envs import make
from synthax.evaluation import evaluate, iqm_interval
from synthax.meta import MetaLearnConfig, compare_environments, interval_cell
from synthax.nn import mlp
from synthax.parallel import population_sharding, restart_with_cpu_devices

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = {env_id: name for name, env_id in ENV_IDS.items()}  # env id -> config name
COMMAND = "SYNTHAX_CPU_DEVICES=1 python experiments/transfer.py"
RUNS, EPISODES, SEED = 20, 50, 0

# The evolution strategy of row 4: SNES over the weights of a policy MLP (one hidden layer of
# ES_HIDDEN tanh units), ES_POPULATION members scored on ES_EPISODES episodes each, run until
# ES_BUDGET environment steps have been taken (the last generation may overshoot by less than one
# generation's steps); the result is the search distribution's mean.
ES_BUDGET = 1_000_000
ES_POPULATION = 32
ES_EPISODES = 2
ES_HIDDEN = 32
ES_SIGMA = 0.1

# Environments meta-learned further with a wider distribution (`--robust`): env id to (config,
# run folder), both relative to the repository; the rows measured on them, the in-distribution
# row (the meta-training settings) first.
WIDER = {"CartPole-v1": ("experiments/configs/robust/cartpole_optimizers.yaml",
                         "experiments/runs/CartPole-v1-optimizers"),
         "Acrobot-v1": ("experiments/configs/robust/acrobot_optimizers.yaml",
                        "experiments/runs/Acrobot-v1-optimizers")}
WIDER_ROWS = ("in-distribution", "optimizer-sgd", "optimizer-rmsprop")
ROBUST_COMMAND = "SYNTHAX_CPU_DEVICES=1 python experiments/transfer.py --robust --envs"


def meta_training_kwargs(config: MetaLearnConfig, algorithm: str) -> dict[str, Any]:
    """The sizes `algorithm` trains with in meta-learning: `INNER_LOOP` and the config's
    `agent_kwargs`."""
    return {**INNER_LOOP[algorithm], **config.agent_kwargs.get(algorithm, {})}


def meta_training_value(config: MetaLearnConfig, algorithm: str, field: str):
    """A field's value in meta-learning (the agent class's default where nothing sets it)."""
    kwargs = meta_training_kwargs(config, algorithm)
    if field in kwargs:
        return kwargs[field]
    return agent_class(algorithm).__dataclass_fields__[field].default


def agent_rows(config: MetaLearnConfig) -> list[dict[str, Any]]:
    """Rows 1-3: per row an id, its group and, per algorithm, the overriding fields and a
    description that names the meta-training value."""
    algorithms = tuple(config.agents)

    def same(field, value, unit=""):
        return {a: ({field: value}, f"{field} {value}{unit} (meta-training: "
                                    f"{meta_training_value(config, a, field)}{unit})")
                for a in algorithms}

    rows = []
    for width in (16, 256):
        rows.append({"row": f"width-{width}", "group": "architecture",
                     "agents": same("hidden_size", width)})
    for depth in (1, 3):
        rows.append({"row": f"depth-{depth}", "group": "architecture",
                     "agents": same("num_layers", depth)})
    activation = {}
    for a in algorithms:
        used = meta_training_value(config, a, "activation")
        other = "relu" if used == "tanh" else "elu"
        activation[a] = ({"activation": other}, f"activation {other} (meta-training: {used})")
    rows.append({"row": "activation", "group": "architecture", "agents": activation})
    for optimizer, label in (("rmsprop", "RMSprop"), ("sgd", "SGD, momentum 0.9")):
        rows.append({"row": f"optimizer-{optimizer}", "group": "optimizer", "agents": {
            a: ({"optimizer": optimizer}, f"{label} (meta-training: Adam)") for a in algorithms}})
    # Row 3: fixed sizes the meta-training inner loop never uses. DQN's `num_envs` 4 with one
    # gradient step per iteration trains every 4 environment steps; `target_update_freq` counts
    # iterations, so 250 and 1250 are every 1,000 and 5,000 environment steps.
    hyper = {
        "hyperparameters-1": {
            "ppo": ({"num_steps": 20}, "num_steps 20: rollouts of 5 x 20 steps "
                                       "(meta-training: 100)"),
            "dqn": ({"num_envs": 4, "target_update_freq": 250, "learning_starts": 5000},
                    "trains every 4 steps, target network every 1,000 steps, learning starts "
                    "at 5,000 (meta-training: every 10, every 50, at 1,000)"),
            "sac": ({"learning_starts": 5000, "buffer_size": 10_000},
                    "learning starts at 5,000, buffer 10,000 (meta-training: 1,000, 2,000)"),
            "ddpg": ({"learning_starts": 5000, "buffer_size": 10_000},
                     "learning starts at 5,000, buffer 10,000 (meta-training: 1,000, 2,000)"),
            "td3": ({"learning_starts": 5000},
                    "learning starts at 5,000 (meta-training: 1,000)"),
        },
        "hyperparameters-2": {
            "ppo": ({"num_steps": 500}, "num_steps 500: rollouts of 5 x 500 steps "
                                        "(meta-training: 100)"),
            "dqn": ({"num_envs": 4, "target_update_freq": 1250, "learning_starts": 2000},
                    "trains every 4 steps, target network every 5,000 steps, learning starts "
                    "at 2,000 (meta-training: every 10, every 50, at 1,000)"),
            "sac": ({"batch_size": 32}, "batch 32 (meta-training: 256)"),
            "ddpg": ({"batch_size": 32}, "batch 32 (meta-training: 100)"),
            "td3": ({"batch_size": 32, "policy_delay": 4},
                    "batch 32, actor updated every 4 critic updates (meta-training: 100, 2)"),
        },
    }
    for row, agents in hyper.items():
        rows.append({"row": row, "group": "hyperparameters",
                     "agents": {a: agents[a] for a in algorithms}})
    return rows


class ESPolicy(eqx.Module):
    """The policy the evolution strategy searches: `argmax` of an MLP's logits for discrete
    actions, a `tanh`-squashed MLP scaled to the action box otherwise. Call: `(obs, key)`."""

    net: eqx.Module
    discrete: bool = eqx.field(static=True)

    def __call__(self, obs, key):
        if self.discrete:
            return jnp.argmax(self.net(obs)).astype(jnp.int32)
        return self.net(obs)


def es_policy(env, bounds, key) -> ESPolicy:
    """A fresh policy for `env`; `bounds` are the concrete `(low, high)` of a `Box` action space
    (computed outside `jit`), `None` for discrete actions."""
    if env.is_discrete:
        return ESPolicy(mlp(env.observation_dim, env.action_dim, ES_HIDDEN, 1, "tanh", key), True)
    return ESPolicy(DeterministicActor(env.observation_dim, *bounds, ES_HIDDEN, 1, "tanh", key),
                    False)


def es_run(train_env, real_env, bounds, key):
    """One SNES run on `train_env` until `ES_BUDGET` steps; returns the mean policy's mean return
    over `EPISODES` real episodes, the steps taken and the generations."""
    k_net, k_init, k_run, k_eval = jax.random.split(key, 4)
    template = es_policy(real_env, bounds, k_net)
    params, static = eqx.partition(template, eqx.is_inexact_array)
    flat, unravel = ravel_pytree(params)
    strategy = ea.SNES(population_size=ES_POPULATION, solution=flat)
    es_params = strategy.default_params.replace(std_init=jnp.asarray(ES_SIGMA, jnp.float32))
    es_state = strategy.init(k_init, flat, es_params)

    def policy(vector):
        return eqx.combine(unravel(vector), static)

    def score(vector, k):
        result = evaluate(policy(vector), train_env, k, ES_EPISODES)
        return jnp.mean(result.returns), jnp.sum(result.lengths)

    def body(carry):
        es_state, key, steps, generation = carry
        key, k_ask, k_fit, k_tell = jax.random.split(key, 4)
        population, es_state = strategy.ask(k_ask, es_state, es_params)
        fitness, lengths = jax.vmap(score, in_axes=(0, None))(population, k_fit)
        es_state, _ = strategy.tell(k_tell, population, -fitness, es_state, es_params)
        return es_state, key, steps + jnp.sum(lengths), generation + 1

    es_state, _, steps, generations = jax.lax.while_loop(
        lambda carry: carry[2] < ES_BUDGET, body,
        (es_state, k_run, jnp.asarray(0, jnp.int32), jnp.asarray(0, jnp.int32)))
    mean = policy(strategy.get_mean(es_state))
    returns = evaluate(mean, real_env, k_eval, EPISODES).returns
    return jnp.mean(returns), steps, generations


def es_row(env_id, arms, real_env):
    """Row 4: `RUNS` SNES runs (seeds) per arm, the same seeds in both."""
    keys = jax.random.split(jax.random.fold_in(jax.random.PRNGKey(SEED), 1000), RUNS)
    bounds = None
    if not real_env.is_discrete:
        space = real_env.action_space
        bounds = tuple(tuple(np.broadcast_to(np.asarray(b, np.float32), space.shape).ravel()
                             .tolist()) for b in (space.low, space.high))
    rows, returns = [], {}
    for arm, train_env in arms.items():
        run = eqx.filter_jit(lambda env, keys: jax.vmap(
            lambda k: es_run(env, real_env, bounds, k))(keys))
        t0 = time.perf_counter()
        per_run, steps, generations = jax.device_get(run(train_env, keys))
        seconds = time.perf_counter() - t0
        per_run = np.asarray(per_run, np.float64)
        # A run diverges when SNES's standard deviation grows without bound along a direction
        # the fitness does not penalise (seen on Synthetic-Pendulum-v1: it overflows float32
        # and the search mean becomes NaN). Such runs are counted and left out of the IQM.
        finite = per_run[np.isfinite(per_run)]
        if finite.size == 0:
            raise RuntimeError(f"{env_id} {arm}: every SNES run diverged (non-finite returns)")
        point, low, high = iqm_interval(finite, seed=SEED)
        row = {"env_id": env_id, "algorithm": "snes", "arm": arm, "steps": int(np.mean(steps)),
               "generations": int(np.mean(generations)), "runs": RUNS,
               "diverged": int(RUNS - finite.size),
               "episodes_per_run": EPISODES, "iqm": point, "ci_low": low, "ci_high": high,
               "mean": float(finite.mean()), "std": float(finite.std()),
               "train_seconds": seconds, "compile_seconds": 0.0}
        print(json.dumps(row), file=sys.stderr, flush=True)
        rows.append(row)
        returns.setdefault("snes", {})[arm] = [float(v) if np.isfinite(v) else None
                                               for v in per_run]
    return rows, returns


def agent_row(env_id, real, arms, config, spec):
    """One agent row (`agent_rows`' `spec`) in every arm: `RUNS` agents per algorithm of
    `config`, its `agent_kwargs` under the row's fields (`compare_environments`)."""
    algorithms = tuple(config.agents)
    kwargs = {a: {**config.agent_kwargs.get(a, {}), **spec["agents"][a][0]} for a in algorithms}
    return compare_environments(
        env_id, real, arms, algorithms=algorithms, agent_kwargs=kwargs, num_runs=RUNS,
        num_eval_episodes=EPISODES, seed=SEED,
        on_row=lambda r: print(json.dumps(r), file=sys.stderr, flush=True),
        sharding=population_sharding(RUNS))


def free_compiled() -> None:
    """Drop the compiled programs after a row. Each XLA:CPU executable holds memory mappings;
    keeping every row's programs ran a process into the kernel's limit (vm.max_map_count) in
    the second environment."""
    jax.clear_caches()
    eqx.clear_caches()
    gc.collect()


def reference_rows(env_id: str) -> dict[tuple[str, str], dict]:
    """The in-distribution rows, by (algorithm, arm), from the results page's results, or `{}`
    where that environment has none."""
    path = ROOT / "experiments" / "results" / "classic_control" / env_id / "results.json"
    if not path.exists():
        return {}
    return {(r["algorithm"], r["arm"]): r for r in json.loads(path.read_text())["rows"]}


def results_path(env_id: str) -> Path:
    return ROOT / "experiments" / "results" / "transfer" / env_id / "results.json"


def superseded_path(env_id: str) -> Path:
    """Where the results of the environment shipped before the current one are kept."""
    return results_path(env_id).with_name("superseded.json")


def shipped_sha256(env_id: str) -> str:
    """The sha256 of the shipped `Synthetic-<env_id>` checkpoint file."""
    return hashlib.sha256(shipped_path(f"Synthetic-{env_id}").read_bytes()).hexdigest()


def keeps_as_superseded(cached: dict, superseded_kept: bool) -> bool:
    """Whether results measured on an environment shipped before (`cached`) stand for that
    environment in place of any kept already (`superseded_kept`): when they are complete, or
    when none are kept."""
    return cached["metadata"]["complete"] or not superseded_kept


def run_env(env_id: str, force: bool, on_save=None) -> dict[str, Any]:
    """Measure (or resume) every row of `env_id`, saving after each row (and then calling
    `on_save(results)`)."""
    path = results_path(env_id)
    config = MetaLearnConfig.from_file(ROOT / "experiments" / "configs"
                                       / f"{CONFIGS[env_id]}.yaml")
    cached = None if force or not path.exists() else json.loads(path.read_text())
    sha256 = shipped_sha256(env_id)
    if cached is not None and cached["metadata"]["checkpoint_sha256"] != sha256:
        # Another environment is shipped now: keep these results as the earlier one's, unless
        # they are an unfinished measurement and an earlier one is kept already.
        if keeps_as_superseded(cached, superseded_path(env_id).exists()):
            atomic_write_text(superseded_path(env_id), json.dumps(cached, indent=2) + "\n")
        cached = None
    if cached is None:
        cached = {"metadata": {"env_id": env_id, "synthetic_env_id": f"Synthetic-{env_id}",
                               "checkpoint_sha256": sha256,
                               "runs": RUNS, "episodes": EPISODES, "seed": SEED,
                               "es": {"strategy": "SNES", "budget": ES_BUDGET,
                                      "population": ES_POPULATION, "episodes": ES_EPISODES,
                                      "hidden": ES_HIDDEN, "sigma": ES_SIGMA},
                               "wall_seconds": 0.0, "complete": False},
                  "rows": [], "returns": {}}
    real = make(env_id)
    arms = {"synthetic": make(f"Synthetic-{env_id}"), "real": real}
    done = {r["row"] for r in cached["rows"]}
    # The real-env arm does not depend on the synthetic environment: reuse the earlier one's.
    earlier = (json.loads(superseded_path(env_id).read_text())
               if superseded_path(env_id).exists() else None)
    same = earlier is not None and all(earlier["metadata"].get(k) == cached["metadata"][k]
                                       for k in ("runs", "episodes", "seed", "es"))
    specs = agent_rows(config) + [{"row": "es", "group": "evolution strategy", "agents": {}}]

    def save():
        cached["metadata"]["complete"] = all(s["row"] in done for s in specs)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(cached, indent=2) + "\n")
        if on_save is not None:
            on_save(cached)

    for spec in specs:
        if spec["row"] in done:
            continue
        print(f"{env_id}: {spec['row']}", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        reused = ([dict(r, reused="superseded.json") for r in earlier["rows"]
                   if r["row"] == spec["row"] and r["arm"] == "real"] if same else [])
        if len(reused) != (1 if spec["row"] == "es" else len(config.agents)):
            reused = []  # only a complete real arm is reused
        row_arms = {"synthetic": arms["synthetic"]} if reused else arms
        if spec["row"] == "es":
            rows, returns = es_row(env_id, row_arms, real)
            descriptions = {"snes": f"SNES, population {ES_POPULATION}, {ES_BUDGET:,} steps"}
        else:
            rows, returns = agent_row(env_id, real, row_arms, config, spec)
            descriptions = {a: spec["agents"][a][1] for a in config.agents}
        if reused:
            rows += reused
            for algorithm, by_arm in earlier["returns"][spec["row"]].items():
                returns.setdefault(algorithm, {})["real"] = by_arm["real"]
        for row in rows:
            row.update(row=spec["row"], group=spec["group"],
                       description=descriptions[row["algorithm"]])
        cached["rows"] += rows
        cached["returns"][spec["row"]] = returns
        cached["metadata"]["wall_seconds"] += time.perf_counter() - t0
        done.add(spec["row"])
        save()
        free_compiled()
    save()
    return cached



def wider_path(env_id: str) -> Path:
    return ROOT / "experiments" / "results" / "transfer" / env_id / "wider.json"


def run_wider(env_id: str, force: bool) -> dict[str, Any]:
    """Measure (or resume) `WIDER_ROWS` on `WIDER[env_id]`'s environment, saving after each
    row. The agents, hyperparameter draws and seeds are those of the shipped environment's
    rows (`compare_environments` with the same `SEED`)."""
    config_path, run = WIDER[env_id]
    path = wider_path(env_id)
    base = MetaLearnConfig.from_file(ROOT / "experiments" / "configs" / f"{CONFIGS[env_id]}.yaml")
    wider_config = MetaLearnConfig.from_file(ROOT / config_path)
    env = load_environment(ROOT / run / "env.eqx", env_id)
    summary = json.loads((ROOT / run / "summary.json").read_text())
    cached = None if force or not path.exists() else json.loads(path.read_text())
    if cached is None:
        cached = {"metadata": {"env_id": env_id, "config": config_path, "run": run,
                               "optimizers": wider_config.optimizers,
                               "generations": summary["generations"],
                               "meta_wall_seconds": summary["wall_seconds"],
                               "runs": RUNS, "episodes": EPISODES, "seed": SEED,
                               "wall_seconds": 0.0},
                  "rows": [], "returns": {}}
    real = make(env_id)
    specs = {s["row"]: s for s in agent_rows(base)}
    specs["in-distribution"] = {"row": "in-distribution", "group": "in distribution",
                                "agents": {a: ({}, "meta-training settings (Adam)")
                                           for a in base.agents}}
    done = {r["row"] for r in cached["rows"]}
    for row_id in WIDER_ROWS:
        if row_id in done:
            continue
        print(f"{env_id} (wider): {row_id}", file=sys.stderr, flush=True)
        spec = specs[row_id]
        t0 = time.perf_counter()
        rows, returns = agent_row(env_id, real, {"wider": env}, base, spec)
        for row in rows:
            row.update(row=row_id, group=spec["group"],
                       description=spec["agents"][row["algorithm"]][1])
        cached["rows"] += rows
        cached["returns"][row_id] = returns
        cached["metadata"]["wall_seconds"] += time.perf_counter() - t0
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(cached, indent=2) + "\n")
        free_compiled()
    return cached


def wider_section(env_id: str, results: dict, wider: dict) -> list[str]:
    """The page's before-and-after table for `env_id`'s environment meta-learned with a wider
    distribution."""
    meta = wider["metadata"]
    reference = reference_rows(env_id)
    before = {(r["row"], r["algorithm"], r["arm"]): r for r in results["rows"]}
    for (algorithm, arm), r in reference.items():
        before[("in-distribution", algorithm, {"synthax": "synthetic"}.get(arm, arm))] = r
    names = {"adam": "Adam", "sgd": "SGD (momentum 0.9)", "rmsprop": "RMSprop"}
    optimizers = " and ".join(names.get(o, o) for o in meta["optimizers"])
    lines = [f"### {env_id}", "",
             f"`Synthetic-{env_id}` meta-learned for {meta['generations']} more generations "
             f"({meta['meta_wall_seconds'] / 60:.1f} min on a 2-core CPU shared with other "
             f"jobs) with agents that train with {optimizers} in turn: "
             f"`synthax metalearn --config {meta['config']} --out {meta['run']}`; the rows "
             f"below took {meta['wall_seconds'] / 60:.1f} min:", "",
             "```bash", f"{ROBUST_COMMAND} {env_id}", "```", "",
             "| row | agent | before: shipped env | after: wider distribution | "
             "trained on the real env |", "|---|---|---|---|---|"]
    above, below = [], []
    for r in wider["rows"]:
        key = (r["row"], r["algorithm"])
        old = before.get((*key, "synthetic"))
        lines.append(f"| {r['description']} | {r['algorithm']} | {interval_cell(old)} | "
                     f"{interval_cell(r)} | {interval_cell(before.get((*key, 'real')))} |")
        label = f"{r['algorithm']} ({r['description']})"
        if old and r["ci_low"] > old["ci_high"]:
            above.append(label)
        if old and r["ci_high"] < old["ci_low"]:
            below.append(label)
    lines += ["", "After, interval wholly above before: " + ("; ".join(above) or "none") + ". "
              "Wholly below: " + ("; ".join(below) or "none") + ". The other cells' intervals "
              "overlap."]
    return lines + [""]


def superseded_reference(env_id: str) -> tuple[str, dict[tuple[str, str], dict]]:
    """The results page's checkpoint of the environment shipped before, and its in-distribution
    rows by (algorithm, arm) (the `real` rows are the current ones: the same agents and seeds)."""
    path = ROOT / "experiments" / "results" / "classic_control" / env_id / "results.json"
    if not path.exists():
        return "", {}
    results = json.loads(path.read_text())
    superseded = results["metadata"].get("superseded", {})
    rows = {(r["algorithm"], r["arm"]): r for r in results["rows"] if r["arm"] == "real"}
    rows.update({(r["algorithm"], "synthax"): r for r in superseded.get("rows", [])})
    return superseded.get("checkpoint", ""), rows


def env_section(env_id: str, results: dict | None, superseded: dict | None = None
                ) -> tuple[list[str], list[str], list[str]]:
    """The page's section for `env_id` (and, below it, the results of the environment shipped
    before, `superseded`), its cells well below the in-distribution value, and its cells where
    training on the synthetic environment does worse than on the real one (current ones only)."""
    lines = [f"## {env_id}", ""]
    if results is None or not results["rows"]:
        lines += ["Not measured yet.", ""]
        below, worse = [], []
    else:
        table, below, worse = _section_table(results, reference_rows(env_id),
                                             f"`Synthetic-{env_id}`")
        lines += table
    if superseded is not None and superseded["rows"]:
        checkpoint, reference = superseded_reference(env_id)
        where = f" (`{checkpoint}`)" if checkpoint else ""
        lines += [f"### {env_id}: the environment shipped before", "",
                  f"The same rows measured on the `Synthetic-{env_id}` shipped before the "
                  f"current one{where}, against its own in-distribution rows (kept on the "
                  "results page):", ""]
        lines += _section_table(superseded, reference, "That environment")[0]
    return lines, below, worse


def _section_table(results: dict, reference: dict[tuple[str, str], dict], name: str
                   ) -> tuple[list[str], list[str], list[str]]:
    """The rows of one environment's results against `reference` (in-distribution rows by
    (algorithm, arm)), its cells well below them, and its cells worse than the real env's."""
    env_id = results["metadata"]["env_id"]
    lines = []
    meta = results["metadata"]
    state = ("all rows measured" if meta["complete"] else
             "**incomplete**: the rows not listed were not measured yet")
    lines += [f"{name}; {state}; wall time on a 2-core CPU shared with other "
              f"jobs: {meta['wall_seconds'] / 60:.1f} min.", "",
              "| row | agent | trained on the synthetic env | trained on the real env | "
              "in distribution: synthetic env | in distribution: real env |",
              "|---|---|---|---|---|---|"]
    by_key = {(r["row"], r["algorithm"], r["arm"]): r for r in results["rows"]}
    seen = list(dict.fromkeys((r["row"], r["algorithm"]) for r in results["rows"]))
    below, worse = [], []
    for row_id, algorithm in seen:
        synthetic = by_key.get((row_id, algorithm, "synthetic"))
        real = by_key.get((row_id, algorithm, "real"))
        ref_synthetic = reference.get((algorithm, "synthax"))
        ref_real = reference.get((algorithm, "real"))
        description = (synthetic or real)["description"]
        if algorithm == "snes":
            measured = [(arm, row) for arm, row in (("synthetic", synthetic), ("real", real))
                        if row]
            steps = ", ".join(f"{arm}: {row['generations']:,} "
                              f"generation{'s' * (row['generations'] != 1)}"
                              for arm, row in measured)
            diverged = [f"{row['diverged']} of {row['runs']} {arm} runs diverged (the search's "
                        "standard deviation overflowed) and are left out"
                        for arm, row in measured if row.get("diverged")]
            description += f" ({'; '.join([steps, *diverged])})"
        cells = " | ".join(interval_cell(r) for r in (synthetic, real, ref_synthetic, ref_real))
        lines.append(f"| {description} | {algorithm} | {cells} |")
        if synthetic and ref_synthetic and synthetic["ci_high"] < ref_synthetic["ci_low"]:
            below.append(f"{env_id} {algorithm}, {description}: {interval_cell(synthetic)} against "
                         f"{interval_cell(ref_synthetic)}")
        if synthetic and real and synthetic["ci_high"] < real["ci_low"]:
            worse.append(f"{env_id} {algorithm}, {description}: {interval_cell(synthetic)} against "
                         f"{interval_cell(real)} trained on the real env")
    return lines + [""], below, worse


def write_page(evaluated: dict[str, dict | None]) -> Path:
    lines = [
        "# Transfer: agents unlike those seen in meta-learning",
        "",
        "synthetic-gymnax (Liesen et al. 2024) reports that its synthetic environments train "
        "agents whose networks, optimisers and hyperparameters were never seen in "
        "meta-learning. This page measures that for synthax's shipped classic-control "
        "environments (`Synthetic-<env>`, the environments evaluated on the "
        "[results page](results.md)). Regenerate it (results are cached per environment in "
        "`experiments/results/transfer/<env>/`; `--envs` picks environments, `--force` "
        "recomputes them):",
        "",
        "```bash",
        COMMAND,
        "```",
        "",
        f"Every agent cell trains {RUNS} agents of one algorithm for 10,000 steps, with the "
        "meta-training sizes (`synthax.agents.INNER_LOOP` and each environment's "
        "`agent_kwargs` in `experiments/configs/`) except what the row changes, and the "
        "other hyperparameters drawn uniformly from `synthax.agents.SEARCH_SPACES` (the same "
        f"draws and seeds in both training columns); each agent is evaluated on {EPISODES} "
        "episodes of the real environment. Cells give the interquartile mean (IQM) of the "
        "agents' mean returns with a 95% stratified-bootstrap interval (rliable). The two "
        "*in distribution* columns are the same algorithm with the meta-training settings, "
        "from the results page (`experiments/results/classic_control/`).",
        "",
        "The rows: network width 16 and 256 and depth 1 and 3 hidden layers (meta-training: "
        "64 units, 2 layers), the activation meta-training does not use; RMSprop, and SGD with "
        "momentum 0.9, instead of Adam (the agents' `optimizer` field); fixed sizes outside "
        "the meta-training settings (each row names them); and a policy trained by an "
        f"evolution strategy instead of an agent: SNES (evosax) over the weights of an MLP "
        f"policy with one hidden layer of {ES_HIDDEN} tanh units, population "
        f"{ES_POPULATION}, each member scored on {ES_EPISODES} episodes, initial standard "
        f"deviation {ES_SIGMA:g}, run until it has taken {ES_BUDGET:,} environment steps in "
        "the environment it trains on (100 times an agent's budget; the synthetic "
        "environments are contextual bandits whose episodes are one step long, so the same "
        "budget buys many more generations there, as the row says). "
        f"{RUNS} runs (seeds) per column, the same in both; each run's final search mean is "
        f"evaluated on {EPISODES} real episodes. No evolution strategy trains in "
        "meta-learning, so that row has no in-distribution value.",
        "",
    ]
    below, worse = [], []
    for env_id, results in evaluated.items():
        superseded = (json.loads(superseded_path(env_id).read_text())
                      if superseded_path(env_id).exists() else None)
        if results is not None and (results["metadata"]["checkpoint_sha256"]
                                    != shipped_sha256(env_id)):
            # Measured on the environment shipped before: shown as `run_env` will keep it.
            if keeps_as_superseded(results, superseded is not None):
                superseded = results
            results = None
        section, env_below, env_worse = env_section(env_id, results, superseded)
        lines += section
        below += env_below
        worse += env_worse
    lines += ["## Cells well below their in-distribution value", ""]
    if below:
        lines += ["Cells whose synthetic-env interval lies wholly below the in-distribution "
                  "synthetic-env interval (the same algorithm, trained on the same synthetic "
                  "environment with the meta-training settings):", ""]
        lines += [f"- {b}" for b in below]
    else:
        lines.append("No measured cell's synthetic-env interval lies wholly below its "
                     "in-distribution interval.")
    lines += ["", "Cells where training on the synthetic environment does worse than training "
              "on the real one for the same steps (interval wholly below):", ""]
    lines += [f"- {w}" for w in worse] if worse else ["None among the measured cells."]
    wider = {env_id: json.loads(wider_path(env_id).read_text()) for env_id in WIDER
             if wider_path(env_id).exists() and evaluated.get(env_id)}
    if wider:
        lines += ["", "## Before and after a wider meta-training distribution", "",
                  "Meta-learning trains with Adam only, and agents that train with SGD fall "
                  "well below their in-distribution value on some environments (above). Each "
                  "environment below was meta-learned further from the shipped one with the "
                  "config's `optimizers` (every algorithm once per optimiser, in turn) and "
                  "measured on the in-distribution row and both optimiser rows with the same "
                  "agents, draws and seeds as above. SGD is part of this wider distribution; "
                  "RMSprop is not. These environments stay in their run folders "
                  "(`load_environment(<run>/env.eqx)`); `Synthetic-<env>` is still the shipped "
                  "one.", ""]
        for env_id, measured in wider.items():
            lines += wider_section(env_id, evaluated[env_id], measured)
    page = ROOT / "docs" / "transfer.md"
    atomic_write_text(page, "\n".join(lines).rstrip() + "\n")
    return page


def main():
    restart_with_cpu_devices()  # one JAX device per core (SYNTHAX_CPU_DEVICES=1: one)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", nargs="+", choices=list(CONFIGS), default=list(CONFIGS),
                        help="environments to measure (the page lists every cached one)")
    parser.add_argument("--force", action="store_true", help="re-measure cached results")
    parser.add_argument("--robust", action="store_true",
                        help="measure the environments meta-learned with a wider distribution "
                             f"(WIDER: {', '.join(WIDER)}) instead")
    args = parser.parse_args()
    enable_compilation_cache()
    # Every cached environment is on the page; it is rewritten after each measured row. With
    # --robust, --force re-measures the wider-distribution rows only.
    dropped = set() if args.robust or not args.force else set(args.envs)
    evaluated = {env_id: json.loads(results_path(env_id).read_text())
                 if results_path(env_id).exists() and env_id not in dropped
                 else None for env_id in CONFIGS}
    if args.robust:
        for env_id in args.envs:
            if env_id not in WIDER:
                parser.error(f"--robust: no wider-distribution run for {env_id}; "
                             f"allowed: {', '.join(WIDER)}")
            run_wider(env_id, args.force)
        print(write_page(evaluated))  # the shipped environments' rows are read, not measured
        return
    for env_id in args.envs:
        t0 = time.perf_counter()

        def on_save(results, env_id=env_id):
            evaluated[env_id] = results
            write_page(evaluated)

        evaluated[env_id] = run_env(env_id, args.force, on_save)
        print(f"{env_id}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    print(write_page(evaluated))


if __name__ == "__main__":
    main()
