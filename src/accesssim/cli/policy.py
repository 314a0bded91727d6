"""``accesssim policy export|import``: a Casbin policy between a CSV file and a database table.

A URL is shown as written (a password in it is refused); the password comes only from the
environment variable ``--password-env`` names.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

import click

from accesssim.cli.guard import PathArg, handles_errors
from accesssim.cli.outputs import refuse_inputs, write_atomically

DB_OPT = click.option("--db", "url", required=True, metavar="URL",
                      help="Database URL without a password: sqlite:///policy.db, "
                           "postgresql://user@host/db, postgresql://user@/db?host=/socket/dir.")
TABLE_OPT = click.option("--table", default="casbin_rule", show_default=True,
                         help="The table holding the rules.")
PASSWORD_OPT = click.option("--password-env", metavar="VAR", default=None,
                            help="Environment variable holding the database password.")
CONF_OPT = click.option("--conf", type=PathArg(path_type=Path, dir_okay=False, exists=True),
                        default=None, help="The Casbin model .conf the rules are checked "
                        "against (import: default the reference model accesssim.conf).")


@click.group("policy")
def policy_group() -> None:
    """Move a Casbin policy between a CSV file and a database table.

    Rules keep their values and their order; comments and blank lines of a CSV do not
    survive (a table has no place for them). See docs/database.md.

    \b
    Examples:
      accesssim policy import policies/incidents/02-tohoku.csv --db sqlite:///policy.db
      accesssim policy export --db sqlite:///policy.db -o policy.csv
      accesssim policy export --db postgresql://auditor@db.example/casbin \\
          --password-env POLICY_DB_PASSWORD --conf policies/accesssim.conf -o policy.csv
    """


@policy_group.command("export")
@DB_OPT
@TABLE_OPT
@PASSWORD_OPT
@CONF_OPT
@click.option("-o", "--output", type=PathArg(path_type=Path, dir_okay=False), required=True,
              help="The CSV file to write (replaced atomically).")
@handles_errors
def export_cmd(url: str, table: str, password_env: str | None, conf: Path | None,
               output: Path) -> None:
    """Write a database table's rules to a policy CSV, in id order.

    Every row is checked: one Casbin would read differently from what it holds (a comma in a
    value, a NULL before a value) is refused as TABLE:ID; with --conf also its ptype, field
    count, effect and dates.

    \b
    Exit codes: 0 written, 2 bad input or a database error (nothing written).
    Examples:
      accesssim policy export --db sqlite:///policy.db -o policy.csv
      accesssim policy export --db sqlite:///policy.db --conf policies/accesssim.conf -o p.csv
    """
    from accesssim.model.database import policy_source
    from accesssim.policy.transfer import export_rows

    source = policy_source(url, table=table, password_env=password_env, base=Path.cwd())
    refuse_inputs(output, [p for p in (source.sqlite_path, conf) if p is not None])
    text = export_rows(source, (conf, str(conf)) if conf is not None else None)
    write_atomically(output, text)
    click.echo(f"wrote {text.count(chr(10))} rules from {source.shown} table {table} "
               f"to {output}")


@policy_group.command("import")
@click.argument("csv", type=PathArg(path_type=Path, dir_okay=False, exists=True))
@DB_OPT
@TABLE_OPT
@PASSWORD_OPT
@CONF_OPT
@click.option("--replace", is_flag=True, help="Replace the rows of a table that holds some.")
@handles_errors
def import_cmd(csv: Path, url: str, table: str, password_env: str | None, conf: Path | None,
               replace: bool) -> None:
    """Write a policy CSV's rules into a database table (created when missing).

    The CSV is checked first as loading a model would check it (unknown ptype, field count,
    empty field, effect, dates); any problem stops the import at FILE:LINE with the table
    untouched. The rows are written in one transaction, ids following the file's order.

    \b
    Exit codes: 0 written, 2 bad input, a table holding rows without --replace, or a
    database error (the table untouched).
    Examples:
      accesssim policy import policies/incidents/02-tohoku.csv --db sqlite:///policy.db
      accesssim policy import new.csv --db sqlite:///policy.db --table rules --replace
    """
    from accesssim.model.database import policy_source
    from accesssim.policy.transfer import import_rows

    source = policy_source(url, table=table, password_env=password_env, base=Path.cwd(),
                           must_exist=False)
    if source.sqlite_path is not None:  # sqlite takes an empty file for an empty database
        refuse_inputs(source.sqlite_path, [p for p in (csv, conf) if p is not None])
    with as_file(files("accesssim") / "data" / "accesssim.conf") as reference:
        chosen = conf or reference
        count = import_rows(csv, str(csv), (chosen, str(conf or "accesssim.conf")), source,
                            replace=replace)
    click.echo(f"wrote {count} rules from {csv} into {source.shown} table {table}")
