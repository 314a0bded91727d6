"""``accesssim generate-logs``: synthetic access logs with violations planted at known lines.

Writes ``events.<format>``, ``calendar.csv`` (the declared disaster periods) and
``truth.csv`` (each line's expected class, and the finding planted there) into a folder the
caller stages. The sessions come from ``plan.make_plan``; this module only repeats them
with varied days, times, customers and session ids, streaming in chunks so ten million
events take constant memory. The same seed writes the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from accesssim.engine import Analyzer, Project
from accesssim.errors import InputError
from accesssim.replay.plan import Plan, Template, make_plan

FORMATS = ("csv", "jsonl", "parquet")
COLUMNS = ("timestamp", "account", "terminal", "system", "screen", "customer", "session")
TRUTH_COLUMNS = ("line", "status", "finding", "failure_types")
#: Bad rows written of each kind (the first kind depends on the format, see ``_bad``).
BAD_KINDS = ("shape", "timestamp", "account", "screen")
BAD_EACH = 2
CHUNK = 200_000
#: Working hours: events fall between 08:00 and 18:00.
FIRST_SECOND, LAST_SECOND = 8 * 3600, 18 * 3600
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Summary:
    events: int
    violations: int
    planted: tuple[str, ...]  # finding ids planted
    unplanted: tuple[str, ...]
    periods: int

    def lines(self, out_dir: Path, fmt: str) -> list[str]:
        text = [f"wrote {out_dir / ('events.' + fmt)}: {_count(self.events, 'event')}, "
                f"{_count(self.violations, 'violation')} planted for "
                f"{_count(len(self.planted), 'finding')}",
                f"wrote {out_dir / 'calendar.csv'}: {self.periods} disaster period"
                f"{'' if self.periods == 1 else 's'}",
                f"wrote {out_dir / 'truth.csv'}"]
        text += [f"finding {f} could not be planted (no slice where its witness is a "
                 "violation on a day of its windows)" for f in self.unplanted]
        return text


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


@dataclass(frozen=True)
class Item:
    """A session to write: its rows (values in COLUMNS order, or a bad row's raw kind)."""

    rows: tuple[tuple[str, ...], ...]
    truth: tuple[tuple[str, str, str], ...]  # (status, finding, failure_types) per row
    bad: str = ""  # the kind of bad row (BAD_KINDS), else ""


class Stream:
    """Draws sessions from a plan: the same seed gives the same sequence."""

    def __init__(self, plan: Plan, seed: int) -> None:
        self.plan = plan
        self.rng = random.Random(seed)
        self.sessions = 0
        self.times = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
                      for s in range(FIRST_SECOND, LAST_SECOND + 60)]
        self.day_text: dict[int, str] = {}

    def _day(self, template: Template) -> str:
        ordinal = self.rng.randint(template.first.toordinal(), template.last.toordinal())
        text = self.day_text.get(ordinal)
        if text is None:
            text = self.day_text[ordinal] = dt.date.fromordinal(ordinal).isoformat()
        return text

    def item(self, template: Template, size: int | None = None) -> Item:
        events = template.events[:size] if size else template.events
        day = self._day(template)
        start = self.rng.randrange(len(self.times) - 60)
        customer = f"C{self.rng.randrange(10_000_000):07d}"
        self.sessions += 1
        session = f"S{self.sessions:08d}" if template.session else ""
        rows = tuple((f"{day} {self.times[start + 7 * i]}", e.account, e.terminal, e.system,
                      e.screen, customer, session) for i, e in enumerate(events))
        truth = tuple((e.status, e.finding, e.failure_types) for e in events)
        return Item(rows, truth)

    def bad(self, kind: str) -> Item:
        """A row that cannot be replayed; the ``shape`` kind is written per format."""
        sample = self.plan.sample
        assert sample is not None
        good = self.item(Template((sample,), dt.date(2023, 4, 1), dt.date(2023, 4, 1), False))
        ts, account, terminal, system, screen, customer, session = good.rows[0]
        if kind == "timestamp":
            ts = "01/04/2023 10:00"
        elif kind == "account":
            account = "unknown_account_x"
        elif kind == "screen":
            screen = "unknown_screen_x"
        return Item(((ts, account, terminal, system, screen, customer, session),),
                    (("bad", "", ""),), kind)


def _mandatory(plan: Plan, stream: Stream, bad_rows: bool) -> list[Item]:
    items = [stream.item(t) for t in plan.planted]
    items += [stream.item(t) for t in plan.unexplained]
    items += [stream.bad(kind) for kind in BAD_KINDS for _ in range(BAD_EACH if bad_rows else 0)]
    stream.rng.shuffle(items)
    return items


def items(plan: Plan, events: int, seed: int, rate: float, bad_rows: bool = True
          ) -> Iterator[Item]:
    """Sessions adding up to exactly ``events`` rows: every planted session and bad row once
    (spread evenly), then violations at ``rate`` and legitimate sessions for the rest."""
    stream = Stream(plan, seed)
    pending = _mandatory(plan, stream, bad_rows)
    need = sum(len(i.rows) for i in pending)
    if events < need:
        raise InputError.single("--events", 0, f"at least {need} events are needed to plant "
                                "every finding and bad row once")
    spacing = events / (len(pending) + 1)
    extra = plan.planted if rate > 0 else ()
    filler = plan.legitimate or plan.planted
    if not filler:
        raise InputError.single("--events", 0, "the model gives no session to generate: "
                                "no finding to plant and no insider using their own account")
    written, placed, rng = 0, 0, stream.rng
    while written < events:
        if pending and (written >= spacing * (placed + 1) or events - written <= need):
            item = pending.pop()
            need -= len(item.rows)
            placed += 1
        else:
            room = events - written - need
            template = rng.choice(extra) if extra and rng.random() < rate else None
            if template is None or len(template.events) > room:
                template = rng.choice(filler)
            item = stream.item(template, min(len(template.events), room))
        written += len(item.rows)
        yield item


