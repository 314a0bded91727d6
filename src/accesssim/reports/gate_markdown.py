"""Markdown of ``accesssim check`` for a pull request (``--markdown``, the step summary): the
verdict, a counts table, one collapsible section per opened exposure with its path and the
exact waiver entry that would accept it.

Every string that comes from a model, a policy or a waiver file is escaped: names may hold
``|``, ``<``, backticks or newlines, and must neither break the table nor inject HTML.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re

from accesssim.gate.result import GateReport, Opened
from accesssim.gate.waivers import unused
from accesssim.i18n import ENGLISH, Translator, msg
from accesssim.reports.gate_text import (
    gained_label,
    note_text,
    reason_text,
    status_label,
    summary_line,
    types_label,
    waived,
    who,
)
from accesssim.reports.text import say

#: Characters Markdown gives a meaning to inside a line; each is shown with a backslash. (The
#: marks that count only at the start of a line, ``#``, ``-``, ``1.``, never come first here.)
_MARKDOWN = re.compile(r"([\\`*_\[\]|~])")
#: A path written as a plain YAML scalar; any other is written double-quoted (JSON is YAML).
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*\.ya?ml")
#: How long the suggested waiver lasts: a default to edit, not a policy.
WAIVER_DAYS = 90
#: GitHub refuses a step summary over 1 MiB; this output stays under it.
MAX_BYTES = 1_000_000
_NOTE_ROOM = 200  # bytes kept for the closing note


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


_COUNT_NAMES = {
    "models": msg("models"), "exposures_narrowed": msg("exposures narrowed"),
    "reasons": msg("reasons"), "exposures_new": msg("exposures new"),
    "exposures_widened": msg("exposures widened"), "exposures_waived": msg("exposures waived"),
    "findings_new": msg("findings new"), "findings_gone": msg("findings gone"),
    "findings_widened": msg("findings widened"), "findings_narrowed": msg("findings narrowed"),
    "findings_unchanged": msg("findings unchanged"), "expectations": msg("expectations"),
    "expectations_failed": msg("expectations failed"), "waivers": msg("waivers"),
    "waivers_expired": msg("waivers expired")}


def _counts_table(report: GateReport, tr: Translator) -> list[str]:
    lines = [tr(msg("| what | count |")), "|---|---:|"]
    lines.extend(f"| {tr(_COUNT_NAMES[name]) if name in _COUNT_NAMES else name.replace('_', ' ')}"
                 f" | {value} |" for name, value in report.counts().items())
    return lines


def waiver_snippet(opened: Opened, model: str, today: dt.date) -> list[str]:
    """The entry to add to accesssim-waivers.yaml (owner, reason and expiry to fill in); it
    names the model, since a waiver covers the exposure in that model only."""
    expires = today + dt.timedelta(days=WAIVER_DAYS)
    shown = model if _PLAIN_PATH.fullmatch(model) else json.dumps(model, ensure_ascii=False)
    return ["```yaml", "accesssim-waivers: 1", "waivers:",
            f"  - fingerprint: {opened.fingerprint}",
            f"    model: {_flat(shown)}",
            "    owner: someone@example.com          # who accepts it",
            "    reason: why this exposure is accepted",
            f"    expires: {expires.isoformat()}              # the last day it is accepted",
            "```"]


def _opened_section(opened: Opened, model: str, report: GateReport, tr: Translator) -> str:
    state = "waived" if waived(opened, report) else opened.status
    summary = tr(msg("{status} <code>{fingerprint}</code> {who} sees <code>{field}</code>",
                     status=status_label(state, tr).upper(),
                     fingerprint=_html(opened.fingerprint), who=_html(who(opened, tr)),
                     field=_html(opened.field)))
    changed = set(opened.changed)
    lines = ["<details>", f"<summary>{summary}</summary>", "",
             tr(msg("- gained: {gained}", gained=md(gained_label(opened, tr)))),
             tr(msg("- finding: {finding} ({types})", finding=code(opened.finding),
                    types=md(types_label(opened, tr))))]
    if opened.waiver is not None:
        w = opened.waiver
        said = (msg("- waived by {owner} until {expires} ({source}): {reason}",
                    owner=md(w.owner), expires=w.expires.isoformat(),
                    source=code(str(w.source)), reason=md(w.reason))
                if waived(opened, report) else
                msg("- the waiver EXPIRED by {owner} until {expires} ({source}): {reason}",
                    owner=md(w.owner), expires=w.expires.isoformat(),
                    source=code(str(w.source)), reason=md(w.reason)))
        lines.append(tr(said))
    lines += ["", tr(msg("Path:")), ""]
    for step, hop in enumerate(opened.hops, start=1):
        where = ", ".join(code(str(s)) + (tr(msg(" **changed**")) if s in changed else "")
                          for s in hop.sources)
        mark = f" (**{md(tr(hop.defect.label))}**)" if hop.defect else ""
        lines.append(f"{step}. {md(tr(hop.msg))}{mark}" + (f": {where}" if where else ""))
    if not opened.changed:
        lines += ["", tr(msg("No line on this path differs from the base."))]
    if opened.waiver is not None and not waived(opened, report):
        lines += ["", tr(msg("To accept it again, set a later `expires:` on its waiver at "
                             "{source} (a fingerprint may be waived only once per model).",
                             source=code(str(opened.waiver.source))))]
    elif opened.waiver is None:
        lines += ["", tr(msg("To accept this exposure, add this entry to "
                             "`accesssim-waivers.yaml` (or its `waivers:` list):")), ""]
        lines += waiver_snippet(opened, model, report.today)
    lines += ["", "</details>", ""]
    return "\n".join(lines) + "\n"


def _sections(report: GateReport, tr: Translator) -> list[tuple[str, list[str]]]:
    """(heading, items) after the head; each item is a finished block of Markdown."""
    reasons = [f"- {md(r.kind)}: {md(reason_text(r, tr))}"
               + (f" ({code(str(r.source))})" if r.source else "") + "\n"
               for r in report.reasons]
    opened = [_opened_section(o, m.model, report, tr) for m in report.models
              for o in m.opened]
    failed = [tr(msg("- {test} (line {line}): {summary}; expected {expected}, got {actual}",
                     test=code(r.test_id), line=r.line, summary=md(say(r.summary, tr)),
                     expected=md(say(r.expected, tr)),
                     actual=md(say(r.actual, tr)))) + "\n"
              for r in report.expectations if not r.passed]
    expired = [tr(msg("- {fingerprint} in {model} by {owner} expired {expires} ({source}): "
                      "{reason}", fingerprint=code(w.fingerprint), model=code(w.model),
                      owner=md(w.owner), expires=w.expires.isoformat(),
                      source=code(str(w.source)), reason=md(w.reason))) + "\n"
               for w in report.waivers if w.expired(report.today)]
    idle = [tr(msg("- {fingerprint} in {model} by {owner} until {expires} ({source}): no "
                   "exposure of that model opened by this change has it",
                   fingerprint=code(w.fingerprint), model=code(w.model), owner=md(w.owner),
                   expires=w.expires.isoformat(), source=code(str(w.source)))) + "\n"
            for w in unused(report.models, report.waivers) if not w.expired(report.today)]
    return [("### " + tr(msg("Why it fails")) + "\n\n", reasons),
            ("### " + tr(msg("Opened or widened exposures")) + "\n\n", opened),
            ("### " + tr(msg("Failed expectations")) + "\n\n", failed),
            ("### " + tr(msg("Expired waivers")) + "\n\n", expired),
            ("### " + tr(msg("Unused waivers")) + "\n\n", idle)]


def check_to_markdown(report: GateReport, tr: Translator = ENGLISH) -> str:
    """The whole Markdown, at most ``MAX_BYTES``: past that, items are left out and counted in
    a closing note (GitHub refuses a step summary over 1 MiB, and would show nothing)."""
    verdict = tr(msg("PASS")) if report.result == "PASS" else tr(msg("FAIL"))
    lines = [f"## accesssim check: {verdict}", "", f"**{md(summary_line(report, tr))}**", ""]
    for m in report.models:
        base = code(m.base) if m.base else tr(msg("an empty base"))
        lines.append(tr(msg("- {model} compared with {base}", model=code(m.model), base=base))
                     + (f": {md(note_text(m.base_note, tr))}" if m.base_note else ""))
    lines += ["", *_counts_table(report, tr), ""]
    parts = ["\n".join(lines) + "\n"]
    size, left_out = len(parts[0].encode()) + _NOTE_ROOM, 0
    for heading, items in _sections(report, tr):
        if not items:
            continue
        block = [heading]
        for item in items:
            cost = len(item.encode()) + len(heading.encode()) * (len(block) == 1)
            if left_out or size + cost > MAX_BYTES:
                left_out += 1
                continue
            block.append(item)
            size += cost
        if len(block) > 1:
            parts += [*block, "\n"]
    if left_out:
        parts.append("**" + tr(msg("{count} item(s) left out to keep this summary under "
                                   "GitHub's size limit; the text and JSON outputs hold them "
                                   "all.", count=left_out)) + "**\n")
    return "".join(parts).rstrip("\n") + "\n"


def error_to_markdown(message: str) -> str:
    """The run could not finish (exit 2): say so, and why, and nothing else."""
    return f"## accesssim check: ERROR\n\n**The check could not finish:** {md(message)}\n"
