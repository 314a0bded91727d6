"""Loading a model against ``json.loads`` of the same data (issue 7: load within 5x of it).

Run from the repository root::

    python benchmarks/bench_load.py                  # utility preset, seed 0
    python benchmarks/bench_load.py --scale 2        # a larger organisation

It writes the utility preset (``accesssim generate DIR --preset utility``), then times, in this
process (CPU seconds, ``time.process_time``, best of three each):

- ``accesssim.engine.load_project``: the model YAML with every line number and the duplicate-key
  refusal, the model classes and references, and the Casbin files;
- ``json.loads`` of the same model data (the YAML read once, dumped as JSON, not timed);
- for reference, PyYAML's C loader alone on the same YAML (no line numbers, no checks).

Goal (issue 7): ``load_project`` at most 5x ``json.loads``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from calibration import calibrate  # benchmarks/calibration.py, beside this script

from accesssim.engine import load_project, tune_collector
from accesssim.synth.generate import generate

GOAL_RATIO = 5.0


def best_of(times: int, work: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="accesssim-load-"))
    try:
        print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        print(f"calibration loop: {calibrate():.2f} s (compare figures across machines by it)")
        summary = generate(work, "utility", args.seed, scale=args.scale)
        print(summary.lines()[1].strip())
        text = (work / "model.yaml").read_text(encoding="utf-8")
        as_json = json.dumps(yaml.load(text, Loader=yaml.CSafeLoader), default=str,
                             ensure_ascii=False)
        tune_collector()  # as the CLI does
        load = best_of(3, lambda: load_project(work / "model.yaml", work))
        plain = best_of(3, lambda: json.loads(as_json))
        c_yaml = best_of(3, lambda: yaml.load(text, Loader=yaml.CSafeLoader))
        print(f"\nmodel.yaml: {len(text.encode()) / 1024**2:.1f} MiB; CPU seconds, best of 3")
        print(f"  load_project (YAML with lines, model, references, Casbin)  {load:7.2f} s")
        print(f"  json.loads of the same data                                {plain:7.2f} s")
        print(f"  PyYAML C loader alone (reference)                          {c_yaml:7.2f} s")
        print(f"\n  load_project / json.loads = {load / plain:.1f}x   (goal <= {GOAL_RATIO:.0f}x: "
              f"{'met' if load / plain <= GOAL_RATIO else 'NOT met'})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
