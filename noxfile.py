"""Test matrix and chores: `nox -s tests`, `nox -s tests_gpu`, `nox -s lint`, `nox -s docs`."""

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.default_venv_backend = "venv"

LOCK = "requirements.lock"
PYTEST = ["pytest", "-n", "2", "--dist", "loadfile", "--durations", "15"]


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite on the CPU, with the locked dependency set and beartype checks."""
    session.install("-c", LOCK, "-e", ".[test]")
    session.run(*PYTEST, *session.posargs, env={"JAX_PLATFORMS": "cpu"})


@nox.session
def tests_gpu(session: nox.Session) -> None:
    """The same tests with CUDA JAX (needs an NVIDIA GPU and driver)."""
    session.install("-c", LOCK, "-e", ".[test]")
    session.install("jax[cuda12]")
    session.run(*PYTEST, *session.posargs, env={"JAX_PLATFORMS": "cuda"})


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the package, tests, experiments and benchmarks."""
    session.install("ruff>=0.8")
    session.run("ruff", "check", "synthax", "tests", "experiments", "benchmarks", "noxfile.py")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site with mkdocs-material, strictly."""
    session.install("-c", LOCK, "-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", "-d", "site")
