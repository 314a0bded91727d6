"""``accesssim mutate``: the mutation score of a scenario's own expectations."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from accesssim.cli.guard import Exit, PathArg, analysis_done, finite, handles_errors
from accesssim.cli.options import FORMAT_OPT, MODEL_ARG, ROOT_OPT, write_output
from accesssim.cli.outputs import refuse_inputs


@contextmanager
def _bar(enabled: bool) -> Iterator[Any]:
    """A progress bar with percentages on stderr, only when a person is watching."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                  transient=True, console=Console(stderr=True)) as bar:
        yield bar


@click.command("mutate")
@MODEL_ARG
@click.option("--min-score", type=click.FloatRange(0, 100), default=None, callback=finite,
              metavar="PCT", help="Fail (exit 1) when the mutation score is below this.")
@FORMAT_OPT
@click.option("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Mutants analysed in parallel (default: every core).")
@click.option("-o", "--output", type=PathArg(path_type=Path, dir_okay=False), default=None,
              help="Write the result here instead of standard output.")
@ROOT_OPT
@click.option("--quiet", is_flag=True, help="No progress bar.")
@handles_errors
def mutate_cmd(model: Path, min_score: float | None, fmt: str, jobs: int | None,
               output: Path | None, root: Path | None, quiet: bool) -> None:
    """Score the scenario's expectations against every single careless change.

    Each mutant (a deny line dropped, an account added to a role, a transition unchecked, a
    field unmasked, ...: docs/mutate.md) that opens a path no expectation catches is listed:
    the gate is blind to it.

    \b
    Exit codes: 0 pass, 1 score below --min-score, 2 bad input, no expectations, or an
    expectation that already fails; 130 interrupted.
    Examples:
      accesssim mutate scenarios/incidents/01-kansai.yaml
      accesssim mutate scenarios/incidents/05-chubu.yaml --min-score 80 --format json
    """
    from accesssim.engine import tune_collector
    from accesssim.mutate.report import to_json, to_text, verdict
    from accesssim.mutate.score import mutation_score

    tune_collector()
    with _bar(not quiet) as bar:
        task = bar.add_task("trying mutants", total=None) if bar is not None else None

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.update(task, completed=done, total=total)

        score = mutation_score(model, root, jobs=jobs, progress=progress)
    text = to_json(score, min_score) if fmt == "json" else to_text(score, min_score)
    analysis_done()
    if output is not None:
        refuse_inputs(output, list(score.inputs))
    write_output(text, output)
    sys.exit(Exit.CLEAN if verdict(score, min_score) else Exit.FINDINGS)


mutate_cmd.name = "mutate"
