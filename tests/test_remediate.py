"""accesssim remediate: every positive incident remediated to zero findings, verified again
from the written change set; keep items honoured (cuts), conflicts named minimally; the
CLI's exit codes; the JSON against its schema; the solver on hand-made hitting sets."""

from __future__ import annotations

import contextlib
import json
import subprocess
from importlib import resources
from itertools import combinations
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from accesssim.changes.apply import loaded, patch
from accesssim.changes.load import dump_changes, load_changes
from accesssim.changes.spec import ChangeSet
from accesssim.engine import analyze, load_project
from accesssim.remediate import remediate
from accesssim.remediate.files import DEFAULT_COSTS, load_costs, load_keep
from accesssim.remediate.solver import HittingSet, solve
from accesssim.reports.remediate import to_dict
from accesssim.suite.checks import ScenarioRun, check
from helpers import REPO, run, undocumented_keys

INCIDENTS = REPO / "scenarios" / "incidents"
DATA = REPO / "tests" / "data" / "remediate"
POSITIVE = sorted(p.stem for p in INCIDENTS.glob("[0-9][0-9]-*.yaml")
                  if not p.stem.endswith("-remediated")
                  and (INCIDENTS / f"{p.stem}-remediated.yaml").exists())


def _project(name: str) -> Any:
    return load_project(INCIDENTS / f"{name}.yaml", REPO)


def _findings(project: Any) -> int:
    return len(analyze(project, modes=project.loaded.model.modes).findings)


def _reapplied(project: Any, text: str, tmp_path: Path) -> Any:
    """The change set as written, read back by changes.load, applied to the original."""
    path = tmp_path / "fix.changes.yaml"
    path.write_text(text, encoding="utf-8")
    return load_changes(path, "fix.changes.yaml")


def test_every_positive_incident_has_a_remediated_variant_listed() -> None:
    assert len(POSITIVE) >= 8, POSITIVE


@pytest.mark.parametrize("name", POSITIVE)
def test_remediate_removes_every_finding_of_an_incident(name: str, tmp_path: Path) -> None:
    """The proposal, written, re-read and re-applied, analyses to zero findings."""
    project = _project(name)
    assert _findings(project) > 0
    result = remediate(project)
    assert result.status == "proposed" and result.findings_after == 0
    assert result.cost == sum(DEFAULT_COSTS[c.kind] for c in result.changes) > 0
    read = _reapplied(project, dump_changes(ChangeSet(result.changes)), tmp_path)
    assert [c.key for c in read.changes] == [c.key for c in result.changes]
    with loaded(project, patch(project, read.changes)) as fixed:
        assert _findings(fixed) == 0


def test_keep_items_are_honoured_with_a_cut(tmp_path: Path) -> None:
    """Kansai without keep: drop the retail rule; keeping retail's contract_detail forces the
    screen fixes instead, and the keep items pass on the re-applied change set."""
    project = _project("01-kansai")
    free = remediate(project)
    assert [c.kind for c in free.changes] == ["remove_rule"]
    keep = load_keep(DATA / "kansai.keep.yaml", "kansai.keep.yaml", project.loaded.model)
    kept = remediate(project, keep, shown="kansai.keep.yaml")
    assert kept.status == "proposed" and kept.cuts >= 1
    assert kept.cost > free.cost
    assert "remove_rule" not in {c.kind for c in kept.changes}
    assert [k.passed for k in kept.keep] == [True, True]
    read = _reapplied(project, dump_changes(ChangeSet(kept.changes)), tmp_path)
    with loaded(project, patch(project, read.changes)) as fixed:
        assert _findings(fixed) == 0
        run = ScenarioRun(fixed)
        assert all(check(run, exp, "k").passed for exp in keep)


def test_a_disaster_keep_turns_removal_into_gating() -> None:
    project = _project("04-shikoku")
    keep = load_keep(DATA / "shikoku.keep.yaml", "shikoku.keep.yaml", project.loaded.model)
    result = remediate(project, keep)
    assert [c.kind for c in result.changes] == ["gate_to_disaster"]
    assert result.keep[0].passed


def test_conflicting_keep_items_give_a_minimal_conflicting_subset() -> None:
    """Two items each impossible with zero findings (a denied allow, a who_can_see naming an
    outsider) and one harmless: the answer is one of the two, alone, and it is minimal."""
    project = _project("01-kansai")
    keep = load_keep(DATA / "kansai-conflict.keep.yaml", "c.yaml", project.loaded.model)
    result = remediate(project, keep)
    assert result.status == "conflict" and not result.changes
    assert len(result.conflict) == 1 and result.conflict[0].id in {"never", "nobody"}
    alone = remediate(project, result.conflict)
    assert alone.status == "conflict"
    assert remediate(project, [k for k in keep if k.id == "ok"]).status == "proposed"


def test_costs_change_the_choice() -> None:
    project = _project("01-kansai")
    costs = load_costs(DATA / "cheap-rules.costs.yaml", "c.yaml")
    assert costs["remove_rule"] == 0.5 and costs["mask"] == DEFAULT_COSTS["mask"]
    keep = load_keep(DATA / "kansai.keep.yaml", "k.yaml", project.loaded.model)
    result = remediate(project, keep, costs)
    assert result.status == "proposed"
    assert result.cost == sum(costs[c.kind] for c in result.changes)


