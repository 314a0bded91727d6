"""Text output of ``accesssim diff`` and ``accesssim check``: one line per opened exposure, its
hops with the changed lines marked, then counts, reasons and a one-line verdict.

The small helpers here (who, dates gained, waiver state) are shared with the other gate
formats so that every output says the same thing in the same words (in the language of the
translator given; English by default).
"""

from __future__ import annotations

from collections.abc import Iterable

from accesssim.findings.results import Window, window_label
from accesssim.gate.diff import Fact, Status
from accesssim.gate.result import NO_BASE, GateReport, ModelDiff, Opened, Reason
from accesssim.gate.waivers import unused
from accesssim.i18n import ENGLISH, N_, Msg, Translator, msg
from accesssim.reports.suite_text import status_word
from accesssim.reports.text import people_count, say
from accesssim.suite.checks import CheckResult

#: The finding statuses of a diff, in the order every output lists them.
STATUSES: tuple[Status, ...] = ("new", "gone", "widened", "narrowed", "unchanged")

_STATUS_WORDS: dict[str, Msg] = {
    "new": msg("new"), "gone": msg("gone"), "widened": msg("widened"),
    "narrowed": msg("narrowed"), "unchanged": msg("unchanged"), "waived": msg("waived")}


def status_label(status: str, tr: Translator = ENGLISH) -> str:
    """A finding status (new, gone, widened, narrowed, unchanged, waived) in words."""
    return tr(_STATUS_WORDS[status]) if status in _STATUS_WORDS else status


def fact_label(fact: Fact, tr: Translator = ENGLISH) -> str:
    """``mode, from to until`` (the report's own window words)."""
    return window_label(Window(fact.mode, fact.start, fact.end), tr)


def gained_label(opened: Opened, tr: Translator = ENGLISH) -> str:
    return (tr(N_("; ")).join(fact_label(f, tr) for f in opened.gained)
            or tr(msg("nothing recorded")))


def who(opened: Opened, tr: Translator = ENGLISH) -> str:
    """``person "name" (org, N people)``; the name only when it differs from the id."""
    name = f' "{opened.person_name}"' if opened.person_name != opened.person else ""
    return tr(msg("{person}{name} ({org}, {people})", person=opened.person, name=name,
                  org=opened.org, people=people_count(opened.headcount, tr)))


def types_label(opened: Opened, tr: Translator = ENGLISH) -> str:
    """The failure types of the exposure's finding, or ``no failure type``."""
    return (", ".join(tr(t.label) for t in opened.failure_types)
            or tr(msg("no failure type")))


def waived(opened: Opened, report: GateReport | None) -> bool:
    """Covered by a waiver that has not expired (a diff alone has no waivers)."""
    if opened.waiver is None or report is None:
        return False
    return not opened.waiver.expired(report.today)


def waiver_label(opened: Opened, report: GateReport | None, tr: Translator = ENGLISH) -> str:
    if opened.waiver is None or report is None:
        return ""
    w = opened.waiver
    if waived(opened, report):
        return tr(msg("WAIVED by {owner} until {expires} ({source})", owner=w.owner,
                      expires=w.expires.isoformat(), source=str(w.source)))
    return tr(msg("waiver EXPIRED by {owner} until {expires} ({source})", owner=w.owner,
                  expires=w.expires.isoformat(), source=str(w.source)))


def opened_line(opened: Opened, report: GateReport | None, tr: Translator = ENGLISH) -> str:
    """One line that says everything about an opened exposure (a line break in a name from
    the model is shown as a space, so a log stays one line per exposure)."""
    line = tr(msg("{status} {fingerprint} {who} sees {field}: {gained}; finding {finding} "
                  "({types})", status=status_label(opened.status, tr).upper(),
                  fingerprint=opened.fingerprint, who=who(opened, tr), field=opened.field,
                  gained=gained_label(opened, tr), finding=opened.finding,
                  types=types_label(opened, tr)))
    waiver = waiver_label(opened, report, tr)
    return " ".join((f"{line}; {waiver}" if waiver else line).splitlines())


def hop_lines(opened: Opened, indent: str, tr: Translator = ENGLISH) -> list[str]:
    """The witness hop by hop; a changed line is marked ``*`` (it differs from the base)."""
    changed = set(opened.changed)
    lines = []
    for step, hop in enumerate(opened.hops, start=1):
        where = ", ".join(f"*{s}" if s in changed else str(s) for s in hop.sources)
        mark = f"  <-- {tr(hop.defect.label)}" if hop.defect else ""
        lines.append(f"{indent}{step:>2}. {tr(hop.msg)}" + (f"  [{where}]" if where else "")
                     + mark)
    if opened.changed:
        lines.append(indent + tr(msg("changed: {lines}",
                                     lines=", ".join(str(s) for s in opened.changed))))
    else:
        lines.append(indent + tr(msg("changed: no line on this path differs from the base")))
    return lines


def status_count(count: int, status: str, tr: Translator = ENGLISH) -> str:
    """``3 new``: a count of findings or exposures with a status."""
    return tr(msg("{count} {status}", count=count, status=status_label(status, tr)))


def reason_text(reason: Reason, tr: Translator = ENGLISH) -> str:
    """Why the check fails, in the translator's language (the message when not worded)."""
    return tr(reason.said) if reason.said is not None else reason.message


