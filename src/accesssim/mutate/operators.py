"""Every single careless change of one model: the mutation operators of ``accesssim mutate``.

Each mutant is a text edit of the model YAML or the policy CSV (``edits.Edit``), with a stable
id (what it changes, by element ids, never by line number), a description in plain words and
the ``file:line`` it changes. This module holds the operators that change one existing
element or line; ``pairs`` holds those that pair everything with everything, and ``catalogue``
caps each operator at ``CAP`` mutants (spread evenly over its order; the cap is reported).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from accesssim.engine import Project, require_one_file
from accesssim.model.schema import (
    Account,
    Guarded,
    Location,
    Person,
    SystemModel,
    Terminal,
)
from accesssim.mutate import edits
from accesssim.mutate.edits import Edit
from accesssim.policy.rules import ANY, PolicyLine

#: The most mutants of one operator (reached by the pairing ones on large models).
CAP = 300

#: Every operator, in the order reports list them, with what it does in plain words.
KINDS: dict[str, str] = {
    "drop-deny": "drop a deny rule of the policy",
    "add-role": "add an account to a role (a new g line)",
    "inherit-role": "make a role inherit another role (a new g line)",
    "uncheck": "stop a screen transition from checking the account's rights",
    "unmask": "show a field masked by policy in clear",
    "clear": "show a masked field in clear",
    "ungate": "make a disaster-only rule or element valid in normal times",
    "move-terminal": "move a terminal to a location of a retailer",
    "share-credential": "let a person of another organization learn an account's password",
    "widen-window": "drop the end date of a validity window",
}


@dataclass(frozen=True)
class Mutant:
    """One single change: ``edits`` of the files (paths relative to the project root)."""

    id: str
    kind: str
    description: str
    file: str
    line: int
    edits: tuple[Edit, ...]

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def touches(self, file: str) -> bool:
        return any(e.file == file for e in self.edits)


@dataclass(frozen=True)
class Mutants:
    """The mutants of one model, sorted by id; ``capped``: kind -> (kept, enumerated)."""

    mutants: tuple[Mutant, ...]
    capped: dict[str, tuple[int, int]] = field(default_factory=dict)


def read_text(path: Path) -> str:
    """A file's text exactly (line endings kept), so edit positions hold."""
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def unique_ids(group: list[Mutant]) -> list[Mutant]:
    """Sorted by id; a repeated id (the same field shown twice on a screen) gets ``#2``..."""
    seen: dict[str, int] = defaultdict(int)
    out = []
    for m in sorted(group, key=lambda m: (m.id, m.line)):
        seen[m.id] += 1
        n = seen[m.id]
        out.append(m if n == 1 else Mutant(f"{m.id}#{n}", m.kind, m.description, m.file,
                                           m.line, m.edits))
    return sorted(out, key=lambda m: m.id)


class Context:
    """The texts being mutated and what the operators look up in them."""

    def __init__(self, project: Project, model_text: str, csv_text: str) -> None:
        require_one_file(project)
        self.model: SystemModel = project.loaded.model
        self.policy = project.policy
        self.model_file = project.loaded.display_path
        self.csv_file = project.policy.policy_display
        self.model_text, self.csv_text = model_text, csv_text
        self.tree = edits.compose(model_text)
        self.accounts = {a.id: a for a in self.model.accounts}
        modes = self.model.modes
        self.normal = "normal" if "normal" in modes else modes[0]

    def set_key(self, node: yaml.Node, key: str, value: str) -> Edit:
        return edits.set_key(self.model_file, self.model_text, node, key, value)

    def key_line(self, node: yaml.Node, key: str) -> int:
        value = edits.child(node, key)
        return edits.line(value) if value is not None else edits.line(node)

    def csv_line(self, rule: PolicyLine, values: list[str]) -> Edit:
        return edits.replace_line(self.csv_file, self.csv_text, rule.line,
                                  ", ".join([rule.ptype, *values]))


# -- the policy ---------------------------------------------------------------------------------
def single_mutants(ctx: Context) -> Iterator[Mutant]:
    """The operators that change one existing element or line."""
    yield from _policy_mutants(ctx)
    yield from _model_mutants(ctx)


