"""The text edits ``mutate.edits`` lacks: remove a sequence item, a mapping key or a CSV line,
and add an entry to a list, each touching only the lines (or the flow collection) concerned.
"""

from __future__ import annotations

import yaml

from accesssim.mutate.edits import Edit, child, set_key
from accesssim.mutate.edits import apply as apply_edits


def end(node: yaml.Node) -> int:
    """Where a node's own text ends (a block collection's end mark lies past the line breaks
    and comments that follow it: take its last item's end)."""
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style \
            and node.value:
        last = node.value[-1]
        return end(last[1] if isinstance(node, yaml.MappingNode) else last)
    return int(node.end_mark.index)


def _line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def line_after(text: str, at: int) -> int:
    """Just past the line break that ends the line holding ``at`` (or the text's end). A
    node ending at a line's start (a block scalar keeps its line break, and the blank lines
    after it) ends after its last line that is not blank."""
    if 0 < at <= len(text) and text[at - 1] == "\n":
        while True:
            start = text.rfind("\n", 0, at - 1) + 1
            if start == 0 or text[start:at].strip():
                return at
            at = start
    found = text.find("\n", at)
    return len(text) if found < 0 else found + 1


def put_key(file: str, text: str, mapping: yaml.Node, key: str, value: str) -> Edit:
    """``edits.set_key``, but a key new to a block mapping goes on a line of its own after
    the mapping's last key (where a person would add it), not before its first."""
    assert isinstance(mapping, yaml.MappingNode)
    if mapping.flow_style or child(mapping, key) is not None or not mapping.value:
        return set_key(file, text, mapping, key, value)
    indent = " " * int(mapping.value[0][0].start_mark.column)
    at = line_after(text, end(mapping.value[-1][1]))
    joint = "" if at == 0 or text[at - 1] == "\n" else "\n"
    return Edit(file, at, at, f"{joint}{indent}{key}: {value}\n")


def remove_item(file: str, text: str, mapping: yaml.Node, key: str, index: int) -> Edit:
    """Remove item ``index`` of the sequence under ``key`` of ``mapping``."""
    seq = child(mapping, key)
    assert isinstance(seq, yaml.SequenceNode)
    kept = [n for i, n in enumerate(seq.value) if i != index]
    if seq.flow_style:
        body = ", ".join(text[n.start_mark.index:n.end_mark.index] for n in kept)
        return Edit(file, seq.start_mark.index, seq.end_mark.index, f"[{body}]")
    if not kept:
        return put_key(file, text, mapping, key, "[]")
    return remove_block_item(file, text, seq.value[index])


def remove_block_item(file: str, text: str, item: yaml.Node) -> Edit:
    """Remove the lines of an item of a block sequence that has other items."""
    return Edit(file, _line_start(text, item.start_mark.index), line_after(text, end(item)), "")


def add_entry(file: str, text: str, mapping: yaml.Node, key: str, value: str) -> Edit:
    """Append the flow scalar ``value`` to the list under ``key`` (created when absent)."""
    return add_entries(file, text, mapping, key, [value])


def add_entries(file: str, text: str, mapping: yaml.Node, key: str, new: list[str]) -> Edit:
    """Append the flow scalars ``new`` to the list under ``key`` (created when absent)."""
    seq = child(mapping, key)
    joined = ", ".join(new)
    if seq is None or not isinstance(seq, yaml.SequenceNode) or (seq.flow_style is False
                                                                  and not seq.value):
        return put_key(file, text, mapping, key, f"[{joined}]")
    if seq.flow_style:
        if not seq.value:
            return Edit(file, seq.start_mark.index, seq.end_mark.index, f"[{joined}]")
        at = seq.value[-1].end_mark.index
        return Edit(file, at, at, f", {joined}")
    last = seq.value[-1]
    start = _line_start(text, last.start_mark.index)
    dash = text.rfind("-", start, last.start_mark.index)
    indent = text[start:dash]
    at = line_after(text, end(last))
    joint = "" if at == 0 or text[at - 1] == "\n" else "\n"
    return Edit(file, at, at, joint + "".join(f"{indent}- {v}\n" for v in new))


def remove_key(file: str, text: str, mapping: yaml.Node, key: str) -> Edit:
    """Remove ``key`` (and its value) from ``mapping``."""
    assert isinstance(mapping, yaml.MappingNode)
    pairs = mapping.value
    index = next(i for i, (k, _) in enumerate(pairs) if k.value == key)
    if mapping.flow_style:
        body = ", ".join(text[k.start_mark.index:end(v)]
                         for i, (k, v) in enumerate(pairs) if i != index)
        return Edit(file, mapping.start_mark.index, mapping.end_mark.index, "{" + body + "}")
    k, v = pairs[index]
    if len(pairs) == 1:
        raise ValueError("cannot remove the only key of a block mapping")
    if index == 0:
        # The first key shares its line with a sequence dash ("- key: v"): the next key
        # moves up into its place.
        nxt = pairs[1][0]
        return Edit(file, k.start_mark.index, nxt.start_mark.index, "")
    return Edit(file, _line_start(text, k.start_mark.index), line_after(text, end(v)), "")


def node_text(text: str, node: yaml.Node, made: list[Edit], column: int) -> str:
    """A node's own text with the edits that fall inside it made, its continuation lines
    moved from its column to ``column`` (to be written at another indentation)."""
    start, stop = int(node.start_mark.index), end(node)
    inside = [Edit(e.file, e.start - start, e.end - start, e.text) for e in made
              if start <= e.start and e.end <= stop]
    body = apply_edits(text[start:stop], inside)
    body = body[:-1] if body.endswith("\n") else body  # a block scalar's own line break
    delta = column - int(node.start_mark.column)
    lines = body.split("\n")
    for i in range(1, len(lines)):
        if delta > 0 and lines[i].strip():
            lines[i] = " " * delta + lines[i]
        elif delta < 0:
            cut = len(lines[i]) - len(lines[i].lstrip(" "))
            lines[i] = lines[i][min(cut, -delta):]
    return "\n".join(lines)


def line_spans(text: str) -> list[tuple[int, int, int]]:
    """(start, end of the text, end past the line break) of each line, line 1 first."""
    spans, at = [], 0
    for chunk in text.splitlines(keepends=True):
        body = chunk.rstrip("\r\n")
        spans.append((at, at + len(body), at + len(chunk)))
        at += len(chunk)
    return spans


def remove_line(file: str, text: str, number: int) -> Edit:
    start, _, end = line_spans(text)[number - 1]
    return Edit(file, start, end, "")
