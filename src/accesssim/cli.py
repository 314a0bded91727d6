"""The ``accesssim`` command. Each command: parse options, one library call, one formatter,
an exit code from the result (0 pass, 1 findings, 2 bad input or incomplete analysis, 130
interrupted).

Heavy libraries (casbin, networkx, pydantic, rich, graphviz) are imported inside the
commands, so ``accesssim --help`` answers at once.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from accesssim import __version__
from accesssim.errors import AccessSimError, InputError, Problem
from accesssim.format import OutputFormat, render
from accesssim.guard import Exit, Group, PathArg, analysis_done, finite, handles_errors
from accesssim.outputs import prepare_folder, refuse_inputs, write_atomically

if TYPE_CHECKING:
    from accesssim.engine import Project
    from accesssim.results import Report

_handles_errors = handles_errors


def load_project(model: Path, root: Path | None,
                 progress: Callable[[int, int], None] | None = None) -> Project:
    """The engine's loader, imported on first use (and the collector tuned for a big model)."""
    from accesssim.engine import load_project as load
    from accesssim.engine import tune_collector

    tune_collector()
    return load(model, root, progress)


def _write_output(text: str, output: Path | None) -> None:
    """Print, or replace ``output`` atomically: a failed run never leaves half a file."""
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomically(output, text)


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def _closing_line(output: Path, report: Report) -> str:
    """One line on stderr after writing a report file: what was written, in totals."""
    return (f"wrote {output}: {_plural(len(report.findings), 'finding')}, "
            f"{report.exposed_headcount:,} people exposed")


