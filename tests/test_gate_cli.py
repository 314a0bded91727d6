"""``accesssim diff`` and ``accesssim check`` (cli/gate.py): exit codes, outputs written only
whole, errors as exit 2 (with an ERROR document where one was asked for)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accesssim.gate.check import NO_BASE, run_check
from accesssim.reports.gate_markdown import error_to_markdown
from accesssim.suite.suite import run_suite
from gate_repo import CSV_REL, MODEL_REL, commit, make_repo, model_text, open_usage, write
from helpers import REPO, assert_error, run


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project committed on main, the current folder its root."""
    root = tmp_path / "repo"
    make_repo(root)
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return root


def test_diff_exit_codes(repo: Path) -> None:
    assert run("diff", MODEL_REL, "--base-ref", "main").exit_code == 0
    line = open_usage(repo)
    result = run("diff", MODEL_REL, "--base-ref", "main")
    assert result.exit_code == 1, result.stderr
    assert f"changed: {CSV_REL}:{line}" in result.stdout
    data = json.loads(run("diff", MODEL_REL, "--base-ref", "main", "--format", "json").stdout)
    assert data["result"] == "FAIL"
    commit(repo, "open usage")
    assert run("diff", MODEL_REL, "--base-ref", "HEAD").exit_code == 0
    assert run("diff", MODEL_REL, "--base-ref", "HEAD~1").exit_code == 1


def test_diff_two_paths_and_an_empty_base(repo: Path) -> None:
    other = repo / "other"
    make_repo(other)
    open_usage(repo)
    result = run("diff", str(other / MODEL_REL), MODEL_REL, "-o", "out/d.txt")
    assert result.exit_code == 1 and "usage" in (repo / "out" / "d.txt").read_text()
    new = repo / "scenarios" / "new.yaml"
    new.write_text(model_text(), encoding="utf-8")
    result = run("diff", "scenarios/new.yaml", "--base-ref", "main")
    assert result.exit_code == 1
    assert "scenarios/new.yaml does not exist at main" in result.stdout


def test_diff_errors_exit_2(repo: Path, tmp_path: Path) -> None:
    assert_error(run("diff", MODEL_REL, "--base-ref", "nope"), "'nope': no such commit")
    result = run("diff", MODEL_REL, "--base-ref", "nope", "--format", "json")
    assert result.exit_code == 2 and json.loads(result.stdout)["result"] == "ERROR"
    assert_error(run("diff", MODEL_REL), "give two models")
    assert_error(run("diff", MODEL_REL, MODEL_REL, "--base-ref", "main"), "only the HEAD model")
    plain = tmp_path / "plain"
    make_repo(plain)
    (plain / ".git").rename(plain / "not-git")
    assert_error(run("diff", str(plain / MODEL_REL), "--base-ref", "main",
                     "--root", str(plain)), "not inside a git repository")
    before = (repo / CSV_REL).read_text()
    assert_error(run("diff", MODEL_REL, "--base-ref", "main", "-o", CSV_REL), "input of this run")
    assert (repo / CSV_REL).read_text() == before
    # A base that fails to load: its Casbin files were never known as inputs, and the ERROR
    # document still does not replace one.
    other = repo / "other"
    make_repo(other, policy="p, broken\n")
    result = run("diff", str(other / MODEL_REL), MODEL_REL, "--format", "json",
                 "-o", str(other / CSV_REL))
    assert_error(result, CSV_REL)
    assert (other / CSV_REL).read_text() == "p, broken\n"


