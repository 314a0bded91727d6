"""What date epochs cost the search (issue 7: incremental across slices).

Run from the repository root::

    python benchmarks/bench_slices.py               # 1, about 10 and about 40 slices
    python benchmarks/bench_slices.py --extra 5     # 5 extra epochs instead of 15

The model is the utility preset (``accesssim generate DIR --preset utility``, seed 0). The
search (``Analyzer.run``; CPU seconds, ``time.process_time``) is timed in a fresh child process
for each of:

- 1 slice: ``--mode normal --at DAY`` (DAY after every date in the model);
- the model as generated, every mode (``--mode all``: 2 modes x its date epochs);
- quiet epochs: the same plus K extra epochs that change nothing for outsiders: K NW people
  entries, none of whose accounts anyone outside NW can use (not known by others, never left
  logged in), each get a ``valid: {from: ...}`` window with its own date;
- loud epochs (printed separately, for honesty): K extra epochs that do change what outsiders
  may see: K dated trust grants, each to the whole retailer (every retail people entry) for a
  field planted in clear on a retail screen.

Goal (issue 7): search time at about 40 slices (quiet epochs) at most 2x the search at 1 slice;
the engine before issue 7 takes time linear in the number of slices.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from calibration import calibrate  # benchmarks/calibration.py, beside this script

from accesssim.engine import analyzer, load_project, resolve_modes, tune_collector
from accesssim.synth.generate import generate

GOAL_RATIO = 2.0
DAY = dt.date(2024, 1, 1)  # after every date the utility preset uses
FIRST_EXTRA = dt.date(2017, 1, 1)
STEP_DAYS = 37  # distinct from the preset's own dates for K up to 59


def extra_days(k: int) -> list[dt.date]:
    return [FIRST_EXTRA + dt.timedelta(days=STEP_DAYS * i) for i in range(k)]


def quiet_epochs(model: str, k: int) -> str:
    """K NW people entries get their own start date; no outsider can reach what they hold."""
    used = {a for m in re.findall(r"logged_in: \[([^]]*)\]", model) for a in m.split(", ")}
    holders = set()  # holders of accounts others can use (known, or left logged in)
    for line in model.splitlines():
        found = re.match(r"  - \{id: (\w+), holder: (\w+),", line)
        if found and (found[1] in used or "known_by:" in line):
            holders.add(found[2])
    chosen: list[str] = []
    lines = model.split("\n")
    days = iter(extra_days(k))
    for i, line in enumerate(lines):
        found = re.match(r"  - \{id: (nw_g\d+), .*\}$", line)
        if found and found[1] not in holders and len(chosen) < k:
            lines[i] = line[:-1] + f", valid: {{from: {next(days).isoformat()}}}}}"
            chosen.append(found[1])
    if len(chosen) < k:
        sys.exit(f"only {len(chosen)} NW people entries qualify for quiet epochs, not {k}")
    return "\n".join(lines)


def loud_epochs(model: str, k: int) -> str:
    """K dated trust grants, each to the whole retailer for one field planted in clear."""
    planted = sorted(set(re.findall(r"\{field: (\w+), masking: clear, note: \"planted: masking "
                                    r"missing", model)))
    grants = [f"  - {{orgs: [rt], systems: [takuso], fields: [{planted[i % len(planted)]}], "
              f"valid: {{from: {day.isoformat()}}}}}" for i, day in enumerate(extra_days(k))]
    head, sep, rest = model.partition("\ntrust:\n")
    assert sep, "the generated model has a trust section"
    return head + sep + "\n".join(grants) + "\n" + rest


def write_variant(base: Path, folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("policy.csv", "accesssim.conf"):
        shutil.copy(base / name, folder / name)
    (folder / "model.yaml").write_text(text, encoding="utf-8")
    return folder


def measure(model_dir: Path, mode: str, at: dt.date | None) -> dict[str, float]:
    """Load and compile (not the figure), then time the search, in this process."""
    tune_collector()  # as the CLI does
    project = load_project(model_dir / "model.yaml", model_dir)
    engine = analyzer(project, modes=resolve_modes(project, mode), at=at)
    start = time.process_time()
    report = engine.run()
    return {"search": time.process_time() - start, "slices": report.slices,
            "findings": len(report.findings)}


def run_child(model_dir: Path, mode: str, at: dt.date | None) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", str(model_dir), "--mode", mode]
    if at is not None:
        command += ["--at", at.isoformat()]
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"the search failed on {model_dir}:\n{proc.stderr}")
    figures: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", type=int, default=15,
                        help="extra epochs K (2 modes x (5 + K) slices; default 15 gives 40)")
    parser.add_argument("--no-loud", action="store_true", help="skip the loud-epochs variant")
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="all", help=argparse.SUPPRESS)
    parser.add_argument("--at", type=dt.date.fromisoformat, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child, args.mode, args.at)))
        return
    if not 0 < args.extra < 60:
        sys.exit("--extra must be between 1 and 59")

    work = Path(tempfile.mkdtemp(prefix="accesssim-slices-"))
    try:
        print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        print(f"calibration loop: {calibrate():.2f} s (compare figures across machines by it)")
        base = work / "utility"
        generate(base, "utility", 0)
        text = (base / "model.yaml").read_text(encoding="utf-8")
        quiet = write_variant(base, work / "quiet", quiet_epochs(text, args.extra))
        runs = [
            (f"1 slice (--mode normal --at {DAY.isoformat()})", base, "normal", DAY),
            ("as generated (--mode all)", base, "all", None),
            (f"+{args.extra} quiet epochs (--mode all)", quiet, "all", None),
        ]
        if not args.no_loud:
            loud = write_variant(base, work / "loud", loud_epochs(text, args.extra))
            runs.append((f"+{args.extra} loud epochs (--mode all)", loud, "all", None))
        print("utility preset, seed 0; search CPU seconds (Analyzer.run), each in a fresh "
              "child process\n")
        print(f"  {'run':<42} {'slices':>6} {'search s':>9} {'per slice':>9} {'findings':>8}")
        results = []
        for label, folder, mode, at in runs:
            figures = run_child(folder, mode, at)
            results.append(figures)
            print(f"  {label:<42} {figures['slices']:>6.0f} {figures['search']:>9.2f} "
                  f"{figures['search'] / figures['slices']:>9.2f} {figures['findings']:>8.0f}",
                  flush=True)
        one = results[0]["search"]
        print()
        for label, figures in zip((r[0] for r in runs[1:]), results[1:], strict=True):
            ratio = figures["search"] / one
            goal = (f"  (goal <= {GOAL_RATIO:.0f}x: {'met' if ratio <= GOAL_RATIO else 'NOT met'})"
                    if "quiet" in label else "")
            print(f"  search({figures['slices']:.0f} slices, {label.split(' (')[0]}) / "
                  f"search(1 slice) = {ratio:.1f}x{goal}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
