"""The relational half of ``accesssim replay`` on DuckDB: logs read as lines with exact line
numbers, bad rows with their reasons, the session check, the disaster calendar, the
summaries and the evidence file, against hand-written verdicts (replay_fake.py)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from accesssim.errors import InputError
from accesssim.replay.config import Period, ReplayConfig, build_config
from accesssim.replay.result import Group, Row
from accesssim.replay.run import run_replay
from accesssim.replay.sql import TIMESTAMP_RE, lit
from replay_fake import FakeReplayer, write_csv

D = dt.date(2024, 1, 5)


def _bad(result) -> dict[str, tuple[int, list[int]]]:  # type: ignore[no-untyped-def]
    return {p.reason: (p.count, [r.line for r in p.rows]) for p in result.bad}


def test_csv_bad_rows_are_counted_with_their_line(tmp_path: Path) -> None:
    """Every unreadable row is bad with its reason and physical line; blank lines are no
    events but keep their place in the numbering; CRLF ends and quoted values are read."""
    log = tmp_path / "log.csv"
    log.write_bytes("\r\n".join([
        "timestamp,account,terminal,system,screen,customer,session",
        "2024-01-05 10:00,a-grid,t-grid,crm,menu,c1,",          # 2 legitimate
        "",                                                      # 3 blank
        "   ",                                                   # 4 blank
        '2024-01-05T10:00:01.5,"a-grid",t-grid,crm,list,"c""2",',  # 5 legitimate
        '2024-01-05 10:00,a-grid,t-grid,crm,menu,"c,3",',        # 6 quoted delimiter
        "2024-01-05 10:00,a-grid,t-grid,crm",                    # 7 wrong count
        "2024-02-30 10:00,a-grid,t-grid,crm,menu,,",             # 8 no such day
        "2024-01-05 24:00,a-grid,t-grid,crm,menu,,",             # 9 no such hour
        "2024-01-05T10:00+09:00,a-grid,t-grid,crm,menu,,",       # 10 offset
        ",a-grid,t-grid,crm,menu,,",                             # 11 no timestamp
        "2024-01-05,,t-grid,crm,menu,,",                         # 12 no account
        "2024-01-05,a-grid,t-grid,crm, ,,",                      # 13 no screen
        "2024-01-05,zz,t-grid,crm,menu,,",                       # 14 unknown account
        "2024-01-05,a-grid,t-grid,crm,menu,,,",                  # 15 wrong count
        '2024-01-05, "a-grid" ,t-grid,crm,menu, "c,4" ,',         # 16 quoted delimiter
        '2024-01-05, "a-grid" ,t-grid,crm,menu, " c5 " ,',       # 17 legitimate
    ]).encode() + b"\r\n")
    result = run_replay(FakeReplayer(), [log], ["log.csv"], ReplayConfig())
    assert _bad(result) == {
        "quoted value holding the delimiter": (2, [6, 16]),
        "wrong column count (expected 7, found 4)": (1, [7]),
        "wrong column count (expected 7, found 8)": (1, [15]),
        "unparseable timestamp": (3, [8, 9, 10]),
        "missing timestamp": (1, [11]),
        "missing account": (1, [12]),
        "missing screen": (1, [13]),
        "unknown account zz": (1, [14]),
    }
    assert result.count("legitimate") == 3 and result.count("bad") == 11
    assert result.violations == 0 and result.unexplained == ()


def test_line_numbers_stay_exact_over_many_lines(tmp_path: Path) -> None:
    """Line n of a long log is reported as line n (the numbering never drifts)."""
    lines = [f"2024-01-05 10:00,a-grid,t-grid,crm,menu,c{n}," if n % 997 else
             f"2024-01-05 10:00,{'zz' if n % 2 else ''},t-grid,crm,menu,c{n},"
             for n in range(2, 60_002)]
    log = write_csv(tmp_path / "long.csv", lines)
    result = run_replay(FakeReplayer(), [log], ["long.csv"], ReplayConfig())
    bad = {p.reason: p for p in result.bad}
    assert [r.line for r in bad["unknown account zz"].rows][:3] == [997 * 1, 997 * 3, 997 * 5]
    assert [r.line for r in bad["missing account"].rows][:3] == [997 * 2, 997 * 4, 997 * 6]
    total = len([n for n in range(2, 60_002) if n % 997 == 0])
    assert bad["unknown account zz"].count + bad["missing account"].count == total
    assert len(bad["missing account"].rows) == 20  # EXAMPLES


def test_classes_summaries_findings_and_evidence(tmp_path: Path) -> None:
    """Confirmed, suspected and legitimate events are counted, summarised per organisation,
    failure type, account and month, linked to their findings and written as evidence."""
    log = write_csv(tmp_path / "log.csv", [
        "2024-01-05 10:00,a-retail,t-retail,crm,menu,c1,",      # 2 confirmed F-0002
        "2024-01-06 10:00,a-retail,t-retail,crm,list,c2,",      # 3 confirmed F-0002
        "2024-02-01 09:00,a-grid,t-retail,crm,detail,c1,",      # 4 suspected F-0001
        "2024-02-01 09:30,a-grid,t-retail,crm,detail,,",        # 5 suspected, no customer
        "2024-02-02 09:00,a-grid,t-grid,crm,detail,c9,",        # 6 legitimate
    ])
    evidence = tmp_path / "out" / "evidence.csv"
    replayer = FakeReplayer()
    result = run_replay(replayer, [log], ["log.csv"], ReplayConfig(), evidence=evidence)
    assert dict(result.counts) == {"confirmed": 2, "suspected": 2, "legitimate": 1,
                                   "unexplained": 0, "bad": 0}
    uses = {f.id: (f.confirmed, f.suspected, f.first, f.last) for f in result.findings}
    assert uses == {"F-0001": (0, 2, dt.date(2024, 2, 1), dt.date(2024, 2, 1)),
                    "F-0002": (2, 0, D, dt.date(2024, 1, 6)),
                    "F-0003": (0, 0, None, None)}
    assert not result.findings[2].used
    groups = {(g.dimension, g.key, g.status): g for g in result.groups}
    # p-retail (3 people) and p-vendor (2) are the suspects of the grid account's events.
    assert groups[("org", "retail", "suspected")] == Group(
        "org", "retail", "suspected", 3, 1, 2, 1, dt.date(2024, 2, 1), dt.date(2024, 2, 1))
    assert groups[("org", "vendor", "suspected")].people == 2
    assert groups[("account", "a-grid", "suspected")].people == 5
    assert groups[("failure_type", "masking-defect", "confirmed")] == Group(
        "failure_type", "masking-defect", "confirmed", 3, 1, 2, 2, D, dt.date(2024, 1, 6))
    assert groups[("month", "2024-01", "confirmed")].views == 2
    assert groups[("month", "2024-02", "suspected")].customers == 1
    assert [g.dimension for g in result.groups] == sorted(
        (g.dimension for g in result.groups),
        key=("org", "failure_type", "account", "month").index)
    with evidence.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["line"], r["status"], r["people"], r["findings"], r["failure_types"])
            for r in rows] == [
        ("2", "confirmed", "p-retail", "F-0002", "masking-defect;temporary-display"),
        ("3", "confirmed", "p-retail", "F-0002", "masking-defect;temporary-display"),
        ("4", "suspected", "p-retail;p-vendor", "F-0001", "credential-misuse"),
        ("5", "suspected", "p-retail;p-vendor", "F-0001", "credential-misuse")]
    assert rows[0]["timestamp"] == "2024-01-05 10:00:00" and rows[3]["customer"] == ""
    assert list(evidence.parent.iterdir()) == [evidence]  # no temporary left behind


def test_session_moves_must_be_entries_or_steps(tmp_path: Path) -> None:
    """A move within a session (by time, then file and line) to a screen that is neither a
    menu entry nor a step from the previous one is unexplained; reloads are not moves."""
    log = write_csv(tmp_path / "log.csv", [
        "2024-01-05 10:02,a-grid,t-grid,crm,detail,,s1",  # 2 list -> detail: a step
        "2024-01-05 10:01,a-grid,t-grid,crm,list,,s1",    # 3 menu -> list: a step
        "2024-01-05 10:00,a-grid,t-grid,crm,menu,,s1",    # 4 first of s1
        "2024-01-05 10:00,a-grid,t-grid,crm,menu,,s2",    # 5
        "2024-01-05 10:05,a-grid,t-grid,crm,detail,,s2",  # 6 menu -> detail: no step
        "2024-01-05 10:06,a-grid,t-grid,crm,detail,,s2",  # 7 a reload
        "2024-01-05 10:07,a-grid,t-grid,crm,menu,,s2",    # 8 menu is an entry
        "2024-01-05 10:09,a-grid,t-grid,crm,detail,,",    # 9 no session: not checked
        "2024-01-05 10:08,a-shared,t-grid,crm,detail,,",  # 10 key unexplained
    ])
    result = run_replay(FakeReplayer(), [log], ["log.csv"], ReplayConfig())
    assert [(p.reason, p.count, p.rows) for p in result.unexplained] == [
        ("account a-shared cannot reach screen detail", 1, (Row("log.csv", 10),)),
        ("no transition from menu to detail for account a-grid", 1, (Row("log.csv", 6),))]
    assert result.count("legitimate") == 7


def test_disaster_calendar_switches_mode_and_slice(tmp_path: Path) -> None:
    """The same access is suspected in normal time and legitimate on a declared disaster's
    days (both ends inclusive); the slice follows the date (first or second half of 2024)."""
    log = write_csv(tmp_path / "log.csv", [
        f"{day},a-grid,t-retail,crm,menu,," for day in
        ("2024-03-09", "2024-03-10", "2024-03-12", "2024-03-13", "2024-08-01")])
    calendar = tmp_path / "calendar.csv"
    calendar.write_text("from,until,name\n2024-03-10,2024-03-12,quake\n\n", encoding="utf-8")
    config = build_config(calendar=calendar, calendar_shown="calendar.csv")
    assert config.disasters == (Period(dt.date(2024, 3, 10), dt.date(2024, 3, 12), "quake", 2),)
    replayer = FakeReplayer()
    result = run_replay(replayer, [log], ["log.csv"], config)
    assert result.count("suspected") == 3 and result.count("legitimate") == 2
    assert sorted({k.slice for k in replayer.asked}) == [0, 1, 2]


def test_jsonl_and_parquet_logs(tmp_path: Path) -> None:
    """JSON Lines (one object a line) and Parquet (typed or text timestamps, records from 1)
    are read into the same events; a mapping renames the columns."""
    mapping = tmp_path / "replay.yaml"
    mapping.write_text("columns: {timestamp: 日時, account: 利用者ID}\n", encoding="utf-8")
    config = build_config(mapping, "replay.yaml")
    jsonl = tmp_path / "log.jsonl"
    jsonl.write_text("\ufeff" + "\n".join([
        '{"日時": "2024-01-05 10:00", "利用者ID": "a-retail", "terminal": "t-retail", '
        '"system": "crm", "screen": "menu", "customer": "c1"}',
        "[1, 2]",
        "",
        '{"日時": "2024-01-05 10:00", "利用者ID": "a-grid", "terminal": "t-grid"',
        '{"日時": 20240105, "利用者ID": "a-grid", "terminal": "t-grid", "system": "crm", '
        '"screen": "menu"}',
        '{"日時": "2024-01-05", "terminal": "t-grid", "system": "crm", "screen": "menu"}',
    ]) + "\n", encoding="utf-8")
    typed = tmp_path / "typed.parquet"
    pq.write_table(pa.table({
        "日時": pa.array([dt.datetime(2024, 1, 5, 10), None], pa.timestamp("us")),
        "利用者ID": ["a-retail", "a-grid"], "terminal": ["t-retail", "t-grid"],
        "system": ["crm", "crm"], "screen": ["list", "menu"]}), typed)
    text = tmp_path / "text.parquet"
    pq.write_table(pa.table({
        "日時": ["2024-01-05 10:00:00", "yesterday"], "利用者ID": ["a-grid", "a-grid"],
        "terminal": ["t-grid", "t-grid"], "system": ["crm", "crm"], "screen": ["menu", "menu"],
        "session": [1, 2]}), text)
    result = run_replay(FakeReplayer(), [text, jsonl, typed],
                        ["text.parquet", "log.jsonl", "typed.parquet"], config)
    assert _bad(result) == {
        "not a JSON object": (2, [2, 4]),
        "unparseable timestamp": (2, [5, 2]),  # log.jsonl:5, text.parquet:2
        "missing account": (1, [6]),
        "missing timestamp": (1, [2]),
    }
    assert [r.file for p in result.bad for r in p.rows if p.reason == "missing timestamp"] == [
        "typed.parquet"]
    assert result.count("confirmed") == 2 and result.count("legitimate") == 1


def test_strict_refuses_bad_rows_and_writes_nothing(tmp_path: Path) -> None:
    log = write_csv(tmp_path / "log.csv", ["2024-01-05,a-retail,t-retail,crm,menu,,",
                                           "2024-01-05,a-grid,nowhere,crm,menu,,"])
    evidence = tmp_path / "evidence.parquet"
    with pytest.raises(InputError) as caught:
        run_replay(FakeReplayer(), [log], ["log.csv"], ReplayConfig(), evidence=evidence,
                   strict=True)
    assert str(caught.value) == "log.csv:3: unknown terminal nowhere"
    assert not evidence.exists()


def test_header_problems_are_refused_at_line_1(tmp_path: Path) -> None:
    log = write_csv(tmp_path / "log.csv", ["2024-01-05,a,t,crm"],
                    header="timestamp,account,terminal,system")
    with pytest.raises(InputError, match=r"^log\.csv:1: no column 'screen' for the screen"):
        run_replay(FakeReplayer(), [log], ["log.csv"], ReplayConfig())
    good = write_csv(tmp_path / "good.csv", ["2024-01-05,a-grid,t-grid,crm,menu,,"])
    with pytest.raises(InputError, match="the evidence file would replace a log"):
        run_replay(FakeReplayer(), [good], ["good.csv"], ReplayConfig(), evidence=good)
    other = tmp_path / "log.txt"
    other.write_text("x\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown log format"):
        run_replay(FakeReplayer(), [other], ["log.txt"], ReplayConfig())


def test_mapping_and_calendar_errors_name_their_line(tmp_path: Path) -> None:
    mapping = tmp_path / "replay.yaml"
    mapping.write_text("columns:\n  account: id\n  terminal: id\ndelimiter: ';;'\n"
                       "modes: {normal: normal, other: x}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        build_config(mapping, "replay.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "replay.yaml:2: columns: id mapped to several roles",
        "replay.yaml:4: delimiter: String should have at most 1 character",
        "replay.yaml:5: modes.other: unknown key"]
    calendar = tmp_path / "cal.csv"
    calendar.write_text("from,until,name\n2024-01-01,2024-01-03,a\n2024-01-05,2024-01-04,b\n",
                        encoding="utf-8")
    with pytest.raises(InputError, match=r"^cal\.csv:3: until 2024-01-04 is before from"):
        build_config(calendar=calendar, calendar_shown="cal.csv")
    calendar.write_text("from,until,name\n2024-1-1,2024-01-03,a\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^cal\.csv:2: from: '2024-1-1' is not a date"):
        build_config(calendar=calendar, calendar_shown="cal.csv")


def test_semicolon_delimiter_and_unknown_mode(tmp_path: Path) -> None:
    mapping = tmp_path / "replay.yaml"
    mapping.write_text("delimiter: '|'\nmodes: {disaster: emergency}\n", encoding="utf-8")
    log = tmp_path / "log.csv"
    log.write_text("timestamp|account|terminal|system|screen\n"
                   "2024-01-05|a-grid|t-grid|crm|menu\n2024-01-05|a-grid|t-grid|crm|\"a|b\"\n",
                   encoding="utf-8")
    config = build_config(mapping, "replay.yaml")
    result = run_replay(FakeReplayer(), [log], ["log.csv"], config)
    assert result.count("legitimate") == 1 and _bad(result) == {
        "quoted value holding the delimiter": (1, [3])}
    calendar = tmp_path / "cal.csv"
    calendar.write_text("from,until,name\n2024-01-01,2024-01-03,a\n", encoding="utf-8")
    with pytest.raises(InputError, match="mode emergency is not a mode of the model"):
        run_replay(FakeReplayer(), [log], ["log.csv"], build_config(
            mapping, "replay.yaml", calendar, "cal.csv"))


def test_literals_carry_any_text() -> None:
    import duckdb

    text = "it's a \\ back\tslash ' 日本"
    assert duckdb.connect().execute(f"SELECT {lit(text)}").fetchall() == [(text,)]
    assert lit("plain") == "'plain'"


def test_text_logs_must_be_utf8_without_nul(tmp_path: Path) -> None:
    """Both engines would read such a file differently: it is refused at its line."""
    log = tmp_path / "log.csv"
    log.write_bytes(b"timestamp,account,terminal,system,screen\n2024-01-05,a,t,crm,menu\n"
                    b"2024-01-05,a\xff,t,crm,menu\n")
    with pytest.raises(InputError, match=r"^log\.csv:3: not UTF-8 text"):
        run_replay(FakeReplayer(), [log], ["log.csv"], ReplayConfig())
    log.write_bytes(b"timestamp,account,terminal,system,screen\n\n2024-01-05,a\0,t,crm,menu\n")
    with pytest.raises(InputError, match=r"^log\.csv:3: a NUL byte"):
        run_replay(FakeReplayer(), [log], ["log.csv"], ReplayConfig())


def test_engine_errors_are_input_errors(tmp_path: Path) -> None:
    """A line longer than DuckDB reads (2 MB) stops the replay with a clear message."""
    log = write_csv(tmp_path / "log.csv", ["2024-01-05,a-grid,t-grid,crm,menu," + "x" * 3_000_000
                                           + ","])
    with pytest.raises(InputError, match=r"^log\.csv: the duckdb engine could not replay"):
        run_replay(FakeReplayer(), [log], ["log.csv"], ReplayConfig())


def test_duckdb_never_prints_its_own_progress_bar(tmp_path: Path) -> None:
    """DuckDB draws a progress bar on stdout for queries over two seconds, which landed inside
    a JSON report written there (found by the benchmark at ten million events)."""
    from accesssim.replay.duck import DuckRunner

    runner = DuckRunner(tmp_path)
    try:
        assert runner.rows("SELECT current_setting('enable_progress_bar')") == [(False,)]
    finally:
        runner.close()


def test_a_log_whose_lines_end_in_cr_alone(tmp_path: Path) -> None:
    """An old Mac export (lines ending in CR alone): the header is its first line, as the
    engines read it, so every row is replayed (it was read as one long header, every row bad
    with a column count of 19)."""
    log = tmp_path / "log.csv"
    log.write_bytes(b"timestamp,account,terminal,system,screen,customer,session\r"
                    b"2024-01-05 10:00,a-retail,t-grid,crm,menu,c1,\r"
                    b"2024-01-05 10:00,a-retail,t-grid,crm,menu,c2,s1\r"
                    b"2024-01-05 10:00,zz,t-grid,crm,menu,c3,\r")
    result = run_replay(FakeReplayer(), [log], ["log.csv"], ReplayConfig())
    assert result.count("confirmed") == 2 and _bad(result) == {"unknown account zz": (1, [4])}


def test_an_engine_failing_again_while_closing_keeps_the_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spark out of memory on a long line also failed to unpersist its tables on closing;
    that second error escaped as an internal error instead of the refusal."""
    import duckdb

    from accesssim.replay.duck import DuckRunner

    def close(self: DuckRunner) -> None:
        self.con.close()
        raise duckdb.InvalidInputException("closing after a failure")

    monkeypatch.setattr(DuckRunner, "close", close)
    log = write_csv(tmp_path / "log.csv", ["2024-01-05,a-grid,t-grid,crm,menu," + "x" * 3_000_000
                                           + ","])
    with pytest.raises(InputError, match=r"^log\.csv: the duckdb engine could not replay"):
        run_replay(FakeReplayer(), [log], ["log.csv"], ReplayConfig())


