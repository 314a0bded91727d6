"""Review findings: each test is a minimal reproduction of a confirmed engine or check bug.

Every model is tiny and written inline. Each test states the expected behaviour (from
docs/model-format.md, docs/expectations.md or the issues) and failed on the code it was
written against; those whose bug has since been fixed stay as regression tests.
"""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap
from itertools import pairwise
from pathlib import Path

from accesssim.engine import Project, analyze, analyzer, load_project
from accesssim.findings.results import Report
from accesssim.search.defects import FailureType
from accesssim.suite.suite import run_suite
from helpers import REPO, run

CONF = REPO / "policies" / "accesssim.conf"
MATCHER = "m = g(r.sub, p.sub, r.dom) &&"

HEAD = """\
accesssim: 1
name: review
modes: [normal]
organizations:
  - {id: nw, name: NW, kind: grid}
  - {id: rt, name: RT, kind: retail}
"""

#: One NW system with one screen ``s`` that shows ``f`` (masking ``%(masking)s``).
SYSTEM = """\
systems:
  - id: sys
    owner: nw
    fields: [{id: f}, {id: g}]
    screens:
      - id: s
        shows: [{field: f, masking: %(masking)s}]
casbin: {model: accesssim.conf, policy: policy.csv%(casbin_extra)s}
"""


def _write(tmp_path: Path, body: str, policy: str, *, masking: str = "clear",
           casbin_extra: str = "", conf: str | None = None, tail: str = "",
           drop: str = "") -> Path:
    model = (HEAD + textwrap.dedent(body)
             + SYSTEM % {"masking": masking, "casbin_extra": casbin_extra}
             + textwrap.dedent(tail))
    (tmp_path / "model.yaml").write_text(model, encoding="utf-8")
    (tmp_path / "policy.csv").write_text(textwrap.dedent(policy), encoding="utf-8")
    conf_text = CONF.read_text(encoding="utf-8")
    if conf is not None:
        assert MATCHER in conf_text
        conf_text = conf_text.replace(MATCHER, conf)
    if drop:
        assert drop in conf_text
        conf_text = conf_text.replace(drop, "")
    (tmp_path / "accesssim.conf").write_text(conf_text, encoding="utf-8")
    return tmp_path / "model.yaml"


def _project(tmp_path: Path, body: str, policy: str, **kwargs: str) -> Project:
    return load_project(_write(tmp_path, body, policy, **kwargs), tmp_path)


def _report(project: Project, at: dt.date | None = None) -> Report:
    return analyze(project, modes=["normal"], at=at)


def _roots(report: Report) -> list[set[str]]:
    return sorted(({d.element for d in f.defects} for f in report.findings), key=sorted)


# -- 1. finding ids ---------------------------------------------------------------------------

def test_finding_ids_are_unique_when_a_terminal_is_both_misdistributed_and_placed(
        tmp_path: Path) -> None:
    """One NW terminal, assigned to p1 and open where p2 works: two findings, one id.

    The id hashes only defect elements, and ``terminal:t`` is the element of both the
    misdistribution and the placement defect, so two different findings share ASIM-...
    """
    project = _project(tmp_path, """\
        people:
          - {id: p1, org: rt}
          - {id: p2, org: rt, locations: [office]}
        locations:
          - {id: office, owner: rt}
        accounts:
          - {id: a1, holder: p1, systems: [sys]}
          - {id: a2, holder: p2, systems: [sys]}
        terminals:
          - {id: t, location: office, owner: nw, open: true, assigned_to: [p1], systems: [sys]}
        """, """\
        p, rt_role, sys, s, open, allow, *, *, *
        g, a1, rt_role, sys
        g, a2, rt_role, sys
        """)
    report = _report(project)
    types = sorted(sorted(t.value for t in f.failure_types) for f in report.findings)
    assert types == [["masking-defect", "terminal-misdistribution"],
                     ["masking-defect", "terminal-placement"]]
    ids = [f.id for f in report.findings]
    assert len(set(ids)) == len(ids), f"duplicate finding ids: {ids}"


