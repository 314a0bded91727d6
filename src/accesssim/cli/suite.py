"""``accesssim test``: every scenario's expectations, JUnit, coverage and golden updates."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from accesssim.cli.guard import Exit, PathArg, analysis_done, finite, handles_errors
from accesssim.cli.options import LANG_OPT, ROOT_OPT, lang_translator, write_output
from accesssim.cli.outputs import is_read_only, prepare_folder, refuse_inputs, write_atomically
from accesssim.errors import AccessSimError
from accesssim.i18n import msg


@click.command("test")
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
@LANG_OPT
@handles_errors
def test_cmd(paths: tuple[Path, ...], junit: Path | None, update: bool, show_coverage: bool,
             min_coverage: float | None, root: Path | None, lang: str | None) -> None:
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
    from accesssim.reports.junit import results_to_junit
    from accesssim.reports.suite_text import suite_to_text
    from accesssim.suite.suite import run_suite

    tr = lang_translator(lang)
    tune_collector()
    suite = run_suite(list(paths) or [Path("scenarios")], root, update=update)
    analysis_done()  # several files may follow: write all of them, not half
    if junit is not None:
        refuse_inputs(junit, suite.inputs)
        prepare_folder(junit.parent, junit)  # a bad --junit path stops before any update
    write_updates(suite.rewrites)
    if junit is not None:
        write_output(results_to_junit(suite.results), junit)
    click.echo(suite_to_text(suite, coverage=show_coverage or min_coverage is not None, tr=tr),
               nl=False)
    low = min_coverage is not None and suite.coverage.percent < min_coverage
    if low:
        percent = f"{suite.coverage.percent:.1f}"
        click.echo(tr(msg("coverage {percent}% is below {minimum}%", percent=percent,
                          minimum=str(min_coverage))), err=True)
    sys.exit(Exit.FINDINGS if suite.failed or low else Exit.CLEAN)


def write_updates(rewrites: dict[Path, str]) -> None:
    """Replace each scenario file; a read-only one stops everything before any is written."""
    for path in sorted(rewrites):
        if is_read_only(path):
            raise AccessSimError(f"{path}: the file is read-only; not updated (make it writable "
                                 "to accept the new lists, or edit them by hand)")
    for path in sorted(rewrites):
        write_atomically(path, rewrites[path])
