"""Policy lints: ``validate`` warns (file:line, code) about edits Casbin accepts silently, and
``--strict`` turns the warnings into exit 2."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import casbin
import pytest

from accesssim.engine import Project, load_project
from accesssim.policy.lints import Lint, lint_project
from accesssim.policy.rules import PolicyLine
from accesssim.suite.suite import discover
from helpers import REPO, line_of, make_project, run
from helpers import Project as Copy


def lints(project: Copy) -> set[tuple[int, str]]:
    """(line, code) of every warning ``validate --format json`` lists; checks the JSON shape."""
    result = project.cli("validate", "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["valid"] is True
    found = set()
    for warning in summary["warnings"]:
        assert set(warning) == {"file", "line", "code", "message"}
        if warning["code"] != "matcher-shape":
            assert warning["file"] == project.csv_shown
        found.add((warning["line"], warning["code"]))
    return found


def appended(tmp_path: Path, *lines: str, scenario: str = "kansai") -> tuple[Copy, list[int]]:
    """A copy of a scenario with ``lines`` appended to its policy, and their line numbers."""
    project = make_project(tmp_path, scenario)
    before = len(project.csv.read_text(encoding="utf-8").splitlines())
    for line in lines:
        project.append_csv(line)
    return project, [before + 1 + i for i in range(len(lines))]


SHIPPED = sorted(p.relative_to(REPO).as_posix() for p in discover([REPO / "scenarios"]))


@pytest.mark.parametrize("model", SHIPPED)
def test_shipped_scenarios_have_no_lint(model: str) -> None:
    result = run("validate", str(REPO / model), "--root", str(REPO), "--strict")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "warning" not in result.stdout


def test_hash_inside_a_line_is_a_value_not_a_comment(tmp_path: Path) -> None:
    project, [line] = appended(tmp_path, "g, acc_kep_sales, nw_operator, takuso # temporary")
    project.append_csv("# a real comment, nw_operator")
    project.append_csv("   # an indented comment, also skipped")
    found = lints(project)
    assert (line, "policy-hash-comment") in found
    assert (line, "policy-unknown-domain") in found  # the link moved to 'takuso # temporary'
    assert {code for n, code in found if n > line} == set()


def test_casbin_really_keeps_the_hash_in_the_value(tmp_path: Path) -> None:
    """Why the lint exists: plain Casbin reads the link into the domain 'takuso # temporary'."""
    project, _ = appended(tmp_path, "g, acc_kep_sales, nw_operator, takuso # temporary")
    enforcer = casbin.Enforcer(str(project.conf), str(project.csv))
    request = ("acc_kep_sales", "takuso", "phone", "unmask", "normal", "2024-01-01")
    assert not enforcer.enforce(*request)
    assert ["acc_kep_sales", "nw_operator", "takuso # temporary"] in enforcer.get_grouping_policy()


def test_role_granted_without_rules(tmp_path: Path) -> None:
    project, [typo, auditor, elsewhere] = appended(
        tmp_path,
        "g, acc_kep_sales, retial_user, takuso",
        "g, acc_kep_sales, auditor, takuso",
        "g, auditor, nobody_role, takuso",
    )
    found = lints(project)
    assert (typo, "role-without-rules") in found
    assert (auditor, "role-without-rules") in found
    assert (elsewhere, "role-without-rules") in found


def test_role_granted_in_a_domain_where_it_has_no_rules(tmp_path: Path) -> None:
    project, [line] = appended(tmp_path, "g, acc_kep_sales, nw_operator, crm",
                               scenario="reference")
    project.edit_csv("g, acc_grid_ops, grid_operator, takuso",
                     "g, acc_grid_ops, grid_operator, crm")
    found = lints(project)
    moved = line_of(project.csv, "g, acc_grid_ops, grid_operator, crm")
    assert (moved, "role-without-rules") in found
    assert (line, "role-without-rules") in found


def test_role_inherited_by_a_role_with_rules_is_used(tmp_path: Path) -> None:
    """A role that only leads to a role with rules grants something: no warning."""
    project, [link, grant] = appended(tmp_path, "g, senior, nw_operator, takuso",
                                      "g, acc_kep_sales, senior, takuso")
    found = lints(project)
    assert not {(n, c) for n, c in found if n in (link, grant)}


def test_role_with_rules_nobody_holds(tmp_path: Path) -> None:
    project, [first, _] = appended(tmp_path,
                                   "p, ghost_role, takuso, menu, open, allow, *, *, *",
                                   "p, ghost_role, takuso, phone, unmask, allow, *, *, *")
    found = lints(project)
    assert (first, "role-not-held") in found
    assert [code for _, code in found] == ["role-not-held"]


def test_unknown_member(tmp_path: Path) -> None:
    project, [line] = appended(tmp_path, "g, acc_nobdoy, retail_user, takuso")
    assert lints(project) == {(line, "policy-unknown-member")}


@pytest.mark.parametrize(("rule", "code"), [
    ("p, retail_user, takusoo, phone, unmask, allow, *, *, *", "policy-unknown-domain"),
    ("p, retail_user, takuso, contract_detial, open, allow, *, *, *", "policy-unknown-object"),
    ("p, retail_user, takuso, phonee, unmask, allow, *, *, *", "policy-unknown-object"),
    ("p, retail_user, takuso, phone, open, allow, *, *, *", "policy-never-matches"),
    ("p, retail_user, takuso, menu, unmask, allow, *, *, *", "policy-never-matches"),
    ("p, retail_user, takuso, menu, view, allow, *, *, *", "policy-unknown-action"),
    ("p, retail_user, takuso, menu, open, allow, *, 2024-01-01, 2023-12-31",
     "policy-never-matches"),
    ("g, acc_kep_sales, retail_user, takusoo", "policy-unknown-domain"),
])
def test_names_the_model_does_not_have(tmp_path: Path, rule: str, code: str) -> None:
    project, [line] = appended(tmp_path, rule)
    assert (line, code) in lints(project)


def test_object_of_another_system(tmp_path: Path) -> None:
    project, [line] = appended(
        tmp_path, "p, grid_operator, takuso, crm_customer, open, allow, *, *, *",
        scenario="reference")
    found = lints(project)
    assert (line, "policy-never-matches") in found
    result = project.cli("validate")
    assert "belongs to system crm, not 'takuso'" in result.stdout


def test_same_p_line_twice(tmp_path: Path) -> None:
    project, [line] = appended(tmp_path, "p, retail_user, takuso, menu, open, allow, *, *, *")
    first = line_of(project.csv, "p, retail_user, takuso, menu, open, allow, *, *, *")
    assert lints(project) == {(line, "policy-duplicate")}
    assert f"same p line as line {first}" in project.cli("validate").stdout


def _loaded(tmp_path: Path, scenario: str = "kansai") -> Project:
    copy = make_project(tmp_path, scenario)
    return load_project(copy.model, copy.root)


def test_same_g_line_twice(tmp_path: Path) -> None:
    """Pure function: a g line written twice (Casbin keeps both) is a lint, not an error."""
    project = _loaded(tmp_path)
    first = project.policy.groupings[0]
    again = PolicyLine(first.ptype, first.values, 99)
    policy = dataclasses.replace(project.policy, groupings=[*project.policy.groupings, again])
    found = lint_project(dataclasses.replace(project, policy=policy))
    assert [(w.line, w.code) for w in found] == [(99, "policy-duplicate")]
    assert f"line {first.line}" in found[0].message


def test_lints_read_values_by_token_name(tmp_path: Path) -> None:
    """The same rules with the policy columns in another order give the same warnings."""
    project = _loaded(tmp_path)
    bad = [PolicyLine("p", ("retail_user", "takuso", "phonee", "unmask", "allow", "*",
                            "2024-01-01", "2023-01-01"), 90),
           PolicyLine("p", ("ghost", "takusoo", "menu", "open", "allow", "*", "*", "*"), 91)]
    policy = dataclasses.replace(project.policy, rules=[*project.policy.rules, *bad])
    straight = lint_project(dataclasses.replace(project, policy=policy))
    order = (2, 0, 7, 1, 3, 6, 4, 5)
    tokens = tuple(policy.p_tokens[i] for i in order)
    moved = [PolicyLine(r.ptype, tuple(r.values[i] for i in order), r.line) for r in policy.rules]
    turned = dataclasses.replace(policy, p_tokens=tokens, rules=moved)
    assert lint_project(dataclasses.replace(project, policy=turned)) == straight
    assert {(w.line, w.code) for w in straight} >= {
        (90, "policy-unknown-object"), (90, "policy-never-matches"),
        (91, "policy-unknown-domain"), (91, "role-not-held")}


def test_lints_skip_absent_tokens(tmp_path: Path) -> None:
    """Without valid_from / valid_until / act columns those lints are skipped, not guessed."""
    project = _loaded(tmp_path)
    keep = (0, 1, 2, 4, 5)
    rules = [PolicyLine(r.ptype, tuple(r.values[i] for i in keep), r.line)
             for r in project.policy.rules]
    rules.append(PolicyLine("p", ("retail_user", "takuso", "menu", "allow", "*"), 90))
    policy = dataclasses.replace(project.policy, rules=rules,
                                 p_tokens=tuple(project.policy.p_tokens[i] for i in keep))
    found = lint_project(dataclasses.replace(project, policy=policy))
    assert [(w.line, w.code) for w in found] == [(90, "policy-duplicate")]


def test_text_output_and_strict(tmp_path: Path) -> None:
    project, [line] = appended(tmp_path, "g, acc_kep_sales, retail_user, takuso # temporary")
    where = f"{project.csv_shown}:{line}"
    result = project.cli("validate")
    assert result.exit_code == 0
    assert f"warning: {where}: 'takuso # temporary' contains '#'" in result.stdout
    assert "[policy-hash-comment]" in result.stdout
    strict = project.cli("validate", "--strict")
    assert strict.exit_code == 2
    assert strict.stdout == ""
    assert f"error: {where}: " in strict.stderr
    assert "warning(s) treated as errors (--strict)" in strict.stderr
    as_json = project.cli("validate", "--strict", "--format", "json")
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout)["valid"] is False


def test_matcher_shape_warning_is_kept(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    project.edit_conf("&& r.obj == p.obj &&", "&& keyMatch(r.obj, p.obj) &&")
    result = project.cli("validate", "--format", "json")
    assert result.exit_code == 0, result.stderr
    [warning] = json.loads(result.stdout)["warnings"]
    assert warning["code"] == "matcher-shape"
    assert warning["file"] == project.conf_shown and warning["line"] > 0
    assert "matcher shape not recognised" in project.cli("validate").stdout
    assert project.cli("validate", "--strict").exit_code == 2


def test_lint_sorts_and_prints() -> None:
    a = Lint("p.csv", 3, "policy-duplicate", "x")
    b = Lint("p.csv", 12, "policy-duplicate", "y")
    assert sorted([b, a]) == [a, b]
    assert str(a) == "p.csv:3: x [policy-duplicate]"


def test_other_grouping_types_are_not_role_links(tmp_path: Path) -> None:
    """A ``g2`` line (e.g. object groups) is not read as a role link by the role lints."""
    project = _loaded(tmp_path)
    extra = PolicyLine("g2", ("customer_search", "search_screens"), 95)
    policy = dataclasses.replace(project.policy, groupings=[*project.policy.groupings, extra])
    assert lint_project(dataclasses.replace(project, policy=policy)) == []


def test_account_linked_in_a_system_it_does_not_use(tmp_path: Path) -> None:
    """acc_grid_ops logs in to takuso only (reference model): crm lines never apply to it."""
    project, [link, rule] = appended(
        tmp_path, "g, acc_grid_ops, crm_user, crm",
        "p, acc_grid_ops, crm, crm_customer, open, allow, *, *, *", scenario="reference")
    found = lints(project)
    assert (link, "policy-account-system") in found
    assert (rule, "policy-account-system") in found


@pytest.mark.parametrize(("func", "named"), [("globMatch", True), ("keyMatch4", False)])
def test_backtracking_matcher_function_is_named(tmp_path: Path, func: str, named: bool) -> None:
    """globMatch still backtracks and is named; keyMatch4 runs on RE2 and is not."""
    project = make_project(tmp_path)
    project.edit_conf("&& r.obj == p.obj &&", f"&& {func}(r.obj, p.obj) &&")
    result = project.cli("validate", "--format", "json")
    assert result.exit_code == 0, result.stderr
    warnings = json.loads(result.stdout)["warnings"]
    line = line_of(project.conf, "m = ")
    found = {"file": project.conf_shown, "line": line, "code": "matcher-backtracking"} in [
        {k: w[k] for k in ("file", "line", "code")} for w in warnings]
    assert found == named


def test_deny_only_effect_warning_names_the_effect_not_the_matcher(tmp_path: Path) -> None:
    """A deny-only effect with the usual matcher: the warning says why (every request allowed
    unless denied), not 'needs r.obj == p.obj', which the matcher has."""
    project = make_project(tmp_path)
    project.edit_conf("e = some(where (p.eft == allow)) && !some(where (p.eft == deny))",
                      "e = !some(where (p.eft == deny))")
    result = project.cli("validate", "--format", "json")
    assert result.exit_code == 0, result.stderr
    [warning] = json.loads(result.stdout)["warnings"]
    assert warning["code"] == "matcher-shape"
    assert "needs r.obj == p.obj" not in warning["message"]
    assert "no rule denies" in warning["message"]


def test_links_of_a_role_definition_without_domain_are_not_said_to_grant_nothing(
        tmp_path: Path) -> None:
    """``g = _, _, (_, _)``: a link holds in every domain, so with g(r.sub, p.sub, r.dom) its
    role grants its rules in each system (Casbin allows); no 'role-without-rules' warning."""
    project = make_project(tmp_path)
    project.edit_conf("g = _, _, _", "g = _, _, (_, _)")
    text = project.csv.read_text(encoding="utf-8")
    project.csv.write_text(re.sub(r"^(g, [^,]+, [^,]+), takuso$", r"\1, _, _", text,
                                  flags=re.MULTILINE), encoding="utf-8")
    assert {code for _, code in lints(project)} == set()
