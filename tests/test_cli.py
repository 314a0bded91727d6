"""The ``accesssim`` command: exit codes, help, atomic -o, --at and --mode, explain."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest

from accesssim import __version__
from accesssim.cli.main import main
from helpers import Project, assert_error, make_project, run

COMMANDS = sorted(main.commands)


def _json(result: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# -- exit codes --------------------------------------------------------------------------------


def test_analyze_exit_0_without_findings(tmp_path: Path) -> None:
    """A model with no finding exits 0 and says so."""
    result = make_project(tmp_path, "reference").cli("analyze")
    assert result.exit_code == 0, result.stderr
    assert "no findings" in result.stdout


@pytest.mark.parametrize("scenario", ["kansai", "chubu"])
def test_analyze_exit_1_with_findings(tmp_path: Path, scenario: str) -> None:
    """A model with findings exits 1 and prints them."""
    result = make_project(tmp_path, scenario).cli("analyze")
    assert result.exit_code == 1, result.stderr
    assert "finding(s)" in result.stdout


def test_fixing_the_defects_turns_exit_1_into_0(tmp_path: Path) -> None:
    """Kansai with the transition checked and the screen masked again has no finding."""
    project = make_project(tmp_path)
    project.edit_model("to: switching_detail, checked: false}", "to: switching_detail}")
    for field in ("customer_name", "address"):
        project.edit_model(f"{{field: {field}, masking: clear, valid: {{from: 2016-04-01}}",
                           f"{{field: {field}, masking: masked, valid: {{from: 2016-04-01}}")
    result = project.cli("analyze")
    assert result.exit_code == 0, result.stdout


def test_validate_exit_0_and_json_summary(tmp_path: Path) -> None:
    """validate on a good model exits 0; its JSON says valid and counts the rules."""
    project = make_project(tmp_path)
    assert project.cli("validate").exit_code == 0
    result = project.cli("validate", "--format", "json")
    assert result.exit_code == 0
    data = _json(result)
    assert data["valid"] is True
    assert (data["p_rules"], data["g_rules"]) == (11, 4)
    assert data["casbin_policy"] == "policies/incidents/01-kansai.csv"


def test_version() -> None:
    """--version prints the package version."""
    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.stdout


# -- help --------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_works_and_shows_an_example(command: str | None) -> None:
    """--help of the group and of every command exits 0 and shows an example command line."""
    args = ["--help"] if command is None else [command, "--help"]
    result = run(*args)
    assert result.exit_code == 0
    assert "Example" in result.stdout
    invocation = "accesssim " + (command or "")
    assert any(line.strip().startswith(invocation) for line in result.stdout.splitlines())


def test_short_help_flag() -> None:
    """-h works like --help."""
    assert run("analyze", "-h").stdout == run("analyze", "--help").stdout


# -- -o ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_output_file_has_what_stdout_would_have(tmp_path: Path, fmt: str) -> None:
    """-o writes exactly the report printed otherwise, creating parent directories."""
    project = make_project(tmp_path)
    printed = project.cli("analyze", "--format", fmt)
    out = tmp_path / "deep" / "dir" / f"report.{fmt}"
    written = project.cli("analyze", "--format", fmt, "-o", str(out))
    assert written.exit_code == printed.exit_code == 1
    assert written.stdout == ""
    assert out.read_text(encoding="utf-8") == printed.stdout


def test_output_file_leaves_no_temporary_files(tmp_path: Path) -> None:
    """After -o, the output directory holds the report and nothing else."""
    project = make_project(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    project.cli("analyze", "-o", str(out_dir / "r.txt"))
    assert sorted(p.name for p in out_dir.iterdir()) == ["r.txt"]


def test_failed_run_keeps_the_previous_output_file(tmp_path: Path) -> None:
    """With bad input, an existing -o file is left as it was."""
    project = make_project(tmp_path)
    out = tmp_path / "r.json"
    out.write_text("previous", encoding="utf-8")
    project.edit_model("headcount: 1013", "headcount: many")
    assert_error(project.cli("analyze", "--format", "json", "-o", str(out)), "headcount")
    assert out.read_text(encoding="utf-8") == "previous"


def test_output_is_replaced_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """-o replaces the target via a temp file beside it; if that fails: exit 2, no debris."""
    project = make_project(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "r.txt"
    out.write_text("previous", encoding="utf-8")
    calls: list[tuple[str, str]] = []
    real_replace = os.replace

    def failing_replace(src: str, dst: str) -> None:
        calls.append((str(src), str(dst)))
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    failed = project.cli("analyze", "-o", str(out))
    assert failed.exit_code == 2 and "disk full" in failed.stderr
    assert len(calls) == 1
    assert Path(calls[0][0]).parent == out_dir and Path(calls[0][1]) == out
    assert out.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in out_dir.iterdir()) == ["r.txt"]
    monkeypatch.setattr(os, "replace", real_replace)
    assert project.cli("analyze", "-o", str(out)).exit_code == 1
    assert out.read_text(encoding="utf-8") != "previous"


# -- --at and --mode ---------------------------------------------------------------------------


def _windows(project: Project, *args: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    result = project.cli("analyze", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.stderr
    data = _json(result)
    return data, [w for f in data["findings"] for w in f["holds_in"]]


def test_mode_restricts_the_windows(tmp_path: Path) -> None:
    """--mode normal analyses only normal mode; --mode all covers every declared mode."""
    project = make_project(tmp_path)
    data, windows = _windows(project, "--mode", "normal")
    assert data["analysis"]["modes"] == ["normal"]
    assert windows and {w["mode"] for w in windows} == {"normal"}
    data, windows = _windows(project, "--mode", "all")
    assert data["analysis"]["modes"] == ["disaster", "normal"]
    assert {w["mode"] for w in windows} == {"disaster", "normal"}


def test_at_restricts_the_windows(tmp_path: Path) -> None:
    """--at analyses the one epoch holding that day: every window contains it."""
    project = make_project(tmp_path)
    data, windows = _windows(project, "--at", "2015-06-01", "--mode", "normal")
    assert data["analysis"]["at"] == "2015-06-01"
    assert data["analysis"]["slices"] == 1
    day = "2015-06-01"
    assert windows
    for w in windows:
        assert (w["from"] is None or w["from"] <= day) and (w["until"] is None or day <= w["until"])
    # Before the 2016-04 change the masking defect did not exist yet.
    assert "masking-defect" not in data["summary"]["failure_types"]
    later, _ = _windows(project, "--at", "2022-06-01", "--mode", "normal")
    assert "masking-defect" in later["summary"]["failure_types"]


def test_all_dates_cover_both_sides_of_a_change(tmp_path: Path) -> None:
    """Without --at, the masking defect holds from 2016-04-01 on, in every mode."""
    project = make_project(tmp_path)
    data, _ = _windows(project)
    masking = next(f for f in data["findings"] if f["failure_types"] == ["masking-defect"])
    assert masking["holds_in"] == [{"mode": m, "from": "2016-04-01", "until": None}
                                   for m in ("disaster", "normal")]


@pytest.mark.parametrize("args", [["--at", "2022-13-01"], ["--at", "yesterday"],
                                  ["--format", "xml"]])
def test_bad_options_exit_2(tmp_path: Path, args: list[str]) -> None:
    """An unparsable --at or an unknown --format is a usage error (exit 2)."""
    result = make_project(tmp_path).cli("analyze", *args)
    assert result.exit_code == 2
    assert "Invalid value" in result.stderr


def test_mode_unknown_to_the_model_exits_2(tmp_path: Path) -> None:
    """--mode weekend on a model without that mode is bad input naming the mode."""
    assert_error(make_project(tmp_path).cli("analyze", "--mode", "weekend"), "'weekend'")


def test_mode_not_declared_by_the_model_exits_2(tmp_path: Path) -> None:
    """--mode disaster on a model that only declares normal is bad input."""
    project = make_project(tmp_path)
    project.edit_model("modes: [normal, disaster]", "modes: [normal]")
    assert_error(project.cli("analyze", "--mode", "disaster"), "'disaster'")


# -- explain -----------------------------------------------------------------------------------


def test_explain_exit_1_when_visible(tmp_path: Path) -> None:
    """explain exits 1 and shows a cited witness when the person can see the field."""
    result = make_project(tmp_path).cli("explain", "--who", "kep_sales", "--field", "phone")
    assert result.exit_code == 1
    assert "kep_sales CAN see phone" in result.stdout
    assert "scenarios/incidents/01-kansai.yaml:" in result.stdout


@pytest.mark.parametrize(("who", "field", "extra"), [
    ("ktd_staff", "phone", []),
    ("kep_sales", "tariff_table", []),
    ("kep_sales", "customer_name", ["--at", "2015-01-01", "--mode", "normal"]),
])
def test_explain_exit_0_when_not_visible(tmp_path: Path, who: str, field: str,
                                         extra: list[str]) -> None:
    """explain exits 0 with reasons for an insider, a public field, and a date before a defect."""
    result = make_project(tmp_path).cli("explain", "--who", who, "--field", field, *extra)
    assert result.exit_code == 0, result.stdout
    assert f"{who} cannot see {field}" in result.stdout


@pytest.mark.parametrize(("who", "field", "message"), [
    ("nobody", "phone", "unknown person 'nobody'"),
    ("kep_sales", "no_field", "unknown field 'no_field'"),
])
def test_explain_exit_2_on_unknown_ids(tmp_path: Path, who: str, field: str,
                                       message: str) -> None:
    """explain with an unknown person or field exits 2 naming the model file."""
    project = make_project(tmp_path)
    assert_error(project.cli("explain", "--who", who, "--field", field),
                 project.model_shown, message)


def test_explain_json(tmp_path: Path) -> None:
    """explain --format json gives the visible flag, the ways and their witness hops."""
    project = make_project(tmp_path)
    data = _json(project.cli("explain", "--who", "kep_outsourced", "--field", "usage_kwh",
                             "--format", "json"))
    assert data["visible"] is True and data["person"] == "kep_outsourced"
    assert data["ways"] and all(w["witness"] for w in data["ways"])
    assert {d["type"] for w in data["ways"] for d in w["defects"]} == {"unchecked-transition"}
    hidden = _json(project.cli("explain", "--who", "ktd_staff", "--field", "phone",
                               "--format", "json"))
    assert hidden["visible"] is False and hidden["ways"] == []


def test_explain_agrees_with_analyze(tmp_path: Path) -> None:
    """Every exposed (group, field) of the analysis is visible to explain, and no other."""
    project = make_project(tmp_path)
    report = _json(project.cli("analyze", "--format", "json", "--mode", "normal",
                               "--at", str(dt.date(2022, 6, 1))))
    exposed = {(g["id"], f) for finding in report["findings"]
               for g in finding["exposed"]["groups"] for f in finding["exposed"]["fields"]}
    people = ["ktd_staff", "ktd_outsourced", "kep_sales", "kep_outsourced"]
    fields = ["customer_name", "address", "phone", "supply_point_id", "usage_kwh",
              "retailer_name"]
    for who in people:
        for field in fields:
            result = project.cli("explain", "--who", who, "--field", field, "--mode", "normal",
                                 "--at", "2022-06-01")
            assert result.exit_code == (1 if (who, field) in exposed else 0), (who, field)
