"""``accesssim validate`` and ``accesssim schema``: is the model well-formed; what is its format."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from accesssim.cli.guard import Exit, analysis_done, handles_errors
from accesssim.cli.options import FORMAT_OPT, MODEL_ARG, ROOT_OPT, load_project
from accesssim.reports import OutputFormat


@click.command()
@MODEL_ARG
@ROOT_OPT
@FORMAT_OPT
@click.option("--strict", is_flag=True,
              help="Treat every warning (policy lint) as an error: exit 2.")
@handles_errors
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
    from accesssim.policy.lints import lint_project

    project = load_project(model, root)
    lints = lint_project(project)
    analysis_done()  # the answer below is the exit code: never one from an interrupted run
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


@click.command()
@click.option("--waivers", is_flag=True,
              help="Print the schema of the waiver file (accesssim-waivers.yaml) instead.")
@click.option("--changes", is_flag=True,
              help="Print the schema of the change-set file (accesssim whatif --change) instead.")
@handles_errors
def schema(waivers: bool, changes: bool) -> None:
    """Print the JSON Schema of the model format (or of the waiver or change-set file).

    \b
    Examples:
      accesssim schema > model.schema.json
      accesssim schema --waivers > waivers.schema.json
      accesssim schema --changes > changes.schema.json
    """
    if waivers and changes:
        raise click.UsageError("give --waivers or --changes, not both")
    if changes:
        from accesssim.changes.load import json_schema
    elif waivers:
        from accesssim.gate.waivers import json_schema
    else:
        from accesssim.model.schema import json_schema

    click.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))
