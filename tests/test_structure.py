"""The package's shape: no import cycle between its subpackages and top-level modules, and no
private synthax names used by the experiments, benchmarks and tests."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "synthax"


def _unit(path: Path) -> str | None:
    """The subpackage or top-level module a file belongs to (`envs`, `cli`, ...)."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return None if parts == ("__init__",) else parts[0]


def _imported_units(path: Path) -> set[str]:
    """Units that `path` imports, at module level or inside functions."""
    package = list(path.relative_to(ROOT).with_suffix("").parts)[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
                names.add(name)
                if not node.module:
                    names |= {f"{name}.{alias.name}" for alias in node.names}
            else:
                names.add(node.module)
    return {n.split(".")[1] for n in names if n and n.startswith("synthax.") and n.count(".")}


def test_no_import_cycle_between_subpackages():
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        unit = _unit(path)
        if unit is not None:
            graph.setdefault(unit, set()).update(_imported_units(path) - {unit})
    assert {"envs", "agents", "meta", "checkpoints", "evaluation"} <= set(graph)

    def cycle_from(start):
        stack = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    return trail + [start]
                if nxt not in trail:
                    stack.append((nxt, trail + [nxt]))
        return None

    cycles = [c for c in map(cycle_from, sorted(graph)) if c]
    assert not cycles, f"import cycles: {[' -> '.join(c) for c in cycles]}"


def test_experiments_benchmarks_and_tests_use_public_names():
    private = re.compile(r"synthax\._(?!version)|\._combine\b")
    offenders = [f"{p.relative_to(ROOT)}:{i}" for folder in ("experiments", "benchmarks", "tests")
                 for p in (ROOT / folder).rglob("*.py") if p.name != "test_structure.py"
                 for i, line in enumerate(p.read_text().splitlines(), 1)
                 if private.search(line)]
    assert not offenders, offenders
