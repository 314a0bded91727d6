"""Casbin constructs the engine must read exactly as pycasbin does, or refuse (issue 6, A and B).

Each accepted shape is checked against a plain ``casbin.Enforcer`` on the full request grid
(``_check_decisions``) and on the exposures it leads to; each refused one must name its file,
line and why, as an ``InputError`` (exit 2 in the CLI).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import yaml

import oracle
from accesssim.errors import InputError
from accesssim.model.provenance import Source
from strategies import SHIPPED_CONF, Generated, engine_exposures, engine_report, materialise
from test_casbin_equivalence import _check_decisions

MODEL = """
accesssim: 1
name: casbin semantics
organizations:
  - {id: nw, name: NW, kind: grid}
  - {id: retail, name: Retail, kind: retail}
people:
  - {id: clerk, org: retail}
  - {id: boss, org: retail}
locations:
  - {id: shop, owner: retail}
accounts:
  - {id: acc_clerk, holder: clerk, systems: [sys]}
  - {id: acc_boss, holder: boss, systems: [sys]}
terminals:
  - {id: pc, location: shop, owner: retail, assigned_to: [clerk, boss], systems: [sys]}
systems:
  - id: sys
    owner: nw
    fields: [{id: secret}, {id: other}]
    screens:
      - id: menu
        shows: [{field: secret, masking: clear}]
      - id: deep
        shows: [{field: other, masking: clear}]
casbin: {model: accesssim.conf, policy: policy.csv}
"""

SHIPPED = SHIPPED_CONF.read_text(encoding="utf-8")
SHIPPED_MATCHER = next(ln for ln in SHIPPED.splitlines() if ln.startswith("m = "))
#: The shipped matcher without domains in g().
NO_DOMAIN_MATCHER = SHIPPED_MATCHER.replace("g(r.sub, p.sub, r.dom)", "g(r.sub, p.sub)")


@dataclass
class _Raw(Generated):
    """A project whose policy file is written verbatim (commas in conditions, odd brackets)."""

    text: str = ""

    def csv_text(self) -> str:
        return self.text


def _raw(csv: str, *, roles: str = "g = _, _, _", matcher: str = SHIPPED_MATCHER,
         policy_def: str | None = None, model: str = MODEL) -> Generated:
    conf = SHIPPED.replace("g = _, _, _", roles).replace(SHIPPED_MATCHER, matcher)
    if policy_def is not None:
        conf = conf.replace("p = sub, dom, obj, act, eft, mode, valid_from, valid_until",
                            policy_def)
    return _Raw(yaml.safe_load(model), [], conf, csv.lstrip("\n"))


def _same_as_casbin(gen: Generated) -> None:
    """Decisions and exposures equal plain Casbin's, and Casbin really exposes something."""
    with materialise(gen) as project:
        truth = oracle.exposures(project)
        assert truth, "the fixture must expose something, or the comparison has no teeth"
        _check_decisions(project)
        assert engine_exposures(project) == truth


def _refused(gen: Generated) -> InputError:
    with pytest.raises(InputError) as info, materialise(gen):
        pass
    return info.value


# -- A1: role definitions with condition columns ----------------------------------------------

def test_conditional_roles_without_domain_are_read_as_casbin_reads_them() -> None:
    """``g = _, _, (_, _)``: ``g, acc, admin, _, _`` is an unconditional link (no domain '_')."""
    gen = _raw("p, admin, sys, menu, open, allow, *, *, *\ng, acc_clerk, admin, _, _\n",
               roles="g = _, _, (_, _)", matcher=NO_DOMAIN_MATCHER)
    _same_as_casbin(gen)
    with materialise(gen) as project:
        assert ("clerk", "secret") in {(p, f) for p, f, _ in oracle.exposures(project)}


def test_conditional_roles_with_domain_are_read_as_casbin_reads_them() -> None:
    """``g = _, _, _, (_, _)``: the domain is the third column, the conditions follow."""
    _same_as_casbin(_raw("p, admin, sys, menu, open, allow, *, *, *\n"
                         "g, acc_clerk, admin, sys, _, _\ng, acc_boss, admin, other, _, _\n",
                         roles="g = _, _, _, (_, _)"))


