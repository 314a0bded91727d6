"""Log replay at scale: ten million events against the utility model, on DuckDB and Spark,
beside a plain per-event Python loop (issue 12).

Run from the repository root::

    python benchmarks/bench_replay.py                     # 10 million events
    python benchmarks/bench_replay.py --events 1000000 --no-spark
    python benchmarks/bench_replay.py --keep /tmp/replay  # keep the model and the logs

It writes ``accesssim generate DIR --preset utility --seed 0`` and ``accesssim generate-logs``
(Parquet, and CSV unless ``--no-csv``; the same seed, so the same events), then replays each
file with ``accesssim replay`` (loading and analysing the model included) in a fresh child
process: the figures are the child's wall time, CPU time (user + system,
``getrusage(RUSAGE_CHILDREN)`` measured by a small wrapper process, so only that one command
counts) and peak resident memory. Spark (``--engine
spark``, local mode) replays the same Parquet file; its CPU and memory are mostly the Java
process's and are not comparable, so only its wall time is printed.

The plain loop takes the first ``--sample`` events of the Parquet file one at a time: mode
from the calendar, slice, previous screen of the session, and the per-key Python verdict
(replay/attribute.py) computed afresh for every event (the memo is emptied: no grouping by
key). Its time per event times the number of events is the extrapolated figure.

Goal (issue 12): DuckDB at most 60 s and 2 GiB for ten million events on this 2-core machine.
Figures are noisy on a shared machine: ``calibrate()`` is printed beside them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from calibration import calibrate  # benchmarks/calibration.py, beside this script

ACCESSSIM = str(Path(sys.executable).parent / "accesssim")
GIB = 1024**3

#: Runs one command and prints its wall time, CPU time and peak memory as JSON: run as a
#: child of its own, so that RUSAGE_CHILDREN holds that command alone.
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": r.ru_utime + r.ru_stime, "rss": r.ru_maxrss * 1024,
                  "code": done.returncode, "stderr": done.stderr[-2000:],
                  "stdout": done.stdout.strip()[-2000:]}))
"""


def measure(command: list[str]) -> dict[str, float | int | str]:
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True,
                          text=True, check=True)
    found: dict[str, float | int | str] = json.loads(done.stdout)
    return found


def run(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def replay_command(model: Path, logs: Path, calendar: Path, out: Path, engine: str) -> list[str]:
    """``accesssim replay`` as a user runs it (a JSON report beside the logs, read by ``show``
    for the counts)."""
    return [ACCESSSIM, "replay", str(model), str(logs), "--calendar", str(calendar),
            "--engine", engine, "--format", "json", "--quiet",
            "-o", str(out / f"report-{engine}.json"),
            "--evidence", str(out / f"evidence-{engine}.parquet")]


def show(label: str, found: dict[str, float | int | str], events: int, report: Path
         ) -> float | None:
    if found["code"] not in (0, 1):
        print(f"{label}: failed (exit {found['code']}): {found['stderr']}")
        return None
    wall, cpu, rss = float(found["wall"]), float(found["cpu"]), int(found["rss"])
    print(f"{label}: wall {wall:.1f} s, CPU {cpu:.1f} s, peak memory {rss / GIB:.2f} GiB, "
          f"{events / wall:,.0f} events/s")
    print(f"  counts: {json.loads(report.read_text(encoding='utf-8'))['counts']}")
    return wall


def python_loop(model: Path, logs: Path, calendar: Path, sample: int) -> tuple[float, int]:
    """Seconds per event of the plain loop over the first ``sample`` events, and the count."""
    import duckdb

    from accesssim.engine import load_project
    from accesssim.replay.attribute import Key, Replayer

    replayer = Replayer(load_project(model))
    with open(calendar, encoding="utf-8") as handle:
        periods = [(dt.date.fromisoformat(a), dt.date.fromisoformat(b))
                   for a, b, _ in (line.split(",", 2) for line in handle.readlines()[1:])]
    path = str(logs).replace("'", "''")
    rows = duckdb.sql(f"SELECT * FROM '{path}' LIMIT {sample}").fetchall()
    slices = replayer.slices
    start = time.process_time()
    last: dict[tuple[str, str, str], str] = {}
    counted = 0
    for ts, account, terminal, system, screen, _customer, session in rows:
        try:
            when = dt.datetime.fromisoformat(ts)
        except (TypeError, ValueError):
            continue  # a bad row: the loop does not count it
        if account is None:
            continue
        day = when.date()
        mode = "disaster" if any(a <= day <= b for a, b in periods) else "normal"
        index = next(s.index for s in slices if s.mode == mode and s.epoch.contains(day))
        previous = ""
        if session:
            previous = last.get((system, account, session), "")
            last[(system, account, session)] = screen
        replayer._memo.clear()  # one verdict per event: no grouping by key
        replayer.verdict(Key(index, account, terminal, system, screen, previous))
        counted += 1
    return (time.process_time() - start) / max(counted, 1), counted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--no-csv", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, help="Work here and keep the files.")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-replay-"))
    try:
        model_dir = work / "model"
        if not (model_dir / "model.yaml").exists():
            run([ACCESSSIM, "generate", str(model_dir), "--preset", "utility", "--seed", "0"])
        model = model_dir / "model.yaml"
        formats = ["parquet"] if args.no_csv else ["parquet", "csv"]
        for fmt in formats:
            logs = work / fmt
            stamp = logs / "events.count"  # --keep: logs of this size are not written again
            if stamp.exists() and stamp.read_text(encoding="utf-8") == str(args.events):
                continue
            seconds = run([ACCESSSIM, "generate-logs", str(model), "-o", str(logs), "--events",
                           str(args.events), "--format", fmt, "--seed", "0", "--quiet"])
            stamp.write_text(str(args.events), encoding="utf-8")
            size = (logs / f"events.{fmt}").stat().st_size
            print(f"generate-logs {args.events:,} events as {fmt}: {seconds:.1f} s wall, "
                  f"{size / 2**20:,.0f} MiB")
        calendar = work / "parquet" / "calendar.csv"
        figures: dict[str, float | None] = {}
        for fmt in formats:
            logs = work / fmt / f"events.{fmt}"
            figures[f"duckdb-{fmt}"] = show(
                f"replay, DuckDB, {fmt}", measure(replay_command(
                    model, logs, calendar, work / fmt, "duckdb")), args.events,
                work / fmt / "report-duckdb.json")
        truth = str(work / "parquet" / "truth.csv").replace("'", "''")
        import duckdb

        print("  truth: " + str(dict(duckdb.sql(f"SELECT status, count(*) FROM '{truth}' "
                                                "GROUP BY status ORDER BY status").fetchall())))
        per_event, counted = python_loop(model, work / "parquet" / "events.parquet", calendar,
                                         args.sample)
        loop = per_event * args.events
        print(f"plain per-event Python loop: {per_event * 1e6:.1f} µs per event over "
              f"{counted:,} events, {loop:,.0f} s extrapolated to {args.events:,} (CPU)")
        if not args.no_spark:
            figures["spark"] = show("replay, Spark local mode, parquet (wall time only is "
                                    "comparable)", measure(replay_command(
                                        model, work / "parquet" / "events.parquet", calendar,
                                        work / "parquet", "spark")), args.events,
                                    work / "parquet" / "report-spark.json")
        duck = figures.get("duckdb-parquet")
        if duck:
            print(f"ratios: Python loop / DuckDB {loop / duck:.1f}x"
                  + (f", Spark / DuckDB {figures['spark'] / duck:.1f}x"
                     if figures.get("spark") else ""))
        print(f"calibrate(): {calibrate():.2f} s")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
