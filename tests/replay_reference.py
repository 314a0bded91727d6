"""A plain per-event Python replay: the reference the SQL engines are compared with.

Every event is taken one at a time: its mode from the calendar, its slice, the screen before
it in its session, the lead's per-key verdict (replay/attribute.py, itself checked against a
brute-force oracle), and then the summaries are counted in plain dictionaries, from the
definitions in docs/replay.md rather than from the SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from accesssim.replay.attribute import Key, Replayer, Verdict
from accesssim.replay.result import (
    DIMENSIONS,
    EXAMPLES,
    STATUSES,
    VIOLATIONS,
    FindingUse,
    Group,
    Problem,
    ReplayResult,
    Row,
)


@dataclass(frozen=True)
class Event:
    """One log row as read: ``problem`` set when it could not be read as an event."""

    file: str
    line: int
    ts: dt.datetime | None
    account: str | None
    terminal: str | None
    system: str | None
    screen: str | None
    customer: str | None = None
    session: str | None = None
    problem: str | None = None


def _slice(replayer: Replayer, mode: str, day: dt.date) -> int:
    return next(sl.index for sl in replayer.slices if sl.mode == mode and sl.epoch.contains(day))


def verdicts(replayer: Replayer, events: list[Event],
             disasters: list[tuple[dt.date, dt.date]], normal: str = "normal",
             disaster: str = "disaster") -> list[tuple[Event, Verdict]]:
    """Each event with its verdict (a row that could not be read: ``bad`` with its problem)."""
    before: dict[tuple[str, str, str], tuple[tuple[dt.datetime, str, int], str]] = {}
    order = sorted((e for e in events if e.problem is None),
                   key=lambda e: (e.ts, e.file, e.line))
    previous: dict[tuple[str, int], str] = {}
    for e in order:
        assert e.ts is not None and e.system and e.account and e.screen
        if e.session is None:
            continue
        group = (e.system, e.account, e.session)
        if group in before:
            previous[(e.file, e.line)] = before[group][1]
        before[group] = ((e.ts, e.file, e.line), e.screen)
    result = []
    for e in events:
        if e.problem is not None:
            result.append((e, Verdict("bad", e.problem)))
            continue
        assert e.ts is not None and e.account and e.terminal and e.system and e.screen
        day = e.ts.date()
        mode = disaster if any(a <= day <= b for a, b in disasters) else normal
        key = Key(_slice(replayer, mode, day), e.account, e.terminal, e.system, e.screen,
                  previous.get((e.file, e.line), ""))
        result.append((e, replayer.verdict(key)))
    return result


def _problems(rows: dict[str, list[Row]]) -> tuple[Problem, ...]:
    return tuple(Problem(reason, len(found), tuple(sorted(found)[:EXAMPLES]))
                 for reason, found in sorted(rows.items()))


def reference(replayer: Replayer, events: list[Event], logs: tuple[str, ...],
              disasters: list[tuple[dt.date, dt.date]]) -> ReplayResult:
    """The replay of these events, one at a time."""
    judged = verdicts(replayer, events, disasters)
    people = replayer.analyzer.people
    counts = {s: 0 for s in STATUSES}
    problems: dict[str, dict[str, list[Row]]] = {"unexplained": defaultdict(list),
                                                  "bad": defaultdict(list)}
    uses: dict[str, dict[str, list[dt.date]]] = defaultdict(lambda: defaultdict(list))
    # (dimension, key, status) -> people, accounts, views, customers, days
    groups: dict[tuple[str, str, str], tuple[set[str], set[str], list[int], set[str],
                                             list[dt.date]]] = {}
    for e, v in judged:
        counts[v.status] += 1
        if v.status in problems:
            assert v.reason is not None
            problems[v.status][v.reason].append(Row(e.file, e.line))
        if v.status not in VIOLATIONS:
            continue
        assert e.ts is not None and e.account is not None
        day = e.ts.date()
        for finding_id in {f for f, _ in v.findings}:
            uses[finding_id][v.status].append(day)
        keys = {("org", people[p].org) for p in v.people}
        keys |= {("failure_type", t) for _, t in v.findings}
        keys |= {("account", e.account), ("month", day.isoformat()[:7])}
        for dimension, value in keys:
            members = ({p for p, _, t in v.links if t == value} if dimension == "failure_type"
                       else {p for p in v.people if dimension != "org" or people[p].org == value})
            entry = groups.setdefault((dimension, value, v.status),
                                      (set(), set(), [0], set(), []))
            entry[0].update(members)
            entry[1].add(e.account)
            entry[2][0] += 1
            if e.customer is not None:
                entry[3].add(e.customer)
            entry[4].append(day)
    findings = []
    for f in replayer.report.findings:
        used = uses.get(f.id, {})
        days = [d for s in VIOLATIONS for d in used.get(s, [])]
        findings.append(FindingUse(f.id, tuple(t.value for t in f.failure_types),
                                   len(used.get("confirmed", [])), len(used.get("suspected", [])),
                                   min(days) if days else None, max(days) if days else None))
    rows = [Group(dimension, value, status, sum(people[p].headcount for p in members),
                  len(accounts), views[0], len(customers), min(days), max(days))
            for (dimension, value, status), (members, accounts, views, customers, days)
            in groups.items()]
    rows.sort(key=lambda g: (DIMENSIONS.index(g.dimension), g.key, STATUSES.index(g.status)))
    return ReplayResult(
        model_name=replayer.analyzer.model.name,
        model_file=replayer.analyzer.loaded.display_path,
        logs=logs,
        counts=tuple((s, counts[s]) for s in STATUSES),
        findings=tuple(sorted(findings, key=lambda f: f.id)),
        groups=tuple(rows),
        unexplained=_problems(problems["unexplained"]),
        bad=_problems(problems["bad"]),
    )
