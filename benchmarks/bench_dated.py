"""Benchmark analysis time against the number of dated elements (issue 6, D12).

Run from the repository root::

    python benchmarks/bench_dated.py                      # N = 100 ... 10,000
    python benchmarks/bench_dated.py --sizes 100 1000     # chosen sizes
    python benchmarks/bench_dated.py --budget 60          # stop a size after 60 s
    python benchmarks/bench_dated.py --profile 1000       # cProfile one size

For each N it writes a model with N dated elements (each with its own ``valid`` window, so the
number of date epochs grows with N) into a temporary folder, then times the engine in-process:
``load_project`` and ``analyze`` over every mode. It prints the time, the peak resident memory
of the child process that ran the size (``getrusage().ru_maxrss``), the number of slices and
findings, and the exponent fitted to log(time) against log(N). A fixed pure-Python
calibration loop is timed first, so figures from different machines can be compared
(docs/performance.md).

A size is run in a child process and stopped when it exceeds the time budget; the script says
so and skips the larger sizes.

The mix of dated elements (a realistic spread for a retailer's branches):
people 30 %, accounts 26 %, terminals 20 %, trust grants 10 %, ``p`` rules 12 % (temporary
grants of a screen to one account, or of a retail screen to the clerk role), screen displays
2 % (on random screens of a 200-screen system, 20 of which retail staff may open).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import multiprocessing as mp
import os
import pstats
import random
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from accesssim.engine import analyze, load_project, resolve_modes, tune_collector
from accesssim.synth.scaffold import shipped_conf_text

SIZES = (100, 300, 1000, 3000, 10000)
BUDGET_SECONDS = 120.0
START = dt.date(2015, 1, 1)
SCREENS, FIELDS, RETAIL_SCREENS = 200, 30, 20


@dataclass(frozen=True)
class Mix:
    """How many dated elements of each kind a model of size N gets."""

    people: int
    accounts: int
    terminals: int
    trust: int
    rules: int
    displays: int

    @classmethod
    def of(cls, n: int) -> Mix:
        people, accounts = round(0.30 * n), round(0.26 * n)
        terminals, trust, rules = round(0.20 * n), round(0.10 * n), round(0.12 * n)
        return cls(people, accounts, terminals, trust, rules,
                   max(n - people - accounts - terminals - trust - rules, 0))

    @property
    def total(self) -> int:
        return (self.people + self.accounts + self.terminals + self.trust + self.rules
                + self.displays)


def _window(rng: random.Random) -> tuple[dt.date, dt.date]:
    start = START + dt.timedelta(days=rng.randrange(0, 3650))
    return start, start + dt.timedelta(days=rng.randrange(30, 1000))


def _valid(window: tuple[dt.date, dt.date] | None) -> str:
    if window is None:
        return ""
    return f", valid: {{from: {window[0].isoformat()}, until: {window[1].isoformat()}}}"


def dated_model(n: int, seed: int = 0) -> tuple[str, str, int]:
    """The model YAML, the policy CSV and the exact count of dated elements, for size ``n``.

    One grid company (nw) owns one system; retail staff (rt) work at branches of about 20
    people. Planted defects give findings: a clear display on a retail screen, an unchecked
    transition into an NW-only screen, NW terminals at branches (some left logged in), NW
    credentials known by former NW staff, and temporary grants to NW-only screens.
    """
    rng = random.Random(seed)
    mix = Mix.of(n)
    people_total = max(mix.people, mix.accounts, 20)
    branches = max(people_total // 20, 1)
    lines = ["accesssim: 1", f"name: dated {n}", "modes: [normal, disaster]",
             "organizations:",
             "  - {id: nw, name: Grid, kind: grid}",
             "  - {id: nw_c, name: Grid contractor, kind: contractor, works_for: [nw]}",
             "  - {id: rt, name: Retail, kind: retail, affiliated_with: nw}"]
    fields = [f"f{i:02d}" for i in range(FIELDS)]
    screens = [f"s{i:02d}" for i in range(SCREENS)]
    retail = screens[:RETAIL_SCREENS]
    people = [f"p{i:05d}" for i in range(people_total)]
    trust = ["trust:"] if mix.trust else []
    for _ in range(mix.trust):
        who = rng.choice(people)
        trust.append(f"  - {{people: [{who}], systems: [wheel], fields: [{rng.choice(fields)}]"
                     f"{_valid(_window(rng))}}}")
    lines += trust
    lines.append("people:")
    lines.append("  - {id: nw_staff, org: nw, headcount: 50, locations: [nw_office]}")
    for i, pid in enumerate(people):
        window = _window(rng) if i < mix.people else None
        former = ", former_orgs: [{org: nw}]" if i % 37 == 5 else ""
        lines.append(f"  - {{id: {pid}, org: rt, headcount: {1 + i % 5}, "
                     f"locations: [b{i % branches:04d}]{former}{_valid(window)}}}")
    lines.append("locations:")
    lines.append("  - {id: nw_office, owner: nw, open_to: [nw]}")
    lines += [f"  - {{id: b{b:04d}, owner: rt}}" for b in range(branches)]
    lines.append("accounts:")
    lines.append("  - {id: acc_nw, holder: nw_staff, systems: [wheel]}")
    nw_known = [pid for i, pid in enumerate(people) if i % 37 == 5]
    for i in range(0, len(nw_known), 10):
        lines.append(f"  - {{id: acc_nw{i:04d}, holder: nw_staff, systems: [wheel], "
                     f"known_by: [{', '.join(nw_known[i:i + 10])}]}}")
    accounts = [f"a{i:05d}" for i in range(len(people))]
    for i, (aid, pid) in enumerate(zip(accounts, people, strict=True)):
        window = _window(rng) if i < mix.accounts else None
        lines.append(f"  - {{id: {aid}, holder: {pid}, systems: [wheel]{_valid(window)}}}")
    lines.append("terminals:")
    lines.append("  - {id: nw_pc, location: nw_office, owner: nw, open: true, systems: [wheel]}")
    for t in range(max(mix.terminals, 1)):
        window = _window(rng) if t < mix.terminals else None
        branch = rng.randrange(branches)
        if t % 25 == 3:  # an NW terminal at a branch, sometimes left logged in
            logged = ", logged_in: [acc_nw]" if t % 50 == 3 else ""
            lines.append(f"  - {{id: t{t:05d}, location: b{branch:04d}, owner: nw, open: true, "
                         f"systems: [wheel]{logged}{_valid(window)}}}")
        else:
            lines.append(f"  - {{id: t{t:05d}, location: b{branch:04d}, owner: rt, open: true, "
                         f"systems: [wheel]{_valid(window)}}}")
    lines += ["systems:", "  - id: wheel", "    owner: nw", "    fields:"]
    lines += [f"      - {{id: {f}}}" for f in fields]
    lines.append("    transitions:")
    lines.append(f"      - {{from: {retail[1]}, to: {screens[-1]}, checked: false}}")
    for i in range(SCREENS - 1):
        lines.append(f"      - {{from: {screens[i]}, to: {screens[i + 1]}}}")
    lines.append("    screens:")
    displays: dict[str, list[str]] = {s: [] for s in screens}
    for i, s in enumerate(screens):
        masking = "clear" if s == retail[0] or s not in retail else "policy"
        displays[s].append(f"{{field: {fields[i % FIELDS]}, masking: {masking}}}")
    for _ in range(mix.displays):
        s = rng.choice(screens)
        displays[s].append(f"{{field: {rng.choice(fields)}, masking: clear"
                           f"{_valid(_window(rng))}}}")
    for s in screens:
        lines.append(f"      - id: {s}")
        lines.append("        shows:")
        lines += [f"          - {d}" for d in displays[s]]
    lines += ["casbin:", "  model: accesssim.conf", "  policy: policy.csv", ""]
    rows = [f"p, nw_op, wheel, {s}, open, allow, *, *, *" for s in screens]
    rows += [f"p, nw_op, wheel, {f}, unmask, allow, *, *, *" for f in fields]
    rows += [f"p, clerk, wheel, {s}, open, allow, *, *, *" for s in retail]
    rows += [f"p, clerk, wheel, {f}, unmask, allow, *, *, *" for f in fields[:2]]
    for r in range(mix.rules):
        start, until = _window(rng)
        # Three in four grant one account a screen for a while (maybe an NW-only one); the
        # rest re-grant the clerk role a retail screen for a campaign.
        subject = rng.choice(accounts) if r % 4 else "clerk"
        obj = rng.choice(screens if r % 4 else retail)
        rows.append(f"p, {subject}, wheel, {obj}, open, allow, *, {start.isoformat()}, "
                    f"{until.isoformat()}")
    rows.append("g, acc_nw, nw_op, wheel")
    rows += [f"g, acc_nw{i:04d}, nw_op, wheel" for i in range(0, len(nw_known), 10)]
    rows += [f"g, {aid}, clerk, wheel" for aid in accounts]
    return "\n".join(lines), "\n".join(rows) + "\n", mix.total


def write_model(folder: Path, n: int, seed: int = 0) -> Path:
    """Write model.yaml, policy.csv and accesssim.conf into ``folder``; return the model."""
    model, policy, _ = dated_model(n, seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.yaml").write_text(model, encoding="utf-8")
    (folder / "policy.csv").write_text(policy, encoding="utf-8")
    (folder / "accesssim.conf").write_text(shipped_conf_text(), encoding="utf-8")
    return folder / "model.yaml"


def measure(model: Path) -> dict[str, float]:
    """Load and analyse over all modes, in this process; time and peak resident memory."""
    tune_collector()
    start = time.perf_counter()
    project = load_project(model, model.parent)
    loaded = time.perf_counter()
    report = analyze(project, modes=resolve_modes(project, "all"))
    end = time.perf_counter()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": end - start, "load": loaded - start, "analyze": end - loaded,
            "peak_mib": peak_kib / 1024, "slices": report.slices,
            "findings": len(report.findings)}


def _child(model: Path, queue: mp.Queue[dict[str, float]]) -> None:
    queue.put(measure(model))


def run_size(model: Path, budget: float) -> dict[str, float] | None:
    """``measure`` in a child process; None when it exceeds the budget (and is stopped)."""
    ctx = mp.get_context("fork")
    queue: mp.Queue[dict[str, float]] = ctx.Queue()
    child = ctx.Process(target=_child, args=(model, queue))
    child.start()
    child.join(budget)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    return queue.get(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--budget", type=float, default=BUDGET_SECONDS,
                        help="seconds per size before it is stopped")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", type=int, default=None, metavar="N",
                        help="cProfile one size instead (in-process, no budget)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="accesssim-dated-"))
    try:
        print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        # Beside this script (tests import this file alone).
        from bench_scale import exponent
        from calibration import calibrate

        print(f"calibration loop: {calibrate():.2f} s")
        if args.profile is not None:
            model = write_model(work / str(args.profile), args.profile, args.seed)
            profiler = cProfile.Profile()
            profiler.enable()
            figures = measure(model)
            profiler.disable()
            print(figures)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
            return
        print(f"{'N':>7} {'dated':>7} {'slices':>7} {'findings':>8} {'load s':>8} "
              f"{'analyze s':>10} {'total s':>8} {'peak MiB':>9}")
        points: list[tuple[int, float]] = []
        for n in args.sizes:
            model = write_model(work / str(n), n, args.seed)
            dated = dated_model(n, args.seed)[2]
            figures = run_size(model, args.budget)
            if figures is None:
                print(f"{n:>7} {dated:>7}  stopped: over the budget of {args.budget:.0f} s; "
                      "larger sizes skipped")
                break
            points.append((dated, figures["seconds"]))
            print(f"{n:>7} {dated:>7} {figures['slices']:>7.0f} {figures['findings']:>8.0f} "
                  f"{figures['load']:>8.2f} {figures['analyze']:>10.2f} "
                  f"{figures['seconds']:>8.2f} {figures['peak_mib']:>9.0f}")
        slope = exponent(points)
        print("fitted exponent (log time vs log N): "
              + (f"{slope:.2f}" if slope is not None else "n/a (fewer than two sizes)"))
        if len(points) >= 2:
            tail = exponent(points[-2:])
            print(f"exponent between the two largest sizes run: {tail:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
