"""The Casbin loader (policy/load.py) and the trust boundary (time/boundary.py).

Error paths go through the CLI: exit 2, the Casbin file and line named, no output file.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import casbin
import pytest

import accesssim.policy.load as policy_module
from accesssim.errors import InputError
from accesssim.model.loader import load_model
from accesssim.policy.load import LoadedPolicy, load_policy
from accesssim.policy.matcher import matcher_shape
from accesssim.policy.rules import RowsAdapter, read_policy_csv
from accesssim.time.boundary import Boundary
from helpers import Project, assert_error, line_of, make_project, small_model

MENU_RULE = "p, retail_user, takuso, menu, open, allow, *, *, *"
MATCHER = "m = g(r.sub, p.sub, r.dom)"
REQUEST = "r = sub, dom, obj, act, mode, date"


def _load(project: Project) -> LoadedPolicy:
    loaded = load_model(project.model, project.root)
    return load_policy(loaded.casbin_model_path, loaded.casbin_policy_path,
                       project.conf_shown, project.csv_shown, list(loaded.model.modes))


# -- error paths through the CLI ---------------------------------------------------------------

Mutation = Callable[[Project], None]


def _bom(p: Project) -> None:
    p.csv.write_bytes(b"\xef\xbb\xbf" + p.csv.read_bytes())


def _drop_section(name: str, key: str) -> Mutation:
    def mutate(p: Project) -> None:
        text = p.conf.read_text(encoding="utf-8")
        kept = [ln for ln in text.splitlines()
                if ln.strip() != f"[{name}]" and not ln.startswith(f"{key} =")]
        p.conf.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return mutate


def _not_a_model(p: Project) -> None:
    p.conf.write_text("hello world\n", encoding="utf-8")


def _append_conf(text: str) -> Mutation:
    return lambda p: p.conf.write_text(p.conf.read_text(encoding="utf-8") + text,
                                       encoding="utf-8")


def _rule(new: str) -> Mutation:
    return lambda p: p.edit_csv(MENU_RULE, new)


# case: (mutation, which file is cited ("conf"/"csv"), text of the cited line or None, problem)
CASBIN_ERRORS: dict[str, tuple[Mutation, str, str | None, str]] = {
    "conf-missing-effect-section": (
        _drop_section("policy_effect", "e"), "conf", None, "missing [policy_effect] section"),
    "conf-missing-matchers-section": (
        _drop_section("matchers", "m"), "conf", None, "missing [matchers] section"),
    "conf-not-a-casbin-model": (_not_a_model, "conf", "hello world", "broken Casbin model"),
    # Casbin keeps only the last of a key written twice; the tool would cite the first.
    "conf-request-defined-twice": (
        lambda p: p.edit_conf(REQUEST, REQUEST + "\nr = sub, dom, obj, act, date, mode"),
        "conf", "r = sub, dom, obj, act, date, mode", "r defined twice, first at line"),
    "conf-matchers-section-repeated": (
        _append_conf("\n[matchers]\nm = g(r.sub, p.sub, r.dom) && r.obj == p.obj\n"),
        "conf", "m = g(r.sub, p.sub, r.dom) && r.obj", "Casbin keeps only the last"),
    # What Casbin's reader accepts and then never reads.
    "conf-unknown-section": (
        lambda p: p.edit_conf("[policy_effect]", "[policy_effects]"),
        "conf", "[policy_effects]", "unknown section [policy_effects]"),
    "conf-key-in-the-wrong-section": (
        lambda p: p.edit_conf("e = some", "m = some"), "conf", "m = some(where",
        "key 'm' in [policy_effect] is never read"),
    "conf-key-outside-any-section": (
        lambda p: p.conf.write_text("x = 1\n" + p.conf.read_text(encoding="utf-8"),
                                    encoding="utf-8"),
        "conf", "x = 1", "'x' is outside any section"),
    "conf-key-after-a-gap": (
        lambda p: p.edit_conf("g = _, _, _", "g = _, _, _\ng3 = _, _"),
        "conf", "g3 = _, _", "g3 without g2"),
    "conf-empty-value": (
        lambda p: p.edit_conf(REQUEST, "r =  "), "conf", "r =  ", "r has an empty value"),
    # Casbin compares the effect text exactly: the same words without spaces are unknown.
    "conf-unsupported-effect": (
        lambda p: p.edit_conf("e = some(where (p.eft == allow)) && !some(where (p.eft == deny))",
                              "e = some(where(p.eft==allow))"),
        "conf", "e = some(where(p.eft==allow))",
        "unsupported policy effect 'some(where(p.eft==allow))': Casbin implements only these, "
        "written exactly so: some(where (p.eft == allow)); !some(where (p.eft == deny));"),
    "matcher-undefined-function": (
        lambda p: p.edit_conf(MATCHER, "m = nosuchfn(r.sub) && g(r.sub, p.sub, r.dom)"),
        "conf", "m = nosuchfn", "unknown function 'nosuchfn'"),
    "matcher-unknown-request-attribute": (
        lambda p: p.edit_conf(MATCHER, "m = r.ip == p.sub && g(r.sub, p.sub, r.dom)"),
        "conf", "m = r.ip", "uses r.ip, which the request definition does not define"),
    "matcher-syntax-error": (
        lambda p: p.edit_conf(MATCHER, "m = (g(r.sub, p.sub, r.dom)"),
        "conf", "m = (g(r.sub", "fails to evaluate"),
    "request-token-engine-cannot-fill": (
        lambda p: p.edit_conf(REQUEST, REQUEST + ", ip"),
        "conf", REQUEST + ", ip", "request token 'ip'"),
    "request-lacks-act": (
        lambda p: p.edit_conf(REQUEST, "r = sub, dom, obj, mode, date"),
        "conf", "r = sub, dom, obj, mode, date", "lacks 'act'"),
    "policy-utf8-bom": (_bom, "csv", "# Kansai shared takuso", "BOM"),
    "policy-unknown-ptype": (
        _rule(MENU_RULE.replace("p,", "q,", 1)), "csv", "q, retail_user", "unknown ptype 'q'"),
    "policy-p-field-count": (
        _rule("p, retail_user, takuso, menu, open, allow, *, *"), "csv",
        "p, retail_user, takuso, menu, open, allow, *, *", "needs 8 fields, this line has 7"),
    "policy-g-field-count": (
        lambda p: p.edit_csv("g, acc_kep_sales, retail_user, takuso",
                             "g, acc_kep_sales, retail_user"),
        "csv", "g, acc_kep_sales, retail_user", "g needs 3 fields"),
    "policy-empty-field": (
        _rule("p, retail_user, , menu, open, allow, *, *, *"), "csv",
        "p, retail_user, , menu", "empty field"),
    "policy-bad-eft": (
        _rule(MENU_RULE.replace("allow", "permit")), "csv", "open, permit", "eft must be"),
    "policy-unknown-mode": (
        _rule("p, retail_user, takuso, menu, open, allow, weekend, *, *"), "csv",
        "allow, weekend", "unknown mode 'weekend'"),
    "policy-bad-date": (
        _rule("p, retail_user, takuso, menu, open, allow, *, 2022-13-01, *"), "csv",
        "2022-13-01", "valid_from '2022-13-01' is not a date"),
    # Python 3.11 accepts these ISO forms, but Casbin compares dates as strings, so only
    # YYYY-MM-DD orders correctly; anything else silently changes decisions.
    "policy-date-basic-iso-format": (
        _rule("p, retail_user, takuso, menu, open, allow, *, *, 20300101"), "csv",
        "20300101", "valid_until '20300101' is not a date"),
    "policy-date-iso-week-format": (
        _rule("p, retail_user, takuso, menu, open, allow, *, 2022-W01-1, *"), "csv",
        "2022-W01-1", "is not a date"),
}


@pytest.mark.parametrize("case", sorted(CASBIN_ERRORS))
def test_bad_casbin_files_exit_2_citing_file_and_line(tmp_path: Path, case: str) -> None:
    """Each bad Casbin input: exit 2, 'file:line' (or the file) and the problem, no -o file."""
    project = make_project(tmp_path)
    mutate, which, cited, problem = CASBIN_ERRORS[case]
    mutate(project)
    path, shown = ((project.conf, project.conf_shown) if which == "conf"
                   else (project.csv, project.csv_shown))
    where = f"{shown}:{line_of(path, cited)}:" if cited else f"{shown}:"
    out = tmp_path / "report.txt"
    assert_error(project.cli("analyze", "-o", str(out)), where, problem)
    assert not out.exists()
    result = project.cli("validate")
    assert_error(result, where, problem)
    assert str(tmp_path) not in result.stderr  # display paths only


def test_matcher_failing_only_on_some_requests_is_caught(tmp_path: Path) -> None:
    """A matcher error hidden behind || for the trial request still exits 2 citing the matcher."""
    project = make_project(tmp_path)
    project.edit_conf(MATCHER, 'm = (r.obj == "menu" || nosuchfn(r.sub)) && g(r.sub, p.sub, r.dom)')
    where = f"{project.conf_shown}:{line_of(project.conf, 'nosuchfn')}"
    out = tmp_path / "report.json"
    assert_error(project.cli("analyze", "-o", str(out)), where, "nosuchfn")
    assert not out.exists()
    assert_error(project.cli("validate"), where, "nosuchfn")


def test_duplicate_rule_is_accepted_or_cited_by_line(tmp_path: Path) -> None:
    """Casbin drops a repeated p line silently: the tool must accept it or cite that line."""
    project = make_project(tmp_path)
    project.append_csv(MENU_RULE)
    result = project.cli("validate")
    if result.exit_code != 0:
        assert_error(result, f"{project.csv_shown}:{line_of(project.csv, MENU_RULE, 2)}:")


def test_validate_reports_every_policy_problem_at_once(tmp_path: Path) -> None:
    """Several bad policy lines (BOM, ptype, eft, count, date) are all reported, each located."""
    project = make_project(tmp_path)
    _bom(project)
    project.edit_csv(MENU_RULE, MENU_RULE.replace("allow", "permit"))
    project.edit_csv("p, retail_user, takuso, customer_search, open, allow, *, *, *",
                     "x, retail_user, takuso, customer_search, open, allow, *, *, *")
    project.edit_csv("p, retail_user, takuso, contract_detail, open, allow, *, *, *",
                     "p, retail_user, takuso, contract_detail, open, allow, *, 2022-02-30, *")
    project.append_csv("g, acc_kep_sales, retail_user")
    csv, shown = project.csv, project.csv_shown
    assert_error(project.cli("validate"),
                 f"{shown}:1: file starts with a UTF-8 BOM",
                 f"{shown}:{line_of(csv, 'permit')}: eft must be",
                 f"{shown}:{line_of(csv, 'x, retail_user')}: unknown ptype 'x'",
                 f"{shown}:{line_of(csv, '2022-02-30')}: valid_from '2022-02-30'",
                 f"{shown}:{line_of(csv, 'g, acc_kep_sales, retail_user', 2)}: g needs 3",
                 "5 problem(s)")


# -- matcher shape -----------------------------------------------------------------------------

SHIPPED = ("g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act && "
           '(p.mode == "*" || p.mode == r.mode)')


def test_shipped_matcher_shape_is_understood() -> None:
    """The documented matcher: obj, dom and act equality and a domain g() are recognised."""
    shape = matcher_shape(SHIPPED)
    assert (shape.obj_equal, shape.dom_equal, shape.act_equal, shape.g_arity) == (
        True, True, True, 3)
    assert shape.understood


def test_matcher_shape_reads_casbin_stored_form() -> None:
    """Casbin stores ``r.x`` as ``r_x``; the shape is the same either way."""
    assert matcher_shape(SHIPPED.replace("r.", "r_").replace("p.", "p_")) == matcher_shape(
        SHIPPED)


@pytest.mark.parametrize(("matcher", "understood"), [
    ("g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act", True),
    ("p.obj == r.obj && g(r.sub, p.sub)", True),
    ("(g(r.sub, p.sub) && r.obj == p.obj)", True),
    ("g(r.sub, p.sub, r.dom) && r.act == p.act", False),
    ("r.sub == p.sub && r.obj == p.obj", False),
    ("g(r.sub, p.sub) && r.obj == p.obj || r.sub == \"root\"", False),
    ("g(r.sub, p.sub) && (r.obj == p.obj || keyMatch(r.obj, p.obj))", False),
])
def test_matcher_shape_only_trusts_top_level_conjuncts(matcher: str, understood: bool) -> None:
    """The engine's shortcut is only used when obj equality and g() are top-level && terms."""
    assert matcher_shape(matcher).understood is understood


