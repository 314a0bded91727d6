"""Markdown of ``accesssim check`` for a pull request (``--markdown``, the step summary): the
verdict, a counts table, one collapsible section per opened exposure with its path and the
exact waiver entry that would accept it.

Every string that comes from a model, a policy or a waiver file is escaped: names may hold
``|``, ``<``, backticks or newlines, and must neither break the table nor inject HTML.
"""

from __future__ import annotations

import datetime as dt
import html
import re

from accesssim.gate.result import GateReport, Opened
from accesssim.reports.gate_text import gained_label, summary_line, waived, who

#: Characters Markdown gives a meaning to inside a line; each is shown with a backslash. (The
#: marks that count only at the start of a line, ``#``, ``-``, ``1.``, never come first here.)
_MARKDOWN = re.compile(r"([\\`*_\[\]|~])")
#: How long the suggested waiver lasts: a default to edit, not a policy.
WAIVER_DAYS = 90


def _flat(text: str) -> str:
    """One line: a line break would end a table row, a list item or an HTML block."""
    return " ".join(text.splitlines())


def md(text: str) -> str:
    """Literal text in Markdown: ``&<>"`` as entities, Markdown marks backslashed."""
    return _MARKDOWN.sub(r"\\\1", html.escape(_flat(text), quote=True))


def code(text: str) -> str:
    """Literal text as a Markdown code span, fenced by more backticks than it holds."""
    flat = _flat(text)
    fence = "`" * (max((len(run) for run in re.findall("`+", flat)), default=0) + 1)
    pad = " " if flat.startswith(("`", " ")) or flat.endswith(("`", " ")) else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _html(text: str) -> str:
    """Literal text inside an HTML block (``<summary>``), where Markdown is not read."""
    return html.escape(_flat(text), quote=True)


def _counts_table(report: GateReport) -> list[str]:
    lines = ["| what | count |", "|---|---:|"]
    lines.extend(f"| {name.replace('_', ' ')} | {value} |"
                 for name, value in report.counts().items())
    return lines


def waiver_snippet(opened: Opened, today: dt.date) -> list[str]:
    """The entry to add to accesssim-waivers.yaml (owner, reason and expiry to fill in)."""
    expires = today + dt.timedelta(days=WAIVER_DAYS)
    return ["```yaml", "accesssim-waivers: 1", "waivers:",
            f"  - fingerprint: {opened.fingerprint}",
            "    owner: someone@example.com          # who accepts it",
            "    reason: why this exposure is accepted",
            f"    expires: {expires.isoformat()}              # the last day it is accepted",
            "```"]


def _opened_section(opened: Opened, report: GateReport) -> list[str]:
    state = "waived" if waived(opened, report) else opened.status
    summary = (f"{state.upper()} <code>{_html(opened.fingerprint)}</code> {_html(who(opened))}"
               f" sees <code>{_html(opened.field)}</code>")
    changed = set(opened.changed)
    lines = ["<details>", f"<summary>{summary}</summary>", "",
             f"- gained: {md(gained_label(opened))}",
             f"- finding: {code(opened.finding)} "
             f"({md(', '.join(t.label for t in opened.failure_types) or 'no failure type')})"]
    if opened.waiver is not None:
        w = opened.waiver
        verdict = "waived" if waived(opened, report) else "the waiver EXPIRED"
        lines.append(f"- {verdict} by {md(w.owner)} until {w.expires.isoformat()} "
                     f"({code(str(w.source))}): {md(w.reason)}")
    lines += ["", "Path:", ""]
    for step, hop in enumerate(opened.hops, start=1):
        where = ", ".join(code(str(s)) + (" **changed**" if s in changed else "")
                          for s in hop.sources)
        mark = f" (**{md(hop.defect.label)}**)" if hop.defect else ""
        lines.append(f"{step}. {md(hop.text)}{mark}" + (f": {where}" if where else ""))
    if not opened.changed:
        lines += ["", "No line on this path differs from the base."]
    if not waived(opened, report):
        lines += ["", "To accept this exposure, add this entry to `accesssim-waivers.yaml` "
                  "(or its `waivers:` list):", ""]
        lines += waiver_snippet(opened, report.today)
    lines += ["", "</details>", ""]
    return lines


def check_to_markdown(report: GateReport) -> str:
    lines = [f"## accesssim check: {report.result}", "", f"**{md(summary_line(report))}**", ""]
    for m in report.models:
        base = code(m.base) if m.base else "an empty base"
        lines.append(f"- {code(m.model)} compared with {base}"
                     + (f": {md(m.base_note)}" if m.base_note else ""))
    lines += ["", *_counts_table(report), ""]
    if report.reasons:
        lines += ["### Why it fails", ""]
        lines += [f"- {md(r.kind)}: {md(r.message)}" + (f" ({code(str(r.source))})"
                                                         if r.source else "")
                  for r in report.reasons]
        lines.append("")
    if report.opened:
        lines += ["### Opened or widened exposures", ""]
        for opened in report.opened:
            lines += _opened_section(opened, report)
    failed = [r for r in report.expectations if not r.passed]
    if failed:
        lines += ["### Failed expectations", ""]
        lines += [f"- {code(r.test_id)} (line {r.line}): {md(r.summary)}; expected "
                  f"{md(r.expected)}, got {md(r.actual)}" for r in failed]
        lines.append("")
    expired = [w for w in report.waivers if w.expired(report.today)]
    if expired:
        lines += ["### Expired waivers", ""]
        lines += [f"- {code(w.fingerprint)} by {md(w.owner)} expired {w.expires.isoformat()} "
                  f"({code(str(w.source))}): {md(w.reason)}" for w in expired]
        lines.append("")
    return "\n".join(lines)


def error_to_markdown(message: str) -> str:
    """The run could not finish (exit 2): say so, and why, and nothing else."""
    return f"## accesssim check: ERROR\n\n**The check could not finish:** {md(message)}\n"
