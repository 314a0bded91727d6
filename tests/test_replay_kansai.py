"""End to end on the Kansai scenario: the SQL replay (DuckDB) of a small log over every
account, terminal and screen, in sessions, normal time and a declared disaster, equals the
plain per-event Python replay (tests/replay_reference.py), and links analyze's findings."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accesssim.engine import load_project
from accesssim.errors import InputError
from accesssim.replay.attribute import Replayer
from accesssim.replay.config import build_config
from accesssim.replay.run import run_replay
from helpers import REPO
from profiles import examples
from replay_reference import Event, reference

DAYS = (dt.date(2016, 3, 1), dt.date(2016, 5, 10), dt.date(2016, 6, 1))
DISASTER = (dt.date(2016, 5, 9), dt.date(2016, 5, 11))


@pytest.fixture(scope="module")
def replayer() -> Replayer:
    return Replayer(load_project(REPO / "scenarios" / "incidents" / "01-kansai.yaml"))


def _log(replayer: Replayer, path: Path) -> list[Event]:
    """Every account on every terminal on every screen, each (account, terminal, day) one
    session walking the screens forwards then backwards; plus rows that cannot be read."""
    model = replayer.analyzer.model
    events: list[Event] = []
    lines = ["timestamp,account,terminal,system,screen,customer,session"]

    def add(text: str, event: Event) -> None:
        lines.append(text)
        events.append(event)

    for day in DAYS:
        for acc in model.accounts:
            for term in model.terminals:
                for system in model.systems:
                    screens = [s.id for s in system.screens]
                    session = f"{acc.id}@{term.id}@{day}"
                    for n, screen in enumerate(screens + screens[::-1][1:]):
                        ts = dt.datetime.combine(day, dt.time(9, n))
                        customer = f"c{(n * 7) % 5}" if n % 3 else None
                        add(f"{ts:%Y-%m-%d %H:%M},{acc.id},{term.id},{system.id},{screen},"
                            f"{customer or ''},{session}",
                            Event("kansai.csv", len(lines) + 1, ts, acc.id, term.id,
                                  system.id, screen, customer, session))
    add("2016-03-01 09:00,nobody,ktd_pc,takuso,menu,,",
        Event("kansai.csv", len(lines) + 1, dt.datetime(2016, 3, 1, 9), "nobody", "ktd_pc",
              "takuso", "menu"))
    for text, problem in (("2016-03-01 9:00,acc_ktd_ops,ktd_pc,takuso,menu,,",
                           "unparseable timestamp"),
                          ("2016-03-01 09:00,acc_ktd_ops,ktd_pc,takuso", "wrong column count "
                           "(expected 7, found 4)")):
        add(text, Event("kansai.csv", len(lines) + 1, None, None, None, None, None,
                        problem=problem))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return events


def test_kansai_replay_equals_the_per_event_reference(tmp_path: Path,
                                                      replayer: Replayer) -> None:
    log = tmp_path / "kansai.csv"
    events = _log(replayer, log)
    calendar = tmp_path / "calendar.csv"
    calendar.write_text(f"from,until,name\n{DISASTER[0]},{DISASTER[1]},quake\n",
                        encoding="utf-8")
    config = build_config(calendar=calendar, calendar_shown="calendar.csv")
    got = run_replay(replayer, [log], ["kansai.csv"], config,
                     evidence=tmp_path / "evidence.parquet")
    want = reference(replayer, events, ("kansai.csv",), [DISASTER])
    assert got == want
    assert got.violations > 0 and got.count("legitimate") > 0 and got.count("bad") == 3
    assert {f.id for f in got.findings if f.used} == {f.id for f in replayer.report.findings}


_IDS = {"account": ("acc_ktd_ops", "acc_ktd_meter", "acc_kep_sales", "acc_kep_callcenter",
                    "nobody"),
        "terminal": ("ktd_pc", "kep_pc", "kep_cc_pc"),
        "screen": ("menu", "customer_search", "contract_detail", "switching_detail", "nowhere")}
_DAYS = (dt.date(2016, 3, 30), dt.date(2016, 3, 31), dt.date(2016, 4, 1), dt.date(2016, 5, 10),
         dt.date(2017, 1, 1))
_CALENDAR = [(dt.date(2016, 3, 31), dt.date(2016, 4, 1)), DISASTER]
_row = st.tuples(st.sampled_from(_DAYS), st.integers(0, 5), *(st.sampled_from(_IDS[k]) for k in
                 ("account", "terminal", "screen")), st.sampled_from((None, "c1", "c2")),
                 st.sampled_from((None, "s1", "s2")), st.sampled_from(("", "", "", "", "ts",
                                                                       "count")))


@settings(max_examples=examples(60), deadline=None)
@given(rows=st.lists(_row, max_size=40))
def test_random_logs_replay_as_the_reference(replayer: Replayer,
                                             rows: list[tuple[Any, ...]]) -> None:
    """Any log over the scenario's ids (and unknown ones), days on both sides of a slice
    boundary and in declared disasters, sessions, ties in time and bad rows."""
    lines = ["timestamp,account,terminal,system,screen,customer,session"]
    events = []
    for day, minute, account, terminal, screen, customer, session, broken in rows:
        ts = dt.datetime.combine(day, dt.time(9, minute))
        line = len(lines) + 1
        if broken == "ts":
            lines.append(f"{day} 9:{minute:02},{account},{terminal},takuso,{screen},,")
            events.append(Event("log.csv", line, None, None, None, None, None,
                                problem="unparseable timestamp"))
        elif broken == "count":
            lines.append(f"{ts:%Y-%m-%d %H:%M},{account},{terminal}")
            events.append(Event("log.csv", line, None, None, None, None, None,
                                problem="wrong column count (expected 7, found 3)"))
        else:
            lines.append(f"{ts:%Y-%m-%d %H:%M},{account},{terminal},takuso,{screen},"
                         f"{customer or ''},{session or ''}")
            events.append(Event("log.csv", line, ts, account, terminal, "takuso", screen,
                                customer, session))
    with tempfile.TemporaryDirectory() as work:
        log, calendar = Path(work) / "log.csv", Path(work) / "calendar.csv"
        log.write_text("\n".join(lines) + "\n", encoding="utf-8")
        calendar.write_text("from,until,name\n" + "".join(f"{a},{b},x\n" for a, b in _CALENDAR),
                            encoding="utf-8")
        want = reference(replayer, events, ("log.csv",), _CALENDAR)
        if events and want.count("bad") == len(events):  # nothing replayable: refused
            with pytest.raises(InputError, match="could be replayed"):
                run_replay(replayer, [log], ["log.csv"], build_config(calendar=calendar))
            return
        got = run_replay(replayer, [log], ["log.csv"], build_config(calendar=calendar))
    assert got == want
