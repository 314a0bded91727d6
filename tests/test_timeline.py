"""Time cut into epochs (time/epochs.py): boundaries, epochs, lookup and merging."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accesssim.time.epochs import Epoch, boundaries, epoch_index, epochs, merge_epochs

D = dt.date
DAY = dt.timedelta(days=1)

window = st.tuples(
    st.none() | st.dates(D(2000, 1, 1), D(2030, 12, 31)),
    st.none() | st.dates(D(2000, 1, 1), D(2030, 12, 31)),
)


def test_boundaries_are_starts_and_days_after_ends() -> None:
    """A window [from, until] cuts time on ``from`` and on the day after ``until``."""
    assert boundaries([(D(2016, 4, 1), None)]) == [D(2016, 4, 1)]
    assert boundaries([(None, D(2016, 3, 31))]) == [D(2016, 4, 1)]
    assert boundaries([(D(2020, 1, 1), D(2020, 12, 31))]) == [D(2020, 1, 1), D(2021, 1, 1)]


def test_boundaries_are_sorted_and_unique_and_ignore_open_ends() -> None:
    """Open ends add no cut, repeated days appear once, the result is sorted."""
    cuts = boundaries([(None, None), (D(2022, 5, 1), None), (None, D(2022, 4, 30)),
                       (D(2021, 1, 1), D(2021, 1, 1)), (None, dt.date.max)])
    assert cuts == [D(2021, 1, 1), D(2021, 1, 2), D(2022, 5, 1)]


def test_no_cuts_is_one_epoch_for_all_time() -> None:
    """Without any dated element, there is one epoch and it says 'always'."""
    (only,) = epochs([])
    assert only == Epoch(None, None)
    assert only.label() == "always"
    assert only.contains(D(1900, 1, 1)) and only.contains(D(2100, 1, 1))


def test_epochs_between_cuts_are_inclusive_and_adjacent() -> None:
    """Two cuts make three epochs: up to the day before the first, between, and after."""
    assert epochs([D(2016, 4, 1), D(2020, 1, 1)]) == [
        Epoch(None, D(2016, 3, 31)),
        Epoch(D(2016, 4, 1), D(2019, 12, 31)),
        Epoch(D(2020, 1, 1), None),
    ]


def test_one_day_epoch() -> None:
    """A window of a single day gets an epoch of exactly that day."""
    cuts = boundaries([(D(2022, 1, 1), D(2022, 1, 1))])
    assert epochs(cuts)[1] == Epoch(D(2022, 1, 1), D(2022, 1, 1))


@given(st.lists(window, max_size=6))
def test_epochs_partition_time(windows: list[tuple[D | None, D | None]]) -> None:
    """Epochs are gap-free, non-overlapping, and each window is constant inside every epoch."""
    cuts = boundaries(windows)
    result = epochs(cuts)
    assert result[0].start is None and result[-1].end is None
    for a, b in itertools.pairwise(result):
        assert a.end is not None and b.start == a.end + DAY
    for ep in result:
        assert ep.contains(ep.representative())
        for start, until in windows:
            first = (start is None or start <= ep.representative()) and (
                until is None or ep.representative() <= until)
            for day in (ep.start, ep.end):
                if day is not None:
                    assert ((start is None or start <= day) and (
                        until is None or day <= until)) == first


@given(st.lists(window, max_size=6), st.dates(D(1999, 1, 1), D(2032, 1, 1)))
def test_epoch_index_finds_the_epoch_holding_a_day(
        windows: list[tuple[D | None, D | None]], day: D) -> None:
    """epoch_index agrees with Epoch.contains for every day."""
    cuts = boundaries(windows)
    assert epochs(cuts)[epoch_index(cuts, day)].contains(day)


def test_epoch_index_at_the_cut_day() -> None:
    """The cut day itself belongs to the later epoch; the day before to the earlier one."""
    cuts = [D(2016, 4, 1)]
    assert epoch_index(cuts, D(2016, 3, 31)) == 0
    assert epoch_index(cuts, D(2016, 4, 1)) == 1


def test_representative_day() -> None:
    """An epoch is represented by its first day, or its last when it has no first."""
    assert Epoch(D(2020, 1, 1), D(2020, 2, 1)).representative() == D(2020, 1, 1)
    assert Epoch(None, D(2020, 2, 1)).representative() == D(2020, 2, 1)
    assert Epoch(None, None).representative() == D(2000, 1, 1)


def test_labels() -> None:
    """Labels print ISO dates and an ellipsis for an open end."""
    assert Epoch(None, D(2016, 3, 31)).label() == "… – 2016-03-31"
    assert Epoch(D(2016, 4, 1), None).label() == "2016-04-01 – …"


@pytest.mark.parametrize(("items", "merged"), [
    ([], []),
    ([Epoch(D(2020, 1, 1), D(2020, 1, 31)), Epoch(D(2020, 2, 1), D(2020, 2, 29))],
     [Epoch(D(2020, 1, 1), D(2020, 2, 29))]),
    ([Epoch(D(2020, 1, 1), D(2020, 1, 31)), Epoch(D(2020, 2, 2), D(2020, 2, 29))],
     [Epoch(D(2020, 1, 1), D(2020, 1, 31)), Epoch(D(2020, 2, 2), D(2020, 2, 29))]),
    ([Epoch(D(2020, 2, 1), None), Epoch(None, D(2020, 1, 31))], [Epoch(None, None)]),
    ([Epoch(D(2020, 1, 1), D(2020, 12, 31)), Epoch(D(2020, 3, 1), D(2020, 4, 1))],
     [Epoch(D(2020, 1, 1), D(2020, 12, 31))]),
    ([Epoch(None, D(2020, 1, 1)), Epoch(D(2021, 1, 1), None), Epoch(D(2022, 1, 1), None)],
     [Epoch(None, D(2020, 1, 1)), Epoch(D(2021, 1, 1), None)]),
], ids=["empty", "adjacent", "gap", "unsorted-open-ends", "contained", "open-end-absorbs"])
def test_merge_epochs(items: list[Epoch], merged: list[Epoch]) -> None:
    """Adjacent or overlapping epochs merge; a gap of a day or more keeps them apart."""
    assert merge_epochs(items) == merged


@given(st.lists(window, max_size=6), st.data())
def test_merge_keeps_exactly_the_same_days(windows: list[tuple[D | None, D | None]],
                                           data: st.DataObject) -> None:
    """Merging any subset of epochs covers exactly the days the subset covered."""
    all_epochs = epochs(boundaries(windows))
    chosen = data.draw(st.lists(st.sampled_from(all_epochs), unique=True))
    merged = merge_epochs(chosen)
    for a, b in itertools.pairwise(merged):
        assert a.end is not None and b.start is not None and b.start > a.end + DAY
    probes = {D(1999, 12, 31), D(2031, 1, 1)}
    probes |= {d for e in all_epochs for d in (e.start, e.end) if d is not None}
    for day in probes:
        assert any(e.contains(day) for e in chosen) == any(e.contains(day) for e in merged)


def test_extreme_dates_do_not_overflow() -> None:
    """A window starting on date.min (YAML 'from: 0001-01-01') is cut without an overflow."""
    cuts = boundaries([(dt.date.min, D(2020, 1, 1))])
    result = epochs(cuts)
    assert result[-1] == Epoch(D(2020, 1, 2), None)
    assert any(e.contains(dt.date.min) for e in result)


def test_merge_joins_overlapping_epochs_with_open_starts() -> None:
    """Two windows both open at the start overlap: one window, to the later end."""
    merged = merge_epochs([Epoch(None, D(2020, 7, 1)), Epoch(None, D(2020, 1, 1)),
                           Epoch(D(2020, 7, 2), D(2021, 1, 1))])
    assert merged == [Epoch(None, D(2021, 1, 1))]
    assert merge_epochs([Epoch(None, D(2020, 1, 1)), Epoch(None, None)]) == [Epoch(None, None)]
