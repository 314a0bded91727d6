"""End to end on the Kansai scenario: the SQL replay (DuckDB) of a small log over every
account, terminal and screen, in sessions, normal time and a declared disaster, equals the
plain per-event Python replay (tests/replay_reference.py), and links analyze's findings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from accesssim.engine import load_project
from accesssim.replay.attribute import Replayer
from accesssim.replay.config import build_config
from accesssim.replay.run import run_replay
from helpers import REPO
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
