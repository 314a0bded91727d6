"""``accesssim render`` at utility scale: the overview's size, its cost, and Graphviz's layout.

Run from the repository root::

    python benchmarks/bench_render.py              # utility preset, seed 0
    python benchmarks/bench_render.py --scale 4    # four times the people, places and accounts
    python benchmarks/bench_render.py --png out.png  # also keep the picture to look at

1. generates the utility preset (``accesssim generate DIR --preset utility``) in a temp dir;
2. analyses it (CPU seconds, not counted in the overview's figures);
3. builds the overview's DOT source (CPU seconds, peak memory of the Python heap while building
   it, with tracemalloc) and counts its nodes and edges (the legend's counted apart);
4. runs Graphviz's ``dot -Tsvg`` and ``-Tpng`` on it (wall seconds: dot is another process);
5. prints ``calibrate()`` beside the figures (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import subprocess
import tempfile
import time
import tracemalloc
from pathlib import Path

from calibration import calibrate  # benchmarks/calibration.py, beside this script

from accesssim.engine import analyzer, load_project, tune_collector
from accesssim.i18n import ENGLISH
from accesssim.reports.diagram import overview_dot
from accesssim.synth.generate import generate


def _count(source: str) -> tuple[int, int, int]:
    """(nodes, edges, legend entries) of an overview's DOT source."""
    nodes = len(re.findall(r'^\s*"overview-n\d+" \[', source, re.MULTILINE))
    edges = len(re.findall(r'^\s*"overview-n\d+" -> "overview-n\d+"', source, re.MULTILINE))
    legend = len(re.findall(r'^\s*"overview-legend_\w+" \[', source, re.MULTILINE))
    return nodes, edges, legend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--png", type=Path, default=None, help="keep the PNG here")
    args = parser.parse_args()
    tune_collector()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        generate(work, preset="utility", seed=args.seed, scale=args.scale)
        start = time.process_time()
        project = load_project(work / "model.yaml", work)
        report = analyzer(project, modes=project.loaded.model.modes).run()
        analysed = time.process_time() - start
        tracemalloc.start()
        start = time.process_time()
        source = overview_dot(project.loaded.model, report, ENGLISH)
        built = time.process_time() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        nodes, edges, legend = _count(source)
        rows = [
            ("model", f"utility preset, seed {args.seed}, scale {args.scale}"),
            ("people entries / findings", f"{len(project.loaded.model.people):,} / "
                                          f"{len(report.findings):,}"),
            ("analysis (CPU s, not part of render)", f"{analysed:.2f}"),
            ("overview DOT built (CPU s)", f"{built:.3f}"),
            ("overview DOT peak Python memory (MiB)", f"{peak / 2**20:.1f}"),
            ("overview nodes / edges (+ legend entries)", f"{nodes} / {edges} (+ {legend})"),
            ("overview DOT size (bytes)", f"{len(source.encode()):,}"),
        ]
        dot = shutil.which("dot")
        if dot is None:
            rows.append(("dot layout", "Graphviz's dot is not installed"))
        else:
            for fmt in ("svg", "png"):
                start = time.perf_counter()
                done = subprocess.run([dot, f"-T{fmt}"], input=source.encode(),
                                      capture_output=True, check=True)
                rows.append((f"dot -T{fmt} layout and drawing (wall s)",
                             f"{time.perf_counter() - start:.2f} ({len(done.stdout):,} bytes)"))
                if fmt == "png" and args.png is not None:
                    args.png.write_bytes(done.stdout)
    rows.append(("process peak memory, ru_maxrss (MiB)",
                 f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}"))
    rows.append(("calibrate() (s; about 0.3 on the project's machine)", f"{calibrate():.3f}"))
    width = max(len(name) for name, _ in rows)
    print("accesssim render: the overview at utility scale")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    main()
