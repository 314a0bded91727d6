"""Failure sets applied fast: every edit made on the ORIGINAL texts, in one pass.

``changes.apply`` applies changes one after the other, each seeing the texts the earlier ones
left (what a change set needs), so a set of n changes costs n passes over the texts: a minute
for the few hundred changes of an upper bound on the utility-scale model. A failure set does
not need that: its failures edit different places, so each edit can be computed on the original
texts with ``changes``' own handlers, and all made at once. Where two failures edit one place,
they are joined into one edit: hands of one terminal (one ``assigned_to`` list), shares of one
credential (one ``known_by`` list), ungate and extend of one policy line (one line, both
columns). Any other overlap falls back to ``patch`` itself. The result is the texts ``patch``
would give, up to the layout of a joined list (tests compare the two on every catalogue).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from types import MappingProxyType

from accesssim.changes import model_kinds, policy_kinds
from accesssim.changes import text as tx
from accesssim.changes.apply import Patched, patch
from accesssim.changes.spec import Change
from accesssim.changes.state import State, values
from accesssim.engine import Project
from accesssim.faults.catalogue import change
from accesssim.mutate import edits
from accesssim.mutate.edits import Edit
from accesssim.policy.rules import ANY

_HANDLERS = {**model_kinds.HANDLERS, **policy_kinds.HANDLERS}
#: Kinds that add one person to a list of an element: (kind, element list, id key, list key).
_LISTS = {"hand_terminal": ("terminals", "terminal", "assigned_to"),
          "share_credential": ("accounts", "account", "known_by")}


class Patcher:
    """One project's texts and YAML tree, read once; ``patched`` applies a failure set."""

    def __init__(self, project: Project):
        self.project = project
        self.state = State(project)
        # its pieces of the YAML are composed once, when a failure first looks at them
        self.policy_files = (project.policy.policy_display, project.policy.model_display)

    def patched(self, changes: Sequence[Change]) -> Patched:
        st = self.state
        made: list[Edit] = []
        lists: dict[tuple[str, str], list[str]] = {}
        rules: dict[str, dict[str, str]] = {}
        for c in changes:
            if c.kind in _LISTS:
                key, what, _ = _LISTS[c.kind]
                lists.setdefault((c.kind, str(c.get(what))), []).append(str(c.get("person")))
            elif c.kind in ("ungate", "extend") and c.get("rule") is not None \
                    and c.get("until") is None:
                column = "mode" if c.kind == "ungate" else "valid_until"
                rules.setdefault(str(c.get("rule")), {})[column] = ANY
            else:
                made += _HANDLERS[c.kind](st, c)
        for (kind, name), people in sorted(lists.items()):
            key, what, field = _LISTS[kind]
            if len(people) == 1:
                made += _HANDLERS[kind](st, change(kind, {what: name, "person": people[0]}))
                continue
            node = st.element(key, name, what)
            known = values(node, field)
            new: list[object] = [*known, *(p for p in people if p not in known)]
            made.append(tx.put_key(st.model_file, st.text, node, field, edits.flow_list(new)))
        for text, columns in sorted(rules.items()):
            tokens = st.rule(text)
            changed = tokens.copy()
            for column, new_value in columns.items():
                changed[1 + st.p_tokens.index(column)] = new_value
            made += [edits.replace_line(st.csv_file, st.csv, n, ", ".join(changed))
                     for n in st.equal_rows(tokens)]
        if _overlap(made):
            return patch(self.project, changes)
        texts = dict(st.texts)
        for file in sorted({e.file for e in made}):
            texts[file] = edits.apply(texts[file], [e for e in made if e.file == file])
        return Patched(MappingProxyType(texts), tuple(changes),
                       any(texts[f] != st.texts[f] for f in self.policy_files))


def _overlap(made: list[Edit]) -> bool:
    """Two edits of one file touch (or both insert at) the same place."""
    ordered = sorted(made, key=lambda e: (e.file, e.start, e.end))
    return any(a.file == b.file and (b.start < a.end or b.start == a.start)
               for a, b in itertools.pairwise(ordered))
