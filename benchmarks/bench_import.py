"""`accesssim import` at utility scale, against a bare `csv` loop over the same rows.

Generates a utility-sized inventory (20k people, 22k accounts, 15k terminals, as CSV and as an
XLSX workbook) in a temporary folder, imports it through the library (the CLI's one call), and
reads the same CSV rows with a bare ``csv.reader`` loop in this script: the floor any importer
pays. Times are process CPU seconds (``time.process_time``), peak memory is Python's
(``tracemalloc``, on a second run); ``calibrate()`` is printed beside them.

    python3 benchmarks/bench_import.py [--people N] [--accounts N] [--terminals N] [--no-xlsx]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from calibration import calibrate  # benchmarks/calibration.py, beside this script

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from accesssim.inventory.run import run_import
from accesssim.model.loader import load_model
from inventory_files import write_csv, write_xlsx

PARTS = """\
organizations:
  - {id: grid, name: Grid, kind: grid}
  - {id: retail, name: Retail, kind: retail, affiliated_with: grid}
systems:
  - {id: takuso, owner: grid}
casbin: {model: accesssim.conf, policy: policy.csv}
"""
CONF = Path(__file__).resolve().parents[1] / "policies" / "accesssim.conf"
OFFICES = 200


Tables = dict[str, tuple[list[str], list[list[Any]]]]


def tables(people: int, accounts: int, terminals: int) -> Tables:
    """The four tables as header and rows (deterministic)."""
    locs = [[f"loc{i:04d}", f"事業所 {i}", "grid" if i % 2 else "retail"] for i in range(OFFICES)]
    staff = [[f"p{i:06d}", f"社員 {i}", "託送部" if i % 3 else "営業部", 1 + i % 5,
              f"loc{i % OFFICES:04d}"] for i in range(people)]
    accs = [[f"acc{i:06d}", f"p{i % people:06d}", "takuso",
             f"p{(i * 7) % people:06d}" if i % 50 == 0 else ""] for i in range(accounts)]
    terms = [[f"t{i:06d}", f"loc{i % OFFICES:04d}", "grid", f"p{(i * 3) % people:06d}",
              "yes" if i % 10 == 0 else "no", f"acc{i % accounts:06d}" if i % 97 == 0 else ""]
             for i in range(terminals)]
    return {
        "locations": (["拠点ID", "名称", "管理会社"], locs),
        "people": (["社員番号", "氏名", "部署", "人数", "勤務地"], staff),
        "accounts": (["ユーザID", "利用者", "システム", "共有者"], accs),
        "terminals": (["資産番号", "設置場所", "所有会社", "貸与先", "共用", "ログイン中"], terms),
    }


COLUMNS = {
    "locations": {"id": "拠点ID", "name": "名称", "owner": "管理会社"},
    "people": {"id": "社員番号", "name": "氏名", "org": {"column": "部署", "values": "部署"},
               "headcount": "人数", "locations": "勤務地"},
    "accounts": {"id": "ユーザID", "holder": "利用者", "systems": "システム", "known_by": "共有者"},
    "terminals": {"id": "資産番号", "location": "設置場所", "owner": "所有会社",
                  "assigned_to": "貸与先", "open": "共用", "systems": {"value": ["takuso"]},
                  "logged_in": "ログイン中"},
}


def write_inventory(folder: Path, data: dict[str, tuple[list[str], list[list[Any]]]],
                    fmt: str) -> Path:
    (folder / "parts.yaml").write_text(PARTS, encoding="utf-8")
    (folder / "accesssim.conf").write_text(CONF.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "policy.csv").write_text("g, acc000000, nw_ops, takuso\n", encoding="utf-8")
    entries = []
    if fmt == "xlsx":
        write_xlsx(folder / "inventory.xlsx", data)
    for kind, (header, rows) in data.items():
        if fmt == "csv":
            write_csv(folder / f"{kind}.csv", header, rows, "cp932")
            entries.append({"kind": kind, "file": f"{kind}.csv", "encoding": "cp932",
                            "columns": COLUMNS[kind]})
        else:
            entries.append({"kind": kind, "file": "inventory.xlsx", "sheet": kind,
                            "columns": COLUMNS[kind]})
    mapping = {"accesssim-import": 1, "name": "utility inventory", "include": ["parts.yaml"],
               "values": {"部署": {"託送部": "grid", "営業部": "retail"}}, "tables": entries}
    path = folder / f"mapping-{fmt}.yaml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def bare_csv(folder: Path) -> int:
    """The floor: every CSV row decoded and split, nothing checked."""
    count = 0
    for kind in COLUMNS:
        with open(folder / f"{kind}.csv", encoding="cp932", newline="") as handle:
            for _row in csv.reader(handle):
                count += 1
    return count


def measure(fn: Callable[[], object]) -> tuple[float, float]:
    """CPU seconds of one run, and peak Python memory (MiB) of a second, traced run."""
    start = time.process_time()
    fn()
    seconds = time.process_time() - start
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
    tracemalloc.stop()
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--accounts", type=int, default=22_000)
    parser.add_argument("--terminals", type=int, default=15_000)
    parser.add_argument("--no-xlsx", action="store_true")
    args = parser.parse_args()
    data = tables(args.people, args.accounts, args.terminals)
    rows = sum(len(r) for _, r in data.values())
    print(f"inventory: {args.people} people, {args.accounts} accounts, {args.terminals} "
          f"terminals, {OFFICES} locations ({rows} rows)")
    print(f"calibrate() = {calibrate():.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_mapping = write_inventory(folder, data, "csv")
        floor, floor_peak = measure(lambda: bare_csv(folder))
        print(f"bare csv loop (cp932):   {floor:6.2f} s CPU, {floor_peak:7.1f} MiB peak")
        cost, peak = measure(lambda: run_import(csv_mapping, folder / "out-csv"))
        size = (folder / "out-csv" / "model.yaml").stat().st_size / (1024 * 1024)
        print(f"import, CSV (cp932):     {cost:6.2f} s CPU, {peak:7.1f} MiB peak; "
              f"{cost / floor:.1f}x the bare loop; model.yaml {size:.1f} MiB")
        start = time.process_time()
        load_model(folder / "out-csv" / "model.yaml", folder)
        print(f"  of which loading the written model (done before it takes its place): "
              f"{time.process_time() - start:.2f} s CPU")
        if not args.no_xlsx:
            start = time.process_time()
            xlsx_mapping = write_inventory(folder, data, "xlsx")
            print(f"(writing the XLSX workbook: {time.process_time() - start:.2f} s CPU)")
            cost_x, peak_x = measure(lambda: run_import(xlsx_mapping, folder / "out-xlsx"))
            print(f"import, XLSX (4 sheets): {cost_x:6.2f} s CPU, {peak_x:7.1f} MiB peak; "
                  f"{cost_x / floor:.1f}x the bare loop, {cost_x / cost:.1f}x the CSV import")
    print(f"calibrate() = {calibrate():.2f} s")


if __name__ == "__main__":
    main()
