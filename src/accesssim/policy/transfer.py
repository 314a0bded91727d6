"""``accesssim policy export|import``: move a policy between a CSV file and a database table.

Both directions run the same row checks as loading a model (``rules.check_rows``), so what
lands in the other place loads exactly as it did. Rules keep their values and order; comments
and blank lines of a CSV have no row to live in and do not survive.
"""

from __future__ import annotations

from pathlib import Path

from casbin.model import Model

from accesssim.errors import InputError, Problem
from accesssim.model.database import PolicySource
from accesssim.model.files import CONF_BOM, read_input_text
from accesssim.policy.database import COLUMNS, VALUE_LENGTH, read_table, row_tokens, write_table
from accesssim.policy.rules import check_rows, read_policy_file, split_line


class _EveryMode(list[str]):
    """The modes these commands accept: every one (no model says which exist)."""

    def __contains__(self, item: object) -> bool:
        return True


def conf_definitions(conf: Path, shown: str) -> tuple[dict[str, int], tuple[str, ...]]:
    """The ptypes a Casbin model defines (with their field counts) and its p tokens."""
    text = read_input_text(conf, shown, bom=CONF_BOM)
    model = Model()
    try:
        model.load_model_from_text(text)
    except Exception as exc:  # casbin raises bare exceptions for malformed .conf
        raise InputError.single(shown, 0, f"broken Casbin model: {exc}") from None
    if "p" not in model.keys():
        raise InputError.single(shown, 0, "missing [policy_definition] section")
    definitions = {key: (len(a.tokens) if sec == "p" else a.value.count("_"))
                   for sec in ("p", "g") if sec in model.keys() for key, a in model[sec].items()}
    p_tokens = tuple(t.removeprefix("p_") for t in model["p"]["p"].tokens)
    return definitions, p_tokens


def export_rows(source: PolicySource, conf: tuple[Path, str] | None) -> str:
    """The table as CSV text, one line per row in id order; every row checked (with ``conf``:
    also against that Casbin model's ptypes, field counts, effects and dates)."""
    read = read_table(source)
    problems = [Problem(source.table, number, why) for number, why in read.refused]
    if conf is not None:
        definitions, p_tokens = conf_definitions(*conf)
        check_rows(read.rows, source.table, definitions, p_tokens, _EveryMode(), problems)
    lines = {number: ", ".join(tokens) for number, tokens in read.rows}
    problems.extend(Problem(source.table, number, "a value holds a line break: a CSV line "
                            "cannot hold it (Casbin would read two lines)")
                    for number, tokens in read.rows
                    if lines[number].splitlines() != [lines[number]]
                    or split_line(lines[number]) != tokens)
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.line))
    return "".join(lines[number] + "\n" for number, _ in read.rows)


def import_rows(csv: Path, shown: str, conf: tuple[Path, str], source: PolicySource, *,
                replace: bool) -> int:
    """Check the CSV as a model load would, then write its rules into the table in one
    transaction (nothing written when anything is wrong). The number of rows written."""
    definitions, p_tokens = conf_definitions(*conf)
    read = read_policy_file(csv, shown, definitions, p_tokens, _EveryMode())
    if read.rows is None:
        raise InputError.single(shown, 0, "a carriage return without a line feed: Casbin would "
                                "cut this file into other lines than a table's rows")
    problems = []
    numbered = []
    for number, line in enumerate(read_input_text(csv, shown).splitlines(), start=1):
        tokens = split_line(line.strip())
        if not isinstance(tokens, list):
            continue
        numbered.append(tokens)
        if len(tokens) - 1 > len(COLUMNS):
            problems.append(Problem(shown, number, f"{len(tokens) - 1} values: the table holds "
                                    f"at most {len(COLUMNS)} (v0..v7)"))
        elif max(map(len, tokens)) > VALUE_LENGTH:  # PostgreSQL refuses it, MySQL cuts it
            problems.append(Problem(shown, number, f"a value of {max(map(len, tokens))} "
                                    f"characters: the table's columns hold {VALUE_LENGTH}"))
        elif row_tokens(tokens[0], tuple(tokens[1:])) != tokens:
            problems.append(Problem(shown, number, "this line would not read back the same "
                                    "from a table row"))
    if problems:
        raise InputError(problems)
    return write_table(source, numbered, replace=replace)
