"""The compile phase's fast paths give exactly what the straightforward code gave.

``build_slices`` reads validity windows from the model's lists of guarded elements instead of
reflecting over every field of every object; these tests keep the reflective walk as the
reference and compare the slices on every shipped scenario and on random models, and check
that the model has no other place a guarded element can sit. The graph is written through
``_writers``, which must leave networkx's dicts exactly as ``add_node``/``add_edge`` would.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from pydantic import BaseModel

from accesssim.engine import Analyzer, Project, load_project
from accesssim.graph.compile import _writers
from accesssim.model.schema import Guarded, SystemModel
from accesssim.reports.explain import explanation_to_dict
from accesssim.search import compiled as compiled_module
from accesssim.suite.suite import discover
from accesssim.time.epochs import boundaries, epochs
from accesssim.time.slices import Slice, build_slices
from profiles import examples
from strategies import REPO, Generated, materialise, projects

SCENARIOS = discover([REPO / "scenarios"])  # change sets there are no scenarios


def _policy_date(value: str | None) -> dt.date | None:
    return None if value is None or value == "*" else dt.date.fromisoformat(value)


def reflective_slices(project: Project, modes: list[str], at: dt.date | None) -> list[Slice]:
    """``build_slices`` as it was: every ``valid`` found by visiting every pydantic field."""
    windows: list[tuple[dt.date | None, dt.date | None]] = []

    def visit(obj: BaseModel) -> None:
        valid = getattr(obj, "valid", None)
        if valid is not None:
            windows.append((valid.start, valid.until))
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, BaseModel) and name != "valid":
                    visit(item)

    visit(project.loaded.model)
    policy = project.policy
    for rule in policy.rules:
        windows.append((_policy_date(rule.get("valid_from", policy.p_tokens)),
                        _policy_date(rule.get("valid_until", policy.p_tokens))))
    windows.extend((day, day) for day in policy.matcher_dates)
    chosen = [(e, at if at is not None else e.representative())
              for e in epochs(boundaries(windows)) if at is None or e.contains(at)]
    result: list[Slice] = []
    for mode in modes:
        for epoch, day in chosen:
            result.append(Slice(len(result), mode, epoch, day))
    return result


def _check(project: Project) -> None:
    modes = list(project.loaded.model.modes)
    assert build_slices(project.loaded, project.policy, modes, None) == reflective_slices(
        project, modes, None)
    day = dt.date(2020, 7, 1)
    assert build_slices(project.loaded, project.policy, modes[:1], day) == reflective_slices(
        project, modes[:1], day)


@pytest.mark.parametrize("model", SCENARIOS, ids=lambda p: str(p.relative_to(REPO)))
def test_slices_equal_the_reflective_walk_on_shipped_scenarios(model: Path) -> None:
    _check(load_project(model, REPO))


@settings(max_examples=examples(60), deadline=None)
@given(projects())
def test_slices_equal_the_reflective_walk_on_random_models(gen: Generated) -> None:
    with materialise(gen) as project:
        _check(project)


def _guarded_paths(cls: type[BaseModel], prefix: str = "") -> set[str]:
    """Every field path from ``cls`` to a guarded element (through lists and optionals)."""
    found: set[str] = set()
    for name, info in cls.model_fields.items():
        if name == "valid":
            continue
        todo: list[object] = [info.annotation]
        while todo:
            tp = todo.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                path = f"{prefix}{name}"
                if issubclass(tp, Guarded):
                    found.add(path)
                found |= _guarded_paths(tp, f"{path}.")
            elif isinstance(tp, types.UnionType) or typing.get_origin(tp) is not None:
                todo.extend(typing.get_args(tp))
    return found


def test_build_slices_reads_every_place_a_guarded_element_can_sit() -> None:
    """A new guarded field in the model must be added to ``build_slices`` (and here)."""
    assert _guarded_paths(SystemModel) == {
        "trust", "people", "locations", "accounts", "terminals",
        "systems.screens", "systems.screens.shows", "systems.transitions",
    }


def _graph_state(G: nx.MultiDiGraph) -> tuple[object, ...]:
    """Everything networkx keeps, in its order: nodes, successors and predecessors."""
    return (list(G.nodes(data=True)),
            [(u, list(G._succ[u].items())) for u in G],
            [(u, list(G._pred[u].items())) for u in G])


def test_graph_writers_fill_the_graph_as_networkx_does() -> None:
    """Missing end nodes are created bare, a node added later keeps them, a repeated key
    updates its edge, parallel edges keep their keys."""
    steps: list[tuple[str, tuple[object, ...]]] = [
        ("node", (("a", 1), {"kind": "a"})),
        ("edge", (("a", 1), ("b", 2), "k", {"relation": "r", "x": 1})),
        ("edge", (("a", 1), ("b", 2), "k2", {"relation": "r"})),
        ("edge", (("a", 1), ("b", 2), "k", {"x": 2, "y": 3})),
        ("node", (("b", 2), {"kind": "b"})),
        ("node", (("a", 1), {"extra": True})),
        ("edge", (("c", 3), ("a", 1), "k", {"relation": "s"})),
        ("edge", (("c", 3), ("c", 3), "loop", {"relation": "t"})),
    ]
    plain, fast = nx.MultiDiGraph(), nx.MultiDiGraph()
    add_node, add_edge = _writers(fast)
    for kind, args in steps:
        if kind == "node":
            node, attr = args
            plain.add_node(node, **dict(attr))  # type: ignore[arg-type]
            add_node(node, dict(attr))  # type: ignore[arg-type]
        else:
            u, v, key, data = args
            plain.add_edge(u, v, key=key, **dict(data))  # type: ignore[arg-type]
            add_edge(u, v, key, dict(data))  # type: ignore[arg-type]
    assert _graph_state(fast) == _graph_state(plain)


def _everyone_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the analyser compile every person's ways in (``searched=None``)."""
    original = compiled_module.compile_graph

    def full(*args: Any, **kwargs: Any) -> nx.MultiDiGraph:
        return original(*args[:7], **kwargs)  # drop ``searched``

    monkeypatch.setattr(compiled_module, "compile_graph", full)


def _answers(project: Project) -> tuple[object, ...]:
    """The report, and ``explain`` for every person and field of the model."""
    model = project.loaded.model
    engine = Analyzer(project.loaded, project.policy, modes=list(model.modes))
    fields = [f.id for s in model.systems for f in s.fields]
    explained = [explanation_to_dict(engine.explain(p.id, f)) for p in model.people for f in fields]
    return engine.run(), explained, engine.graph.number_of_edges()


def _check_pruning(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    report, explained, edges = _answers(project)
    with monkeypatch.context() as patched:
        _everyone_compiled(patched)
        full_report, full_explained, full_edges = _answers(project)
    assert report == full_report
    assert explained == full_explained
    assert edges <= full_edges


@pytest.mark.parametrize("model", SCENARIOS, ids=lambda p: str(p.relative_to(REPO)))
def test_ways_in_of_insiders_change_no_answer_on_shipped_scenarios(
        model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only people outside some boundary get their accounts and terminals compiled: the
    reports and every ``explain`` are those of the graph with everyone's."""
    _check_pruning(load_project(model, REPO), monkeypatch)


@settings(max_examples=examples(40), deadline=None)
@given(projects())
def test_ways_in_of_insiders_change_no_answer_on_random_models(gen: Generated) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch, materialise(gen) as project:
        _check_pruning(project, monkeypatch)
