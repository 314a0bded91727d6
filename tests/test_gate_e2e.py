"""`accesssim check --base-ref` end to end (issue 8, "Tests"): temporary git repositories holding a
copy of the Kansai scenario, a base commit on main and a pull-request commit on a branch, and the
real command run as a process. Every SARIF log written is validated against the 2.1.0 schema.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gate_repos import (
    KANSAI_CSV,
    KANSAI_MODEL,
    OPENING_G_LINE,
    append,
    commit_all,
    copy_kansai,
    git,
    new_repo,
    replace_once,
    sarif_locations,
    valid_sarif,
)
from helpers import REPO, line_of

ACCESSSIM = shutil.which("accesssim", path=str(Path(sys.executable).parent)) or "accesssim"


@dataclass(frozen=True)
class Checked:
    code: int
    stdout: str
    stderr: str
    report: dict[str, Any]  # the JSON report (-o), {} when none was written
    sarif: dict[str, Any] | None  # the validated SARIF log, None when none was written

    @property
    def reasons(self) -> list[str]:
        return sorted(r["kind"] for r in self.report.get("reasons", []))

    def fingerprints(self) -> list[str]:
        return sorted({r["fingerprint"] for r in self.report["reasons"]
                       if r["kind"] == "exposure"})


def check(root: Path, *args: str) -> Checked:
    """`accesssim check scenarios/ ARGS` in `root`, writing JSON and SARIF beside it."""
    out = root.parent / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "TZ": "UTC", "NO_COLOR": "1"}
    env.pop("GITHUB_STEP_SUMMARY", None)
    done = subprocess.run(
        [ACCESSSIM, "check", "scenarios/", "--format", "json", "-o", str(out / "check.json"),
         "--sarif", str(out / "check.sarif"), "--root", str(root), *args],
        cwd=root, env=env, capture_output=True, text=True, check=False, timeout=600)
    assert "Traceback" not in done.stderr, done.stderr
    report_file, sarif_file = out / "check.json", out / "check.sarif"
    report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.exists() else {}
    sarif = valid_sarif(sarif_file) if sarif_file.exists() else None
    if done.returncode in (0, 1):
        assert report and sarif is not None, "a completed check wrote no JSON or no SARIF"
        assert report["result"] == ("PASS" if done.returncode == 0 else "FAIL")
    return Checked(done.returncode, done.stdout, done.stderr, report, sarif)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Kansai committed on main, and a branch `pr` checked out for the pull request's change."""
    root = new_repo(tmp_path / "repo")
    copy_kansai(root)
    commit_all(root, "base")
    git(root, "checkout", "-q", "-b", "pr")
    return root


def test_the_base_itself_passes(repo: Path) -> None:
    """Nothing changed: the gate passes (Kansai's findings are old, its expectations hold)."""
    done = check(repo, "--base-ref", "main")
    assert done.code == 0, done.stdout + done.stderr
    assert done.report["counts"]["exposures_new"] == 0
    assert sarif_locations(done.sarif or {"runs": []}) == []


def test_a_g_line_that_lets_retail_unmask_a_field_fails_and_sarif_points_at_it(
        repo: Path) -> None:
    line = append(repo / KANSAI_CSV, OPENING_G_LINE)
    commit_all(repo, "give the call centre the operators' role")
    done = check(repo, "--base-ref", "main")
    assert done.code == 1, done.stdout + done.stderr
    assert done.reasons and set(done.reasons) == {"exposure"}, done.report["reasons"]
    assert done.report["counts"]["exposures_new"] >= 1
    assert done.sarif is not None
    locations = sarif_locations(done.sarif)
    assert locations and all(loc == (KANSAI_CSV, line) for loc in locations), locations
    sources = [r["source"] for r in done.report["reasons"]]
    assert sources and all(s == {"file": KANSAI_CSV, "line": line} for s in sources), sources
    gained = {(f["person"], f["field"]) for f in done.report["models"][0]["widened"]}
    assert ("kep_outsourced", "supply_point_id") in gained


def test_one_more_field_in_clear_widens_an_existing_finding_and_fails(repo: Path) -> None:
    """The issue's unsafe case: the same finding (same id) grows by one field; the expectation
    of exposed fields is even updated to match, so only the widening can fail the check."""
    model = repo / KANSAI_MODEL
    replace_once(model, "          - {field: phone, masking: policy}\n",
                 "          - {field: phone, masking: policy}\n"
                 "          - {field: supply_point_id, masking: clear}\n")
    replace_once(model, "fields: [address, customer_name, phone, retailer_name, usage_kwh]",
                 "fields: [address, customer_name, phone, retailer_name, supply_point_id, "
                 "usage_kwh]")
    commit_all(repo, "show the supply point on the contract screen")
    added = line_of(model, "{field: supply_point_id, masking: clear}")
    done = check(repo, "--base-ref", "main")
    assert done.code == 1, done.stdout + done.stderr
    assert set(done.reasons) == {"exposure"}, done.report["reasons"]
    counts = done.report["counts"]
    assert counts["findings_widened"] == 1 and counts["findings_new"] == 0, counts
    assert counts["expectations_failed"] == 0
    assert done.sarif is not None
    assert (KANSAI_MODEL, added) in sarif_locations(done.sarif)