def test_deny_only_effect_is_not_understood() -> None:
    """A deny-only effect allows by default, so the allow-rule shortcut must be off."""
    shape = matcher_shape("g(r.sub, p.sub) && r.obj == p.obj", "!some(where (p.eft == deny))")
    assert not shape.allow_needed and not shape.understood


def test_unrecognised_matcher_gives_a_warning_citing_it(tmp_path: Path) -> None:
    """A matcher outside the fast shape still loads, with a warning naming conf:line."""
    project = make_project(tmp_path)
    project.edit_conf("&& r.dom == p.dom && r.obj == p.obj &&",
                      "&& (r.dom == p.dom || r.dom == \"*\") && keyMatch(r.obj, p.obj) &&")
    policy = _load(project)
    assert not policy.shape.understood
    assert policy.warnings == [w for w in policy.warnings
                               if str(w).startswith(f"{project.conf_shown}:{policy.matcher_line}:")]
    assert len(policy.warnings) == 1
    assert policy.matcher_line == line_of(project.conf, "m = ")


# -- rules and their lines ---------------------------------------------------------------------


def test_rules_keep_their_csv_line(tmp_path: Path) -> None:
    """Every p and g rule remembers the CSV line it was read from; comments are skipped."""
    project = make_project(tmp_path)
    policy = _load(project)
    lines = project.csv.read_text(encoding="utf-8").splitlines()
    assert len(policy.rules) == sum(1 for ln in lines if ln.startswith("p,"))
    assert len(policy.groupings) == sum(1 for ln in lines if ln.startswith("g,"))
    for rule in [*policy.rules, *policy.groupings]:
        written = [t.strip() for t in lines[rule.line - 1].split(",")]
        assert written == [rule.ptype, *rule.values]


