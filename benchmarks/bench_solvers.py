"""HiGHS (highspy) against OR-Tools CP-SAT on the same hitting sets (docs/remediate.md).

Run from the repository root (needs ortools: ``pip install -e '.[bench]'``)::

    python benchmarks/bench_solvers.py                  # incidents, utility, random
    python benchmarks/bench_solvers.py --no-utility     # skip the utility model (~1 min)

The instances: the last hitting set ``remediate`` solved on every positive incident (with the
KEEP files of tests/data/remediate where there is one), on the utility-scale model
(``accesssim generate DIR --preset utility --seed 0``), and random instances of growing size
(each route blocked by 3-8 of n candidates, costs 1-8, seed fixed: random set cover is
hard, far harder than the instances remediate makes). Each is solved by both to
proven optimality (best of three, CPU seconds, one thread each); the costs must agree.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from calibration import calibrate  # benchmarks/calibration.py, beside this script
from ortools.sat.python import cp_model

from accesssim.engine import load_project, tune_collector
from accesssim.remediate.files import load_keep
from accesssim.remediate.loop import new_state, problem_of, solve_with
from accesssim.remediate.solver import HittingSet, solve
from accesssim.synth.generate import generate

REPO = Path(__file__).resolve().parents[1]
KEEPS = {"01-kansai": "kansai.keep.yaml", "04-shikoku": "shikoku.keep.yaml"}


def cp_sat(problem: HittingSet) -> tuple[int, ...] | None:
    """The same 0-1 program for CP-SAT: costs scaled to integers (x1000)."""
    model = cp_model.CpModel()
    x = [model.NewBoolVar(f"x{i}") for i in range(len(problem.costs))]
    for cover in problem.covers:
        model.AddBoolOr([x[i] for i in cover])
    for cut in problem.cuts:
        model.Add(sum(x[i] for i in cut) <= len(cut) - 1)
    model.Minimize(sum(round(c * 1000) * v for c, v in zip(problem.costs, x, strict=True)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    status = solver.Solve(model)
    if status == cp_model.INFEASIBLE:
        return None
    assert status == cp_model.OPTIMAL, solver.StatusName(status)
    return tuple(i for i, v in enumerate(x) if solver.Value(v))


def _best(fn: object, problem: HittingSet) -> tuple[float, tuple[int, ...] | None]:
    times, answer = [], None
    for _ in range(3):
        start = time.process_time()
        answer = fn(problem)  # type: ignore[operator]
        times.append(time.process_time() - start)
    return min(times), answer


def _cost(problem: HittingSet, answer: tuple[int, ...] | None) -> float | None:
    return None if answer is None else sum(problem.costs[i] for i in answer)


def from_model(path: Path, root: Path, keep_name: str | None) -> HittingSet:
    project = load_project(path, root)
    keep = (load_keep(REPO / "tests/data/remediate" / keep_name, keep_name,
                      project.loaded.model) if keep_name else ())
    state = new_state(project, keep, None, "keep")
    solve_with(state, range(len(keep)))
    return problem_of(state, range(len(keep)))[1]


def random_instance(n: int, rows: int, seed: int) -> HittingSet:
    rng = random.Random(seed)
    costs = tuple(float(rng.randint(1, 8)) for _ in range(n))
    covers = tuple(tuple(sorted(rng.sample(range(n), rng.randint(3, 8)))) for _ in range(rows))
    return HittingSet(costs, covers)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-utility", action="store_true")
    args = parser.parse_args()
    tune_collector()
    instances: list[tuple[str, HittingSet]] = []
    incidents = sorted(p for p in (REPO / "scenarios/incidents").glob("[0-9][0-9]-*.yaml")
                       if not p.stem.endswith("-remediated")
                       and p.with_name(f"{p.stem}-remediated.yaml").exists())
    for path in incidents:
        instances.append((path.stem, from_model(path, REPO, KEEPS.get(path.stem))))
    if not args.no_utility:
        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp), preset="utility", seed=0)
            instances.append(("utility (seed 0)",
                              from_model(Path(tmp) / "model.yaml", Path(tmp), None)))
    for n, rows in ((30, 100), (60, 300)):
        instances.append((f"random n={n} rows={rows}", random_instance(n, rows, 0)))
    print(f"calibration: {calibrate():.2f} s (benchmarks/calibration.py)", flush=True)
    print(f"{'instance':<28} {'vars':>5} {'rows':>6} {'HiGHS s':>9} {'CP-SAT s':>9} "
          f"{'cost':>6}")
    for name, problem in instances:
        t_h, a_h = _best(solve, problem)
        t_c, a_c = _best(cp_sat, problem)
        c_h, c_c = _cost(problem, a_h), _cost(problem, a_c)
        assert c_h == c_c, f"{name}: HiGHS {c_h} != CP-SAT {c_c}"
        rows = len(problem.covers) + len(problem.cuts)
        print(f"{name:<28} {len(problem.costs):>5} {rows:>6} {t_h:>9.4f} {t_c:>9.4f} "
              f"{c_h if c_h is not None else '-':>6}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