def test_parquet_ids_the_engines_would_write_differently_are_refused(tmp_path: Path) -> None:
    """A float customer id was 1e+20 on DuckDB and 1.0E20 on Spark (another evidence row,
    another distinct customer); such a column is refused, text and integers are read, and
    a list of the fields shown (not replayed) is accepted."""
    base = {"timestamp": pa.array(["2024-01-05 10:00"] * 2),
            "account": pa.array(["a-retail"] * 2).dictionary_encode(),
            "terminal": pa.array(["t-grid"] * 2, pa.large_string()),
            "system": pa.array(["crm"] * 2), "screen": pa.array(["menu"] * 2),
            "fields": pa.array([["name", "address"]] * 2)}
    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({**base, "customer": pa.array([7, 8])}), good)
    result = run_replay(FakeReplayer(), [good], ["good.parquet"], ReplayConfig())
    assert result.count("confirmed") == 2
    assert [g.customers for g in result.groups if g.dimension == "account"] == [2]
    for name, column in (("float", pa.array([1.0, 1e20])),
                         ("nested", pa.array([{"id": 1}, {"id": 2}]))):
        log = tmp_path / f"{name}.parquet"
        pq.write_table(pa.table({**base, "customer": column}), log)
        with pytest.raises(InputError, match=rf"^{name}\.parquet: column 'customer' holds"):
            run_replay(FakeReplayer(), [log], [f"{name}.parquet"], ReplayConfig())


