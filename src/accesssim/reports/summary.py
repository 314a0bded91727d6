"""The regulator's summary table as text, Markdown and CSV (JSON: reports/summary_json.py).

Every format prints the same cells (``cells``): one row per model, a cell being one or more
lines, so a CSV read back gives exactly what the table shows. Words go through the
``Translator``; the text table is aligned by display width, so Japanese lines up.
"""

from __future__ import annotations

import csv
import html
import io
import unicodedata
from collections.abc import Sequence

from accesssim.i18n import ENGLISH, N_, Msg, Translator, msg
from accesssim.summary.rows import Span, Status, SummaryRow

HEADINGS = (
    N_("Model"),
    N_("Grid company"),
    N_("Failure types"),
    N_("Who could see what"),
    N_("Since / until"),
    N_("Gap"),
)

STATUS_WORDS = {
    Status.CLOSED: N_("closed"),
    Status.OPEN: N_("open"),
    Status.NO_VARIANT: N_("no variant"),
    Status.NO_GAP: N_("no gap"),
}

#: Byte-order mark that makes Excel (notably in Japan) read a CSV file as UTF-8.
BOM = "\ufeff"


def cells(row: SummaryRow, tr: Translator = ENGLISH) -> tuple[str, ...]:
    """The row's cells, lines joined by newlines, in the order of ``HEADINGS``."""
    comma = tr(N_(", "))
    companies = comma.join(_flat(c.name) for c in row.companies)
    types = [tr(t.label) for t in row.failure_types] or [tr(N_("none"))]
    seen: list[str] = []
    for exposure in row.exposures:
        seen.append(tr(_people(_flat(exposure.org.name), exposure.headcount)))
        seen.append("  " + comma.join(_flat(f.name) for f in exposure.fields))
    if len(row.exposures) > 1:
        seen.append(tr(msg("{count} people in all", count=f"{row.headcount:,}")))
    return (
        _flat(row.model_file.rsplit("/", 1)[-1]),
        companies,
        "\n".join(types),
        "\n".join(seen) or "-",
        "\n".join(_spans(row, tr)) or "-",
        "\n".join(_gap(row, tr)),
    )


def _flat(name: str) -> str:
    """A display name on one line: a cell's line breaks are the table's own (a name broken over
    two lines would read as another organisation)."""
    return " ".join(name.split())


def _people(org: str, count: int) -> Msg:
    if count == 1:
        return msg("{org}: 1 person", org=org)
    return msg("{org}: {count} people", org=org, count=f"{count:,}")


def _span(span: Span, tr: Translator) -> str:
    start = span.start.isoformat() if span.start else None
    end = span.end.isoformat() if span.end else None
    if start and end:
        return tr(msg("{start} to {end}", start=start, end=end))
    if start:
        return tr(msg("since {start}, no end date", start=start))
    if end:
        return tr(msg("until {end}, no start date", end=end))
    return tr(N_("no start or end date"))


def _spans(row: SummaryRow, tr: Translator) -> list[str]:
    """One line per mode, or one line when every mode of the analysis has the same span."""
    texts = {s.mode: _span(s, tr) for s in row.spans}
    if len(row.modes) > 1 and set(texts) == set(row.modes) and len(set(texts.values())) == 1:
        return [tr(msg("{span}, every mode", span=next(iter(texts.values()))))]
    return [tr(msg("{mode}: {span}", mode=mode, span=text)) for mode, text in texts.items()]


def _gap(row: SummaryRow, tr: Translator) -> list[str]:
    lines = [tr(STATUS_WORDS[row.status])]
    variant = (row.variant_file or "").rsplit("/", 1)[-1]
    if row.status is Status.CLOSED:
        lines.append(tr(msg("no finding in {file}", file=variant)))
    elif row.status is Status.OPEN:
        lines.append(tr(msg("findings remaining in {file}: {count}",
                            count=row.remaining_findings, file=variant)))
        lines += ["  " + tr(t.label) for t in row.remaining]
    return lines


