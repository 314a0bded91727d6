"""``accesssim whatif``: the patched model compared with the model exactly as ``accesssim diff``
compares them, the ``--write`` folder analysing to the result shown, and bad change sets
refused at their line with nothing written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from accesssim.changes.apply import patch, write
from accesssim.changes.load import load_changes
from accesssim.changes.whatif import whatif
from accesssim.engine import load_project
from accesssim.gate.check import analyse
from helpers import REPO, assert_error, run

KANSAI = "scenarios/incidents/01-kansai.yaml"
REFERENCE = "scenarios/reference.yaml"
SPLIT = "scenarios/changes/kansai-split.yaml"

#: (model, change set text): one that closes everything, one that opens, one mixed.
CASES = {
    "kansai-split": (KANSAI, (REPO / SPLIT).read_text(encoding="utf-8")),
    "kansai-opens": (KANSAI, """accesssim-changes: 1
changes:
  - unmask: {screen: customer_search, field: supply_point_id}
  - grant: {member: acc_kep_sales, role: nw_operator, system: takuso}
"""),
    "kansai-mixed": (KANSAI, """accesssim-changes: 1
changes:
  - check: {from: contract_detail, to: switching_detail}
  - share_credential: {account: acc_ktd_ops, person: kep_outsourced}
  - withdraw_terminal: {terminal: kep_pc}
"""),
}


def _change_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "changes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _body(text: str) -> str:
    """The whatif text without its list of changes: what ``diff`` prints."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("model "))
    return "".join(lines[start:])


@pytest.mark.parametrize("case", sorted(CASES))
def test_whatif_equals_diff_of_the_written_model(case: str, tmp_path: Path) -> None:
    """(a) whatif says exactly what ``accesssim diff MODEL WRITTEN_MODEL`` says, text and
    JSON, with the same exit code."""
    model, text = CASES[case]
    change = _change_file(tmp_path, text)
    out = tmp_path / "patched"
    got = run("whatif", model, "--change", str(change), "--write", str(out), "--quiet")
    assert got.exit_code in (0, 1), got.stderr
    (out / ".git").mkdir()  # the written folder is its own project root, as a work tree is
    written = str(out / model)
    expected = run("diff", model, written, "--quiet")
    assert got.exit_code == expected.exit_code
    assert _body(got.stdout) == expected.stdout
    as_json = run("whatif", model, "--change", str(change), "--format", "json", "--quiet")
    diff_json = json.loads(run("diff", model, written, "--format", "json", "--quiet").stdout)
    data = json.loads(as_json.stdout)
    assert data.pop("command") == "whatif" and diff_json.pop("command") == "diff"
    changes = data.pop("changes")
    assert data == diff_json
    assert [c["source"]["line"] for c in changes] == [
        c.source.line for c in load_changes(change, str(change)).changes if c.source]


def test_whatif_exit_codes_follow_diff(tmp_path: Path) -> None:
    closes = run("whatif", KANSAI, "--change", SPLIT, "--quiet")
    assert closes.exit_code == 0
    assert "NOT WIDENED" in closes.stdout and "2 gone" in closes.stdout
    opens = run("whatif", KANSAI, "--change", str(_change_file(tmp_path, CASES["kansai-opens"][1])),
                "--quiet")
    assert opens.exit_code == 1
    assert "WIDENED:" in opens.stdout and "NOT WIDENED" not in opens.stdout