def test_only_ascii_spaces_are_trimmed_as_spark_trims(tmp_path: Path) -> None:
    """DuckDB's trim also took an ideographic space (U+3000, common in Japanese exports) or a
    no-break space away, Spark's does not: the same row was confirmed on one engine and an
    unknown account on the other. Both now trim ASCII spaces only."""
    log = write_csv(tmp_path / "log.csv", [
        "2024-01-05 10:00,a-retail\u3000,t-grid,crm,menu,c1,",  # 2 unknown account
        "\u3000\u3000",                                        # 3 not blank: a bad row
        "2024-01-05 10:00, a-retail ,t-grid,crm,menu,\u00a0,",  # 4 confirmed, customer U+00A0
    ])
    result = run_replay(FakeReplayer(), [log], ["log.csv"], ReplayConfig())
    assert _bad(result) == {"unknown account a-retail\u3000": (1, [2]),
                            "wrong column count (expected 7, found 1)": (1, [3])}
    assert [g.customers for g in result.groups if g.dimension == "account"] == [1]
    jsonl = tmp_path / "log.jsonl"
    good = '{"timestamp": "2024-01-05", "account": "a-retail", "terminal": "t-grid", ' \
           '"system": "crm", "screen": "menu"}\n'
    jsonl.write_text("\u3000" + good + good, encoding="utf-8")
    result = run_replay(FakeReplayer(), [jsonl], ["log.jsonl"], ReplayConfig())
    assert _bad(result) == {"not a JSON object": (1, [1])}


