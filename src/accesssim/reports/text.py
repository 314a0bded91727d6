"""The human-readable report: one block per finding, witness hop by hop."""

from __future__ import annotations

from collections.abc import Iterable

from accesssim.findings.results import Finding, Hop, Report, Window
from accesssim.search.defects import Defect


def cause_lines(windows: Iterable[Window], defects: Iterable[Defect], witness: Iterable[Hop],
                indent: str = "    ") -> list[str]:
    """When it holds, its root cause and its witness: the same words in analyze and explain."""
    lines = [f"{indent}holds:   {'; '.join(w.label() for w in windows)}", f"{indent}root cause:"]
    for d in defects:
        lines.append(f"{indent}  - {d.type.label}: {d.description}  [{d.source}]")
    lines.append(f"{indent}witness:")
    for step, hop in enumerate(witness, start=1):
        mark = f"  <-- {hop.defect.label}" if hop.defect else ""
        where = ", ".join(str(s) for s in hop.sources)
        lines.append(f"{indent}  {step:>2}. {hop.text}  [{where}]{mark}")
    return lines


def _finding(index: int, f: Finding) -> list[str]:
    types = ", ".join(t.label for t in f.failure_types)
    lines = [f"[{index}] {f.id}  {types}"]
    groups = ", ".join(f"{g.person} ({g.org}, {g.headcount})" for g in f.people)
    people = "1 person" if f.headcount == 1 else f"{f.headcount} people"
    lines.append(f"    exposed: {people} ({f.share:.2%} of untrusted staff): {groups}")
    lines.append(f"    fields:  {', '.join(f.fields)}")
    lines.extend(cause_lines(f.windows, f.defects, f.witness))
    return lines


def finding_to_text(index: int, f: Finding) -> str:
    """One finding as ``analyze`` prints it (``index`` is its rank in the report)."""
    return "\n".join(_finding(index, f)) + "\n"


def report_to_text(report: Report) -> str:
    lines = [f"accesssim: {report.model_name}",
             f"model {report.model_file}; policy {report.casbin_policy} "
             f"(model {report.casbin_model})",
             f"modes: {', '.join(report.modes)}; "
             + (f"at {report.at.isoformat()}" if report.at else "all dates")
             + f"; {report.slices} slices, {report.enforce_calls} Casbin checks"]
    for w in report.warnings:
        lines.append(f"warning: {w}")
    lines.append("")
    for i, f in enumerate(report.findings, start=1):
        lines.extend(_finding(i, f))
        lines.append("")
    if report.findings:
        lines.append(f"{len(report.findings)} finding(s); {report.exposed_headcount} of "
                     f"{report.untrusted_headcount} untrusted people exposed")
    else:
        lines.append("no findings: nobody outside the boundary can see a non-public field")
    return "\n".join(lines) + "\n"
