"""``accesssim report`` at utility scale: how long each step takes and how big the page is.

Run from the repository root::

    python benchmarks/bench_report.py              # utility preset, seed 7
    python benchmarks/bench_report.py --seed 0

Generates the model (``accesssim generate DIR --preset utility --seed N``), then times the
analysis, the diagrams (one Graphviz ``dot`` run per finding: its CPU is the children's) and the
HTML (view data and Jinja templates), and prints the page's size; ``calibrate()`` beside them.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from calibration import calibrate  # benchmarks/calibration.py, beside this script

from accesssim.engine import analyze, load_project, tune_collector
from accesssim.i18n import translator
from accesssim.reports.diagram import finding_svg
from accesssim.reports.html import report_to_html
from accesssim.synth.generate import generate


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lang", choices=["en", "ja"], default="en")
    args = parser.parse_args()
    tune_collector()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder, preset="utility", seed=args.seed)
        model = folder / "model.yaml"
        wall, cpu = time.perf_counter(), time.process_time()
        project = load_project(model, folder)
        report = analyze(project, modes=project.loaded.model.modes)
        analysed = time.process_time() - cpu
        tr = translator(args.lang)
        cpu, child = time.process_time(), _children_cpu()
        svgs = {f.id: finding_svg(project.loaded.model, report, f, tr) for f in report.findings}
        drawn, dot_cpu = time.process_time() - cpu, _children_cpu() - child
        cpu = time.process_time()
        html = report_to_html(project.loaded.model, report, tr, svgs)
        laid_out = time.process_time() - cpu
        total = time.perf_counter() - wall
    size = len(html.encode("utf-8"))
    print(f"utility preset, seed {args.seed}, --lang {args.lang}: "
          f"{len(report.findings)} findings")
    print(f"  load + analyse      {analysed:6.2f} s CPU")
    print(f"  diagrams            {drawn:6.2f} s CPU here + {dot_cpu:.2f} s CPU in dot "
          f"({len(svgs)} runs)")
    print(f"  HTML (view + Jinja) {laid_out:6.2f} s CPU")
    print(f"  total               {total:6.2f} s wall")
    pictures = sum(len(s.encode("utf-8")) for s in svgs.values())
    print(f"  page                {size / 1e6:6.2f} MB ({pictures / 1e6:.2f} MB of it diagrams)")
    print(f"calibrate(): {calibrate():.2f} s")


if __name__ == "__main__":
    main()
