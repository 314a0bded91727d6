"""The policy CSV, read with Casbin's own tokenizer: every rule keeps its line, and what Casbin
would drop quietly or only fail on later is refused with that line."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from casbin.persist.adapter import Adapter, _extract_tokens

from accesssim.errors import InputError, Problem
from accesssim.model.files import CSV_BOM, read_input_text

OPEN = "open"
UNMASK = "unmask"
ANY = "*"


@dataclass(frozen=True)
class PolicyLine:
    """One rule of the policy, with where it came from: its CSV line, or its table row id."""

    ptype: str
    values: tuple[str, ...]
    line: int

    def get(self, token: str, tokens: tuple[str, ...]) -> str | None:
        try:
            return self.values[tokens.index(token)]
        except ValueError:
            return None


@dataclass(frozen=True)
class PolicyFile:
    """The rules and role links of a policy CSV, and every row as Casbin's reader tokenizes it.

    ``rows`` is None when Casbin's file reader would cut the file into other lines than ours
    (a carriage return not followed by a line feed): then Casbin must read the file itself.
    """

    rules: list[PolicyLine]
    groupings: list[PolicyLine]
    rows: list[list[str]] | None


class RowsAdapter(Adapter):  # type: ignore[misc]
    """Hands Casbin the rows already read, in file order, instead of reading the file again.

    ``load_policy`` is Casbin's ``load_policy_line`` (persist/adapter.py) after its tokenizer:
    the same checks, the same ``append`` of a fresh list, so the model gets the same policy.
    """

    def __init__(self, rows: list[list[str]]) -> None:
        self._rows = rows

    def load_policy(self, model: Any) -> None:
        # Casbin's checks, asked once per ptype: the model's sections do not change meanwhile.
        targets: dict[str, Any] = {}
        for tokens in self._rows:
            key = tokens[0]
            if key not in targets:
                sec = key[0]
                targets[key] = (model.model[sec][key].policy if sec in model.model.keys()
                                and key in model.model[sec].keys() else None)
            policy = targets[key]
            if policy is not None:
                policy.append(tokens[1:])


def read_policy_csv(
    path: Path,
    shown: str,
    definitions: dict[str, int],
    p_tokens: tuple[str, ...],
    modes: list[str],
) -> tuple[list[PolicyLine], list[PolicyLine]]:
    """Every rule with its line; every problem Casbin would hide, reported with its line."""
    read = read_policy_file(path, shown, definitions, p_tokens, modes)
    return read.rules, read.groupings


def read_policy_file(
    path: Path,
    shown: str,
    definitions: dict[str, int],
    p_tokens: tuple[str, ...],
    modes: list[str],
) -> PolicyFile:
    """``read_policy_csv``, keeping every row Casbin would load, for ``RowsAdapter``."""
    text = read_input_text(path, shown, keep_bom=True)
    problems: list[Problem] = []
    if text.startswith("\ufeff"):
        problems.append(Problem(shown, 1, CSV_BOM))
        text = text[1:]
    rows: list[list[str]] = []
    # Casbin's FileAdapter splits on b"\n" only and strips each line; splitlines() also splits
    # on a lone "\r" (the other separators it knows are refused by read_input_text).
    same_lines = text.count("\r") == text.count("\r\n")
    # Without a bracket anywhere, every line is split the fast way (see ``split_line``).
    split = _split_plain if _BRACKETS.search(text) is None else split_line

    def numbered() -> Iterator[tuple[int, list[str]]]:
        for number, line in enumerate(text.splitlines(), start=1):
            tokens = split(line.strip())
            if isinstance(tokens, str):
                problems.append(Problem(shown, number, tokens))
                continue
            if tokens is None:
                continue
            rows.append(tokens)
            yield number, tokens

    rules, groupings = check_rows(numbered(), shown, definitions, p_tokens, modes, problems)
    if problems:
        raise InputError(problems)
    return PolicyFile(rules, groupings, rows if same_lines else None)


def check_rows(
    numbered: Iterable[tuple[int, list[str]]],
    shown: str,
    definitions: dict[str, int],
    p_tokens: tuple[str, ...],
    modes: list[str],
    problems: list[Problem],
) -> tuple[list[PolicyLine], list[PolicyLine]]:
    """The rules and role links of Casbin rows (number, tokens); what is wrong goes to
    ``problems`` at ``shown:number``. One checker for every source: a CSV line or a table row
    id (policy/database.py), so both are held to the same rules."""
    rules: list[PolicyLine] = []
    groupings: list[PolicyLine] = []
    # The columns a p rule is checked on; rules repeat the same few values, so each distinct
    # combination is judged once (``verdicts``).
    names = [t for t in _CHECKED if t in p_tokens]
    checked = itemgetter(*(p_tokens.index(t) for t in names)) if names else None
    verdicts: dict[Any, tuple[str, ...]] = {}
    for number, tokens in numbered:
        ptype, values = tokens[0], tuple(tokens[1:])
        if ptype not in definitions:
            known = ", ".join(sorted(definitions))
            problems.append(
                Problem(
                    shown,
                    number,
                    f"unknown ptype {ptype!r} (the model defines: "
                    f"{known}); Casbin would drop this line",
                )
            )
            continue
        if len(values) != definitions[ptype]:
            problems.append(
                Problem(
                    shown,
                    number,
                    f"{ptype} needs {definitions[ptype]} fields, this line has {len(values)}",
                )
            )
            continue
        if "" in values:
            problems.append(Problem(shown, number, "empty field"))
            continue
        entry = PolicyLine(ptype, values, number)
        if ptype == "p":
            key: Any = checked(values) if checked is not None else ()
            found = verdicts.get(key)
            if found is None:
                found = verdicts[key] = _rule_messages(
                    dict(zip(names, (key,) if len(names) == 1 else key, strict=True)), modes)
            problems.extend(Problem(shown, number, message) for message in found)
            rules.append(entry)
        elif ptype.startswith("g"):
            groupings.append(entry)
        # p2, p3 ... rows: Casbin loads them, but enforce with the matcher m never reads them.
    return rules, groupings


_BRACKETS = re.compile(r"[()\[\]]")


def _split_plain(line: str) -> list[str] | str | None:
    """``split_line`` of a line known to hold no bracket."""
    if line == "" or line[:1] == "#":
        return None
    return [token.strip() for token in line.split(",")]


def split_line(line: str) -> list[str] | str | None:
    """Casbin's tokens of a stripped line (None: no tokens), or why its reader cannot split it.

    A line without brackets splits on every comma (Casbin's tokenizer only nests on brackets,
    and ``_unbalanced`` has nothing to find): ``str.split`` gives the same tokens, faster.
    """
    if _BRACKETS.search(line) is None:
        if line == "" or line[:1] == "#":
            return None
        return [token.strip() for token in line.split(",")]
    unbalanced = _unbalanced(line)
    if unbalanced:
        return unbalanced
    tokens: list[str] | None = _extract_tokens(line)
    return tokens


def _unbalanced(line: str) -> str | None:
    """Casbin's tokenizer nests on ``()`` and ``[]`` and crashes on a close it did not open.

    An opening bracket never closed only matters when a comma follows it: Casbin would then
    read the rest of the line as one field.
    """
    if line.startswith("#"):
        return None
    opened: list[int] = []
    for index, char in enumerate(line):
        if char in "([":
            opened.append(index)
        elif char in ")]":
            if not opened:
                return (f"unbalanced {char!r}: Casbin's reader cannot split this line (a "
                        "closing bracket with no opening one)")
            opened.pop()
    if opened and "," in line[opened[0]:]:
        return (f"unbalanced {line[opened[0]]!r}: Casbin's reader would take the rest of the "
                "line, commas included, as one field")
    return None


_CHECKED = ("eft", "mode", "valid_from", "valid_until")


def _rule_messages(found: dict[str, str], modes: list[str]) -> tuple[str, ...]:
    """What is wrong with a p rule's checked columns (``found``: column name -> value)."""
    problems = []
    eft = found.get("eft")
    if eft is not None and eft not in ("allow", "deny"):
        problems.append(f"eft must be allow or deny, not {eft!r}")
    mode = found.get("mode")
    if mode is not None and mode != ANY and mode not in modes:
        problems.append(f"unknown mode {mode!r} (model modes: {', '.join(modes)}, or *)")
    for token in ("valid_from", "valid_until"):
        value = found.get(token)
        if value is not None and value != ANY:
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    raise ValueError(value)
                dt.date.fromisoformat(value)
            except ValueError:
                problems.append(f"{token} {value!r} is not a date (YYYY-MM-DD) or *")
    return tuple(problems)
