"""What the commands share: the common options, loading a project, writing an output."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from accesssim.cli.guard import PathArg
from accesssim.cli.outputs import write_atomically
from accesssim.errors import InputError
from accesssim.reports import OutputFormat

if TYPE_CHECKING:
    from accesssim.engine import Project
    from accesssim.i18n import Translator


def load_project(model: Path, root: Path | None,
                 progress: Callable[[int, int], None] | None = None) -> Project:
    """The engine's loader, imported on first use (and the collector tuned for a big model)."""
    from accesssim.engine import load_project as load
    from accesssim.engine import tune_collector

    tune_collector()
    return load(model, root, progress)


def write_output(text: str, output: Path | None) -> None:
    """Print, or replace ``output`` atomically: a failed run never leaves half a file."""
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomically(output, text)


MODEL_ARG = click.argument("model", type=PathArg(path_type=Path, dir_okay=False))
ROOT_OPT = click.option(
    "--root", type=PathArg(path_type=Path, file_okay=False, exists=True), default=None,
    help="Project root; file references may not leave it (default: the git work tree "
         "holding the model, else the model's folder).")
FORMAT_OPT = click.option("--format", "fmt", type=click.Choice(["text", "json"]),
                          default="text", show_default=True, help="Output format.")
REPORT_FORMAT_OPT = click.option(
    "--format", "fmt", type=click.Choice([f.value for f in OutputFormat]), default="text",
    show_default=True, help="Output format (dot: a Graphviz picture of the witness paths).")
MODE_OPT = click.option("--mode", default="all", show_default=True, metavar="MODE|all",
                        help="Which mode to analyse (normal, disaster or another the model "
                             "declares), or all.")
AT_OPT = click.option("--at", "at", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                      help="Analyse one day (YYYY-MM-DD) instead of all dates.")


def as_date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def checked_modes(project: Project, mode: str) -> list[str]:
    from accesssim.engine import resolve_modes

    modes = resolve_modes(project, mode)
    unknown = [m for m in modes if m not in project.loaded.model.modes]
    if unknown:
        raise InputError.single(project.loaded.display_path, 0,
                                f"mode {unknown[0]!r} is not declared by the model")
    return modes


LANG_OPT = click.option(
    "--lang", type=click.Choice(["en", "ja"]), default=None,
    help="Language of the words people read (default: Japanese when LC_ALL, LC_MESSAGES or "
         "LANG asks for ja_JP or another ja locale, else English).")


def lang_translator(lang: str | None) -> Translator:
    """The translator ``--lang`` (or, without it, the locale) asks for."""
    from accesssim.i18n import default_lang, translator

    return translator(lang or default_lang())