# -- 2./3. holder trusted for the field: explain vs run, and the per-class shortcut ----------

TRUSTED_HOLDER = """\
    trust:
      - {people: [holder_ok], systems: [sys], fields: [f]}
    people:
      - {id: holder_ok, org: rt}
      - {id: holder_no, org: rt}
      - {id: p, org: rt, locations: [office]}
    locations:
      - {id: office, owner: rt}
    accounts:
      - {id: %(no)s, holder: holder_no, systems: [sys]}
      - {id: b_ok, holder: holder_ok, systems: [sys]}
    terminals:
      - {id: t, location: office, owner: nw, open: true, systems: [sys], logged_in: [%(in)s]}
    """
TRUSTED_POLICY = """\
    p, rt_role, sys, s, open, allow, *, *, *
    g, %(no)s, rt_role, sys
    g, b_ok, rt_role, sys
    """


def test_explain_agrees_with_analyze_when_the_holder_is_trusted_for_the_field(
        tmp_path: Path) -> None:
    """p uses b_ok's open session on a placed NW terminal; b_ok's holder may see f.

    analyze strips the display defect (the holder is trusted for f): root {terminal:t}.
    explain does not (explain.py never calls _without_display_defects) and reports a
    masking defect that analyze does not.
    """
    project = _project(tmp_path, TRUSTED_HOLDER % {"no": "z_no", "in": "b_ok"},
                       TRUSTED_POLICY % {"no": "z_no"})
    assert _roots(_report(project)) == [{"terminal:t"}]
    ways = analyzer(project, modes=["normal"]).explain("p", "f").ways
    assert [{d.element for d in w.defects} for w in ways] == [{"terminal:t"}]


def test_root_cause_does_not_depend_on_which_session_account_sorts_first(
        tmp_path: Path) -> None:
    """Two sessions of same-class accounts on one placed NW terminal; one holder is trusted.

    Using b_ok's session, the only defect is the terminal. _search_person skips the second
    account of the same (class, outside, access defects) even though its holder's trust
    differs, so when the untrusted holder's account sorts first (a_no < b_ok) the minimal
    root {terminal:t} is lost and a masking defect is reported. Renaming a_no to z_no makes
    the report right: the output depends on account ids.
    """
    project = _project(tmp_path, TRUSTED_HOLDER % {"no": "a_no", "in": "a_no, b_ok"},
                       TRUSTED_POLICY % {"no": "a_no"})
    assert _roots(_report(project)) == [{"terminal:t"}]


# -- 4. a known credential hides the logged-in session ------------------------------------

def test_knowing_the_password_does_not_hide_the_open_session(tmp_path: Path) -> None:
    """The NW account is left logged in on a placed NW terminal; p also knows its password.

    Without known_by the root is {terminal:t}. With it, accesses() records the account only
    under way 'knows' (own accounts win over logged-in sessions), so the report blames
    credential misuse too and the minimal root {terminal:t} disappears: adding a way in
    changed the root cause to a strict superset.
    """
    body = """\
        people:
          - {id: nw_staff, org: nw}
          - {id: p, org: rt, locations: [office]}
        locations:
          - {id: office, owner: rt}
        accounts:
          - {id: a_nw, holder: nw_staff, systems: [sys]%s}
        terminals:
          - {id: t, location: office, owner: nw, open: true, systems: [sys], logged_in: [a_nw]}
        """
    policy = """\
        p, nw_role, sys, s, open, allow, *, *, *
        g, a_nw, nw_role, sys
        """
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    without = _report(_project(tmp_path / "a", body % "", policy))
    assert _roots(without) == [{"terminal:t"}]
    known = _report(_project(tmp_path / "b", body % ", known_by: [p]", policy))
    assert {"terminal:t"} in _roots(known), _roots(known)


# -- 5. grounds: the chain with the fewest purpose roles ----------------------------------

