"""``accesssim replay`` as text (English or Japanese through the i18n layer), as JSON (schema
``accesssim.replay/v1``, data/replay.schema.json: English keys and values) and as CSV (the
summary groups, the regulator's table). Every list is printed in the result's own order, which
is sorted, so the same replay prints the same bytes on DuckDB and on Spark."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from accesssim.i18n import ENGLISH, N_, Msg, Translator, msg
from accesssim.replay.result import (
    DIMENSIONS,
    STATUSES,
    FindingUse,
    Group,
    Problem,
    ReplayResult,
    printable,
)
from accesssim.reports.summary import BOM, _pad, _width, inert
from accesssim.search.defects import FailureType

SCHEMA_ID = "accesssim.replay/v1"

STATUS_WORDS = {"confirmed": N_("confirmed violation"),
                "suspected": N_("suspected violation"),
                "legitimate": N_("legitimate"),
                "unexplained": N_("unexplained by the model"),
                "bad": N_("bad row")}
#: The status column of a summary table (only violations are summarised).
SHORT_STATUS = {"confirmed": N_("confirmed"), "suspected": N_("suspected")}
DIMENSION_WORDS = {"org": N_("Organisation"), "failure_type": N_("Failure type"),
                   "account": N_("Account"), "month": N_("Month")}
TITLE_WORDS = {"org": N_("Violations by organisation"),
               "failure_type": N_("Violations by failure type"),
               "account": N_("Violations by account"), "month": N_("Violations by month")}
#: The regulator's terms for the columns of a summary (人数, アカウント数, 閲覧件数, ...).
COLUMNS = (N_("status"), N_("people"), N_("accounts"), N_("views"), N_("customers"),
           N_("first"), N_("last"))

#: The reasons the engines write (ARCH12 section 3), each a Msg so Japanese reads Japanese;
#: a reason matching none is printed as written (it is data, like a file name).
REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"wrong column count \(expected (?P<expected>\d+), found (?P<found>\d+)\)"),
     N_("wrong column count (expected {expected}, found {found})")),
    (re.compile(r"unparseable timestamp '(?P<value>.*)'"),
     N_("unparseable timestamp '{value}'")),
    (re.compile(r"unparseable timestamp"), N_("unparseable timestamp")),
    (re.compile(r"missing account"), N_("missing account")),
    (re.compile(r"missing terminal"), N_("missing terminal")),
    (re.compile(r"missing system"), N_("missing system")),
    (re.compile(r"missing screen"), N_("missing screen")),
    (re.compile(r"missing timestamp"), N_("missing timestamp")),
    (re.compile(r"not a JSON object"), N_("not a JSON object")),
    (re.compile(r"quoted value holding the delimiter"),
     N_("quoted value holding the delimiter")),
    (re.compile(r"unknown account (?P<account>.+)"), N_("unknown account {account}")),
    (re.compile(r"unknown terminal (?P<terminal>.+)"), N_("unknown terminal {terminal}")),
    (re.compile(r"unknown system (?P<system>.+)"), N_("unknown system {system}")),
    (re.compile(r"unknown screen (?P<screen>.+) of system (?P<system>.+)"),
     N_("unknown screen {screen} of system {system}")),
    (re.compile(r"no transition from (?P<source>.+) to (?P<target>.+) for account "
                r"(?P<account>.+)"),
     N_("no transition from {source} to {target} for account {account}")),
    (re.compile(r"no analysis slice holds that day"), N_("no analysis slice holds that day")),
    (re.compile(r"no one in the model can use account (?P<account>.+) on terminal "
                r"(?P<terminal>.+)"),
     N_("no one in the model can use account {account} on terminal {terminal}")),
    (re.compile(r"account (?P<account>.+) is not an account of system (?P<system>.+)"),
     N_("account {account} is not an account of system {system}")),
    (re.compile(r"terminal (?P<terminal>.+) does not reach system (?P<system>.+)"),
     N_("terminal {terminal} does not reach system {system}")),
    (re.compile(r"account (?P<account>.+) is not valid in (?P<mode>.+) mode on that day"),
     N_("account {account} is not valid in {mode} mode on that day")),
    (re.compile(r"terminal (?P<terminal>.+) is not in service in (?P<mode>.+) mode on that "
                r"day"),
     N_("terminal {terminal} is not in service in {mode} mode on that day")),
    (re.compile(r"account (?P<account>.+) cannot reach screen (?P<screen>.+) of system "
                r"(?P<system>.+)"),
     N_("account {account} cannot reach screen {screen} of system {system}")),
)


def reason(text: str) -> Msg | str:
    """The engine's reason as a message to translate, or as written when no pattern fits."""
    for pattern, template in REASONS:
        found = pattern.fullmatch(text)
        if found:
            return Msg(template, tuple(sorted(found.groupdict().items())))
    return text