def test_check_passes_fails_and_writes_every_output(repo: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("check", "--base-ref", "main").exit_code == 0
    assert run("check").exit_code == 0  # expectations only
    line = open_usage(repo)
    summary = repo / "summary.md"
    summary.write_text("before\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run("check", "--base-ref", "main", "--format", "json", "-o", "out/c.json",
                 "--sarif", "out/c.sarif", "--markdown", "out/c.md", "--junit", "out/j.xml")
    assert result.exit_code == 1, result.stderr
    data = json.loads((repo / "out" / "c.json").read_text())
    assert data["result"] == "FAIL" and [r["kind"] for r in data["reasons"]] == ["exposure"]
    sarif = json.loads((repo / "out" / "c.sarif").read_text())
    (hit,) = sarif["runs"][0]["results"]
    where = hit["locations"][0]["physicalLocation"]
    assert (where["artifactLocation"]["uri"], where["region"]["startLine"]) == (CSV_REL, line)
    markdown = (repo / "out" / "c.md").read_text()
    assert summary.read_text() == "before\n" + markdown
    assert "<testsuite" in (repo / "out" / "j.xml").read_text()
    # Without --markdown too; an error appends its own ERROR summary.
    assert run("check", "--base-ref", "main").exit_code == 1
    assert summary.read_text() == "before\n" + markdown * 2
    failed = run("check", "--base-ref", "nope")
    assert failed.exit_code == 2
    message = failed.stderr.strip().removeprefix("error: ")
    assert summary.read_text() == "before\n" + markdown * 2 + error_to_markdown(message)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    # Waived: passes.
    fingerprint = data["models"][0]["opened"][0]["fingerprint"]
    model = data["models"][0]["model"]
    assert model == MODEL_REL
    waiver = (f"  - fingerprint: {fingerprint}\n    model: {{}}\n    owner: a@example.com\n"
              "    reason: known\n    expires: 2030-01-31\n")
    (repo / "accesssim-waivers.yaml").write_text(
        "accesssim-waivers: 1\nwaivers:\n" + waiver.format("scenarios/other.yaml"))
    other = run("check", "--base-ref", "main", "--today", "2030-01-31")  # another model's
    assert other.exit_code == 1 and "unused waiver: " + fingerprint in other.stdout
    (repo / "accesssim-waivers.yaml").write_text(
        "accesssim-waivers: 1\nwaivers:\n" + waiver.format(model))
    assert run("check", "--base-ref", "main", "--today", "2030-01-31").exit_code == 0
    assert run("check", "--base-ref", "main", "--today", "2030-02-01").exit_code == 1


def test_check_fails_on_a_broken_expectation_and_on_no_expectation(repo: Path) -> None:
    text = (repo / MODEL_REL).read_text()
    assert text.count("- name\n") == 1  # the expectation's field list
    (repo / MODEL_REL).write_text(text.replace("- name\n", "- usage\n"))
    result = run("check", "--format", "json")
    assert result.exit_code == 1
    assert [r["kind"] for r in json.loads(result.stdout)["reasons"]] == ["expectation"]
    write(repo, model=model_text(expectations=False))
    result = run("check", "--base-ref", "main", "--format", "json")
    assert result.exit_code == 1
    reasons = json.loads(result.stdout)["reasons"]
    assert [r["kind"] for r in reasons] == ["no-expectations"]
    assert "scenarios" in reasons[0]["message"]


def test_check_errors_write_nothing_but_the_error(repo: Path) -> None:
    result = run("check", "--base-ref", "nope", "--format", "json", "-o", "out/c.json",
                 "--sarif", "out/c.sarif", "--markdown", "out/c.md")
    assert_error(result, "'nope': no such commit")
    assert json.loads((repo / "out" / "c.json").read_text())["result"] == "ERROR"
    assert "ERROR" in (repo / "out" / "c.md").read_text()
    assert not (repo / "out" / "c.sarif").exists()
    assert_error(run("check", "missing/"), "missing")
    write(repo, policy="p, broken\n")
    assert_error(run("check", "--sarif", "x.sarif"), CSV_REL)
    assert not (repo / "x.sarif").exists()
    assert_error(run("check", "-o", "same", "--sarif", "same"), "same file")


def test_checks_expectations_are_those_of_accesssim_test() -> None:
    """check reuses its one analysis for the expectations: the results are test's own."""
    paths = [REPO / "scenarios" / "incidents" / "01-kansai.yaml",
             REPO / "scenarios" / "incidents" / "05-chubu.yaml"]
    checked = run_check(paths, root=REPO, waivers=None)
    assert list(checked.report.expectations) == run_suite(paths, REPO).results
    assert checked.report.result == "PASS"
    assert [m.base_note for m in checked.report.models] == [NO_BASE, NO_BASE]
