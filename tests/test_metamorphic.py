"""Metamorphic properties of the engine: tightening a model never adds exposure, and so on.

Each test changes one thing in a generated project and compares the engine's exposures before
and after as (person, field, mode, day) over ``strategies.PROBE_DAYS``, which cover every epoch
of both versions (a change can add a date, and so an epoch).
"""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

from profiles import examples
from strategies import Generated, allow_rules, engine_by_day, materialise, projects

Exposures = set[tuple[str, str, str, Any]]


def _exposures(gen: Generated) -> Exposures:
    with materialise(gen) as project:
        return engine_by_day(project)


def _compare(before: Generated, after: Generated) -> tuple[Exposures, Exposures]:
    note(f"before:\n{before.describe()}\nafter:\n{after.describe()}")
    return _exposures(before), _exposures(after)


@settings(max_examples=examples(40))
@given(projects(), st.data())
def test_checking_a_transition_never_adds_exposure(gen: Generated, data: st.DataObject) -> None:
    """Setting ``checked: true`` on an unchecked transition removes exposures, never adds one."""
    unchecked = [(i, j) for i, system in enumerate(gen.model["systems"])
                 for j, tr in enumerate(system["transitions"]) if not tr["checked"]]
    assume(unchecked)
    i, j = data.draw(st.sampled_from(unchecked), label="transition")
    after = gen.copy()
    after.model["systems"][i]["transitions"][j]["checked"] = True
    before_set, after_set = _compare(gen, after)
    assert sorted(after_set - before_set) == []


@settings(max_examples=examples(40))
@given(projects(), st.data())
def test_masking_a_display_never_adds_exposure(gen: Generated, data: st.DataObject) -> None:
    """Setting ``masking: masked`` on a field display removes exposures, never adds one."""
    shown = [(i, j, k) for i, system in enumerate(gen.model["systems"])
             for j, screen in enumerate(system["screens"])
             for k, display in enumerate(screen["shows"]) if display["masking"] != "masked"]
    assume(shown)
    i, j, k = data.draw(st.sampled_from(shown), label="display")
    after = gen.copy()
    after.model["systems"][i]["screens"][j]["shows"][k]["masking"] = "masked"
    before_set, after_set = _compare(gen, after)
    assert sorted(after_set - before_set) == []


@settings(max_examples=examples(40))
@given(projects(), st.data())
def test_adding_an_allow_rule_never_removes_exposure(gen: Generated, data: st.DataObject) -> None:
    """Adding a ``p ... allow`` row to the policy adds exposures, never removes one."""
    row = data.draw(allow_rules(gen.model, eft="allow"), label="new rule")
    assume(row not in gen.rows)
    after = gen.copy()
    after.rows.insert(data.draw(st.integers(0, len(gen.rows)), label="at row"), row)
    before_set, after_set = _compare(gen, after)
    assert sorted(before_set - after_set) == []


@settings(max_examples=examples(40))
@given(projects(), st.data())
def test_removing_a_terminal_never_adds_exposure(gen: Generated, data: st.DataObject) -> None:
    """Taking a terminal away (deleting it, or unassigning a person) never adds exposure."""
    terminals = gen.model["terminals"]
    index = data.draw(st.integers(0, len(terminals) - 1), label="terminal")
    after = gen.copy()
    assigned = terminals[index]["assigned_to"]
    if assigned and data.draw(st.booleans(), label="unassign rather than delete"):
        person = data.draw(st.sampled_from(assigned), label="person")
        after.model["terminals"][index]["assigned_to"].remove(person)
    else:
        del after.model["terminals"][index]
    before_set, after_set = _compare(gen, after)
    assert sorted(after_set - before_set) == []
