"""Report formats (format/): deterministic text, JSON and DOT; the JSON matches its schema."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from accesssim.engine import analyze, load_project
from accesssim.findings.results import Report
from accesssim.reports import OutputFormat, render, report_to_dict
from accesssim.search.defects import FailureType
from helpers import REPO, SCENARIO_FILES, SCENARIOS, make_project, undocumented_keys


def _schema() -> dict[str, Any]:
    text = resources.files("accesssim").joinpath("data/report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        _schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _report(name: str, **kwargs: Any) -> Report:
    project = load_project(REPO / SCENARIO_FILES[name][0], REPO)
    return analyze(project, modes=kwargs.pop("modes", ("normal", "disaster")), **kwargs)


@pytest.mark.parametrize("fmt", list(OutputFormat))
@pytest.mark.parametrize("name", SCENARIOS)
def test_output_is_identical_across_runs(name: str, fmt: OutputFormat) -> None:
    """Two independent analyses of the same inputs render byte-identical output."""
    assert render(_report(name), fmt) == render(_report(name), fmt)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_output_does_not_depend_on_hash_seed(tmp_path: Path, fmt: str) -> None:
    """Separate processes with different PYTHONHASHSEED print the same report."""
    # the script next to this Python: the README runs the tests without activating the venv
    exe = shutil.which("accesssim", path=str(Path(sys.executable).parent))
    assert exe, "the accesssim console script is not installed"
    outputs = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([exe, "analyze", "scenarios/incidents/05-chubu.yaml", "--format", fmt,
                               "--quiet"], cwd=REPO, env=env, capture_output=True, text=True,
                              check=False)
        assert done.returncode == 1, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == outputs[2]


def test_render_covers_every_format() -> None:
    """Every OutputFormat member renders to a non-empty string."""
    report = _report("kansai")
    for fmt in OutputFormat:
        assert render(report, fmt).strip()


@pytest.mark.parametrize("name", SCENARIOS)
def test_json_validates_against_the_report_schema(name: str) -> None:
    """The JSON report of every shipped scenario matches data/report.schema.json."""
    _validator().validate(json.loads(render(_report(name), OutputFormat.JSON)))


def test_json_with_at_validates_against_the_report_schema() -> None:
    """A one-day, one-mode report (``at`` set) also matches the schema."""
    report = _report("kansai", modes=("normal",), at=dt.date(2015, 6, 1))
    data = json.loads(render(report, OutputFormat.JSON))
    assert data["analysis"]["at"] == "2015-06-01"
    _validator().validate(data)


def test_report_schema_is_strict() -> None:
    """An unknown key anywhere in the report, or a wrong schema id, fails validation."""
    data = report_to_dict(_report("kansai"))
    validator = _validator()
    validator.validate(data)
    for mutate in (
        lambda d: d.__setitem__("extra", 1),
        lambda d: d["model"].__setitem__("extra", 1),
        lambda d: d["analysis"].__setitem__("extra", 1),
        lambda d: d["summary"].__setitem__("extra", 1),
        lambda d: d["findings"][0].__setitem__("extra", 1),
        lambda d: d["findings"][0]["exposed"].__setitem__("extra", 1),
        lambda d: d["findings"][0]["witness"][0].__setitem__("extra", 1),
        lambda d: d["findings"][0]["witness"][0]["sources"][0].__setitem__("extra", 1),
        lambda d: d["findings"][0]["defects"][0].__setitem__("extra", 1),
        lambda d: d["findings"][0]["holds_in"][0].__setitem__("extra", 1),
        lambda d: d["findings"][0]["path"][0].__setitem__("extra", 1),
        lambda d: d.__setitem__("schema", "accesssim.report/v2"),
        lambda d: d["findings"][0].__setitem__("failure_types", ["made-up"]),
        lambda d: d["findings"][0]["holds_in"][0].__setitem__("from", "1 April 2016"),
    ):
        broken = json.loads(json.dumps(data))
        mutate(broken)
        assert not validator.is_valid(broken)


def test_schema_failure_types_match_the_code() -> None:
    """The schema's failure-type enum is exactly FailureType, in the same order."""
    assert _schema()["$defs"]["failure_type"]["enum"] == [t.value for t in FailureType]


def test_json_summary_agrees_with_the_findings() -> None:
    """summary.findings, exposed_headcount and failure_types are computed from the findings."""
    data = report_to_dict(_report("chubu"))
    findings = data["findings"]
    assert data["summary"]["findings"] == len(findings)
    assert data["summary"]["failure_types"] == sorted(
        {t for f in findings for t in f["failure_types"]})
    groups = {g["id"]: g["headcount"] for f in findings for g in f["exposed"]["groups"]}
    assert data["summary"]["exposed_headcount"] == sum(groups.values())
    for f in findings:
        assert f["exposed"]["headcount"] == sum(g["headcount"] for g in f["exposed"]["groups"])


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_cited_line_exists(name: str) -> None:
    """Each source in the JSON names a file under the root and a line inside it."""
    data = report_to_dict(_report(name))
    sources = [s for f in data["findings"] for h in f["witness"] for s in h["sources"]]
    sources += [d["source"] for f in data["findings"] for d in f["defects"]]
    for src in sources:
        lines = (REPO / src["file"]).read_text(encoding="utf-8").splitlines()
        assert 1 <= src["line"] <= len(lines), src


def test_json_has_no_absolute_paths_and_keeps_japanese(tmp_path: Path) -> None:
    """Paths are relative to the root and non-ASCII names are written as is."""
    project = make_project(tmp_path)
    result = project.cli("analyze", "--format", "json")
    assert result.exit_code == 1
    assert str(tmp_path) not in result.stdout
    assert "関西電力" in result.stdout
    data = json.loads(result.stdout)
    assert data["model"] == {"name": data["model"]["name"],
                             "file": "scenarios/incidents/01-kansai.yaml",
                             "casbin_model": "policies/accesssim.conf",
                             "casbin_policy": "policies/incidents/01-kansai.csv"}


def test_text_report_lists_findings_and_a_summary() -> None:
    """The text report has a block per finding with witness hops citing file:line."""
    report = _report("kansai")
    text = render(report, OutputFormat.TEXT)
    for i, finding in enumerate(report.findings, start=1):
        assert f"[{i}] {finding.id}" in text
    assert "[scenarios/incidents/01-kansai.yaml:" in text
    assert "[policies/incidents/01-kansai.csv:" in text
    assert text.rstrip().endswith(
        f"{len(report.findings)} finding(s); {report.exposed_headcount} of "
        f"{report.untrusted_headcount} untrusted people exposed")


def test_text_report_without_findings_says_so() -> None:
    """A clean model's text report ends by saying there is no finding."""
    text = render(_report("reference"), OutputFormat.TEXT)
    assert text.rstrip().endswith("no findings: nobody outside the boundary can see a "
                                  "non-public field")


def test_report_format_doc_names_every_schema_key() -> None:
    """docs/report-format.md mentions every property the report schema defines."""
    missing = undocumented_keys(_schema(), REPO / "docs" / "report-format.md")
    assert not missing, f"document these keys in docs/report-format.md: {missing}"
