"""Check a scenario's expectations against the analysis (``accesssim test``).

Each expectation is evaluated on the report of the modes and day it names (every mode and all
dates by default); Casbin decisions are asked of ``Enforcer.enforce`` itself in every slice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from itertools import pairwise

from accesssim.engine import Analyzer, Project, analyzer
from accesssim.findings.results import Finding, Hop, Report, Window
from accesssim.model.provenance import Source
from accesssim.model.schema import Expectation, FindingExpectation, NoPathExpectation
from accesssim.time.epochs import Epoch, merge_epochs


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
    actual_items: tuple[str, ...] = ()  # the actual set of an exact check, for --update

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


Make = Callable[..., CheckResult]


def check(run: ScenarioRun, exp: Expectation, scenario: str) -> CheckResult:
    """Evaluate one expectation; never raises for a failed expectation."""
    make = partial(CheckResult, scenario, exp.id, exp.kind, exp.line)
    where = (f" in {exp.mode} mode" if exp.mode else "") + (
        f" on {exp.at.isoformat()}" if exp.at else "")
    if exp.decision:
        return _check_decision(run, exp, make, where)
    engine, report = run.report(exp.mode, exp.at)
    if exp.finding:
        return _check_finding(engine, report, exp.finding, make, where)
    if exp.no_path:
        return _check_no_path(engine, report, exp.no_path, make, where)
    if exp.exposed_fields:
        group = exp.exposed_fields.group
        hits = [(f, p, fld) for f in report.findings for p, fld in f.exposures
                if _matches(engine, p, [group])]
        return _check_exact(
            engine, make, f"exactly {_fmt(exp.exposed_fields.fields)} exposed to {group}{where}",
            expected=set(exp.exposed_fields.fields), hits=hits, item=lambda p, fld: fld)
    assert exp.who_can_see is not None
    field_id = exp.who_can_see.field
    hits = [(f, p, fld) for f in report.findings for p, fld in f.exposures if fld == field_id]
    return _check_exact(
        engine, make, f"exactly {_fmt(exp.who_can_see.people)} can see {field_id}{where}",
        expected=set(exp.who_can_see.people), hits=hits, item=lambda p, fld: p)


def _check_finding(engine: Analyzer, report: Report, want: FindingExpectation, make: Make,
                   where: str) -> CheckResult:
    types = set(want.types)
    matching = []
    for f in report.findings:
        if not types <= {t.value for t in f.failure_types}:
            continue
        fields = {fld for p, fld in f.exposures
                  if not want.from_ or _matches(engine, p, want.from_)}
        if fields and set(want.fields) <= fields:
            matching.append(f)
    text = (f"a finding of {_fmt(types) if types else 'any type'}"
            + (f" from {_fmt(want.from_)}" if want.from_ else "")
            + (f" to {_fmt(want.fields)}" if want.fields else "") + where)
    cited, nodes = _evidence(matching)
    if matching:
        return make(passed=True, summary=text, cited=cited, path_nodes=nodes)
    actual = "; ".join(f"{f.id}: {_fmt(t.value for t in f.failure_types)} to "
                       f"{_fmt(f.fields)}" for f in report.findings) or "no findings"
    return make(passed=False, summary=text, expected=text, actual=actual)


def _check_no_path(engine: Analyzer, report: Report, want: NoPathExpectation, make: Make,
                   where: str) -> CheckResult:
    systems = set(want.systems or [])

    def targeted(field_id: str) -> bool:
        if want.fields is not None:
            return field_id in want.fields
        return not systems or engine.boundary.field_system[field_id] in systems

    offending = [(f, p, fld) for f in report.findings for p, fld in f.exposures
                 if _matches(engine, p, want.from_) and targeted(fld)]
    target = _fmt(want.fields) if want.fields is not None else (
        f"non-public data of {_fmt(systems)}" if systems else "any non-public field")
    text = f"no path from {_fmt(want.from_)} to {target}{where}"
    if not offending:
        return make(passed=True, summary=text)
    first, person, field_id = min(offending, key=lambda item: (item[1], item[2]))
    actual = ", ".join(sorted({f"{p} sees {fld}" for _, p, fld in offending})[:8])
    cited, nodes = _evidence([first])
    return make(passed=False, summary=text, expected="no path",
                actual=f"{actual} (e.g. {first.id})",
                witness=_witness(engine, person, field_id), cited=cited, path_nodes=nodes)


def _check_exact(engine: Analyzer, make: Make, text: str, *, expected: set[str],
                 hits: list[tuple[Finding, str, str]], item: Callable[[str, str], str]
                 ) -> CheckResult:
    """Exactly ``expected`` (fields of a group, or people who see a field), nothing else."""
    actual = {item(p, fld) for _, p, fld in hits}
    cited, nodes = _evidence({f.id: f for f, _, _ in hits}.values())
    if actual == expected:
        return make(passed=True, summary=text, cited=cited, path_nodes=nodes)
    extra = sorted(actual - expected)
    witness: tuple[Hop, ...] = ()
    if extra:
        person, field_id = min((p, fld) for _, p, fld in hits if item(p, fld) == extra[0])
        witness = _witness(engine, person, field_id)
    return make(passed=False, summary=text, expected=_fmt(expected),
                actual=_fmt(actual) + (f" (unexpected: {', '.join(extra)})" if extra else ""),
                witness=witness, cited=cited, path_nodes=nodes, actual_items=tuple(sorted(actual)))


def _check_decision(run: ScenarioRun, exp: Expectation, make: Make, where: str
                    ) -> CheckResult:
    assert exp.decision is not None
    d = exp.decision
    engine, _ = run.report(exp.mode, exp.at)
    policy = run.project.policy
    wrong: dict[str, list[Epoch]] = {}
    for sl in engine.slices:
        answer = policy.enforce(d.account, d.system, d.object, d.action, sl.mode, sl.day)
        if ("allow" if answer else "deny") != d.expect:
            wrong.setdefault(sl.mode, []).append(sl.epoch)
    actual = "; ".join(f"{'deny' if d.expect == 'allow' else 'allow'} in "
                       + Window(mode, e.start, e.end).label()
                       for mode, epochs in sorted(wrong.items()) for e in merge_epochs(epochs))
    text = f"{d.account} {d.action} {d.system}/{d.object}: {d.expect}{where}"
    first = engine.slices[0] if engine.slices else None
    grounds = (engine.decisions.grounds(d.account, d.system, d.object, d.action, first.mode,
                                        first.day) if first else None)
    cited: frozenset[Source] = frozenset()
    if grounds:
        cited = frozenset(grounds.sources(policy.policy_display))
    if not wrong:
        is_screen = d.action == "open"
        return make(passed=True, summary=text, cited=cited,
                    path_nodes=frozenset({f"screen:{d.object}"}) if is_screen else frozenset())
    return make(passed=False, summary=text, expected=d.expect, actual=actual, cited=cited)
