"""The human-readable report: one block per finding, witness hop by hop, in the language of
the translator it is given (English by default, byte for byte as before)."""

from __future__ import annotations

from collections.abc import Iterable

from accesssim.findings.results import Finding, Hop, Report, Window, window_label
from accesssim.i18n import ENGLISH, N_, Msg, Translator, msg
from accesssim.search.defects import Defect


def say(text: str | Msg, tr: Translator = ENGLISH) -> str:
    """A message in the translator's language; a plain string (data, or words another layer
    wrote as text) as it is."""
    return tr(text) if isinstance(text, Msg) else text


def people_count(count: int, tr: Translator = ENGLISH) -> str:
    """``1 person`` / ``N people`` (one msgid each: the plural rule is the language's)."""
    if count == 1:
        return tr(msg("1 person"))
    return tr(msg("{count} people", count=count))


def hop_line(step: int, hop: Hop, where: str, tr: Translator = ENGLISH) -> str:
    """`` N. hop  [file:line]  <-- failure type``: one witness hop as every text output shows it."""
    mark = f"  <-- {tr(hop.defect.label)}" if hop.defect else ""
    return f"{step:>2}. {tr(hop.msg)}  [{where}]{mark}"


def cause_lines(windows: Iterable[Window], defects: Iterable[Defect], witness: Iterable[Hop],
                indent: str = "    ", tr: Translator = ENGLISH) -> list[str]:
    """When it holds, its root cause and its witness: the same words in analyze and explain."""
    held = tr(N_("; ")).join(window_label(w, tr) for w in windows)
    lines = [indent + tr(msg("holds:   {windows}", windows=held)),
             indent + tr(msg("root cause:"))]
    for d in defects:
        lines.append(f"{indent}  - {tr(d.type.label)}: {tr(d.description)}  [{d.source}]")
    lines.append(indent + tr(msg("witness:")))
    for step, hop in enumerate(witness, start=1):
        where = ", ".join(str(s) for s in hop.sources)
        lines.append(f"{indent}  {hop_line(step, hop, where, tr)}")
    return lines


def _finding(index: int, f: Finding, tr: Translator) -> list[str]:
    types = ", ".join(tr(t.label) for t in f.failure_types)
    lines = [f"[{index}] {f.id}  {types}"]
    groups = ", ".join(tr(msg("{person} ({org}, {count})", person=g.person, org=g.org,
                              count=g.headcount)) for g in f.people)
    share = f"{f.share:.2%}"
    lines.append("    " + tr(msg("exposed: {people} ({share} of untrusted staff): {groups}",
                               people=people_count(f.headcount, tr), share=share,
                               groups=groups)))
    lines.append("    " + tr(msg("fields:  {fields}", fields=", ".join(f.fields))))
    lines.extend(cause_lines(f.windows, f.defects, f.witness, tr=tr))
    return lines


def finding_to_text(index: int, f: Finding, tr: Translator = ENGLISH) -> str:
    """One finding as ``analyze`` prints it (``index`` is its rank in the report)."""
    return "\n".join(_finding(index, f, tr)) + "\n"


def report_to_text(report: Report, tr: Translator = ENGLISH) -> str:
    when = (tr(msg("at {date}", date=report.at.isoformat())) if report.at
            else tr(msg("all dates")))
    lines = [f"accesssim: {report.model_name}",
             tr(msg("model {model}; policy {policy} (model {conf})", model=report.model_file,
                    policy=report.casbin_policy, conf=report.casbin_model)),
             tr(msg("modes: {modes}; {when}; {slices} slices, {calls} Casbin checks",
                    modes=", ".join(report.modes), when=when, slices=report.slices,
                    calls=report.enforce_calls))]
    for w in report.warnings:
        lines.append(tr(msg("warning: {warning}", warning=w)))
    lines.append("")
    for i, f in enumerate(report.findings, start=1):
        lines.extend(_finding(i, f, tr))
        lines.append("")
    if report.findings:
        lines.append(tr(msg("{count} finding(s); {exposed} of {untrusted} untrusted people "
                            "exposed", count=len(report.findings),
                            exposed=report.exposed_headcount,
                            untrusted=report.untrusted_headcount)))
    else:
        lines.append(tr(msg("no findings: nobody outside the boundary can see a non-public "
                            "field")))
    return "\n".join(lines) + "\n"
