"""The ``accesssim`` command. Each command: parse options, one library call, one formatter,
an exit code from the result (0 pass, 1 findings, 2 bad input or incomplete analysis)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import Any, TypeVar

import click

from accesssim import __version__
from accesssim.engine import (
    Project,
    analyzer,
    load_project,
    resolve_modes,
    tune_collector,
)
from accesssim.errors import AccessSimError, InputError
from accesssim.format import OutputFormat, render
from accesssim.model import json_schema

F = TypeVar("F", bound=Callable[..., Any])


class Exit(IntEnum):
    CLEAN = 0
    FINDINGS = 1
    ERROR = 2


def _handles_errors(fn: F) -> F:
    """The one place that turns library errors into a message and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            click.echo(f"{len(exc.problems)} problem(s) found; stopped before writing anything",
                       err=True)
            sys.exit(Exit.ERROR)
        except AccessSimError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(Exit.ERROR)
        except Exception as exc:  # never let a crash look like exit 1 ("findings")
            click.echo(f"internal error, analysis incomplete: {type(exc).__name__}: {exc}",
                       err=True)
            sys.exit(Exit.ERROR)

    return wrapper  # type: ignore[return-value]


def _write_output(text: str, output: Path | None) -> None:
    """Print, or replace ``output`` atomically: a failed run never leaves half a file."""
    if output is None:
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _Phases:
    """Progress on stderr for long analyses, only when a person is watching."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar
        self.task = bar.add_task("loading the model and Casbin files", total=None) if bar else None

    def phase(self, text: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, description=text, completed=0, total=None)

    def update(self, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total)


@contextmanager
def _progress(enabled: bool) -> Iterator[_Phases]:
    if not enabled or not sys.stderr.isatty():
        yield _Phases(None)
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as bar:
        yield _Phases(bar)


MODEL_ARG = click.argument("model", type=click.Path(path_type=Path, dir_okay=False))
ROOT_OPT = click.option(
    "--root", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
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


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def _modes(project: Project, mode: str) -> list[str]:
    modes = resolve_modes(project, mode)
    unknown = [m for m in modes if m not in project.loaded.model.modes]
    if unknown:
        raise InputError.single(project.loaded.display_path, 0,
                                f"mode {unknown[0]!r} is not declared by the model")
    return modes


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="accesssim")
def main() -> None:
    """Find every way staff outside a company boundary can see non-public data.

    \b
    Examples:
      accesssim validate scenarios/incidents/01-kansai.yaml
      accesssim analyze scenarios/incidents/01-kansai.yaml
      accesssim analyze scenarios/incidents/05-chubu.yaml --mode normal --format json -o c.json
      accesssim explain scenarios/incidents/05-chubu.yaml --who miraiz_transferee --field phone
    """
    tune_collector()


@main.command()
@MODEL_ARG
@MODE_OPT
@AT_OPT
@REPORT_FORMAT_OPT
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the report here instead of standard output.")
@ROOT_OPT
@click.option("--quiet", is_flag=True, help="No progress bar.")
@_handles_errors
def analyze_cmd(model: Path, mode: str, at: dt.datetime | None, fmt: str, output: Path | None,
                root: Path | None, quiet: bool) -> None:
    """Report every path from outside the boundary to a non-public field.

    \b
    Exit codes: 0 no finding, 1 findings, 2 bad input or incomplete analysis.
    Examples:
      accesssim analyze scenarios/incidents/01-kansai.yaml
      accesssim analyze scenarios/incidents/01-kansai.yaml --mode normal --at 2022-12-01
      accesssim analyze scenarios/reference.yaml --format json -o report.json
      accesssim analyze scenarios/incidents/05-chubu.yaml --format dot -o c.dot
      dot -Tsvg -O c.dot
    """
    with _progress(not quiet) as phases:
        project = load_project(model, root)
        phases.phase("deciding with Casbin and building the access graph")
        engine = analyzer(project, modes=_modes(project, mode), at=_day(at))
        phases.phase("searching every person outside the boundary")
        report = engine.run(phases.update)
    _write_output(render(report, OutputFormat(fmt)), output)
    sys.exit(Exit.FINDINGS if report.findings else Exit.CLEAN)


analyze_cmd.name = "analyze"


@main.command()
@MODEL_ARG
@ROOT_OPT
@FORMAT_OPT
@_handles_errors
def validate(model: Path, root: Path | None, fmt: str) -> None:
    """Check the model and its Casbin files; report every problem with file and line.

    \b
    Examples:
      accesssim validate scenarios/incidents/01-kansai.yaml
      accesssim validate my-design.yaml --root .
    """
    project = load_project(model, root)
    summary = {
        "model": project.loaded.display_path,
        "casbin_model": project.policy.model_display,
        "casbin_policy": project.policy.policy_display,
        "p_rules": len(project.policy.rules),
        "g_rules": len(project.policy.groupings),
        "warnings": project.policy.warnings,
        "valid": True,
    }
    if fmt == OutputFormat.JSON.value:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        for w in project.policy.warnings:
            click.echo(f"warning: {w}")
        click.echo(f"{summary['model']}: valid ({summary['p_rules']} p and {summary['g_rules']} "
                   f"g rules in {summary['casbin_policy']})")
    sys.exit(Exit.CLEAN)


@main.command()
@MODEL_ARG
@click.option("--who", required=True, help="Person or group id.")
@click.option("--field", "field_id", required=True, help="Field id.")
@MODE_OPT
@AT_OPT
@FORMAT_OPT
@ROOT_OPT
@_handles_errors
def explain(model: Path, who: str, field_id: str, mode: str, at: dt.datetime | None, fmt: str,
            root: Path | None) -> None:
    """Why (or why not) a person can see a field.

    \b
    Exit codes: 0 cannot see it, 1 can see it, 2 bad input.
    Examples:
      accesssim explain scenarios/incidents/01-kansai.yaml --who kep_sales --field phone
      accesssim explain scenarios/incidents/05-chubu.yaml --who miraiz_transferee \\
          --field usage_kwh --mode normal
    """
    project = load_project(model, root)
    engine = analyzer(project, modes=_modes(project, mode), at=_day(at))
    result = engine.explain(who, field_id)
    if fmt == OutputFormat.JSON.value:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(result.to_text(), nl=False)
    sys.exit(Exit.FINDINGS if result.visible else Exit.CLEAN)


@main.command()
def schema() -> None:
    """Print the JSON Schema of the model format.

    \b
    Example:
      accesssim schema > model.schema.json
    """
    click.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))


@main.command()
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--preset", type=click.Choice(["small", "utility"]), default="small",
              show_default=True, help="Model size: small (a few dozen of each) or utility scale.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed; the same seed writes byte-identical files.")
def generate(out_dir: Path, preset: str, seed: int) -> None:
    """Write a synthetic model with planted defects (for benchmarks and tests).

    Writes OUT_DIR/model.yaml, OUT_DIR/policy.csv and OUT_DIR/accesssim.conf.

    \b
    Examples:
      accesssim generate out/small
      accesssim generate out/utility --preset utility --seed 7
      cd out/utility && accesssim analyze model.yaml --format json -o report.json
    """
    from accesssim.generate import generate as write_model

    summary = write_model(out_dir, preset, seed)
    for line in summary.lines():
        click.echo(line)


@main.command("test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--junit", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write JUnit XML here (one testcase per expectation).")
@click.option("--update", is_flag=True,
              help="Rewrite who_can_see lists with what the analysis finds (review the diff).")
@click.option("--coverage", "show_coverage", is_flag=True,
              help="Show which policy lines, roles, screens, transitions and terminals no "
                   "expectation exercised.")
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=None,
              help="Fail (exit 1) when coverage is below this percentage.")
@ROOT_OPT
@_handles_errors
def test_cmd(paths: tuple[Path, ...], junit: Path | None, update: bool, show_coverage: bool,
             min_coverage: float | None, root: Path | None) -> None:
    """Check every scenario's expectations (default folder: scenarios/).

    \b
    Exit codes: 0 all pass, 1 any fails (or coverage below --min-coverage), 2 bad input.
    Examples:
      accesssim test
      accesssim test scenarios/incidents --junit out/junit.xml
      accesssim test --coverage --min-coverage 80
      accesssim test scenarios/incidents/01-kansai.yaml --update
    """
    from accesssim.format.junit import results_to_junit
    from accesssim.format.suite_text import suite_to_text
    from accesssim.suite import run_suite

    suite = run_suite(list(paths) or [Path("scenarios")], root, update=update)
    if junit is not None:
        _write_output(results_to_junit(suite.results), junit)
    click.echo(suite_to_text(suite, coverage=show_coverage or min_coverage is not None), nl=False)
    low = min_coverage is not None and suite.coverage.percent < min_coverage
    if low:
        click.echo(f"coverage {suite.coverage.percent:.1f}% is below {min_coverage}%", err=True)
    sys.exit(Exit.FINDINGS if suite.failed or low else Exit.CLEAN)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--force", is_flag=True, help="Replace files that already exist.")
@_handles_errors
def init(directory: Path, force: bool) -> None:
    """Write a small, commented starting model, policy and Casbin model.

    \b
    Example:
      accesssim init my-design && cd my-design && accesssim test model.yaml
    """
    from accesssim.scaffold import init_project

    for path in init_project(directory, force=force):
        click.echo(f"wrote {path}")
    click.echo(f"next: cd {directory} && accesssim test model.yaml")
