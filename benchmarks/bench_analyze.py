"""Benchmark ``accesssim analyze --mode all`` at utility scale; the naive approach at small scale.

Run from the repository root::

    python benchmarks/bench_analyze.py               # everything (about two minutes)
    python benchmarks/bench_analyze.py --no-phases   # skip the second, in-process utility run
    python benchmarks/bench_analyze.py --profile     # also print a cProfile of the utility run

What it does (docs/performance.md explains the figures):

1. generates the utility preset (``accesssim generate DIR --preset utility``) in a temp dir;
2. runs ``accesssim analyze model.yaml --mode all --format json -o report.json`` as a subprocess
   and reports its wall time and peak memory (``getrusage(RUSAGE_CHILDREN).ru_maxrss``);
3. runs the same analysis in-process to time its phases (load, compile, search, render);
4. on the small preset, times the engine against a naive approach: a plain ``casbin.Enforcer``
   (not ``FastEnforcer``) asked every account x screen/field x mode x epoch request, then a walk
   from every person; checks that both find the same person-field exposures, and prints the ratio;
5. measures the plain Enforcer's steady rate on the utility policy and extrapolates what the naive
   grid would cost there (an estimate, printed as such).

Targets (issue 2): utility ``analyze --mode all`` in at most 30 s and 2 GiB peak on 2 cores.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from importlib.metadata import version
from pathlib import Path

import casbin
from calibration import calibrate  # benchmarks/calibration.py, beside this script
from casbin.persist.adapters import FileAdapter

from accesssim.engine import analyze, analyzer, load_project, tune_collector
from accesssim.format import OutputFormat, render
from accesssim.loader import load_model
from accesssim.model import SystemModel
from accesssim.synth.generate import generate

TARGET_SECONDS = 30.0
TARGET_BYTES = 2 * 1024**3


def _cli() -> list[str]:
    exe = shutil.which("accesssim")
    if exe:
        return [exe]
    return [sys.executable, "-c", "import sys; from accesssim.cli import main; sys.exit(main())"]


def _table(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(k) for k, _ in rows)
    print(f"\n{title}")
    print(f"  {'-' * width}  {'-' * 28}")
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


# -- 1-2: the utility run as a user runs it ------------------------------------------------------
def run_cli(model_dir: Path) -> tuple[float, int, int, dict[str, object]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(
        [*_cli(), "analyze", "model.yaml", "--mode", "all", "--format", "json",
         "-o", "report.json", "--quiet"],
        cwd=model_dir, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode not in (0, 1):
        sys.exit(f"analyze failed with exit {proc.returncode}:\n{proc.stderr}")
    report = json.loads((model_dir / "report.json").read_text(encoding="utf-8"))
    return wall, max(peak, before), proc.returncode, report


# -- 3: phases, in-process -----------------------------------------------------------------------
def phases(model_dir: Path, profile: bool) -> list[tuple[str, float]]:
    tune_collector()  # as the CLI does
    prof = cProfile.Profile() if profile else None
    if prof:
        prof.enable()
    t0 = time.perf_counter()
    project = load_project(model_dir / "model.yaml", model_dir)
    t1 = time.perf_counter()
    engine = analyzer(project, modes=project.loaded.model.modes)
    t2 = time.perf_counter()
    report = engine.run()
    t3 = time.perf_counter()
    render(report, OutputFormat.JSON)
    t4 = time.perf_counter()
    if prof:
        prof.disable()
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(15)
        print("\ncProfile of the in-process utility run (cumulative, then own time):")
        print(out.getvalue())
    return [("load (YAML, model, Casbin files)", t1 - t0),
            ("compile (slices, decisions, graph)", t2 - t1),
            ("search (every outsider x span)", t3 - t2),
            ("render JSON", t4 - t3)]


# -- 4: the naive approach -----------------------------------------------------------------------
def _cut_days(model: SystemModel, policy_csv: Path) -> list[dt.date]:
    """Representative days: one per interval between validity boundaries."""
    cuts: set[dt.date] = set()

    def add(start: dt.date | None, until: dt.date | None) -> None:
        if start:
            cuts.add(start)
        if until:
            cuts.add(until + dt.timedelta(days=1))

    def visit(obj: object) -> None:
        valid = getattr(obj, "valid", None)
        if valid is not None:
            add(valid.start, valid.until)
        for name in getattr(type(obj), "model_fields", {}):
            value = getattr(obj, name)
            for item in value if isinstance(value, list) else [value]:
                if hasattr(type(item), "model_fields") and name != "valid":
                    visit(item)

    visit(model)
    for line in policy_csv.read_text(encoding="utf-8").splitlines():
        parts = [p.strip() for p in line.split(",")]
        if parts[0] == "p":
            add(*(None if v == "*" else dt.date.fromisoformat(v) for v in parts[7:9]))
    ordered = sorted(cuts)
    return ([ordered[0] - dt.timedelta(days=1)] if ordered else [dt.date(2000, 1, 1)]) + ordered


def naive(model_dir: Path) -> tuple[float, int, set[tuple[str, str]]]:
    """Enforce the whole request grid with a plain Enforcer, then walk from every person."""
    start = time.perf_counter()
    model = load_model(model_dir / "model.yaml", model_dir).model
    enforcer = casbin.Enforcer(str(model_dir / "accesssim.conf"), str(model_dir / "policy.csv"))
    days = _cut_days(model, model_dir / "policy.csv")
    systems = {s.id: s for s in model.systems}
    allowed: dict[tuple[str, str, str, str, str, dt.date], bool] = {}
    checks = 0
    for acc in model.accounts:
        for sid in acc.systems:
            objects = ([(x.id, "open") for x in systems[sid].screens]
                       + [(f.id, "unmask") for f in systems[sid].fields])
            for obj, act in objects:
                for mode in model.modes:
                    for day in days:
                        allowed[(acc.id, sid, obj, act, mode, day)] = bool(enforcer.enforce(
                            acc.id, sid, obj, act, mode, day.isoformat()))
                        checks += 1

    core = {s.id: {s.owner} | {o.id for o in model.organizations if s.owner in o.works_for}
            for s in model.systems}
    field_system = {f.id: s for s in model.systems for f in s.fields}
    fields = {f.id: f for s in model.systems for f in s.fields}
    locations = {loc.id: loc for loc in model.locations}

    def trusted(person_org: str, person_id: str, fid: str, mode: str, day: dt.date) -> bool:
        system = field_system[fid]
        return (person_org in core[system.id] or person_org in fields[fid].concerns
                or any((person_org in g.orgs or person_id in g.people) and system.id in g.systems
                       and (g.fields is None or fid in g.fields) and g.active(mode, day)
                       for g in model.trust))

    exposed: set[tuple[str, str]] = set()
    for mode in model.modes:
        for day in days:
            for person in model.people:
                if not person.active(mode, day):
                    continue
                places = {lid for lid in person.locations if locations[lid].active(mode, day)}
                places |= {loc.id for loc in model.locations
                           if person.org in loc.open_to and loc.active(mode, day)}
                own = [a for a in model.accounts if a.active(mode, day)
                       and (a.holder == person.id or person.id in a.known_by)]
                for term in model.terminals:
                    if not term.active(mode, day):
                        continue
                    if person.id not in term.assigned_to and not (
                            term.open and term.location in places):
                        continue
                    usable = [a for a in own if term.accounts == "any" or a.id in term.accounts]
                    usable += [a for a in model.accounts if a.id in term.logged_in
                               and a.active(mode, day)]
                    for sid in term.systems:
                        for acc in usable:
                            if sid not in acc.systems:
                                continue
                            for fid in _walk(systems[sid], acc.id, mode, day, allowed):
                                if fields[fid].data_class == "non-public" and not trusted(
                                        person.org, person.id, fid, mode, day):
                                    exposed.add((person.id, fid))
    return time.perf_counter() - start, checks, exposed


def _walk(system: object, acc: str, mode: str, day: dt.date,
          allowed: dict[tuple[str, str, str, str, str, dt.date], bool]) -> set[str]:
    """Fields shown in clear on every screen reachable from a menu screen the account may open."""
    sid = system.id  # type: ignore[attr-defined]
    screens = {x.id: x for x in system.screens}  # type: ignore[attr-defined]
    can = {x: allowed[(acc, sid, x, "open", mode, day)] for x in screens}
    seen = {x for x, s in screens.items() if s.menu and s.active(mode, day) and can[x]}
    queue = deque(sorted(seen))
    while queue:
        here = queue.popleft()
        for tr in system.transitions:  # type: ignore[attr-defined]
            if tr.source != here or tr.target in seen or not tr.active(mode, day):
                continue
            if screens[tr.target].active(mode, day) and (can[tr.target] or not tr.checked):
                seen.add(tr.target)
                queue.append(tr.target)
    found = set()
    for x in seen:
        for d in screens[x].shows:
            if not d.active(mode, day) or d.masking == "masked":
                continue
            if d.masking == "clear" or allowed[(acc, sid, d.field, "unmask", mode, day)]:
                found.add(d.field)
    return found


def engine_small(model_dir: Path) -> tuple[float, int, set[tuple[str, str]]]:
    """Best of three load + analyze runs; and the exposures, asked person by person."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        project = load_project(model_dir / "model.yaml", model_dir)
        report = analyze(project, modes=project.loaded.model.modes)
        times.append(time.perf_counter() - start)
    elapsed = min(times)
    engine = analyzer(project, modes=project.loaded.model.modes)
    pairs = set()
    for person in engine.model.people:
        for fid, f in engine.fields.items():
            if f.data_class == "non-public" and engine.explain(person.id, fid).visible:
                pairs.add((person.id, fid))
    return elapsed, report.enforce_calls, pairs