def test_read_policy_csv_lines_with_blank_lines_and_crlf(tmp_path: Path) -> None:
    """Blank lines, comments and CRLF endings do not shift the recorded line numbers."""
    path = tmp_path / "p.csv"
    path.write_bytes(b"# c\r\n\r\np, a, d, o, open\r\n\r\n# c\r\ng, u, a\r\np, b, d, o, open\r\n")
    rules, groupings = read_policy_csv(path, "p.csv", {"p": 4, "g": 2},
                                       ("sub", "dom", "obj", "act"), ["normal"])
    assert [(r.values[0], r.line) for r in rules] == [("a", 3), ("b", 7)]
    assert [(g.values, g.line) for g in groupings] == [(("u", "a"), 6)]


def test_read_policy_csv_collects_problems_with_lines(tmp_path: Path) -> None:
    """read_policy_csv raises one InputError listing every bad line, in line order."""
    path = tmp_path / "p.csv"
    path.write_text("p, a, d, o\nz, a, b\np, a, d, o, open, extra\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_policy_csv(path, "p.csv", {"p": 4, "g": 2}, ("sub", "dom", "obj", "act"),
                        ["normal"])
    assert [(p.file, p.line) for p in info.value.problems] == [
        ("p.csv", 1), ("p.csv", 2), ("p.csv", 3)]


