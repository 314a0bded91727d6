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
from accesssim.i18n import Msg, msg
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
    summary: str | Msg  # a Msg, printed in the reader's language (str() is the English)
    expected: str | Msg = ""
    actual: str | Msg = ""
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


def joined(items: Iterable[str | Msg]) -> str | Msg:
    """``a; b; c`` as one message (each part translated, the separator too)."""
    parts = list(items)
    if not parts:
        return ""
    result = parts[-1]
    for part in reversed(parts[:-1]):
        result = msg("{first}; {rest}", first=part, rest=result)
    return result


def _where(exp: Expectation) -> str | Msg:
    """`` in MODE mode``, `` on DATE``, both, or nothing: the scope an expectation names."""
    if exp.mode and exp.at:
        return msg(" in {mode} mode on {date}", mode=exp.mode, date=exp.at.isoformat())
    if exp.mode:
        return msg(" in {mode} mode", mode=exp.mode)
    if exp.at:
        return msg(" on {date}", date=exp.at.isoformat())
    return ""


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
    where = _where(exp)
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
            engine, make, msg("exactly {fields} exposed to {group}{where}",
                              fields=_fmt(exp.exposed_fields.fields), group=group, where=where),
            expected=set(exp.exposed_fields.fields), hits=hits, item=lambda p, fld: fld)
    assert exp.who_can_see is not None
    field_id = exp.who_can_see.field
    hits = [(f, p, fld) for f in report.findings for p, fld in f.exposures if fld == field_id]
    return _check_exact(
        engine, make, msg("exactly {people} can see {field}{where}",
                          people=_fmt(exp.who_can_see.people), field=field_id, where=where),
        expected=set(exp.who_can_see.people), hits=hits, item=lambda p, fld: p)


def _check_finding(engine: Analyzer, report: Report, want: FindingExpectation, make: Make,
                   where: str | Msg) -> CheckResult:
    types = set(want.types)
    matching = []
    for f in report.findings:
        if not types <= {t.value for t in f.failure_types}:
            continue
        fields = {fld for p, fld in f.exposures
                  if not want.from_ or _matches(engine, p, want.from_)}
        if fields and set(want.fields) <= fields:
            matching.append(f)
    text = msg("a finding of {types}{people}{fields}{where}",
               types=_fmt(types) if types else msg("any type"),
               people=msg(" from {people}", people=_fmt(want.from_)) if want.from_ else "",
               fields=msg(" to {fields}", fields=_fmt(want.fields)) if want.fields else "",
               where=where)
    cited, nodes = _evidence(matching)
    if matching:
        return make(passed=True, summary=text, cited=cited, path_nodes=nodes)
    actual = joined(msg("{finding}: {types} to {fields}", finding=f.id,
                        types=_fmt(t.value for t in f.failure_types), fields=_fmt(f.fields))
                    for f in report.findings) or msg("no findings")
    return make(passed=False, summary=text, expected=text, actual=actual)


def _check_no_path(engine: Analyzer, report: Report, want: NoPathExpectation, make: Make,
                   where: str | Msg) -> CheckResult:
    systems = set(want.systems or [])

    def targeted(field_id: str) -> bool:
        if want.fields is not None:
            return field_id in want.fields
        return not systems or engine.boundary.field_system[field_id] in systems

    offending = [(f, p, fld) for f in report.findings for p, fld in f.exposures
                 if _matches(engine, p, want.from_) and targeted(fld)]
    target: str | Msg = _fmt(want.fields) if want.fields is not None else (
        msg("non-public data of {systems}", systems=_fmt(systems)) if systems
        else msg("any non-public field"))
    text = msg("no path from {people} to {target}{where}", people=_fmt(want.from_),
               target=target, where=where)
    if not offending:
        return make(passed=True, summary=text)
    first, person, field_id = min(offending, key=lambda item: (item[1], item[2]))
    sights = [msg("{person} sees {field}", person=p, field=fld)
              for p, fld in sorted({(p, fld) for _, p, fld in offending})[:8]]
    actual = msg("{list} (e.g. {finding})", finding=first.id, list=_comma(sights))
    cited, nodes = _evidence([first])
    return make(passed=False, summary=text, expected=msg("no path"), actual=actual,
                witness=_witness(engine, person, field_id), cited=cited, path_nodes=nodes)


def _comma(parts: list[Msg]) -> Msg:
    """``a, b, c`` as one message (each part translated)."""
    result = parts[-1]
    for part in reversed(parts[:-1]):
        result = msg("{first}, {rest}", first=part, rest=result)
    return result


def _check_exact(engine: Analyzer, make: Make, text: Msg, *, expected: set[str],
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
                actual=(msg("{actual} (unexpected: {extra})", actual=_fmt(actual),
                            extra=", ".join(extra)) if extra else _fmt(actual)),
                witness=witness, cited=cited, path_nodes=nodes, actual_items=tuple(sorted(actual)))


def _check_decision(run: ScenarioRun, exp: Expectation, make: Make, where: str | Msg
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
    actual = joined(msg("{answer} in {window}", answer="deny" if d.expect == "allow" else "allow",
                        window=Window(mode, e.start, e.end).said())
                    for mode, epochs in sorted(wrong.items()) for e in merge_epochs(epochs))
    text = msg("{account} {action} {system}/{object}: {expect}{where}", account=d.account,
               action=d.action, system=d.system, object=d.object, expect=d.expect, where=where)
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
