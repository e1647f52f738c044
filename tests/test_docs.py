"""The Python blocks of the README, the home page and Getting started run and do what they say.

Each page's ```python blocks run in order in one namespace (as a reader pastes them), in a
temporary working directory (the save-and-load block writes a file).
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md", "docs/index.md", "docs/getting-started.md"]
FENCE = re.compile(r"^```python\n(.*?)^```\s*$", re.S | re.M)


def python_blocks(page: str) -> list[str]:
    return FENCE.findall((ROOT / page).read_text())


def run_page(page: str) -> dict:
    namespace: dict = {"__name__": "__docs__"}
    for i, block in enumerate(python_blocks(page), 1):
        exec(compile(block, f"{page} (python block {i})", "exec"), namespace)
    return namespace


# Getting started trains several full-size (10k-step) agents: `slow`, with the other long
# tests (`nox -s tests -- -m slow`).
@pytest.mark.parametrize("page", [
    pytest.param(p, marks=pytest.mark.slow) if p == "docs/getting-started.md" else p
    for p in PAGES])
def test_python_blocks_run(page, tmp_path, monkeypatch):
    assert python_blocks(page), f"{page} has no python block"
    monkeypatch.chdir(tmp_path)
    namespace = run_page(page)
    if "result" in namespace:
        # The quickstart says the agent trained on the synthetic environment keeps the real pole
        # up; 500 is the most CartPole-v1 gives (rounding may differ on another processor).
        assert float(namespace["result"].returns.mean()) >= 475
    if page == "docs/getting-started.md":
        assert (tmp_path / "my-cartpole.eqx").exists()


def test_readme_quickstart_is_short():
    quickstart = python_blocks("README.md")[0]
    assert len(quickstart.strip().splitlines()) <= 10
    assert "synthax.evaluate" in quickstart and ".train(" in quickstart
