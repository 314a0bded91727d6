"""The search against a floor: bare per-person reachability over the same compiled graph.

Run from the repository root (needs scipy: ``pip install -e '.[bench]'``)::

    python benchmarks/bench_floor.py                     # utility, one slice
    python benchmarks/bench_floor.py --preset small      # a quick check

It loads the utility preset (``accesssim generate DIR --preset utility``, seed 0) and compiles
one slice (``--mode normal --at DAY``: ``accesssim.engine.analyzer``), then, in this process:

- times the engine's search over that slice (``Analyzer.run``, CPU seconds);
- times the floor over the same graph (``Analyzer.graph``): a boolean adjacency matrix (scipy
  sparse CSR) of the edges that exist in the slice and that a person's way to a field follows
  (holds, knows, can-be-at, assigned, hosts of open terminals, logged-in, in-class, open,
  transition, shows in clear, unmask), and a frontier matrix of outsiders x nodes multiplied by
  it until nothing new is reached. Building the matrix and propagating are timed apart (best of
  three each); the floor is the propagation, as the matrix is a compiled form of the graph
  (building it, one pass over every networkx edge in Python, is printed beside it).

The floor ignores what makes the search a search: that a terminal and an account must be used
together, that a checked transition needs the class to be allowed the target, trust, and the
minimal root causes. It reaches a superset of what the search finds (the script checks that
every exposure the engine reports is among the floor's person-field pairs): it is a lower bound
on the work of reading the graph once per outsider, not an analysis.

Goal (issue 7): search at most 3x the floor (the engine before issue 7: about 12x-15x).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from calibration import calibrate  # benchmarks/calibration.py, beside this script
from scipy.sparse import csr_matrix

from accesssim.engine import analyzer, load_project, tune_collector
from accesssim.synth.generate import generate

GOAL_RATIO = 3.0
DAY = dt.date(2024, 1, 1)  # after every date the presets use
FOLLOW = frozenset({"holds", "knows", "can-be-at", "assigned", "hosts", "logged-in", "in-class",
                    "open", "transition", "shows", "unmask"})


def adjacency(graph: Any, sl: Any) -> tuple[csr_matrix, dict[Any, int]]:
    """The edges a person's way to a field follows, that exist in the slice, as a bool CSR."""
    index = {node: i for i, node in enumerate(graph.nodes)}
    rows: list[int] = []
    cols: list[int] = []
    nodes = graph.nodes
    for u, v, data in graph.edges(data=True):
        relation = data["relation"]
        if relation not in FOLLOW or not data["guard"].holds(sl):
            continue
        if relation == "hosts" and not nodes[v]["element"].open:
            continue
        if relation == "shows" and data["display"].masking != "clear":
            continue  # a field behind policy masking is reached by the class's unmask edge
        rows.append(index[u])
        cols.append(index[v])
    n = len(index)
    matrix = csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(n, n))
    return matrix, index


def propagate(matrix: csr_matrix, starts: list[int]) -> csr_matrix:
    """Rows: one per start node; True where that start reaches the column's node."""
    ones = np.ones(len(starts), dtype=bool)
    frontier = csr_matrix((ones, (range(len(starts)), starts)),
                          shape=(len(starts), matrix.shape[0]))
    reached = frontier.copy()
    while frontier.nnz:
        frontier = (frontier @ matrix) > reached
        reached = reached + frontier
    return reached


def best_of(times: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(times):
        start = time.process_time()
        result = work()
        best = min(best, time.process_time() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="utility", choices=["small", "utility"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="accesssim-floor-"))
    try:
        print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        print(f"calibration loop: {calibrate():.2f} s (compare figures across machines by it)")
        summary = generate(work, args.preset, args.seed, scale=args.scale)
        print(summary.lines()[1].strip())
        tune_collector()  # as the CLI does
        project = load_project(work / "model.yaml", work)
        engine = analyzer(project, modes=["normal"], at=DAY)
        (sl,) = engine.slices
        start = time.process_time()
        report = engine.run()
        search = time.process_time() - start

        graph = engine.graph
        # Outsiders as the search defines them: outside some non-public system's boundary.
        core = engine.boundary.core
        secret = [s for s in engine.systems if engine.boundary.non_public(s)]
        outsiders = sorted(q.id for q in project.loaded.model.people
                           if any(q.org not in core[s] for s in secret))
        build, (matrix, index) = best_of(3, lambda: adjacency(graph, sl))
        starts = [index[("person", p)] for p in outsiders]
        spread, reached = best_of(3, lambda: propagate(matrix, starts))
        fields = {f for f, data in engine.fields.items() if data.data_class == "non-public"}
        field_cols = sorted(index[("field", f)] for f in fields)
        pairs = reached[:, field_cols].nnz
        column_field = {index[("field", f)]: f for f in fields}
        sub = reached[:, field_cols].tocoo()
        floor_pairs = {(outsiders[r], column_field[field_cols[c]])
                       for r, c in zip(sub.row, sub.col, strict=True)}
        engine_pairs = {pair for f in report.findings for pair in f.exposures}
        missing = engine_pairs - floor_pairs
        floor = build + spread
        print(f"\n{args.preset} preset, seed {args.seed}, scale {args.scale}; one slice "
              f"(--mode normal --at {DAY.isoformat()}); CPU seconds, same process")
        print(f"  graph: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges; "
              f"followed in the slice: {matrix.nnz:,}")
        print(f"  outsiders (people entries searched): {len(outsiders):,}")
        print(f"  engine search (Analyzer.run)            {search:8.2f} s   "
              f"{len(engine_pairs):,} exposed person-field pairs, {len(report.findings)} findings")
        print(f"  floor: build adjacency (best of 3)      {build:8.3f} s")
        print(f"  floor: propagate frontier (best of 3)   {spread:8.3f} s   "
              f"{pairs:,} reachable person-field pairs")
        print(f"  build + propagate                       {floor:8.3f} s")
        ratio = search / spread
        print(f"\n  search / floor (propagation) = {ratio:.1f}x   (goal <= {GOAL_RATIO:.0f}x: "
              f"{'met' if ratio <= GOAL_RATIO else 'NOT met'})")
        print(f"  search / (building the matrix from the graph + propagation) = "
              f"{search / floor:.1f}x   (building reads every networkx edge in Python)")
        if missing:
            print(f"  WARNING: {len(missing)} engine exposures are not reachable in the floor, "
                  f"e.g. {sorted(missing)[:3]}: the floor misses a kind of edge")
        else:
            print("  every exposure the engine reports is reachable in the floor")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
