"""``accesssim generate-logs``: violations planted where truth.csv says, the same bytes for the
same seed, the same events in every format, bad rows of every kind, and each line's expected
class equal to the replay's own verdict for its key (replay/attribute.py)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from accesssim.engine import Project, load_project
from accesssim.replay.attribute import Key, Replayer
from accesssim.replay.config import build_config
from accesssim.replay.generate import COLUMNS, generate_logs
from accesssim.replay.result import STATUSES, VIOLATIONS, ReplayResult
from accesssim.replay.run import run_replay
from helpers import REPO, run

INCIDENTS = sorted((REPO / "scenarios" / "incidents").glob("*.yaml"))
KANSAI = REPO / "scenarios" / "incidents" / "01-kansai.yaml"


def _generate(model: Path, out: Path, events: int = 300, **options: object) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    generate_logs(load_project(model), out, events, **options)  # type: ignore[arg-type]
    return out


def _truth(out: Path) -> list[dict[str, str]]:
    with open(out / "truth.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _periods(out: Path) -> list[tuple[dt.date, dt.date]]:
    with open(out / "calendar.csv", encoding="utf-8", newline="") as handle:
        return [(dt.date.fromisoformat(r["from"]), dt.date.fromisoformat(r["until"]))
                for r in csv.DictReader(handle)]


def _events(out: Path, fmt: str) -> list[tuple[str | None, ...]]:
    """Every row of the events file, in line order, as a tuple of COLUMNS (a row that is not
    a JSON object, or that has too many values, becomes a tuple of its raw values)."""
    path = out / f"events.{fmt}"
    if fmt == "parquet":
        return [tuple(r) for r in duckdb.sql(f"SELECT * FROM '{path}'").fetchall()]
    text = path.read_text(encoding="utf-8").splitlines()
    if fmt == "csv":
        assert text[0] == ",".join(COLUMNS)
        return [tuple(line.split(",")) for line in text[1:]]
    rows: list[tuple[str | None, ...]] = []
    for line in text:
        value = json.loads(line)
        rows.append(tuple(value[c] for c in COLUMNS) if isinstance(value, dict) else
                    tuple(value))
    return rows


def _mode(day: dt.date, periods: list[tuple[dt.date, dt.date]]) -> str:
    return "disaster" if any(a <= day <= b for a, b in periods) else "normal"


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    one = _generate(KANSAI, tmp_path / "one", seed=5)
    two = _generate(KANSAI, tmp_path / "two", seed=5)
    three = _generate(KANSAI, tmp_path / "three", seed=6)
    for name in ("events.csv", "truth.csv", "calendar.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    assert (one / "events.csv").read_bytes() != (three / "events.csv").read_bytes()


def test_formats_hold_the_same_events(tmp_path: Path) -> None:
    found = {fmt: _events(_generate(KANSAI, tmp_path / fmt, 200, fmt=fmt, seed=2), fmt)
             for fmt in ("csv", "jsonl", "parquet")}
    truths = {fmt: _truth(tmp_path / fmt) for fmt in found}
    assert [r["status"] for r in truths["csv"]] == [r["status"] for r in truths["parquet"]]
    assert [r["line"] for r in truths["jsonl"]] == [str(n) for n in range(1, 201)]
    assert [r["line"] for r in truths["csv"]] == [str(n) for n in range(2, 202)]
    assert len(found["csv"]) == len(found["jsonl"]) == len(found["parquet"]) == 200
    differ = [i for i, rows in enumerate(zip(*found.values(), strict=True))
              if not rows[0] == rows[1] == tuple(v or "" for v in rows[2])]
    # Only the format's own malformed rows differ: an extra CSV value, a JSON array, a
    # Parquet record without an account.
    assert len(differ) == 2
    for i in differ:
        assert len(found["csv"][i]) == len(COLUMNS) + 1
        assert found["parquet"][i][1] is None
        assert truths["csv"][i]["status"] == "bad"


def test_bad_rows_of_every_kind(tmp_path: Path) -> None:
    out = _generate(KANSAI, tmp_path / "k", 100)
    rows, truth = _events(out, "csv"), _truth(out)
    bad = [row for row, t in zip(rows, truth, strict=True) if t["status"] == "bad"]
    assert sum(len(r) != len(COLUMNS) for r in bad) == 2  # wrong column count
    assert sum(not r[0][:4].isdigit() for r in bad) == 2  # unparseable timestamp
    assert sum(r[1] not in {a.id for a in load_project(KANSAI).loaded.model.accounts}
               for r in bad) == 2
    assert sum(r[4] == "unknown_screen_x" for r in bad) == 2
    assert len(bad) == 8
    assert [t["status"] for t in truth].count("unexplained") == 1


def test_too_few_events_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "logs"
    result = run("generate-logs", str(KANSAI), "-o", str(out), "--events", "3")
    assert result.exit_code == 2, result.output
    assert "at least" in result.output
    assert not out.exists()


def _keys(replayer: Replayer, out: Path, rows: list[tuple[str | None, ...]]
          ) -> list[Key | None]:
    """Each row's key as the replay forms it (None for a row that cannot be read): its
    slice from the calendar, and the screen before it in its session (sessions are written
    in order, one after another, with increasing times)."""
    periods = _periods(out)
    last: dict[tuple[str, str, str], str] = {}
    keys: list[Key | None] = []
    for row in rows:
        if len(row) != len(COLUMNS) or not str(row[0])[:4].isdigit() or row[1] is None:
            keys.append(None)
            continue
        day = dt.date.fromisoformat(str(row[0])[:10])
        mode = _mode(day, periods)
        sl = next(s for s in replayer.slices if s.mode == mode and s.epoch.contains(day))
        account, terminal, system, screen = (str(v) for v in row[1:5])
        previous = ""
        if row[6]:
            group = (system, account, str(row[6]))
            previous = last.get(group, "")
            last[group] = screen
        keys.append(Key(sl.index, account, terminal, system, screen, previous))
    return keys


def _check_against_replay(project: Project, out: Path) -> tuple[set[str], int]:
    """Every line's class equals the replay's verdict for its key, every planted finding is
    among the findings the verdict links; returns the findings planted and the violations."""
    replayer = Replayer(project)
    planted, violations = set(), 0
    rows = _events(out, "csv")
    for row, t, key in zip(rows, _truth(out), _keys(replayer, out, rows), strict=True):
        verdict = replayer.verdict(key) if key is not None else None
        status = verdict.status if verdict is not None else "bad"
        assert status == t["status"], (t, row, verdict)
        if verdict is None:
            continue
        if t["finding"]:
            linked = {f: ty for f, ty in verdict.findings}
            assert t["finding"] in linked, (t, row, verdict)
            assert set(t["failure_types"].split(";")) == {
                ty for f, ty in verdict.findings if f == t["finding"]}
            planted.add(t["finding"])
        violations += t["status"] in ("confirmed", "suspected")
    return planted, violations


@pytest.mark.parametrize("model", INCIDENTS, ids=lambda p: p.stem)
def test_every_finding_planted_as_the_replay_sees_it(model: Path, tmp_path: Path) -> None:
    project = load_project(model)
    out = _generate(model, tmp_path / "logs", 400, seed=1)
    planted, violations = _check_against_replay(project, out)
    findings = Replayer(project).report.findings
    assert planted == {f.id for f in findings}
    assert violations >= len(findings)
    by_id = {f.id: f for f in findings}
    periods = _periods(out)
    for row, t in zip(_events(out, "csv"), _truth(out), strict=True):
        if not t["finding"]:
            continue
        finding = by_id[t["finding"]]
        path = dict(step.node.split(":", 1) for step in finding.path
                    if not step.node.startswith("screen:"))
        screens = [s.node.split(":", 1)[1] for s in finding.path
                   if s.node.startswith("screen:")]
        assert row[1:5] == (path["account"], path["terminal"], path["system"], screens[-1])
        day = dt.date.fromisoformat(str(row[0])[:10])
        mode = _mode(day, periods)
        assert any(w.mode == mode and (w.start is None or w.start <= day)
                   and (w.end is None or day <= w.end) for w in finding.windows), (t, row)


SHIPPED = {"kansai": REPO / "scenarios" / "incidents" / "01-kansai.yaml",
           "shikoku": REPO / "scenarios" / "incidents" / "04-shikoku.yaml"}


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_logs_use_every_finding(name: str) -> None:
    """The small logs shipped for Kansai and Shikoku: each line is an event the model can
    judge (no bad row), and their violations are linked to every finding of analyze."""
    folder = REPO / "scenarios" / "logs" / name
    assert sorted(p.name for p in folder.iterdir()) == ["calendar.csv", "events.csv"]
    project = load_project(SHIPPED[name])
    replayer = Replayer(project)
    used: set[str] = set()
    rows = _events(folder, "csv")
    assert 20 <= len(rows) <= 60
    for row, key in zip(rows, _keys(replayer, folder, rows), strict=True):
        assert key is not None, row
        verdict = replayer.verdict(key)
        assert verdict.status != "bad", row
        if verdict.status in ("confirmed", "suspected"):
            used |= {f for f, _ in verdict.findings}
    assert used == {f.id for f in replayer.report.findings}
    assert used


def _replay(model: Path, out: Path, fmt: str, evidence: Path) -> tuple[ReplayResult, Replayer]:
    replayer = Replayer(load_project(model))
    config = build_config(calendar=out / "calendar.csv", calendar_shown="calendar.csv")
    result = run_replay(replayer, [out / f"events.{fmt}"], [f"events.{fmt}"], config,
                        evidence=evidence)
    return result, replayer


def _evidence(path: Path) -> dict[int, dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {int(r["line"]): r for r in csv.DictReader(handle)}


def _check_replay(model: Path, out: Path, fmt: str, tmp_path: Path) -> None:
    """The replay finds exactly the planted violations: every line's class as truth says,
    each planted finding linked with its failure types, nothing else (recall and precision
    1 per failure type), and the bad and unexplained rows counted."""
    evidence = tmp_path / f"evidence-{fmt}.csv"
    result, replayer = _replay(model, out, fmt, evidence)
    truth = {int(t["line"]): t for t in _truth(out)}
    for status in STATUSES:
        assert result.count(status) == sum(t["status"] == status for t in truth.values()), status
    expected = {line: t["status"] for line, t in truth.items() if t["status"] in VIOLATIONS}
    found = _evidence(evidence)
    assert {line: r["status"] for line, r in found.items()} == expected
    types = {t for r in truth.values() for t in r["failure_types"].split(";") if t}
    for failure_type in sorted(types):
        planted = {line for line, t in truth.items()
                   if failure_type in t["failure_types"].split(";")}
        linked = {line for line, r in found.items()
                  if failure_type in r["failure_types"].split(";")}
        recalled = {line for line in planted
                    if truth[line]["finding"] in found[line]["findings"].split(";")}
        assert recalled == planted, failure_type  # recall 1
        assert linked <= set(expected), failure_type  # precision 1: no event outside truth
    planted_ids = {t["finding"] for t in truth.values() if t["finding"]}
    assert {f.id for f in result.findings if f.used} >= planted_ids
    assert planted_ids == {f.id for f in replayer.report.findings}


@pytest.mark.parametrize("model", INCIDENTS, ids=lambda p: p.stem)
def test_replay_recall_and_precision_per_failure_type(model: Path, tmp_path: Path) -> None:
    out = _generate(model, tmp_path / "logs", 400, seed=3)
    _check_replay(model, out, "csv", tmp_path)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_replay_of_every_format(fmt: str, tmp_path: Path) -> None:
    model = REPO / "scenarios" / "incidents" / "05-chubu.yaml"
    out = _generate(model, tmp_path / "logs", 600, seed=4, fmt=fmt)
    _check_replay(model, out, fmt, tmp_path)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_logs_replay_to_the_finding_ids(name: str, tmp_path: Path) -> None:
    folder = REPO / "scenarios" / "logs" / name
    result, replayer = _replay(SHIPPED[name], folder, "csv", tmp_path / "evidence.csv")
    assert {f.id for f in result.findings if f.used} == {
        f.id for f in replayer.report.findings}
    assert result.count("bad") == 0 and result.count("legitimate") > 0