@pytest.mark.parametrize(("roles", "matcher", "dom"), [
    ("g = _, _, (_, _)", NO_DOMAIN_MATCHER, ""),
    ("g = _, _, _, (_, _)", SHIPPED_MATCHER, " sys,"),
])
def test_conditional_role_manager_follows_one_link_more(roles: str, matcher: str,
                                                        dom: str) -> None:
    """pycasbin's conditional role manager follows 10 links (the plain one 9): so must we."""
    chain = "".join(f"g, {a}, {b},{dom} _, _\n" for a, b in
                    zip(["acc_clerk", *(f"r{i}" for i in range(1, 11))],
                        [f"r{i}" for i in range(1, 12)], strict=True))
    csv = ("p, r10, sys, menu, open, allow, *, *, *\np, r11, sys, deep, open, allow, *, *, *\n"
           + chain)
    gen = _raw(csv, roles=roles, matcher=matcher)
    _same_as_casbin(gen)
    with materialise(gen) as project:
        seen = {(p, f) for p, f, _ in oracle.exposures(project)}
        assert ("clerk", "secret") in seen and ("clerk", "other") not in seen


@pytest.mark.parametrize("conditions", ["2020-01-01 00:00:00, 2030-01-01 00:00:00",
                                        "_, 2030-01-01 00:00:00", "yes, _"])
def test_link_with_a_run_time_condition_is_refused_at_its_line(conditions: str) -> None:
    """A condition only a function registered at run time can judge: refused, line named."""
    error = _refused(_raw(f"p, admin, sys, menu, open, allow, *, *, *\n"
                          f"g, acc_clerk, admin, _, _\ng, acc_boss, admin, {conditions}\n",
                          roles="g = _, _, (_, _)", matcher=NO_DOMAIN_MATCHER))
    assert [(p.file, p.line) for p in error.problems] == [("policy.csv", 3)]
    assert "condition" in error.problems[0].message
    assert "registers at run time" in error.problems[0].message


def test_conditional_next_to_plain_role_definition_is_refused() -> None:
    """pycasbin 2.8 then reads every plain ``g()`` as mere equality: refused, conf line named."""
    gen = _raw("p, admin, sys, menu, open, allow, *, *, *\ng, acc_clerk, admin, sys\n",
               roles="g = _, _, _\ng2 = _, _, (_, _)")
    error = _refused(gen)
    assert [p.file for p in error.problems] == ["accesssim.conf"]
    assert error.problems[0].line == gen.conf.splitlines().index("g2 = _, _, (_, _)") + 1


# -- A3: patterns in role links ---------------------------------------------------------------

@pytest.mark.parametrize("link", ["g, acc_*, admin, sys", "g, acc_clerk, admin, *",
                                  "g, acc_clerk, adm*, sys", "g, acc_clerk, admin, sys_{x}",
                                  "g, /acc/:id, admin, sys", "g, acc_?, admin, sys"])
def test_pattern_in_a_role_link_is_refused_at_its_line(link: str) -> None:
    """Plain Casbin reads ``*`` literally, a system with a matching function as a pattern."""
    error = _refused(_raw(f"p, admin, sys, menu, open, allow, *, *, *\n{link}\n"))
    assert [(p.file, p.line) for p in error.problems] == [("policy.csv", 2)]
    assert "pattern" in error.problems[0].message


@pytest.mark.parametrize("subject", ["adm*", "admin_?", "role:admin", "admin{1}"])
def test_pattern_in_a_rule_subject_passed_to_g_is_refused_at_its_line(subject: str) -> None:
    """g(r.sub, p.sub, r.dom) asks the role manager about p.sub: a pattern there matches many
    roles once a role matching function is registered; refused like one in a g line."""
    error = _refused(_raw(f"g, acc_clerk, admin, sys\n"
                          f"p, {subject}, sys, menu, open, allow, *, *, *\n"))
    assert [(p.file, p.line) for p in error.problems] == [("policy.csv", 2)]
    assert "pattern" in error.problems[0].message


# -- A4: every g line of a chain is cited ------------------------------------------------------

