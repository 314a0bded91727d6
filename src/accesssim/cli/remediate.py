"""``accesssim remediate``: the least change set that removes every finding, verified."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from accesssim.cli.guard import Exit, PathArg, analysis_done, handles_errors
from accesssim.cli.options import FORMAT_OPT, MODEL_ARG, ROOT_OPT, load_project, write_output
from accesssim.cli.outputs import refuse_inputs, write_all

_FILE = PathArg(path_type=Path, dir_okay=False)


@click.command("remediate")
@MODEL_ARG
@click.option("--keep", "keep_path", type=_FILE, default=None, metavar="KEEP.yaml",
              help="What must stay true: expectations, written as in a scenario.")
@click.option("--costs", "costs_path", type=_FILE, default=None, metavar="COSTS.yaml",
              help="Prices per kind of change (defaults: docs/remediate.md).")
@click.option("-o", "--output", type=_FILE, default=None, metavar="CHANGES.yaml",
              help="Write the proposal as a change set (what `whatif --change` reads).")
@FORMAT_OPT
@ROOT_OPT
@click.option("--quiet", is_flag=True, help="No progress lines on standard error.")
@handles_errors
def remediate_cmd(model: Path, keep_path: Path | None, costs_path: Path | None,
                  output: Path | None, fmt: str, root: Path | None, quiet: bool) -> None:
    """Propose a minimum-cost change set that removes every finding and keeps the KEEP items.

    The proposal is applied to a copy, analysed again and its keep items checked before it is
    shown; when none exists, a minimal set of keep items that conflict is named.

    \b
    Exit codes: 0 a verified proposal (or nothing to fix), 1 no change set satisfies the
    constraints, 2 bad input; 130 interrupted.
    Examples:
      accesssim remediate scenarios/incidents/07-hokuriku.yaml
      accesssim remediate scenarios/incidents/01-kansai.yaml --keep keep.yaml -o fix.yaml
    """
    from accesssim.changes.load import dump_changes
    from accesssim.changes.spec import ChangeSet
    from accesssim.model.database import refuse_database
    from accesssim.remediate import remediate
    from accesssim.remediate.files import load_costs, load_keep
    from accesssim.reports.remediate import to_json, to_text

    project = load_project(model, root)
    refuse_database(project.loaded.policy_database, "remediate",
                    project.loaded.at(project.loaded.model.casbin, "database"))
    inputs = [*project.inputs, *(p for p in (keep_path, costs_path) if p is not None)]
    if output is not None:
        refuse_inputs(output, inputs)
    keep = load_keep(keep_path, str(keep_path), project.loaded.model) if keep_path else ()
    costs = load_costs(costs_path, str(costs_path)) if costs_path else None

    def say(line: str) -> None:
        if not quiet:
            click.echo(line, err=True)

    result = remediate(project, keep, costs, shown=str(keep_path or "keep"), say=say)
    written = str(output) if output is not None and result.ok else None
    shown_keep = str(keep_path) if keep_path else None
    text = (to_json if fmt == "json" else to_text)(result, shown_keep, written)
    analysis_done()
    if written is not None and output is not None:
        note = f"accesssim remediate {project.loaded.display_path}: cost {result.cost:g}"
        write_all([(output, dump_changes(ChangeSet(result.changes, note=note)))])
    write_output(text, None)
    sys.exit(Exit.CLEAN if result.ok else Exit.FINDINGS)


remediate_cmd.name = "remediate"
