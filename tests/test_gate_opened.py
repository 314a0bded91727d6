"""What a change opened (gate/opened.py through gate/check.py's ``diff_models``): the witness
in HEAD and the changed lines on it; and, for random models and one random edit, that the
opened exposures are exactly the new and widened exposure identities."""

from __future__ import annotations

from pathlib import Path

from hypothesis import assume, event, given, note, settings
from hypothesis import strategies as st

from accesssim.engine import load_project
from accesssim.gate.base import Base, changed_lines, project_texts
from accesssim.gate.check import analyse, compare, diff_models
from accesssim.model.provenance import Source
from gate_repo import CSV_REL, POLICY, commit, make_repo, model_text, open_usage, write
from profiles import examples
from strategies import Generated, materialise
from test_gate_exposures import _days, _edit, exposed_projects


def test_a_g_line_that_opens_a_masked_field_is_the_changed_line(tmp_path: Path) -> None:
    model = make_repo(tmp_path)
    line = open_usage(tmp_path)
    md = diff_models(load_project(model), base_ref="main")
    assert md.base == "main:scenarios/case.yaml" and md.base_note is None
    (o,) = md.opened
    assert (o.status, o.person, o.field, o.headcount, o.org) == (
        "new", "clerk", "usage", 1, "retail")
    assert o.changed == (Source(CSV_REL, line),)
    assert o.location == Source(CSV_REL, line)
    assert o.hops[-1].text.startswith("customer shows usage")
    assert Source(CSV_REL, line) in o.hops[-1].sources  # the unmask rests on the new g line
    assert {f.mode for f in o.gained} == {"normal", "disaster"}
    assert o.finding.startswith("ASIM-") and o.fingerprint.startswith("EXP-")
    statuses = {c.id: c.status for c in md.diff.exposures}
    assert statuses[o.fingerprint] == "new"
    assert sorted(statuses.values()) == ["new", "unchanged"]  # name: both modes, one id


def test_a_mode_gained_is_widened_and_its_witness_is_from_that_mode(tmp_path: Path) -> None:
    """The clerk saw ``name`` in normal mode; the rule now holds in every mode."""
    normal_only = POLICY.replace("customer, open, allow, *", "customer, open, allow, normal")
    model = make_repo(tmp_path, policy=normal_only)
    write(tmp_path, policy=POLICY)
    md = diff_models(load_project(model), base_ref="HEAD")
    (o,) = md.opened
    assert (o.status, o.field) == ("widened", "name")
    assert [f.mode for f in o.gained] == ["disaster"]
    assert o.changed == (Source(CSV_REL, 2),)


def test_a_second_way_to_a_field_already_seen_opens_nothing(tmp_path: Path) -> None:
    """``usage`` was shown in clear; now it is masked, and unmasked by a new role: a new
    root cause (a new exposure identity, a new finding), but the clerk saw usage on every
    day in every mode already. Nothing is opened."""
    model = make_repo(tmp_path, usage="clear")
    write(tmp_path, model=model_text(usage="policy"))
    open_usage(tmp_path)
    md = diff_models(load_project(model), base_ref="main")
    assert md.opened == () and not md.diff.widens
    assert sorted(c.status for c in md.diff.exposures) == ["gone", "new", "unchanged"]
    assert sorted(c.status for c in md.diff.findings) == ["narrowed", "new"]


def test_reordering_and_comments_open_nothing(tmp_path: Path) -> None:
    model = make_repo(tmp_path)
    lines = POLICY.splitlines(keepends=True)
    write(tmp_path, policy="# reordered\n" + "".join(reversed(lines)))
    md = diff_models(load_project(model), base_ref="main")
    assert md.opened == () and not md.diff.widens
    assert {c.status for c in md.diff.exposures} == {"unchanged"}


def test_an_empty_base_opens_everything_and_says_so(tmp_path: Path) -> None:
    make_repo(tmp_path)
    new = tmp_path / "scenarios" / "new.yaml"
    new.write_text((tmp_path / "scenarios" / "case.yaml").read_text(), encoding="utf-8")
    md = diff_models(load_project(new), base_ref="main")
    assert md.base == "" and md.base_note is not None and "empty base" in md.base_note
    assert [(o.status, o.field) for o in md.opened] == [("new", "name")]
    # Every line of a file without a base counterpart is changed; the witness cites some.
    assert md.opened[0].changed


def test_two_paths_and_an_unchanged_commit(tmp_path: Path) -> None:
    model = make_repo(tmp_path)
    open_usage(tmp_path)
    commit(tmp_path, "open usage")
    assert diff_models(load_project(model), base_ref="HEAD").opened == ()
    other = make_repo(tmp_path / "other")
    md = diff_models(load_project(model), base_path=other)
    assert [o.field for o in md.opened] == ["usage"]
    assert md.base == "scenarios/case.yaml"


@settings(max_examples=examples(40), deadline=None)
@given(exposed_projects(), st.data())
def test_opened_are_exactly_the_new_and_widened_exposures(gen: Generated,
                                                         data: st.DataObject) -> None:
    """For a random model and one random edit: one Opened per new or widened fingerprint
    that gains a day the person did not see the field on before, its gain that day set;
    together exactly the diff's widening; its changed lines on its witness and changed in HEAD; and
    when the edit is one added allow row that lets someone see a field on a new day, the
    witness of that exposure rests on that row."""
    after: Generated = _edit(data, gen)
    assume(after.model != gen.model or after.rows != gen.rows)
    added = [r for r in after.rows if r not in gen.rows]
    note(f"before:\n{gen.describe()}\nafter:\n{after.describe()}")
    with materialise(gen) as base_project, materialise(after) as head:
        head_run = analyse(head)
        base = Base(base_project, "base", None, project_texts(base_project))
        md = compare(head, head_run, base)
        changed = changed_lines(base.texts, project_texts(head))
    new_days = _days(md.diff.widened)
    changes = {c.id: c for c in md.diff.exposures if c.status in ("new", "widened")}
    expected = {k for k, c in changes.items() if _days(c.gained) & new_days}
    assert [o.fingerprint for o in md.opened] == sorted(expected)
    # Together the Opened gain exactly the days someone sees a field on for the first time.
    assert set().union(*(_days(o.gained) for o in md.opened)) == new_days
    event(f"opened: {min(len(md.opened), 3)}")
    if len(changes) > len(expected):
        event("a new identity that gains no day")
    for o in md.opened:
        change = changes[o.fingerprint]
        assert o.status == change.status
        assert _days(o.gained) == _days(change.gained) & new_days
        assert o.hops and o.hops[-1].text.split(" shows ")[1].startswith(o.field + " ")
        cited = {s for hop in o.hops for s in hop.sources}
        assert set(o.changed) <= cited & changed
        assert list(o.changed) == sorted(set(o.changed))
        really_new = [f for f in md.diff.widened if (f.person, f.field) == (o.person, o.field)]
        if len(added) == 1 and len(after.rows) == len(gen.rows) + 1 and really_new:
            row = next(n for n, r in enumerate(after.rows, start=1) if r == added[0])
            event("an added row opened a day")
            assert Source("policy.csv", row) in o.changed
