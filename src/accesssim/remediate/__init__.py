"""The least we must change: a minimum-cost change set that removes every finding and keeps
the access that must stay (``accesssim remediate``), solved as a hitting set and re-verified.

``remediate(project, keep=..., costs=...)`` is the library entry point (tests and the
incident remedies import it); the steps live in candidates.py, solver.py and loop.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from accesssim.changes.spec import Change
from accesssim.engine import Project
from accesssim.errors import InputError, Problem
from accesssim.model.schema import Expectation
from accesssim.remediate.files import DEFAULT_COSTS
from accesssim.remediate.loop import (
    State,
    evaluate,
    keep_result,
    minimal_conflict,
    new_state,
    solve_with,
)
from accesssim.suite.checks import CheckResult

Status = Literal["clean", "proposed", "conflict", "impossible"]


@dataclass(frozen=True)
class Remediation:
    """The answer. ``proposed``: ``changes`` verified (zero findings, every keep item passed);
    ``clean``: nothing to fix and every keep item passes as it is; ``conflict``: the keep
    items in ``conflict`` cannot all hold with zero findings (a minimal such set);
    ``impossible``: no change set of the vocabulary removes every finding."""

    status: Status
    model: str
    changes: tuple[Change, ...]
    prices: tuple[float, ...]  # the cost of each change
    cost: float
    findings_before: int
    findings_after: int
    keep: tuple[CheckResult, ...]
    conflict: tuple[Expectation, ...]
    rounds: int
    routes: int
    candidates: int
    cuts: int

    @property
    def ok(self) -> bool:
        return self.status in ("clean", "proposed")


def remediate(project: Project, keep: Sequence[Expectation] = (),
              costs: Mapping[str, float] | None = None, *, shown: str = "keep",
              say: Callable[[str], None] | None = None) -> Remediation:
    """A minimum-cost change set (over the vocabulary of candidates.py) after which the
    analysis finds nothing and every keep item passes; ``shown``: the keep file as users see
    it (keep results cite it); ``say``: progress lines."""
    prices = {**DEFAULT_COSTS, **(costs or {})}
    state = new_state(project, keep, prices, shown, say)
    before = len(evaluate(state, frozenset()).findings)
    _refuse_denials_to_make(state, shown)
    outcome = solve_with(state, range(len(state.keep)))
    conflict: tuple[Expectation, ...] = ()
    status: Status
    if outcome is not None:
        status = "proposed" if outcome.changes else "clean"
    else:
        subset = minimal_conflict(state)
        status = "impossible" if subset is None else "conflict"
        conflict = tuple(state.keep[i] for i in subset or ())
    changes = outcome.changes if outcome else ()
    each = tuple(float(prices.get(c.kind, 1.0)) for c in changes)
    return Remediation(
        status=status,
        model=project.loaded.display_path,
        changes=changes,
        prices=each,
        cost=sum(each),
        findings_before=before,
        findings_after=len(outcome.report.findings) if outcome else before,
        keep=outcome.keep if outcome else (),
        conflict=conflict,
        rounds=state.rounds,
        routes=len(state.covers),
        candidates=len(state.candidates),
        cuts=sum(len(c) for c in state.cuts.values()))


def _refuse_denials_to_make(state: State, shown: str) -> None:
    """A ``decision ... expect: deny`` that fails on the model is a change to make, not
    access to keep: taking more away can both break and mend it, so no cut is sound for it
    (docs/remediate.md). Refused at its line; a deny that already holds stays held."""
    problems = [Problem(shown, exp.line, f"keep item {exp.id!r}: {exp.decision.account} "
                                          f"{exp.decision.action} {exp.decision.system}/"
                                          f"{exp.decision.object} is allowed now; a keep item "
                                          "keeps what holds, it does not ask for a denial")
                for index, exp in enumerate(state.keep)
                if exp.decision is not None and exp.decision.expect == "deny"
                and not keep_result(state, frozenset(), index).passed]
    if problems:
        raise InputError(problems)


__all__ = ["Remediation", "remediate"]
