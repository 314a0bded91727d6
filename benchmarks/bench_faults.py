"""Benchmark ``accesssim faults --k 2``: on the utility-scale model, and against the naive
enumeration (every set of up to k failures, each a full analysis) on sizes it can finish.

Run from the repository root::

    python benchmarks/bench_faults.py                  # utility preset + the naive comparison
    python benchmarks/bench_faults.py --skip-utility   # the naive comparison only
    python benchmarks/bench_faults.py --jobs 2 --cap 20

What it does (docs/faults.md, docs/performance.md):

1. generates the utility preset (``accesssim generate DIR --preset utility --seed 0``) and runs
   ``accesssim faults model.yaml --k 2`` on it as its own process: wall time, CPU time (the
   process and its workers) and peak RSS (``getrusage(RUSAGE_CHILDREN)`` of a small wrapper,
   so the largest of the process and its workers);
2. on the reference design, and on the small preset with the catalogue capped (``--cap``)
   so that the naive enumeration finishes, runs ``faults`` and the naive enumeration, each as
   its own process with one job: every consistent set of up to k failures applied with
   ``changes.apply.patch`` and analysed in full, the minimal sets kept by checking every proper
   subset; checks that both find the same minimal sets, and prints both figures and the ratio;
3. prints the calibration loop (benchmarks/calibration.py) beside the figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from calibration import calibrate  # benchmarks/calibration.py, beside this script

REPO = Path(__file__).resolve().parents[1]
_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": done.returncode, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                  "peak_kib": usage.ru_maxrss, "stderr": done.stderr[-2000:]}))
"""


def _cli() -> list[str]:
    exe = shutil.which("accesssim", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "accesssim.cli.main"]


def measure(command: list[str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *command], capture_output=True,
                          text=True, check=True)
    figures: dict[str, float] = json.loads(done.stdout)
    if figures["code"] not in (0, 1):
        sys.exit(f"{' '.join(command)}: exit {figures['code']}\n{figures['stderr']}")
    return figures


def naive(model: Path, k: int, cap: int, out: Path) -> None:
    """The naive enumeration, in this process: every consistent set of up to k failures."""
    from accesssim.changes.apply import loaded, patch
    from accesssim.engine import load_project, tune_collector
    from accesssim.faults.analysis import opened_fields
    from accesssim.faults.catalogue import catalogue
    from accesssim.faults.run import secret_fields
    from accesssim.faults.search import Search

    tune_collector()
    project = load_project(model)
    cat = catalogue(project, cap)
    search = Search(cat.failures, secret_fields(project), project.policy.p_tokens,
                    lambda sets: [])
    n = len(cat.failures)
    opened: dict[tuple[int, ...], frozenset[str]] = {}
    for j in range(k + 1):
        for chosen in itertools.combinations(range(n), j):
            moved = [cat.failures[i].id.rsplit(":", 1)[0] for i in chosen
                     if cat.failures[i].kind == "move_terminal"]
            if len(moved) != len(set(moved)):
                continue
            changes = search.changes(chosen, exact=True)
            if not changes:
                opened[chosen] = opened_fields(project, ())
                continue
            with loaded(project, patch(project, changes)) as head:
                opened[chosen] = opened_fields(head, ())
    minimal: dict[str, list[list[str]]] = {}
    for chosen, fields in opened.items():
        for f in sorted(fields & set(secret_fields(project))):
            if not any(f in opened.get(sub, frozenset()) for j in range(len(chosen))
                       for sub in itertools.combinations(chosen, j)):
                minimal.setdefault(f, []).append([cat.failures[i].id for i in chosen])
    out.write_text(json.dumps({"analyses": len(opened), "minimal": minimal}), "utf-8")


def compare(model: Path, k: int, cap: int, tmp: Path, label: str) -> None:
    faults_out, naive_out = tmp / f"{label}-faults.json", tmp / f"{label}-naive.json"
    fast = measure([*_cli(), "faults", str(model), "--k", str(k), "--cap", str(cap),
                    "--jobs", "1", "--quiet", "--format", "json", "-o", str(faults_out)])
    slow = measure([sys.executable, __file__, "--naive", str(model), "--k", str(k),
                    "--cap", str(cap), "--out", str(naive_out)])
    found = json.loads(faults_out.read_text("utf-8"))
    brute = json.loads(naive_out.read_text("utf-8"))
    ours = {f["field"]: sorted(sorted(s) for s in f["minimal_sets"] if s)
            for f in found["fields"] if f["status"] != "exposed"}
    theirs = {f: sorted(sorted(s) for s in sets) for f, sets in brute["minimal"].items()
              if f in ours}
    agree = all(ours[f] == theirs.get(f, []) for f in ours)
    print(f"\n{label}: k={k}, {sum(found['catalogue']['kinds'].values())} failures "
          f"(cap {cap}); minimal sets agree with the naive enumeration: {agree}")
    _row("faults", fast, f"{found['analyses']} analyses")
    _row("naive enumeration", slow, f"{brute['analyses']} analyses")
    print(f"  ratio naive / faults: CPU {slow['cpu'] / max(fast['cpu'], 1e-9):.1f}x, "
          f"wall {slow['wall'] / max(fast['wall'], 1e-9):.1f}x")
    if not agree:
        sys.exit("the search and the naive enumeration disagree")


def _row(name: str, f: dict[str, float], extra: str) -> None:
    print(f"  {name:<18} wall {f['wall']:7.1f} s  CPU {f['cpu']:7.1f} s  "
          f"peak {f['peak_kib'] / 1024:7.0f} MiB  {extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--naive", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--k", type=int, default=2)
    parser.add_argument("--cap", type=int, default=20,
                        help="catalogue cap on the utility model (default 20)")
    parser.add_argument("--small-cap", type=int, default=4,
                        help="catalogue cap on the small preset for the naive run (default 4)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-utility", action="store_true")
    args = parser.parse_args()
    if args.naive is not None:
        naive(args.naive, args.k, args.cap, args.out)
        return
    print(f"calibration loop: {calibrate():.2f} s")
    with tempfile.TemporaryDirectory(prefix="accesssim-bench-faults-") as name:
        tmp = Path(name)
        if not args.skip_utility:
            folder = tmp / "utility"
            subprocess.run([*_cli(), "generate", str(folder), "--preset", "utility", "--seed",
                            "0"], check=True, capture_output=True)
            out = tmp / "utility.json"
            f = measure([*_cli(), "faults", str(folder / "model.yaml"), "--k", str(args.k),
                         "--cap", str(args.cap), "--jobs", str(args.jobs), "--quiet",
                         "--format", "json", "-o", str(out)])
            data = json.loads(out.read_text("utf-8"))
            statuses: dict[str, int] = {}
            for field in data["fields"]:
                statuses[field["status"]] = statuses.get(field["status"], 0) + 1
            print(f"\nutility preset: faults --k {args.k} --cap {args.cap} --jobs {args.jobs}: "
                  f"{sum(data['catalogue']['kinds'].values())} failures, "
                  f"{len(data['fields'])} fields {statuses}")
            _row("faults", f, f"{data['analyses']} analyses, {data['verified']} sets verified")
        compare(REPO / "scenarios" / "reference.yaml", args.k, 200, tmp, "reference design")
        small = tmp / "small"
        subprocess.run([*_cli(), "generate", str(small), "--preset", "small", "--seed", "0"],
                       check=True, capture_output=True)
        compare(small / "model.yaml", args.k, args.small_cap, tmp, "small preset")
    print(f"\ncalibration loop: {calibrate():.2f} s")


if __name__ == "__main__":
    main()
