"""Test matrix and chores: `nox -s tests`, `nox -s tests_matrix`, `nox -s tests_gpu`,
`nox -s lint`, `nox -s docs`.

`nox -s tests` (what CI runs) leaves out the tests marked `slow`; `nox -s tests -- -m slow` runs
only those, `nox -s tests -- -m ""` all of them. The matrix and GPU sessions run all."""

import os
import shutil
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint"]
# uv where it is installed (CI installs it: the tests session's environment took 18.8 s to build
# with uv, against about 97 s outside pytest for .ci/run with pip), else venv with pip.
nox.options.default_venv_backend = "uv|venv"

LOCK = "requirements.lock"
# Files go to the workers in collection order, the longest first (tests/conftest.py).
PYTEST = ["pytest", "-n", "2", "--dist", "loadfile", "--no-loadscope-reorder", "--durations", "15"]


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite on the CPU, with the locked dependency set and beartype checks."""
    session.install("-c", LOCK, "-e", ".[test]")
    session.run(*PYTEST, "-m", "not slow", *session.posargs, env={"JAX_PLATFORMS": "cpu"})


# The locked set resolves to binary wheels on each of these (rliable is pure Python): checked
# with `uv pip compile pyproject.toml --extra test -c requirements.lock --python-version 3.1x
# --only-binary :all: --no-binary rliable`. CI runs `tests`, on the interpreter nox runs under.
PYTHONS = ["3.11", "3.12", "3.13"]


@nox.session(python=PYTHONS)
def tests_matrix(session: nox.Session) -> None:
    """The test suite on every supported Python, each with the locked dependency set."""
    session.install("-c", LOCK, "-e", ".[test]")
    session.run(*PYTEST, *session.posargs, env={"JAX_PLATFORMS": "cpu"})


def _locked(name: str) -> str:
    """`name==version` as `requirements.lock` pins it."""
    for line in Path(LOCK).read_text().splitlines():
        if line.startswith(f"{name}=="):
            return line.strip()
    raise ValueError(f"{name} is not pinned in {LOCK}")


@nox.session
def tests_gpu(session: nox.Session) -> None:
    """The same tests with CUDA JAX (needs an NVIDIA GPU and driver), the CUDA plugin pinned to
    the locked jax version."""
    session.install("-c", LOCK, "-e", ".[test]")
    version = _locked("jax").split("==")[1]
    session.install("-c", LOCK, f"jax[cuda12]=={version}")
    session.run(*PYTEST, *session.posargs, env={"JAX_PLATFORMS": "cuda"})


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the package, tests, experiments and benchmarks."""
    session.install("ruff>=0.8")
    session.run("ruff", "check", "synthax", "tests", "experiments", "benchmarks", "noxfile.py")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site strictly, then open every page in headless Chromium
    (`docs/check_site.py`): failed requests (404s), images that did not load, broken links and
    anchors, and pages wider than the window or code and tables cut off at its edge."""
    session.install("-c", LOCK, "-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", "-d", "site", env={"NO_MKDOCS_2_WARNING": "1"})
    browsers = ("chromium", "chromium-browser", "google-chrome")
    if not os.environ.get("CHROMIUM") and not any(shutil.which(b) for b in browsers):
        if shutil.which("apt-get") and os.geteuid() == 0:
            session.run("apt-get", "update", external=True)
            session.run("apt-get", "install", "-y", "chromium", external=True)
        else:
            session.error("the site check needs Chromium: install it (Debian: apt-get install -y "
                          "chromium) or set CHROMIUM to its path")
    session.run("python", "docs/check_site.py", "site")
