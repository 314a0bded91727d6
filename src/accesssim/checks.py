"""Check a scenario's expectations against the analysis (``accesssim test``).

Each expectation is evaluated on the report of the modes and day it names (every mode and all
dates by default); Casbin decisions are asked of ``Enforcer.enforce`` itself in every slice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from itertools import pairwise

from accesssim.analysis import Analyzer
from accesssim.engine import Project, analyzer
from accesssim.model import Expectation
from accesssim.results import Finding, Hop, Report, Source
from accesssim.timeline import Epoch, merge_epochs


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one expectation."""

    scenario: str
    expectation: str
    kind: str
    line: int
    passed: bool
    summary: str
    expected: str = ""
    actual: str = ""
    witness: tuple[Hop, ...] = ()
    cited: frozenset[Source] = frozenset()
    path_nodes: frozenset[str] = frozenset()

    @property
    def test_id(self) -> str:
        return f"{self.scenario}::{self.expectation}"


@dataclass
class ScenarioRun:
    """All analyses one scenario needs, computed once per (mode, day)."""

    project: Project
    _reports: dict[tuple[str | None, dt.date | None], tuple[Analyzer, Report]] = field(
        default_factory=dict)

    def report(self, mode: str | None, at: dt.date | None) -> tuple[Analyzer, Report]:
        key = (mode, at)
        if key not in self._reports:
            modes = [mode] if mode else list(self.project.loaded.model.modes)
            engine = analyzer(self.project, modes=modes, at=at)
            self._reports[key] = (engine, engine.run())
        return self._reports[key]


def _matches(engine: Analyzer, person: str, names: Iterable[str]) -> bool:
    wanted = set(names)
    return person in wanted or engine.people[person].org in wanted


def _fmt(items: Iterable[str]) -> str:
    values = sorted(set(items))
    return "{" + ", ".join(values) + "}" if values else "{}"


def _witness(engine: Analyzer, person: str, field_id: str) -> tuple[Hop, ...]:
    """The witness of exactly this person seeing exactly this field (first way found)."""
    ways = engine.explain(person, field_id).ways
    return ways[0].hops if ways else ()


def _evidence(findings: Iterable[Finding]) -> tuple[frozenset[Source], frozenset[str]]:
    cited: set[Source] = set()
    nodes: set[str] = set()
    for f in findings:
        for hop in f.witness:
            cited.update(hop.sources)
        cited.update(d.source for d in f.defects)
        steps = [s.node for s in f.path]
        nodes.update(steps)
        for a, b in pairwise(steps):
            if a.startswith("screen:") and b.startswith("screen:"):
                nodes.add(f"transition:{a[7:]}->{b[7:]}")
    return frozenset(cited), frozenset(nodes)


