"""Every use of ``r.date`` must be one the engine cuts time at exactly, or it is refused.

The engine analyses one day per epoch, so it must know every day on which a decision can flip.
It knows them for three comparisons only, in either operand order and with any redundant
parentheses: ``p.valid_from <= r.date`` (a rule holds from that day), ``r.date <= p.valid_until``
(up to that day), and ``r.date`` against a full date literal (``"2021-01-01"``, any operator:
time is cut on that day and the next). Anything else that touches ``r.date`` (another column, a
partial date, a slice, a function call) is refused with its file and line, and so is
``timeMatch``, which reads the wall clock: its verdict changes from one day to the next.
Conditions that the matcher runs with ``eval(p.x)`` are matcher text too: the policy line that
holds them is cited.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from accesssim.errors import InputError, Problem

_STRING = re.compile(r"\"[^\"]*\"|'[^']*'")
_DATE_USE = re.compile(r"(?<![\w.])r\.date(?!\w)")
_OPERATOR = re.compile(r"<=|>=|==|!=|<|>")
_ATOM = re.compile(r"\"[^\"]*\"|'[^']*'|[A-Za-z_][\w.]*")
_FLIP = {"<=": ">=", ">=": "<=", "<": ">", ">": "<", "==": "==", "!=": "!="}
#: A rule as (values, line) for the conditions it carries.
Rule = tuple[tuple[str, ...], int]


def check_date_uses(matcher: str, rules: Iterable[Rule], p_tokens: tuple[str, ...],
                    model_shown: str, matcher_line: int, policy_shown: str) -> None:
    """Refuse the matcher (and eval'd conditions) where a date use is not recognised."""
    problems = [Problem(model_shown, matcher_line, f"the matcher {why}")
                for why in date_problems(matcher)]
    evaluated = {p_tokens.index(name) for name in
                 re.findall(r"eval\(\s*p[._](\w+)\s*\)", matcher) if name in p_tokens}
    for values, line in rules:
        for index in sorted(evaluated):
            if index < len(values):
                problems += [Problem(policy_shown, line, f"the eval() condition {why}")
                             for why in date_problems(values[index])]
    if problems:
        raise InputError(problems)


def date_problems(expression: str) -> list[str]:
    """Why each use of ``r.date`` (or ``timeMatch``) in ``expression`` is not recognised."""
    text = _normalise(expression)
    problems = []
    if re.search(r"(?<![\w.])timeMatch\(", _blank_strings(text)):
        problems.append("calls timeMatch, which reads the wall clock: the verdict would change "
                        "from one day to the next; compare r.date with dates instead")
    blanked = _blank_strings(text)
    for use in _DATE_USE.finditer(blanked):
        why = _why_not(text, use.start(), use.end())
        if why:
            problems.append(why)
    return sorted(set(problems))


def _normalise(expression: str) -> str:
    """Casbin's ``r_date`` as ``r.date``; outside string literals, no spaces but one between
    two words (``r.date in (...)`` must not become ``r.datein(...)``)."""
    parts, last = [], 0
    for literal in _STRING.finditer(expression):
        parts += [_squeeze(expression[last:literal.start()]), literal.group()]
        last = literal.end()
    parts.append(_squeeze(expression[last:]))
    return re.sub(r"(?<![\w.])([rp])_(\w+)", r"\1.\2", "".join(parts))


def _squeeze(code: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\s+(?=\W)|(?<=\W)\s+", "", code)).strip()


def _blank_strings(text: str) -> str:
    """The text with string contents replaced, positions kept (so no match lands inside)."""
    return _STRING.sub(lambda m: m.group()[0] + "_" * (len(m.group()) - 2) + m.group()[0], text)


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow ``text[start:end]`` over parentheses that only wrap it (not a function call)."""
    while (start > 0 and end < len(text) and text[start - 1] == "(" and text[end] == ")"
           and not (start > 1 and (text[start - 2].isalnum() or text[start - 2] in "_."))):
        start, end = start - 1, end + 1
    return start, end


def _operand_after(text: str, at: int) -> tuple[str, int] | None:
    """The atom after ``at``, wrapped in any number of redundant parentheses; and its end."""
    opened = 0
    while at < len(text) and text[at] == "(":
        opened, at = opened + 1, at + 1
    atom = _ATOM.match(text, at)
    if atom is None:
        return None
    end = atom.end()
    if text[end:end + opened] != ")" * opened:
        return None
    return atom.group(), end + opened


def _operand_before(text: str, at: int) -> tuple[str, int] | None:
    """The atom ending at ``at``, wrapped in redundant parentheses; and its start."""
    closed = 0
    while at > 0 and text[at - 1] == ")":
        closed, at = closed + 1, at - 1
    atom = next((m for m in _ATOM.finditer(text) if m.end() == at), None)
    if atom is None:
        return None
    start = atom.start()
    if start < closed or text[start - closed:start] != "(" * closed:
        return None
    return atom.group(), start - closed


def _bounded(text: str, start: int, end: int) -> bool:
    """The comparison stands alone: no operator binds tighter around it."""
    before = start == 0 or text[start - 1] in "(&|"
    if start > 0 and text[start - 1] == "(":
        before = not (start > 1 and (text[start - 2].isalnum() or text[start - 2] in "_."))
    after = end == len(text) or text[end] in ")&|"
    return before and after


def _why_not(text: str, start: int, end: int) -> str | None:
    """None if the use of r.date at ``text[start:end]`` is a recognised comparison."""
    start, end = _widen(text, start, end)
    comparison: tuple[str, str, int, int] | None = None
    operator = _OPERATOR.match(text, end)
    if operator:
        other = _operand_after(text, operator.end())
        if other:
            comparison = (operator.group(), other[0], start, other[1])
    if comparison is None:
        left = [m for m in _OPERATOR.finditer(text[:start]) if m.end() == start]
        if left:
            before = _operand_before(text, left[-1].start())
            if before:
                comparison = (_FLIP[left[-1].group()], before[0], before[1], end)
    if comparison is None or not _bounded(text, comparison[2], comparison[3]):
        return ("uses r.date in a way the engine cannot cut time at: compare it only with "
                "p.valid_from (p.valid_from <= r.date), p.valid_until (r.date <= p.valid_until) "
                "or a full date literal (\"2021-01-01\")")
    operator_text, other_text = comparison[0], comparison[1]
    if other_text[0] in "\"'":
        literal = other_text[1:-1]
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", literal):
            try:
                dt.date.fromisoformat(literal)
                return None
            except ValueError:
                pass
        return f"compares r.date with {literal!r}: write full dates (YYYY-MM-DD)"
    wanted = {"p.valid_from": ">=", "p.valid_until": "<="}
    if other_text in wanted:
        if operator_text == wanted[other_text]:
            return None
        written = f"r.date {operator_text} {other_text}"
        fix = ("p.valid_from <= r.date" if other_text == "p.valid_from"
               else "r.date <= p.valid_until")
        return (f"compares {written}: the engine reads {other_text[2:]} as an inclusive bound "
                f"and cuts time there; write {fix}")
    if other_text.startswith("p."):
        return (f"compares r.date with {other_text}: name date columns valid_from / "
                "valid_until so the engine cuts time at them")
    return (f"compares r.date with {other_text}: the engine can cut time only at p.valid_from, "
            "p.valid_until and full date literals")
