"""Benchmark reading the model YAML against ``json.loads`` of the same data (issue 7, Load).

Run from the repository root::

    python benchmarks/bench_load.py                     # utility preset, seed 0
    python benchmarks/bench_load.py --preset small --seed 3
    python benchmarks/bench_load.py --scale 2           # a larger organisation

It generates the preset into a temporary folder, then times, in process CPU seconds (best of 3):
the careful loader alone (PyYAML's C parser with Python construction, ``parse_yaml(...,
fast=False)``), the loader as shipped (the fast path, ``parse_yaml``), and ``json.loads`` of the
same data (the loaded object, line records included, dumped with ``json.dumps``). For the
whole load phase it also times ``load_project`` (the YAML, the model classes and references, and
the Casbin files), which the YAML reader is only a part of, first with CPython's default
collector thresholds and then, beside ``json.loads`` again, with the ones the CLI sets
(``engine.tune_collector``). It prints
each time as a multiple of ``json.loads`` and the peak Python memory of each (``tracemalloc``,
in a separate untimed run), with the calibration loop's time beside them (docs/performance.md).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from calibration import calibrate  # benchmarks/calibration.py, beside this script

from accesssim.engine import load_project, tune_collector
from accesssim.model.loader import parse_yaml
from accesssim.synth.generate import generate


def best_of(runs: int, work: Callable[[], Any]) -> float:
    """The least process CPU time of ``runs`` calls (the machine is shared and noisy)."""
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times)


def peak_mib(work: Callable[[], Any]) -> float:
    """Peak memory Python allocated during one call, in MiB."""
    gc.collect()
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="utility")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        return measure(Path(folder), args)


def measure(folder: Path, args: argparse.Namespace) -> int:
    """Time the readers and the load phase on the model generated into ``folder``."""
    generate(folder, preset=args.preset, seed=args.seed, scale=args.scale)
    model = folder / "model.yaml"
    text = model.read_text(encoding="utf-8")
    whole = best_of(args.runs, lambda: load_project(model))
    careful = parse_yaml(text, "model.yaml", fast=False)
    if parse_yaml(text, "model.yaml") != careful:
        print("the fast path read different data", file=sys.stderr)
        return 1
    dumped = json.dumps(careful, default=str, ensure_ascii=False)
    del careful  # a large live heap would slow every reader's garbage collections alike
    cases: dict[str, Callable[[], Any]] = {
        "careful loader (PyYAML C parser)": lambda: parse_yaml(text, "m", fast=False),
        "loader as shipped (fast path)": lambda: parse_yaml(text, "m"),
        "json.loads of the same data": lambda: json.loads(dumped),
    }
    print(f"preset {args.preset}, seed {args.seed}: {text.count(chr(10)):,} lines, "
          f"{len(text.encode()) / 2**20:.1f} MiB of YAML, {len(dumped) / 2**20:.1f} MiB of JSON")
    print(f"calibration loop: {calibrate():.3f} s")
    times = {name: best_of(args.runs, work) for name, work in cases.items()}
    base = times["json.loads of the same data"]
    for name, work in cases.items():
        print(f"  {name:38} {times[name]:7.3f} s  {times[name] / base:5.1f}x json.loads  "
              f"peak {peak_mib(work):6.1f} MiB")
    print(f"  {'load_project (YAML, classes, Casbin)':38} {whole:7.3f} s  "
          f"{whole / base:5.1f}x json.loads")
    # The CLI raises the collector's thresholds before loading (engine.tune_collector): the
    # load phase as a user runs it, beside json.loads under the same thresholds. Last, as the
    # setting lasts for the rest of the process.
    tune_collector()
    tuned_base = best_of(args.runs, lambda: json.loads(dumped))
    tuned = best_of(args.runs, lambda: load_project(model))
    print("with the CLI's collector thresholds (engine.tune_collector):")
    print(f"  {'json.loads of the same data':38} {tuned_base:7.3f} s  {1.0:5.1f}x json.loads")
    print(f"  {'load_project (YAML, classes, Casbin)':38} {tuned:7.3f} s  "
          f"{tuned / tuned_base:5.1f}x json.loads")
    print(f"calibration loop: {calibrate():.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
