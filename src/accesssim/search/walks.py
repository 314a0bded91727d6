"""Screen walks: from a menu screen a class may open, over transitions, to a screen that shows
a non-public field in clear, with the defects each walk rests on.

Walks depend only on the account's decision class, the side of the boundary of its holder,
and the span of the dates that can change them (search/spans.py), so they are computed once
per such key and shared by every person who reaches an account of that class.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, replace

from accesssim.graph.compile import Node, active_edges, class_node
from accesssim.i18n import msg
from accesssim.model.provenance import Source
from accesssim.model.schema import FieldDisplay, Transition
from accesssim.policy.decisions import OPEN, UNMASK
from accesssim.policy.rules import PolicyLine
from accesssim.search.accesses import Access
from accesssim.search.compiled import Compiled, Span
from accesssim.search.defects import DISASTER, Defect, FailureType
from accesssim.search.spans import Relevance
from accesssim.time.slices import Slice

#: Bound on the minimal defect sets kept per screen in one walk search.
MAX_LABELS = 16
FieldWalks = dict[str, tuple["Walk", ...]]
#: Per screen its labels (entry, transitions, defects); the screens the class may open, the
#: fields it may unmask; whether ``MAX_LABELS`` cut the search.
_Label = tuple[str, tuple[Transition, ...], frozenset[Defect]]
_Labels = tuple[dict[str, list[_Label]], set[str], set[str], bool]


@dataclass(frozen=True)
class Walk:
    """From a menu screen over transitions to a screen that shows a field in clear."""

    field: str
    entry: str
    transitions: tuple[Transition, ...]
    screen: str
    display: FieldDisplay
    defects: frozenset[Defect]

    @property
    def length(self) -> int:
        return len(self.transitions) + 2


def without_display_defects(walk: Walk) -> Walk:
    """The walk as seen by a holder trusted for its field: only path defects remain."""
    kept = frozenset(d for d in walk.defects
                     if not d.element.startswith(("display:", "unmask-role:")))  # field-bound
    return replace(walk, defects=kept)


class WalkFinder:
    """Walks per (class, holder outside, span), memoised; ``truncated`` tells whether
    ``MAX_LABELS`` cut some search that the analysis used.

    ``relevance`` is set once after construction: the relevance of a class's dates reads
    the walks (search/spans.py), and the walks' memo keys read those dates.
    """

    def __init__(self, compiled: Compiled):
        self.c = compiled
        self.relevance: Relevance
        self.truncated = False
        self._walk_memo: dict[tuple[Node, bool, Span], tuple[FieldWalks, bool]] = {}
        self._label_memo: dict[tuple[Node, bool, Span], _Labels] = {}
        self._field_walk_memo: dict[tuple[Node, str, str, Span, Span], FieldWalks] = {}
        self._trusted_walk_memo: dict[tuple[Node, bool, Span, frozenset[str]], FieldWalks] = {}
        self._last_walks: dict[tuple[Node, object], FieldWalks] = {}
        self._open_memo: dict[tuple[Node, str, str, int], frozenset[Defect]] = {}

    def field_walks(self, access: Access, sl: Slice) -> dict[str, tuple[Walk, ...]]:
        """The walks of this access's account, as they count for its holder.

        Display and unmask defects exist only for fields the holder may not see: a holder
        trusted (by a grant) for some fields is not charged for seeing those.
        """
        cnode = class_node(self.c.graph, access.account, access.system)
        if cnode is None:
            return {}
        holder = self.c.people[self.c.accounts[access.account].holder]
        # Holders the boundary cannot tell apart (same organization, no grant naming them)
        # share the result.
        org, named, cuts = self.c.boundary.who(holder)
        key = (cnode, org, named, self.c.span(self.relevance.raw_class(cnode), sl),
               self.c.span(cuts, sl))
        cached = self._field_walk_memo.get(key)
        if cached is not None:
            return cached
        outside = not self.c.boundary.inside(holder.id, access.system, sl.mode, sl.day)
        walks = self.walks(cnode, outside, sl)
        trusted = frozenset(field_id for field_id in walks if outside and self.c.boundary.trusted(
            holder, field_id, sl.mode, sl.day))
        # Most holders are trusted for no field: they share the walks as they are.
        shared = (cnode, outside, self.c.span(self.relevance.raw_class(cnode), sl), trusted)
        result = self._trusted_walk_memo.get(shared)
        if result is None:
            result = {field_id: (tuple(without_display_defects(w) for w in found)
                                 if field_id in trusted else found)
                      for field_id, found in walks.items()} if trusted else walks
            if trusted:  # the previous span's walks where equal, as in ``walks``
                previous = self._last_walks.get((cnode, trusted), {})
                result = {field_id: previous[field_id] if previous.get(field_id) == found
                          else found for field_id, found in result.items()}
                self._last_walks[(cnode, trusted)] = result
            self._trusted_walk_memo[shared] = result
        self._field_walk_memo[key] = result
        return result

    def walks(self, cnode: Node, outside: bool, sl: Slice) -> dict[str, tuple[Walk, ...]]:
        """Every minimal way the class sees each non-public field in clear.

        A label-setting search over screens: each screen keeps the defect sets of the walks
        that reach it, minus any set that contains another (a superset adds nothing to fix).
        For each field the result is that antichain of defect sets, each with its shortest
        walk, fewest defects first. Independent root causes (a masking gap on one screen and an
        unchecked transition to another) are therefore all reported, not only the cheapest.

        Notes: at most ``MAX_LABELS`` sets are kept per screen; when that bound cuts, the
        report carries a warning.
        """
        walks, truncated = self.walks_and_truncation(cnode, outside, sl)
        self.truncated |= truncated
        return walks

    def walks_and_truncation(self, cnode: Node, outside: bool, sl: Slice
                              ) -> tuple[dict[str, tuple[Walk, ...]], bool]:
        """``walks``, memoised, and whether ``MAX_LABELS`` cut it (without reporting it)."""
        key = (cnode, outside, self.c.span(self.relevance.raw_class(cnode), sl))
        if key in self._walk_memo:
            return self._walk_memo[key]
        kept, opens, unmasks, truncated = self.screen_labels(cnode, outside, sl)
        G = self.c.graph
        candidates: dict[str, list[tuple[tuple[int, int, str, int], Walk]]] = defaultdict(list)
        for screen_id in sorted(kept):
            for index, (entry, path, defects) in enumerate(kept[screen_id]):
                for field_node, data in active_edges(G, ("screen", screen_id), "shows", sl):
                    field_id = field_node[1]
                    if self.c.fields[field_id].data_class != "non-public":
                        continue
                    display: FieldDisplay = data["display"]
                    shown = self.shown_defects(cnode, screen_id, display, unmasks, opens,
                                               outside, sl)
                    if shown is None:
                        continue
                    walk = Walk(field_id, entry, path, screen_id, display, defects | shown)
                    rank = (len(walk.defects), walk.length, screen_id, index)
                    candidates[field_id].append((rank, walk))
        walks: dict[str, tuple[Walk, ...]] = {}
        # The previous span's walks where they are equal: the search then compares spans by
        # identity (``_search_spans``).
        previous = self._last_walks.get((cnode, outside), {})
        for field_id in sorted(candidates):
            chosen: list[Walk] = []
            for _, walk in sorted(candidates[field_id], key=lambda item: item[0]):
                if not any(c.defects <= walk.defects for c in chosen):
                    chosen.append(walk)
            same = previous.get(field_id)
            walks[field_id] = same if same == tuple(chosen) else tuple(chosen)
        self._last_walks[(cnode, outside)] = walks
        self._walk_memo[key] = (walks, truncated)
        return walks, truncated

    def screen_labels(self, cnode: Node, outside: bool, sl: Slice) -> _Labels:
        """The label-setting search of ``walks``: per screen the class can reach, the antichain
        of defect sets of the walks reaching it (entry, transitions, defects); also the
        screens and fields the class may open and unmask, and whether ``MAX_LABELS`` cut.
        Kept per screen so that a replayed access names the screen it was on (replay/)."""
        key = (cnode, outside, self.c.span(self.relevance.raw_class(cnode), sl))
        cached = self._label_memo.get(key)
        if cached is not None:
            return cached
        truncated = False
        G = self.c.graph
        opens = {n[1] for n, _ in active_edges(G, cnode, OPEN, sl)}
        unmasks = {n[1] for n, _ in active_edges(G, cnode, UNMASK, sl)}
        Label = tuple[int, int, str, int, str, tuple[Transition, ...], frozenset[Defect]]
        heap: list[Label] = []
        counter = 0
        for screen_id in sorted(opens):
            screen = self.c.screens[screen_id]
            if screen.menu and screen.active(sl.mode, sl.day):
                d = self.open_defects(cnode, screen_id, OPEN, outside, sl)
                heap.append((len(d), 0, screen_id, counter, screen_id, (), d))
                counter += 1
        heapq.heapify(heap)
        kept: dict[str, list[tuple[str, tuple[Transition, ...], frozenset[Defect]]]] = {}
        while heap:
            _, hops, screen_id, _, entry, path, defects = heapq.heappop(heap)
            labels = kept.setdefault(screen_id, [])
            if any(d <= defects for _, _, d in labels):
                continue
            if len(labels) >= MAX_LABELS:
                truncated = True
                continue
            labels.append((entry, path, defects))
            for target, data in active_edges(G, ("screen", screen_id), "transition", sl):
                if not self.c.screens[target[1]].active(sl.mode, sl.day):
                    continue
                tr: Transition = data["transition"]
                if target[1] in opens:
                    step = self.open_defects(cnode, target[1], OPEN, outside, sl)
                elif not tr.checked:
                    step = frozenset({self._transition_defect(cnode[1].system, tr)})
                else:
                    continue
                total = defects | step
                if any(d <= total for _, _, d in kept.get(target[1], ())):
                    continue
                counter += 1
                heapq.heappush(heap, (len(total), hops + 1, target[1], counter, entry,
                                      (*path, tr), total))
        cached = (kept, opens, unmasks, truncated)
        self._label_memo[key] = cached
        return cached

    def shown_defects(self, cnode: Node, screen_id: str, display: FieldDisplay,
                      unmasks: set[str], opens: set[str], outside: bool, sl: Slice
                      ) -> frozenset[Defect] | None:
        """What showing ``display`` on the screen adds to a walk there (None: not shown in
        clear to the class): masked never shows; policy needs an unmask allow."""
        if display.masking == "masked":
            return None
        if display.masking == "policy":
            if display.field not in unmasks:
                return None
            return self.open_defects(cnode, display.field, UNMASK, outside, sl)
        if outside and screen_id in opens:
            # The policy means this account to be here, so the screen had to mask.
            return frozenset({self._display_defect(screen_id, display)})
        return frozenset()

    def _grounds_rule(self, cnode: Node, obj: str, act: str, sl: Slice
                      ) -> tuple[PolicyLine | None, tuple[str, ...]]:
        cls = cnode[1]
        rep = self.c.decisions.representative(cls)
        grounds = self.c.decisions.grounds(rep, cls.system, obj, act, sl.mode, sl.day)
        if grounds is None:
            return None, ()
        sub = grounds.rule.get("sub", self.c.policy.p_tokens) or ""
        return grounds.rule, (*grounds.roles, sub)

    def open_defects(self, cnode: Node, obj: str, act: str, outside: bool, sl: Slice
                      ) -> frozenset[Defect]:
        """Defects an allow itself carries: emergency rights, or unmasking for outsiders."""
        if not outside:
            return frozenset()
        key = (cnode, obj, act, sl.index)
        if key not in self._open_memo:
            rule, roles = self._grounds_rule(cnode, obj, act, sl)
            flagged = sorted(r for r in roles if self.c.role_purposes.get(r) == "disaster"
                             and sl.mode != DISASTER)
            workaround = sorted(r for r in roles
                                if self.c.role_purposes.get(r) == "outage-workaround")
            system = cnode[1].system
            source = Source(self.c.policy.policy_display, rule.line if rule else 0)
            subject = roles[-1] if roles else "?"
            defects: set[Defect] = set()
            # Keyed by role, not rule line: the fix is per role (gate it, or take it away).
            if flagged:
                defects.add(Defect(FailureType.EMERGENCY_RIGHTS,
                                   f"disaster-role:{system}:{flagged[0]}",
                                   msg("disaster role {role} has rights outside disaster mode "
                                       "(e.g. {action} {object})", role=flagged[0],
                                       action=act, object=obj), source))
            elif workaround:
                defects.add(Defect(FailureType.OUTAGE_WORKAROUND,
                                   f"outage-role:{system}:{workaround[0]}",
                                   msg("outage workaround role {role} still grants rights "
                                       "(e.g. {action} {object})", role=workaround[0],
                                       action=act, object=obj), source))
            elif act == UNMASK:
                defects.add(Defect(FailureType.MASKING_DEFECT, f"unmask-role:{system}:{subject}",
                                   msg("policy lets {role} unmask non-public fields for accounts "
                                       "outside the boundary (e.g. {object})", role=subject,
                                       object=obj), source))
            self._open_memo[key] = frozenset(defects)
        return self._open_memo[key]

    def _transition_defect(self, system: str, tr: Transition) -> Defect:
        return Defect(FailureType.UNCHECKED_TRANSITION, f"transition:{system}:{tr.key}",
                      msg("transition {source} -> {target} does not check access to {target}",
                          source=tr.source, target=tr.target),
                      self.c.loaded.cite(tr))

    def _display_defect(self, screen: str, display: FieldDisplay) -> Defect:
        kind = {"temporary-display": FailureType.TEMPORARY_DISPLAY,
                "encoding-omission": FailureType.ENCODING_OMISSION}.get(
                    display.purpose or "", FailureType.MASKING_DEFECT)
        return Defect(kind, f"display:{screen}:{kind.value}",
                      msg("screen {screen} shows non-public data in clear to everyone on it",
                          screen=screen),
                      self.c.loaded.cite(self.c.screens[screen]))