def test_a_timestamp_ending_in_a_line_break_is_unparseable(tmp_path: Path) -> None:
    """Java's ``$`` matches before a final line break, so Spark read "2024-01-05 10:00\\n"
    (a JSON Lines value) as a time and DuckDB did not; the pattern now ends at ``\\z``."""
    rows = [{"timestamp": ts, "account": "a-retail", "terminal": "t-grid", "system": "crm",
             "screen": "menu"} for ts in ("2024-01-05 10:00\n", "2024-01-05\r\n",
                                          "2024-01-05 10:00\u2028", "2024-01-05 10:00")]
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = run_replay(FakeReplayer(), [log], ["log.jsonl"], ReplayConfig())
    assert _bad(result) == {"unparseable timestamp": (3, [1, 2, 3])}
    assert "\\z" in TIMESTAMP_RE and not TIMESTAMP_RE.endswith("$")


def test_nul_and_non_utf8_lines_count_cr_line_ends(tmp_path: Path) -> None:
    """The engines end a line at CR alone too; the UTF-8 and NUL check counted LF only, so a
    NUL on line 3 of a CR-ended export was cited at line 1. Any block size gives the line."""
    from accesssim.replay.intake import check_text

    log = tmp_path / "log.csv"
    for ends in (b"\r", b"\r\n", b"\n"):
        log.write_bytes(ends.join([b"timestamp,account", b"2024-01-05,a", b"2024-01-05,\0",
                                   b""]))
        for chunk in (1, 2, 3, 5, 1 << 24):
            with pytest.raises(InputError, match=r"^log\.csv:3: a NUL byte"):
                check_text(log, "log.csv", chunk=chunk)
        log.write_bytes(ends.join([b"h", b"", b"x", b"\xff"]))
        for chunk in (1, 2, 1 << 24):
            with pytest.raises(InputError, match=r"^log\.csv:4: not UTF-8"):
                check_text(log, "log.csv", chunk=chunk)


