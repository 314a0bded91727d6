"""Every Casbin decision the engine relies on equals a plain ``casbin.Enforcer`` on the full grid.

(a) ``Decisions.allowed`` (class-level, candidate-pruned, memoised per epoch) for every account's
    class, every screen (open) and field (unmask) of its systems, every mode and probe day;
(b) the project's enforcer (a ``FastEnforcer`` with the domain matching function removed) for
    every subject, system, object, act and slice;
(c) other Casbin models (``strategies.VARIANTS``: keyMatch objects and a deny-only effect, which
    the engine must decide on the full grid; domain-less roles; reordered request tokens and
    policy columns; ...), and matchers that merely contain the recognised pieces.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import casbin
import pytest
import yaml
from hypothesis import given, note, settings
from hypothesis import strategies as st

import oracle
from accesssim.engine import Analyzer, Project
from accesssim.policy.decisions import OPEN, UNMASK, Decisions
from profiles import examples
from strategies import (
    PROBE_DAYS,
    ROLES,
    VARIANTS,
    Generated,
    conf_with_matcher,
    engine_exposures,
    materialise,
    projects,
    variant_projects,
)


def _objects(project: Project) -> dict[str, dict[str, frozenset[str]]]:
    """What the analyzer hands to ``Decisions``: per system, its screens and its fields."""
    return {s.id: {OPEN: frozenset(x.id for x in s.screens),
                   UNMASK: frozenset(f.id for f in s.fields)}
            for s in project.loaded.model.systems}


def _engine_questions(project: Project) -> Iterator[tuple[str, str, str, str]]:
    """(account, system, object, act): every question the engine can ask."""
    for acc in project.loaded.model.accounts:
        for sys_id in acc.systems:
            for obj, act in sorted((o, a) for a, objs in _objects(project)[sys_id].items()
                                   for o in objs):
                yield acc.id, sys_id, obj, act


def _mismatches(project: Project, decisions: Decisions, accounts_order: list[str]
                ) -> list[tuple[str, str, str, str, str, dt.date, bool]]:
    """Where ``decisions.allowed`` differs from a plain Enforcer (account, ..., Casbin's answer)."""
    plain = oracle.plain_enforcer(project.loaded.casbin_model_path,
                                  project.loaded.casbin_policy_path)
    tokens = oracle.request_tokens(plain)
    questions = sorted(_engine_questions(project),
                       key=lambda q: (accounts_order.index(q[0]), q[1:]))
    wrong = []
    for mode in project.loaded.model.modes:
        for day in PROBE_DAYS:
            for acc, sys_id, obj, act in questions:
                truth = oracle.ask(plain, tokens, acc, sys_id, obj, act, mode, day)
                got = decisions.allowed(decisions.class_of(acc, sys_id), obj, act, mode, day)
                if got != truth:
                    wrong.append((acc, sys_id, obj, act, mode, day, truth))
    return wrong


def _check_decisions(project: Project) -> None:
    accounts = [a.id for a in project.loaded.model.accounts]
    # The analyzer's own Decisions, after a full run filled its memo in the engine's order...
    analyzer = Analyzer(project.loaded, project.policy, modes=project.loaded.model.modes)
    analyzer.run()
    assert _mismatches(project, analyzer.decisions, accounts) == []
    # ...and a fresh one whose classes get their representatives in the reverse order.
    fresh = Decisions(project.policy, _objects(project))
    assert _mismatches(project, fresh, accounts[::-1]) == []


# -- (a) ---------------------------------------------------------------------------------------
@settings(max_examples=examples(40))
@given(projects())
def test_engine_decisions_equal_plain_enforcer(gen: Generated) -> None:
    """Every ``Decisions.allowed`` answer equals plain ``Enforcer.enforce`` of its request."""
    note(gen.describe())
    with materialise(gen) as project:
        assert project.policy.shape.understood
        _check_decisions(project)


# -- (b) ---------------------------------------------------------------------------------------
@settings(max_examples=examples(25))
@given(projects())
def test_project_enforcer_equals_plain_enforcer(gen: Generated) -> None:
    """The tuned FastEnforcer answers every request of the full grid as a plain Enforcer does."""
    note(gen.describe())
    with materialise(gen) as project:
        policy = project.policy
        assert isinstance(policy.enforcer, casbin.FastEnforcer)
        assert all(getattr(rm, "matching_func", None) is None
                   for rm in policy.enforcer.rm_map.values())
        plain = oracle.plain_enforcer(project.loaded.casbin_model_path,
                                      project.loaded.casbin_policy_path)
        tokens = oracle.request_tokens(plain)
        model = project.loaded.model
        subjects = [a.id for a in model.accounts] + list(ROLES) + ["nobody"]
        slices = oracle.slices_of(project)
        wrong = []
        for system in model.systems:
            objects = [x.id for x in system.screens] + [f.id for f in system.fields]
            for sl in slices:
                for sub in subjects:
                    for obj in objects:
                        for act in (OPEN, UNMASK):
                            truth = oracle.ask(plain, tokens, sub, system.id, obj, act,
                                               sl.mode, sl.day)
                            got = policy.enforce(sub, system.id, obj, act, sl.mode, sl.day)
                            if got != truth:
                                wrong.append((sub, system.id, obj, act, sl.mode, sl.day, truth))
        assert wrong == []


# -- (c) ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("variant", list(VARIANTS))
@settings(max_examples=examples(12))
@given(data=st.data())
def test_other_casbin_models_give_casbin_decisions(variant: str, data: st.DataObject) -> None:
    """Another matcher, effect or token order: decisions and exposures are still Casbin's."""
    gen = data.draw(variant_projects(variant), label="project")
    note(gen.describe())
    with materialise(gen) as project:
        if "keyMatch" in variant or "deny-only" in variant:  # the engine must ask the grid
            assert not project.policy.shape.understood
            assert any("not recognised" in str(w) for w in project.policy.warnings)
        _check_decisions(project)
        assert engine_exposures(project) == oracle.exposures(project)


_TAIL = (' && r.act == p.act && (p.mode == "*" || p.mode == r.mode)'
         ' && (p.valid_from == "*" || p.valid_from <= r.date)'
         ' && (p.valid_until == "*" || r.date <= p.valid_until)')

_LOOKALIKES = {
    # Contains "r.obj == p.obj", but a rule for object "*" matches every object.
    "object wildcard in a disjunction":
        ('g(r.sub, p.sub, r.dom) && r.dom == p.dom && (r.obj == p.obj || p.obj == "*")' + _TAIL,
         "p, clerk, sys, *, open, allow, *, *, *\ng, acc_clerk, clerk, sys\n"),
    # Contains "g(r.sub, p.sub, r.dom)", but one account also gets rules written for "admins".
    "subject shortcut in a disjunction":
        ('(g(r.sub, p.sub, r.dom) || (r.sub == "acc_boss" && p.sub == "admins"))'
         ' && r.dom == p.dom && r.obj == p.obj' + _TAIL,
         "p, admins, sys, menu, open, allow, *, *, *\ng, acc_clerk, clerk, sys\n"
         "g, acc_boss, clerk, sys\n"),
}

_LOOKALIKE_MODEL = """
accesssim: 1
name: lookalike matcher
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
    fields: [{id: secret}]
    screens:
      - id: menu
        shows: [{field: secret, masking: clear}]
casbin: {model: accesssim.conf, policy: policy.csv}
"""


@pytest.mark.parametrize("name", sorted(_LOOKALIKES))
def test_matcher_that_only_contains_the_recognised_pieces(name: str) -> None:
    """A matcher holding ``r.obj == p.obj``/``g(...)`` inside a disjunction: Casbin's answers."""
    matcher, csv = _LOOKALIKES[name]
    rows = [[t.strip() for t in line.split(",")] for line in csv.strip().splitlines()]
    gen = Generated(yaml.safe_load(_LOOKALIKE_MODEL), rows, conf_with_matcher(matcher))
    with materialise(gen) as project:
        plain = oracle.plain_enforcer(project.loaded.casbin_model_path,
                                      project.loaded.casbin_policy_path)
        # The model really does allow something, so the comparison below has teeth.
        assert oracle.exposures(project)
        assert oracle.ask(plain, oracle.request_tokens(plain), rows[-1][1], "sys", "menu", OPEN,
                          "normal", dt.date(2020, 1, 1))
        _check_decisions(project)
        assert engine_exposures(project) == oracle.exposures(project)


# -- (d) role definitions with condition columns ------------------------------------------------
_CONDITIONAL = {
    # g = _, _, (_, _): no domain, the last two columns are conditions; "_" = always holds.
    "conditions, no domain": ("g = _, _, (_, _)", "g(r.sub, p.sub)", lambda g: [*g[:3], "_", "_"]),
    "domain and conditions": ("g = _, _, _, (_, _)", "g(r.sub, p.sub, r.dom)",
                              lambda g: [*g, "_", "_"]),
}


@pytest.mark.parametrize("name", sorted(_CONDITIONAL))
@settings(max_examples=examples(10))
@given(gen=projects())
def test_conditional_role_definitions_give_casbin_decisions(name: str, gen: Generated) -> None:
    """pycasbin's conditional role managers (links that always hold): Casbin's decisions."""
    roles, call, layout = _CONDITIONAL[name]
    conf = gen.conf.replace("g = _, _, _", roles).replace("g(r.sub, p.sub, r.dom)", call)
    rows = [layout(row) if row[0] == "g" else row for row in gen.rows]
    conditional = Generated(gen.model, rows, conf)
    note(conditional.describe())
    with materialise(conditional) as project:
        assert project.policy.shape.understood
        assert "g" in project.policy.enforcer.cond_rm_map
        _check_decisions(project)
        assert engine_exposures(project) == oracle.exposures(project)
