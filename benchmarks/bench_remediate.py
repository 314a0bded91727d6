"""remediate at utility scale, and against a naive enumeration on a model it can finish.

Run from the repository root::

    python benchmarks/bench_remediate.py                 # utility + naive on 07-hokuriku
    python benchmarks/bench_remediate.py --no-utility    # the naive comparison only

1. ``remediate`` on the utility-scale model (``accesssim generate DIR --preset utility --seed 0``,
   one analysis about 3.6 s CPU): CPU seconds, analyses, routes, candidates, the proposal's cost,
   and the process's peak memory (ru_maxrss; this part runs first, so the peak is its own).
2. On small incidents (``--naive-model``, default ``NAIVE_DEFAULT``), the naive answer:
   every subset of the whole candidate vocabulary (as tests/test_remediate_brute.py builds it),
   by increasing size, applied and analysed, until no larger subset can be cheaper than the
   best valid one found; its CPU time beside ``remediate``'s on the same model, the costs
   (they must agree) and the ratio. ``calibrate()`` is printed beside the figures.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

from calibration import calibrate  # benchmarks/calibration.py, beside this script

from accesssim.changes.apply import loaded, patch
from accesssim.changes.spec import Change
from accesssim.engine import Project, analyze, load_project, tune_collector
from accesssim.errors import InputError
from accesssim.remediate import remediate
from accesssim.remediate.candidates import VOCABULARY
from accesssim.remediate.files import DEFAULT_COSTS
from accesssim.remediate.universe import universe
from accesssim.synth.generate import generate

REPO = Path(__file__).resolve().parents[1]
NAIVE_DEFAULT = ["07-hokuriku", "04-shikoku", "01-kansai", "11-meti-renewable", "05-chubu"]


def _clean(project: Project, changes: list[Change]) -> bool:
    modes = list(project.loaded.model.modes)
    if not changes:
        return not analyze(project, modes=modes).findings
    try:
        patched = patch(project, sorted(changes, key=lambda c: VOCABULARY.index(c.kind)))
    except InputError:
        return False
    with loaded(project, patched) as p:
        return not analyze(p, modes=modes).findings


def naive(project: Project) -> tuple[float | None, int]:
    """The cheapest subset of the vocabulary with no finding left, by enumeration; and how
    many subsets were analysed."""
    every = universe(project)
    costs = [float(DEFAULT_COSTS[c.kind]) for c in every]
    cheapest = sorted(costs)
    best, tried = None, 0
    for size in range(len(every) + 1):
        if best is not None and sum(cheapest[:size]) >= best:
            break
        for chosen in combinations(range(len(every)), size):
            cost = sum(costs[i] for i in chosen)
            if best is not None and cost >= best:
                continue
            tried += 1
            if _clean(project, [every[i] for i in chosen]):
                best = cost
    return best, tried


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-utility", action="store_true")
    parser.add_argument("--naive-model", action="append", default=None)
    args = parser.parse_args()
    tune_collector()
    print(f"calibration: {calibrate():.2f} s (benchmarks/calibration.py)", flush=True)
    if not args.no_utility:
        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp), preset="utility", seed=0)
            project = load_project(Path(tmp) / "model.yaml", Path(tmp))
            start = time.process_time()
            one = analyze(project, modes=list(project.loaded.model.modes))
            t_one = time.process_time() - start
            start = time.process_time()
            result = remediate(project)
            t_rem = time.process_time() - start
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"utility (seed 0): one analysis {t_one:.1f} s CPU, {len(one.findings)} "
                  f"findings; remediate {t_rem:.1f} s CPU, status {result.status}, "
                  f"{len(result.changes)} changes, cost {result.cost:g}, {result.rounds} "
                  f"analyses, {result.routes} routes, {result.candidates} candidates; "
                  f"peak memory {peak:.0f} MB", flush=True)
    for name in args.naive_model or NAIVE_DEFAULT:
        project = load_project(REPO / "scenarios/incidents" / f"{name}.yaml", REPO)
        start = time.process_time()
        result = remediate(project)
        t_rem = time.process_time() - start
        start = time.process_time()
        cost, tried = naive(project)
        t_naive = time.process_time() - start
        assert cost == result.cost, f"{name}: naive {cost} != remediate {result.cost}"
        print(f"{name}: {len(universe(project))} candidates; remediate {t_rem:.2f} s CPU "
              f"({result.rounds} analyses), cost {result.cost:g}; naive {t_naive:.2f} s CPU "
              f"({tried} subsets analysed), cost {cost:g}; naive / remediate = "
              f"{t_naive / max(t_rem, 1e-9):.0f}x", flush=True)
    print(f"calibration: {calibrate():.2f} s (benchmarks/calibration.py)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