def test_disaster_role_is_not_blamed_when_another_role_chain_grants_the_same(
        tmp_path: Path) -> None:
    """acc reaches role base both via disaster_role (2 hops) and via sales -> mid (3 hops).

    docs/model-format.md: among several grounds, the one with the fewest roles listed in
    role_purposes wins. Decisions.grounds only looks at the *shortest* chain per subject
    (a BFS), which goes through disaster_role, so the unmask is called emergency rights;
    gating or removing disaster_role would leave the exposure as it is.
    """
    project = _project(tmp_path, """\
        people:
          - {id: p, org: rt, locations: [office]}
        locations:
          - {id: office, owner: rt}
        accounts:
          - {id: acc, holder: p, systems: [sys]}
        terminals:
          - {id: t, location: office, owner: rt, open: true, systems: [sys]}
        """, """\
        p, base, sys, s, open, allow, *, *, *
        p, base, sys, f, unmask, allow, *, *, *
        g, acc, disaster_role, sys
        g, disaster_role, base, sys
        g, acc, sales, sys
        g, sales, mid, sys
        g, mid, base, sys
        """, masking="policy", casbin_extra=", role_purposes: {disaster_role: disaster}")
    report = _report(project)
    assert [set(f.failure_types) for f in report.findings] == [{FailureType.MASKING_DEFECT}]


# -- 6./7. matcher terms the fast path does not understand --------------------------------

TWO_ACCOUNTS = """\
    people:
      - {id: p1, org: rt, locations: [office]}
      - {id: p2, org: rt, locations: [office]}
    locations:
      - {id: office, owner: rt}
    accounts:
      - {id: acc_a, holder: p1, systems: [sys]}
      - {id: acc_b, holder: p2, systems: [sys]}
    terminals:
      - {id: t, location: office, owner: rt, open: true, systems: [sys]}
    """
TWO_POLICY = """\
    p, rt_role, sys, s, open, allow, *, *, *
    g, acc_a, rt_role, sys
    g, acc_b, rt_role, sys
    """


def test_matcher_term_on_r_sub_does_not_merge_accounts_into_one_class(tmp_path: Path) -> None:
    """A matcher with an extra top-level term on r.sub still counts as 'understood'.

    acc_a and acc_b have the same roles, so they form one class whose representative is
    acc_a; Casbin denies acc_a but allows acc_b, and p2's exposure through acc_b is missed
    (a silent leak, with no warning).
    """
    project = _project(tmp_path, TWO_ACCOUNTS, TWO_POLICY,
                       conf=f'{MATCHER} r.sub != "acc_a" &&')
    day = dt.date(2000, 1, 1)
    assert not project.policy.enforce("acc_a", "sys", "s", "open", "normal", day)
    assert project.policy.enforce("acc_b", "sys", "s", "open", "normal", day)
    exposures = {e for f in _report(project).findings for e in f.exposures}
    assert exposures == {("p2", "f")}


def test_matcher_date_literal_is_refused_or_cut(tmp_path: Path) -> None:
    """``r.date >= "2021-01-01"`` in the matcher: neither refused at load time nor a cut.

    With no validity window anywhere there is one epoch, evaluated on 2000-01-01, so the
    all-dates analysis reports nothing, while ``--at 2022-01-01`` finds the leak and says it
    holds 'at any date'. Expected: refuse the matcher (like a date column not named
    valid_from/valid_until), or cut epochs at the literal.
    """
    project = _project(tmp_path, TWO_ACCOUNTS, TWO_POLICY,
                       conf=f'{MATCHER} r.date >= "2021-01-01" &&')
    later = _report(project, at=dt.date(2022, 1, 1))
    assert later.findings, "Casbin allows from 2021 on"
    all_dates = _report(project)
    assert all_dates.findings, "the all-dates analysis misses the 2021+ leak"
    windows = {(w.start, w.end) for f in all_dates.findings for w in f.windows}
    assert windows == {(dt.date(2021, 1, 1), None)}


