"""The shipped CI integration stays honest: action.yml, .pre-commit-hooks.yaml and every workflow
shown in docs/ci.md are parsed, checked for structure, and their shell steps RUN (tests/ci_runner.py
says how closely) in a temporary git repository: a base commit on main and a pull request commit
on a branch, cloned shallowly as the runners clone, with GITHUB_* / CI_* set as the runners set
them. `pip install` steps are not run: the package under test is already installed here.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ci_runner import (
    Context,
    Run,
    environ_for,
    gitlab_rule_matches,
    load_yaml,
    run_gitlab_job,
    run_steps,
)
from gate_repos import (
    KANSAI_CSV,
    KANSAI_MODEL,
    OPENING_G_LINE,
    append,
    commit_all,
    copy_kansai,
    git,
    new_repo,
    sarif_locations,
    valid_sarif,
)
from helpers import REPO

ACTION = REPO / "action.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
CI_DOC = REPO / "docs" / "ci.md"
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")


def _yaml_blocks() -> list[Any]:
    text = CI_DOC.read_text(encoding="utf-8")
    return [load_yaml(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)]


def _github_workflows() -> list[dict[str, Any]]:
    return [b for b in _yaml_blocks() if isinstance(b, dict) and "jobs" in b]


def _gitlab_jobs() -> list[dict[str, Any]]:
    return [job for b in _yaml_blocks() if isinstance(b, dict) and "jobs" not in b
            for job in b.values() if isinstance(job, dict) and "script" in job]


def _action() -> dict[str, Any]:
    spec: dict[str, Any] = load_yaml(ACTION.read_text(encoding="utf-8"))
    return spec


def _expressions(value: Any) -> list[str]:
    return re.findall(r"\$\{\{(.*?)\}\}", json.dumps(value)) + (
        [value["if"]] if isinstance(value, dict) and "if" in value else [])


# -- structure ---------------------------------------------------------------------------------


def test_docs_show_two_github_workflows_a_gitlab_job_and_a_pre_commit_config() -> None:
    assert len(_github_workflows()) == 2
    assert len(_gitlab_jobs()) == 1
    assert any(isinstance(b, dict) and "repos" in b for b in _yaml_blocks())


def test_action_is_composite_and_every_input_and_step_it_reads_exists() -> None:
    spec = _action()
    assert spec["runs"]["using"] == "composite"
    assert {"paths", "base-ref", "waivers", "python-version", "sarif", "markdown"} <= set(
        spec["inputs"])
    assert spec["inputs"]["base-ref"]["default"] == "origin/${{ github.base_ref }}"
    seen_ids: list[str] = []
    for step in spec["runs"]["steps"]:
        for expression in _expressions(step):
            for name in re.findall(r"inputs\.([\w-]+)", expression):
                assert name in spec["inputs"], f"{step.get('name')}: no input {name}"
            for step_id in re.findall(r"steps\.([\w-]+)\.", expression):
                assert step_id in seen_ids, f"{step.get('name')}: no earlier step {step_id}"
        if "run" in step:
            assert step.get("shell") == "bash", "a composite run step needs `shell: bash`"
            assert "${{" not in step["run"], "expressions go through env:, not into scripts"
        seen_ids += [step["id"]] if "id" in step else []
    for output in spec["outputs"].values():
        for step_id in re.findall(r"steps\.([\w-]+)\.", output["value"]):
            assert step_id in seen_ids


def test_every_uses_is_pinned_to_a_release_and_the_action_to_this_version() -> None:
    uses = [s["uses"] for s in _action()["runs"]["steps"] if "uses" in s]
    for workflow in _github_workflows():
        uses += [s["uses"] for job in workflow["jobs"].values() for s in job["steps"]
                 if "uses" in s]
    assert uses
    for ref in uses:
        assert PINNED.match(ref), f"{ref}: pin a release tag or a commit, not a branch"
        if ref.split("@")[0].endswith("/accesssim"):
            assert ref.endswith(f"@v{VERSION}")
    for block in _yaml_blocks():
        for job in block.values() if isinstance(block, dict) and "jobs" not in block else []:
            if isinstance(job, dict) and "image" in job:
                assert re.fullmatch(r"python:3\.1[1-9][\w.-]*", job["image"]), job["image"]


def test_workflows_give_the_action_only_inputs_it_declares() -> None:
    declared = set(_action()["inputs"])
    steps = [s for w in _github_workflows() for job in w["jobs"].values() for s in job["steps"]
             if str(s.get("uses", "")).split("@")[0].endswith("/accesssim")]
    assert len(steps) == 1
    assert set(steps[0].get("with", {})) <= declared


def test_workflows_run_on_pull_requests_and_may_upload_sarif() -> None:
    for workflow in _github_workflows():
        assert "pull_request" in workflow["on"]
        assert workflow["permissions"]["security-events"] == "write"
    (job,) = _gitlab_jobs()
    assert job["rules"][0]["if"] == '$CI_PIPELINE_SOURCE == "merge_request_event"'
    assert job["artifacts"]["when"] == "always"


def test_pre_commit_hook_definition() -> None:
    (hook,) = load_yaml(HOOKS.read_text(encoding="utf-8"))
    assert hook["id"] == "accesssim-check"
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    assert hook["entry"] == "accesssim check --base-ref HEAD"
    files = re.compile(hook["files"])
    for name in ("a.yaml", "s/b.yml", "policies/x.csv", "accesssim.conf"):
        assert files.search(name), name
    for name in ("README.md", "x.py", "conf.txt", "a.yaml.bak"):
        assert not files.search(name), name
    (config,) = [b for b in _yaml_blocks() if isinstance(b, dict) and "repos" in b]
    (repo,) = config["repos"]
    assert repo["rev"] == f"v{VERSION}"
    assert [h["id"] for h in repo["hooks"]] == ["accesssim-check"]


# -- running them --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PullRequest:
    """A shallow clone of the pull request's branch (the runner's workspace) and its origin."""

    workspace: Path
    origin: Path
    tmp: Path
    changed_line: int  # the line the pull request changed in KANSAI_CSV


def _pull_request(tmp: Path, change: Callable[[Path], int]) -> PullRequest:
    origin = new_repo(tmp / "origin")
    copy_kansai(origin)
    commit_all(origin, "base")
    git(origin, "checkout", "-q", "-b", "pr")
    line = change(origin)
    commit_all(origin, "pull request")
    workspace = tmp / "workspace"
    git(tmp, "clone", "-q", "--depth", "1", "--branch", "pr", f"file://{origin}", str(workspace))
    assert subprocess.run(["git", "rev-parse", "--verify", "-q", "origin/main"], cwd=workspace,
                          capture_output=True, check=False).returncode != 0
    return PullRequest(workspace, origin, tmp, line)


def _opening(root: Path) -> int:
    return append(root / KANSAI_CSV, OPENING_G_LINE)


def _comment_only(root: Path) -> int:
    return append(root / KANSAI_CSV, "# reviewed in the pull request; no rule changed")


def _github(pr: PullRequest, workflow: dict[str, Any]) -> tuple[Run, Path]:
    summary = pr.tmp / "step-summary.md"
    github = {"base_ref": "main", "head_ref": "pr", "event_name": "pull_request",
              "workspace": str(pr.workspace), "ref": "refs/pull/1/merge"}
    env = environ_for(pr.workspace, {
        "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(pr.workspace),
        "GITHUB_BASE_REF": "main", "GITHUB_HEAD_REF": "pr", "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_REF": "refs/pull/1/merge", "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(pr.tmp)})
    (job,) = workflow["jobs"].values()
    run = Run()
    ctx = Context(github=github, workspace=pr.workspace)
    run_steps(job["steps"], ctx, env, run, ACTION)
    return run, summary


def _assert_sarif_points_at(path: Path, pr: PullRequest) -> None:
    log = valid_sarif(path)
    locations = sarif_locations(log)
    assert locations, "a failing gate wrote a SARIF log without results"
    assert any(uri.endswith(KANSAI_CSV) and line == pr.changed_line for uri, line in locations), \
        locations


def test_action_fails_a_pull_request_that_opens_an_exposure(tmp_path: Path) -> None:
    pr = _pull_request(tmp_path, _opening)
    run, summary = _github(pr, _github_workflows()[0])
    assert run.code == 1, run.output
    # the action's own steps, then the action step of the workflow
    assert run.steps[-2:] == [("Verdict", 1), ("accesssim/accesssim@v0.1.0", 1)], run.steps
    assert run.pip_skipped == ['python -m pip install --quiet "$GITHUB_ACTION_PATH"']
    (sarif,) = run.uploaded_sarif
    assert sarif == pr.workspace / "accesssim.sarif"
    _assert_sarif_points_at(sarif, pr)
    assert (pr.workspace / "accesssim.md").read_text(encoding="utf-8").strip()
    assert summary.read_text(encoding="utf-8").strip(), "no step summary written"
    assert git(pr.workspace, "rev-parse", "origin/main").strip() == git(
        pr.origin, "rev-parse", "main").strip()


def test_action_passes_a_pull_request_that_only_adds_a_comment(tmp_path: Path) -> None:
    pr = _pull_request(tmp_path, _comment_only)
    run, summary = _github(pr, _github_workflows()[0])
    assert run.code == 0, run.output
    assert run.steps[-2:] == [("Verdict", 0), ("accesssim/accesssim@v0.1.0", 0)], run.steps
    for sarif in run.uploaded_sarif:
        log = valid_sarif(sarif)
        assert sarif_locations(log) == []
    assert summary.read_text(encoding="utf-8").strip()


@pytest.mark.thorough
def test_action_outside_a_pull_request_checks_the_expectations_only(tmp_path: Path) -> None:
    pr = _pull_request(tmp_path, _opening)
    workflow = _github_workflows()[0]
    env = environ_for(pr.workspace, {"GITHUB_WORKSPACE": str(pr.workspace),
                                     "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")})
    (job,) = workflow["jobs"].values()
    run = Run()
    run_steps(job["steps"], Context(github={"base_ref": "", "event_name": "push"},
                                    workspace=pr.workspace), env, run, ACTION)
    assert "checking the expectations only" in run.output
    assert run.code == 0, run.output  # Kansai's expectations hold; nothing is compared


@pytest.mark.thorough
def test_action_on_a_broken_model_fails_the_job_with_exit_2_and_uploads_nothing(
        tmp_path: Path) -> None:
    pr = _pull_request(tmp_path, lambda root: append(root / KANSAI_MODEL, "people: [unclosed"))
    run, summary = _github(pr, _github_workflows()[0])
    assert run.code == 1, run.output  # the job fails
    assert ("Verdict", 2) in run.steps, run.steps
    assert ("Upload SARIF to code scanning", -1) in run.steps  # skipped: nothing written
    assert run.uploaded_sarif == []
    assert "ERROR" in summary.read_text(encoding="utf-8")


def test_plain_steps_workflow_fails_the_pull_request_and_keeps_every_report(
        tmp_path: Path) -> None:
    pr = _pull_request(tmp_path, _opening)
    run, summary = _github(pr, _github_workflows()[1])
    assert run.code == 1, run.output
    assert run.steps[-1] == ("Verdict", 1)
    assert run.pip_skipped == ['python -m pip install "accesssim==0.1.0"']
    (sarif,) = run.uploaded_sarif
    _assert_sarif_points_at(sarif, pr)
    assert run.artifacts == [pr.workspace / "out/"]
    junit = ET.parse(pr.workspace / "out" / "accesssim-junit.xml").getroot()
    assert junit.iter("failure") is not None and any(True for _ in junit.iter("failure"))
    assert summary.read_text(encoding="utf-8").strip()


@pytest.mark.thorough
def test_plain_steps_workflow_passes_a_comment_only_pull_request(tmp_path: Path) -> None:
    pr = _pull_request(tmp_path, _comment_only)
    run, _ = _github(pr, _github_workflows()[1])
    assert run.code == 0, run.output
    assert run.uploaded_sarif and valid_sarif(run.uploaded_sarif[0])


def _gitlab(pr: PullRequest) -> Run:
    (job,) = _gitlab_jobs()
    env = environ_for(pr.workspace, {
        "GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_PROJECT_DIR": str(pr.workspace), "CI_DEFAULT_BRANCH": "main",
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "pr", "CI_MERGE_REQUEST_IID": "1",
        "CI_COMMIT_SHA": git(pr.workspace, "rev-parse", "HEAD").strip()})
    assert any(gitlab_rule_matches(rule["if"], env) for rule in job["rules"])
    run = Run()
    run_gitlab_job(job, pr.workspace, env, run)
    for path in job["artifacts"]["paths"]:
        assert (pr.workspace / path).exists(), path
    return run


def test_gitlab_job_fails_the_merge_request_and_keeps_every_report(tmp_path: Path) -> None:
    pr = _pull_request(tmp_path, _opening)
    run = _gitlab(pr)
    assert run.code == 1, run.output
    assert run.pip_skipped == ['python -m pip install "accesssim==0.1.0"']
    (job,) = _gitlab_jobs()
    junit = ET.parse(pr.workspace / job["artifacts"]["reports"]["junit"]).getroot()
    assert any(True for _ in junit.iter("failure"))
    report = json.loads((pr.workspace / "out" / "accesssim.json").read_text(encoding="utf-8"))
    assert report["result"] == "FAIL"
    _assert_sarif_points_at(pr.workspace / "out" / "accesssim.sarif", pr)
    assert (pr.workspace / "out" / "accesssim.md").read_text(encoding="utf-8").strip()


@pytest.mark.thorough
def test_gitlab_job_passes_a_comment_only_merge_request(tmp_path: Path) -> None:
    pr = _pull_request(tmp_path, _comment_only)
    run = _gitlab(pr)
    assert run.code == 0, run.output
    report = json.loads((pr.workspace / "out" / "accesssim.json").read_text(encoding="utf-8"))
    assert report["result"] == "PASS"
    valid_sarif(pr.workspace / "out" / "accesssim.sarif")


def test_pre_commit_hook_entry_fails_a_staged_opening_and_passes_a_comment(
        tmp_path: Path) -> None:
    (hook,) = load_yaml(HOOKS.read_text(encoding="utf-8"))
    root = new_repo(tmp_path / "repo")
    copy_kansai(root)
    commit_all(root, "base")
    env = environ_for(root, {})

    def entry() -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-c", hook["entry"]], cwd=root, env=env,
                              capture_output=True, text=True, check=False)

    append(root / KANSAI_CSV, OPENING_G_LINE)
    git(root, "add", "-A")
    done = entry()
    assert done.returncode == 1, done.stdout + done.stderr
    git(root, "checkout", "-q", "HEAD", "--", KANSAI_CSV)
    append(root / KANSAI_CSV, "# a comment, nothing else")
    git(root, "add", "-A")
    done = entry()
    assert done.returncode == 0, done.stdout + done.stderr
