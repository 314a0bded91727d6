"""The hand-written remedy of every remediated incident, as a change set, and its must-keep
access (scenarios/incidents/remedies, docs/incident-remedies.md).

Each remedy applied to its incident leaves no finding, and the same Casbin decisions and the
same who-sees-what as the remediated variant; each keep item holds on the incident, on its
remediated variant and on the incident with the remedy applied; remediate's proposal costs no
more than the hand-written remedy.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from accesssim.changes.apply import loaded, patch
from accesssim.changes.load import load_changes
from accesssim.engine import Project, analyze, analyzer, load_project
from accesssim.gate.base import removed_at_ref
from accesssim.model.schema import Expectation
from accesssim.remediate import remediate
from accesssim.remediate.files import DEFAULT_COSTS, load_keep
from accesssim.suite.checks import ScenarioRun, check
from accesssim.suite.suite import discover
from gate_repos import commit_all, new_repo
from helpers import REPO, run

INCIDENTS = REPO / "scenarios" / "incidents"
REMEDIES = INCIDENTS / "remedies"
NAMES = sorted(p.name.removesuffix("-remediated.yaml")
               for p in INCIDENTS.glob("*-remediated.yaml"))


def keep_items(name: str, project: Project) -> list[Expectation]:
    """The incident's keep items, read by ``accesssim remediate --keep``'s reader (checked
    against the model like scenario expectations)."""
    path = REMEDIES / f"{name}.keep.yaml"
    return list(load_keep(path, f"{name}.keep.yaml", project.loaded.model))


def failing(project: Project, items: list[Expectation]) -> list[str]:
    """The keep items that do not hold on the project, with what was found instead."""
    scenario = ScenarioRun(project)
    results = [check(scenario, item, project.loaded.display_path) for item in items]
    return [f"{r.expectation}: {r.summary}; actual {r.actual}" for r in results if not r.passed]


def test_every_remediated_incident_has_a_remedy_and_a_keep_file() -> None:
    assert len(NAMES) == 9  # the 9 positive incidents with a hand-written remediated variant
    assert sorted(p.name for p in REMEDIES.iterdir()) == sorted(
        f"{name}.{kind}.yaml" for name in NAMES for kind in ("changes", "keep"))


def test_scenario_discovery_leaves_change_and_keep_files_out(tmp_path: Path) -> None:
    """A scenario folder may hold change sets and keep files: they are not scenarios, unless
    named on their own."""
    found = discover([REPO / "scenarios"])
    assert not [p for p in found if p.is_relative_to(REMEDIES)]
    files = {"a.yaml": "accesssim: 1\n", "b.yml": "# a comment\naccesssim: 1\n",
             "c.yaml": "# a change set\n\naccesssim-changes: 1\nchanges: []\n",
             "d.yml": "accesssim-keep: 1\nkeep: []\n", "e.yaml": "accesssim-costs: 1\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert [p.name for p in discover([tmp_path])] == ["a.yaml", "b.yml"]
    assert discover([tmp_path / "c.yaml"]) == [tmp_path / "c.yaml"]


def test_a_change_set_at_a_git_ref_is_no_removed_scenario(tmp_path: Path) -> None:
    """``check --base-ref`` reads a folder at the ref as ``discover`` reads it: a change or
    keep file there is not a scenario HEAD lost (even one deleted since); a scenario is."""
    top = new_repo(tmp_path)
    folder = top / "designs"
    folder.mkdir()
    files = {"a.yaml": "x: 1\n", "a-fix.yaml": "accesssim-changes: 1\n",
             "a-keep.yaml": "# must keep\naccesssim-keep: 1\n", "gone.yaml": "x: 1\n"}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    ref = commit_all(top, "base")
    (folder / "gone.yaml").unlink()
    assert removed_at_ref(ref, [folder], discover([folder]), top) == ["designs/gone.yaml"]
    (folder / "a-fix.yaml").unlink()  # a change set deleted since is no scenario lost either
    assert removed_at_ref(ref, [folder], discover([folder]), top) == ["designs/gone.yaml"]


@pytest.mark.parametrize("name", NAMES)
def test_change_sets_follow_the_shipped_json_schema(name: str) -> None:
    schema = json.loads((REPO / "src" / "accesssim" / "data" / "changes.schema.json")
                        .read_text(encoding="utf-8"))
    text = (REMEDIES / f"{name}.changes.yaml").read_text(encoding="utf-8")
    jsonschema.validate(yaml.safe_load(text), schema)


@pytest.mark.parametrize("name", NAMES)
def test_keep_items_hold_on_the_incident_and_its_remediated_variant(name: str) -> None:
    """Must-keep access is access the incident had and the hand-written fix kept: not a
    right the fix added (that would be a gain, not something to keep)."""
    for model in (f"{name}.yaml", f"{name}-remediated.yaml"):
        project = load_project(INCIDENTS / model, REPO)
        items = keep_items(name, project)
        assert items and all(i.decision and i.decision.expect == "allow" for i in items)
        assert failing(project, items) == [], model


def decisions(project: Project, days: list[dt.date]) -> dict[tuple[str, ...], bool]:
    """Every Casbin request an account of the model can make, in every mode on these days."""
    model, policy = project.loaded.model, project.policy
    objects = [(s.id, o, act) for s in model.systems
               for o, act in [*((sc.id, "open") for sc in s.screens),
                              *((f.id, "unmask") for f in s.fields)]]
    return {(a.id, sys, obj, act, mode, day.isoformat()):
            policy.enforce(a.id, sys, obj, act, mode, day)
            for a in model.accounts for sys, obj, act in objects
            for mode in model.modes for day in days}


def slice_days(*projects: Project) -> list[dt.date]:
    """A day of every epoch of either model: where one model's dates cut, both are asked."""
    return sorted({sl.day for project in projects
                   for sl in analyzer(project, modes=project.loaded.model.modes).slices})