def test_decision_expectation_sees_a_matcher_date_literal(tmp_path: Path) -> None:
    """A decision expectation 'deny at all dates' passes though Casbin allows from 2021."""
    model = _write(tmp_path, TWO_ACCOUNTS, TWO_POLICY,
                   conf=f'{MATCHER} r.date >= "2021-01-01" &&', tail="""\
        expectations:
          - id: acc-a-never-opens-s
            decision: {account: acc_a, system: sys, object: s, action: open, expect: deny}
        """)
    project = load_project(model, tmp_path)
    assert project.policy.enforce("acc_a", "sys", "s", "open", "normal", dt.date(2022, 1, 1))
    suite = run_suite([model], tmp_path)
    assert [r.passed for r in suite.results] == [False]


# -- 8. checks.py: a vacuous no_path -------------------------------------------------------

def test_no_path_with_an_empty_field_list_is_not_vacuously_true(tmp_path: Path) -> None:
    """``no_path: {from: [rt], fields: []}`` passes while rt staff see f.

    ``systems: []`` means 'every system' in the same check, but ``fields: []`` targets no
    field at all, so the expectation can never fail. Expected: treat it like an omitted
    list, or refuse it at load time (exit 2).
    """
    model = _write(tmp_path, TWO_ACCOUNTS, TWO_POLICY, tail="""\
        expectations:
          - id: retail-sees-nothing
            no_path: {from: [rt], fields: []}
        """)
    result = run("test", str(model), "--root", str(tmp_path))
    assert result.exit_code == 2, result.stdout
    assert "no_path.fields" in result.stderr and "at least 1 item" in result.stderr


# -- 9. bad input: the message must name file and line -------------------------------------

def test_unhashable_yaml_key_is_reported_with_file_and_line(tmp_path: Path) -> None:
    """A complex mapping key (``? [a, b]``) crashes the loader with TypeError.

    The catch-all turns it into exit 2, but as 'internal error, analysis incomplete:
    TypeError: unhashable type' with no file or line, unlike every other bad input.
    """
    model = _write(tmp_path, TWO_ACCOUNTS, TWO_POLICY, tail="? [a, b]\n: 1\n")
    shutil.copyfile(model, tmp_path / "bad.yaml")
    result = run("validate", str(tmp_path / "bad.yaml"), "--root", str(tmp_path))
    assert result.exit_code == 2
    assert "internal error" not in result.stderr, result.stderr
    assert "bad.yaml:" in result.stderr, result.stderr


# -- 10. grounds under a matcher the fast path does not recognise ---------------------------

def test_disaster_role_is_named_under_a_keymatch_matcher(tmp_path: Path) -> None:
    """docs: with an unrecognised matcher 'results are the same, only slower'.

    With ``keyMatch(r.obj, p.obj)`` and ``p, responder, sys, *, unmask, ...`` the exposure is
    found, but Decisions.grounds only looks up rules whose obj equals the object, finds none,
    and the disaster role's unmask right in normal mode is reported as a masking defect of
    subject '?' (``unmask-role:sys:?``). With ``r.obj == p.obj`` and the rule naming f the
    same model is an emergency-rights finding.
    """
    project = _project(tmp_path, """\
        people:
          - {id: p, org: rt, locations: [office]}
        locations:
          - {id: office, owner: rt}
        accounts:
          - {id: acc, holder: p, systems: [sys]}
        terminals:
          - {id: t, location: office, owner: rt, open: true, systems: [sys]}
        """, """\
        p, rt_role, sys, s, open, allow, *, *, *
        p, responder, sys, *, unmask, allow, *, *, *
        g, acc, rt_role, sys
        g, acc, responder, sys
        """, masking="policy", casbin_extra=", role_purposes: {responder: disaster}",
        conf=f"{MATCHER} keyMatch(r.obj, p.obj) &&", drop="&& r.obj == p.obj ")
    assert not project.policy.shape.understood
    report = _report(project)
    assert _roots(report) == [{"disaster-role:sys:responder"}]


# -- 11. eval() in the matcher: conditions written in the policy CSV ------------------------