def _policy_mutants(ctx: Context) -> Iterator[Mutant]:
    policy, tokens = ctx.policy, ctx.policy.p_tokens
    effect = policy.enforcer.model["e"]["e"].value
    for rule in policy.rules:
        text = ",".join(rule.values)
        shown = ", ".join([rule.ptype, *rule.values])
        values = list(rule.values)
        if rule.get("eft", tokens) == "deny" and "deny" in effect:
            yield Mutant(f"drop-deny:{text}", "drop-deny",
                         f"drop the deny rule `{shown}`", ctx.csv_file, rule.line,
                         (edits.replace_line(ctx.csv_file, ctx.csv_text, rule.line,
                                             "# " + shown),))
        mode = rule.get("mode", tokens)
        if mode is not None and mode not in (ANY, ctx.normal):
            new = values.copy()
            new[tokens.index("mode")] = ANY
            yield Mutant(f"ungate:rule:{text}", "ungate",
                         f"make the {mode}-only rule `{shown}` hold in every mode",
                         ctx.csv_file, rule.line, (ctx.csv_line(rule, new),))
        until = rule.get("valid_until", tokens)
        if until is not None and until != ANY:
            new = values.copy()
            new[tokens.index("valid_until")] = ANY
            yield Mutant(f"widen-window:rule:{text}", "widen-window",
                         f"drop the end date {until} of the rule `{shown}`",
                         ctx.csv_file, rule.line, (ctx.csv_line(rule, new),))


# -- the model ----------------------------------------------------------------------------------
def _guarded(ctx: Context) -> Iterator[tuple[str, Guarded, yaml.Node]]:
    """Every element that may have modes and a validity window: (ref, element, node)."""
    model, tree = ctx.model, ctx.tree
    for i, (grant, node) in enumerate(zip(model.trust, edits.items(edits.child(tree, "trust")),
                                          strict=True)):
        yield f"trust:{i + 1}", grant, node
    named: tuple[tuple[str, Sequence[Person | Location | Account | Terminal]], ...] = (
        ("people", model.people), ("locations", model.locations),
        ("accounts", model.accounts), ("terminals", model.terminals))
    for key, elements in named:
        kind = {"people": "person"}.get(key, key[:-1])
        for element, node in zip(elements, edits.items(edits.child(tree, key)), strict=True):
            yield f"{kind}:{element.id}", element, node
    for system, snode in zip(model.systems, edits.items(edits.child(tree, "systems")),
                             strict=True):
        for screen, node in zip(system.screens, edits.items(edits.child(snode, "screens")),
                                strict=True):
            yield f"screen:{system.id}/{screen.id}", screen, node
            for display, dnode in zip(screen.shows, edits.items(edits.child(node, "shows")),
                                      strict=True):
                yield f"display:{system.id}/{screen.id}/{display.field}", display, dnode
        for tr, node in zip(system.transitions,
                            edits.items(edits.child(snode, "transitions")), strict=True):
            yield f"transition:{system.id}/{tr.key}", tr, node


def _model_mutants(ctx: Context) -> Iterator[Mutant]:
    model, f = ctx.model, ctx.model_file
    for ref, element, node in _guarded(ctx):
        words = ref.replace(":", " ", 1)
        if element.modes is not None and ctx.normal not in element.modes:
            new = [*element.modes, ctx.normal]
            yield Mutant(f"ungate:{ref}", "ungate",
                         f"make the {'/'.join(element.modes) or 'never'}-only {words} valid "
                         f"in {ctx.normal} mode too", f, ctx.key_line(node, "modes"),
                         (ctx.set_key(node, "modes", edits.flow_list(list(new))),))
        valid = element.valid
        if valid is not None and valid.until is not None:
            kept = {"from": valid.start} if valid.start is not None else {}
            yield Mutant(f"widen-window:{ref}", "widen-window",
                         f"drop the end date {valid.until} of {words}", f,
                         ctx.key_line(node, "valid"),
                         (ctx.set_key(node, "valid", edits.flow_map(dict(kept))),))
    for system, snode in zip(model.systems, edits.items(edits.child(ctx.tree, "systems")),
                             strict=True):
        for tr, node in zip(system.transitions,
                            edits.items(edits.child(snode, "transitions")), strict=True):
            if tr.checked:
                yield Mutant(f"uncheck:{system.id}/{tr.key}", "uncheck",
                             f"open {system.id}/{tr.target} from {tr.source} without checking "
                             "the account's rights", f, ctx.key_line(node, "checked"),
                             (ctx.set_key(node, "checked", "false"),))
        for screen, node in zip(system.screens, edits.items(edits.child(snode, "screens")),
                                strict=True):
            for display, dnode in zip(screen.shows, edits.items(edits.child(node, "shows")),
                                      strict=True):
                if display.masking == "clear":
                    continue
                kind = "unmask" if display.masking == "policy" else "clear"
                yield Mutant(f"{kind}:{system.id}/{screen.id}/{display.field}", kind,
                             f"show {display.field} in clear on {system.id}/{screen.id} "
                             f"(was masking: {display.masking})", f,
                             ctx.key_line(dnode, "masking"),
                             (ctx.set_key(dnode, "masking", "clear"),))
