"""Plots of meta-training runs (matplotlib, written atomically as PNG)."""

import json
import os
import tempfile
from pathlib import Path


def plot_meta_training(
    log_path: str | Path, out_path: str | Path, title: str | None = None
) -> Path:
    """Plot a run's `log.jsonl`: per generation, the real return of agents trained on the
    search distribution's mean (`mean_return`, one colour per inner-loop algorithm) and the
    population's mean fitness (`fitness_mean`, faint).

    **Arguments:** `log_path` (a run's `log.jsonl`); `out_path` (the PNG to write); `title`
    (default: the run folder's name).

    **Returns:** `out_path` as a `Path`.

    **Raises:** `ValueError` if the log holds no generation.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    log_path, out_path = Path(log_path), Path(out_path)
    records = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    if not records:
        raise ValueError(f"{log_path} holds no generation to plot")
    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    algorithms = list(dict.fromkeys(r.get("algorithm", "agent") for r in records))
    for algorithm in algorithms:
        rows = [r for r in records if r.get("algorithm", "agent") == algorithm]
        gens = [r["generation"] for r in rows]
        line, = ax.plot(gens, [r["mean_return"] for r in rows], marker="o", markersize=3,
                        label=f"mean env, {algorithm}")
        ax.plot(gens, [r["fitness_mean"] for r in rows], color=line.get_color(), alpha=0.35,
                linestyle="--", label=f"population mean fitness, {algorithm}")
    ax.set_xlabel("generation")
    ax.set_ylabel("real-environment return")
    ax.set_title(title or log_path.parent.name)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_path.parent, suffix=".png.tmp")
    os.close(fd)
    try:
        fig.savefig(tmp, format="png")
        os.replace(tmp, out_path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out_path
