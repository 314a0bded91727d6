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
from gate_repo import CSV_REL, POLICY, commit, make_repo, open_usage, write
from profiles import examples
from strategies import Generated, materialise
from test_gate_exposures import _edit, exposed_projects


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
    """For a random model and one random edit: one Opened per new or widened fingerprint,
    its gain that of the diff, its changed lines on its witness and changed in HEAD; and
    when the edit is one added allow row that lets someone see a field on a new day, the
    witness of that exposure rests on that row."""
    after: Generated = _edit(data, gen)
    assume(after.model != gen.model or after.rows != gen.rows)
    added = [r for r in after.rows if r not in gen.rows]
    note(f"before:\n{gen.describe()}\nafter:\n{after.describe()}")
    with materialise(gen) as base_project, materialise(after) as head:
        head_run, _ = analyse(head)
        base = Base(base_project, "base", None, project_texts(base_project))
        md = compare(head, head_run, base)
        changed = changed_lines(base.texts, project_texts(head))
    expected = {c.id: c for c in md.diff.exposures if c.status in ("new", "widened")}
    assert [o.fingerprint for o in md.opened] == sorted(expected)
    event(f"opened: {min(len(md.opened), 3)}")
    for o in md.opened:
        change = expected[o.fingerprint]
        assert (o.status, o.gained) == (change.status, change.gained)
        assert o.hops and o.hops[-1].text.split(" shows ")[1].startswith(o.field + " ")
        cited = {s for hop in o.hops for s in hop.sources}
        assert set(o.changed) <= cited & changed
        assert list(o.changed) == sorted(set(o.changed))
        really_new = [f for f in md.diff.widened if (f.person, f.field) == (o.person, o.field)]
        if len(added) == 1 and len(after.rows) == len(gen.rows) + 1 and really_new:
            row = next(n for n, r in enumerate(after.rows, start=1) if r == added[0])
            event("an added row opened a day")
            assert Source("policy.csv", row) in o.changed
