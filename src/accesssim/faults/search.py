"""The exact search for minimal failure sets, level by level, pruned by sound upper bounds.

A set of failures *opens* field F when, applied to the design, some outsider sees F (gate
exposures). The search finds, for every non-public field, every minimal opening set of at most
``k`` failures. Level j (sets of j failures) is a tree of nodes; a node stands for every set
made of its chosen failures ``R`` plus ``count`` failures out of each of its blocks. It is
analysed once with all of them applied (an *upper bound*: the catalogue is monotone, so no set
it stands for opens a field that analysis leaves closed); a node that opens none of its fields
is dropped with every set under it, else its largest block is halved. A node with no block
left is one set, analysed exactly. Why each pruning is sound: docs/faults.md.

The search asks ``evaluate`` for the opened fields of lists of change lists (one wave of nodes
at a time, so the analyses can run in worker processes); answers are memoised per change set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from accesssim.changes.spec import Change
from accesssim.faults.catalogue import Failure, rule_text
from accesssim.policy.rules import ANY

#: The opened fields of each change list, in order.
Evaluate = Callable[[list[tuple[Change, ...]]], list[frozenset[str]]]
#: A failure set: indexes into the catalogue, sorted.
FSet = tuple[int, ...]


@dataclass(frozen=True)
class Found:
    """What the search found: the fields opened by the design itself, those no catalogued
    set opens, the minimal sets per field (as index tuples), and how many analyses it ran."""

    base: frozenset[str]
    openable: frozenset[str]
    minimal: dict[str, tuple[FSet, ...]]
    analyses: int


@dataclass(frozen=True)
class _Node:
    chosen: FSet
    blocks: tuple[tuple[FSet, int], ...]
    fields: frozenset[str]


class Search:
    """One search over one catalogue (see the module docstring)."""

    def __init__(self, failures: Sequence[Failure], fields: dict[str, str],
                 p_tokens: tuple[str, ...], evaluate: Evaluate,
                 upper: dict[int, tuple[Change, ...]] | None = None):
        self.failures = list(failures)
        self.fields = fields  # field id -> its system, every non-public field
        self.tokens = p_tokens
        self._evaluate = evaluate
        #: Per failure, the changes that bound it from above (a move: hands to everyone
        #: at the place); the failure's own change when absent.
        self.upper = upper or {}
        self.memo: dict[tuple[object, ...], frozenset[str]] = {}
        self.minimal: dict[str, list[FSet]] = {f: [] for f in fields}
        self._usable_memo: dict[str, int] = {}  # as bit masks of failure indexes
        self._minimal_masks: dict[str, list[int]] = {f: [] for f in fields}
        self._moves = _mask(i for i, f in enumerate(self.failures) if f.kind == "move_terminal")
        self._level_now = 0

    # -- change lists -------------------------------------------------------------------------
    def changes(self, chosen: FSet, *, exact: bool) -> tuple[Change, ...]:
        """The change list of a set: exactly its failures, or (``exact`` False) its upper
        bound. Two failures of one policy line are one edit of it, in a fixed order."""
        out: list[Change] = []
        seen: set[object] = set()
        lines: dict[tuple[str, ...], list[Failure]] = {}
        for i in chosen:
            f = self.failures[i]
            if f.rule is not None:
                lines.setdefault(f.rule, []).append(f)
                continue
            for c in (f.change,) if exact else self.upper.get(i, (f.change,)):
                if c.key not in seen:
                    seen.add(c.key)
                    out.append(c)
        for rule, group in sorted(lines.items()):
            values = list(rule[1:])
            for f in sorted(group, key=lambda f: f.kind, reverse=True):  # ungate, extend
                column = "mode" if f.kind == "ungate" else "valid_until"
                out.append(Change.make(f.kind, rule=rule_text(rule[0], values),
                                       until=None))
                values[self.tokens.index(column)] = ANY
        return tuple(out)

    def evaluate(self, sets: list[tuple[FSet, bool]]) -> list[frozenset[str]]:
        """Opened fields of each (set, exact) pair, memoised by set (a set without a move is
        its own bound)."""
        keys = []
        todo: dict[tuple[object, ...], tuple[Change, ...]] = {}
        for chosen, exact in sets:
            plain = exact or not _mask(chosen) & self._moves
            key: tuple[object, ...] = (tuple(sorted(chosen)), plain)
            keys.append(key)
            if key not in self.memo and key not in todo:
                todo[key] = self.changes(chosen, exact=exact)
        if todo:
            for key, opened in zip(todo, self._evaluate(list(todo.values())), strict=True):
                self.memo[key] = opened
        return [self.memo[key] for key in keys]

    # -- the levels ---------------------------------------------------------------------------
    def run(self, k: int) -> Found:
        base = self.evaluate([((), True)])[0]
        targets = frozenset(f for f in self.fields if f not in base)
        by_system: dict[str, set[str]] = {}
        for f in sorted(targets):
            by_system.setdefault(self.fields[f], set()).add(f)
        openable: set[str] = set()
        for j in range(1, k + 1):
            roots = []
            for system, fields in sorted(by_system.items()):
                alive = frozenset(fields if j == 1 else fields & openable)
                pool = tuple(i for i, f in enumerate(self.failures)
                             if any(f.touches(system, fid) for fid in alive))
                if alive and len(pool) >= j:
                    roots.append(_Node((), ((pool, j),), alive))
            self._level(roots, j, openable if j == 1 else None)
        return Found(base, frozenset(openable),
                     {f: tuple(sorted(sets, key=lambda s: (len(s), s)))
                      for f, sets in self.minimal.items() if sets}, len(self.memo))

    def _level(self, wave: list[_Node], j: int, openable: set[str] | None) -> None:
        first = True
        self._level_now, self._usable_memo = j, {}
        while wave:
            nodes = [n for n in (self._narrow(n) for n in wave) if n is not None]
            answers = self.evaluate([(_all(n), not n.blocks) for n in nodes])
            if first and openable is not None:  # the whole pool of a system at level 1
                for node, opened in zip(nodes, answers, strict=True):
                    openable.update(opened & node.fields)
            wave = []
            for node, opened in zip(nodes, answers, strict=True):
                alive = node.fields & opened
                if not alive:
                    continue
                if not node.blocks:
                    for field_id in sorted(alive):
                        self.minimal[field_id].append(node.chosen)
                        self._minimal_masks[field_id].append(_mask(node.chosen))
                    continue
                wave += _children(_Node(node.chosen, node.blocks, alive))
            first = False

    def _narrow(self, node: _Node) -> _Node | None:
        """The node's fields that a minimal set under it could still open, and its blocks
        without the failures none of those fields can use; None when nothing is left."""
        chosen = [self.failures[i] for i in node.chosen]
        groups = [f.id.rsplit(":", 1)[0] for f in chosen if f.kind == "move_terminal"]
        if len(groups) != len(set(groups)):
            return None  # one terminal moved twice: not a set of the catalogue
        taken = _mask(node.chosen)
        masks = [(_mask(block), count) for block, count in node.blocks]
        fields = frozenset(
            fid for fid in node.fields
            if all(f.touches(self.fields[fid], fid) for f in chosen)
            and not any(m & ~taken == 0 for m in self._minimal_masks[fid])
            and all((m & self._usable(fid)).bit_count() >= count for m, count in masks))
        if not fields:
            return None
        union = 0
        for fid in fields:
            union |= self._usable(fid)
        blocks = []
        for block, count in node.blocks:
            kept = tuple(i for i in block if union >> i & 1)
            if len(kept) < count:
                return None
            blocks.append((kept, count))
        return _normal(node.chosen, blocks, fields)

    def _usable(self, field_id: str) -> int:
        """Failures that can be in a minimal set for this field, as a bit mask: they touch it
        and (from level 2 on) do not open it alone."""
        found = self._usable_memo.get(field_id)
        if found is None:
            alone = {s[0] for s in self.minimal[field_id] if len(s) == 1} \
                if self._level_now > 1 else set()
            system = self.fields[field_id]
            found = self._usable_memo[field_id] = _mask(
                i for i, f in enumerate(self.failures)
                if i not in alone and f.touches(system, field_id))
        return found

    def verify(self, field_id: str, chosen: FSet) -> bool:
        """Re-check one minimal set by analysis: it opens the field, and each set one smaller
        does not."""
        smaller = [tuple(i for i in chosen if i != x) for x in chosen]
        answers = self.evaluate([(chosen, True), *((s, True) for s in smaller)])
        return field_id in answers[0] and all(field_id not in a for a in answers[1:])


def _mask(indexes: Iterable[int]) -> int:
    """A set of failure indexes as a bit mask."""
    out = 0
    for i in indexes:
        out |= 1 << i
    return out


def _all(node: _Node) -> FSet:
    """Every failure of a node: its chosen ones and its blocks'."""
    return tuple(sorted(node.chosen + tuple(i for b, _ in node.blocks for i in b)))


def _normal(chosen: FSet, blocks: list[tuple[FSet, int]], fields: frozenset[str]) -> _Node:
    """Blocks whose every failure is taken join the chosen ones; empty counts go."""
    taken = list(chosen)
    kept = []
    for block, count in blocks:
        if count == len(block):
            taken += block
        elif count > 0:
            kept.append((block, count))
    return _Node(tuple(sorted(taken)), tuple(kept), fields)


def _children(node: _Node) -> list[_Node]:
    """The node with its largest block halved: one child per way to share the count."""
    at = max(range(len(node.blocks)), key=lambda b: len(node.blocks[b][0]))
    block, count = node.blocks[at]
    half = len(block) // 2
    left, right = block[:half], block[half:]
    rest = [b for n, b in enumerate(node.blocks) if n != at]
    out = []
    for a in range(max(0, count - len(right)), min(count, len(left)) + 1):
        out.append(_normal(node.chosen, [*rest, (left, a), (right, count - a)], node.fields))
    return out
