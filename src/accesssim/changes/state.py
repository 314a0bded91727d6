"""The project's texts while a change set is applied, and what the changes look up in them.

The model is looked up in its YAML nodes (composed in pieces where a change looks,
changes/index.py, and again after a change edited them), not in the typed model: a later
change must see the result of the earlier ones, and the nodes carry the positions the text
edits need. The policy is looked up in its rows as Casbin's reader splits them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import NoReturn

import yaml

from accesssim.changes import text as tx
from accesssim.changes.index import SEQUENCES, Pieces, Section, Uncut, scan, trusted
from accesssim.changes.spec import Change
from accesssim.engine import Project
from accesssim.errors import InputError
from accesssim.mutate import edits
from accesssim.mutate.apply import files
from accesssim.mutate.edits import Edit
from accesssim.mutate.operators import read_text
from accesssim.policy.rules import split_line

#: Where a change that a program made (no file, no line) is reported.
GENERATED = "(generated change)"


class Refused(Exception):
    """A change cannot be applied; ``str`` says why (the caller adds the change's line)."""


def fail(message: str) -> NoReturn:
    raise Refused(message)


def refuse(change: Change, message: str) -> InputError:
    where = change.source
    file, line = (where.file, where.line) if where is not None else (GENERATED, 0)
    return InputError.single(file, line, f"{change.kind}: {message}")


def short(names: Iterable[str], wanted: str = "", limit: int = 8) -> str:
    """A short list of what exists: the closest names first, and how many in all."""
    known = sorted(set(names))
    if not known:
        return "there are none"
    close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.6) if wanted else []
    shown = close + [n for n in known if n not in close]
    more = f", … ({len(known)} in all)" if len(known) > limit else ""
    return "there are: " + ", ".join(shown[:limit]) + more


