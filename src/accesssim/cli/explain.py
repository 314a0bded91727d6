"""``accesssim explain``: one finding, or why (or why not) someone can see a field."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from accesssim.cli.guard import Exit, analysis_done, handles_errors
from accesssim.cli.options import (
    AT_OPT,
    FORMAT_OPT,
    LANG_OPT,
    MODE_OPT,
    MODEL_ARG,
    ROOT_OPT,
    as_date,
    checked_modes,
    lang_translator,
    load_project,
)
from accesssim.errors import AccessSimError, InputError
from accesssim.reports import OutputFormat

if TYPE_CHECKING:
    from accesssim.findings.results import Report
    from accesssim.i18n import Translator


@click.command()
@MODEL_ARG
@click.argument("finding_id", required=False)
@click.option("--who", default=None, help="Person, group or organisation id.")
@click.option("--field", "field_id", default=None, help="Field id.")
@MODE_OPT
@AT_OPT
@FORMAT_OPT
@ROOT_OPT
@LANG_OPT
@handles_errors
def explain(model: Path, finding_id: str | None, who: str | None, field_id: str | None,
            mode: str, at: dt.datetime | None, fmt: str, root: Path | None,
            lang: str | None) -> None:
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
    from accesssim.reports.explain import explanation_to_dict, explanation_to_text

    if finding_id is not None and (who or field_id):
        raise click.UsageError("give either FINDING_ID or --who and --field, not both")
    if finding_id is None and not (who and field_id):
        raise click.UsageError("give a FINDING_ID, or both --who and --field")
    tr = lang_translator(lang)
    project = load_project(model, root)
    engine = analyzer(project, modes=checked_modes(project, mode), at=as_date(at))
    if finding_id is not None:
        report = engine.run()
        analysis_done()  # the exit code is the answer: never give it for a cut-off run
        _explain_finding(report, finding_id, model, fmt, tr)
        sys.exit(Exit.FINDINGS)
    assert who is not None and field_id is not None
    people = [who]
    if who not in engine.people and who in engine.orgs:
        people = sorted(p for p, person in engine.people.items() if person.org == who)
        if not people:
            raise InputError.single(project.loaded.display_path, 0,
                                    f"organisation {who!r} has no people in the model")
    results = [engine.explain(person, field_id) for person in people]
    analysis_done()  # the exit code is the answer: never give it for a cut-off run
    if fmt == OutputFormat.JSON.value:
        data: Any = ([explanation_to_dict(r) for r in results] if who in engine.orgs
                     else explanation_to_dict(results[0]))
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(explanation_to_text(r, tr) for r in results), nl=False)
    sys.exit(Exit.FINDINGS if any(r.visible for r in results) else Exit.CLEAN)


def _explain_finding(report: Report, finding_id: str, model: Path, fmt: str,
                     tr: Translator) -> None:
    """Print the finding ``finding_id`` of ``report`` in full, or refuse an unknown id."""
    from accesssim.reports.json_format import finding_to_dict
    from accesssim.reports.text import finding_to_text

    for index, finding in enumerate(report.findings, start=1):
        if finding.id == finding_id:
            if fmt == OutputFormat.JSON.value:
                click.echo(json.dumps(finding_to_dict(finding), ensure_ascii=False, indent=2))
            else:
                click.echo(finding_to_text(index, finding, tr), nl=False)
            return
    raise AccessSimError(
        f"no finding {finding_id!r} in {report.model_file} for these modes and dates; "
        f"`accesssim analyze {model}` lists the finding ids (each block starts with one)")
