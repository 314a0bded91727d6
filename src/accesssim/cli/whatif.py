"""``accesssim whatif``: what a change set would do to a model's exposures, before anyone
edits a file (docs/whatif.md).

Everything is computed first; then the patched files (``--write``) and the output are
written, each all or nothing. An error writes only its JSON ERROR document and exits 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from accesssim.cli.gate import OUTPUT_OPT, QUIET_OPT, _error_documents
from accesssim.cli.guard import Exit, PathArg, analysis_done, handles_errors
from accesssim.cli.options import FORMAT_OPT, MODEL_ARG, ROOT_OPT, load_project, write_output
from accesssim.cli.outputs import refuse_inputs
from accesssim.cli.progress import phases as phases_bar
from accesssim.errors import AccessSimError


@click.command("whatif")
@MODEL_ARG
@click.option("--change", "change", required=True,
              type=PathArg(path_type=Path, dir_okay=False, exists=True),
              help="The change-set file (accesssim-changes: 1; docs/whatif.md).")
@FORMAT_OPT
@OUTPUT_OPT
@click.option("--write", "folder", type=PathArg(path_type=Path, file_okay=False), default=None,
              help="Also write the patched model, policy and Casbin model here, in the "
                   "project's layout (they analyse to exactly the result shown).")
@ROOT_OPT
@QUIET_OPT
@handles_errors
def whatif_cmd(model: Path, change: Path, fmt: str, output: Path | None, folder: Path | None,
               root: Path | None, quiet: bool) -> None:
    """Apply a change set to a copy of MODEL and show what it opens and closes, exactly as
    `accesssim diff MODEL PATCHED_MODEL` would (the applied changes listed first).

    \b
    Exit codes: 0 nothing opened or widened, 1 some exposure new or widened, 2 bad input
    (a change naming what does not exist, or changing nothing, is cited at its file:line)
    or incomplete analysis, 130 interrupted.
    Examples:
      cd scenarios && accesssim whatif incidents/01-kansai.yaml --change changes/kansai-split.yaml
      accesssim whatif scenarios/reference.yaml --change changes.yaml --format json -o whatif.json
      accesssim whatif scenarios/incidents/01-kansai.yaml --change c.yaml --write out/patched
    """
    from accesssim.changes.apply import refuse_target, write
    from accesssim.changes.load import load_change_file
    from accesssim.changes.whatif import whatif
    from accesssim.model.database import refuse_database
    from accesssim.mutate.apply import files
    from accesssim.reports.whatif import whatif_to_json, whatif_to_text

    inputs: list[Path] = [model, change]
    with _error_documents(fmt, output, None, inputs), phases_bar(not quiet, "loading") as phases:
        phases.phase("loading the model, Casbin files and change set")
        project = load_project(model, root, phases.update)
        refuse_database(project.loaded.policy_database, "whatif",
                        project.loaded.at(project.loaded.model.casbin, "database"))
        inputs += project.inputs
        changeset, notes = load_change_file(change, str(change))
        if output is not None:
            refuse_inputs(output, inputs)
        if folder is not None:
            refuse_target(project, folder, inputs)
            if output is not None:
                _refuse_clash(output, folder, [folder / shown for shown in files(project)])
        result = whatif(project, changeset, phases, notes)
        text = whatif_to_json(result) if fmt == "json" else whatif_to_text(result)
        if folder is not None:
            write(project, result.patched, folder)
    analysis_done()
    write_output(text, output)
    sys.exit(Exit.FINDINGS if result.widens else Exit.CLEAN)


def _refuse_clash(output: Path, folder: Path, written: list[Path]) -> None:
    """``-o`` on a file ``--write`` writes (or on a folder it writes into) would replace the
    patched files with the report, or fail once they are written: refused first."""
    top = folder.resolve()
    taken = {top} | {p for w in written for p in (w.resolve(), *w.resolve().parents)
                     if p == top or top in p.parents}
    if output.resolve() in taken:
        raise AccessSimError(f"cannot write {output}: --write {folder} writes there; choose "
                             "another file")