def seen_on(project: Project, days: list[dt.date]) -> set[tuple[str, ...]]:
    """Who, inside or outside the boundary, can see which non-public field in clear with which
    account and how, in every mode on these days (which terminal, where and over which
    screens is left out: a remedy may stand a terminal elsewhere or mask a column instead of
    removing it)."""
    found = set()
    for day in days:
        engine = analyzer(project, modes=project.loaded.model.modes, at=day)
        for sl in engine.slices:
            for person in sorted(engine.people):
                for a in engine.accesses(person, sl):
                    found |= {(sl.mode, day.isoformat(), person, a.account, a.way, field)
                              for field, walks in engine.field_walks(a, sl).items() if walks}
    return found


@pytest.mark.parametrize("name", NAMES)
def test_the_remedy_applied_to_the_incident_is_its_remediated_variant(name: str) -> None:
    """No finding; the remediated variant's Casbin decisions and who sees what; every keep item."""
    incident = load_project(INCIDENTS / f"{name}.yaml", REPO)
    remediated = load_project(INCIDENTS / f"{name}-remediated.yaml", REPO)
    changes = load_changes(REMEDIES / f"{name}.changes.yaml", f"{name}.changes.yaml")
    assert changes.changes
    before = analyze(incident, modes=incident.loaded.model.modes)
    assert before.findings  # a remedy of something
    with loaded(incident, patch(incident, changes.changes)) as fixed:
        assert fixed.loaded.warnings == ()  # clean input, as every shipped scenario
        report = analyze(fixed, modes=fixed.loaded.model.modes)
        assert [f.id for f in report.findings] == []
        days = slice_days(fixed, remediated)
        assert decisions(fixed, days) == decisions(remediated, days)
        assert seen_on(fixed, days) == seen_on(remediated, days)
        assert failing(fixed, keep_items(name, fixed)) == []


@pytest.mark.parametrize("name", NAMES)
def test_whatif_shows_every_finding_of_the_incident_gone(name: str) -> None:
    """``accesssim whatif`` with the remedy: nothing opened or widened (exit 0), every finding
    of the incident gone, none new or left."""
    incident = load_project(INCIDENTS / f"{name}.yaml", REPO)
    ids = sorted(f.id for f in analyze(incident, modes=incident.loaded.model.modes).findings)
    result = run("whatif", str(INCIDENTS / f"{name}.yaml"), "--root", str(REPO), "--quiet",
                 "--change", str(REMEDIES / f"{name}.changes.yaml"), "--format", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    (model,) = json.loads(result.stdout)["models"]
    findings = model["findings"]
    assert sorted(f["id"] for f in findings["gone"]) == ids
    assert [findings[k] for k in ("new", "widened", "narrowed", "unchanged")] == [[]] * 4
    assert model["opened"] == model["widened"] == []


@pytest.mark.parametrize("name", NAMES)
def test_remediate_costs_no_more_than_the_hand_written_remedy(name: str) -> None:
    """remediate's proposal for the incident (default costs, the keep file) is verified here
    again, independently: no finding, every keep item; and it costs no more than the
    hand-written remedy priced with the same defaults."""
    incident = load_project(INCIDENTS / f"{name}.yaml", REPO)
    keep = keep_items(name, incident)
    hand = load_changes(REMEDIES / f"{name}.changes.yaml", f"{name}.changes.yaml").changes
    hand_cost = sum(DEFAULT_COSTS[c.kind] for c in hand)
    proposal = remediate(incident, keep=keep)
    assert proposal.status == "proposed", proposal.conflict
    assert proposal.changes
    assert proposal.cost == sum(DEFAULT_COSTS[c.kind] for c in proposal.changes)
    assert proposal.cost <= hand_cost, [c.key for c in proposal.changes]
    with loaded(incident, patch(incident, proposal.changes)) as fixed:
        assert analyze(fixed, modes=fixed.loaded.model.modes).findings == ()
        assert failing(fixed, list(keep)) == []
