"""Text edits of the model YAML and the policy CSV: a mutant is its edited files, loaded again.

Edits are made on the text, at the places ``yaml.compose`` marks (a mapping, a key, a value),
so everything the edit does not touch stays byte for byte, comments and layout included, and
the mutant is exactly what a person making that change by hand would commit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

#: A word that reads back as the same string in every YAML reader (no quoting needed).
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_NOT_PLAIN = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``text[start:end]`` of one file (its path relative to the project root)."""

    file: str
    start: int
    end: int
    text: str


def apply(text: str, edits: list[Edit]) -> str:
    """The text with non-overlapping edits made (any order given)."""
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[:e.start] + e.text + text[e.end:]
    return text


def scalar(value: object) -> str:
    """A YAML flow scalar that reads back as ``value`` (a word, a date, a boolean)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if isinstance(value, str) and not (_PLAIN.fullmatch(text) and text.lower()
                                       not in _NOT_PLAIN):
        return json.dumps(value, ensure_ascii=False)
    return text


def flow_list(values: list[object]) -> str:
    return "[" + ", ".join(scalar(v) for v in values) + "]"


def flow_map(items: dict[str, object]) -> str:
    return "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in items.items()) + "}"


def compose(text: str) -> yaml.Node:
    """The node tree of a model text (already accepted by the loader), with positions
    (libyaml's marks count characters, as the Python parser's do: tests compare them)."""
    node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert isinstance(node, yaml.MappingNode)
    return node


def child(node: yaml.Node, key: str) -> yaml.Node | None:
    """The value of ``key`` in a mapping node, if present."""
    assert isinstance(node, yaml.MappingNode)
    for k, v in node.value:
        if k.value == key:
            return v  # type: ignore[no-any-return]
    return None


def items(node: yaml.Node | None) -> list[yaml.Node]:
    """The items of a sequence node (none when the key is absent)."""
    if node is None:
        return []
    assert isinstance(node, yaml.SequenceNode)
    return list(node.value)


def _end(node: yaml.Node) -> int:
    """Where a node's own text ends: a block collection's end mark lies past the line
    breaks and comments that follow it, so take its last item's end."""
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style \
            and node.value:
        last = node.value[-1]
        return _end(last[1] if isinstance(node, yaml.MappingNode) else last)
    return int(node.end_mark.index)


def line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def set_key(file: str, text: str, mapping: yaml.Node, key: str, value: str) -> Edit:
    """Give ``key`` of ``mapping`` the flow value ``value``, replacing or adding it."""
    assert isinstance(mapping, yaml.MappingNode)
    for k, v in mapping.value:
        if k.value == key:
            # From the key's end: a block value may sit on the next lines, even at the
            # key's own indentation (a block sequence), where a flow value may not.
            return Edit(file, k.end_mark.index, _end(v), f": {value}")
    if mapping.flow_style:
        close = int(mapping.end_mark.index) - 1
        before = text[mapping.start_mark.index + 1:close].rstrip()
        joint = "" if not mapping.value or before.endswith(",") else ", "
        return Edit(file, close, close, f"{joint}{key}: {value}")
    first = mapping.value[0][0]
    indent = " " * int(first.start_mark.column)
    at = int(first.start_mark.index)
    return Edit(file, at, at, f"{key}: {value}\n{indent}")


def csv_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line's text, line 1 first, line breaks excluded."""
    spans, at = [], 0
    for chunk in text.splitlines(keepends=True):
        body = chunk.rstrip("\r\n")
        spans.append((at, at + len(body)))
        at += len(chunk)
    return spans


def replace_line(file: str, text: str, number: int, new: str) -> Edit:
    start, end = csv_lines(text)[number - 1]
    return Edit(file, start, end, new)


def append_line(file: str, text: str, new: str) -> Edit:
    joint = "" if not text or text.endswith(("\n", "\r")) else "\n"
    return Edit(file, len(text), len(text), f"{joint}{new}\n")
