"""A model spread over several files (``include``) reads as the one-file model, and every
problem and citation names the file and line (or the inventory row) an element came from."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from tests.helpers import REPO, run

from accesssim.engine import analyze, load_project
from accesssim.errors import InputError

TOHOKU = REPO / "scenarios/incidents/02-tohoku.yaml"
TOP = re.compile(r"^([a-z_]+):", re.MULTILINE)


def _sections(text: str) -> dict[str, str]:
    """The top-level sections of a shipped scenario, each with its text (comments dropped)."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#")) + "\n"
    starts = [(m.group(1), m.start()) for m in TOP.finditer(body)]
    return {key: body[start:(starts[i + 1][1] if i + 1 < len(starts) else len(body))]
            for i, (key, start) in enumerate(starts)}


def _split(tmp_path: Path) -> Path:
    """Tohoku as three files: root (name, modes, organizations, expectations), parts/takuso.yaml
    (systems, casbin, one folder deeper) and inventory.yaml (people ... terminals)."""
    root = tmp_path / "proj"
    (root / "policies/incidents").mkdir(parents=True)
    shutil.copy(REPO / "policies/incidents/02-tohoku.csv", root / "policies/incidents")
    shutil.copy(REPO / "policies/accesssim.conf", root / "policies")
    (root / ".git").mkdir()
    sec = _sections(TOHOKU.read_text(encoding="utf-8"))
    model = root / "scenarios/tohoku"
    (model / "parts").mkdir(parents=True)
    casbin = sec["casbin"].replace("../../policies", "../../../policies")
    (model / "parts/takuso.yaml").write_text(sec["systems"] + casbin, encoding="utf-8")
    (model / "inventory.yaml").write_text(
        sec["people"] + sec["locations"] + sec["accounts"] + sec["terminals"], encoding="utf-8")
    (model / "model.yaml").write_text(
        sec["accesssim"] + sec["name"] + sec["modes"]
        + "include: [parts/takuso.yaml, inventory.yaml]\n"
        + sec["organizations"] + sec["expectations"], encoding="utf-8")
    return model / "model.yaml"