class State:
    """The texts being edited (by path relative to the project root)."""

    def __init__(self, project: Project, pieces: Pieces | None = None,
                 texts: dict[str, str] | None = None, cut: bool | None = None) -> None:
        """``pieces``, ``texts``, ``cut``: what an earlier State of the same project found
        (the composed pieces, the files' texts, whether the cut of the model is trusted)."""
        policy = project.policy
        self.model_file = project.loaded.display_path
        self.csv_file = policy.policy_display
        self.conf_file = policy.model_display
        self.texts = dict(texts) if texts is not None else {
            shown: read_text(path) for shown, path in files(project).items()}
        self.pieces = pieces if pieces is not None else Pieces()
        if cut is None:
            model = project.loaded.model
            cut = trusted(self.text, dict(model.key_lines),
                          {k: len(getattr(model, k)) for k in SEQUENCES})
        self.cut_trusted = cut
        self._full = not cut
        self._cut: dict[str, Section] = {}
        self._cut_of = ""
        self._rows: list[tuple[int, list[str]]] = []
        self._rows_of: str | None = None
        self.p_tokens = policy.p_tokens
        self.role_domains = dict(policy.role_domains)
        self.dom_equal = bool(policy.shape.dom_equal)
        model = policy.enforcer.model
        self.definitions: dict[str, int] = {}
        for sec in ("p", "g"):
            if sec in model.keys():
                for key, assertion in model[sec].items():
                    self.definitions[key] = (len(assertion.tokens) if sec == "p"
                                             else assertion.value.count("_"))
        self._tree: yaml.Node | None = None
        self._tree_of = ""

    # -- the model -------------------------------------------------------------------------
    @property
    def text(self) -> str:
        return self.texts[self.model_file]

    @property
    def tree(self) -> yaml.Node:
        """The whole model text composed (only when its cut cannot be used)."""
        if self._tree is None or self._tree_of is not self.text:
            self._tree, self._tree_of = edits.compose(self.text), self.text
        return self._tree

    def _sections(self) -> dict[str, Section]:
        if self._cut_of is not self.text:
            self._cut, self._cut_of = scan(self.text), self.text
        return self._cut

    def top(self, key: str) -> yaml.Node:
        """A mapping node holding the top-level ``key`` (the whole model's, or its piece)."""
        section = self._sections().get(key) if not self._full else None
        if section is not None:
            try:
                return self.pieces.section(self.text, section)
            except Uncut:
                self._full = True
        return self.tree

    def seq(self, key: str, node: yaml.Node | None = None, having: str | None = None
            ) -> list[yaml.Node]:
        """The items of the list under ``key`` of ``node`` (default: of the model). Of the
        model's, ``having``: only items whose text holds it, composed alone (maybe more)."""
        if node is not None:
            return edits.items(edits.child(node, key))
        section = self._sections().get(key) if not self._full else None
        if section is not None and section.items is not None:
            text = self.text
            try:
                return [self.pieces.item(text, a, b, line) for a, b, line in section.items
                        if having is None or text.find(having, a, b) >= 0]
            except Uncut:
                self._full = True
        return edits.items(edits.child(self.top(key), key))

    def modes(self) -> list[str]:
        found = edits.child(self.top("modes"), "modes")
        return [n.value for n in found.value] if found is not None else ["normal", "disaster"]

    def element(self, key: str, wanted: str, what: str) -> yaml.Node:
        """The element with id ``wanted`` in the model's list under ``key``."""
        for having in (wanted, None):  # the id as written, else (quoted, escaped) every item
            for node in self.seq(key, having=having):
                if value(node, "id") == wanted:
                    return node
        fail(f"no {what} {wanted!r} ({short(self.ids(key), wanted)})")

    def remove(self, key: str, node: yaml.Node) -> Edit:
        """Remove an item of the model's list under ``key``."""
        section = self._sections().get(key) if not self._full else None
        if section is not None and section.items is not None and len(section.items) > 1:
            return tx.remove_block_item(self.model_file, self.text, node)
        mapping = self.top(key)
        index = next(i for i, n in enumerate(self.seq(key, mapping))
                     if n.start_mark.index == node.start_mark.index)
        return tx.remove_item(self.model_file, self.text, mapping, key, index)

    def ids(self, key: str) -> list[str]:
        return [value(n, "id") or "" for n in self.seq(key)]

    def screens(self, wanted: str) -> list[tuple[yaml.Node, yaml.Node]]:
        """(system node, screen node) of a screen id, or of ``SYSTEM/SCREEN``."""
        system, _, screen = wanted.rpartition("/")
        found: list[tuple[yaml.Node, yaml.Node]] = []
        known: list[str] = []
        for having in (screen, None):  # systems whose text names it; else (escaped) all
            if found:
                break
            known.clear()
            for snode in self.seq("systems", having=having):
                sid = value(snode, "id") or ""
                for node in self.seq("screens", snode):
                    sc = value(node, "id") or ""
                    known.append(sc)
                    if sc == screen and system in ("", sid):
                        found.append((snode, node))
        if not found:
            fail(f"no screen {wanted!r} ({short(known, screen)})")
        if len(found) > 1 and not system:
            names = ", ".join(f"{value(s, 'id')}/{screen}" for s, _ in found)
            fail(f"screen {wanted!r} is in several systems: write one of {names}")
        return found

    # -- the policy ------------------------------------------------------------------------
    @property
    def csv(self) -> str:
        return self.texts[self.csv_file]

    def csv_rows(self) -> list[tuple[int, list[str]]]:
        """(line, Casbin's tokens) of every row of the policy CSV (kept until it changes)."""
        if self._rows_of is not self.csv:
            rows = []
            for number, line in enumerate(self.csv.splitlines(), start=1):
                tokens = split_line(line.strip())
                if isinstance(tokens, list):
                    rows.append((number, tokens))
            self._rows, self._rows_of = rows, self.csv
        return [(n, list(r)) for n, r in self._rows]

    def rule(self, text: str) -> list[str]:
        """A rule written as a CSV line, as Casbin's reader splits it, checked."""
        tokens = split_line(text.strip())
        if not isinstance(tokens, list) or not tokens:
            fail(f"{text!r} is not a policy line: write it as in the CSV, e.g. "
                 '"p, role, system, screen, open, allow, *, *, *"')
        ptype = tokens[0]
        if ptype not in self.definitions:
            fail(f"unknown ptype {ptype!r} in {text!r} (the Casbin model defines: "
                 f"{', '.join(sorted(self.definitions))})")
        if len(tokens) - 1 != self.definitions[ptype]:
            fail(f"{ptype} needs {self.definitions[ptype]} values, {text!r} has "
                 f"{len(tokens) - 1}")
        if "" in tokens:
            fail(f"{text!r} has an empty value")
        return tokens

    def equal_rows(self, tokens: list[str]) -> list[int]:
        return [n for n, row in self.csv_rows() if row == tokens]

    def similar(self, tokens: list[str]) -> str:
        """A short list of the CSV lines most like a missing one."""
        rows = [(n, row) for n, row in self.csv_rows() if row[0] == tokens[0]]
        same = [(n, r) for n, r in rows if r[1:3] == tokens[1:3]] or \
            [(n, r) for n, r in rows if r[1:2] == tokens[1:2]]
        if not same:
            return f"no {tokens[0]} line starts with {tokens[1]!r}"
        shown = "; ".join(f"line {n}: {', '.join(r)}" for n, r in same[:4])
        more = f"; … ({len(same)} in all)" if len(same) > 4 else ""
        return f"similar lines: {shown}{more}"


def value(node: yaml.Node, key: str) -> str | None:
    """A scalar value of a mapping node, as written (None when absent or not a scalar)."""
    found = edits.child(node, key)
    return found.value if isinstance(found, yaml.ScalarNode) else None


def values(node: yaml.Node, key: str) -> list[str]:
    """The scalar items of a list value (none when absent)."""
    found = edits.child(node, key)
    if not isinstance(found, yaml.SequenceNode):
        return []
    return [n.value for n in found.value if isinstance(n, yaml.ScalarNode)]