EVAL_CONF = ("m = g(r.sub, p.sub, r.dom) && eval(p.cond) &&", "valid_from, valid_until\n",
             "valid_from, valid_until, cond\n")


def _eval_project(tmp_path: Path, cond: str) -> Project:
    """The shipped model with a ``cond`` policy column that the matcher ``eval``s."""
    policy = TWO_POLICY.replace("*, *, *\n", f"*, *, *, {cond}\n", 1)
    model = _write(tmp_path, TWO_ACCOUNTS, policy, conf=EVAL_CONF[0])
    conf = tmp_path / "accesssim.conf"
    text = conf.read_text(encoding="utf-8")
    assert EVAL_CONF[1] in text
    conf.write_text(text.replace(EVAL_CONF[1], EVAL_CONF[2], 1), encoding="utf-8")
    return load_project(model, tmp_path)


def test_eval_condition_on_r_sub_does_not_merge_accounts(tmp_path: Path) -> None:
    """``eval(p.cond)`` with cond ``r_sub != 'acc_a'`` on the allow rule.

    The matcher text names r.sub once (in g), so the shape counts as 'sub only in g' and
    acc_a, acc_b share one class decided by acc_a: Casbin allows acc_b, the engine reports
    nothing (p2's exposure is a silent leak).
    """
    project = _eval_project(tmp_path, "r_sub != 'acc_a'")
    day = dt.date(2000, 1, 1)
    assert not project.policy.enforce("acc_a", "sys", "s", "open", "normal", day)
    assert project.policy.enforce("acc_b", "sys", "s", "open", "normal", day)
    exposures = {e for f in _report(project).findings for e in f.exposures}
    assert exposures == {("p2", "f")}


def test_eval_condition_date_literal_cuts_time(tmp_path: Path) -> None:
    """``eval(p.cond)`` with cond ``r_date >= '2021-01-01'``: the literal is in the CSV.

    LoadedPolicy.matcher_dates scans only the matcher, so time is not cut at 2021-01-01;
    the one epoch is evaluated on 2000-01-01 and the 2021+ leak is not reported.
    """
    project = _eval_project(tmp_path, "r_date >= '2021-01-01'")
    assert project.policy.enforce("acc_a", "sys", "s", "open", "normal", dt.date(2022, 1, 1))
    assert _report(project, at=dt.date(2022, 1, 1)).findings
    assert _report(project).findings, "the all-dates analysis misses the 2021+ leak"


# -- 12. grounds: a chain Casbin does not follow --------------------------------------------

def test_grounds_ignore_role_chains_longer_than_casbin_follows(tmp_path: Path) -> None:
    """acc -> disaster_role -> base (2 links), and acc -> r1 -> ... -> r10 -> base (11 links).

    Casbin's role manager stops at max_hierarchy_level (10): only the disaster chain grants
    (without it Casbin denies). Decisions._reach_for_account now prefers the chain with the
    fewest purpose roles whatever its length, so the allow is blamed on the 11-link chain
    and reported as a masking defect of role base; the only fix that works, gating
    disaster_role, is not named.
    """
    chain = ["acc", *(f"r{i}" for i in range(1, 11)), "base"]
    links = "".join(f"g, {a}, {b}, sys\n" for a, b in pairwise(chain))
    policy = ("p, base, sys, s, open, allow, *, *, *\n"
              "p, base, sys, f, unmask, allow, *, *, *\n" + links)
    body = """\
        people:
          - {id: p, org: rt, locations: [office]}
        locations:
          - {id: office, owner: rt}
        accounts:
          - {id: acc, holder: p, systems: [sys]}
        terminals:
          - {id: t, location: office, owner: rt, open: true, systems: [sys]}
        """
    extra = {"masking": "policy", "casbin_extra": ", role_purposes: {disaster_role: disaster}"}
    (tmp_path / "long").mkdir()
    (tmp_path / "both").mkdir()
    long_only = _project(tmp_path / "long", body, policy, **extra)
    day = dt.date(2000, 1, 1)
    assert not long_only.policy.enforce("acc", "sys", "f", "unmask", "normal", day)
    both = _project(tmp_path / "both", body, "g, acc, disaster_role, sys\n"
                    "g, disaster_role, base, sys\n" + policy, **extra)
    assert _roots(_report(both)) == [{"disaster-role:sys:disaster_role"}]