def test_hop_cites_every_g_line_of_the_chain_and_the_rule() -> None:
    """acc_clerk -> team -> admin -> p rule: the allow hop cites lines 2, 3 and 1."""
    gen = _raw("p, admin, sys, menu, open, allow, *, *, *\ng, acc_clerk, team, sys\n"
               "g, team, admin, sys\n")
    wanted = {Source("policy.csv", n) for n in (1, 2, 3)}
    with materialise(gen) as project:
        report = engine_report(project)
        hops = [h for f in report.findings for h in f.witness if "open menu screen" in h.text]
        assert hops and all(wanted <= set(h.sources) for h in hops)
        from accesssim.engine import Analyzer
        analyzer = Analyzer(project.loaded, project.policy, modes=["normal"])
        ways = analyzer.explain("clerk", "secret").ways
        hops = [h for w in ways for h in w.hops if "open menu screen" in h.text]
        assert hops and all(wanted <= set(h.sources) for h in hops)


@pytest.mark.parametrize("rule", [
    "p, admin, sys, menu, open, allow, disaster, 2030-01-01, 2030-02-01",
    "p, admin, sys, menu, open, allow, *, *, 2001-01-01"])
def test_hop_cites_the_rule_when_the_matcher_ignores_its_mode_and_dates(rule: str) -> None:
    """The matcher reads no mode or date column: the rule grants at every mode and date, and
    each allow hop cites it (it cited only the .conf, the root cause 'policy lets ?' line 0)."""
    matcher = "m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act"
    gen = _raw(f"{rule}\ng, acc_clerk, admin, sys\n", matcher=matcher)
    _same_as_casbin(gen)
    wanted = {Source("policy.csv", 1), Source("policy.csv", 2)}
    with materialise(gen) as project:
        report = engine_report(project)
        hops = [h for f in report.findings for h in f.witness if "open menu screen" in h.text]
        assert hops and all(wanted <= set(h.sources) for h in hops)
        assert all(d.source.line > 0 for f in report.findings for d in f.defects)


def test_hop_cites_the_rule_when_subjects_are_grouped_by_g2() -> None:
    """A matcher that links subjects with g2 only: each allow hop still cites its p line
    (found by asking Casbin rule by rule), never 'policy lets ?' at line 0."""
    gen = _raw("p, admin, sys, menu, open, allow, *, *, *\ng2, acc_clerk, admin\n",
               roles="g = _, _, _\ng2 = _, _",
               matcher=SHIPPED_MATCHER.replace("g(r.sub, p.sub, r.dom)", "g2(r.sub, p.sub)"))
    _same_as_casbin(gen)
    with materialise(gen) as project:
        report = engine_report(project)
        hops = [h for f in report.findings for h in f.witness if "open menu screen" in h.text]
        assert hops and all(Source("policy.csv", 1) in h.sources for h in hops)
        assert all(d.source.line > 0 for f in report.findings for d in f.defects)


@pytest.mark.parametrize("literal", ['"("', "'('", '")"', '"(("', "'f(x'"])
def test_bracket_in_a_string_literal_hides_no_top_level_or(literal: str) -> None:
    """``... && r.act != "(" || r.sub == "acc_boss"``: the || is top-level (Casbin lets
    acc_boss open everything); a bracket inside a string must not make it look nested."""
    _same_as_casbin(_raw("p, admin, sys, deep, open, allow, *, *, *\ng, acc_clerk, admin, sys\n",
                         matcher=f'{SHIPPED_MATCHER} && r.act != {literal} || r.sub == "acc_boss"'))


@pytest.mark.parametrize("tail", [' or r.sub == "acc_boss"',
                                  ' if r.sub != "acc_boss" else True',
                                  ' and (r.act == "open" or r.sub == "acc_boss")'])
def test_python_keywords_in_the_matcher_are_read_as_casbin_reads_them(tail: str) -> None:
    """Casbin evaluates the matcher as Python: ``or`` and ``x if c else y`` are top-level
    alternatives as much as ``||`` (acc_boss may open everything), never a conjunct's text."""
    _same_as_casbin(_raw("p, admin, sys, deep, open, allow, *, *, *\ng, acc_clerk, admin, sys\n",
                         matcher=SHIPPED_MATCHER + tail))


@pytest.mark.xfail(strict=True, reason="chains are followed through g links only: a subject "
                   "linked by g2 (or another role definition) is cited without its g2 lines")
