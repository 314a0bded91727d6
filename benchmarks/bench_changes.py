"""Benchmark the change-set applier (changes/apply.py) on the utility-scale model.

Run from the repository root::

    python benchmarks/bench_changes.py            # about a minute

What it does:

1. generates the utility preset (``accesssim generate DIR --preset utility``) in a temp dir
   and loads it;
2. times one change set of three model changes (withdraw a terminal, move another, share a
   credential) applied by composing the model in pieces (``patch``, the default) and by
   composing the whole text for every change (``Patcher(project, cut=False)``), checks both
   give the same texts, and prints the ratio;
3. times 50 one-change sets through one ``Patcher`` (what ``faults`` and ``remediate`` do:
   many change sets on one project), per change set;
4. times ``loaded`` (the patched files written to a scratch folder and loaded again), with a
   model change (the policy reused) and with a policy change (loaded afresh).

Times are process CPU seconds; ``calibrate()`` is printed beside them.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from calibration import calibrate  # benchmarks/calibration.py, beside this script

from accesssim.changes.apply import Patcher, loaded, patch
from accesssim.changes.spec import Change
from accesssim.engine import load_project, tune_collector
from accesssim.synth.generate import generate


def main() -> None:
    tune_collector()
    folder = Path(tempfile.mkdtemp(prefix="accesssim-bench-changes-"))
    try:
        generate(folder, preset="utility", seed=7)
        project = load_project(folder / "model.yaml", folder)
        model = project.loaded.model
        terminals, places = model.terminals, [loc.id for loc in model.locations]
        other = next(p for p in places if p != terminals[7].location)
        changes = [Change.make("withdraw_terminal", terminal=terminals[5].id),
                   Change.make("move_terminal", terminal=terminals[7].id, to=other),
                   Change.make("share_credential", account=model.accounts[9].id,
                               person=model.people[0].id)]
        print(f"utility model: {len(model.people)} people groups, {len(terminals)} terminals, "
              f"{len(model.accounts)} accounts; calibrate() = {calibrate():.2f} s")
        start = time.process_time()
        pieces = patch(project, changes)
        by_pieces = time.process_time() - start
        start = time.process_time()
        whole = Patcher(project, cut=False).patch(changes)
        by_whole = time.process_time() - start
        assert pieces.texts == whole.texts, "pieces and whole text disagree"
        print(f"3 model changes, composed in pieces: {by_pieces:.2f} s; composed whole: "
              f"{by_whole:.2f} s; ratio {by_whole / max(by_pieces, 1e-9):.0f}x")
        patcher = Patcher(project)
        start = time.process_time()
        for terminal in terminals[:50]:
            to = places[0] if terminal.location != places[0] else places[1]
            patcher.patch([Change.make("move_terminal", terminal=terminal.id, to=to)])
        print(f"50 one-change sets through one Patcher: "
              f"{(time.process_time() - start) / 50 * 1000:.0f} ms each")
        rule = project.policy.rules[0]
        on_policy = patch(project, [Change.make(
            "remove_rule", rule=", ".join([rule.ptype, *rule.values]))])
        for label, patched in (("model change", pieces), ("policy change", on_policy)):
            start = time.process_time()
            with loaded(project, patched):
                pass
            print(f"loaded after a {label}: {time.process_time() - start:.2f} s")
        print(f"calibrate() = {calibrate():.2f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
