"""Text output of ``accesssim diff`` and ``accesssim check``: one line per opened exposure, its
hops with the changed lines marked, then counts, reasons and a one-line verdict.

The small helpers here (who, dates gained, waiver state) are shared with the other gate
formats so that every output says the same thing in the same words.
"""

from __future__ import annotations

from collections.abc import Iterable

from accesssim.findings.results import Window
from accesssim.gate.diff import Fact, Status
from accesssim.gate.result import GateReport, ModelDiff, Opened
from accesssim.gate.waivers import unused
from accesssim.suite.checks import CheckResult

#: The finding statuses of a diff, in the order every output lists them.
STATUSES: tuple[Status, ...] = ("new", "gone", "widened", "narrowed", "unchanged")


def fact_label(fact: Fact) -> str:
    """``mode, from to until`` (the report's own window words)."""
    return Window(fact.mode, fact.start, fact.end).label()


def gained_label(opened: Opened) -> str:
    return "; ".join(fact_label(f) for f in opened.gained) or "nothing recorded"


def who(opened: Opened) -> str:
    """``person "name" (org, N people)``; the name only when it differs from the id."""
    name = f' "{opened.person_name}"' if opened.person_name != opened.person else ""
    people = "1 person" if opened.headcount == 1 else f"{opened.headcount} people"
    return f"{opened.person}{name} ({opened.org}, {people})"


def waived(opened: Opened, report: GateReport | None) -> bool:
    """Covered by a waiver that has not expired (a diff alone has no waivers)."""
    if opened.waiver is None or report is None:
        return False
    return not opened.waiver.expired(report.today)


def waiver_label(opened: Opened, report: GateReport | None) -> str:
    if opened.waiver is None or report is None:
        return ""
    w = opened.waiver
    state = "WAIVED" if waived(opened, report) else "waiver EXPIRED"
    return f"{state} by {w.owner} until {w.expires.isoformat()} ({w.source})"


def opened_line(opened: Opened, report: GateReport | None) -> str:
    """One line that says everything about an opened exposure (a line break in a name from
    the model is shown as a space, so a log stays one line per exposure)."""
    types = ", ".join(t.label for t in opened.failure_types) or "no failure type"
    line = (f"{opened.status.upper()} {opened.fingerprint} {who(opened)} sees {opened.field}: "
            f"{gained_label(opened)}; finding {opened.finding} ({types})")
    waiver = waiver_label(opened, report)
    return " ".join((f"{line}; {waiver}" if waiver else line).splitlines())


def hop_lines(opened: Opened, indent: str) -> list[str]:
    """The witness hop by hop; a changed line is marked ``*`` (it differs from the base)."""
    changed = set(opened.changed)
    lines = []
    for step, hop in enumerate(opened.hops, start=1):
        where = ", ".join(f"*{s}" if s in changed else str(s) for s in hop.sources)
        mark = f"  <-- {hop.defect.label}" if hop.defect else ""
        lines.append(f"{indent}{step:>2}. {hop.text}" + (f"  [{where}]" if where else "") + mark)
    if opened.changed:
        lines.append(f"{indent}changed: {', '.join(str(s) for s in opened.changed)}")
    else:
        lines.append(f"{indent}changed: no line on this path differs from the base")
    return lines


def _status_counts(md: ModelDiff) -> str:
    return ", ".join(f"{len(md.diff.with_status(s))} {s}" for s in STATUSES)


def _model_lines(md: ModelDiff, report: GateReport | None) -> list[str]:
    base = md.base or "an empty base"
    lines = [f"model {md.model} compared with {base}"]
    if md.base_note:
        lines.append(f"  note: {md.base_note}")
    lines.append(f"  findings: {_status_counts(md)}")
    for opened in md.opened:
        lines.append(f"  {opened_line(opened, report)}")
        lines.extend(hop_lines(opened, "      "))
    return lines


def _expectation_lines(results: Iterable[CheckResult]) -> list[str]:
    lines = []
    for r in results:
        lines.append(f"  {'PASS' if r.passed else 'FAIL'} {r.test_id} ({r.kind}, line {r.line}):"
                     f" {r.summary}")
        if not r.passed:
            lines.append(f"       expected: {r.expected}")
            lines.append(f"       actual:   {r.actual}")
    return lines


def diff_to_text(md: ModelDiff) -> str:
    """``accesssim diff``: the model block and a last line that says whether it widens."""
    lines = _model_lines(md, None)
    new = sum(o.status == "new" for o in md.opened)
    narrowed = len(md.diff.narrowed)
    if md.opened or md.diff.widens:
        lines.append(f"WIDENED: {len(md.opened)} exposure(s) opened ({new} new, "
                     f"{len(md.opened) - new} widened), {len(md.diff.widened)} fact(s) gained, "
                     f"{narrowed} lost")
    else:
        lines.append(f"NOT WIDENED: nothing opened, {narrowed} fact(s) lost")
    return "\n".join(lines) + "\n"


def summary_line(report: GateReport) -> str:
    """``PASS|FAIL: counts``: the line a CI log is read by."""
    c = report.counts()
    findings = ", ".join(f"{c['findings_' + s]} {s}" for s in STATUSES)
    return (f"{report.result}: {c['reasons']} reason(s); exposures {c['exposures_new']} new, "
            f"{c['exposures_widened']} widened, {c['exposures_waived']} waived; findings "
            f"{findings}; expectations "
            f"{c['expectations_failed']} of {c['expectations']} failed; waivers "
            f"{c['waivers_expired']} of {c['waivers']} expired")


def _waiver_lines(report: GateReport) -> list[str]:
    """Expired waivers (each a reason too), then unexpired ones that matched no exposure of
    their model (not a failure; one line each, whatever the waiver file's strings hold)."""
    lines = [f"expired waiver: {w.fingerprint} in {w.model} by {w.owner} until "
             f"{w.expires.isoformat()} ({w.source})"
             for w in report.waivers if w.expired(report.today)]
    lines += [f"unused waiver: {w.fingerprint} in {w.model} by {w.owner} until "
              f"{w.expires.isoformat()} ({w.source}): no exposure of that model opened by "
              "this change has it"
              for w in unused(report.models, report.waivers) if not w.expired(report.today)]
    return [" ".join(line.splitlines()) for line in lines]


def check_to_text(report: GateReport) -> str:
    """``accesssim check``: per model its diff, the expectations, the reasons, the verdict."""
    lines = [f"accesssim check: {len(report.models)} model(s)"
             + (f", base {report.base_ref}" if report.base_ref else ", no base")
             + f", today {report.today.isoformat()}"]
    for md in report.models:
        lines.extend(_model_lines(md, report))
    if report.expectations:
        lines.append("expectations:")
        lines.extend(_expectation_lines(report.expectations))
    lines.extend(_waiver_lines(report))
    if report.reasons:
        lines.append("reasons:")
        for reason in report.reasons:
            where = f"  [{reason.source}]" if reason.source else ""
            lines.append(f"  - {reason.kind}: {reason.message}{where}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
