"""``accesssim import``: build a model from a staff roster, account list, asset register and
door-access list (CSV, XLSX, Parquet) as a mapping file describes them (docs/import.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from accesssim.cli.guard import Exit, PathArg, analysis_done, handles_errors
from accesssim.cli.options import FORMAT_OPT, LANG_OPT
from accesssim.cli.progress import phases


@click.command("import")
@click.argument("mapping", type=PathArg(path_type=Path, dir_okay=False))
@click.option("-o", "--output", "out_dir", type=PathArg(path_type=Path, file_okay=False),
              required=True, help="Folder to write model.yaml into (created if missing).")
@click.option("--lenient", is_flag=True,
              help="Write the model without the bad rows (and what rests on them), listing "
                   "each one, instead of refusing.")
@click.option("--root", type=PathArg(path_type=Path, file_okay=False, exists=True),
              default=None, help="Project root; the mapping's files may not leave it "
                                 "(default: the git work tree holding the mapping).")
@FORMAT_OPT
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@LANG_OPT
@handles_errors
def import_cmd(mapping: Path, out_dir: Path, lenient: bool, root: Path | None, fmt: str,
               quiet: bool, lang: str | None) -> None:
    """Build MODEL_DIR/model.yaml from inventory tables described by a MAPPING file.

    Every bad row (missing key, unknown organisation, duplicate id, bad date, unreadable
    cell, unknown reference) is reported at once as file:sheet:row and nothing is written;
    with --lenient the model is written without them and each left-out row is listed.

    \b
    Exit codes: 0 written, 2 bad mapping or bad rows (nothing written).
    Examples:
      accesssim import docs/examples/import/mapping.yaml -o imported
      accesssim import docs/examples/import/mapping.yaml -o imported --lenient --format json
    """
    from accesssim.inventory.run import run_import

    del lang  # the error lines' language (handles_errors); the rest is ids and file names
    with phases(not quiet, "reading the inventory tables") as bar:
        result = run_import(mapping, out_dir, lenient, bar.update, root)
    analysis_done()
    if fmt == "json":
        click.echo(json.dumps({
            "written": str(result.written),
            "counts": result.counts,
            "skipped": [{"where": f"{p.file}:{p.line}", "problem": p.message}
                        for p in result.skipped],
        }, ensure_ascii=False, indent=2))
    else:
        for p in result.skipped:
            click.echo(f"skipped: {p}", err=True)
        counts = ", ".join(f"{n} {s}" for s, n in result.counts.items())
        click.echo(f"wrote {result.written} ({counts}"
                   + (f"; {len(result.skipped)} row(s) left out" if result.skipped else "")
                   + ")")
    sys.exit(Exit.CLEAN)
