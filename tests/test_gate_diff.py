"""The semantic diff (gate/diff.py) on hand-made exposure sets: one test per class of change."""

from __future__ import annotations

import datetime as dt

from accesssim.gate.diff import Fact, diff, facts
from accesssim.gate.exposures import Exposure, RootKey, fingerprint
from accesssim.search.defects import FailureType

MASK: RootKey = ((FailureType.MASKING_DEFECT, "display:customer:masking-defect"),)
TERM: RootKey = ((FailureType.MASKING_DEFECT, "display:billing:masking-defect"),)
D1, D2, D3 = dt.date(2020, 1, 1), dt.date(2020, 7, 1), dt.date(2021, 1, 1)


def exp(field: str = "name", *, person: str = "clerk", mode: str = "normal",
        start: dt.date | None = None, end: dt.date | None = None,
        root: RootKey = MASK) -> Exposure:
    return Exposure(person, field, mode, start, end, root)


def test_identical_sets_change_nothing() -> None:
    base = (exp("name"), exp("address"))
    d = diff(base, base)
    assert not d.widens and d.widened == () and d.narrowed == ()
    assert [c.status for c in d.findings] == ["unchanged"]
    assert [c.status for c in d.exposures] == ["unchanged", "unchanged"]


def test_a_field_more_under_the_same_root_is_a_widening_of_that_finding() -> None:
    """The issue's case: one more field in clear grows a finding from 2 to 3 fields, same id."""
    base = (exp("name"), exp("address"))
    head = (*base, exp("usage"))
    d = diff(base, head)
    assert d.widens
    assert d.widened == (Fact("clerk", "usage", "normal", None, None),)
    assert d.narrowed == ()
    (finding,) = d.findings
    assert finding.id == exp().finding and finding.status == "widened"
    assert finding.gained == d.widened and finding.lost == ()
    by_id = {c.id: c.status for c in d.exposures}
    assert by_id[fingerprint("clerk", "usage", MASK)] == "new"
    assert by_id[fingerprint("clerk", "name", MASK)] == "unchanged"


def test_a_new_mode_is_a_widening() -> None:
    base = (exp(mode="normal"),)
    d = diff(base, (*base, exp(mode="disaster")))
    assert d.widened == (Fact("clerk", "name", "disaster", None, None),)
    assert d.findings[0].status == "widened"


def test_more_dates_are_a_widening_and_only_the_new_days_are_reported() -> None:
    base = (exp(start=D1, end=D2),)
    head = (exp(start=D1, end=D3),)
    d = diff(base, head)
    assert d.widened == (Fact("clerk", "name", "normal", D2 + dt.timedelta(days=1), D3),)
    assert d.narrowed == ()
    assert [c.status for c in d.findings] == ["widened"]
    assert [c.status for c in d.exposures] == ["widened"]


def test_an_open_end_gained_is_reported_open() -> None:
    d = diff((exp(end=D2),), (exp(),))
    assert d.widened == (Fact("clerk", "name", "normal", D2 + dt.timedelta(days=1), None),)


def test_fewer_dates_are_a_narrowing() -> None:
    d = diff((exp(),), (exp(start=D2),))
    assert not d.widens
    assert d.narrowed == (Fact("clerk", "name", "normal", None, D2 - dt.timedelta(days=1)),)
    assert [c.status for c in d.findings] == ["narrowed"]


def test_the_same_facts_under_a_new_root_are_no_widening_but_a_new_finding() -> None:
    """Widening is about who sees what when; the root cause moving is reported per finding."""
    d = diff((exp(root=MASK),), (exp(root=TERM),))
    assert not d.widens and d.narrowed == ()
    status = {c.id: c.status for c in d.findings}
    assert status == {exp(root=MASK).finding: "gone", exp(root=TERM).finding: "new"}


def test_a_new_root_that_adds_facts_is_new_and_widening() -> None:
    base = (exp("name", root=MASK),)
    d = diff(base, (*base, exp("name", person="contractor", root=TERM)))
    assert d.widened == (Fact("contractor", "name", "normal", None, None),)
    assert {c.id: c.status for c in d.findings} == {
        exp(root=MASK).finding: "unchanged", exp(root=TERM).finding: "new"}


def test_gone_finding_narrows() -> None:
    base = (exp("name", root=MASK), exp("usage", root=TERM))
    d = diff(base, base[:1])
    assert d.narrowed == (Fact("clerk", "usage", "normal", None, None),)
    assert d.with_status("gone")[0].id == exp(root=TERM).finding


def test_widened_wins_over_narrowed_and_both_sides_are_listed() -> None:
    d = diff((exp("name"),), (exp("usage"),))
    (finding,) = d.findings
    assert finding.status == "widened"
    assert finding.gained == (Fact("clerk", "usage", "normal", None, None),)
    assert finding.lost == (Fact("clerk", "name", "normal", None, None),)


def test_order_and_split_windows_do_not_matter() -> None:
    """Two adjacent windows are the days of one; order of the input is irrelevant."""
    base = (exp(start=D2), exp(end=D2 - dt.timedelta(days=1)))
    d = diff(base, tuple(reversed((exp(),))))
    assert not d.widens and d.narrowed == ()
    assert facts(base) == (Fact("clerk", "name", "normal", None, None),)


def test_a_hole_filled_is_the_hole_only() -> None:
    base = (exp(end=D1), exp(start=D3))
    d = diff(base, (exp(),))
    assert d.widened == (Fact("clerk", "name", "normal", D1 + dt.timedelta(days=1),
                              D3 - dt.timedelta(days=1)),)


def test_fingerprints_are_stable_and_ignore_mode_dates_and_root_order() -> None:
    two: RootKey = (*MASK, *TERM)
    assert exp(root=two).fingerprint == exp(root=tuple(reversed(two)), mode="disaster",
                                            start=D1).fingerprint
    assert exp("name").fingerprint != exp("usage").fingerprint
    assert exp().fingerprint != exp(person="contractor").fingerprint
    assert exp(root=MASK).fingerprint != exp(root=TERM).fingerprint
    assert exp(root=two).finding == exp(root=tuple(reversed(two))).finding


def test_a_single_day_gained_is_that_day() -> None:
    one = dt.timedelta(days=1)
    d = diff((exp(end=D1 - one), exp(start=D1 + one)), (exp(),))
    assert d.widened == (Fact("clerk", "name", "normal", D1, D1),)
    assert diff((exp(),), (exp(end=D1 - one), exp(start=D1 + one))).narrowed == d.widened