def note_text(note: str, tr: Translator = ENGLISH) -> str:
    """A model's base note: the no-base note translated, the others as the gate wrote them."""
    return tr(note) if note == NO_BASE else note


def _status_counts(md: ModelDiff, tr: Translator) -> str:
    return ", ".join(status_count(len(md.diff.with_status(s)), s, tr) for s in STATUSES)


def _model_lines(md: ModelDiff, report: GateReport | None, tr: Translator) -> list[str]:
    base = md.base or tr(msg("an empty base"))
    lines = [tr(msg("model {model} compared with {base}", model=md.model, base=base))]
    if md.base_note:
        lines.append("  " + tr(msg("note: {note}", note=note_text(md.base_note, tr))))
    lines.append("  " + tr(msg("findings: {counts}", counts=_status_counts(md, tr))))
    for opened in md.opened:
        lines.append(f"  {opened_line(opened, report, tr)}")
        lines.extend(hop_lines(opened, "      ", tr))
    return lines


def _expectation_lines(results: Iterable[CheckResult], tr: Translator) -> list[str]:
    lines = []
    for r in results:
        lines.append("  " + tr(msg("{status} {test} ({kind}, line {line}): {summary}",
                                   status=status_word(r.passed, tr), test=r.test_id,
                                   kind=r.kind, line=r.line, summary=say(r.summary, tr))))
        if not r.passed:
            lines.append("       " + tr(msg("expected: {expected}", expected=say(r.expected, tr))))
            lines.append("       " + tr(msg("actual:   {actual}", actual=say(r.actual, tr))))
    return lines


def diff_to_text(md: ModelDiff) -> str:
    """``accesssim diff``: the model block and a last line that says whether it widens."""
    lines = _model_lines(md, None, ENGLISH)
    new = sum(o.status == "new" for o in md.opened)
    narrowed = len(md.diff.narrowed)
    if md.opened or md.diff.widens:
        lines.append(f"WIDENED: {len(md.opened)} exposure(s) opened ({new} new, "
                     f"{len(md.opened) - new} widened), {len(md.diff.widened)} fact(s) gained, "
                     f"{narrowed} lost")
    else:
        lines.append(f"NOT WIDENED: nothing opened, {narrowed} fact(s) lost")
    return "\n".join(lines) + "\n"


def summary_line(report: GateReport, tr: Translator = ENGLISH) -> str:
    """``PASS|FAIL: counts``: the line a CI log is read by."""
    c = report.counts()
    findings = ", ".join(status_count(c["findings_" + s], s, tr) for s in STATUSES)
    return tr(msg("{result}: {reasons} reason(s); exposures {new} new, {widened} widened, "
                  "{waived} waived; findings {findings}; expectations {failed} of "
                  "{expectations} failed; waivers {expired} of {waivers} expired",
                  result=status_word(report.result == "PASS", tr), reasons=c["reasons"],
                  new=c["exposures_new"], widened=c["exposures_widened"],
                  waived=c["exposures_waived"], findings=findings,
                  failed=c["expectations_failed"], expectations=c["expectations"],
                  expired=c["waivers_expired"], waivers=c["waivers"]))


def _waiver_lines(report: GateReport, tr: Translator) -> list[str]:
    """Expired waivers (each a reason too), then unexpired ones that matched no exposure of
    their model (not a failure; one line each, whatever the waiver file's strings hold)."""
    lines = [tr(msg("expired waiver: {fingerprint} in {model} by {owner} until {expires} "
                    "({source})", fingerprint=w.fingerprint, model=w.model, owner=w.owner,
                    expires=w.expires.isoformat(), source=str(w.source)))
             for w in report.waivers if w.expired(report.today)]
    lines += [tr(msg("unused waiver: {fingerprint} in {model} by {owner} until {expires} "
                     "({source}): no exposure of that model opened by this change has it",
                     fingerprint=w.fingerprint, model=w.model, owner=w.owner,
                     expires=w.expires.isoformat(), source=str(w.source)))
              for w in unused(report.models, report.waivers) if not w.expired(report.today)]
    return [" ".join(line.splitlines()) for line in lines]


def check_to_text(report: GateReport, tr: Translator = ENGLISH) -> str:
    """``accesssim check``: per model its diff, the expectations, the reasons, the verdict."""
    base = (tr(msg(", base {ref}", ref=report.base_ref)) if report.base_ref
            else tr(msg(", no base")))
    lines = [tr(msg("accesssim check: {count} model(s){base}, today {today}",
                    count=len(report.models), base=base, today=report.today.isoformat()))]
    for md in report.models:
        lines.extend(_model_lines(md, report, tr))
    if report.expectations:
        lines.append(tr(msg("expectations:")))
        lines.extend(_expectation_lines(report.expectations, tr))
    lines.extend(_waiver_lines(report, tr))
    if report.reasons:
        lines.append(tr(msg("reasons:")))
        for reason in report.reasons:
            where = f"  [{reason.source}]" if reason.source else ""
            lines.append(f"  - {reason.kind}: {reason_text(reason, tr)}{where}")
    lines.append(summary_line(report, tr))
    return "\n".join(lines) + "\n"
