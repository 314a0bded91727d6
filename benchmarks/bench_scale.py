"""How analysis time and memory grow with the organisation (issue 7: linear in its size).

Run from the repository root::

    python benchmarks/bench_scale.py                   # utility at scales 1, 2, 4, 8
    python benchmarks/bench_scale.py --scales 1 2      # chosen scales
    python benchmarks/bench_scale.py --mode normal     # one mode instead of all

For each scale N it writes ``accesssim generate DIR --preset utility --scale N`` (people
entries, offices, accounts and terminals times N; screens, fields and roles unchanged), then
runs ``load_project``, ``analyzer`` (compile) and ``Analyzer.run`` (search) in a fresh child
process, so that each scale's peak memory is its own. The child reports its CPU seconds per
phase (``time.process_time``) and its peak resident memory (``getrusage(RUSAGE_SELF)``); the
parent adds the child's wall time and ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` (the largest
child so far). It then fits the time exponent: the least-squares slope of log(time) against
log(scale), over all scales and between consecutive ones. Linear growth is 1.0.

A scale is stopped after ``--timeout`` seconds or when the child's address space exceeds
``--max-gib`` (the machine is shared); the script says so and skips the larger scales.

Goals (issue 7): time exponent at most 1.1 over 1x-8x; peak memory at 8x within 2 GiB.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from calibration import calibrate  # benchmarks/calibration.py, beside this script

from accesssim.engine import analyzer, load_project, resolve_modes, tune_collector
from accesssim.synth.generate import generate

GOAL_EXPONENT = 1.1
GOAL_BYTES = 2 * 1024**3
PHASES = ("load", "compile", "search")


def measure(model_dir: Path, mode: str) -> dict[str, float]:
    """Load, compile and search once, in this process: CPU seconds per phase, peak KiB."""
    tune_collector()  # as the CLI does
    t0 = time.process_time()
    project = load_project(model_dir / "model.yaml", model_dir)
    t1 = time.process_time()
    engine = analyzer(project, modes=resolve_modes(project, mode))
    t2 = time.process_time()
    report = engine.run()
    t3 = time.process_time()
    return {"load": t1 - t0, "compile": t2 - t1, "search": t3 - t2,
            "people": len(project.loaded.model.people), "slices": report.slices,
            "findings": len(report.findings),
            "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def run_child(model_dir: Path, mode: str, timeout: float, max_gib: float
              ) -> tuple[dict[str, float] | None, float, str]:
    """``measure`` in a fresh interpreter: (figures or None, wall seconds, why it stopped)."""
    limit = int(max_gib * 1024**3)

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", str(model_dir), "--mode", mode],
            capture_output=True, text=True, timeout=timeout, preexec_fn=cap, check=False)
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - start, f"stopped after {timeout:.0f} s"
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no message"]
        why = ("ran out of the address-space cap" if "MemoryError" in proc.stderr
               else f"exit {proc.returncode}")
        return None, wall, f"{why}: {tail[0]}"
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall, ""


def exponent(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(time) against log(scale)."""
    if len(points) < 2:
        return None
    xs = [math.log(x) for x, _ in points]
    ys = [math.log(max(y, 1e-6)) for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else None


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mode", default="all", help="a mode, or all (default)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per scale")
    parser.add_argument("--max-gib", type=float, default=10.0,
                        help="address-space cap per child (GiB), to protect a shared machine")
    parser.add_argument("--keep", type=Path, default=None, help="generate here and keep it")
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child, args.mode)))
        return

    work = args.keep or Path(tempfile.mkdtemp(prefix="accesssim-scale-"))
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"calibration loop: {calibrate():.2f} s (compare figures across machines by it)")
    print(f"utility preset, seed {args.seed}, --mode {args.mode}; CPU seconds per phase, "
          "each scale in a fresh child process\n")
    header = (f"{'scale':>5} {'people':>7} {'slices':>6} {'load':>7} {'compile':>8} "
              f"{'search':>8} {'total':>8} {'wall':>8} {'peak MiB':>9} {'findings':>8}")
    print(header)
    rows: list[tuple[int, dict[str, float]]] = []
    try:
        for scale in sorted(set(args.scales)):
            folder = work / f"utility-x{scale}"
            generate(folder, "utility", args.seed, scale=scale)
            figures, wall, why = run_child(folder, args.mode, args.timeout, args.max_gib)
            if args.keep is None:
                shutil.rmtree(folder, ignore_errors=True)
            if figures is None:
                print(f"{scale:>5}  {why} (wall {wall:.0f} s); larger scales skipped")
                break
            figures["wall"] = wall
            figures["total"] = sum(figures[p] for p in PHASES)
            rows.append((scale, figures))
            print(f"{scale:>5} {figures['people']:>7,.0f} {figures['slices']:>6.0f} "
                  f"{figures['load']:>7.1f} {figures['compile']:>8.1f} {figures['search']:>8.1f} "
                  f"{figures['total']:>8.1f} {wall:>8.1f} {figures['peak_kib'] / 1024:>9,.0f} "
                  f"{figures['findings']:>8.0f}", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"\nlargest child's peak (getrusage(RUSAGE_CHILDREN).ru_maxrss): "
          f"{children_peak / 1024:,.0f} MiB")
    if len(rows) < 2:
        return
    print("\ntime exponent (slope of log time vs log scale; goal <= "
          f"{GOAL_EXPONENT} over 1x-8x)")
    for phase in (*PHASES, "total"):
        points = [(float(s), f[phase]) for s, f in rows]
        steps = [exponent(points[i:i + 2]) for i in range(len(points) - 1)]
        step_text = ", ".join(f"{a}x->{b}x {_fmt(e)}" for (a, _), (b, _), e
                              in zip(rows, rows[1:], steps, strict=True))
        print(f"  {phase:<8} overall {_fmt(exponent(points))}   ({step_text})")
    scale, largest = rows[-1]
    peak = largest["peak_kib"] * 1024
    print(f"\npeak memory at {scale}x: {peak / 1024**2:,.0f} MiB "
          f"(goal <= {GOAL_BYTES / 1024**2:,.0f} MiB at 8x: "
          f"{'within' if peak <= GOAL_BYTES else 'OVER'})")


if __name__ == "__main__":
    main()
