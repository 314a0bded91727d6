"""The model text cut into the pieces changes look at, each composed on its own when needed.

``yaml.compose`` of a utility-scale model takes seconds, and a change names one terminal or
one screen. So the text is cut at its top-level keys, and a top-level block sequence
(``terminals:`` and its ``- ...`` items) into its items; a piece is composed alone, the first
time it is looked at, and kept by its text: after an edit only the edited piece is composed
again, and a ``Pieces`` shared by several change sets (``apply.Patcher``) composes each
unchanged piece once. A piece's node marks are moved to where the piece stands in the whole
text, so the edits built from them are the ones a compose of the whole text would give.

The cut is trusted only where it is checked: on the text the loader read, the top-level keys
and their lines must be the loader's and each sequence must have as many items as the model;
a piece that does not compose to what it should makes the caller compose the whole text.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import yaml

#: A top-level key line: a plain key at column 0, a colon, then space or the line's end.
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t\r]|$)")
_REST_EMPTY = re.compile(r"[ \t\r]*(?:#.*)?$")
_DASH = re.compile(r"( *)-(?:[ \t\r]|$)")
#: Top-level keys whose items the model lists (compared with the loader's counts).
SEQUENCES = ("organizations", "trust", "people", "locations", "accounts", "terminals",
             "systems", "expectations")


class Uncut(Exception):
    """A piece did not compose to what the cut says it is: compose the whole text."""


@dataclass(frozen=True)
class Section:
    """One top-level key: where its lines start and end, the 0-based line of the key, and
    the (start, end, line) of each item when its value is a block sequence (else None)."""

    key: str
    start: int
    end: int
    line: int
    items: tuple[tuple[int, int, int], ...] | None


def scan(text: str) -> dict[str, Section]:
    """The top-level keys of a model text and the items of its block sequences."""
    lines = text.splitlines(keepends=True)
    starts, at = [], 0
    for line in lines:
        starts.append(at)
        at += len(line)
    starts.append(at)
    heads = [(i, m.group(1)) for i, line in enumerate(lines)
             if line[:1] not in (" ", "\t", "#", "-", "\r", "\n", "")
             and (m := _KEY.match(line)) is not None]
    out: dict[str, Section] = {}
    for n, (i, key) in enumerate(heads):
        stop = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        out[key] = Section(key, starts[i], starts[stop], i, _items(lines, starts, i, stop))
    return out


def _items(lines: list[str], starts: list[int], head: int, stop: int
           ) -> tuple[tuple[int, int, int], ...] | None:
    """The items of a block sequence under the key at line ``head`` (None: not one)."""
    line = lines[head]
    if _REST_EMPTY.fullmatch(line[line.index(":") + 1:].rstrip("\n")) is None:
        return None
    firsts, indent = [], None
    for i in range(head + 1, stop):
        body = lines[i].rstrip("\r\n")
        if not body.strip() or body.lstrip().startswith("#"):
            continue
        dash = _DASH.match(body)
        width = len(body) - len(body.lstrip(" "))
        if indent is None:
            if dash is None:
                return None
            indent = len(dash.group(1))
        if width < indent or "\t" in body[:width + 1]:
            return None
        if width == indent:
            if dash is None or len(dash.group(1)) != indent:
                return None
            firsts.append(i)
    if not firsts:
        return None
    bounds = [*firsts, stop]
    return tuple((starts[a], starts[b], a) for a, b in itertools.pairwise(bounds))


def trusted(text: str, key_lines: dict[str, int], counts: dict[str, int]) -> bool:
    """The cut of the text the loader read agrees with the loader: the same top-level keys
    on the same lines (1-based), and as many items in each sequence as the model has."""
    cut = scan(text)
    if {k: s.line + 1 for k, s in cut.items()} != key_lines:
        return False
    return all(cut[k].items is None or len(cut[k].items or ()) == n
               for k, n in counts.items() if k in cut)


def _compose(text: str) -> yaml.Node:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise Uncut(str(exc)) from None
    if node is None:
        raise Uncut("empty piece")
    return node


def _moved(node: yaml.Node, index: int, line: int) -> None:
    """Move every mark of a node tree by ``index`` characters and ``line`` lines."""
    stack = [node]
    while stack:
        n = stack.pop()
        for name in ("start_mark", "end_mark"):
            m = getattr(n, name)
            setattr(n, name, yaml.Mark(m.name, m.index + index, m.line + line, m.column,
                                       None, None))  # type: ignore[arg-type]
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack += [k, v]
        elif isinstance(n, yaml.SequenceNode):
            stack += n.value


class Pieces:
    """Composed pieces kept by their text, each with where its marks stand now.

    Two pieces of one text may read the same (two equal trust grants): each gets a node of
    its own, so a node handed out for one never moves to the other's place meanwhile.
    """

    def __init__(self) -> None:
        self._known: dict[str, list[list[object]]] = {}
        self._text: str | None = None
        self._used: dict[tuple[str, int], yaml.Node] = {}
        self._taken: dict[str, set[int]] = {}

    def _piece(self, text: str, start: int, end: int, line: int) -> yaml.Node:
        if text is not self._text:
            self._text, self._used, self._taken = text, {}, {}
        chunk = text[start:end]
        handed = self._used.get((chunk, start))
        if handed is not None:
            return handed
        taken = self._taken.setdefault(chunk, set())
        pool = self._known.setdefault(chunk, [])
        entry = next((e for e in pool if id(e[0]) not in taken), None)
        if entry is None:
            entry = [_compose(chunk), 0, 0]
            pool.append(entry)
        node, at, at_line = entry
        assert isinstance(node, yaml.Node) and isinstance(at, int) and isinstance(at_line, int)
        if (at, at_line) != (start, line):
            _moved(node, start - at, line - at_line)
            entry[1:] = [start, line]
        self._used[(chunk, start)] = node
        taken.add(id(node))
        return node

    def item(self, text: str, start: int, end: int, line: int) -> yaml.Node:
        """An item of a top-level block sequence."""
        node = self._piece(text, start, end, line)
        if not isinstance(node, yaml.SequenceNode) or len(node.value) != 1:
            raise Uncut("an item piece is not one sequence item")
        return node.value[0]  # type: ignore[no-any-return]

    def section(self, text: str, section: Section) -> yaml.Node:
        """The one-key mapping of a top-level key and its value."""
        node = self._piece(text, section.start, section.end, section.line)
        if not isinstance(node, yaml.MappingNode) or len(node.value) != 1 \
                or node.value[0][0].value != section.key:
            raise Uncut(f"the piece of {section.key} is not that key alone")
        return node
