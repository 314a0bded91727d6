"""Hostile tests of the CI gate (issue 8): pull requests that try to open a path and still
pass, changes that should pass and fail, and inputs a pipeline gets wrong. Each test is a
regression test of a hole found by trying it; small temporary git repositories
(``gate_repo``), the CLI run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from accesssim.cli.main import main
from gate_repo import CSV_REL, MODEL_REL, commit, git, make_repo, open_usage


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """``accesssim ARGS`` with ``root`` as the current folder: exit code and all output."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.delenv("GITHUB_STEP_SUMMARY", raising=False)
        for key, value in (env or {}).items():
            mp.setenv(key, value)
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def check_json(root: Path, *args: str) -> tuple[int, dict[str, object]]:
    code, _ = run(root, "check", "--quiet", "--format", "json", "-o", "../check.json", *args)
    return code, json.loads((root.parent / "check.json").read_text(encoding="utf-8"))


def test_deleting_a_scenario_and_opening_its_policy_fails(tmp_path: Path) -> None:
    """A pull request that removes one scenario (another remains) and opens a path in the
    policy only that scenario modelled: nothing left diffs that policy, so the gate must
    say the scenario is gone rather than pass."""
    root = tmp_path / "repo"
    make_repo(root)
    other = (root / MODEL_REL).read_text(encoding="utf-8").replace("case.csv", "other.csv")
    (root / "scenarios/other.yaml").write_text(other, encoding="utf-8")
    (root / "policies/other.csv").write_text((root / CSV_REL).read_text(encoding="utf-8"),
                                             encoding="utf-8")
    commit(root, "two scenarios")
    git(root, "branch", "base")
    (root / MODEL_REL).unlink()
    open_usage(root)
    commit(root, "pr")
    code, report = check_json(root, "--base-ref", "base")
    assert code == 1
    gone = [r["message"] for r in report["reasons"]  # type: ignore[attr-defined]
            if r["kind"] == "no-longer-checked"]
    assert any("base:scenarios/case.yaml" in m and "gone" in m for m in gone), report
    # the same tree with the scenario kept: no removal reported (only the real opening)
    git(root, "checkout", "-q", "base", "--", MODEL_REL)
    code, report = check_json(root, "--base-ref", "base")
    assert code == 1
    assert not any("gone" in r["message"] for r in report["reasons"])  # type: ignore[attr-defined]


@pytest.mark.parametrize(("old", "new"), [
    ("- id: clerk\n", "- id: clerk\n  headcount: 5000\n"),  # one clerk becomes 5000
    ("- id: clerk\n  org: retail\n", "- id: clerk\n  org: retail2\n"),  # another company's staff
])
def test_a_group_grown_or_moved_under_the_same_id_fails(tmp_path: Path, old: str,
                                                        new: str) -> None:
    """The facts (person id, field, mode, day) stay the same, but more people or other
    people see the field: the exposure is new, not unchanged."""
    root = tmp_path / "repo"
    make_repo(root)
    text = (root / MODEL_REL).read_text(encoding="utf-8")
    text = text.replace("  affiliated_with: nw\n", "  affiliated_with: nw\n- id: retail2\n"
                        "  name: r2\n  kind: retail\n  affiliated_with: nw\n", 1)
    (root / MODEL_REL).write_text(text, encoding="utf-8")
    commit(root, "a second retailer")
    git(root, "branch", "base")
    assert run(root, "check", "--quiet", "--base-ref", "base")[0] == 0
    (root / MODEL_REL).write_text(text.replace(old, new, 1), encoding="utf-8")
    code, report = check_json(root, "--base-ref", "base")
    assert code == 1, report
    assert [r["kind"] for r in report["reasons"]] == ["exposure"]  # type: ignore[attr-defined]
    # a group that shrinks is the same group: nothing opened
    (root / MODEL_REL).write_text(text.replace("- id: clerk\n", "- id: clerk\n  headcount: 1\n"),
                                  encoding="utf-8")
    assert run(root, "check", "--quiet", "--base-ref", "base")[0] == 0