def test_silent_drop_is_detected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If Casbin keeps fewer rules than the CSV has, loading refuses instead of analysing."""

    class DroppingAdapter(RowsAdapter):
        """The adapter the engine hands Casbin its rows with, losing the first rule."""

        def load_policy(self, model: Any) -> None:
            super().load_policy(model)
            model["p"]["p"].policy.remove(next(iter(model["p"]["p"].policy)))

    project = make_project(tmp_path)
    monkeypatch.setattr(policy_module, "RowsAdapter", DroppingAdapter)
    with pytest.raises(InputError, match="dropped silently") as info:
        _load(project)
    # The lost line is named: one problem, at a p line of the CSV.
    assert [p.file for p in info.value.problems] == [project.csv_shown]
    cited = project.csv.read_text(encoding="utf-8").splitlines()[info.value.problems[0].line - 1]
    assert cited.startswith("p, ")


def test_g_line_written_twice_is_accepted(tmp_path: Path) -> None:
    """Casbin keeps a repeated g line (no decision changes): no false 'dropped' refusal."""
    project = make_project(tmp_path)
    project.append_csv("g, acc_kep_sales, retail_user, takuso")
    result = project.cli("validate")
    assert result.exit_code == 0, result.stderr


def test_obj_pattern_matcher_with_domain_equality_loads(tmp_path: Path) -> None:
    """keyMatch on obj with r.dom == p.dom is a valid model: it loads and is analysed."""
    project = make_project(tmp_path)
    project.edit_conf("&& r.obj == p.obj &&", "&& keyMatch(r.obj, p.obj) &&")
    result = project.cli("validate")
    assert result.exit_code == 0, result.stderr
    assert "matcher shape not recognised" in result.stdout
    assert project.cli("analyze").exit_code == 1


RBAC_CONF = """[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
"""


def test_plain_rbac_without_domains_is_analysed(tmp_path: Path) -> None:
    """Casbin's basic RBAC model (no domains, no modes, no dates) loads and is analysed."""
    project = make_project(tmp_path)
    project.conf.write_text(RBAC_CONF, encoding="utf-8")
    project.csv.write_text(
        "p, retail_user, menu, open\np, retail_user, customer_search, open\n"
        "p, retail_user, contract_detail, open\ng, acc_kep_sales, retail_user\n",
        encoding="utf-8")
    validated = project.cli("validate")
    assert validated.exit_code == 0, validated.stderr
    result = project.cli("analyze", "--format", "json")
    assert result.exit_code == 1, result.stderr
    types = set(json.loads(result.stdout)["summary"]["failure_types"])
    assert types == {"masking-defect", "unchecked-transition"}


@pytest.mark.parametrize("request_def", ["r = sub, obj, dom, act, mode, date",
                                         "r = date, mode, act, obj, dom, sub"])
def test_request_token_order_does_not_change_findings(tmp_path: Path, request_def: str) -> None:
    """Reordering the request definition (same matcher) gives the same findings."""
    project = make_project(tmp_path)
    before = project.cli("analyze", "--format", "json")
    assert before.exit_code == 1
    project.edit_conf(REQUEST, request_def)
    after = project.cli("analyze", "--format", "json")
    assert after.exit_code == 1, after.stdout + after.stderr
    ids = [f["id"] for f in json.loads(before.stdout)["findings"]]
    assert [f["id"] for f in json.loads(after.stdout)["findings"]] == ids


def test_request_follows_the_conf_token_order(tmp_path: Path) -> None:
    """The request vector is built in the .conf's own token order, and decisions still hold."""
    project = make_project(tmp_path)
    project.edit_conf(REQUEST, "r = date, mode, act, obj, dom, sub")
    policy = _load(project)
    day = dt.date(2022, 1, 1)
    assert policy.request("acc", "takuso", "menu", "open", "normal", day) == [
        "2022-01-01", "normal", "open", "menu", "takuso", "acc"]
    assert policy.enforce("acc_kep_sales", "takuso", "menu", "open", "normal", day)
    assert not policy.enforce("acc_kep_sales", "takuso", "switching_detail", "open", "normal", day)


@pytest.mark.parametrize("request_def", [REQUEST, "r = sub, obj, dom, act, mode, date"])
@pytest.mark.parametrize("scenario", ["kansai", "chubu", "reference"])
def test_enforce_equals_plain_casbin_on_the_full_grid(tmp_path: Path, scenario: str,
                                                      request_def: str) -> None:
    """The engine's enforcer answers exactly like a stock casbin.Enforcer on every request."""
    project = make_project(tmp_path, scenario)
    if request_def != REQUEST:
        project.edit_conf(REQUEST, request_def)
    policy = _load(project)
    model = load_model(project.model, project.root).model
    stock = casbin.Enforcer(str(project.conf), str(project.csv))
    order = [t.strip() for t in request_def.split("=")[1].split(",")]
    days = [dt.date(2000, 1, 1), dt.date(2016, 3, 31), dt.date(2016, 4, 1), dt.date(2023, 1, 1)]
    subjects = [a.id for a in model.accounts] + sorted({g.values[1] for g in policy.groupings})
    for system in model.systems:
        objects = [("open", s.id) for s in system.screens] + [
            ("unmask", f.id) for f in system.fields]
        for sub, (act, obj), mode, day in itertools.product(subjects, objects, model.modes, days):
            values = {"sub": sub, "dom": system.id, "obj": obj, "act": act, "mode": mode,
                      "date": day.isoformat()}
            expected = stock.enforce(*(values[t] for t in order))
            assert policy.enforce(sub, system.id, obj, act, mode, day) == expected, (
                sub, system.id, obj, act, mode, day)


# -- the trust boundary (boundary.py) ----------------------------------------------------------


def _trusted(boundary: Boundary, person: str, field: str, mode: str = "normal",
             day: dt.date = dt.date(2022, 6, 1)) -> bool:
    return boundary.trusted(boundary.people[person], field, mode, day)


def test_owner_and_its_contractors_are_trusted() -> None:
    """By default the system owner and its own contractors see every field; others do not."""
    boundary = Boundary(small_model())
    for field in ("name", "phone", "own"):
        assert _trusted(boundary, "grid_staff", field)
        assert _trusted(boundary, "grid_crew", field)
        assert not _trusted(boundary, "retail_cc", field)
        assert not _trusted(boundary, "official", field)
    assert not _trusted(boundary, "retail_staff", "name")
    assert boundary.core["sys"] == {"grid", "grid_contractor"}


def test_public_fields_and_concerns() -> None:
    """Public fields are open to all; a field that concerns an org is open to that org only."""
    boundary = Boundary(small_model())
    assert _trusted(boundary, "official", "tariff")
    assert _trusted(boundary, "retail_staff", "own")
    assert not _trusted(boundary, "retail_staff", "phone")
    assert not _trusted(boundary, "retail_cc", "own")


def test_grant_applies_only_in_its_modes() -> None:
    """A disaster-mode grant trusts the group in disaster mode and not in normal mode."""
    boundary = Boundary(small_model(trust=[{"orgs": ["retail"], "systems": ["sys"],
                                            "modes": ["disaster"]}]))
    assert _trusted(boundary, "retail_staff", "phone", "disaster")
    assert not _trusted(boundary, "retail_staff", "phone", "normal")
    assert not _trusted(boundary, "retail_cc", "phone", "disaster")


def test_grant_applies_only_in_its_dates() -> None:
    """A dated grant holds from its first to its last day, inclusive, and not around them."""
    boundary = Boundary(small_model(trust=[{
        "orgs": ["retail"], "systems": ["sys"],
        "valid": {"from": dt.date(2022, 1, 1), "until": dt.date(2022, 12, 31)}}]))
    assert not _trusted(boundary, "retail_staff", "name", day=dt.date(2021, 12, 31))
    assert _trusted(boundary, "retail_staff", "name", day=dt.date(2022, 1, 1))
    assert _trusted(boundary, "retail_staff", "name", day=dt.date(2022, 12, 31))
    assert not _trusted(boundary, "retail_staff", "name", day=dt.date(2023, 1, 1))


def test_grant_applies_only_to_its_fields_people_and_systems() -> None:
    """A grant names fields, people and systems; nothing outside them is trusted."""
    boundary = Boundary(small_model(
        people=[{"id": "responders", "org": "retail"}],
        trust=[{"people": ["responders"], "systems": ["sys"], "fields": ["phone"]},
               {"orgs": ["ministry"], "systems": ["other_system"]}]))
    assert _trusted(boundary, "responders", "phone")
    assert not _trusted(boundary, "responders", "name")
    assert not _trusted(boundary, "retail_staff", "phone")
    assert not _trusted(boundary, "official", "name")


def test_inside_needs_every_non_public_field() -> None:
    """inside() holds for the core, and for others only when every non-public field is granted."""
    boundary = Boundary(small_model(trust=[
        {"orgs": ["retail"], "systems": ["sys"], "modes": ["disaster"]},
        {"orgs": ["ministry"], "systems": ["sys"], "fields": ["name"]}]))
    day = dt.date(2022, 6, 1)
    assert boundary.inside("grid_crew", "sys", "normal", day)
    assert boundary.inside("retail_staff", "sys", "disaster", day)
    assert not boundary.inside("retail_staff", "sys", "normal", day)
    assert not boundary.inside("official", "sys", "normal", day)


def test_untrusted_headcount_counts_people_outside_the_default_boundary() -> None:
    """Head count outside the default boundary: retail 10, its contractor 5, the ministry 1."""
    assert Boundary(small_model()).untrusted_headcount() == 16