# -- 13. grounds under keyMatch: wildcard rules and rule order ------------------------------

KEYMATCH_BODY = """\
    people:
      - {id: p, org: rt, locations: [office]}
    locations:
      - {id: office, owner: rt}
    accounts:
      - {id: acc, holder: p, systems: [sys]}
    terminals:
      - {id: t, location: office, owner: rt, open: true, systems: [sys]}
    """
KEYMATCH = {"masking": "policy", "casbin_extra": ", role_purposes: {responder: disaster}",
            "conf": f"{MATCHER} keyMatch(r.obj, p.obj) &&", "drop": "&& r.obj == p.obj "}
KEYMATCH_LINKS = "g, acc, rt_role, sys\ng, acc, responder, sys\n"


def test_keymatch_grounds_consider_wildcard_rules_beside_exact_ones(tmp_path: Path) -> None:
    """responder (disaster) unmasks f by name; rt_role unmasks every field by ``*``.

    Decisions.grounds ranks only rules whose obj equals f, finds the disaster one and stops
    (the Casbin-explain fallback runs only when no exact rule exists), so the finding is
    emergency rights, though rt_role alone grants the same and gating responder changes
    nothing. Expected: the masking defect of rt_role, as docs' 'fewest purpose roles' rule
    gives with r.obj == p.obj.
    """
    project = _project(tmp_path, KEYMATCH_BODY,
                       "p, rt_role, sys, s, open, allow, *, *, *\n"
                       "p, responder, sys, f, unmask, allow, *, *, *\n"
                       "p, rt_role, sys, *, unmask, allow, *, *, *\n" + KEYMATCH_LINKS,
                       **KEYMATCH)
    assert _roots(_report(project)) == [{"unmask-role:sys:rt_role"}]


def test_keymatch_finding_does_not_depend_on_policy_line_order(tmp_path: Path) -> None:
    """Two wildcard unmask rules, rt_role's and responder's (disaster), in either order.

    The fallback takes the one rule Casbin's enforce_ex names, which depends on line order:
    one order gives a masking defect (unmask-role:sys:rt_role), the other emergency rights
    (disaster-role:sys:responder), with different finding ids.
    """
    rules = ["p, rt_role, sys, *, unmask, allow, *, *, *\n",
             "p, responder, sys, *, unmask, allow, *, *, *\n"]
    roots = []
    for name, order in (("a", rules), ("b", rules[::-1])):
        (tmp_path / name).mkdir()
        policy = "p, rt_role, sys, s, open, allow, *, *, *\n" + "".join(order) + KEYMATCH_LINKS
        roots.append(_roots(_report(_project(tmp_path / name, KEYMATCH_BODY, policy,
                                             **KEYMATCH))))
    assert roots[0] == roots[1] == [{"unmask-role:sys:rt_role"}]


def test_matcher_partial_date_literal_cuts_time_or_is_refused(tmp_path: Path) -> None:
    """``r.date >= "2021-06"``: Casbin compares strings, so this flips on 2021-06-01.

    LoadedPolicy.matcher_dates only recognises full ``"YYYY-MM-DD"`` literals, so no cut is
    made, the one epoch is evaluated on 2000-01-01 and the all-dates analysis reports
    nothing, while ``--at 2022-01-01`` finds the leak. Expected: refuse any r.date
    comparison other than with valid_from / valid_until, or cut at such literals too.
    """
    model = _write(tmp_path, TWO_ACCOUNTS, TWO_POLICY, conf=f'{MATCHER} r.date >= "2021-06" &&')
    result = run("validate", str(model), "--root", str(tmp_path))
    assert result.exit_code == 2
    assert "compares r.date with '2021-06': write full dates" in result.stderr