def test_hop_cites_the_g2_line_a_grant_rests_on() -> None:
    """A4 for other role definitions: the allow hop rests on 'g2, acc_clerk, admin' too."""
    gen = _raw("p, admin, sys, menu, open, allow, *, *, *\ng2, acc_clerk, admin\n",
               roles="g = _, _, _\ng2 = _, _",
               matcher=SHIPPED_MATCHER.replace("g(r.sub, p.sub, r.dom)", "g2(r.sub, p.sub)"))
    with materialise(gen) as project:
        report = engine_report(project)
        hops = [h for f in report.findings for h in f.witness if "open menu screen" in h.text]
        assert hops and all(Source("policy.csv", 2) in h.sources for h in hops)


# -- B5, B6, B7 --------------------------------------------------------------------------------

def test_g_line_written_twice_is_accepted_as_casbin_does() -> None:
    """Casbin keeps both copies of a repeated g line; the result is the same as with one."""
    _same_as_casbin(_raw("p, admin, sys, menu, open, allow, *, *, *\n"
                         "g, acc_clerk, admin, sys\ng, acc_clerk, admin, sys\n"))


@pytest.mark.parametrize(("roles", "policy_def", "extra", "matcher"), [
    ("g = _, _, _\ng2 = _, _", None, "g2, acc_clerk, admin\n",
     SHIPPED_MATCHER.replace("g(r.sub, p.sub, r.dom)", "g2(r.sub, p.sub)")),
    ("g = _, _, _\ng2 = _, _", None, "g, acc_clerk, admin, sys\n",
     SHIPPED_MATCHER.replace("g(r.sub, p.sub, r.dom)",
                             'g(r.sub, p.sub, r.dom) && !g2(r.sub, "x")')),
    ("g = _, _, _", "p = sub, dom, obj, act, eft, mode, valid_from, valid_until\np2 = sub, obj",
     "g, acc_clerk, admin, sys\np2, acc_boss, menu\n", SHIPPED_MATCHER),
])
def test_second_definition_of_a_section_is_loaded_as_casbin_loads_it(
        roles: str, policy_def: str | None, extra: str, matcher: str) -> None:
    """g2 and p2 count as Casbin counts them (pycasbin 2.8's FastModel keeps only g and p)."""
    _same_as_casbin(_raw("p, admin, sys, menu, open, allow, *, *, *\n" + extra,
                         roles=roles, matcher=matcher, policy_def=policy_def))


def test_trial_request_uses_values_the_model_has() -> None:
    """An ipMatch policy whose first rule names a range loads: the trial asks a real account."""
    model = MODEL.replace("acc_clerk", "192.168.2.10").replace("acc_boss", "10.0.0.1")
    _same_as_casbin(_raw("p, 192.168.2.0/24, sys, menu, open, allow, *, *, *\n",
                         model=model,
                         matcher=SHIPPED_MATCHER.replace("g(r.sub, p.sub, r.dom)",
                                                         "ipMatch(r.sub, p.sub)")))


@pytest.mark.parametrize("line", ["p, admin), sys, menu, open, allow, *, *, *",
                                  "p, admin, sys, menu], open, allow, *, *, *"])
def test_unbalanced_bracket_in_a_policy_line_is_refused_at_its_line(line: str) -> None:
    """Casbin's tokenizer crashes on a closing bracket it did not open: refuse with the line."""
    error = _refused(_raw(f"g, acc_clerk, admin, sys\n{line}\n"))
    assert [(p.file, p.line) for p in error.problems] == [("policy.csv", 2)]
    assert "unbalanced" in error.problems[0].message


def test_unclosed_bracket_in_a_last_field_is_read_as_casbin_reads_it() -> None:
    """An opening bracket with no comma after it does not change Casbin's fields: accepted."""
    csv = ("p, admin, sys, menu, open, allow, *, *, *, r.obj == 'menu' or r.obj == '('\n"
           "g, acc_clerk, admin, sys\n")
    _same_as_casbin(_raw(csv, matcher=EVAL_MATCHER, policy_def=COND))


# -- A2: every use of r.date is recognised or refused -----------------------------------------

DATED = ("p, admin, sys, menu, open, allow, *, 2021-01-01, 2022-06-30\n"
         "p, admin, sys, deep, open, allow, *, *, 2021-12-31\n"
         "g, acc_clerk, admin, sys\n")