def group_name(g: Group, tr: Translator) -> str:
    """A group's key as people read it: a failure type by its (regulator's) label."""
    if g.dimension == "failure_type":
        try:
            return tr(FailureType(g.key).label)
        except ValueError:
            return g.key
    return g.key


def _counts(result: ReplayResult, tr: Translator) -> list[str]:
    words = [tr(STATUS_WORDS[s]) for s in STATUSES]
    numbers = [f"{result.count(s):,}" for s in STATUSES]
    wide, digits = max(map(_width, words)), max(map(len, numbers))
    total = sum(n for _, n in result.counts)
    return [tr(msg("Events: {count}", count=f"{total:,}"))] + [
        f"  {_pad(w, wide)}  {n.rjust(digits)}" for w, n in zip(words, numbers, strict=True)]


def _span(first: Any, last: Any) -> str:
    return f"{first.isoformat()} .. {last.isoformat()}" if first and last else "-"


def _findings(result: ReplayResult, tr: Translator) -> list[str]:
    comma = tr(N_(", "))
    used = [f for f in result.findings if f.used]
    latent = [f for f in result.findings if not f.used]
    out = [tr(msg("Findings used by recorded accesses: {used} of {count}", used=len(used),
                  count=len(result.findings)))]
    for f in used:
        out.append("  " + tr(msg("{id} ({types}): {confirmed} confirmed, {suspected} suspected, "
                                 "{first} to {last}", id=f.id, types=_types(f, tr, comma),
                                 confirmed=f"{f.confirmed:,}", suspected=f"{f.suspected:,}",
                                 first=_day(f.first), last=_day(f.last))))
    out += ["", tr(msg("Latent findings (no recorded access used them): {count}",
                       count=len(latent)))]
    out += [f"  {f.id} ({_types(f, tr, comma)})" for f in latent]
    return out


def _day(day: Any) -> str:
    return day.isoformat() if day else "-"


def _types(f: FindingUse, tr: Translator, comma: str) -> str:
    return comma.join(_type_label(t, tr) for t in f.failure_types)


def _type_label(value: str, tr: Translator) -> str:
    try:
        return tr(FailureType(value).label)
    except ValueError:
        return value