def _line(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def _shape(report: object) -> list[tuple[object, ...]]:
    """Findings without their citations: what the analysis found, not where it is written."""
    return sorted((f.failure_types, f.people, f.fields, f.windows)  # type: ignore[attr-defined]
                  for f in report.findings)  # type: ignore[attr-defined]


def test_split_model_finds_what_the_one_file_model_finds(tmp_path: Path) -> None:
    split = load_project(_split(tmp_path))
    whole = load_project(TOHOKU, REPO)
    assert split.loaded.includes == ("scenarios/tohoku/parts/takuso.yaml",
                                     "scenarios/tohoku/inventory.yaml")
    moved = {"include", "casbin"}  # the Casbin paths are relative to the file holding them
    assert split.loaded.model.model_dump(exclude=moved) == \
        whole.loaded.model.model_dump(exclude=moved)
    assert split.policy.rules == whole.policy.rules
    modes = ["normal", "disaster"]
    assert _shape(analyze(split, modes=modes)) == _shape(analyze(whole, modes=modes))


def test_hops_cite_the_included_files_own_lines(tmp_path: Path) -> None:
    model = _split(tmp_path)
    project = load_project(model)
    report = analyze(project, modes=["normal"])
    cited = {str(s) for f in report.findings for h in f.witness for s in h.sources}
    inventory = model.parent / "inventory.yaml"
    parts = model.parent / "parts/takuso.yaml"
    assert f"scenarios/tohoku/inventory.yaml:{_line(inventory, 'id: nw_pc_misdistributed')}" \
        in cited
    transition = "{from: customer_search, to: contract_detail"
    assert f"scenarios/tohoku/parts/takuso.yaml:{_line(parts, transition)}" in cited
    assert not any(c.startswith("scenarios/tohoku/model.yaml:") for c in cited
                   if "terminal" in c), cited


def test_imported_rows_are_cited_instead_of_yaml_lines(tmp_path: Path) -> None:
    model = _split(tmp_path)
    inventory = model.parent / "inventory.yaml"
    text = inventory.read_text(encoding="utf-8")
    text = text.replace("    assigned_to: [ep_pc_holders]\n", "    assigned_to: [ep_pc_holders]\n"
                        "    source: {file: ../../data/assets.xlsx, sheet: 端末, row: 5}\n")
    inventory.write_text(text, encoding="utf-8")
    report = analyze(load_project(model), modes=["normal"])
    mis = next(f for f in report.findings
               if "ep_pc_holders" in [g.person for g in f.people])
    cited = {str(s) for h in mis.witness for s in h.sources}
    assert "data/assets.xlsx:端末:5" in cited
    result = run("analyze", str(model), "--format", "json", "-o", str(tmp_path / "out.json"))
    assert result.exit_code == 1, result.output
    out = (tmp_path / "out.json").read_text(encoding="utf-8")
    assert '"file": "data/assets.xlsx",\n              "sheet": "端末",\n              "line": 5' \
        in out


def _problems(model: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_project(model)
    return [str(p) for p in info.value.problems]


def test_problems_in_an_included_file_cite_it(tmp_path: Path) -> None:
    model = _split(tmp_path)
    inventory = model.parent / "inventory.yaml"
    text = inventory.read_text(encoding="utf-8")
    inventory.write_text(text.replace("org: tohoku_ep, headcount: 100",
                                      "org: tohoku_epx, headcount: 100")
                         .replace("headcount: 2000", "headcount: 2000, colour: red"),
                         encoding="utf-8")
    found = _problems(model)
    assert any(p.startswith(f"scenarios/tohoku/inventory.yaml:{_line(inventory, 'colour')}: ")
               and "unknown key" in p for p in found), found
    # the unknown key stops validation; fix it and the reference problem shows at its line
    inventory.write_text(inventory.read_text(encoding="utf-8").replace(", colour: red", ""),
                         encoding="utf-8")
    found = _problems(model)
    assert found == [f"scenarios/tohoku/inventory.yaml:{_line(inventory, 'tohoku_epx')}: org "
                     "refers to unknown organization 'tohoku_epx'"]


def test_duplicate_ids_across_files_name_both_places(tmp_path: Path) -> None:
    model = _split(tmp_path)
    root_text = model.read_text(encoding="utf-8")
    model.write_text(root_text + "people:\n  - {id: nw_ops, org: tohoku_nw}\n", encoding="utf-8")
    inventory = model.parent / "inventory.yaml"
    first = len(root_text.splitlines()) + 2
    found = _problems(model)
    assert found == [f"scenarios/tohoku/inventory.yaml:{_line(inventory, 'id: nw_ops')}: "
                     f"duplicate id 'nw_ops' (first at scenarios/tohoku/model.yaml:{first})"]


@pytest.mark.parametrize(("part", "expected"), [
    ("name: other\n", "'name' cannot be in an included file"),
    ("include: [x.yaml]\n", "an included file cannot include other files"),
    ("casbin: {model: a.conf, policy: b.csv}\n", "casbin is given twice (first at "
     "scenarios/tohoku/parts/takuso.yaml:"),
    ("people: {id: x}\n", "people must be a list"),
    ("- just a list\n", "an included file must be a YAML mapping"),
])
def test_what_an_included_file_may_not_hold(tmp_path: Path, part: str, expected: str) -> None:
    model = _split(tmp_path)
    (model.parent / "extra.yaml").write_text(part, encoding="utf-8")
    model.write_text(model.read_text(encoding="utf-8").replace(
        "inventory.yaml]", "inventory.yaml, extra.yaml]"), encoding="utf-8")
    found = _problems(model)
    assert any(p.startswith("scenarios/tohoku/extra.yaml:") and expected in p
               for p in found), found


@pytest.mark.parametrize(("include", "expected"), [
    ("[../../../outside.yaml]", "escapes the project root"),
    ("[missing.yaml]", "file not found"),
    ("[model.yaml]", "scenarios/tohoku/model.yaml is already part of this model"),
    ("[inventory.yaml, ./inventory.yaml]", "is already part of this model"),
])
def test_include_references_are_checked(tmp_path: Path, include: str, expected: str) -> None:
    model = _split(tmp_path)
    (tmp_path / "outside.yaml").write_text("people: []\n", encoding="utf-8")
    model.write_text(model.read_text(encoding="utf-8").replace(
        "[parts/takuso.yaml, inventory.yaml]", include), encoding="utf-8")
    line = _line(model, "include:")
    found = _problems(model)
    assert any(p.startswith(f"scenarios/tohoku/model.yaml:{line}: ") and expected in p
               for p in found), found


def test_a_source_outside_the_root_is_refused(tmp_path: Path) -> None:
    model = _split(tmp_path)
    inventory = model.parent / "inventory.yaml"
    inventory.write_text(inventory.read_text(encoding="utf-8").replace(
        "{id: acc_nw_ops, holder: nw_ops, systems: [takuso]}",
        "{id: acc_nw_ops, holder: nw_ops, systems: [takuso], "
        "source: {file: ../../../../etc/passwd, row: 1}}"), encoding="utf-8")
    found = _problems(model)
    assert found == [f"scenarios/tohoku/inventory.yaml:{_line(inventory, 'etc/passwd')}: source "
                     "file '../../../../etc/passwd' is outside the project root: give a path "
                     "relative to this file, inside the root"]


@pytest.mark.parametrize("key", ["__file__", "__line__"])
def test_the_loaders_marker_keys_are_refused(tmp_path: Path, key: str) -> None:
    model = _split(tmp_path)
    inventory = model.parent / "inventory.yaml"
    inventory.write_text(inventory.read_text(encoding="utf-8").replace(
        "{id: acc_nw_ops, holder: nw_ops,", f"{{id: acc_nw_ops, {key}: x, holder: nw_ops,"),
        encoding="utf-8")
    found = _problems(model)
    assert any(f"key {key!r} is reserved for the loader" in p for p in found), found


@pytest.mark.parametrize("command", [["whatif", "--change", "c.yaml"], ["mutate"]])
def test_text_editing_tools_refuse_a_model_with_include(tmp_path: Path,
                                                        command: list[str]) -> None:
    model = _split(tmp_path)
    (tmp_path / "c.yaml").write_text("accesssim-changes: 1\nchanges:\n  - mask: "
                                     "{screen: takuso.contract_detail, field: takuso.phone}\n",
                                     encoding="utf-8")
    result = run(command[0], str(model), *[c.replace("c.yaml", str(tmp_path / "c.yaml"))
                                           for c in command[1:]])
    assert result.exit_code == 2, result.output
    assert "do not follow include yet" in result.output


def test_update_rewrites_the_file_holding_the_expectation(tmp_path: Path) -> None:
    model = _split(tmp_path)
    parts = model.parent / "parts/takuso.yaml"
    exp = model.read_text(encoding="utf-8").split("expectations:\n", 1)[1]
    model.write_text(model.read_text(encoding="utf-8").split("expectations:\n", 1)[0],
                     encoding="utf-8")
    parts.write_text(parts.read_text(encoding="utf-8") + "expectations:\n"
                     + exp.replace("people: [ep_pc_holders, ep_shared_office]",
                                   "people: [ep_pc_holders]"), encoding="utf-8")
    failing = run("test", str(model))
    assert failing.exit_code == 1, failing.output
    line = _line(parts, "id: who-sees-phone")
    assert f"scenarios/tohoku/parts/takuso.yaml::who-sees-phone (who_can_see, line {line})" \
        in failing.output
    before = model.read_text(encoding="utf-8")
    assert run("test", str(model), "--update").exit_code == 0
    assert "people: [ep_pc_holders, ep_shared_office]" in parts.read_text(encoding="utf-8")
    assert model.read_text(encoding="utf-8") == before