@pytest.mark.parametrize("matcher", [
    SHIPPED_MATCHER.replace("p.valid_from <= r.date", "(p.valid_from) <= (r.date)"),
    SHIPPED_MATCHER.replace("p.valid_from <= r.date", "r.date >= p.valid_from")
    .replace("r.date <= p.valid_until", "((p.valid_until >= r.date))"),
])
def test_recognised_date_comparisons_in_other_spellings(matcher: str) -> None:
    """Parentheses and either operand order: still cut at every rule's dates, as Casbin."""
    assert matcher != SHIPPED_MATCHER
    gen = _raw(DATED, matcher=matcher)
    _same_as_casbin(gen)
    with materialise(gen) as project:
        starts = {sl.epoch.start for sl in oracle.slices_of(project)}
        assert {dt.date(2021, 1, 1), dt.date(2022, 1, 1), dt.date(2022, 7, 1)} <= starts


RENAMED = "p = sub, dom, obj, act, eft, mode, start, end"
COND = "p = sub, dom, obj, act, eft, mode, valid_from, valid_until, cond"
EVAL_MATCHER = SHIPPED_MATCHER + " && eval(p.cond)"


@pytest.mark.parametrize(("matcher", "policy_def", "why"), [
    (SHIPPED_MATCHER.replace('(p.valid_from == "*" || p.valid_from <= r.date)',
                             '(p.start == "*" || (p.start) <= (r.date))')
     .replace('(p.valid_until == "*" || r.date <= p.valid_until)', "1 == 1"), RENAMED, "p.start"),
    (SHIPPED_MATCHER.replace("p.valid_from <= r.date", "p.valid_from < r.date"), None, "<"),
    (SHIPPED_MATCHER + ' && timeMatch("2020-01-01 00:00:00", "_")', None, "timeMatch"),
    (SHIPPED_MATCHER + ' && keyMatch(r.date, "20*")', None, "r.date"),
    (SHIPPED_MATCHER + ' && r.date != r.mode', None, "r.date"),
    (SHIPPED_MATCHER + ' && (r.date) >= "2021-06"', None, "2021-06"),
    (SHIPPED_MATCHER + ' && r.date in "2021-06-01 2021-06-02"', None, "r.date"),
    (SHIPPED_MATCHER + ' && "2020-01-01" <= r.date <= "2030-01-01"', None, "r.date"),
])
def test_unrecognised_date_use_in_the_matcher_is_refused(matcher: str, policy_def: str | None,
                                                         why: str) -> None:
    """Any r.date use the slicer cannot cut time at exactly is refused, citing the matcher."""
    gen = _raw(DATED.replace("2021-01-01", "*") if policy_def == RENAMED else DATED,
               matcher=matcher, **({"policy_def": policy_def} if policy_def else {}))
    error = _refused(gen)
    line = next(n for n, ln in enumerate(gen.conf.splitlines(), start=1) if ln.startswith("m ="))
    assert ("accesssim.conf", line) in [(p.file, p.line) for p in error.problems]
    assert any(why in p.message for p in error.problems), error


@pytest.mark.parametrize("condition", ["r.date >= '2023-06'", "r.date[0:4] == '2023'",
                                       "timeMatch('2020-01-01 00:00:00', '_')",
                                       "r.date > p.valid_from"])
def test_unrecognised_date_use_in_an_eval_condition_is_refused(condition: str) -> None:
    """Conditions run by eval() are matcher text too: the policy line is cited."""
    csv = ("p, admin, sys, deep, open, allow, *, *, *, 1 == 1\n"
           f"p, admin, sys, menu, open, allow, *, *, *, {condition}\ng, acc_clerk, admin, sys\n")
    error = _refused(_raw(csv, matcher=EVAL_MATCHER, policy_def=COND))
    assert ("policy.csv", 2) in [(p.file, p.line) for p in error.problems], error


def test_full_date_in_an_eval_condition_is_cut_at() -> None:
    """``r.date >= '2023-06-01'`` in a condition: accepted, time cut there, Casbin's answers."""
    csv = ("p, admin, sys, menu, open, allow, *, *, *, r.date >= '2023-06-01'\n"
           "g, acc_clerk, admin, sys\n")
    gen = _raw(csv, matcher=EVAL_MATCHER, policy_def=COND)
    _same_as_casbin(gen)
    with materialise(gen) as project:
        assert dt.date(2023, 6, 1) in {sl.epoch.start for sl in oracle.slices_of(project)}
