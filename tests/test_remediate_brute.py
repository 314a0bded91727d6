"""remediate against brute force on small generated models: every subset of the whole
candidate vocabulary (built here from the model, not from any path) that is cheaper than the
proposal leaves an exposure (by the oracle of tests/oracle.py) or breaks a keep item; the
proposal itself leaves none (by the oracle too) and keeps every keep item."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from itertools import combinations

from hypothesis import event, given, note, settings
from hypothesis import strategies as st

import oracle
from accesssim.changes.apply import loaded, patch
from accesssim.changes.spec import Change
from accesssim.engine import Project
from accesssim.errors import InputError
from accesssim.model.schema import Expectation
from accesssim.remediate import remediate
from accesssim.remediate.files import DEFAULT_COSTS
from accesssim.suite.checks import ScenarioRun, check
from profiles import THOROUGH, examples
from strategies import Generated, exposed_projects, materialise

#: Subsets tried per example at most (cheaper than the proposal, smallest first); more are not
#: enumerated. Each is a full oracle run, so the default profile tries fewer (profiles.py).
MAX_SUBSETS = 4000 if THOROUGH else 60


def universe(project: Project) -> list[Change]:
    """Every change of the remediation vocabulary this model admits (docs/remediate.md)."""
    m, pol = project.loaded.model, project.policy
    tokens = pol.p_tokens
    out: list[Change] = []
    public = {f.id for s in m.systems for f in s.fields if f.data_class == "public"}
    for s in m.systems:
        out += [Change("check", (("from", t.source), ("to", t.target)))
                for t in s.transitions if not t.checked]
        out += [Change.make("mask", screen=x.id, field=d.field, masking="policy")
                for x in s.screens for d in x.shows
                if d.masking == "clear" and d.field not in public]
    for t in m.terminals:
        out.append(Change.make("withdraw_terminal", terminal=t.id))
        out += [Change.make("unassign_terminal", terminal=t.id, person=p) for p in t.assigned_to]
        out += [Change.make("end_session", terminal=t.id, account=a) for a in t.logged_in]
    out += [Change.make("rotate", account=a.id) for a in m.accounts if a.known_by]
    for loc in m.locations:
        orgs = set(loc.open_to) | {p.org for p in m.people if loc.id in p.locations}
        out += [Change.make("close_location", location=loc.id, org=o) for o in sorted(orgs)]
    denied = {r.values[tokens.index("sub")] for r in pol.rules
              if r.values[tokens.index("eft")] == "deny"}
    for r in pol.rules:
        if r.values[tokens.index("eft")] != "allow":
            continue
        text = ", ".join((r.ptype, *r.values))
        out.append(Change.make("remove_rule", rule=text))
        if r.values[tokens.index("mode")] != "disaster" and "disaster" in m.modes:
            out.append(Change.make("gate_to_disaster", rule=text))
    for g in pol.groupings:
        roles, todo = {g.values[1]}, [g.values[1]]
        while todo:
            role = todo.pop()
            for h in pol.groupings:
                if h.values[0] == role and h.values[1] not in roles:
                    roles.add(h.values[1])
                    todo.append(h.values[1])
        if not roles & denied:
            out.append(Change.make("revoke", member=g.values[0], role=g.values[1],
                                   system=g.values[2] if len(g.values) > 2 else None))
    return sorted({c.key: c for c in out}.values(), key=lambda c: repr(c.key))


@contextmanager
def _applied(project: Project, changes: list[Change]) -> Iterator[Project | None]:
    """The project with the changes, or None when the change set is refused."""
    if not changes:
        yield project
        return
    order = ("check", "mask", "end_session", "rotate", "unassign_terminal", "revoke",
             "remove_rule", "gate_to_disaster", "close_location", "withdraw_terminal")
    ordered = sorted(changes, key=lambda c: order.index(c.kind))
    try:
        patched = patch(project, ordered)
    except InputError:
        yield None
        return
    with loaded(project, patched) as p:
        yield p


def _satisfies(project: Project, changes: list[Change], keep: list[Expectation]) -> bool:
    with _applied(project, changes) as p:
        if p is None:
            return False
        if oracle.exposures(p):
            return False
        run = ScenarioRun(p)
        return all(check(run, k, "keep").passed for k in keep)


def _keep(project: Project, data: st.DataObject) -> list[Expectation]:
    """Sometimes one keep item: an allow the model gives (an account opening a screen)."""
    m = project.loaded.model
    asks = sorted((a.id, s.id, x.id) for a in m.accounts for s in m.systems
                  if s.id in a.systems for x in s.screens)
    if not asks or not data.draw(st.booleans(), label="keep"):
        return []
    account, system, screen = data.draw(st.sampled_from(asks), label="allow")
    item = Expectation.model_validate({"id": "k", "decision": {
        "account": account, "system": system, "object": screen, "expect": "allow"}})
    return [item] if check(ScenarioRun(project), item, "keep").passed else []


def _cheaper(costs: list[float], bound: float) -> Iterator[tuple[int, ...]]:
    """Every subset of total cost below ``bound`` (increasing size)."""
    for size in range(len(costs) + 1):
        found = False
        for chosen in combinations(range(len(costs)), size):
            if sum(costs[i] for i in chosen) < bound - 1e-9:
                found = True
                yield chosen
        if not found:
            return


@settings(max_examples=examples(80), deadline=None)
@given(exposed_projects(timeless=True), st.data())
def test_no_cheaper_change_set_removes_every_exposure(gen: Generated,
                                                      data: st.DataObject) -> None:
    note(gen.describe())
    with materialise(gen) as project:
        keep = _keep(project, data)
        result = remediate(project, keep)
        every = universe(project)
        costs = [float(DEFAULT_COSTS[c.kind]) for c in every]
        keys = {c.key for c in every}
        event(f"status {result.status}, {len(every)} candidates, keep {len(keep)}")
        assert {c.key for c in result.changes} <= keys
        if result.ok:
            assert _satisfies(project, list(result.changes), keep)
            bound = result.cost
        else:
            bound = float("inf")
        for tried, chosen in enumerate(_cheaper(costs, bound), start=1):
            if tried > MAX_SUBSETS:
                event("enumeration capped")
                break
            subset = [every[i] for i in chosen]
            assert not _satisfies(project, subset, keep), (
                f"cheaper: {[c.key for c in subset]} vs {[c.key for c in result.changes]}")