def test_output_lists_the_applied_changes_with_their_lines() -> None:
    result = run("whatif", KANSAI, "--change", SPLIT, "--quiet")
    lines = result.stdout.splitlines()
    assert lines[0] == f"what if: 3 change(s) from {SPLIT}"
    assert lines[2].startswith("  1. split_system: {for: [kansai_ep, kep_contractor], into: "
                               "kep_takuso")
    assert lines[2].endswith(f"[{SPLIT}:8]")
    assert lines[3] == ("     note: switching_detail stays NW only; its unchecked transition is "
                        "not copied")
    assert lines[4].endswith(f"[{SPLIT}:15]") and lines[5].endswith(f"[{SPLIT}:16]")
    data = json.loads(run("whatif", KANSAI, "--change", SPLIT, "--format", "json").stdout)
    assert [c["note"] for c in data["changes"]] == [
        "switching_detail stays NW only; its unchecked transition is not copied", None, None]
    assert data["changes"][1] == {
        "kind": "mask", "note": None, "source": {"file": SPLIT, "line": 15},
        "params": {"field": "kep_takuso.customer_name", "masking": "policy",
                   "screen": "kep_takuso.contract_detail"}}


@pytest.mark.parametrize("model,case", [(KANSAI, "kansai-split"), (KANSAI, "kansai-opens"),
                                        (REFERENCE, None)])
def test_written_folder_analyses_to_the_reported_exposures(model: str, case: str | None,
                                                           tmp_path: Path) -> None:
    """(b) the --write folder, analysed afresh, has exactly the patched model's exposures."""
    project = load_project(REPO / model, REPO)
    if case is None:  # the reference design: revoke one role link the policy has
        g = project.policy.groupings[0]
        member, role, system = g.values[:3]
        text = ("accesssim-changes: 1\nchanges:\n"
                f"  - revoke: {{member: {member}, role: {role}, system: {system}}}\n")
    else:
        text = CASES[case][1]
    changeset = load_changes(_change_file(tmp_path, text), "changes.yaml")
    result = whatif(project, changeset)
    written = write(project, result.patched, tmp_path / "out")
    again = analyse(load_project(written, tmp_path / "out"))
    assert again.exposures == result.exposures
    assert {e.fingerprint for e in again.exposures} == {e.fingerprint for e in result.exposures}


