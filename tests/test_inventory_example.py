"""The shipped inventory example (scenarios/inventory/) is what it says: real export formats
(a CP932 roster, a two-sheet workbook, the policy in SQLite), an imported model that is exactly
what `accesssim import` writes today, and findings that cite the inventories' rows."""

from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import load_workbook
from tests.helpers import REPO, run

from accesssim.engine import analyze, load_project
from accesssim.suite.suite import run_suite

EXAMPLE = REPO / "scenarios/inventory"
DEPLOYED = EXAMPLE / "deployed/model.yaml"


def test_the_inventories_are_real_export_formats() -> None:
    roster = (EXAMPLE / "data/staff.csv").read_bytes()
    try:
        roster.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        raise AssertionError("staff.csv should be CP932, as the personnel system exports it")
    assert "社員番号" in roster.decode("cp932")
    book = load_workbook(EXAMPLE / "data/assets.xlsx", read_only=True)
    assert book.sheetnames == ["拠点", "端末台帳"]
    assert (EXAMPLE / "data/policy.db").read_bytes().startswith(b"SQLite format 3\x00")


def test_the_committed_import_is_what_import_writes(tmp_path: Path) -> None:
    """Importing the example again gives the committed model byte for byte (so the model
    the docs and tests read cannot drift from the inventories)."""
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    shutil.copytree(EXAMPLE, root / "scenarios/inventory")
    (root / "policies").mkdir()
    shutil.copy(REPO / "policies/accesssim.conf", root / "policies")
    out = root / "scenarios/inventory/deployed"
    shutil.rmtree(out)
    result = run("import", str(root / "scenarios/inventory/mapping.yaml"), "-o", str(out),
                 "--quiet")
    assert result.exit_code == 0, result.output
    assert (out / "model.yaml").read_bytes() == DEPLOYED.read_bytes()


def test_the_database_holds_the_readable_policy(tmp_path: Path) -> None:
    out = tmp_path / "exported.csv"
    result = run("policy", "export", "--db",
                 f"sqlite:///{(EXAMPLE / 'data/policy.db').as_posix()}", "-o", str(out))
    assert result.exit_code == 0, result.output

    def rules(path: Path) -> list[str]:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [line for line in lines if line.strip() and not line.startswith("#")]

    assert rules(out) == rules(EXAMPLE / "data/policy.csv")


def test_expectations_hold_for_design_and_deployed() -> None:
    suite = run_suite([EXAMPLE])
    assert {r.scenario for r in suite.results} == {
        "scenarios/inventory/design.yaml", "scenarios/inventory/parts/deployed-checks.yaml"}
    assert all(r.passed for r in suite.results), [r for r in suite.results if not r.passed]
    assert len(suite.results) == 8


def test_findings_cite_rows_of_the_inventories_and_the_table() -> None:
    report = analyze(load_project(DEPLOYED, REPO), modes=["normal"])
    cited = {str(s) for f in report.findings for hop in f.witness for s in hop.sources}
    assert "scenarios/inventory/data/assets.xlsx:端末台帳:3" in cited  # the shared-space PC
    assert "scenarios/inventory/data/assets.xlsx:端末台帳:4" in cited  # a PC handed to Retail
    assert "scenarios/inventory/data/staff.csv:9" in cited  # E40101 can be in the shared space
    assert any(c.startswith("casbin_rule:") for c in cited)
    assert any(c.startswith("scenarios/inventory/parts/takuso.yaml:") for c in cited)