def test_a_clean_model_needs_nothing() -> None:
    result = remediate(load_project(REPO / "scenarios" / "reference.yaml", REPO))
    assert result.status == "clean" and result.changes == () and result.cost == 0


# -- the solver --------------------------------------------------------------------------------
def _brute(problem: HittingSet) -> float | None:
    n, best = len(problem.costs), None
    for size in range(n + 1):
        for chosen in combinations(range(n), size):
            s = set(chosen)
            if all(s & set(c) for c in problem.covers) and all(
                    not set(c) <= s for c in problem.cuts):
                cost = sum(problem.costs[i] for i in chosen)
                best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("problem", [
    HittingSet((1, 2, 3), ((0, 1), (1, 2), (0, 2))),
    HittingSet((1.5, 1, 1), ((0,), (1, 2)), ((1, 2), (0, 1))),
    HittingSet((1, 1), ((0,),), ((0,),)),
    HittingSet((2, 1, 1, 1), ((0, 1), (0, 2), (0, 3))),
    HittingSet((3, 1, 1, 1), ((0, 1), (0, 2), (0, 3))),
    HittingSet((1,), ()),
])
def test_the_solver_agrees_with_brute_force(problem: HittingSet) -> None:
    answer = solve(problem)
    best = _brute(problem)
    if best is None:
        assert answer is None
    else:
        assert answer is not None and sum(problem.costs[i] for i in answer) == best


# -- outputs and the command -------------------------------------------------------------------
def _schema() -> jsonschema.Draft202012Validator:
    text = resources.files("accesssim").joinpath("data/remediate.schema.json").read_text("utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_json_of_each_status_validates_against_the_schema() -> None:
    validator = _schema()
    project = _project("01-kansai")
    keep = load_keep(DATA / "kansai.keep.yaml", "k.yaml", project.loaded.model)
    bad = load_keep(DATA / "kansai-conflict.keep.yaml", "c.yaml", project.loaded.model)
    for result in (remediate(project, keep), remediate(project, bad),
                   remediate(load_project(REPO / "scenarios" / "reference.yaml", REPO))):
        data = to_dict(result, "k.yaml", "fix.yaml")
        validator.validate(data)
        assert data["schema"] == "accesssim-remediate/1"
    data["surprise"] = 1
    assert not validator.is_valid(data)


def test_docs_name_every_schema_key() -> None:
    missing = undocumented_keys(_schema().schema, REPO / "docs" / "remediate.md")
    assert not missing, f"document these keys in docs/remediate.md: {missing}"


#: The venv's own command: CI does not put the venv's bin folder on PATH.


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command in-process, from the repository's root: the installed command runs in
    tests/test_cli_ux.py and, for ``remediate`` itself, docs/remediate.md's commands (each a
    process in the thorough profile); five new Pythons here cost 4 s and tested nothing more."""
    with contextlib.chdir(REPO):
        done = run(*args)
    return subprocess.CompletedProcess(list(args), done.exit_code, done.stdout, done.stderr)


def test_cli_exit_codes_and_the_written_change_set(tmp_path: Path) -> None:
    out = tmp_path / "fix.yaml"
    done = _cli("remediate", "scenarios/incidents/01-kansai.yaml", "--keep",
                str(DATA / "kansai.keep.yaml"), "-o", str(out), "--format", "json", "--quiet")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    _schema().validate(data)
    assert data["status"] == "proposed" and data["written"] == str(out)
    read = load_changes(out, "fix.yaml")
    assert [c.kind for c in read.changes] == [c["kind"] for c in data["changes"]]
    whatif = _cli("whatif", "scenarios/incidents/01-kansai.yaml", "--change", str(out),
                  "--format", "json")
    assert whatif.returncode == 0, whatif.stderr  # read back by whatif: nothing opened
    conflict = _cli("remediate", "scenarios/incidents/01-kansai.yaml", "--keep",
                    str(DATA / "kansai-conflict.keep.yaml"), "-o", str(tmp_path / "no.yaml"))
    assert conflict.returncode == 1 and "minimal conflicting set" in conflict.stdout
    assert not (tmp_path / "no.yaml").exists()
    clean = _cli("remediate", "scenarios/reference.yaml", "--quiet")
    assert clean.returncode == 0 and "nothing to change" in clean.stdout
    missing = _cli("remediate", "scenarios/incidents/01-kansai.yaml", "--keep",
                   str(tmp_path / "absent.yaml"))
    assert missing.returncode == 2


def test_docs_list_the_default_cost_of_every_proposed_kind() -> None:
    from accesssim.remediate.candidates import VOCABULARY

    text = (REPO / "docs" / "remediate.md").read_text(encoding="utf-8")
    for kind in VOCABULARY:
        assert f"| `{kind}` | {DEFAULT_COSTS[kind]:g} |" in text, kind
