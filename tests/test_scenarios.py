"""The shipped scenarios reproduce their cases: the right failure types, groups and fields."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from accesssim.engine import analyze, load_project
from accesssim.findings.results import Report
from accesssim.search.defects import FailureType

ROOT = Path(__file__).resolve().parents[1]


def _report(name: str, modes: tuple[str, ...] = ("normal", "disaster"),
            at: dt.date | None = None) -> Report:
    project = load_project(ROOT / "scenarios" / name, ROOT)
    return analyze(project, modes=modes, at=at)


def _by_types(report: Report) -> dict[frozenset[FailureType], set[str]]:
    found: dict[frozenset[FailureType], set[str]] = {}
    for f in report.findings:
        found.setdefault(frozenset(f.failure_types), set()).update(f.fields)
    return found


def test_kansai_masking_defect_and_unchecked_transition() -> None:
    """Kansai: retail staff and contractors see names via masking, usage via a transition."""
    report = _report("incidents/01-kansai.yaml")
    found = _by_types(report)
    assert found[frozenset({FailureType.MASKING_DEFECT})] == {"customer_name", "address"}
    assert found[frozenset({FailureType.UNCHECKED_TRANSITION})] == {
        "phone", "retailer_name", "usage_kwh"}
    groups = {g.person for f in report.findings for g in f.people}
    assert groups == {"kep_sales", "kep_outsourced"}
    assert report.exposed_headcount == 1613


def test_kansai_masking_gap_starts_with_the_2016_change() -> None:
    """Before 2016-04 the contract screen masked names: only the transition path remains."""
    before = _report("incidents/01-kansai.yaml", ("normal",), dt.date(2015, 6, 1))
    assert {t for f in before.findings for t in f.failure_types} == {
        FailureType.UNCHECKED_TRANSITION}
    after = _report("incidents/01-kansai.yaml", ("normal",), dt.date(2022, 6, 1))
    assert FailureType.MASKING_DEFECT in {t for f in after.findings for t in f.failure_types}


def test_kansai_witness_cites_the_transition_line() -> None:
    """The unchecked-transition witness cites the YAML line of that transition."""
    report = _report("incidents/01-kansai.yaml")
    finding = next(f for f in report.findings
                   if f.failure_types == (FailureType.UNCHECKED_TRANSITION,))
    path = ROOT / "scenarios" / "incidents" / "01-kansai.yaml"
    text = path.read_text(encoding="utf-8").splitlines()
    hop = next(h for h in finding.witness if h.defect is FailureType.UNCHECKED_TRANSITION)
    line = hop.sources[0].line
    assert "switching_detail" in text[line - 1] and "checked: false" in text[line - 1]


def test_chubu_two_mechanisms() -> None:
    """Chubu: masking defects expose all retail staff; the credential exposes the transferee."""
    report = _report("incidents/05-chubu.yaml", ("normal",))
    found = _by_types(report)
    assert found[frozenset({FailureType.MASKING_DEFECT})] == {
        "customer_name", "phone", "contract_capacity"}
    misuse = [f for f in report.findings if FailureType.CREDENTIAL_MISUSE in f.failure_types]
    assert len(misuse) == 1
    assert [g.person for g in misuse[0].people] == ["miraiz_transferee"]
    assert "usage_kwh" in misuse[0].fields
    assert any("learned while at chubu_pg" in h.text for h in misuse[0].witness)


def test_reference_design_has_no_finding() -> None:
    """The separated reference design yields no finding in any mode."""
    assert _report("reference.yaml").findings == ()


@pytest.mark.parametrize(
    "name", ["incidents/01-kansai.yaml", "incidents/05-chubu.yaml", "reference.yaml"])
def test_finding_ids_are_stable_and_unique(name: str) -> None:
    """Two runs give the same ids; no two findings share one."""
    first = [f.id for f in _report(name).findings]
    assert first == [f.id for f in _report(name).findings]
    assert len(set(first)) == len(first)


def test_finding_ids_survive_unrelated_edits(tmp_path: Path) -> None:
    """Ids stay when lines move (comments added, rules reordered); cited lines follow the move."""
    import shutil

    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    model = tmp_path / "scenarios" / "incidents" / "01-kansai.yaml"
    policy = tmp_path / "policies" / "incidents" / "01-kansai.csv"
    before = analyze(load_project(model, tmp_path), modes=("normal", "disaster"))
    model.write_text("# one\n# two\n" + model.read_text(encoding="utf-8"), encoding="utf-8")
    lines = policy.read_text(encoding="utf-8").splitlines()
    policy.write_text("\n".join(lines[:1] + list(reversed(lines[1:]))) + "\n", encoding="utf-8")
    after = analyze(load_project(model, tmp_path), modes=("normal", "disaster"))
    assert [f.id for f in after.findings] == [f.id for f in before.findings]
    moved = {d.source.line for f in after.findings for d in f.defects if "yaml" in d.source.file}
    assert moved == {d.source.line + 2 for f in before.findings for d in f.defects
                     if "yaml" in d.source.file}
