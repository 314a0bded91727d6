"""The compile phase alone: slices, Casbin decisions and the access graph (issue 7).

Run from the repository root::

    python benchmarks/bench_compile.py               # utility preset, seed 0, scale 1
    python benchmarks/bench_compile.py --scale 2     # a larger organisation

It writes ``accesssim generate DIR --preset utility --seed S --scale N``, loads it once, then
times ``analyzer`` (the compile: ``build_slices``, ``Decisions``, ``compile_graph``) ``--repeat``
times in this process and prints the least CPU time (``time.process_time``), the calibration
loop's time before and after (benchmarks/calibration.py), the time spent inside
``Enforcer.enforce`` (fixed by the number of decisions, which the report prints), the graph's
size and the memory it holds (tracemalloc, one more compile).

Goal (issue 7): compile well under 1 s at 1x on the project's machine (calibration ~0.3 s).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from calibration import calibrate  # benchmarks/calibration.py, beside this script

from accesssim.engine import analyzer, load_project, tune_collector
from accesssim.synth.generate import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="accesssim-compile-"))
    try:
        generate(work, "utility", args.seed, scale=args.scale)
        tune_collector()  # as the CLI does
        project = load_project(work / "model.yaml", work)
        enforcer = project.policy.enforcer
        plain = enforcer.enforce
        inside = [0.0]

        def timed(*request: Any) -> Any:
            start = time.process_time()
            try:
                return plain(*request)
            finally:
                inside[0] += time.process_time() - start

        enforcer.enforce = timed  # type: ignore[method-assign]
        before = calibrate()
        times = []
        for _ in range(args.repeat):
            inside[0] = 0.0
            start = time.process_time()
            engine = analyzer(project, modes=project.loaded.model.modes)
            times.append((time.process_time() - start, inside[0]))
        after = calibrate()
        best, in_enforce = min(times)
        tracemalloc.start()
        engine = analyzer(project, modes=project.loaded.model.modes)
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        graph = engine.graph
        print(f"utility seed {args.seed} scale {args.scale}: "
              f"{len(project.loaded.model.people)} people entries, {len(engine.slices)} slices")
        print(f"calibration: {before:.3f} s before, {after:.3f} s after")
        print(f"compile: {best:.3f} s CPU (least of {args.repeat}), of which Enforcer.enforce "
              f"{in_enforce:.3f} s in {engine.decisions.enforce_calls} calls; "
              f"{best / min(before, after):.1f}x calibration")
        print(f"graph: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges; "
              f"compile holds {held / 2**20:.0f} MiB (tracemalloc)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