def test_a_symlinked_policy_is_read_at_ref_through_its_link(tmp_path: Path) -> None:
    """policies/case.csv -> v1.csv: HEAD's loader follows the link, so must the base (it read
    the link's text, 'v1.csv', as a policy line: exit 2 on every run). A link leaving the
    repository cannot be read at REF: exit 2, saying so."""
    root = tmp_path / "repo"
    make_repo(root)
    git(root, "mv", CSV_REL, "policies/v1.csv")
    (root / CSV_REL).symlink_to("v1.csv")
    commit(root, "the policy behind a link")
    git(root, "branch", "base")
    assert run(root, "check", "--quiet", "--base-ref", "base")[0] == 0
    line = open_usage(root)
    code, report = check_json(root, "--base-ref", "base")
    assert code == 1
    [reason] = report["reasons"]  # type: ignore[misc]
    assert reason["kind"] == "exposure"
    assert reason["source"] == {"file": "policies/v1.csv", "line": line}
    outside = tmp_path / "outside.csv"
    outside.write_text((root / "policies/v1.csv").read_text(encoding="utf-8"), encoding="utf-8")
    (root / CSV_REL).unlink()
    (root / CSV_REL).symlink_to(outside)
    commit(root, "a link out of the repository")
    code, output = run(root, "check", "--quiet", "--root", str(tmp_path), "--base-ref", "HEAD")
    assert code == 2
    assert "outside the repository" in output