def generate_logs(project: Project, out_dir: Path, events: int, *, seed: int = 0,
                  fmt: str = "csv", rate: float = 0.01, bad_rows: bool = True,
                  modes: tuple[str, str] = ("normal", "disaster"),
                  progress: Progress | None = None) -> Summary:
    """Write the three files into ``out_dir`` (which the caller stages)."""
    model_modes = tuple(project.loaded.model.modes)
    # Every mode of the model, so that slices are numbered as the replay numbers them.
    analyzer = Analyzer(project.loaded, project.policy, modes=model_modes)
    report = analyzer.run()
    plan = make_plan(analyzer, report.findings, modes)
    if plan.sample is None:
        raise InputError.single(project.loaded.display_path, 0,
                                "no event can be generated: no account reaches any screen")
    _write_calendar(out_dir / "calendar.csv", plan)
    counts = _write_events(out_dir, fmt, items(plan, events, seed, rate, bad_rows), events,
                           progress)
    planted = tuple(sorted({e.finding for t in plan.planted for e in t.events if e.finding}))
    return Summary(events, counts, planted, plan.unplanted, len(plan.periods))


def _write_calendar(path: Path, plan: Plan) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("from,until,name\n")
        for n, (first, last) in enumerate(plan.periods, 1):
            handle.write(f"{first.isoformat()},{last.isoformat()},disaster {n}\n")


def _checked(value: str, forbidden: str, fmt: str) -> str:
    if any(c in value for c in forbidden):
        raise InputError.single("--format", 0, f"{value!r} cannot be written to {fmt} "
                                "without quoting: use --format jsonl")
    return value


class _Writer:
    """Rows to one events file, in chunks; ``first``: the line number of the first row.

    Parquet goes through a tab-separated file that DuckDB converts at the end (all columns
    text, so a timestamp is kept as written and can be a bad row)."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.fmt = fmt
        self.path = path
        self.first = 2 if fmt == "csv" else 1
        self.buffer: list[tuple[str, ...]] = []
        self.bad: list[tuple[int, str]] = []  # (index in buffer, kind)
        self.text = path.with_name(f".{path.name}.tsv") if fmt == "parquet" else path
        self.handle = open(self.text, "w", encoding="utf-8", newline="")  # noqa: SIM115
        if fmt != "jsonl":
            self.handle.write(self._sep().join(COLUMNS) + "\n")

    def _sep(self) -> str:
        return "," if self.fmt == "csv" else "\t"

    def add(self, item: Item) -> None:
        if item.bad:
            self.bad.append((len(self.buffer), item.bad))
        self.buffer.extend(item.rows)

    def flush(self) -> None:
        bad = dict(self.bad)
        self.handle.write("".join(self._line(row, bad.get(i))
                                  for i, row in enumerate(self.buffer)))
        self.buffer, self.bad = [], []

    def _line(self, row: tuple[str, ...], bad: str | None) -> str:
        if self.fmt == "jsonl":
            if bad == "shape":  # one JSON value, but not an object
                return json.dumps(list(row), ensure_ascii=False) + "\n"
            return json.dumps(dict(zip(COLUMNS, row, strict=True)), ensure_ascii=False) + "\n"
        values = [_checked(v, ',"\r\n' if self.fmt == "csv" else '\t\r\n', self.fmt)
                  for v in row]
        if bad == "shape":
            if self.fmt == "csv":
                values.append("extra")
            else:
                values[1] = ""  # Parquet rows have no column count: a missing account
        return self._sep().join(values) + "\n"

    def close(self, complete: bool) -> None:
        self.handle.close()
        if self.fmt != "parquet":
            return
        try:
            if complete:
                self._convert()
        finally:
            self.text.unlink(missing_ok=True)

    def _convert(self) -> None:
        import duckdb

        names = ", ".join(f"NULLIF({c}, '') AS {c}" if c in ("account", "customer", "session")
                          else c for c in COLUMNS)
        source = str(self.text).replace("'", "''")
        target = str(self.path).replace("'", "''")
        with duckdb.connect() as con:
            con.execute(f"COPY (SELECT {names} FROM read_csv('{source}', header = true, "
                        "all_varchar = true, delim = '\t', quote = '', escape = '')) "
                        f"TO '{target}' (FORMAT parquet)")


def _write_events(out_dir: Path, fmt: str, stream: Iterator[Item], total: int,
                  progress: Progress | None) -> int:
    """Write the events and truth.csv; return the number of violations planted."""
    writer = _Writer(out_dir / f"events.{fmt}", fmt)
    line, violations, complete = writer.first, 0, False
    with open(out_dir / "truth.csv", "w", encoding="utf-8", newline="") as truth:
        out = csv.writer(truth, lineterminator="\n")
        out.writerow(TRUTH_COLUMNS)
        try:
            for item in stream:
                writer.add(item)
                for status, finding, types in item.truth:
                    out.writerow((line, status, finding, types))
                    line += 1
                    violations += status in ("confirmed", "suspected")
                if len(writer.buffer) >= CHUNK:
                    writer.flush()
                    if progress is not None:
                        progress(line - writer.first, total)
            writer.flush()
            complete = True
        finally:
            writer.close(complete)
    if progress is not None:
        progress(total, total)
    return violations
