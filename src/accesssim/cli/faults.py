"""``accesssim faults``: how many control failures stand between each field and a leak."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from accesssim.cli.guard import Exit, PathArg, analysis_done, handles_errors
from accesssim.cli.mutate import _bar
from accesssim.cli.options import FORMAT_OPT, MODEL_ARG, ROOT_OPT, write_output
from accesssim.cli.outputs import refuse_inputs


@click.command("faults")
@MODEL_ARG
@click.option("--k", "k", type=click.IntRange(min=1), default=3, show_default=True,
              help="Largest failure sets searched.")
@click.option("--min-resilience", type=click.IntRange(min=0), default=2, show_default=True,
              metavar="N", help="Fail (exit 1) when a field is not shown to need N failures.")
@FORMAT_OPT
@click.option("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Failure sets analysed in parallel (default: every core).")
@click.option("--cap", type=click.IntRange(min=1), default=None, metavar="N",
              help="Most failures of one kind catalogued (default 200; more: bounds).")
@click.option("-o", "--output", type=PathArg(path_type=Path, dir_okay=False), default=None,
              help="Write the result here instead of standard output.")
@ROOT_OPT
@click.option("--quiet", is_flag=True, help="No progress bar.")
@handles_errors
def faults_cmd(model: Path, k: int, min_resilience: int, fmt: str, jobs: int | None,
               cap: int | None, output: Path | None, root: Path | None, quiet: bool) -> None:
    """The smallest sets of control failures that let an outsider see each field.

    A failure is one control failing (a masking rule lost, a transition left unchecked, a
    terminal moved or handed to an outsider, a credential shared, a gated right left on, a
    validity window overrun: docs/faults.md). Per non-public field: its resilience (failures
    needed), every minimal failure set of up to --k failures, re-verified by analysis, and
    the weakest controls. Each answer says whether it is exact or a bound.

    \b
    Exit codes: 0 every field needs at least --min-resilience failures, 1 some field is not
    shown to, 2 bad input; 130 interrupted.
    Examples:
      accesssim faults scenarios/reference.yaml --k 2
      accesssim faults scenarios/reference.yaml --k 1 --min-resilience 1 --format json
    """
    from accesssim.engine import tune_collector
    from accesssim.faults.catalogue import CAP
    from accesssim.faults.run import faults
    from accesssim.reports.faults import to_json, to_text, verdict

    tune_collector()
    with _bar(not quiet) as bar:
        task = bar.add_task("analysing failure sets", total=None) if bar is not None else None

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.update(task, completed=done, total=total)

        result = faults(model, root, k=k, jobs=jobs, cap=cap or CAP, progress=progress)
    text = (to_json if fmt == "json" else to_text)(result, min_resilience)
    analysis_done()
    if output is not None:
        refuse_inputs(output, list(result.inputs))
    write_output(text, output)
    sys.exit(Exit.CLEAN if verdict(result, min_resilience) else Exit.FINDINGS)
