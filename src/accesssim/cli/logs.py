"""``accesssim generate-logs``: synthetic access logs with violations at known lines."""

from __future__ import annotations

from pathlib import Path

import click

from accesssim.cli.guard import PathArg, analysis_done, handles_errors
from accesssim.cli.options import MODEL_ARG, ROOT_OPT, load_project
from accesssim.cli.progress import phases as phases_bar


@click.command("generate-logs")
@MODEL_ARG
@click.option("-o", "--output", "out_dir", required=True,
              type=PathArg(path_type=Path, file_okay=False),
              help="Folder to write events.<format>, calendar.csv and truth.csv into.")
@click.option("--events", type=click.IntRange(1), required=True,
              help="Number of events (rows) to write, bad rows included.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed; the same seed writes byte-identical files.")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]),
              default="csv", show_default=True, help="Format of the events file.")
@click.option("--violations", "rate", type=click.FloatRange(0, 1), default=0.01,
              show_default=True, help="Share of sessions that repeat a planted violation "
                                      "(each finding is planted at least once anyway).")
@click.option("--bad-rows/--no-bad-rows", default=True, show_default=True,
              help="Write a few rows of each kind the replay cannot read.")
@ROOT_OPT
@click.option("--quiet", is_flag=True, help="No progress bar.")
@handles_errors
def generate_logs_cmd(model: Path, out_dir: Path, events: int, seed: int, fmt: str,
                      rate: float, bad_rows: bool, root: Path | None, quiet: bool) -> None:
    """Write synthetic access logs for a model, with violations planted at known lines.

    Each finding of `analyze` is planted as a session replaying its witness on a day inside
    its windows; insiders' own traffic, a few bad rows and an unexplained event fill the
    rest. truth.csv gives each line's expected class and the finding planted there, so a
    replay's recall and precision can be checked exactly.

    \b
    Examples:
      accesssim generate-logs scenarios/incidents/01-kansai.yaml -o logs/kansai --events 200
      accesssim generate-logs scenarios/incidents/05-chubu.yaml -o logs/chubu \\
        --events 5000 --format parquet --seed 3
    """
    from accesssim.cli.outputs import refuse_inputs, stage_folder
    from accesssim.replay.generate import generate_logs

    with phases_bar(not quiet, "loading the model") as phases:
        project = load_project(model, root, phases.update)
        refuse_inputs(out_dir, project.inputs)
        phases.phase("analysing and writing the events")
        with stage_folder(out_dir) as staging:
            summary = generate_logs(project, staging, events, seed=seed, fmt=fmt, rate=rate,
                                    bad_rows=bad_rows,
                                    progress=phases.update)
            analysis_done()  # a Ctrl-C lost while writing: move nothing in
    for line in summary.lines(out_dir, fmt):
        click.echo(line)
