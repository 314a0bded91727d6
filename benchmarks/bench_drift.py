"""Benchmark ``accesssim drift`` at utility scale (in-process, CPU seconds).

Run from the repository root::

    python benchmarks/bench_drift.py

Generates the utility preset twice (seeds 7 and 8: the same companies and systems, every
person, terminal and rule of the other seed's random draw, so ~125k differences and ~20k
exposures only in one model) and times, beside ``calibration.calibrate()``:

1. the seed-7 model against a copy whose policy rows are shuffled (no difference: rules are
   compared by value, not by line);
2. the seed-7 model against the seed-8 model.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from calibration import calibrate  # benchmarks/calibration.py, beside this script

from accesssim.drift.run import drift
from accesssim.engine import load_project, tune_collector


def _generate(out: Path, seed: int) -> Path:
    cli = Path(sys.executable).parent / "accesssim"
    subprocess.run([str(cli), "generate", str(out), "--preset", "utility", "--seed", str(seed)],
                   check=True, capture_output=True)
    return out / "model.yaml"


def _time(design: Path, deployed: Path, label: str) -> None:
    ours, theirs = load_project(design, design.parent), load_project(deployed, deployed.parent)
    start = time.process_time()
    result = drift(ours, theirs, modes=list(ours.loaded.model.modes))
    spent = time.process_time() - start
    print(f"{label}: {spent:.1f} s CPU; {len(result.differences)} differences, "
          f"{len(result.opened)} exposures only deployed, {len(result.closed)} only design; "
          f"calibrate() {calibrate():.3f} s")


def main() -> None:
    tune_collector()
    with tempfile.TemporaryDirectory() as tmp:
        base = _generate(Path(tmp) / "a", 7)
        other = _generate(Path(tmp) / "b", 8)
        shuffled = Path(tmp) / "a" / "shuffled.yaml"
        rows = (base.parent / "policy.csv").read_text(encoding="utf-8").splitlines(True)
        random.Random(1).shuffle(rows)
        (base.parent / "shuffled.csv").write_text("".join(rows), encoding="utf-8")
        shuffled.write_text(base.read_text(encoding="utf-8").replace(
            "policy: policy.csv", "policy: shuffled.csv"), encoding="utf-8")
        _time(base, shuffled, "utility vs its policy shuffled")
        _time(base, other, "utility seed 7 vs seed 8")


if __name__ == "__main__":
    main()
