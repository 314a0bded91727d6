"""Property: on generated models and generated logs (any account, terminal, system and screen,
ids the model lacks, sessions, a disaster calendar, rows that cannot be read), the SQL replay
equals the plain per-event Python replay (tests/replay_reference.py), whose verdicts are
themselves checked against a brute-force oracle (tests/test_replay_oracle.py)."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from accesssim.errors import InputError
from accesssim.replay.attribute import Replayer
from accesssim.replay.config import build_config
from accesssim.replay.run import run_replay
from profiles import examples
from replay_reference import Event, reference
from strategies import PROBE_DAYS, Generated, materialise, projects

HEADER = "timestamp,account,terminal,system,screen,customer,session"


def _pick(draw: st.DrawFn, known: list[str], unknown: str) -> str:
    return draw(st.sampled_from([*known, unknown])) if known else unknown


@st.composite
def _logs(draw: st.DrawFn, model: dict[str, object]) -> tuple[list[str], list[Event],
                                                               list[tuple[dt.date, dt.date]]]:
    """CSV lines (header first) and the events they hold, and a calendar."""
    accounts = [a["id"] for a in model.get("accounts", [])]  # type: ignore[attr-defined]
    terminals = [t["id"] for t in model.get("terminals", [])]  # type: ignore[attr-defined]
    systems = model["systems"]  # type: ignore[index]
    days = draw(st.lists(st.sampled_from(PROBE_DAYS), min_size=1, max_size=4, unique=True))
    periods = draw(st.lists(st.sampled_from(days).map(lambda d: (d, d)), max_size=2))
    lines, events = [HEADER], []
    for _ in range(draw(st.integers(1, 40))):
        line = len(lines) + 1
        kind = draw(st.sampled_from(["event"] * 8 + ["short", "clock"]))
        if kind == "short":
            lines.append("2020-01-01 10:00,a,b")
            events.append(Event("log.csv", line, None, None, None, None, None,
                                problem="wrong column count (expected 7, found 3)"))
            continue
        system = draw(st.sampled_from(systems))
        screens = [s["id"] for s in system.get("screens", [])]
        account = _pick(draw, accounts, "ghost")
        terminal = _pick(draw, terminals, "pc-ghost")
        screen = _pick(draw, screens, "no-screen")
        day = draw(st.sampled_from(days))
        ts = dt.datetime.combine(day, dt.time(draw(st.integers(0, 23)), draw(st.integers(0, 59))))
        customer = draw(st.sampled_from([None, "c1", "c2"]))
        session = draw(st.sampled_from([None, "s1", "s2"]))
        stamp = ts.strftime("%Y-%m-%d %H:%M") if kind == "event" else ts.strftime("%Y/%m/%d")
        lines.append(f"{stamp},{account},{terminal},{system['id']},{screen},"
                     f"{customer or ''},{session or ''}")
        if kind == "clock":
            events.append(Event("log.csv", line, None, None, None, None, None,
                                problem="unparseable timestamp"))
        else:
            events.append(Event("log.csv", line, ts, account, terminal, system["id"], screen,
                                customer, session))
    return lines, events, periods


@settings(max_examples=examples(60), deadline=None)
@given(projects(), st.data())
def test_sql_replay_equals_the_per_event_reference(gen: Generated, data: st.DataObject) -> None:
    note(gen.describe())
    lines, events, periods = data.draw(_logs(gen.model))
    note("\n".join(lines))
    folder = Path(tempfile.mkdtemp(prefix="accesssim-replay-"))
    try:
        log = folder / "log.csv"
        log.write_text("\n".join(lines) + "\n", encoding="utf-8")
        calendar = folder / "calendar.csv"
        calendar.write_text("from,until,name\n" + "".join(
            f"{a},{b},p{n}\n" for n, (a, b) in enumerate(periods)), encoding="utf-8")
        with materialise(gen) as project:
            replayer = Replayer(project)
            config = build_config(calendar=calendar, calendar_shown="calendar.csv")
            want = reference(replayer, events, ("log.csv",), periods)
            if events and want.count("bad") == len(events):  # nothing replayable: refused (exit 2)
                with pytest.raises(InputError, match="could be replayed"):
                    run_replay(replayer, [log], ["log.csv"], config,
                               evidence=folder / "evidence.csv")
                assert not (folder / "evidence.csv").exists()
                return
            got = run_replay(replayer, [log], ["log.csv"], config,
                             evidence=folder / "evidence.csv")
        assert got == want
    finally:
        shutil.rmtree(folder, ignore_errors=True)
