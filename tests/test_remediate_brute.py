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
from accesssim.remediate.universe import universe
from accesssim.suite.checks import ScenarioRun, check
from profiles import THOROUGH, examples
from strategies import Generated, exposed_projects, materialise

#: Subsets tried per example at most (cheaper than the proposal, smallest first); more are not
#: enumerated. Each is a full oracle run, so the default profile tries fewer (profiles.py).
MAX_SUBSETS = 150 if THOROUGH else 60


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


@settings(max_examples=examples(20), deadline=None)
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
