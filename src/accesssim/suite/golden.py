"""Rewrite golden ``who_can_see.people`` lists in scenario files, touching nothing else.

The edit is textual: YAML's own parser says where each list starts and ends, and only those
characters are replaced, in the list's own style (``[a, b]`` or ``- a`` lines at its
indentation). Comments, quotes, indentation and the file's mode stay as they were, so a one-line
change gives a one-line diff.
"""

from __future__ import annotations

import json
import re

import yaml

from accesssim.errors import AccessSimError, InputError

_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]*$")


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                value: yaml.Node = v
                return value
    return None


def _people_lists(text: str) -> dict[str, yaml.SequenceNode]:
    """Expectation id -> the node of its ``who_can_see.people`` list."""
    found: dict[str, yaml.SequenceNode] = {}
    expectations = _child(yaml.compose(text, Loader=yaml.SafeLoader), "expectations")
    for exp in expectations.value if isinstance(expectations, yaml.SequenceNode) else []:
        ident, people = _child(exp, "id"), _child(_child(exp, "who_can_see"), "people")
        if isinstance(ident, yaml.ScalarNode) and isinstance(people, yaml.SequenceNode):
            found[ident.value] = people
    return found


def _item(person: str) -> str:
    return person if _PLAIN.match(person) else json.dumps(person, ensure_ascii=False)


def _list_text(node: yaml.SequenceNode, people: list[str], newline: str) -> str:
    if node.flow_style or not people:
        return "[" + ", ".join(_item(p) for p in people) + "]"
    indent = newline + " " * node.start_mark.column
    return indent.join(f"- {_item(p)}" for p in people)


def rewritten(shown: str, text: str, people_by_expectation: dict[str, list[str]]) -> str:
    """``text`` with the named expectations' people lists set (sorted); nothing else changes."""
    body = text
    lists = _people_lists(body)
    missing = sorted(set(people_by_expectation) - set(lists))
    if missing:
        raise InputError.single(shown, 0, f"cannot find who_can_see lists of {missing}")
    newline = next((n for n in ("\r\n", "\r", "\n") if n in body), "\n")
    edits = []
    for exp_id, people in people_by_expectation.items():
        node = lists[exp_id]
        end = node.end_mark.index if node.flow_style or not node.value else (
            node.value[-1].end_mark.index)
        edits.append((node.start_mark.index, end, _list_text(node, sorted(people), newline)))
    for start, end, new in sorted(edits, reverse=True):
        body = body[:start] + new + body[end:]
    after = _people_lists(body)
    for exp_id, people in people_by_expectation.items():  # the edit must mean what it should
        if [item.value for item in after[exp_id].value] != sorted(people):
            raise AccessSimError(f"{shown}: cannot rewrite the who_can_see list of {exp_id!r} "
                                 "in place; edit it by hand")
    return body
