"""``accesssim test``: expectations, failures with witnesses, JUnit, coverage, --update, init."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner, Result

from accesssim.cli import main
from helpers import REPO

KANSAI = "scenarios/incidents/01-kansai.yaml"


def _copy_repo(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(REPO / "scenarios", root / "scenarios")
    shutil.copytree(REPO / "policies", root / "policies")
    return root


def _run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["test", *args, "--root", str(root)],
                              catch_exceptions=False)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_shipped_scenario_passes() -> None:
    """The whole shipped scenario suite passes: every expectation of every case holds."""
    result = CliRunner().invoke(main, ["test", str(REPO / "scenarios"), "--root", str(REPO)])
    assert result.exit_code == 0, result.stdout
    summary = result.stdout.strip().splitlines()[-1]
    passed, failed = summary.split(", ")
    assert failed == "0 failed" and int(passed.split()[0]) >= 20


def test_broken_expectation_fails_with_expected_actual_and_witness(tmp_path: Path) -> None:
    """Dropping a field from an exact list fails (exit 1) and shows the unexpected field's path."""
    root = _copy_repo(tmp_path)
    _edit(root / KANSAI, "fields: [address, customer_name, phone, retailer_name, usage_kwh]",
          "fields: [address, customer_name, phone, retailer_name]")
    result = _run(root, str(root / KANSAI))
    assert result.exit_code == 1
    out = result.stdout
    assert "FAIL scenarios/incidents/01-kansai.yaml::retail-sales-exposed-fields" in out
    assert "unexpected: usage_kwh" in out
    assert "witness:" in out and "switching_detail shows usage_kwh" in out
    assert out.strip().splitlines()[-1].endswith(", 1 failed")


def test_wrong_decision_fails(tmp_path: Path) -> None:
    """A decision expectation that contradicts Casbin fails and names the slices."""
    root = _copy_repo(tmp_path)
    _edit(root / KANSAI, "object: switching_detail, action: open, expect: deny",
          "object: switching_detail, action: open, expect: allow")
    result = _run(root, str(root / KANSAI))
    assert result.exit_code == 1
    assert "actual:   deny in disaster, at any date; deny in normal, at any date" in result.stdout


def test_fixing_the_defect_breaks_the_finding_expectation(tmp_path: Path) -> None:
    """Checking the transition removes the finding its expectation asks for: exit 1."""
    root = _copy_repo(tmp_path)
    _edit(root / KANSAI, "{from: contract_detail, to: switching_detail, checked: false}",
          "{from: contract_detail, to: switching_detail, checked: true}")
    result = _run(root, str(root / KANSAI))
    assert result.exit_code == 1
    assert "FAIL scenarios/incidents/01-kansai.yaml::unchecked-transition-exposes-usage" in (
        result.stdout)


def test_bad_expectation_is_bad_input_with_line(tmp_path: Path) -> None:
    """An expectation naming an unknown field exits 2 citing the file and its line."""
    root = _copy_repo(tmp_path)
    _edit(root / KANSAI, "who_can_see: {field: usage_kwh,", "who_can_see: {field: no_such_field,")
    result = _run(root, str(root / KANSAI))
    assert result.exit_code == 2
    line = next(i for i, text in enumerate(
        (root / KANSAI).read_text(encoding="utf-8").splitlines(), start=1)
        if text.strip() == "- id: who-sees-usage")
    assert f"scenarios/incidents/01-kansai.yaml:{line}" in result.stderr
    assert "no_such_field" in result.stderr


def test_expectation_with_two_kinds_is_refused(tmp_path: Path) -> None:
    """An expectation must have exactly one kind."""
    root = _copy_repo(tmp_path)
    _edit(root / KANSAI, "    who_can_see: {field: usage_kwh, people: [kep_outsourced, kep_sales]}",
          "    who_can_see: {field: usage_kwh, people: [kep_outsourced, kep_sales]}\n"
          "    exposed_fields: {group: kep_sales, fields: []}")
    result = _run(root, str(root / KANSAI))
    assert result.exit_code == 2 and "needs exactly one of" in result.stderr


