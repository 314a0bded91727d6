"""``accesssim drift``: design versus deployed on the shipped Tohoku pair (the design is the
remediated variant, the deployed model the incident), the rule table of latent types, the
refusals, the JSON schema, Japanese output, and a property test against the brute-force oracle.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

import oracle
from accesssim.cli.main import main
from accesssim.drift.classify import latent
from accesssim.drift.compare import Element, Pair
from accesssim.drift.result import Drift
from accesssim.drift.run import drift, not_comparable
from accesssim.engine import Project, load_project
from accesssim.i18n import translator
from accesssim.model.provenance import Source
from accesssim.reports.drift import drift_to_dict, drift_to_text
from accesssim.search.defects import FailureType as F
from helpers import REPO
from profiles import examples
from strategies import Generated, exposed_projects, materialise

DESIGN = REPO / "scenarios" / "incidents" / "02-tohoku-remediated.yaml"
DEPLOYED = REPO / "scenarios" / "incidents" / "02-tohoku.yaml"
SCHEMA = REPO / "src" / "accesssim" / "data" / "drift.schema.json"
MODES = ["normal", "disaster"]


@pytest.fixture(scope="module")
def tohoku() -> tuple[Project, Project]:
    return load_project(DESIGN), load_project(DEPLOYED)


def test_tohoku_terminals_are_placement_and_misdistribution(
        tohoku: tuple[Project, Project]) -> None:
    result = drift(*tohoku, modes=MODES)
    seen = {d.key: d for d in result.differences}
    placed, handed = seen["terminal:nw_pc_shared_space"], seen["terminal:nw_pc_misdistributed"]
    assert (placed.status, placed.failure_types, placed.evidence) == (
        "added", (F.TERMINAL_PLACEMENT,), "exercised")
    assert (handed.status, handed.failure_types, handed.evidence) == (
        "added", (F.TERMINAL_MISDISTRIBUTION,), "exercised")
    assert placed.deployed == Source("scenarios/incidents/02-tohoku.yaml", 47)
    assert placed.design is None
    assert seen["terminal:nw_pc_desk"].status == "removed"
    assert seen["terminal:nw_pc_desk"].deployed is None
    moved = seen["person:nw_desk"]
    assert moved.status == "changed"
    assert [(c.attribute, c.design, c.deployed) for c in moved.changes] == [
        ("locations", '["nw_room"]', '["shared_space"]')]
    assert moved.design is not None and moved.deployed is not None
    # Only the descriptive name and notes differ elsewhere: no difference reported for them.
    assert "location:shared_space" not in seen


def test_tohoku_exposures_only_in_deployed(tohoku: tuple[Project, Project]) -> None:
    result = drift(*tohoku, modes=MODES)
    fields = {"customer_name", "phone", "contract_capacity"}
    assert {(e.person, e.field, e.mode) for e in result.opened} == {
        (p, f, m) for p in ("ep_pc_holders", "ep_shared_office") for f in fields for m in MODES}
    assert result.closed == () and result.widens
    by_person = {e.person: e.differences for e in result.opened}
    assert by_person["ep_pc_holders"] == ("terminal:nw_pc_misdistributed",)
    assert by_person["ep_shared_office"] == ("terminal:nw_pc_shared_space",)
    finding_ids = {f for d in result.differences for f in d.findings}
    assert {f for e in result.opened for f in e.findings} == finding_ids


def test_reversed_pair_only_closes(tohoku: tuple[Project, Project]) -> None:
    result = drift(tohoku[1], tohoku[0], modes=MODES)
    assert result.opened == () and len(result.closed) == 12 and not result.widens
    assert {d.status for d in result.differences
            if d.kind == "terminal"} == {"added", "removed"}


def test_same_model_has_no_difference(tohoku: tuple[Project, Project]) -> None:
    result = drift(tohoku[1], tohoku[1], modes=MODES)
    assert result.differences == () and result.opened == () and result.closed == ()


def test_json_validates_against_the_schema(tohoku: tuple[Project, Project]) -> None:
    data = drift_to_dict(drift(*tohoku, modes=MODES))
    jsonschema.validate(data, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert data["widens"] is True and len(data["only_deployed"]) == 12


def test_japanese_text_is_fully_translated(tohoku: tuple[Project, Project]) -> None:
    tr = translator("ja", strict=True)
    text = drift_to_text(drift(*tohoku, modes=MODES), tr)
    assert "実環境のみ" in text and "結果:" in text
    assert tr(F.TERMINAL_PLACEMENT.label) in text and "terminal placement" not in text


def test_cli_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    widened = runner.invoke(main, ["drift", str(DESIGN), str(DEPLOYED), "--root", str(REPO)])
    assert widened.exit_code == 1, widened.output
    assert "terminal placement" in widened.output
    narrowed = runner.invoke(main, ["drift", str(DEPLOYED), str(DESIGN), "--root", str(REPO)])
    assert narrowed.exit_code == 0, narrowed.output
    out = tmp_path / "drift.json"
    as_json = runner.invoke(main, ["drift", str(DESIGN), str(DEPLOYED), "--root", str(REPO),
                                   "--format", "json", "-o", str(out)])
    assert as_json.exit_code == 1 and json.loads(out.read_text())["widens"] is True
    other = REPO / "scenarios" / "incidents" / "01-kansai.yaml"
    refused = runner.invoke(main, ["drift", str(DESIGN), str(other), "--root", str(REPO)])
    assert refused.exit_code == 2 and "grid companies" in refused.output


def test_not_comparable_names_the_reason(tohoku: tuple[Project, Project]) -> None:
    kansai = load_project(REPO / "scenarios" / "incidents" / "01-kansai.yaml")
    why = not_comparable(tohoku[0], kansai, MODES)
    assert why is not None and "kansai_td" in why and "tohoku_nw" in why
    assert not_comparable(*tohoku, MODES) is None
    missing = not_comparable(*tohoku, ["weekend"])
    assert missing is not None and "'weekend'" in missing


# -- the rule table of latent types (docs/drift.md) ------------------------------------------
def _added(item: Any, kind: str) -> Pair:
    where = Source("m.yaml", 1)
    return Pair(kind, "x", "added", None, Element(kind, "x", {}, where, frozenset({where}), item),
                ())


def _latent(project: Project, item: Any, kind: str) -> tuple[F, ...]:
    return latent(_added(item, kind), project.loaded.model, {"retail_disaster": "disaster"})


def test_rule_table(tohoku: tuple[Project, Project]) -> None:
    deployed = tohoku[1]
    model = deployed.loaded.model
    term = next(t for t in model.terminals if t.id == "nw_pc_shared_space")
    assert _latent(deployed, term, "terminal") == (F.TERMINAL_PLACEMENT,)
    closed = term.model_copy(update={"logged_in": [], "open": False})
    assert _latent(deployed, closed, "terminal") == ()
    handed = next(t for t in model.terminals if t.id == "nw_pc_misdistributed")
    assert F.TERMINAL_MISDISTRIBUTION in _latent(deployed, handed, "terminal")
    lent = closed.model_copy(update={"purpose": "disaster-lending"})
    assert _latent(deployed, lent, "terminal") == (F.DISASTER_LENDING,)
    acc = model.accounts[0]
    outsider = next(p.id for p in model.people if p.org != next(
        q.org for q in model.people if q.id == acc.holder))
    shared = acc.model_copy(update={"known_by": [outsider]})
    assert _latent(deployed, shared, "account") == (F.CREDENTIAL_MISUSE,)
    assert _latent(deployed, acc.model_copy(update={"known_by": []}), "account") == ()
    tr = next(t for s in model.systems for t in s.transitions)
    assert _latent(deployed, tr.model_copy(update={"checked": False}), "transition") == (
        F.UNCHECKED_TRANSITION,)
    shown = next(d for s in model.systems for sc in s.screens for d in sc.shows)
    assert _latent(deployed, shown.model_copy(update={"masking": "masked"}), "display") == ()
    assert _latent(deployed, shown.model_copy(update={"masking": "clear"}), "display") == (
        F.MASKING_DEFECT,)
    assert _latent(deployed, shown.model_copy(update={
        "masking": "clear", "purpose": "temporary-display"}), "display") == (
        F.TEMPORARY_DISPLAY,)
    removed = Pair("terminal", "x", "removed", _added(term, "terminal").deployed, None, ())
    assert latent(removed, model, {}) == ()


# -- the property: the oracle's set difference, and no difference -> no new exposure ---------
def _edit(draw: st.DrawFn, gen: Generated) -> Generated:
    """A copy with a few edits that keep every reference valid."""
    out = gen.copy()
    m = out.model
    people = [p["id"] for p in m["people"]]
    locations = [loc["id"] for loc in m["locations"]]
    for _ in range(draw(st.integers(0, 4))):
        what = draw(st.sampled_from(["open", "known_by", "masking", "checked", "rule",
                                     "locations", "assigned"]))
        if what == "open" and m["terminals"]:
            t = draw(st.sampled_from(m["terminals"]))
            t["open"] = not t.get("open", False)
            t["accounts"] = "any"
        elif what == "known_by" and m["accounts"]:
            draw(st.sampled_from(m["accounts"]))["known_by"] = draw(
                st.lists(st.sampled_from(people), max_size=2, unique=True))
        elif what == "assigned" and m["terminals"]:
            draw(st.sampled_from(m["terminals"]))["assigned_to"] = draw(
                st.lists(st.sampled_from(people), max_size=2, unique=True))
        elif what == "locations" and m["people"] and locations:
            draw(st.sampled_from(m["people"]))["locations"] = draw(
                st.lists(st.sampled_from(locations), max_size=2, unique=True))
        elif what == "masking":
            shows = [d for s in m["systems"] for sc in s["screens"] for d in sc.get("shows", [])]
            if shows:
                shown = draw(st.sampled_from(shows))
                shown["masking"] = "masked" if shown["masking"] != "masked" else "clear"
        elif what == "checked":
            trs = [tr for s in m["systems"] for tr in s["transitions"]]
            if trs:
                tr = draw(st.sampled_from(trs))
                tr["checked"] = not tr["checked"]
        elif what == "rule" and out.rows:
            del out.rows[draw(st.integers(0, len(out.rows) - 1))]
    return out


@st.composite
def pairs_of_projects(draw: st.DrawFn) -> tuple[Generated, Generated]:
    gen = draw(exposed_projects())
    first, second = gen, _edit(draw, gen)
    return (second, first) if draw(st.booleans()) else (first, second)


def _oracle_keys(project: Project) -> set[tuple[str, str, str]]:
    slices = oracle.slices_of(project)
    return {(p, f, slices[i].mode) for p, f, i in oracle.exposures(project)}


@settings(max_examples=examples(60))
@given(pairs_of_projects())
def test_only_deployed_exposures_equal_the_oracle_difference(
        pair: tuple[Generated, Generated]) -> None:
    design_gen, deployed_gen = pair
    note(design_gen.describe())
    note(deployed_gen.describe())
    with materialise(design_gen) as design, materialise(deployed_gen) as deployed:
        modes = list(design.loaded.model.modes)
        assert not_comparable(design, deployed, modes) is None
        result = drift(design, deployed, modes=modes)
        expected_opened = _oracle_keys(deployed) - _oracle_keys(design)
        expected_closed = _oracle_keys(design) - _oracle_keys(deployed)
    assert {(e.person, e.field, e.mode) for e in result.opened} == expected_opened
    assert {(e.person, e.field, e.mode) for e in result.closed} == expected_closed
    event(f"opened: {bool(result.opened)}, closed: {bool(result.closed)}")
    if result.opened:  # no difference, no new exposure
        assert result.differences
    known = {d.key for d in result.differences}
    assert all(set(e.differences) <= known for e in result.opened)
    # Each exposure rests on its OWN person's path: the person's changed element is among
    # its differences (never only another person's of the same finding) ...
    present = {d.key for d in result.differences if d.status != "removed"}
    for e in result.opened:
        if f"person:{e.person}" in present:
            assert f"person:{e.person}" in e.differences, e
    # ... and exactly: a difference whose change alone opens the path (putting the design's
    # element back into the deployed model closes the exposure, by the oracle) is cited.
    _assert_opening_changes_are_cited(design_gen, deployed_gen, result)


def _reverted(design_gen: Generated, deployed_gen: Generated, kind: str, ident: str
              ) -> Generated | None:
    """The deployed project with one person, terminal or account as the design has it."""
    section = {"person": "people", "terminal": "terminals", "account": "accounts"}.get(kind)
    if section is None:
        return None
    ours = next((x for x in design_gen.model[section] if x["id"] == ident), None)
    out = deployed_gen.copy()
    items = out.model[section]
    at = next((i for i, x in enumerate(items) if x["id"] == ident), None)
    if ours is None or at is None:
        return None
    items[at] = copy.deepcopy(ours)
    return out


def _assert_opening_changes_are_cited(design_gen: Generated, deployed_gen: Generated,
                                      result: Drift) -> None:
    opened = {(e.person, e.field, e.mode): e for e in result.opened}
    if not opened:
        return
    for d in [d for d in result.differences if d.status == "changed"][:3]:
        back = _reverted(design_gen, deployed_gen, d.kind, d.id)
        if back is None:
            continue
        with materialise(back) as project:
            still = _oracle_keys(project)
        for key, e in opened.items():
            if key not in still:
                event(f"{d.kind} change opens an exposure")
                assert d.key in e.differences, (d.key, e)


REMEDIATED = sorted((REPO / "scenarios" / "incidents").glob("*-remediated.yaml"))


@pytest.mark.parametrize("design", REMEDIATED, ids=lambda p: p.stem)
def test_every_incident_exposure_rests_on_a_cited_difference(design: Path) -> None:
    """Remediated variant as the design, the incident as deployed: the incident opens
    exposures, and every one of them rests on a difference drift names (a display shown twice
    under other guards is compared occurrence by occurrence, not hidden behind the first)."""
    deployed = design.with_name(design.name.replace("-remediated", ""))
    ours, theirs = load_project(design), load_project(deployed)
    modes = list(theirs.loaded.model.modes)
    assert not_comparable(ours, theirs, modes) is None
    result = drift(ours, theirs, modes=modes)
    assert result.opened and not result.closed
    assert all(e.differences for e in result.opened), [
        e for e in result.opened if not e.differences]
    exercised = [d for d in result.differences if d.evidence == "exercised"]
    assert exercised and all(d.failure_types and d.findings for d in exercised)


def test_at_analyses_one_day() -> None:
    """Kansai lost its masking in 2016-04: a day before it, only the unchecked transition
    opens exposures; over all dates the clear display of address does too."""
    design = load_project(REPO / "scenarios" / "incidents" / "01-kansai-remediated.yaml")
    deployed = load_project(REPO / "scenarios" / "incidents" / "01-kansai.yaml")
    before = drift(design, deployed, modes=["normal"], at=dt.date(2015, 1, 1))
    always = drift(design, deployed, modes=["normal"])
    masked = "display:takuso:contract_detail:address#2"
    assert before.opened and all(masked not in e.differences for e in before.opened)
    assert any(masked in e.differences for e in always.opened)
    assert {(e.person, e.field) for e in before.opened} < {
        (e.person, e.field) for e in always.opened}


def test_role_purpose_is_compared(tmp_path: Path) -> None:
    """A role's purpose (``casbin.role_purposes``) is an element too: changing it changes what
    the engine calls emergency rights."""
    incidents = tmp_path / "scenarios" / "incidents"
    incidents.mkdir(parents=True)
    shutil.copytree(REPO / "policies", tmp_path / "policies")
    for name in ("04-shikoku.yaml", "04-shikoku-remediated.yaml"):
        shutil.copyfile(REPO / "scenarios" / "incidents" / name, incidents / name)
    deployed = incidents / "04-shikoku.yaml"
    text = deployed.read_text(encoding="utf-8")
    assert text.count("ep_disaster: disaster") == 1
    deployed.write_text(text.replace("ep_disaster: disaster", "ep_disaster: other"), "utf-8")
    result = drift(load_project(incidents / "04-shikoku-remediated.yaml", root=tmp_path),
                   load_project(deployed, root=tmp_path), modes=["normal"])
    changed = next(d for d in result.differences if d.key == "role-purpose:ep_disaster")
    assert changed.status == "changed"
    assert [(c.attribute, c.design, c.deployed) for c in changed.changes] == [
        ("purpose", '"disaster"', '"other"')]
    assert changed.deployed is not None and changed.deployed.file == (
        "scenarios/incidents/04-shikoku.yaml")


def test_included_and_imported_elements_are_cited_by_row(tmp_path: Path) -> None:
    """The deployed model keeps its terminals in an included file, one of them imported from
    an asset register row: the difference cites that row, and the finding resting on it
    (whose hops cite the row too) still makes it exercised."""
    incidents = tmp_path / "scenarios" / "incidents"
    incidents.mkdir(parents=True)
    shutil.copytree(REPO / "policies", tmp_path / "policies")
    shutil.copyfile(DESIGN, incidents / DESIGN.name)
    text = DEPLOYED.read_text(encoding="utf-8")
    head, rest = text.split("\nterminals:\n", 1)
    terminals, tail = rest.split("\nsystems:\n", 1)
    terminals = terminals.replace(
        "  - id: nw_pc_shared_space\n",
        "  - id: nw_pc_shared_space\n    source: {file: assets.csv, row: 3}\n")
    (incidents / "assets.csv").write_text("id,location\nnw_pc,nw_office\n"
                                          "nw_pc_shared_space,shared_space\n", "utf-8")
    (incidents / "terminals.yaml").write_text("terminals:\n" + terminals, "utf-8")
    deployed = incidents / "02-tohoku.yaml"
    deployed.write_text(head.replace("\npeople:", "\ninclude: [terminals.yaml]\npeople:", 1)
                        + "\nsystems:\n" + tail, "utf-8")
    result = drift(load_project(incidents / DESIGN.name, root=tmp_path),
                   load_project(deployed, root=tmp_path), modes=MODES)
    seen = {d.key: d for d in result.differences}
    placed = seen["terminal:nw_pc_shared_space"]
    assert placed.deployed == Source("scenarios/incidents/assets.csv", 3)
    assert placed.evidence == "exercised" and placed.failure_types == (F.TERMINAL_PLACEMENT,)
    handed = seen["terminal:nw_pc_misdistributed"]
    assert handed.deployed is not None
    assert handed.deployed.file == "scenarios/incidents/terminals.yaml"
    assert handed.evidence == "exercised"
    assert all(e.differences for e in result.opened) and len(result.opened) == 12


def test_each_exposed_person_rests_on_their_own_path() -> None:
    """The imported Tohoku pair: one finding exposes E40101, E40102 and E40103, each because
    their OWN ``locations`` gained the shared space; its one witness is drawn for E40101. Each
    person's exposures rest on that person's own row, and every one of the three changed
    people is exercised by that finding (none is 'latent')."""
    inventory = REPO / "scenarios" / "inventory"
    result = drift(load_project(inventory / "design.yaml"),
                   load_project(inventory / "deployed" / "model.yaml"), modes=MODES)
    seen = {d.key: d for d in result.differences}
    shared = {"ASIM-f258d124c8"}
    for person in ("E40101", "E40102", "E40103"):
        moved = seen[f"person:{person}"]
        assert (moved.evidence, set(moved.findings)) == ("exercised", shared), moved
        assert moved.failure_types == (F.TERMINAL_PLACEMENT,)
        mine = [e for e in result.opened if e.person == person]
        assert len(mine) == 6 and all(set(e.findings) == shared for e in mine)
        assert {e.differences for e in mine} == {(
            "location:shared_space", f"person:{person}", "terminal:PC-NW-0107")}
    assert seen["location:shared_space"].evidence == "exercised"
    for person in ("N20201", "N20202"):  # moved too, but insiders: nothing rests on them
        assert seen[f"person:{person}"].evidence == "none"
    text = drift_to_text(result)
    assert "Exposures only in the deployed model: 15 person-field pairs (30 with modes)" in text
    assert "exposes 15 person-field pairs (30 with modes) the design does not" in text
    data = drift_to_dict(result)
    assert data["counts"]["only_deployed"] == {"pairs": 15, "with_modes": 30}
    assert len(data["only_deployed"]) == 30
    jsonschema.validate(data, json.loads(SCHEMA.read_text(encoding="utf-8")))