def test_a_log_of_which_no_row_can_be_replayed_is_refused(tmp_path: Path) -> None:
    """Every row bad (dates written with slashes: a mapping that does not fit the export): not a
    report saying nothing crossed the boundary with exit 0, but exit 2 naming the rows."""
    log = write_csv(tmp_path / "log.csv", ["2024/01/05 10:00,a-grid,t-grid,crm,menu,c1,",
                                           "2024/01/06 10:00,a-grid,t-grid,crm,menu,c1,"])
    with pytest.raises(InputError, match="none of the 2 rows could be replayed") as caught:
        run_replay(FakeReplayer(), [log], ["log.csv"], ReplayConfig(),
                   evidence=tmp_path / "evidence.csv")
    assert "log.csv:2: unparseable timestamp" in str(caught.value)
    assert not (tmp_path / "evidence.csv").exists()


def test_an_optional_column_the_mapping_names_must_exist(tmp_path: Path) -> None:
    """A mapping naming the customer column with a typo used to replay without a word, every
    customer count 0; a column the mapping names is now required (the defaults stay optional)."""
    log = write_csv(tmp_path / "log.csv", ["2024-01-05 10:00,a-grid,t-grid,crm,menu,c1,"])
    mapping = tmp_path / "replay.yaml"
    mapping.write_text("columns:\n  customer: 需要家ID\n", encoding="utf-8")
    config = build_config(mapping, "replay.yaml")
    with pytest.raises(InputError, match=r"no column '需要家ID' for the customer"):
        run_replay(FakeReplayer(), [log], ["log.csv"], config)
    plain = run_replay(FakeReplayer(), [log], ["log.csv"], build_config())
    assert plain.count("legitimate") == 1
