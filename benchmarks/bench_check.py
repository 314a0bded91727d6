"""Benchmark ``accesssim check --base-ref`` on the utility-scale model with one changed policy line,
against two full ``analyze`` runs (the base and the head) in the same script.

Run from the repository root::

    python benchmarks/bench_check.py              # utility preset (a few minutes)
    python benchmarks/bench_check.py --scale 2    # bigger
    python benchmarks/bench_check.py --preset small
    python benchmarks/bench_check.py --change swap   # a change that opens nothing

What it does (the figure is the ratio; docs/performance.md):

1. generates the preset (``accesssim generate DIR --preset utility``) in a temporary git
   repository and commits it (the base);
2. changes one policy line in the working tree (the first deny rule made an allow rule; a copy
   of the first ``g`` line with another account if there is no deny rule);
3. runs, each as its own process and measured from a small wrapper process (so each figure is
   that command's own): ``accesssim check model.yaml --base-ref HEAD`` and ``accesssim analyze
   --mode all`` on the head and on a copy of the base; wall time, CPU time (user + system of the
   process and its children) and peak RSS (``getrusage(RUSAGE_CHILDREN).ru_maxrss``);
4. prints the figures, the ratio check / (analyze base + analyze head), and the calibration loop.

The generated model holds no expectations, so ``check`` fails on that (exit 1, reason
``no-expectations``) besides whatever the change opened: the timing is the gate's whole run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from calibration import calibrate  # benchmarks/calibration.py, beside this script

#: Runs one command and prints its wall time, CPU time and peak RSS as JSON (its children only).
_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                  "peak_kib": usage.ru_maxrss}))
"""
GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@accesssim.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@accesssim.invalid"}


def _cli() -> list[str]:
    exe = shutil.which("accesssim", path=str(Path(sys.executable).parent)) or shutil.which(
        "accesssim")
    if exe:
        return [exe]
    return [sys.executable, "-c",
            "import sys; from accesssim.cli.main import main; sys.exit(main())"]


def measure(command: list[str], cwd: Path) -> dict[str, float]:
    """Wall, CPU and peak memory of one command run as its own process."""
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *command], cwd=cwd,
                          capture_output=True, text=True, check=True)
    figures: dict[str, float] = json.loads(done.stdout)
    if figures["code"] not in (0, 1):
        sys.exit(f"{' '.join(command)}: exit {figures['code']}\n{done.stderr}")
    return figures


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True,
                   capture_output=True)


def change_one_line(policy: Path, kind: str) -> str:
    """Change one policy line in place (``kind`` "open": a real change; "swap": two rules
    change places, which opens nothing); say which."""
    lines = policy.read_text(encoding="utf-8").splitlines()
    if kind == "swap":
        rules = [i for i, line in enumerate(lines) if line.startswith("p,")]
        a, b = rules[0], rules[len(rules) // 2]
        lines[a], lines[b] = lines[b], lines[a]
        policy.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return f"lines {a + 1} and {b + 1} swapped (opens nothing)"
    for i, line in enumerate(lines):
        parts = [p.strip() for p in line.split(",")]
        if parts[0] == "p" and len(parts) > 5 and parts[5] == "deny":
            parts[5] = "allow"
            lines[i] = ", ".join(parts)
            policy.write_text("\n".join(lines) + "\n", encoding="utf-8")
            return f"line {i + 1}: a deny rule made an allow rule"
    grants = [i for i, line in enumerate(lines) if line.startswith("g,")]
    first, other = lines[grants[0]].split(","), lines[grants[-1]].split(",")
    lines.insert(grants[0] + 1, ",".join([first[0], other[1], *first[2:]]))
    policy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"line {grants[0] + 2}: a role given to another account"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=["small", "utility"], default="utility")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--change", choices=["open", "swap"], default="open",
                        help="open: a deny rule made an allow rule (default); swap: two rules "
                             "change places (nothing opened: the diff's own cost)")
    args = parser.parse_args()
    cli = _cli()
    work = Path(tempfile.mkdtemp(prefix="accesssim-bench-check-"))
    try:
        print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        print(f"calibration loop: {calibrate():.2f} s (compare figures across machines by it)")
        head = work / "repo"
        subprocess.run([*cli, "generate", str(head), "--preset", args.preset, "--scale",
                        str(args.scale), "--seed", str(args.seed)], check=True,
                       capture_output=True)
        git(head, "init", "-q", "-b", "main")
        git(head, "add", "-A")
        git(head, "commit", "-q", "-m", "base")
        base = work / "base"
        shutil.copytree(head, base, ignore=shutil.ignore_patterns(".git"))
        what = change_one_line(head / "policy.csv", args.change)
        policy_lines = len((head / "policy.csv").read_text(encoding="utf-8").splitlines())
        print(f"{args.preset} preset, scale {args.scale}: policy.csv {policy_lines:,} lines; "
              f"changed {what}")

        check = measure([*cli, "check", "model.yaml", "--base-ref", "HEAD", "--format", "json",
                         "-o", str(work / "check.json")], head)
        analyses = [measure([*cli, "analyze", "model.yaml", "--mode", "all", "--quiet",
                             "--format", "json", "-o", str(work / f"{name}.json")], where)
                    for name, where in (("base", base), ("head", head))]
        report = json.loads((work / "check.json").read_text(encoding="utf-8"))
        both = {"wall": sum(a["wall"] for a in analyses), "cpu": sum(a["cpu"] for a in analyses),
                "peak_kib": max(a["peak_kib"] for a in analyses)}
        rows = [("check --base-ref HEAD", check),
                ("analyze base", analyses[0]), ("analyze head", analyses[1]),
                ("two analyze runs", both)]
        print(f"\n  {'':<24} {'wall':>9} {'CPU':>9} {'peak RSS':>10}")
        for name, f in rows:
            print(f"  {name:<24} {f['wall']:8.1f}s {f['cpu']:8.1f}s "
                  f"{f['peak_kib'] / 1024:7,.0f} MiB")
        print(f"\n  ratio check / two analyze runs: wall {check['wall'] / both['wall']:.2f}, "
              f"CPU {check['cpu'] / both['cpu']:.2f}, "
              f"peak {check['peak_kib'] / both['peak_kib']:.2f}")
        counts = report.get("counts", {})
        print(f"  check: exit {int(check['code'])}, result {report.get('result')}, "
              f"exposures new {counts.get('exposures_new')}, widened "
              f"{counts.get('exposures_widened')}, reasons "
              f"{sorted({r['kind'] for r in report.get('reasons', [])})}")
        print(f"calibration loop (again): {calibrate():.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
