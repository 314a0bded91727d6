"""The project's texts while a change set is applied, and what the changes look up in them.

The model is looked up in its YAML node tree (composed again after each change that edited
it), not in the typed model: a later change must see the result of the earlier ones, and the
nodes carry the positions the text edits need.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import NoReturn

import yaml

from accesssim.changes.spec import Change
from accesssim.engine import Project
from accesssim.errors import InputError
from accesssim.mutate import edits
from accesssim.mutate.apply import files
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

    def __init__(self, project: Project) -> None:
        policy = project.policy
        self.model_file = project.loaded.display_path
        self.csv_file = policy.policy_display
        self.conf_file = policy.model_display
        self.texts = {shown: read_text(path) for shown, path in files(project).items()}
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
        if self._tree is None or self._tree_of is not self.text:
            self._tree, self._tree_of = edits.compose(self.text), self.text
        return self._tree

    def seq(self, key: str, node: yaml.Node | None = None) -> list[yaml.Node]:
        return edits.items(edits.child(self.tree if node is None else node, key))

    def modes(self) -> list[str]:
        found = edits.child(self.tree, "modes")
        return [n.value for n in found.value] if found is not None else ["normal", "disaster"]

    def element(self, key: str, wanted: str, what: str) -> tuple[int, yaml.Node]:
        """(index, node) of the element with id ``wanted`` in the list under ``key``."""
        nodes = self.seq(key)
        for index, node in enumerate(nodes):
            if value(node, "id") == wanted:
                return index, node
        fail(f"no {what} {wanted!r} ({short((value(n, 'id') or '' for n in nodes), wanted)})")

    def ids(self, key: str) -> list[str]:
        return [value(n, "id") or "" for n in self.seq(key)]

    def screens(self, wanted: str) -> list[tuple[yaml.Node, yaml.Node]]:
        """(system node, screen node) of a screen id, or of ``SYSTEM/SCREEN``."""
        system, _, screen = wanted.rpartition("/")
        found, known = [], []
        for snode in self.seq("systems"):
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
        """(line, Casbin's tokens) of every row of the policy CSV."""
        rows = []
        for number, line in enumerate(self.csv.splitlines(), start=1):
            tokens = split_line(line.strip())
            if isinstance(tokens, list):
                rows.append((number, tokens))
        return rows

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


DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
