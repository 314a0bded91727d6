"""A structural pass over a Casbin model ``.conf`` before Casbin reads it, line by line.

pycasbin's config reader (``casbin/config/config.py``) stops with a bare "line N, ... = ?" on
a line that is neither a ``[section]`` header nor ``key = value``, and it accepts silently
what it then ignores or overwrites: a section or key written twice keeps only the last value,
a key outside the five sections (or in the wrong one, or ``p3`` without ``p2``) is never read,
an empty value counts as missing. This pass reads the file as that reader does (``#``/``;``
comments, ``\\`` continuation lines) and refuses each such construct with its line, so the
lines the tool cites are the ones Casbin really uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from casbin.constant import constants

from accesssim.errors import InputError, Problem

#: Section header -> the key letter Casbin reads in it.
SECTIONS = {
    "request_definition": "r",
    "policy_definition": "p",
    "role_definition": "g",
    "policy_effect": "e",
    "matchers": "m",
}

#: The effects pycasbin implements (``casbin.effect.get_effector`` compares the text exactly).
SUPPORTED_EFFECTS = tuple(
    effect.replace("p_eft", "p.eft")
    for effect in (
        constants.ALLOW_OVERRIDE_EFFECT,
        constants.DENY_OVERRIDE_EFFECT,
        constants.ALLOW_AND_DENY_EFFECT,
        constants.PRIORITY_EFFECT,
        constants.SUBJECT_PRIORITY_EFFECT,
    )
)

_KEY = re.compile(r"([a-z])([2-9]|[1-9][0-9]+)?")


@dataclass(frozen=True)
class ConfLayout:
    """Where each key Casbin reads is defined: ``lines["m"]`` is the first line of ``m = ...``."""

    lines: dict[str, int]

    def line(self, key: str) -> int:
        return self.lines.get(key, 0)


def _entries(text: str) -> list[tuple[int, str | None, str]]:
    """(first line, section or None for a header line, text) of each logical entry."""
    entries: list[tuple[int, str | None, str]] = []
    section: str | None = ""
    start, buf = 0, ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;" or (line[0] == "[" and line[-1] == "]"):
            if buf:
                entries.append((start, section, buf))
                start, buf = 0, ""
            if line[:1] == "[" and line[-1:] == "]":
                section = line[1:-1]
                entries.append((number, None, section))
            continue
        start = start or number
        if line.endswith("\\"):
            buf += line[:-1].strip() + " "
            continue
        entries.append((start, section, buf + line))
        start, buf = 0, ""
    if buf:
        entries.append((start, section, buf))
    return entries


def check_conf(text: str, shown: str) -> ConfLayout:
    """Refuse what Casbin's reader would reject, ignore or overwrite; return the key lines."""
    problems: list[Problem] = []
    lines: dict[str, int] = {}
    for number, section, content in _entries(text):
        if section is None:
            if content not in SECTIONS:
                problems.append(Problem(shown, number, (
                    f"unknown section [{content}]: Casbin reads only "
                    f"{', '.join(f'[{s}]' for s in SECTIONS)} and ignores the rest")))
            continue
        key, equals, value = content.partition("=")
        key, value = key.strip(), value.strip()
        if not equals:
            problems.append(Problem(shown, number, (
                f"broken Casbin model: {content.strip()!r} is neither a [section] header "
                "nor 'key = value'")))
            continue
        if section not in SECTIONS:
            if section:  # already refused at its header
                continue
            problems.append(Problem(shown, number, (
                f"{key!r} is outside any section: Casbin never reads it")))
            continue
        letter = SECTIONS[section]
        match = _KEY.fullmatch(key)
        if match is None or match.group(1) != letter:
            problems.append(Problem(shown, number, (
                f"key {key!r} in [{section}] is never read: Casbin reads only "
                f"{letter}, {letter}2, {letter}3 ... in this section")))
            continue
        if key in lines:
            problems.append(Problem(shown, number, (
                f"{key} defined twice, first at line {lines[key]}: Casbin keeps only the last")))
            continue
        if not value:
            problems.append(Problem(shown, number, (
                f"{key} has an empty value: Casbin reads it as missing")))
        lines[key] = number
    for key, number in lines.items():
        match = _KEY.fullmatch(key)
        assert match is not None  # only well-formed keys are recorded
        letter, suffix = match.group(1), int(match.group(2) or 1)
        before = letter if suffix == 2 else f"{letter}{suffix - 1}"
        if suffix > 1 and before not in lines:
            problems.append(Problem(shown, number, (
                f"{key} without {before}: Casbin reads {letter}, {letter}2, ... in order and "
                f"stops at the first missing one, so it never reads {key}")))
    if problems:
        raise InputError(problems)
    return ConfLayout(lines)


def check_effect(value: str, shown: str, line: int) -> None:
    """Casbin builds its effector from the effect text compared exactly to the ones it knows."""
    written = value.replace("p_eft", "p.eft")
    if written not in SUPPORTED_EFFECTS:
        raise InputError.single(shown, line, (
            f"unsupported policy effect {written!r}: Casbin implements only these, written "
            f"exactly so: {'; '.join(SUPPORTED_EFFECTS)}"))
