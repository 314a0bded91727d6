"""``accesssim summary`` over the incident catalogue, and the cost of loading a Japanese catalogue.

Run from the repository root::

    python benchmarks/bench_summary.py             # scenarios/incidents/, --lang ja, markdown
    python benchmarks/bench_summary.py --repeat 5

1. runs ``accesssim summary scenarios/incidents/ --format markdown --lang ja --quiet`` as a
   user does (a new process each time: start-up, loads, analyses of every model and of its
   remediated variant, the table); wall seconds and the child's CPU seconds, best of
   ``--repeat``;
2. loads ``accesssim.i18n.translator("ja")`` in a new process (what every ``--lang ja`` run
   pays once: babel's import and every ``.po`` file parsed), alone and after the CLI's own
   imports, CPU seconds, best of ``--repeat``; then again in this process (cached);
3. prints ``calibrate()`` beside the figures (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from calibration import calibrate  # benchmarks/calibration.py, beside this script

from accesssim.i18n import translator

REPO = Path(__file__).resolve().parent.parent

#: Times the first translator("ja") of a fresh interpreter, in CPU seconds: alone (babel's
#: import and its own imports counted), and after the CLI's imports, as a `--lang ja` run pays it.
ALONE = ("import time; t = time.process_time(); from accesssim.i18n import translator; "
         "tr = translator('ja'); print(time.process_time() - t, len(tr.catalogue))")
IN_CLI = ("import time, accesssim.cli.main, accesssim.engine; t = time.process_time(); "
          "from accesssim.i18n import translator; tr = translator('ja'); "
          "print(time.process_time() - t, len(tr.catalogue))")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _summary(program: str) -> tuple[float, float, int]:
    """(wall s, CPU s of the child, lines printed) of one summary run."""
    cpu, start = _children_cpu(), time.perf_counter()
    done = subprocess.run([program, "summary", "scenarios/incidents/", "--format", "markdown",
                           "--lang", "ja", "--quiet"], cwd=REPO, capture_output=True,
                          check=False, text=True)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"summary failed (exit {done.returncode}): {done.stderr}")
    return wall, _children_cpu() - cpu, len(done.stdout.splitlines())


def _load(script: str) -> tuple[float, int]:
    """(CPU s, messages) of one catalogue load in a new interpreter."""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True,
                         text=True).stdout.split()
    return float(out[0]), int(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    program = shutil.which("accesssim") or str(Path(sys.executable).parent / "accesssim")
    runs = [_summary(program) for _ in range(args.repeat)]
    wall, cpu, lines = min(runs)
    models = len(list((REPO / "scenarios" / "incidents").glob("*.yaml")))
    alone, messages = min(_load(ALONE) for _ in range(args.repeat))
    in_cli, _ = min(_load(IN_CLI) for _ in range(args.repeat))
    translator("ja")
    start = time.process_time()
    translator("ja")
    again = time.process_time() - start
    rows = [
        ("summary scenarios/incidents/ --lang ja (markdown)",
         f"{wall:.2f} s wall, {cpu:.2f} s CPU ({models} model files, {lines} lines)"),
        ('translator("ja"), first in a new process (CPU)',
         f"{alone * 1000:.1f} ms ({messages} messages)"),
        ('translator("ja"), first after the CLI\'s imports (CPU)', f"{in_cli * 1000:.1f} ms"),
        ('translator("ja"), again in the same process (CPU)', f"{again * 1000:.3f} ms"),
    ]
    print(f"accesssim summary and the Japanese catalogue (best of {args.repeat})")
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    print(f"  {'calibrate() (s; about 0.3 on the project machine)':<{width}}  "
          f"{calibrate():.3f}")


if __name__ == "__main__":
    main()