def test_duplicate_expectation_id_is_refused(tmp_path: Path) -> None:
    """Expectation ids name JUnit testcases, so they must be unique in a file."""
    root = _copy_repo(tmp_path)
    _edit(root / KANSAI, "- id: who-sees-usage", "- id: retail-sales-exposed-fields")
    result = _run(root, str(root / KANSAI))
    assert result.exit_code == 2 and "duplicate expectation id" in result.stderr


def test_junit_has_one_testcase_per_expectation(tmp_path: Path) -> None:
    """JUnit XML: a testcase per expectation, named by id, failures marked."""
    root = _copy_repo(tmp_path)
    _edit(root / KANSAI, "people: [kep_outsourced, kep_sales]", "people: [kep_sales]")
    junit = tmp_path / "junit.xml"
    result = _run(root, str(root / KANSAI), "--junit", str(junit))
    assert result.exit_code == 1
    tree = ET.parse(junit)
    cases = tree.findall(".//testcase")
    names = [c.get("name") for c in cases]
    assert len(names) == len(set(names)) == 7
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["who-sees-usage"]


def test_update_rewrites_golden_list_and_keeps_comments(tmp_path: Path) -> None:
    """--update writes the actual who_can_see list; the next run passes; comments survive."""
    root = _copy_repo(tmp_path)
    model = root / KANSAI
    _edit(model, "people: [kep_outsourced, kep_sales]", "people: [ktd_staff]")
    result = _run(root, str(model), "--update")
    assert result.exit_code == 0, result.stdout
    assert "updated: scenarios/incidents/01-kansai.yaml::who-sees-usage" in result.stdout
    text = model.read_text(encoding="utf-8")
    assert "people: [kep_outsourced, kep_sales]" in text
    assert "# Before the 2016-04 change the screen masked" in text
    assert _run(root, str(model)).exit_code == 0


def test_coverage_report_and_threshold(tmp_path: Path) -> None:
    """--coverage prints a percentage and what is not exercised; --min-coverage 100 fails."""
    root = _copy_repo(tmp_path)
    shown = _run(root, str(root / KANSAI), "--coverage")
    assert shown.exit_code == 0
    assert "coverage: " in shown.stdout and "  not exercised: screens (" in shown.stdout
    assert "scenarios/incidents/01-kansai.yaml:menu" in shown.stdout
    strict = _run(root, str(root / KANSAI), "--min-coverage", "100")
    assert strict.exit_code == 1 and "is below 100" in strict.stderr


def test_output_is_deterministic(tmp_path: Path) -> None:
    """Two runs print the same text."""
    root = _copy_repo(tmp_path)
    first = _run(root, str(root / "scenarios"), "--coverage").stdout
    assert first == _run(root, str(root / "scenarios"), "--coverage").stdout


def test_init_writes_a_project_that_passes(tmp_path: Path) -> None:
    """init writes model, policy and conf; test passes on it; a second init refuses."""
    target = tmp_path / "design"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(target)]).exit_code == 0
    assert sorted(p.name for p in target.iterdir()) == ["accesssim.conf", "model.yaml",
                                                        "policy.csv"]
    ran = runner.invoke(main, ["test", str(target / "model.yaml"), "--root", str(target)])
    assert ran.exit_code == 0, ran.stdout
    assert runner.invoke(main, ["init", str(target)]).exit_code == 2
    assert runner.invoke(main, ["init", str(target), "--force"]).exit_code == 0


def test_packaged_conf_equals_the_shipped_policy_model() -> None:
    """The Casbin model init copies is the one in policies/ (no drift between the two)."""
    from accesssim.synth.scaffold import shipped_conf_text

    assert shipped_conf_text() == (REPO / "policies" / "accesssim.conf").read_text("utf-8")


def test_missing_test_path_is_bad_input(tmp_path: Path) -> None:
    """A path that does not exist exits 2 and names it."""
    result = _run(tmp_path, str(tmp_path / "nope"))
    assert result.exit_code == 2 and "nope: no such file or folder" in result.stderr


def test_mode_listed_twice_is_refused(tmp_path: Path) -> None:
    """modes: [normal, normal] would double every slice: refused with the line of `modes`."""
    root = _copy_repo(tmp_path)
    _edit(root / KANSAI, "modes: [normal, disaster]", "modes: [normal, normal]")
    result = _run(root, str(root / KANSAI))
    assert result.exit_code == 2
    assert "01-kansai.yaml:8: a mode is listed twice" in result.stderr