# -- 5: the naive grid at utility scale, extrapolated --------------------------------------------
def naive_rate(model_dir: Path, requests: int = 200) -> tuple[float, int]:
    """Steady checks/s of a plain Enforcer on the utility policy; and the grid's request count.

    The quadratic first call (casbin-at-scale.md) is avoided by resetting the domain matching
    function, which leaves the decisions unchanged; only the steady rate is measured.
    """
    model = load_model(model_dir / "model.yaml", model_dir).model
    enforcer = casbin.Enforcer(str(model_dir / "accesssim.conf"), None)
    for rm in enforcer.rm_map.values():
        rm.matching_func = None
    enforcer.set_adapter(FileAdapter(str(model_dir / "policy.csv")))
    enforcer.load_policy()
    systems = {s.id: s for s in model.systems}
    days = _cut_days(model, model_dir / "policy.csv")
    grid = sum((len(systems[sid].screens) + len(systems[sid].fields))
               for a in model.accounts for sid in a.systems) * len(model.modes) * len(days)
    sample = [(a.id, sid, x.id) for a in model.accounts[:requests] for sid in a.systems[:1]
              for x in systems[sid].screens[:1]]
    enforcer.enforce(*sample[0], "open", "normal", "2021-01-01")
    start = time.perf_counter()
    for sub, dom, obj in sample:
        enforcer.enforce(sub, dom, obj, "open", "normal", "2021-01-01")
    return len(sample) / (time.perf_counter() - start), grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-phases", action="store_true", help="skip the in-process run")
    parser.add_argument("--no-naive", action="store_true", help="skip the small-model comparison")
    parser.add_argument("--profile", action="store_true", help="cProfile the in-process run")
    parser.add_argument("--keep", type=Path, default=None, help="generate here and keep it")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="accesssim-bench-"))
    try:
        print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
              f"pycasbin {version('pycasbin')}")
        print(f"calibration loop: {calibrate():.2f} s (compare figures across machines by it)")
        t0 = time.perf_counter()
        summary = generate(work / "utility", "utility", args.seed)
        gen_time = time.perf_counter() - t0
        print("\n".join(summary.lines()))

        wall, peak_kib, code, report = run_cli(work / "utility")
        analysis, summ = report["analysis"], report["summary"]
        ok = wall <= TARGET_SECONDS and peak_kib * 1024 <= TARGET_BYTES
        _table("utility preset: accesssim analyze --mode all (subprocess)", [
            ("generate (in-process)", f"{gen_time:.1f} s"),
            ("analyze wall time", f"{wall:.1f} s   (target <= {TARGET_SECONDS:.0f} s)"),
            ("analyze peak RSS", f"{_mib(peak_kib)}   (target <= 2,048 MiB)"),
            ("exit code", str(code)),
            ("slices (mode x epoch)", str(analysis["slices"])),
            ("Casbin enforce calls", f"{analysis['enforce_calls']:,}"),
            ("findings", f"{summ['findings']:,}"),
            ("failure types found", f"{len(summ['failure_types'])}"),
            ("exposed / untrusted heads",
             f"{summ['exposed_headcount']:,} / {analysis['untrusted_headcount']:,}"),
            ("within target", "yes" if ok else "NO"),
        ])
        print("  types: " + ", ".join(summ["failure_types"]))

        if not args.no_phases:
            rows = phases(work / "utility", args.profile)
            total = sum(t for _, t in rows)
            _table("utility preset: phases, in-process", [
                *((name, f"{t:6.1f} s  {100 * t / total:4.0f} %") for name, t in rows),
                ("total", f"{total:6.1f} s"),
            ])

        if not args.no_naive:
            small = generate(work / "small", "small", args.seed)
            engine_time, engine_checks, engine_pairs = engine_small(work / "small")
            naive_time, naive_checks, naive_pairs = naive(work / "small")
            same = engine_pairs == naive_pairs
            _table(f"small preset ({small.people} people entries, {small.accounts} accounts, "
                   f"{small.screens} screens): engine vs naive", [
                ("engine: load + analyze (best of 3)",
                 f"{engine_time:.3f} s, {engine_checks:,} enforce calls"),
                ("naive: Enforcer grid + walk every person",
                 f"{naive_time:.2f} s, {naive_checks:,} enforce calls"),
                ("ratio naive / engine", f"{naive_time / engine_time:.0f}x"),
                ("same person-field exposures",
                 f"{'yes' if same else 'NO'} ({len(engine_pairs)} engine, "
                 f"{len(naive_pairs)} naive)"),
            ])
            if not same:
                print("  only engine:", sorted(engine_pairs - naive_pairs)[:20])
                print("  only naive: ", sorted(naive_pairs - engine_pairs)[:20])
            rate, grid = naive_rate(work / "utility")
            _table("utility preset: the naive grid, extrapolated (not run)", [
                ("requests in the grid", f"{grid:,}"),
                ("plain Enforcer steady rate (measured)", f"{rate:,.0f} checks/s"),
                ("estimated grid time", f"{grid / rate / 3600:,.1f} h"),
            ])
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
