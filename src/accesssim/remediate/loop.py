"""The lazy loop: solve the hitting set on the routes found so far, apply the choice,
analyse again, add the routes that are left, repeat until nothing is found; then check the
keep items, and cut off (no-good) a minimal set of chosen changes that breaks one.

Every answer is the analysis's own: a proposal is returned only after the patched model
analysed to zero findings and every keep item passed on it (docs/remediate.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from accesssim.changes.apply import Patched, Patcher, loaded
from accesssim.changes.spec import Change
from accesssim.engine import Project, analyzer, resolve_modes
from accesssim.errors import AccessSimError
from accesssim.findings.report import build_report
from accesssim.findings.results import Report
from accesssim.model.schema import Expectation
from accesssim.remediate.candidates import VOCABULARY, Key, Route, gated_text, routes
from accesssim.remediate.files import DEFAULT_COSTS
from accesssim.remediate.solver import HittingSet, solve
from accesssim.search.exposures import find_exposures
from accesssim.suite.checks import CheckResult, ScenarioRun, check

Say = Callable[[str], None]


@dataclass
class State:
    """What the rounds learned; every row stays valid for every later question."""

    project: Project
    keep: tuple[Expectation, ...]
    costs: Mapping[str, float]
    shown: str
    say: Say
    candidates: dict[Key, Change] = field(default_factory=dict)
    covers: dict[frozenset[Key], Route] = field(default_factory=dict)
    cuts: dict[int, set[frozenset[Key]]] = field(default_factory=dict)
    reports: dict[frozenset[Key], Report] = field(default_factory=dict)
    kept: dict[tuple[frozenset[Key], int], CheckResult] = field(default_factory=dict)
    rounds: int = 0
    patcher: Patcher | None = None  # one per project: its files are read (and cut) once

    def patch(self, changes: Sequence[Change]) -> Patched:
        """``changes.apply.patch`` with this project's one patcher."""
        if self.patcher is None:
            self.patcher = Patcher(self.project)
        return self.patcher.patch(changes)


@dataclass(frozen=True)
class Outcome:
    """A verified choice: the changes, their report (no findings) and the keep results."""

    changes: tuple[Change, ...]
    report: Report
    keep: tuple[CheckResult, ...]


def ordered(changes: Sequence[Change]) -> tuple[Change, ...]:
    """The order a proposal applies its changes in: by kind (``VOCABULARY``), then key."""
    rank = {kind: i for i, kind in enumerate(VOCABULARY)}
    return tuple(sorted(changes, key=lambda c: (rank.get(c.kind, len(rank)), repr(c.params))))


def new_state(project: Project, keep: Sequence[Expectation], costs: Mapping[str, float] | None,
              shown: str, say: Say | None = None) -> State:
    return State(project, tuple(keep), costs if costs is not None else DEFAULT_COSTS, shown,
                  say or (lambda _: None))


def evaluate(state: State, chosen: frozenset[Key]) -> Report:
    """Apply the chosen changes, analyse, and add the routes of whatever is still found."""
    if chosen in state.reports:
        return state.reports[chosen]
    changes = ordered([state.candidates[k] for k in chosen])
    state.rounds += 1
    state.say(f"round {state.rounds}: analysing with {len(changes)} change(s)")
    if changes:
        with loaded(state.project, state.patch(changes)) as project:
            report = _analyse(state, project, chosen)
    else:
        report = _analyse(state, state.project, chosen)
    state.reports[chosen] = report
    return report


def _analyse(state: State, project: Project, chosen: frozenset[Key]) -> Report:
    engine = analyzer(project, modes=resolve_modes(project, "all"))
    found = find_exposures(engine.search)
    report = build_report(engine.search, found)
    added = 0
    tokens = state.project.policy.p_tokens
    renamed = {gated_text(str(k[1][0][1]), tokens): str(k[1][0][1])
               for k in chosen if k[0] == "gate_to_disaster"}
    for route, made in routes(engine.search, found, renamed):
        for key, change in made.items():
            state.candidates.setdefault(key, change)
        if route.blockers not in state.covers:
            state.covers[route.blockers] = route
            added += 1
        elif route.blockers & chosen:
            raise AccessSimError(
                f"remediate: the route {route.text} is still open although a change meant to "
                "block it was applied; refusing to propose a change set it cannot verify")
    if report.findings and not added:
        raise AccessSimError("remediate: findings remain but no route for them was found; "
                             "refusing to propose a change set it cannot verify")
    if not report.findings:
        run = ScenarioRun(project)
        run._reports[(None, None)] = (engine, report)
        for index, exp in enumerate(state.keep):
            state.kept[(chosen, index)] = check(run, exp, state.shown)
    return report


def keep_result(state: State, chosen: frozenset[Key], index: int) -> CheckResult:
    """Keep item ``index`` checked on the model with the chosen changes (findings or not)."""
    key = (chosen, index)
    if key not in state.kept:
        changes = ordered([state.candidates[k] for k in chosen])
        if changes:
            with loaded(state.project, state.patch(changes)) as project:
                state.kept[key] = check(ScenarioRun(project), state.keep[index], state.shown)
        else:
            state.kept[key] = check(ScenarioRun(state.project), state.keep[index], state.shown)
    return state.kept[key]


def problem_of(state: State, active: Sequence[int]) -> tuple[list[Key], HittingSet]:
    """The hitting set of what the rounds learned: candidate keys (sorted) and the rows."""
    keys = sorted(state.candidates, key=repr)
    index = {k: i for i, k in enumerate(keys)}
    return keys, HittingSet(
        tuple(float(state.costs.get(k[0], 1.0)) for k in keys),
        tuple(tuple(index[k] for k in cover) for cover in sorted(state.covers, key=sorted)),
        tuple(tuple(index[k] for k in cut) for i in active
              for cut in sorted(state.cuts.get(i, ()), key=sorted)))


def solve_with(state: State, active: Sequence[int]) -> Outcome | None:
    """The cheapest verified choice keeping the keep items ``active``, or None if none is."""
    while True:
        keys, problem = problem_of(state, active)
        answer = solve(problem)
        if answer is None:
            return None
        chosen = frozenset(keys[i] for i in answer)
        report = evaluate(state, chosen)
        if report.findings:
            continue
        broken = [i for i in active if not keep_result(state, chosen, i).passed]
        if not broken:
            return Outcome(ordered([state.candidates[k] for k in chosen]), report,
                           tuple(keep_result(state, chosen, i) for i in range(len(state.keep))))
        for i in broken:
            state.cuts.setdefault(i, set()).add(_minimal_breaking(state, chosen, i))


def _minimal_breaking(state: State, chosen: frozenset[Key], index: int) -> frozenset[Key]:
    """A subset of ``chosen`` that still breaks keep item ``index`` and none of whose proper
    subsets obtained by dropping one change does (deletion filter): every superset breaks it
    too, since each candidate only takes access away."""
    rank = {k: i for i, k in enumerate(ordered([state.candidates[k] for k in chosen]))}
    current = set(chosen)
    for key in sorted(chosen, key=lambda k: rank[state.candidates[k]]):
        trial = frozenset(current - {key})
        if not keep_result(state, trial, index).passed:
            current = set(trial)
    return frozenset(current)


def minimal_conflict(state: State) -> tuple[int, ...] | None:
    """A minimal set of keep items that no choice can satisfy together (deletion filter);
    None when even no keep item at all leaves a choice."""
    if solve_with(state, ()) is None:
        return None
    current = list(range(len(state.keep)))
    for i in list(current):
        trial = [j for j in current if j != i]
        if solve_with(state, trial) is None:
            current = trial
    return tuple(current)