def check(run: ScenarioRun, exp: Expectation, scenario: str) -> CheckResult:
    """Evaluate one expectation; never raises for a failed expectation."""
    kind = exp.kind
    base = partial(CheckResult, scenario, exp.id, kind, exp.line)
    where = (f" in {exp.mode} mode" if exp.mode else "") + (
        f" on {exp.at.isoformat()}" if exp.at else "")
    if exp.decision:
        return _check_decision(run, exp, base, where)
    engine, report = run.report(exp.mode, exp.at)
    if exp.finding:
        want = exp.finding
        types = set(want.types)
        candidates = []
        for f in report.findings:
            if not types <= {t.value for t in f.failure_types}:
                continue
            pairs = [(p, fld) for p, fld in f.exposures
                     if not want.from_ or _matches(engine, p, want.from_)]
            if pairs and set(want.fields) <= {fld for _, fld in pairs}:
                candidates.append(f)
        text = (f"a finding of {_fmt(types) if types else 'any type'}"
                + (f" from {_fmt(want.from_)}" if want.from_ else "")
                + (f" to {_fmt(want.fields)}" if want.fields else "") + where)
        cited, nodes = _evidence(candidates)
        if candidates:
            return base(passed=True, summary=text, cited=cited, path_nodes=nodes)
        actual = "; ".join(f"{f.id}: {_fmt(t.value for t in f.failure_types)} to "
                           f"{_fmt(f.fields)}" for f in report.findings) or "no findings"
        return base(passed=False, summary=text, expected=text, actual=actual)
    if exp.no_path:
        want_np = exp.no_path
        systems = set(want_np.systems or [])
        def targeted(fld: str) -> bool:
            if want_np.fields is not None:
                return fld in want_np.fields
            return not systems or engine.boundary.field_system[fld] in systems
        offending = [(f, p, fld) for f in report.findings for p, fld in f.exposures
                     if _matches(engine, p, want_np.from_) and targeted(fld)]
        target = _fmt(want_np.fields) if want_np.fields is not None else (
            f"non-public data of {_fmt(systems)}" if systems else "any non-public field")
        text = f"no path from {_fmt(want_np.from_)} to {target}{where}"
        if not offending:
            return base(passed=True, summary=text)
        first, person, fld = min(offending, key=lambda item: (item[1], item[2]))
        actual = ", ".join(sorted({f"{p} sees {f}" for _, p, f in offending})[:8])
        cited, nodes = _evidence([first])
        return base(passed=False, summary=text, expected="no path",
                    actual=f"{actual} (e.g. {first.id})",
                    witness=_witness(engine, person, fld), cited=cited, path_nodes=nodes)
    if exp.exposed_fields:
        group = exp.exposed_fields.group
        hits = [(f, fld) for f in report.findings for p, fld in f.exposures
                if _matches(engine, p, [group])]
        actual_set = {fld for _, fld in hits}
        expected_set = set(exp.exposed_fields.fields)
        text = f"exactly {_fmt(expected_set)} exposed to {group}{where}"
        cited, nodes = _evidence({f.id: f for f, _ in hits}.values())
        if actual_set == expected_set:
            return base(passed=True, summary=text, cited=cited, path_nodes=nodes)
        extra = sorted(actual_set - expected_set)
        witness: tuple[Hop, ...] = ()
        if extra:
            person = min(p for f in report.findings for p, fld in f.exposures
                         if fld == extra[0] and _matches(engine, p, [group]))
            witness = _witness(engine, person, extra[0])
        return base(passed=False, summary=text, expected=_fmt(expected_set),
                           actual=_fmt(actual_set) + (f" (unexpected: {', '.join(extra)})"
                                                      if extra else ""),
                           witness=witness, cited=cited, path_nodes=nodes)
    assert exp.who_can_see is not None
    fld_id = exp.who_can_see.field
    seers = [(f, p) for f in report.findings for p, fld in f.exposures if fld == fld_id]
    actual_people = {p for _, p in seers}
    expected_people = set(exp.who_can_see.people)
    text = f"exactly {_fmt(expected_people)} can see {fld_id}{where}"
    cited, nodes = _evidence({f.id: f for f, _ in seers}.values())
    if actual_people == expected_people:
        return base(passed=True, summary=text, cited=cited, path_nodes=nodes)
    extra = sorted(actual_people - expected_people)
    witness = _witness(engine, extra[0], fld_id) if extra else ()
    return base(passed=False, summary=text, expected=_fmt(expected_people),
                       actual=_fmt(actual_people), witness=witness, cited=cited,
                       path_nodes=nodes)


def _check_decision(run: ScenarioRun, exp: Expectation, base: partial[CheckResult],
                    where: str) -> CheckResult:
    assert exp.decision is not None
    d = exp.decision
    engine, _ = run.report(exp.mode, exp.at)
    policy = run.project.policy
    wrong: dict[str, list[Epoch]] = {}
    for sl in engine.slices:
        answer = policy.enforce(d.account, d.system, d.object, d.action, sl.mode, sl.day)
        if ("allow" if answer else "deny") != d.expect:
            wrong.setdefault(sl.mode, []).append(sl.epoch)
    actual = "; ".join(f"{'deny' if d.expect == 'allow' else 'allow'} in {mode}, "
                       + ", ".join(e.label() for e in merge_epochs(epochs))
                       for mode, epochs in sorted(wrong.items()))
    text = f"{d.account} {d.action} {d.system}/{d.object}: {d.expect}{where}"
    grounds = engine.decisions.grounds(d.account, d.system, d.object, d.action,
                                       engine.slices[0].mode, engine.slices[0].day,
                                       engine.role_purposes) if engine.slices else None
    cited: frozenset[Source] = frozenset()
    if grounds:
        cited = frozenset(Source(policy.policy_display, r.line)
                          for r in (grounds.rule, *grounds.chain))
    if not wrong:
        is_screen = d.action == "open"
        return base(passed=True, summary=text, cited=cited,
                    path_nodes=frozenset({f"screen:{d.object}"}) if is_screen else frozenset())
    return base(passed=False, summary=text, expected=d.expect, actual=actual, cited=cited)