BAD = {
    "unknown terminal": ("  - move_terminal: {terminal: kep_pcc, to: ktd_office}\n",
                         "changes.yaml:4: move_terminal: no terminal 'kep_pcc' (there are: "
                         "kep_pc"),
    "changes nothing": ("  - uncheck: {from: contract_detail, to: switching_detail}\n",
                        "changes.yaml:4: uncheck: contract_detail -> switching_detail is "
                        "already unchecked"),
    "unknown kind": ("  - unmaskk: {screen: menu, field: phone}\n",
                     "changes.yaml:4: changes.1.unmaskk: unknown kind"),
    "policy no longer loads": ("  - add_rule: {rule: \"p, retail_user, takuso, menu, open, "
                               "allow, weekend, *, *\"}\n",
                               "changes.yaml:4: add_rule: after this change the files no "
                               "longer load: policies/incidents/01-kansai.csv:"),
}


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_bad_change_sets_exit_2_at_their_line_and_write_nothing(
        case: str, fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """(e) exit 2, the change's file:line, and neither --write DIR nor -o FILE made."""
    item, message = BAD[case]
    text = ("accesssim-changes: 1\nchanges:\n  - mask: {screen: customer_search, field: "
            "customer_name, masking: masked}\n" + item)
    change = _change_file(tmp_path, text)
    out, folder = tmp_path / "out.txt", tmp_path / "patched"
    monkeypatch.chdir(tmp_path)  # the change set is shown as given: changes.yaml
    got = run("whatif", str(REPO / KANSAI), "--root", str(REPO), "--change", change.name,
              "--write", str(folder), "--format", fmt, "--quiet",
              *(["-o", str(out)] if fmt == "text" else []))
    assert_error(got, message)
    assert not folder.exists()
    assert not out.exists()
    if fmt == "json":
        data = json.loads(got.stdout)
        assert data["result"] == "ERROR" and message in data["error"]


def test_write_refuses_the_project_itself(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    shutil.copytree(REPO / "policies", root / "policies")
    (root / "scenarios/incidents").mkdir(parents=True)
    shutil.copy(REPO / KANSAI, root / KANSAI)
    before = (root / KANSAI).read_bytes()
    got = run("whatif", str(root / KANSAI), "--root", str(root), "--change", str(REPO / SPLIT),
              "--write", str(root), "--quiet")
    assert_error(got, "would replace the input scenarios/incidents/01-kansai.yaml")
    assert (root / KANSAI).read_bytes() == before


def test_patch_leaves_the_project_untouched() -> None:
    project = load_project(REPO / KANSAI, REPO)
    before = {p: p.read_bytes() for p in project.inputs}
    changeset = load_changes(REPO / SPLIT, SPLIT)
    patch(project, changeset.changes)
    assert {p: p.read_bytes() for p in project.inputs} == before


def test_scenario_folders_pass_over_change_sets(tmp_path: Path) -> None:
    """`accesssim test` and `check` walk scenario folders: a change set there is no scenario
    (found by its version key), though a change set named explicitly is read as a model."""
    from accesssim.suite.suite import discover

    found = discover([REPO / "scenarios"])
    assert REPO / SPLIT not in found and REPO / KANSAI in found
    assert discover([REPO / SPLIT]) == [REPO / SPLIT]
    (tmp_path / "a.yaml").write_text("# a note\n\naccesssim-changes: 1\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("accesssim: 1\n", encoding="utf-8")
    assert discover([tmp_path]) == [tmp_path / "b.yaml"]


def test_json_output_follows_the_check_schema(tmp_path: Path) -> None:
    from importlib import resources

    import jsonschema

    schema = json.loads(resources.files("accesssim").joinpath("data/check.schema.json")
                        .read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for model, text in CASES.values():
        change = _change_file(tmp_path, text)
        data = json.loads(run("whatif", model, "--change", str(change), "--format", "json",
                              "--quiet").stdout)
        validator.validate(data)
        assert data["command"] == "whatif" and data["changes"]
    bad = _change_file(tmp_path, "accesssim-changes: 1\nchanges:\n  - rotate: {account: x}\n")
    error = json.loads(run("whatif", KANSAI, "--change", str(bad), "--format", "json").stdout)
    validator.validate(error)
    assert error["result"] == "ERROR"


def test_shipped_change_sets_match_the_schema_and_apply() -> None:
    import jsonschema
    import yaml

    from accesssim.changes.load import json_schema

    validator = jsonschema.Draft202012Validator(json_schema())
    shipped = sorted((REPO / "scenarios" / "changes").glob("*.yaml"))
    assert shipped
    for path in shipped:
        data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")),
                                     default=str))
        validator.validate(data)
        model = REPO / path.read_text(encoding="utf-8").split("accesssim whatif ")[1].split()[0]
        patch(load_project(model, REPO), load_changes(path, path.name).changes)


def test_check_against_a_ref_does_not_miss_a_change_set_as_a_scenario(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A change set committed beside the scenarios is no scenario at the base either: it is
    not "no longer checked" (still there, or deleted since the base)."""
    from gate_repo import commit, make_repo

    make_repo(tmp_path)
    changes = tmp_path / "scenarios" / "changes" / "c.yaml"
    changes.parent.mkdir()
    changes.write_text("# what if\naccesssim-changes: 1\nchanges:\n"
                       "  - mask: {screen: customer, field: name}\n", encoding="utf-8")
    kept = tmp_path / "scenarios" / "changes" / "kept.yaml"
    kept.write_text(changes.read_text(encoding="utf-8"), encoding="utf-8")
    commit(tmp_path, "a change set")
    changes.unlink()
    commit(tmp_path, "the change set is gone")
    monkeypatch.chdir(tmp_path)
    got = run("check", "scenarios", "--base-ref", "HEAD~1", "--quiet")
    assert "no longer checked" not in got.stdout and "scenarios/changes" not in got.stdout, \
        got.stdout
    assert got.exit_code == 0, got.stdout + got.stderr
