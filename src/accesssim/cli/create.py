"""``accesssim init`` and ``accesssim generate``: a starting project, or a synthetic model."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from accesssim.cli.guard import PathArg, analysis_done, handles_errors
from accesssim.errors import InputError, Problem


@click.command()
@click.argument("out_dir", type=PathArg(path_type=Path, file_okay=False))
@click.option("--preset", type=click.Choice(["small", "utility"]), default="small",
              show_default=True, help="Model size: small (a few dozen of each) or utility scale.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed; the same seed writes byte-identical files.")
@click.option("--scale", type=click.IntRange(1, 64), default=1, show_default=True,  # MAX_SCALE
              help="Multiply people, places, accounts and terminals by N (for benchmarks).")
@handles_errors
def generate(out_dir: Path, preset: str, seed: int, scale: int) -> None:
    """Write a synthetic model with planted defects (for benchmarks and tests).

    Writes OUT_DIR/model.yaml, OUT_DIR/policy.csv and OUT_DIR/accesssim.conf.

    \b
    Examples:
      accesssim generate out/small
      accesssim generate out/utility --preset utility --seed 7
      accesssim generate out/utility4 --preset utility --scale 4
      cd out/utility && accesssim analyze model.yaml --format json -o report.json
    """
    import dataclasses

    from accesssim.cli.outputs import stage_folder
    from accesssim.synth.generate import foreign_files
    from accesssim.synth.generate import generate as write_model

    if foreign := foreign_files(out_dir):  # replace an earlier generated model, nothing else
        raise InputError([Problem(str(path), 0, "already exists and was not written by "
                                  "`accesssim generate`: choose another folder")
                          for path in foreign])
    with stage_folder(out_dir) as staging:
        summary = write_model(staging, preset, seed, scale)
        analysis_done()  # a Ctrl-C lost while writing the staged files: move nothing in
    for line in dataclasses.replace(summary, out_dir=out_dir).lines():
        click.echo(line)


@click.command()
@click.argument("directory", type=PathArg(path_type=Path, file_okay=False))
@click.option("--force", is_flag=True, help="Replace files that already exist.")
@handles_errors
def init(directory: Path, force: bool) -> None:
    """Write a small, commented starting model, policy and Casbin model.

    \b
    Example:
      accesssim init my-design && cd my-design && accesssim test model.yaml
    """
    from accesssim.synth.scaffold import init_project

    for path in init_project(directory, force=force):
        click.echo(f"wrote {path}")
    click.echo(f"next: cd {shlex.quote(str(directory))} && accesssim test model.yaml && "
               "accesssim analyze model.yaml")