def test_reordered_lines_and_comments_pass(repo: Path) -> None:
    csv = repo / KANSAI_CSV
    lines = csv.read_text(encoding="utf-8").splitlines()
    rules = [i for i, text in enumerate(lines) if text.startswith("p, ")]
    lines[rules[0]], lines[rules[-1]] = lines[rules[-1]], lines[rules[0]]
    grants = [i for i, text in enumerate(lines) if text.startswith("g, ")]
    lines[grants[0]], lines[grants[1]] = lines[grants[1]], lines[grants[0]]
    csv.write_text("# reviewed 2026-01\n" + "\n".join(lines) + "\n# end\n", encoding="utf-8")
    replace_once(repo / KANSAI_MODEL, "systems:\n", "# the shared system\nsystems:\n")
    commit_all(repo, "reorder the rules, add comments")
    done = check(repo, "--base-ref", "main")
    assert done.code == 0, done.stdout + done.stderr
    counts = done.report["counts"]
    assert counts["exposures_new"] == counts["exposures_widened"] == 0
    assert counts["findings_unchanged"] == 2 and counts["findings_new"] == 0, counts


def test_a_second_way_to_a_field_already_seen_opens_nothing(repo: Path) -> None:
    """The issue's 2-to-3-fields edit where it gains nothing: phone on contract_detail in clear.
    Retail staff and the call centre already see phone in clear on switching_detail (through
    the unchecked transition), in both modes, on every day; who sees what when is unchanged."""
    replace_once(repo / KANSAI_MODEL, "- {field: phone, masking: policy}",
                 "- {field: phone, masking: clear}")
    commit_all(repo, "phone in clear on the contract screen too")
    done = check(repo, "--base-ref", "main")
    assert done.report["models"][0]["widened"] == []  # the diff itself sees no widening
    assert done.code == 0, done.report["reasons"]


def _waivers(root: Path, fingerprints: list[str], expires: str,
             model: str = KANSAI_MODEL) -> Path:
    path = root / "accesssim-waivers.yaml"
    entries = "".join(f"  - fingerprint: {f}\n    model: {model}\n"
                      "    owner: grid-security@accesssim.invalid\n"
                      f"    reason: the call centre covers night shifts until the new role\n"
                      f"    expires: {expires}\n" for f in fingerprints)
    path.write_text(f"accesssim-waivers: 1\nwaivers:\n{entries}", encoding="utf-8")
    return path


def test_a_waived_exposure_passes_until_the_waiver_expires(repo: Path) -> None:
    append(repo / KANSAI_CSV, OPENING_G_LINE)
    opened = check(repo, "--base-ref", "main", "--today", "2027-01-01")
    assert opened.code == 1
    _waivers(repo, opened.fingerprints(), "2027-03-31")
    commit_all(repo, "open it, waived")
    last_day = check(repo, "--base-ref", "main", "--today", "2027-03-31")
    assert last_day.code == 0, last_day.stdout + last_day.stderr
    assert last_day.report["counts"]["exposures_waived"] == len(opened.fingerprints())
    expired = check(repo, "--base-ref", "main", "--today", "2027-04-01")
    assert expired.code == 1, expired.stdout + expired.stderr
    assert "expired-waiver" in expired.reasons


def test_a_pull_request_adding_a_model_compares_with_an_empty_base(repo: Path) -> None:
    """A new model without findings passes; the output says its base is empty."""
    for rel in ("scenarios/incidents/01-kansai-remediated.yaml",
                "policies/incidents/01-kansai-remediated.csv"):
        shutil.copyfile(REPO / rel, repo / rel)
    commit_all(repo, "add the remediated design")
    done = check(repo, "--base-ref", "main")
    assert done.code == 0, done.stdout + done.stderr
    assert "empty base" in json.dumps(done.report)
    text = subprocess.run([ACCESSSIM, "check", "scenarios/", "--base-ref", "main"], cwd=repo,
                          capture_output=True, text=True, check=False)
    assert text.returncode == 0 and "empty base" in text.stdout + text.stderr


@pytest.mark.thorough
def test_a_new_model_with_findings_opens_every_exposure(repo: Path) -> None:
    """The same with Kansai under a new name: everything it exposes is new."""
    text = (repo / KANSAI_MODEL).read_text(encoding="utf-8")
    (repo / "scenarios" / "kansai-copy.yaml").write_text(
        text.replace("../../policies/", "../policies/"), encoding="utf-8")
    commit_all(repo, "a second copy")
    done = check(repo, "--base-ref", "main")
    assert done.code == 1, done.stdout + done.stderr
    assert done.report["counts"]["findings_new"] == 2
    assert done.report["counts"]["exposures_widened"] == 0


def test_deleting_every_expectation_fails(repo: Path) -> None:
    model = repo / KANSAI_MODEL
    text = model.read_text(encoding="utf-8")
    model.write_text(text[:text.index("\nexpectations:")] + "\n", encoding="utf-8")
    commit_all(repo, "drop the expectations")
    done = check(repo, "--base-ref", "main")
    assert done.code == 1, done.stdout + done.stderr
    assert "no-expectations" in done.reasons


def test_a_parse_error_is_exit_2_and_result_error(repo: Path) -> None:
    append(repo / KANSAI_MODEL, "people: [unclosed")
    commit_all(repo, "broken")
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([ACCESSSIM, "check", "scenarios/", "--base-ref", "main", "--format",
                           "json"], cwd=repo, env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and KANSAI_MODEL in done.stderr
    assert json.loads(done.stdout)["result"] == "ERROR"


def test_an_unknown_base_ref_is_exit_2(repo: Path) -> None:
    done = check(repo, "--base-ref", "no-such-branch")
    assert done.code == 2 and "no-such-branch" in done.stderr