def _width(text: str) -> int:
    """Columns a terminal gives ``text``: wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else
               0 if unicodedata.combining(c) else 1 for c in text)


#: Display columns after which the text table wraps a list (at its commas).
WRAP = 56


def _wrap(line: str, comma: str) -> list[str]:
    """``line`` cut after commas into pieces of at most ``WRAP`` columns (a longer item stays
    whole); continuation lines keep the line's indent."""
    if _width(line) <= WRAP or comma not in line:
        return [line]
    indent = line[:len(line) - len(line.lstrip(" "))]
    items = line.strip(" ").split(comma)
    out = [indent + items[0]]
    for item in items[1:]:
        if _width(out[-1] + comma + item) <= WRAP:
            out[-1] += comma + item
        else:
            out[-1] += comma.rstrip()
            out.append(indent + item)
    return out


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def summary_to_text(rows: Sequence[SummaryRow], tr: Translator = ENGLISH) -> str:
    """An aligned table (a blank line between models), then one line of totals."""
    table = [tuple(tr(h) for h in HEADINGS), *(cells(r, tr) for r in rows)]
    comma = tr(N_(", "))
    split = [[[piece for text in cell.split("\n") for piece in _wrap(text, comma)]
              for cell in line] for line in table]
    widths = [max(_width(text) for line in split for text in line[i])
              for i in range(len(HEADINGS))]
    out: list[str] = []
    for number, line in enumerate(split):
        if number > 1:
            out.append("")
        for k in range(max(len(c) for c in line)):
            parts = [c[k] if k < len(c) else "" for c in line]
            out.append("  ".join(_pad(p, w) for p, w in zip(parts, widths, strict=True)).rstrip())
        if number == 0:
            out.append("  ".join("-" * w for w in widths))
    out += ["", tr(_totals(rows))]
    return "\n".join(out) + "\n"


def _totals(rows: Sequence[SummaryRow]) -> Msg:
    count = {s: sum(1 for r in rows if r.status is s) for s in Status}
    if len(rows) == 1:
        return msg("1 model: {closed} closed, {open} open, {none} without a remediated variant, "
                   "{clean} without a gap", closed=count[Status.CLOSED], open=count[Status.OPEN],
                   none=count[Status.NO_VARIANT], clean=count[Status.NO_GAP])
    return msg("{models} models: {closed} closed, {open} open, {none} without a remediated "
               "variant, {clean} without a gap", models=len(rows),
               closed=count[Status.CLOSED], open=count[Status.OPEN],
               none=count[Status.NO_VARIANT], clean=count[Status.NO_GAP])


def summary_to_markdown(rows: Sequence[SummaryRow], tr: Translator = ENGLISH) -> str:
    """A GitHub Markdown table; a cell's lines are joined by ``<br>``. A name's ``<``, ``>``
    and ``&`` are escaped first, so a display name is shown, never read as HTML."""

    def line(values: Sequence[str]) -> str:
        escaped = (html.escape(v, quote=False).replace("|", "\\|").replace("\n", "<br>")
                   .replace("  ", "&nbsp;&nbsp;") for v in values)
        return "| " + " | ".join(escaped) + " |"

    out = [line([tr(h) for h in HEADINGS]), "|" + "---|" * len(HEADINGS)]
    out += [line(cells(r, tr)) for r in rows]
    return "\n".join(out) + "\n\n" + tr(_totals(rows)) + "\n"


#: First characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(cell: str) -> str:
    """``cell`` as a spreadsheet shows it but never runs: a cell that starts like a formula
    (a display name such as ``=HYPERLINK(...)``) gets a leading ``'``, as OWASP advises; the
    table's own "-" (nothing) stays as it is."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) and cell != "-" else cell


def summary_to_csv(rows: Sequence[SummaryRow], tr: Translator = ENGLISH,
                   bom: bool = False) -> str:
    """RFC 4180 CSV (CRLF line ends, quoted fields; a cell's lines stay in one field), a
    heading row first; cells that would start a formula are made inert (``inert``);
    ``bom``: start with a byte-order mark for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([tr(h) for h in HEADINGS])
    writer.writerows([inert(c) for c in cells(r, tr)] for r in rows)
    return (BOM if bom else "") + buffer.getvalue()
