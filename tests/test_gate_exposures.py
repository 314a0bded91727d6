"""Exposures (gate/exposures.py) against the engine's report and the per-slice runs, and the
semantic diff against two analyses of random models before and after one random edit.

The oracle for "who sees what when" is ``strategies.engine_by_day``: the engine run once per
slice (one mode, one day), its (person, field) pairs spread over ``PROBE_DAYS``, which hit every
epoch of both versions of a model. It shares no code with gate/.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from hypothesis import assume, event, given, note, settings
from hypothesis import strategies as st

from accesssim.engine import Analyzer, Project
from accesssim.findings.results import Report, Window
from accesssim.gate.diff import Fact, diff, facts
from accesssim.gate.exposures import Exposure, exposures
from accesssim.time.epochs import Epoch, merge_epochs
from profiles import examples
from strategies import (
    _VALIDITIES,
    PROBE_DAYS,
    Generated,
    allow_rules,
    engine_by_day,
    exposed_projects,
    materialise,
    projects,
)

Day = tuple[str, str, str, dt.date]


def _analyse(project: Project) -> tuple[Report, tuple[Exposure, ...]]:
    modes = list(project.loaded.model.modes)
    report = Analyzer(project.loaded, project.policy, modes=modes).run()
    return report, exposures(Analyzer(project.loaded, project.policy, modes=modes))


def _days(items: tuple[Fact, ...]) -> set[Day]:
    return {(f.person, f.field, f.mode, day) for f in items for day in PROBE_DAYS
            if Epoch(f.start, f.end).contains(day)}


def _case(usage: str = "masked") -> Generated:
    """The issue's case: a retail clerk's screen shows two grid fields in clear, a third
    ``usage`` field as given."""
    model: dict[str, Any] = {
        "accesssim": 1, "name": "case", "modes": ["normal", "disaster"],
        "organizations": [{"id": "nw", "name": "nw", "kind": "grid"},
                          {"id": "retail", "name": "r", "kind": "retail",
                           "affiliated_with": "nw"}],
        "trust": [],
        "people": [{"id": "clerk", "org": "retail", "locations": ["office"]}],
        "locations": [{"id": "office", "owner": "retail", "open_to": ["retail"]}],
        "accounts": [{"id": "acc", "holder": "clerk", "systems": ["cis"], "known_by": []}],
        "terminals": [{"id": "t1", "location": "office", "owner": "retail",
                       "assigned_to": ["clerk"], "open": False, "systems": ["cis"],
                       "accounts": "any", "logged_in": []}],
        "systems": [{"id": "cis", "owner": "nw",
                     "fields": [{"id": "name"}, {"id": "address"}, {"id": "usage"}],
                     "screens": [{"id": "customer", "shows": [
                         {"field": "name", "masking": "clear"},
                         {"field": "address", "masking": "clear"},
                         {"field": "usage", "masking": usage}]}],
                     "transitions": []}],
        "casbin": {"model": "accesssim.conf", "policy": "policy.csv"},
    }
    rows = [["p", "clerk_role", "cis", "customer", "open", "allow", "*", "*", "*"],
            ["g", "acc", "clerk_role", "cis"]]
    return Generated(model, rows)


def test_one_more_field_in_clear_is_a_widening_under_the_same_finding_id() -> None:
    """The unsafe recipe's case: the finding grows from 2 to 3 fields and keeps its id, so
    "no new finding ids" passes; the diff must call it widened."""
    with materialise(_case("masked")) as project:
        base_report, base = _analyse(project)
    with materialise(_case("clear")) as project:
        head_report, head = _analyse(project)
    (before,), (after,) = base_report.findings, head_report.findings
    assert before.id == after.id
    assert (before.fields, after.fields) == (("address", "name"), ("address", "name", "usage"))
    d = diff(base, head)
    assert d.widens
    assert d.widened == (Fact("clerk", "usage", "disaster", None, None),
                         Fact("clerk", "usage", "normal", None, None))
    assert [(c.id, c.status) for c in d.findings] == [(after.id, "widened")]
    assert [c.status for c in d.with_status("widened")] == ["widened"]
    assert diff(head, base).narrowed == d.widened and not diff(head, base).widens


def _check_against_report(report: Report, found: tuple[Exposure, ...]) -> None:
    """Per finding: the same (person, field) pairs and, merged, the same windows."""
    pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
    epochs: dict[str, dict[str, list[Epoch]]] = defaultdict(lambda: defaultdict(list))
    for e in found:
        pairs[e.finding].add((e.person, e.field))
        epochs[e.finding][e.mode].append(Epoch(e.start, e.end))
        assert e.finding in {f.id for f in report.findings}
    assert set(pairs) == {f.id for f in report.findings}
    for finding in report.findings:
        assert tuple(sorted(pairs[finding.id])) == finding.exposures
        assert tuple((d.type, d.element) for d in finding.defects) == next(
            e.root for e in found if e.finding == finding.id)
        windows = tuple(Window(mode, w.start, w.end) for mode in sorted(epochs[finding.id])
                        for w in merge_epochs(epochs[finding.id][mode]))
        assert windows == finding.windows


@settings(max_examples=examples(60), deadline=None)
@given(st.one_of(projects(), exposed_projects()))
def test_exposures_are_the_reports_and_the_per_slice_runs(gen: Generated) -> None:
    """Exactness: the exposures hold the report's findings, and their days are exactly the
    days on which the engine run on that one slice shows the person the field."""
    note(gen.describe())
    with materialise(gen) as project:
        report, found = _analyse(project)
        _check_against_report(report, found)
        assert _days(facts(found)) == engine_by_day(project)
        event(f"exposures: {min(len(found), 3)}")
        assert list(found) == sorted(set(found), key=lambda e: (
            e.person, e.field, e.mode, e.root, e.start or dt.date.min))


# -- one random edit ---------------------------------------------------------------------------
_GUARDED = ("people", "locations", "accounts", "terminals")


def _edit(data: st.DataObject, gen: Generated) -> Generated:
    """One change a pull request could make, drawn to open something more often than not
    (a display set to clear, a validity dropped, an allow row added); the test also runs
    each edit backwards, so narrowings are as common."""
    after = gen.copy()
    m = after.model
    planted = m["systems"][0]["screens"][0]  # on the path exposed_projects plants: often
    displays = [d for s in m["systems"] for x in s["screens"] for d in x["shows"]]
    displays += planted["shows"] * 3
    transitions = [t for s in m["systems"] for t in s["transitions"]]
    guarded = [x for kind in _GUARDED for x in m[kind]]
    guarded += [x for s in m["systems"] for x in (*s["screens"], *s["transitions"])]
    guarded += [*displays, planted, m["people"][0], m["accounts"][0], m["terminals"][0]] * 2
    kinds = ["masking", "masking", "location", "validity", "drop-row", "add-row", "add-row"]
    kinds += ["checked"] if transitions else []
    kinds += ["trust"] if m["trust"] else []
    kind = data.draw(st.sampled_from(kinds), label="edit")
    if kind == "masking":
        display = data.draw(st.sampled_from(displays), label="display")
        display["masking"] = data.draw(st.sampled_from(["clear", "clear", "policy", "masked"]))
    elif kind == "location":
        person = data.draw(st.sampled_from(m["people"]), label="person")
        person["locations"] = sorted({*person["locations"], data.draw(
            st.sampled_from([x["id"] for x in m["locations"]]), label="location")})
    elif kind == "validity":
        element = data.draw(st.sampled_from(guarded), label="element")
        valid = data.draw(st.sampled_from([None, None, *_VALIDITIES]), label="valid")
        element.pop("valid", None)
        if valid is not None:
            element["valid"] = dict(valid)
    elif kind == "checked":
        transition = data.draw(st.sampled_from(transitions), label="transition")
        transition["checked"] = not transition["checked"]
    elif kind == "trust":
        del m["trust"][data.draw(st.integers(0, len(m["trust"]) - 1), label="grant")]
    elif kind == "drop-row" and after.rows:
        del after.rows[data.draw(st.sampled_from([0, 0, *range(len(after.rows))]),
                                 label="row")]
    elif kind == "add-row":
        row = data.draw(allow_rules(m, eft="allow"), label="row")
        if row not in after.rows:
            after.rows.insert(0, row)
    return after


@settings(max_examples=examples(100), deadline=None)
@given(exposed_projects(), st.data())
def test_diff_widens_exactly_when_the_analysed_facts_grow(gen: Generated,
                                                         data: st.DataObject) -> None:
    """For a random model and one random edit, the diff's gained and lost days are exactly
    the (person, field, mode, day) facts two per-slice runs of the engine gained and lost."""
    after = _edit(data, gen)
    assume(after.model != gen.model or after.rows != gen.rows)
    if data.draw(st.booleans(), label="backwards"):
        gen, after = after, gen
    note(f"before:\n{gen.describe()}\nafter:\n{after.describe()}")
    with materialise(gen) as project:
        base, truth_before = _analyse(project)[1], engine_by_day(project)
    with materialise(after) as project:
        head, truth_after = _analyse(project)[1], engine_by_day(project)
    d = diff(base, head)
    event(f"widens: {d.widens}, narrows: {bool(d.narrowed)}")
    assert _days(d.widened) == truth_after - truth_before
    assert _days(d.narrowed) == truth_before - truth_after
    assert d.widens == bool(truth_after - truth_before)
    # Every day gained is gained by a finding reported new or widened, and by an exposure
    # identity (fingerprint) too: what a waiver or a witness will be attached to.
    for changes in (d.findings, d.exposures):
        opened = [c for c in changes if c.status in ("new", "widened")]
        assert _days(d.widened) <= {day for c in opened for day in _days(c.gained)}
        assert all(c.gained for c in opened)
