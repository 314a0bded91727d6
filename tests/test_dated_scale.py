"""Many dated elements: searching each person once per span of their own cuts (search/spans.py)
gives exactly the report of the straightforward search of every person in every slice.

The straightforward search is ``Analyzer(..., per_slice=True)``: every outsider in every slice,
memo keys per slice. Reports are compared whole: findings, ids, defects, people, windows,
witnesses, warnings and the count of Casbin checks.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from accesssim.engine import Analyzer, Project, load_project
from accesssim.findings.results import Report
from accesssim.graph.guards import DecisionGuard
from accesssim.search.spans import spans
from accesssim.time.epochs import Epoch
from accesssim.time.slices import Slice
from profiles import examples
from strategies import REPO, VARIANTS, Generated, materialise, projects, variant_projects

D = dt.date


#: The larger generated models run in the thorough profile (.ci/run); the default runs one.
THOROUGH_ONLY = pytest.mark.thorough


def _bench() -> ModuleType:
    """benchmarks/bench_dated.py, whose generator writes the many-dated-elements models."""
    spec = importlib.util.spec_from_file_location("bench_dated",
                                                  REPO / "benchmarks" / "bench_dated.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_dated"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


BENCH = _bench()


@pytest.fixture
def dated_project(request: pytest.FixtureRequest) -> Iterator[Project]:
    size, seed = request.param
    folder = Path(tempfile.mkdtemp(prefix="accesssim-dated-"))
    try:
        model = BENCH.write_model(folder, size, seed)
        yield load_project(model, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _both(project: Project, at: dt.date | None = None) -> tuple[Report, Report, Analyzer]:
    modes = list(project.loaded.model.modes)
    fast = Analyzer(project.loaded, project.policy, modes=modes, at=at)
    plain = Analyzer(project.loaded, project.policy, modes=modes, at=at, per_slice=True)
    return fast.run(), plain.run(), fast


@pytest.mark.parametrize("dated_project", [(120, 0), pytest.param((160, 1), marks=THOROUGH_ONLY),
                                           pytest.param((200, 2), marks=THOROUGH_ONLY)],
                         indirect=True,
                         ids=["120-seed0", "160-seed1", "200-seed2"])
def test_many_dated_elements_same_report_as_per_slice(dated_project: Project) -> None:
    """A model with ~100-200 dated elements (hundreds of slices): the same report, exactly."""
    fast, plain, analyzer = _both(dated_project)
    assert plain.slices > 300  # many epochs: the case the spans are for
    assert plain.findings, "the model must expose something for the comparison to mean much"
    assert any(len(f.windows) > 1 or f.windows[0].start is not None for f in plain.findings)
    assert fast == plain
    # The mechanism, not a timing: far fewer person searches than slices x outsiders.
    outsiders = list(analyzer.compiled.outsiders)
    by_mode: dict[str, list[Slice]] = {}
    for sl in analyzer.slices:
        by_mode.setdefault(sl.mode, []).append(sl)
    searched = sum(len(spans(s, [x.day for x in s], analyzer.relevance.person(p.id)))
                   for p in outsiders for s in by_mode.values())
    assert searched * 3 < len(analyzer.slices) * len(outsiders)


def test_many_dated_elements_with_purposes_grants_and_unmask_rules(tmp_path: Path) -> None:
    """The same model with a disaster-purpose role, an organization-wide dated trust grant in
    disaster mode and dated unmask rules: grounds that carry defects cut every rule date."""
    model, policy, _ = BENCH.dated_model(140, 5)
    model = model.replace("trust:\n", "trust:\n  - {orgs: [rt], systems: [wheel], modes: "
                          "[disaster], valid: {from: 2018-03-01, until: 2019-09-30}}\n", 1)
    model = model.replace("  policy: policy.csv\n", "  policy: policy.csv\n"
                          "  role_purposes: {clerk: disaster}\n")
    policy += ("p, clerk, wheel, f05, unmask, allow, *, 2017-01-01, 2018-06-30\n"
               "p, clerk, wheel, f02, unmask, allow, normal, 2019-01-01, *\n")
    (tmp_path / "model.yaml").write_text(model, encoding="utf-8")
    (tmp_path / "policy.csv").write_text(policy, encoding="utf-8")
    (tmp_path / "accesssim.conf").write_text(BENCH.shipped_conf_text(), encoding="utf-8")
    fast, plain, _ = _both(load_project(tmp_path / "model.yaml", tmp_path))
    assert any("emergency" in t.value for f in plain.findings for t in f.failure_types)
    assert fast == plain


@pytest.mark.parametrize("dated_project", [(150, 4)], indirect=True, ids=["150-seed4"])
def test_many_dated_elements_same_report_on_one_day(dated_project: Project) -> None:
    """With ``--at``, one slice per mode: the same report as the straightforward search."""
    for day in (D(2016, 6, 1), D(2019, 2, 28), D(2030, 1, 1)):
        fast, plain, _ = _both(dated_project, day)
        assert fast == plain


@settings(max_examples=examples(60))
@given(projects())
def test_random_projects_same_report_as_per_slice(gen: Generated) -> None:
    """Random small projects (dated people, accounts, terminals, grants, rules, displays)."""
    note(gen.describe())
    with materialise(gen) as project:
        fast, plain, _ = _both(project)
    assert fast == plain


@pytest.mark.parametrize("name", sorted(VARIANTS))
@settings(max_examples=examples(8))
@given(drawn=st.data())
def test_matcher_variants_same_report_as_per_slice(name: str, drawn: st.DataObject) -> None:
    """Matchers the engine reads differently (grid fallback, domain-less roles...)."""
    gen = drawn.draw(variant_projects(name))
    note(gen.describe())
    with materialise(gen) as project:
        fast, plain, _ = _both(project)
    assert fast == plain


def _slice(index: int, day: dt.date) -> Slice:
    return Slice(index, "normal", Epoch(day, day), day)


def test_spans_split_at_the_first_slice_on_or_after_each_cut() -> None:
    """Cuts between slices split the run there; cuts before, after or on no slice do not."""
    days = [D(2020, 1, 1), D(2020, 2, 1), D(2020, 3, 1), D(2020, 4, 1)]
    slices = [_slice(i, d) for i, d in enumerate(days)]
    got = spans(slices, days, [D(2019, 1, 1), D(2020, 1, 15), D(2020, 3, 1), D(2031, 1, 1)])
    assert [(a.index, b.index) for a, b in got] == [(0, 0), (1, 1), (2, 3)]
    assert [(a.index, b.index) for a, b in spans(slices, days, [])] == [(0, 3)]
    assert [(a.index, b.index) for a, b in spans(slices, days, None)] == [
        (0, 0), (1, 1), (2, 2), (3, 3)]
    assert spans([], [], [D(2020, 1, 1)]) == []


def test_decision_guard_holds_per_span_and_names_the_cuts_where_it_flips() -> None:
    """Allowed in normal mode from 2020-01-01 to 2020-12-31 (span 1), never in disaster."""
    guard = DecisionGuard((D(2020, 1, 1), D(2021, 1, 1), D(2022, 1, 1)),
                          frozenset({("normal", 1), ("normal", 2)}))
    assert guard.holds(_slice(0, D(2020, 6, 1)))
    assert guard.holds(_slice(0, D(2021, 6, 1)))
    assert not guard.holds(_slice(0, D(2019, 6, 1)))
    assert not guard.holds(_slice(0, D(2022, 1, 1)))
    assert not guard.holds(Slice(0, "disaster", Epoch(None, None), D(2020, 6, 1)))
    assert guard.changes() == {D(2020, 1, 1), D(2022, 1, 1)}  # 2021-01-01 flips nothing
