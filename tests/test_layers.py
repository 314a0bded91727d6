"""The package's folders are layers that follow the data flow (docs/architecture.md).

Every module under src/accesssim is parsed with ``ast`` (no import runs); each import of another
accesssim module, wherever it stands (top level, inside a function, under TYPE_CHECKING), is an
edge. A module may import its own layer and the layers before it in ``LAYERS``, never one after
it, and the import graph has no cycles. The known exceptions are listed below with their
reason; each test also checks every listed exception is still needed, so the lists only shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

from helpers import REPO

PACKAGE = REPO / "src" / "accesssim"

#: The layers in data-flow order; a module may import only its own layer and earlier ones.
#: ``errors`` (the one exception hierarchy, and the package root) is first so everyone may
#: import it; ``i18n`` (messages translated at print time) next, since the search already
#: words its defects; ``synth`` (synth/: synthetic models and starting projects) may
#: import anything but the CLI.
LAYERS = ("errors", "i18n", "model", "policy", "time", "graph", "search", "findings", "engine",
          "inventory", "suite", "gate", "mutate", "changes", "faults", "remediate", "summary",
          "drift", "replay", "reports", "synth", "cli")

_ROOT_MODULES = {"accesssim": "errors", "accesssim.errors": "errors",
                 "accesssim.engine": "engine"}

#: Imports of a later layer that are known, each with its reason (importer, imported).
ALLOWED_UPWARD = {
    # Decisions are memoised per epoch of the rules naming an object, with the same date
    # arithmetic (epochs.py: pure, imports nothing of ours) the time layer cuts slices with;
    # one copy of that arithmetic is worth this one exception.
    ("accesssim.policy.decisions", "accesssim.time.epochs"),
}

#: Import cycles that are known, each as the set of its modules (none: keep it that way).
ALLOWED_CYCLES: set[frozenset[str]] = set()

MAX_LINES = 420
#: Modules over MAX_LINES, each with its reason (none: keep it that way).
ALLOWED_LONG: set[str] = set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> str:
    if module in _ROOT_MODULES:
        return _ROOT_MODULES[module]
    parts = module.split(".")
    assert len(parts) >= 2 and parts[1] in LAYERS, f"{module} is in no layer of LAYERS"
    return parts[1]


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The accesssim modules ``path`` imports (``from pkg import sub`` names the submodule)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else node.module)
    return {name for name in found if name in modules}


def _graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for module, path in modules.items():
        graph.add_edges_from((module, imported) for imported in _imports(path, set(modules)))
    return graph


def _upward() -> set[tuple[str, str]]:
    return {(a, b) for a, b in _graph().edges if LAYERS.index(_layer(b)) > LAYERS.index(_layer(a))}


def test_every_module_is_in_a_layer() -> None:
    """Each module maps to exactly one layer of LAYERS (a new folder must be placed)."""
    for module in _modules():
        assert _layer(module) in LAYERS


def test_the_import_graph_is_read() -> None:
    """The parser sees imports of each kind (so the checks below are not vacuous)."""
    graph = _graph()
    assert graph.has_edge("accesssim.engine", "accesssim.search.exposures")  # top level
    assert graph.has_edge("accesssim.cli.analyze", "accesssim.engine")  # inside a function
    assert graph.has_edge("accesssim.policy.load", "accesssim.policy.regex")  # from pkg import
    assert graph.has_edge("accesssim.cli.explain", "accesssim.findings.results")  # TYPE_CHECKING


def test_no_module_imports_a_later_layer() -> None:
    """Only the listed exceptions import a layer after their own."""
    unexpected = sorted(_upward() - ALLOWED_UPWARD)
    assert not unexpected, f"imports of a later layer (see LAYERS): {unexpected}"


def test_every_allowed_upward_import_is_still_needed() -> None:
    """An exception that no longer happens is removed from ALLOWED_UPWARD."""
    stale = sorted(ALLOWED_UPWARD - _upward())
    assert not stale, f"no longer needed, remove from ALLOWED_UPWARD: {stale}"


def test_no_import_cycles() -> None:
    """The module import graph is acyclic apart from the listed cycles, which still exist."""
    graph = _graph()
    cycles = {frozenset(cycle) for cycle in nx.simple_cycles(graph)}
    assert cycles == ALLOWED_CYCLES
    for cycle in ALLOWED_CYCLES:  # breaking one listed edge per cycle leaves no cycle at all
        a, b = sorted(cycle)
        graph.remove_edge(b, a)
    assert nx.is_directed_acyclic_graph(graph)


def _line_counts() -> dict[str, int]:
    return {path.relative_to(PACKAGE).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
            for path in PACKAGE.rglob("*.py")}


def test_no_module_is_too_long() -> None:
    """Every module is at most MAX_LINES lines, apart from the listed ones."""
    long = sorted(name for name, count in _line_counts().items()
                  if count > MAX_LINES and name not in ALLOWED_LONG)
    assert not long, f"over {MAX_LINES} lines: {long}"


def test_every_allowed_long_module_is_still_long() -> None:
    """A listed module that is now short enough (or gone) is removed from ALLOWED_LONG."""
    counts = _line_counts()
    stale = sorted(name for name in ALLOWED_LONG if counts.get(name, 0) <= MAX_LINES)
    assert not stale, f"no longer needed, remove from ALLOWED_LONG: {stale}"