def _table(dimension: str, groups: Sequence[Group], tr: Translator) -> list[str]:
    """One aligned table of a dimension (display width, so Japanese lines up; numbers right)."""
    head = [tr(DIMENSION_WORDS[dimension]), *(tr(c) for c in COLUMNS)]
    rows = [[group_name(g, tr), tr(SHORT_STATUS.get(g.status, g.status)), f"{g.people:,}",
             f"{g.accounts:,}", f"{g.views:,}", f"{g.customers:,}", g.first.isoformat(),
             g.last.isoformat()] for g in groups]
    widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        parts = [_pad(c, w) if i < 2 or i > 5 else " " * (w - _width(c)) + c
                 for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return ("  " + "  ".join(parts)).rstrip()

    return [line(head), "  " + "  ".join("-" * w for w in widths), *map(line, rows)]


def _summaries(result: ReplayResult, tr: Translator) -> list[str]:
    out: list[str] = []
    for dimension in DIMENSIONS:
        groups = [g for g in result.groups if g.dimension == dimension]
        out += ["", tr(TITLE_WORDS[dimension])]
        out += _table(dimension, groups, tr) if groups else ["  " + tr(N_("none"))]
    return out


def _problems(title: Msg, problems: Sequence[Problem], tr: Translator) -> list[str]:
    out = ["", tr(title)]
    comma = tr(N_(", "))
    for p in problems:
        out.append("  " + tr(msg("{reason}: {count}", reason=reason(printable(p.reason)),
                                 count=f"{p.count:,}")))
        lines = [comma.join(str(r) for r in p.rows[i:i + ROWS_A_LINE])
                 for i in range(0, len(p.rows), ROWS_A_LINE)] or [""]
        more = p.count - len(p.rows)
        if more > 0:
            lines[-1] = tr(msg("{rows} and {more} more", rows=lines[-1], more=f"{more:,}"))
        out += ["    " + line for line in lines]
    return out


#: Rows cited on one line under a problem (the result holds at most EXAMPLES of them).
ROWS_A_LINE = 5


def replay_to_text(result: ReplayResult, tr: Translator = ENGLISH) -> str:
    """The counts, the findings used and latent, the summaries, what the model cannot explain,
    the bad rows, then the verdict."""
    comma = tr(N_(", "))
    out = [tr(msg("accesssim replay: {name} ({file})", name=result.model_name,
                  file=result.model_file)),
           tr(msg("Logs: {logs}", logs=comma.join(result.logs))), ""]
    out += _counts(result, tr)
    out += ["", *_findings(result, tr)]
    out += _summaries(result, tr)
    out += _problems(msg("Accesses the model cannot explain: {count}",
                         count=f"{result.count('unexplained'):,}"), result.unexplained, tr)
    out += _problems(msg("Bad rows: {count}", count=f"{result.count('bad'):,}"),
                     result.bad, tr)
    verdict = (msg("Result: {count} recorded accesses crossed the boundary ({confirmed} "
                   "confirmed, {suspected} suspected).", count=f"{result.violations:,}",
                   confirmed=f"{result.count('confirmed'):,}",
                   suspected=f"{result.count('suspected'):,}")
               if result.violations else
               msg("Result: no recorded access crossed the boundary."))
    out += ["", tr(verdict)]
    if result.count("bad"):  # a clean result over part of the logs must not read as a clean log
        out.append(tr(msg("{count} rows could not be replayed: see the bad rows above.",
                          count=f"{result.count('bad'):,}")))
    return "\n".join(out) + "\n"


def _problem(p: Problem) -> dict[str, Any]:
    return {"reason": p.reason, "count": p.count,
            "rows": [{"file": r.file, "line": r.line} for r in p.rows]}


def replay_to_dict(result: ReplayResult) -> dict[str, Any]:
    return {
        "schema": SCHEMA_ID,
        "model": {"name": result.model_name, "file": result.model_file},
        "logs": list(result.logs),
        "counts": dict(result.counts),
        "violations": result.violations,
        "findings": [{"id": f.id, "failure_types": list(f.failure_types), "used": f.used,
                      "confirmed": f.confirmed, "suspected": f.suspected,
                      "first": _iso(f.first), "last": _iso(f.last)} for f in result.findings],
        "groups": [{"dimension": g.dimension, "key": g.key, "status": g.status,
                    "people": g.people, "accounts": g.accounts, "views": g.views,
                    "customers": g.customers, "first": g.first.isoformat(),
                    "last": g.last.isoformat()} for g in result.groups],
        "unexplained": [_problem(p) for p in result.unexplained],
        "bad": [_problem(p) for p in result.bad],
    }


def _iso(day: Any) -> str | None:
    return day.isoformat() if day else None


def replay_to_json(result: ReplayResult) -> str:
    return json.dumps(replay_to_dict(result), ensure_ascii=False, indent=2) + "\n"


CSV_HEADINGS = (N_("dimension"), N_("key"), N_("name"), *COLUMNS)


def replay_to_csv(result: ReplayResult, tr: Translator = ENGLISH, bom: bool = False) -> str:
    """The summary groups as RFC 4180 CSV (CRLF), one row each in the result's order: the
    dimension, the key as the data has it, the name people read (a failure type's label),
    then the regulator's counts; cells that would start a formula are made inert."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([tr(h) for h in CSV_HEADINGS])
    for g in result.groups:
        writer.writerow([inert(c) for c in (
            tr(DIMENSION_WORDS[g.dimension]), g.key, group_name(g, tr),
            tr(SHORT_STATUS.get(g.status, g.status)), str(g.people), str(g.accounts),
            str(g.views), str(g.customers), g.first.isoformat(), g.last.isoformat())])
    return (BOM if bom else "") + buffer.getvalue()