def test_a_failed_output_leaves_no_other_output(tmp_path: Path) -> None:
    """--markdown ok.md --sarif /dev/full: the run exits 2, so no Markdown saying PASS may be
    left behind; an unwritable $GITHUB_STEP_SUMMARY likewise stops it before any output."""
    root = tmp_path / "repo"
    make_repo(root)
    if Path("/dev/full").exists():
        code, output = run(root, "check", "--quiet", "--markdown", "ok.md", "--sarif", "/dev/full")
        assert code == 2 and "/dev/full" in output
        assert not (root / "ok.md").exists()
    code, output = run(root, "check", "--quiet", "--markdown", "ok.md", "-o", "out.txt",
                       env={"GITHUB_STEP_SUMMARY": str(tmp_path / "no" / "such" / "dir")})
    assert code == 2 and "GITHUB_STEP_SUMMARY" in output
    assert not (root / "ok.md").exists() and not (root / "out.txt").exists()
    assert sorted(p.name for p in root.iterdir()) == [".git", "policies", "scenarios"]
    summary = tmp_path / "summary.md"
    code, _ = run(root, "check", "--quiet", "--markdown", "ok.md", "-o", "out.txt",
                  env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert code == 0
    assert "PASS" in (root / "ok.md").read_text(encoding="utf-8")
    assert "PASS" in summary.read_text(encoding="utf-8")
    assert sorted(p.name for p in root.iterdir()) == [".git", "ok.md", "out.txt", "policies",
                                                      "scenarios"]


@pytest.mark.xfail(strict=True, reason="a waiver names a fingerprint only (person, field, root "
                   "cause), not the modes and dates it accepted: any later widening of a "
                   "waived exposure passes (needs the waiver format to record its extent, or "
                   "a rule that an unchanged waiver covers no widening)")
def test_a_waiver_does_not_cover_a_later_widening(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_repo(root)
    text = (root / MODEL_REL).read_text(encoding="utf-8")
    normal_only = text.replace("    - field: name\n      masking: clear\n",
                               "    - field: name\n      masking: clear\n      modes:\n"
                               "      - normal\n", 1)
    (root / MODEL_REL).write_text(normal_only, encoding="utf-8")
    commit(root, "name in clear in normal time only")
    git(root, "checkout", "-q", "--orphan", "empty")
    git(root, "rm", "-rfq", ".")
    git(root, "commit", "-q", "--allow-empty", "-m", "nothing")
    git(root, "checkout", "-q", "main")
    code, report = check_json(root, "--base-ref", "empty")  # every exposure is new
    [reason] = report["reasons"]  # type: ignore[misc]
    (root / "accesssim-waivers.yaml").write_text(
        "accesssim-waivers: 1\nwaivers:\n"
        f"- fingerprint: {reason['fingerprint']}\n  model: {MODEL_REL}\n  owner: a@example.com\n"
        "  reason: the clerk may see names in normal time\n  expires: 2099-12-31\n",
        encoding="utf-8")
    commit(root, "waived")
    git(root, "branch", "base")
    assert run(root, "check", "--quiet", "--base-ref", "base")[0] == 0
    (root / MODEL_REL).write_text(text, encoding="utf-8")  # now in disaster mode too
    code, report = check_json(root, "--base-ref", "base")
    assert code == 1, report


def test_a_moved_model_is_compared_with_its_old_self(tmp_path: Path) -> None:
    """git mv scenarios/case.yaml scenarios/deeper/moved.yaml (Casbin paths updated): the
    base is the model at its old path, said in the output, not an empty base that fails
    every known exposure; a move that also opens a path still fails on that path only."""
    root = tmp_path / "repo"
    make_repo(root)
    git(root, "branch", "base")
    (root / "scenarios/deeper").mkdir()
    git(root, "mv", MODEL_REL, "scenarios/deeper/moved.yaml")
    moved = root / "scenarios/deeper/moved.yaml"
    moved.write_text(moved.read_text(encoding="utf-8").replace("../policies/", "../../policies/"),
                     encoding="utf-8")
    commit(root, "moved")
    code, report = check_json(root, "--base-ref", "base")
    assert code == 0, report
    [model] = report["models"]  # type: ignore[misc]
    assert model["base"] == "base:scenarios/case.yaml"
    assert "renamed" in model["base_note"]
    line = open_usage(root)
    code, report = check_json(root, "--base-ref", "base")
    assert code == 1
    [reason] = report["reasons"]  # type: ignore[misc]
    assert reason["kind"] == "exposure" and "usage" in reason["message"]
    assert reason["source"] == {"file": CSV_REL, "line": line}


def test_taking_a_field_out_of_the_model_while_the_policy_opens_it_is_refused(
        tmp_path: Path) -> None:
    """Drop field ``usage`` from the model and add the g line that unmasks it: the analysis
    no longer sees the field (the unmask rule names a field it does not know: a lint only)
    and the diff called it narrowing: PASS. The line the model cannot see is refused."""
    root = tmp_path / "repo"
    make_repo(root)
    text = (root / MODEL_REL).read_text(encoding="utf-8")
    (root / MODEL_REL).write_text(
        text.replace("  - id: usage\n", "").replace("    - field: usage\n      masking: policy\n",
                                                    ""), encoding="utf-8")
    open_usage(root)
    code, output = run(root, "check", "--quiet", "--base-ref", "main")
    assert code == 2, output
    assert f"{CSV_REL}:3: field 'usage' is not in system 'cis'" in output
    assert "new since main:" in output
    # the same lint already in the base is the base's: not refused again
    commit(root, "field gone")
    assert run(root, "check", "--quiet", "--base-ref", "HEAD")[0] == 0


def test_a_trust_grant_added_with_the_line_it_lets_through_fails(tmp_path: Path) -> None:
    """Trust retail with ``usage`` and add the g line that unmasks it, in one change: HEAD
    alone has no exposure (the clerk is inside the boundary now) and the gate passed. Both
    versions are compared under the grants they share; a grant alone still passes."""
    root = tmp_path / "repo"
    make_repo(root)
    text = (root / MODEL_REL).read_text(encoding="utf-8")
    grant = "trust:\n- orgs:\n  - retail\n  systems:\n  - cis\n  fields:\n  - usage\n"
    (root / MODEL_REL).write_text(text + grant, encoding="utf-8")
    code, report = check_json(root, "--base-ref", "main")
    assert code == 0, report
    [model] = report["models"]  # type: ignore[misc]
    assert "boundary differs" in model["base_note"]
    line = open_usage(root)
    code, report = check_json(root, "--base-ref", "main")
    assert code == 1, report
    [reason] = report["reasons"]  # type: ignore[misc]
    assert reason["kind"] == "exposure" and "usage" in reason["message"]
    assert reason["source"] == {"file": CSV_REL, "line": line}
    # once the grant is in the base, the gate compares as before: nothing new
    commit(root, "grant and line")
    assert run(root, "check", "--quiet", "--base-ref", "HEAD")[0] == 0


@pytest.mark.parametrize("boundary", ["    data_class: public\n", "    concerns:\n    - retail\n"])
def test_a_field_made_public_or_concerning_retail_with_the_line_that_opens_it_fails(
        tmp_path: Path, boundary: str) -> None:
    """``usage`` declared public (or the retailer's own customers' data) in the change that
    unmasks it: HEAD alone has no exposure; compared under the shared boundary it has one."""
    root = tmp_path / "repo"
    make_repo(root)
    text = (root / MODEL_REL).read_text(encoding="utf-8")
    (root / MODEL_REL).write_text(text.replace("  - id: usage\n", "  - id: usage\n" + boundary),
                                  encoding="utf-8")
    assert run(root, "check", "--quiet", "--base-ref", "main")[0] == 0
    open_usage(root)
    code, report = check_json(root, "--base-ref", "main")
    assert code == 1, report
    assert [r["kind"] for r in report["reasons"]] == ["exposure"]  # type: ignore[attr-defined]


def test_taking_an_account_out_of_the_model_while_the_policy_grants_it_is_refused(
        tmp_path: Path) -> None:
    """Account ``acc2`` (the clerk's) dropped from the model, and a rule granting it the
    unmask added: to the analysis ``acc2`` is a role nobody holds, so nothing opened."""
    root = tmp_path / "repo"
    make_repo(root)
    text = (root / MODEL_REL).read_text(encoding="utf-8")
    second = "accounts:\n- id: acc2\n  holder: clerk\n  systems:\n  - cis\n"
    (root / MODEL_REL).write_text(text.replace("accounts:\n", second, 1), encoding="utf-8")
    commit(root, "a second account")
    (root / MODEL_REL).write_text(text, encoding="utf-8")
    with (root / CSV_REL).open("a", encoding="utf-8") as handle:
        handle.write("p, acc2, cis, usage, unmask, allow, *, *, *\n")
    code, output = run(root, "check", "--quiet", "--base-ref", "HEAD")
    assert code == 2, output
    assert f"{CSV_REL}:5: account 'acc2' is no longer in the model" in output


def test_mutate_adds_an_account_to_a_role_nobody_holds_yet(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_repo(root)
    code, output = run(root, "mutate", MODEL_REL, "--quiet", "--jobs", "1", "--format", "json")
    assert code == 0, output
    mutants = {m["id"]: m["status"] for m in json.loads(output)["mutants"]}
    unmasker = [i for i in mutants if i.startswith("add-role:") and "unmasker" in i]
    assert unmasker, mutants
    assert all(mutants[i] != "equivalent" for i in unmasker), mutants  # it opens usage


def test_a_waiver_for_one_scenario_does_not_cover_another(tmp_path: Path) -> None:
    """A fingerprint is (person, field, root elements), not the model: the incident's model
    and the live one share ids, so the same leak has the same fingerprint in both. The waiver
    names its model, and covers the leak in the incident's model only."""
    root = tmp_path / "repo"
    make_repo(root)
    incident = (root / MODEL_REL).read_text(encoding="utf-8").replace("case.csv", "incident.csv")
    (root / "scenarios/incident.yaml").write_text(incident, encoding="utf-8")
    policy = (root / CSV_REL).read_text(encoding="utf-8")
    (root / "policies/incident.csv").write_text(policy + "g, acc, unmasker, cis\n",
                                                encoding="utf-8")
    commit(root, "the incident, as it was")
    code, report = check_json(root, "--base-ref", "HEAD~1")
    [reason] = [r for r in report["reasons"]  # type: ignore[attr-defined]
                if r["kind"] == "exposure" and "see usage" in r["message"]]
    (root / "accesssim-waivers.yaml").write_text(
        "accesssim-waivers: 1\nwaivers:\n"
        f"- fingerprint: {reason['fingerprint']}\n  model: scenarios/incident.yaml\n"
        "  owner: a@example.com\n"
        "  reason: the incident model shows the leak as it happened\n  expires: 2099-12-31\n",
        encoding="utf-8")
    commit(root, "waived in the incident model")
    _, covered = check_json(root, "--base-ref", "HEAD~2")  # before the incident: it is waived
    assert reason["fingerprint"] not in {r["fingerprint"]  # type: ignore[attr-defined]
                                         for r in covered["reasons"]}
    assert [w["used"] for w in covered["waivers"]] == [True]  # type: ignore[attr-defined]
    git(root, "branch", "base")
    assert run(root, "check", "--quiet", "--base-ref", "base")[0] == 0
    open_usage(root)  # the same leak, now in the live model
    code, report = check_json(root, "--base-ref", "base")
    assert code == 1, report
    [live] = [r for r in report["reasons"]  # type: ignore[attr-defined]
              if r["kind"] == "exposure" and "see usage" in r["message"]]
    assert live["fingerprint"] == reason["fingerprint"]  # the same identity, another model
    [waiver] = report["waivers"]  # type: ignore[misc]
    assert waiver["model"] == "scenarios/incident.yaml" and not waiver["used"]


def test_pointing_the_model_at_another_policy_while_the_old_one_opens_fails(
        tmp_path: Path) -> None:
    """The model re-pointed from policies/case.csv (the deployed one, say) to an untouched
    copy, and the g line that opens ``usage`` added to case.csv: no scenario reads case.csv
    any more, so nothing compared it. It is named; deleting it passes."""
    root = tmp_path / "repo"
    make_repo(root)
    (root / "policies/old.csv").write_text((root / CSV_REL).read_text(encoding="utf-8"),
                                           encoding="utf-8")
    commit(root, "a copy")
    open_usage(root)
    text = (root / MODEL_REL).read_text(encoding="utf-8")
    (root / MODEL_REL).write_text(text.replace("case.csv", "old.csv"), encoding="utf-8")
    code, report = check_json(root, "--base-ref", "HEAD")
    assert code == 1, report
    [reason] = report["reasons"]  # type: ignore[misc]
    assert reason["kind"] == "no-longer-checked"
    assert reason["message"].startswith(f"{CSV_REL}: HEAD:{MODEL_REL} checked it, no scenario")
    (root / CSV_REL).unlink()
    assert run(root, "check", "--quiet", "--base-ref", "HEAD")[0] == 0


@pytest.mark.xfail(strict=True, reason="the shared boundary covers trust grants, data_class and "
                   "concerns, not a system's owner or its contractors (works_for): a change "
                   "that hands cis to the retailer hides what it opens; only an expectation "
                   "can catch it")
def test_a_system_handed_to_the_retailer_with_the_line_that_opens_it_fails(
        tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_repo(root, expectations=False)
    text = (root / MODEL_REL).read_text(encoding="utf-8")
    # a scenario with an expectation that the handover does not break
    expect = ("expectations:\n- id: clerk-opens-customer\n  decision: {account: acc, system: "
              "cis, object: customer, action: open, expect: allow}\n")
    (root / MODEL_REL).write_text(text + expect, encoding="utf-8")
    commit(root, "expectation")
    (root / MODEL_REL).write_text(text.replace("  owner: nw\n  fields:", "  owner: retail\n"
                                               "  fields:") + expect, encoding="utf-8")
    open_usage(root)
    code, report = check_json(root, "--base-ref", "HEAD")
    assert code == 1, report


def test_a_scenario_named_twice_is_checked_once(tmp_path: Path) -> None:
    """The same folder by two spellings: one model, its expectations counted once."""
    root = tmp_path / "repo"
    make_repo(root)
    code, once = check_json(root, "--base-ref", "HEAD", "scenarios")
    code_twice, twice = check_json(root, "--base-ref", "HEAD", "scenarios",
                                   "scenarios/../scenarios")
    assert (code, code_twice) == (0, 0), (once, twice)
    assert twice["counts"] == once["counts"]  # type: ignore[index]
    assert twice["counts"]["models"] == 1  # type: ignore[index]
