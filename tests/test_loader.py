"""The model loader: safe YAML with line numbers, schema checks, references, file references.

Error paths go through the CLI (exit 2, a ``file:line: problem`` message, no output file);
the unit tests below them call ``accesssim.model.loader`` directly.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from accesssim.errors import InputError
from accesssim.model.loader import LINE_KEY, line_at, load_model, read_yaml
from accesssim.suite.suite import discover
from helpers import REPO, Project, assert_error, line_of, make_project, run

# -- error paths through the CLI ---------------------------------------------------------------

# Each case: a mutation of the Kansai project, the text whose line the message must cite
# (None: the problem has no line), and a part of the expected message.
Mutation = Callable[[Project, Path], None]
PERSON = "{id: kep_sales, name: 関西電力 営業・お客さま窓口, org: kansai_ep, headcount: 1013"
KEP_PC = "{id: kep_pc, location: kep_office, owner: kansai_ep"
SALES_ACC = "{id: acc_kep_sales, holder: kep_sales, systems: [takuso]}"

MODEL_ERRORS: dict[str, tuple[Mutation, str | None, str]] = {
    "malformed-yaml": (
        lambda p, _: p.edit_model("name: 関西電力 営業所,", "name: @関西電力 営業所,"),
        "name: @関西電力 営業所", "YAML error",
    ),
    "unknown-key": (
        lambda p, _: p.edit_model("{id: kansai_ep, name: 関西電力,",
                                  "{id: kansai_ep, colour: red, name: 関西電力,"),
        "colour: red", "unknown key",
    ),
    "wrong-type": (
        lambda p, _: p.edit_model("headcount: 1013", "headcount: many"),
        "headcount: many", "people.2.headcount",
    ),
    "duplicate-id": (
        lambda p, _: p.edit_model(KEP_PC, KEP_PC.replace("kep_pc", "ktd_pc")),
        "{id: ktd_pc, location: kep_office", "duplicate id 'ktd_pc'",
    ),
    "duplicate-yaml-key": (
        lambda p, _: p.edit_model(KEP_PC, KEP_PC + ", owner: kansai_td"),
        "owner: kansai_ep, owner: kansai_td", "duplicate key 'owner'",
    ),
    "unknown-org": (
        lambda p, _: p.edit_model(PERSON, PERSON.replace("org: kansai_ep", "org: no_org")),
        "org: no_org", "unknown organization 'no_org'",
    ),
    "unknown-person": (
        lambda p, _: p.edit_model(SALES_ACC, SALES_ACC.replace("holder: kep_sales",
                                                               "holder: nobody")),
        "holder: nobody", "unknown person 'nobody'",
    ),
    "unknown-system": (
        lambda p, _: p.edit_model(SALES_ACC, SALES_ACC.replace("[takuso]", "[no_system]")),
        "[no_system]", "unknown system 'no_system'",
    ),
    "unknown-screen": (
        lambda p, _: p.edit_model("{from: menu, to: customer_search,",
                                  "{from: menu, to: no_screen,"),
        "to: no_screen", "'no_screen' is not a screen",
    ),
    "unknown-field": (
        lambda p, _: p.edit_model("- {field: phone, masking: policy}",
                                  "- {field: no_field, masking: policy}"),
        "field: no_field", "'no_field', which is not a field",
    ),
    "unknown-account": (
        lambda p, _: p.edit_model(KEP_PC, KEP_PC + ", accounts: [acc_nope]"),
        "accounts: [acc_nope]", "unknown account 'acc_nope'",
    ),
    "unknown-location": (
        lambda p, _: p.edit_model("locations: [kep_office]", "locations: [no_place]"),
        "locations: [no_place]", "unknown location 'no_place'",
    ),
    "unknown-mode": (
        lambda p, _: p.edit_model(SALES_ACC, SALES_ACC[:-1] + ", modes: [weekend]}"),
        "modes: [weekend]", "unknown mode 'weekend'",
    ),
    "python-object-tag": (
        lambda p, _: p.edit_model("name: Kansai — shared",
                                  "name: !!python/object/apply:os.system [echo owned]\n"
                                  "description: Kansai — shared"),
        "!!python/object/apply", "python/object/apply",
    ),
    "missing-casbin-model": (
        lambda p, _: p.edit_model("model: ../../policies/accesssim.conf",
                                  "model: ../policies/missing.conf"),
        "model: ../policies/missing.conf", "not found",
    ),
    "missing-casbin-policy": (
        lambda p, _: p.edit_model("policy: ../../policies/incidents/01-kansai.csv",
                                  "policy: ../policies/missing.csv"),
        "policy: ../policies/missing.csv", "not found",
    ),
    "reference-escapes-root": (
        lambda p, _: p.edit_model("model: ../../policies/accesssim.conf",
                                  "model: ../../../outside.conf"),
        "model: ../../../outside.conf", "escapes the project root",
    ),
    "reference-dotdot-etc-passwd": (
        lambda p, _: p.edit_model("model: ../../policies/accesssim.conf",
                                  "model: ../../../../../../../../etc/passwd"),
        "model: ../../../../", "escapes the project root",
    ),
    "reference-absolute": (
        lambda p, outside: p.edit_model("model: ../../policies/accesssim.conf",
                                        f"model: {outside / 'outside.conf'}"),
        "outside.conf", "escapes the project root",
    ),
    "reference-absolute-etc-passwd": (
        lambda p, _: p.edit_model("model: ../../policies/accesssim.conf", "model: /etc/passwd"),
        "model: /etc/passwd", "escapes the project root",
    ),
}


@pytest.mark.parametrize("case", sorted(MODEL_ERRORS))
def test_bad_model_exits_2_citing_file_and_line(tmp_path: Path, case: str) -> None:
    """Each bad model input: exit 2, 'file:line' and the problem on stderr, no -o file."""
    project = make_project(tmp_path)
    # A perfectly valid Casbin model just outside the root: only the reference is wrong.
    (tmp_path / "outside.conf").write_bytes(project.conf.read_bytes())
    mutate, cited, problem = MODEL_ERRORS[case]
    mutate(project, tmp_path)
    where = f"{project.model_shown}:{line_of(project.model, cited)}" if cited else (
        project.model_shown)
    out = tmp_path / "out" / "report.json"
    assert_error(project.cli("analyze", "--format", "json", "-o", str(out)), where, problem)
    assert not out.exists() and not out.parent.exists()
    assert_error(project.cli("validate"), where, problem)


def test_python_tag_is_never_executed(tmp_path: Path) -> None:
    """A python/object tag is refused by the safe loader, and its payload never runs."""
    project = make_project(tmp_path)
    marker = tmp_path / "owned"
    project.edit_model("name: Kansai — shared",
                       f"name: !!python/object/apply:os.system ['touch {marker}']\n"
                       "description: Kansai — shared")
    assert_error(project.cli("validate"), "explicit tag !!python/object/apply:os.system")
    assert not marker.exists()


def test_missing_model_file_exits_2_naming_it(tmp_path: Path) -> None:
    """A model path that does not exist: exit 2, the file named, no output file."""
    project = make_project(tmp_path)
    missing = project.root / "scenarios" / "nope.yaml"
    out = tmp_path / "report.txt"
    result = run("analyze", str(missing), "--root", str(project.root), "-o", str(out))
    assert_error(result, "scenarios/nope.yaml", "not found")
    assert not out.exists()


def test_model_file_outside_root_is_refused(tmp_path: Path) -> None:
    """The model file itself must lie inside the project root."""
    project = make_project(tmp_path)
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert_error(run("validate", str(project.model), "--root", str(other)),
                 "outside the project root")


def test_symlink_out_of_root_is_refused(tmp_path: Path) -> None:
    """A reference through a symlink that leaves the root is refused like a '..' path."""
    project = make_project(tmp_path)
    outside = tmp_path / "outside.conf"
    outside.write_bytes(project.conf.read_bytes())
    os.symlink(outside, project.root / "policies" / "link.conf")
    project.edit_model("model: ../../policies/accesssim.conf", "model: ../../policies/link.conf")
    assert_error(project.cli("validate"), "escapes the project root")


def test_validate_reports_every_reference_problem_at_once(tmp_path: Path) -> None:
    """validate lists all dangling references and bad modes in one run, each with its line."""
    project = make_project(tmp_path)
    project.edit_model(SALES_ACC, "{id: acc_kep_sales, holder: nobody, systems: [no_system], "
                       "modes: [weekend]}")
    project.edit_model("locations: [kep_office]", "locations: [no_place]")
    result = project.cli("validate")
    acc_line = line_of(project.model, "holder: nobody")
    person_line = line_of(project.model, "locations: [no_place]")
    assert_error(result,
                 f"{project.model_shown}:{acc_line}: holder refers to unknown person 'nobody'",
                 f"{project.model_shown}:{acc_line}: systems refers to unknown system",
                 f"{project.model_shown}:{acc_line}: unknown mode 'weekend'",
                 f"{project.model_shown}:{person_line}: locations refers to unknown location",
                 "4 problem(s)")


def test_validate_reports_every_schema_problem_at_once(tmp_path: Path) -> None:
    """Several type and key errors in the YAML are all reported, each at its own line."""
    project = make_project(tmp_path)
    project.edit_model("headcount: 1013", "headcount: many")
    project.edit_model("{id: kansai_ep, name: 関西電力,",
                       "{id: kansai_ep, colour: red, name: 関西電力,")
    project.edit_model("kind: contractor, works_for: [kansai_td]",
                       "kind: subcontractor, works_for: [kansai_td]")
    result = project.cli("validate")
    shown = project.model_shown
    assert_error(result,
                 f"{shown}:{line_of(project.model, 'headcount: many')}: people.2.headcount",
                 f"{shown}:{line_of(project.model, 'colour: red')}: organizations.1.colour",
                 f"{shown}:{line_of(project.model, 'kind: subcontractor')}: organizations.3.kind",
                 "3 problem(s)")


# -- line numbers ------------------------------------------------------------------------------


def test_read_yaml_records_the_line_of_every_mapping(tmp_path: Path) -> None:
    """Flow and block mappings, at any depth, carry the line they start on."""
    path = tmp_path / "m.yaml"
    path.write_text("top: 1\nitems:\n  - {a: 1}\n  - b: 2\n    c:\n      d: 3\n", encoding="utf-8")
    data = read_yaml(path, "m.yaml")
    assert data[LINE_KEY] == 1
    assert data["items"][0][LINE_KEY] == 3
    assert data["items"][1][LINE_KEY] == 4
    assert data["items"][1]["c"][LINE_KEY] == 6


def test_line_at_uses_the_deepest_mapping_on_the_path() -> None:
    """line_at walks a validation location down to the innermost mapping that has a line."""
    data = {LINE_KEY: 1, "people": [{LINE_KEY: 7, "former_orgs": [{LINE_KEY: 9, "org": 3}]}]}
    assert line_at(data, ["people", 0, "former_orgs", 0, "org"]) == 9
    assert line_at(data, ["people", 0, "headcount"]) == 7
    assert line_at(data, ["people", 5]) == 1
    assert line_at(data, []) == 1


def test_duplicate_yaml_key_cites_both_lines(tmp_path: Path) -> None:
    """A key repeated in a block mapping is refused at the repeat, naming the first line."""
    path = tmp_path / "m.yaml"
    path.write_text("a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_yaml(path, "m.yaml")
    (problem,) = info.value.problems
    assert (problem.file, problem.line) == ("m.yaml", 5)
    assert "duplicate key 'x' (first at line 3)" in problem.message


def test_yaml_syntax_error_cites_the_line(tmp_path: Path) -> None:
    """A character that cannot start a token is reported on its own line."""
    path = tmp_path / "m.yaml"
    path.write_text("a: 1\nb: 2\nc: @oops\nd: 4\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_yaml(path, "m.yaml")
    assert [p.line for p in info.value.problems] == [3]


def test_unclosed_bracket_names_the_line_that_opened_it(tmp_path: Path) -> None:
    """An unclosed flow sequence is reported where it was opened, not only where YAML gave up."""
    path = tmp_path / "m.yaml"
    path.write_text("accesssim: 1\nmodes: [normal, disaster\n\norganizations:\n  - {id: a}\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_yaml(path, "m.yaml")
    (problem,) = info.value.problems
    assert problem.line == 2 or "line 2" in problem.message, str(problem)


def test_yaml_with_bom_and_non_utf8(tmp_path: Path) -> None:
    """A UTF-8 BOM in the YAML is tolerated; bytes that are not UTF-8 are a line-0 problem."""
    path = tmp_path / "m.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_yaml(path, "m.yaml")["a"] == 1
    path.write_bytes(b"a: \xff\xfe\n")
    with pytest.raises(InputError, match="not UTF-8"):
        read_yaml(path, "m.yaml")


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", ""])
def test_model_must_be_a_mapping(tmp_path: Path, text: str) -> None:
    """A YAML list, scalar or empty file is refused as a model."""
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="must be a YAML mapping"):
        load_model(path, tmp_path)


def test_reference_problem_carries_the_element_line(tmp_path: Path) -> None:
    """load_model attaches the line of the element holding a dangling reference."""
    project = make_project(tmp_path)
    project.edit_model("{id: kep_cc_pc, location: kep_callcenter,",
                       "{id: kep_cc_pc, location: no_place,")
    with pytest.raises(InputError) as info:
        load_model(project.model, project.root)
    (problem,) = info.value.problems
    assert problem.file == project.model_shown
    assert problem.line == line_of(project.model, "{id: kep_cc_pc, location: no_place")


def test_unknown_key_in_a_block_mapping_cites_the_key_line(tmp_path: Path) -> None:
    """In a multi-line mapping, an unknown key is reported on its own line, not the first."""
    project = make_project(tmp_path)
    project.edit_model("        name: 契約詳細\n", "        name: 契約詳細\n        colour: red\n")
    with pytest.raises(InputError) as info:
        load_model(project.model, project.root)
    assert [p.line for p in info.value.problems] == [line_of(project.model, "colour: red")]


def test_dangling_reference_in_a_block_mapping_cites_the_key_line(tmp_path: Path) -> None:
    """A bad ``owner:`` of a multi-line system is reported on the owner line."""
    project = make_project(tmp_path)
    project.edit_model("    owner: kansai_td\n", "    owner: no_org\n")
    with pytest.raises(InputError) as info:
        load_model(project.model, project.root)
    assert [p.line for p in info.value.problems] == [line_of(project.model, "owner: no_org")]


def test_modes_without_normal_is_one_problem_at_the_modes_line(tmp_path: Path) -> None:
    """Cited at ``modes:``; the expectations that use 'normal' add no follow-on errors."""
    project = make_project(tmp_path)
    project.edit_model("modes: [normal, disaster]", "modes: [disaster]")
    with pytest.raises(InputError) as info:
        load_model(project.model, project.root)
    assert [(p.line, p.message) for p in info.value.problems] == [
        (line_of(project.model, "modes: [disaster]"), "modes must include 'normal'")]


def test_empty_role_name_in_a_block_mapping_cites_its_own_line(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    policy = "  policy: ../../policies/incidents/01-kansai.csv\n"
    project.edit_model(policy, policy + "  role_purposes:\n    retail_user: other\n"
                                        "    '': disaster\n")
    with pytest.raises(InputError) as info:
        load_model(project.model, project.root)
    assert [(p.line, p.message) for p in info.value.problems] == [
        (line_of(project.model, "'': disaster"), "empty role name in role_purposes")]


def test_duplicate_id_cites_the_second_and_first_line(tmp_path: Path) -> None:
    """Duplicate ids (also across kinds) are reported at the repeat with the first line."""
    project = make_project(tmp_path)
    project.edit_model("{id: kep_office, name:", "{id: kep_sales, name:")
    project.edit_model("locations: [kep_office]", "locations: [kep_sales]")
    project.edit_model("location: kep_office", "location: kep_sales")
    with pytest.raises(InputError) as info:
        load_model(project.model, project.root)
    first = line_of(project.model, "{id: kep_sales, name: 関西電力 営業・お客さま窓口")
    second = line_of(project.model, "{id: kep_sales, name: 関西電力 営業所")
    assert [(p.line, p.message) for p in info.value.problems] == [
        (second, f"duplicate id 'kep_sales' (first at line {first})")]


def test_load_model_resolves_casbin_files_next_to_the_model(tmp_path: Path) -> None:
    """Casbin paths are relative to the model file and shown relative to the root."""
    project = make_project(tmp_path)
    loaded = load_model(project.model, project.root)
    assert loaded.casbin_model_path == project.conf.resolve()
    assert loaded.casbin_policy_path == project.csv.resolve()
    assert loaded.display_path == "scenarios/incidents/01-kansai.yaml"
    assert loaded.display(loaded.casbin_policy_path) == "policies/incidents/01-kansai.csv"


def test_loaded_elements_keep_their_lines(tmp_path: Path) -> None:
    """Every element of the loaded model knows the YAML line it was written on."""
    project = make_project(tmp_path)
    model = load_model(project.model, project.root).model
    person = next(p for p in model.people if p.id == "kep_outsourced")
    assert person.line == line_of(project.model, "{id: kep_outsourced,")
    system = model.systems[0]
    assert system.line == line_of(project.model, "- id: takuso")
    transition = system.transitions[-1]
    assert transition.line == line_of(project.model, "checked: false}")
    shows = next(s for s in system.screens if s.id == "contract_detail").shows
    assert [d.line for d in shows] == [
        line_of(project.model, "{field: customer_name, masking: masked"),
        line_of(project.model, "{field: address, masking: masked"),
        line_of(project.model, "{field: customer_name, masking: clear"),
        line_of(project.model, "{field: address, masking: clear"),
        line_of(project.model, "{field: phone, masking: policy}"),
    ]
    assert model.casbin.line == line_of(project.model, "model: ../../policies/accesssim.conf")


# -- warnings: accepted, but probably a mistake ----------------------------------------------

CRM_FIELD = "own_customer_name"
WARNING_CASES: dict[str, tuple[str, str, str, str]] = {
    # (old text, new text, text on the cited line, part of the warning)
    "person-modes-empty": (
        "headcount: 1013, locations: [kep_office]}",
        "headcount: 1013, locations: [kep_office], modes: []}",
        "modes: []", "person 'kep_sales' has modes: [] and so exists in no mode"),
    "display-modes-empty": (
        "- {field: phone, masking: policy}", "- {field: phone, masking: policy, modes: []}",
        "{field: phone, masking: policy, modes: []}", "display of 'phone' on"),
    "trust-fields-empty": (
        "people:\n", "trust:\n  - {orgs: [kansai_ep], systems: [takuso], fields: []}\npeople:\n",
        "fields: []", "trusts no field"),
    "trust-systems-empty": (
        "people:\n", "trust:\n  - {orgs: [kansai_ep], systems: []}\npeople:\n",
        "systems: []", "systems: [] and so trusts no field"),
    "logged-in-not-accepted": (
        "{id: kep_pc, location: kep_office, owner: kansai_ep, open: true, systems: [takuso]}",
        "{id: kep_pc, location: kep_office, owner: kansai_ep, open: true, systems: [takuso],\n"
        "     accounts: [acc_kep_sales], logged_in: [acc_ktd_ops]}",
        "logged_in: [acc_ktd_ops]", "has 'acc_ktd_ops' logged in but does not list it"),
}


@pytest.mark.parametrize("case", sorted(WARNING_CASES))
def test_probable_mistakes_are_warnings_with_lines(tmp_path: Path, case: str) -> None:
    """Input that makes an element cover nothing loads, with a warning at its line."""
    project = make_project(tmp_path)
    old, new, cited, text = WARNING_CASES[case]
    project.edit_model(old, new)
    loaded = load_model(project.model, project.root)
    assert [(w.file, w.line) for w in loaded.warnings] == [
        (project.model_shown, line_of(project.model, cited))], loaded.warnings
    assert text in loaded.warnings[0].message


def test_trust_field_of_another_system_is_a_warning(tmp_path: Path) -> None:
    """A grant naming a field outside its systems does not cover that field: say so."""
    project = make_project(tmp_path, "reference")
    grant = "systems: [takuso], fields: [customer_name, phone], modes: [disaster]}"
    project.edit_model(grant, grant.replace("phone]", "phone, FIELD]").replace(
        "FIELD", CRM_FIELD))
    loaded = load_model(project.model, project.root)
    assert [(w.line, w.message) for w in loaded.warnings] == [
        (line_of(project.model, grant[:30]),
         f"trust grant lists field {CRM_FIELD!r}, which is not a field of its systems: "
         "the grant does not cover it")]


def test_shipped_scenarios_have_no_warnings() -> None:
    """The examples show clean input: none of them triggers a warning."""
    for model in discover([REPO / "scenarios"]):  # change sets there are no scenarios
        assert load_model(model, REPO).warnings == (), model


def test_validate_shows_probable_mistakes_and_strict_refuses_them(tmp_path: Path) -> None:
    """The loader's warnings reach `validate` with file:line, and `--strict` makes them exit 2."""
    project = make_project(tmp_path)
    old, new, cited, _ = WARNING_CASES["trust-fields-empty"]
    project.edit_model(old, new)
    where = f"{project.model_shown}:{line_of(project.model, cited)}:"
    shown = project.cli("validate")
    assert shown.exit_code == 0, shown.stderr
    assert f"warning: {where}" in shown.stdout and "[model-likely-mistake]" in shown.stdout
    strict = project.cli("validate", "--strict")
    assert strict.exit_code == 2 and f"error: {where}" in strict.stderr