class _Phases:
    """Progress on stderr for long analyses, only when a person is watching: the phase number
    out of three, and the percentage of the search."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar
        self.number = 1
        self.task = (bar.add_task("[1/3] loading the model and Casbin files", total=None)
                     if bar else None)

    def phase(self, text: str) -> None:
        self.number += 1
        if self.bar is not None:
            self.bar.update(self.task, description=f"[{self.number}/3] {text}", completed=0,
                            total=None)

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


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def _modes(project: Project, mode: str) -> list[str]:
    from accesssim.engine import resolve_modes

    modes = resolve_modes(project, mode)
    unknown = [m for m in modes if m not in project.loaded.model.modes]
    if unknown:
        raise InputError.single(project.loaded.display_path, 0,
                                f"mode {unknown[0]!r} is not declared by the model")
    return modes


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="accesssim")
def main() -> None:
    """Find every way staff outside a company boundary can see non-public data.

    \b
    Examples:
      accesssim validate scenarios/incidents/01-kansai.yaml
      accesssim analyze scenarios/incidents/01-kansai.yaml
      accesssim analyze scenarios/incidents/05-chubu.yaml --mode normal --format json -o c.json
      accesssim explain scenarios/incidents/05-chubu.yaml --who miraiz_transferee --field phone

    Exit codes: 0 pass, 1 findings, 2 bad input or incomplete analysis (also when --timeout is
    reached), 130 interrupted (Ctrl-C).
    """


@main.command()
@MODEL_ARG
@MODE_OPT
@AT_OPT
@REPORT_FORMAT_OPT
@click.option("-o", "--output", type=PathArg(path_type=Path, dir_okay=False), default=None,
              help="Write the report here instead of standard output.")
@ROOT_OPT
@click.option("--quiet", is_flag=True, help="No progress bar.")
@_handles_errors
def analyze_cmd(model: Path, mode: str, at: dt.datetime | None, fmt: str, output: Path | None,
                root: Path | None, quiet: bool) -> None:
    """Report every path from outside the boundary to a non-public field.

    \b
    Exit codes: 0 no finding, 1 findings, 2 bad input or incomplete analysis, 130 interrupted.
    Examples:
      accesssim analyze scenarios/incidents/01-kansai.yaml
      accesssim analyze scenarios/incidents/01-kansai.yaml --mode normal --at 2022-12-01
      accesssim analyze scenarios/reference.yaml --format json -o report.json
      accesssim analyze scenarios/incidents/05-chubu.yaml --format dot -o c.dot
      dot -Tsvg -O c.dot
    """
    from accesssim.engine import analyzer

    with _progress(not quiet) as phases:
        project = load_project(model, root, phases.update)
        if output is not None:
            refuse_inputs(output, project.inputs)
        phases.phase("deciding with Casbin and building the access graph")
        engine = analyzer(project, modes=_modes(project, mode), at=_day(at),
                          progress=phases.update)
        phases.phase("searching every person outside the boundary")
        report = engine.run(phases.update)
    text = render(report, OutputFormat(fmt))
    analysis_done()
    _write_output(text, output)
    if output is not None:
        click.echo(_closing_line(output, report), err=True)
    sys.exit(Exit.FINDINGS if report.findings else Exit.CLEAN)


analyze_cmd.name = "analyze"


@main.command()
@MODEL_ARG
@ROOT_OPT
@FORMAT_OPT
@click.option("--strict", is_flag=True,
              help="Treat every warning (policy lint) as an error: exit 2.")
@_handles_errors
def validate(model: Path, root: Path | None, fmt: str, strict: bool) -> None:
    """Check the model and its Casbin files; report every problem with file and line.

    Warnings (policy lints: a '#' inside a policy line, a role that grants nothing, a typo in
    a screen id, ...) do not fail the check unless --strict is given.

    \b
    Exit codes: 0 valid (warnings allowed without --strict), 2 bad input, or warnings with
    --strict.
    Examples:
      accesssim validate scenarios/incidents/01-kansai.yaml
      accesssim validate my-design.yaml --root . --strict
    """
    from accesssim.lints import lint_project

    project = load_project(model, root)
    lints = lint_project(project)
    failed = strict and bool(lints)
    summary = {
        "model": project.loaded.display_path,
        "casbin_model": project.policy.model_display,
        "casbin_policy": project.policy.policy_display,
        "p_rules": len(project.policy.rules),
        "g_rules": len(project.policy.groupings),
        "warnings": [lint.to_dict() for lint in lints],
        "strict": strict,
        "valid": not failed,
    }
    if fmt == OutputFormat.JSON.value:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    elif not failed:
        for lint in lints:
            click.echo(f"warning: {lint}")
        click.echo(f"{summary['model']}: valid ({summary['p_rules']} p and {summary['g_rules']} "
                   f"g rules in {summary['casbin_policy']})")
    if failed:
        for lint in lints:
            click.echo(f"error: {lint}", err=True)
        click.echo(f"{len(lints)} warning(s) treated as errors (--strict)", err=True)
        sys.exit(Exit.ERROR)
    sys.exit(Exit.CLEAN)



@main.command()
@MODEL_ARG
@click.argument("finding_id", required=False)
@click.option("--who", default=None, help="Person, group or organisation id.")
@click.option("--field", "field_id", default=None, help="Field id.")
@MODE_OPT
@AT_OPT
@FORMAT_OPT
@ROOT_OPT
@_handles_errors
def explain(model: Path, finding_id: str | None, who: str | None, field_id: str | None,
            mode: str, at: dt.datetime | None, fmt: str, root: Path | None) -> None:
    """Explain one finding by its id, or why (or why not) someone can see a field.

    With FINDING_ID (as `analyze` prints it): that finding's people, fields, windows, root cause
    and witness, each with file:line. With --who and --field: every way the person sees the
    field, or why not; an organisation id explains for each of its people.

    \b
    Exit codes: 0 cannot see it, 1 can see it (or the finding exists), 2 bad input.
    Examples:
      accesssim explain scenarios/incidents/01-kansai.yaml ASIM-87b27343d6
      accesssim explain scenarios/incidents/01-kansai.yaml --who kep_sales --field phone
      accesssim explain scenarios/incidents/01-kansai.yaml --who kep_contractor --field phone
      accesssim explain scenarios/incidents/05-chubu.yaml --who miraiz_transferee \\
          --field usage_kwh --mode normal
    """
    from accesssim.engine import analyzer

    if finding_id is not None and (who or field_id):
        raise click.UsageError("give either FINDING_ID or --who and --field, not both")
    if finding_id is None and not (who and field_id):
        raise click.UsageError("give a FINDING_ID, or both --who and --field")
    project = load_project(model, root)
    engine = analyzer(project, modes=_modes(project, mode), at=_day(at))
    if finding_id is not None:
        _explain_finding(engine.run(), finding_id, model, fmt)
        sys.exit(Exit.FINDINGS)
    assert who is not None and field_id is not None
    people = [who]
    if who not in engine.people and who in engine.orgs:
        people = sorted(p for p, person in engine.people.items() if person.org == who)
        if not people:
            raise InputError.single(project.loaded.display_path, 0,
                                    f"organisation {who!r} has no people in the model")
    results = [engine.explain(person, field_id) for person in people]
    if fmt == OutputFormat.JSON.value:
        data: Any = [r.to_dict() for r in results] if who in engine.orgs else results[0].to_dict()
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(r.to_text() for r in results), nl=False)
    sys.exit(Exit.FINDINGS if any(r.visible for r in results) else Exit.CLEAN)


def _explain_finding(report: Report, finding_id: str, model: Path, fmt: str) -> None:
    """Print the finding ``finding_id`` of ``report`` in full, or refuse an unknown id."""
    from accesssim.format.json_format import finding_to_dict
    from accesssim.format.text import finding_to_text

    for index, finding in enumerate(report.findings, start=1):
        if finding.id == finding_id:
            if fmt == OutputFormat.JSON.value:
                click.echo(json.dumps(finding_to_dict(finding), ensure_ascii=False, indent=2))
            else:
                click.echo(finding_to_text(index, finding), nl=False)
            return
    raise AccessSimError(
        f"no finding {finding_id!r} in {report.model_file} for these modes and dates; "
        f"`accesssim analyze {model}` lists the finding ids (each block starts with one)")


@main.command()
@_handles_errors
def schema() -> None:
    """Print the JSON Schema of the model format.

    \b
    Example:
      accesssim schema > model.schema.json
    """
    from accesssim.model import json_schema

    click.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))


@main.command()
@click.argument("out_dir", type=PathArg(path_type=Path, file_okay=False))
@click.option("--preset", type=click.Choice(["small", "utility"]), default="small",
              show_default=True, help="Model size: small (a few dozen of each) or utility scale.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed; the same seed writes byte-identical files.")
@click.option("--scale", type=click.IntRange(1, 64), default=1, show_default=True,  # MAX_SCALE
              help="Multiply people, places, accounts and terminals by N (for benchmarks).")
@_handles_errors
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

    from accesssim.outputs import stage_folder
    from accesssim.synth.generate import foreign_files
    from accesssim.synth.generate import generate as write_model

    if foreign := foreign_files(out_dir):  # replace an earlier generated model, nothing else
        raise InputError([Problem(str(path), 0, "already exists and was not written by "
                                  "`accesssim generate`: choose another folder")
                          for path in foreign])
    with stage_folder(out_dir) as staging:
        summary = write_model(staging, preset, seed, scale)
    for line in dataclasses.replace(summary, out_dir=out_dir).lines():
        click.echo(line)


@main.command("test")
@click.argument("paths", nargs=-1, type=PathArg(path_type=Path))
@click.option("--junit", type=PathArg(path_type=Path, dir_okay=False), default=None,
              help="Also write JUnit XML here (one testcase per expectation).")
@click.option("--update", is_flag=True,
              help="Rewrite who_can_see lists with what the analysis finds (review the diff).")
@click.option("--coverage", "show_coverage", is_flag=True,
              help="Show which policy lines, roles, screens, transitions and terminals no "
                   "expectation exercised.")
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=None, callback=finite,
              help="Fail (exit 1) when coverage is below this percentage.")
@ROOT_OPT
@_handles_errors
def test_cmd(paths: tuple[Path, ...], junit: Path | None, update: bool, show_coverage: bool,
             min_coverage: float | None, root: Path | None) -> None:
    """Check every scenario's expectations (default folder: scenarios/).

    \b
    Exit codes: 0 all pass, 1 any fails (or coverage below --min-coverage), 2 bad input or no
    expectation found, 130 interrupted.
    Examples:
      accesssim test
      accesssim test scenarios/incidents --junit out/junit.xml
      accesssim test --coverage --min-coverage 80
      accesssim test scenarios/incidents/01-kansai.yaml --update
    """
    from accesssim.engine import tune_collector
    from accesssim.format.junit import results_to_junit
    from accesssim.format.suite_text import suite_to_text
    from accesssim.golden import write_updates
    from accesssim.suite import run_suite

    tune_collector()
    suite = run_suite(list(paths) or [Path("scenarios")], root, update=update)
    analysis_done()  # several files may follow: write all of them, not half
    if junit is not None:
        refuse_inputs(junit, suite.inputs)
        prepare_folder(junit.parent, junit)  # a bad --junit path stops before any update
    write_updates(suite.rewrites)
    if junit is not None:
        _write_output(results_to_junit(suite.results), junit)
    click.echo(suite_to_text(suite, coverage=show_coverage or min_coverage is not None), nl=False)
    low = min_coverage is not None and suite.coverage.percent < min_coverage
    if low:
        click.echo(f"coverage {suite.coverage.percent:.1f}% is below {min_coverage}%", err=True)
    sys.exit(Exit.FINDINGS if suite.failed or low else Exit.CLEAN)


@main.command()
@click.argument("directory", type=PathArg(path_type=Path, file_okay=False))
@click.option("--force", is_flag=True, help="Replace files that already exist.")
@_handles_errors
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
