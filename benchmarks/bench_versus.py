"""This engine against an earlier revision, on the same model at the same moment.

Run from the repository root (a git work tree)::

    python benchmarks/bench_versus.py                  # against 0a20bef (before issue 7)
    python benchmarks/bench_versus.py --before c12c94e --runs 5 --scale 2

Machines, and one machine at busy and quiet moments, differ by 3x or more, so a figure measured
on another day says little about a ratio. This script exports the ``--before`` revision's
``src/`` with ``git archive`` into a temporary folder, writes the utility preset once (this
engine's ``generate``), and then, alternating the two engines run by run, times ``load_project``,
compile (``analyzer``) and search (``run``) in a fresh child process each (CPU seconds,
``time.process_time``; the child imports the earlier engine through ``PYTHONPATH``). It prints the
least time of each phase for each engine, the ratio, and the calibration loop before and after.
Both engines must report the same findings: the script compares the JSON reports byte for byte.

Goal (issue 7): the utility preset, all modes, in at most a third of the CPU time of the engine
before the issue.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from calibration import calibrate  # benchmarks/calibration.py, beside this script

from accesssim.synth.generate import generate

REPO = Path(__file__).resolve().parent.parent
PHASES = ("load", "compile", "search")
#: Run in the child: the same three calls exist in both engines (``accesssim.engine``), and the
#: report is rendered with whichever JSON formatter the engine has.
CHILD = """
import json, sys, time
from pathlib import Path
import accesssim
from accesssim.engine import analyzer, load_project, tune_collector
try:
    from accesssim.reports import OutputFormat, render
except ImportError:
    from accesssim.format import OutputFormat, render
tune_collector()
model = Path(sys.argv[1])
t0 = time.process_time()
project = load_project(model, model.parent)
t1 = time.process_time()
engine = analyzer(project, modes=project.loaded.model.modes)
t2 = time.process_time()
report = engine.run()
t3 = time.process_time()
Path(sys.argv[2]).write_text(render(report, OutputFormat.JSON), encoding="utf-8")
print(json.dumps({"load": t1 - t0, "compile": t2 - t1, "search": t3 - t2,
                  "from": accesssim.__file__}))
"""


def run_child(model: Path, report: Path, src: Path | None) -> dict[str, float]:
    """One analysis in a fresh interpreter; ``src`` None runs this engine."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    out = subprocess.run([sys.executable, "-c", CHILD, str(model), str(report)], env=env,
                         check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    origin = Path(result.pop("from"))
    expected = src if src is not None else REPO / "src"
    if not origin.is_relative_to(expected):  # the wrong engine was imported: no figure at all
        raise SystemExit(f"the child imported {origin}, not the engine under {expected}")
    times: dict[str, float] = result
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="0a20bef", help="git revision to compare against")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        old = tmp / "before"
        old.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.before, "src"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        generate(tmp / "model", preset="utility", seed=args.seed, scale=args.scale)
        model = tmp / "model" / "model.yaml"
        print(f"utility preset, seed {args.seed}, scale {args.scale}, all modes; "
              f"before = {args.before}")
        print(f"calibration loop: {calibrate():.3f} s")
        best: dict[str, dict[str, float]] = {"before": {}, "now": {}}
        for run in range(args.runs):
            for name, src in (("before", old / "src"), ("now", None)):
                times = run_child(model, tmp / f"{name}.json", src)
                times["total"] = sum(times[p] for p in PHASES)
                for phase, value in times.items():
                    best[name][phase] = min(value, best[name].get(phase, value))
                print(f"  run {run + 1} {name:6} " + "  ".join(
                    f"{p} {times[p]:6.2f} s" for p in (*PHASES, "total")))
        same = (tmp / "before.json").read_bytes() == (tmp / "now.json").read_bytes()
        print(f"calibration loop: {calibrate():.3f} s")
        print(f"least CPU seconds of {args.runs} runs each:")
        for phase in (*PHASES, "total"):
            b, n = best["before"][phase], best["now"][phase]
            print(f"  {phase:8} before {b:7.2f} s   now {n:7.2f} s   now/before {n / b:5.2f}")
        print(f"reports byte-identical: {'yes' if same else 'NO'}")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
