"""What a person can put together: (account, terminal, system) with its access defects.

A person reaches an account by holding it, knowing its credential, or finding it left logged
in on a terminal, and a terminal by having it assigned or being where it stands (their own
locations, or those open to their organization). What is wrong with that combination (a
known credential, an insider's terminal in an outsider's hands, a disaster account in normal
times...) is its set of access defects.
"""

from __future__ import annotations

from dataclasses import dataclass

from accesssim.graph.compile import active_edges
from accesssim.i18n import N_, msg
from accesssim.model.provenance import Source
from accesssim.model.schema import Account, Person, Terminal
from accesssim.search.compiled import Compiled, Span
from accesssim.search.defects import DISASTER, Defect, FailureType
from accesssim.search.spans import Relevance
from accesssim.time.slices import Slice

_OrgTerminals = tuple[tuple[tuple[str, str, tuple[Source, ...]], ...], ...]


@dataclass(frozen=True)
class Access:
    """How a person gets an account onto a system through a terminal."""

    person: str
    account: str
    system: str
    terminal: str
    way: str  # holds | knows | logged-in
    location: str | None  # None when the terminal is assigned to the person
    defects: frozenset[Defect]
    at_sources: tuple[Source, ...] = ()  # why the person can be at the location

    @property
    def length(self) -> int:
        """Hops of the access part of a witness (for choosing the shortest)."""
        return 2 + (self.location is not None) + (self.way == "logged-in") + len(self.defects)


class AccessFinder:
    """A person's accesses per slice, memoised per span of what the person can use.

    Holds only memos: every answer is a function of the compiled model and the slice.
    """

    def __init__(self, compiled: Compiled, relevance: Relevance):
        self.c = compiled
        self.relevance = relevance
        self._account_memo: dict[tuple[str, str, str, str, Span], frozenset[Defect]] = {}
        self._terminal_memo: dict[tuple[str, str, str, bool, Span], Defect | None] = {}
        self._access_memo: dict[tuple[str, Span], list[Access]] = {}
        self._last_accesses: dict[str, list[Access]] = {}
        self._hosted_memo: dict[tuple[str, Span], tuple[str, ...]] = {}
        self._org_memo: dict[tuple[str, Span], _OrgTerminals] = {}

    def accesses(self, person_id: str, sl: Slice) -> list[Access]:
        """Every (account, terminal, system) the person can put together in this slice.

        Notes: memoised per person and span of ``Relevance.access`` (the cuts of what the
        person can use), across modes unless ``Relevance.access_modal``: the list returned is
        shared, do not change it.
        """
        key = (person_id, self.c.span(self.relevance.access(person_id), sl))
        if (not self.c.per_slice and len(self.relevance.by_mode) > 1
                and not self.relevance.access_modal(person_id)):
            key = (person_id, ("", key[1][1]))  # the same in every mode on that day
        cached = self._access_memo.get(key)
        if cached is None:
            cached = self._find(person_id, sl)
            # Equal to the person's previous list: the same object (``_search_spans``).
            previous = self._last_accesses.get(person_id)
            if previous == cached:
                cached = previous
            self._last_accesses[person_id] = cached
            self._access_memo[key] = cached
        return cached

    def _find(self, person_id: str, sl: Slice) -> list[Access]:
        G = self.c.graph
        person = self.c.people[person_id]
        if not person.active(sl.mode, sl.day):
            return []
        pnode = ("person", person_id)
        own: dict[str, str] = {}
        for relation in ("holds", "knows"):
            for acc_node, _ in active_edges(G, pnode, relation, sl):
                own.setdefault(acc_node[1], relation)
        reachable: dict[str, tuple[str | None, tuple[Source, ...]]] = {}
        for t_node, _ in active_edges(G, pnode, "assigned", sl):
            reachable[t_node[1]] = (None, ())
        for loc_node, data in active_edges(G, pnode, "can-be-at", sl):
            for term_id in self._hosted(loc_node[1], sl):
                reachable.setdefault(term_id, (loc_node[1], data["sources"]))
        # Open to the person's organization: one terminal of each group that gives the same
        # accesses, the first not already reached (assigned: it gives location None).
        for group in self._org_terminals(person.org, sl):
            for term_id, loc_id, sources in group:
                if term_id not in reachable:
                    reachable[term_id] = (loc_id, sources)
                    break
        result = []
        # Terminals that differ only by id give the same exposures; the first (smallest id)
        # also gives the smallest witness, so the others are skipped.
        seen: set[tuple[str, str, str, bool, frozenset[Defect]]] = set()
        for term_id in sorted(reachable):
            term = self.c.terminals[term_id]
            location, at_sources = reachable[term_id]
            # A session left open is a way in of its own, even for someone who also knows the
            # password: both are kept, and the minimal root cause wins later.
            usable = sorted([(a, way) for a, way in own.items()
                             if term.accounts == "any" or a in term.accounts]
                            + [(n[1], "logged-in") for n, _ in
                               active_edges(G, ("terminal", term_id), "logged-in", sl)])
            if not usable:
                continue
            for sys_node, _ in active_edges(G, ("terminal", term_id), "reaches", sl):
                system = sys_node[1]
                term_defect = self._terminal_defect(person, term, system, location, sl)
                for acc_id, way in usable:
                    acc = self.c.accounts[acc_id]
                    if system not in acc.systems or not acc.active(sl.mode, sl.day):
                        continue
                    defects = self._with_terminal(person, acc, term, system, way, sl,
                                                  term_defect)
                    key = (system, acc_id, way, location is None, defects)
                    if key in seen:
                        continue
                    seen.add(key)
                    result.append(Access(person_id, acc_id, system, term_id, way, location,
                                         defects, at_sources))
        return result

    def access_defects(self, person: Person, acc: Account, term: Terminal, system: str,
                       way: str, location: str | None, sl: Slice) -> frozenset[Defect]:
        """What is wrong with this person using this account on this terminal (reached at
        ``location``, None when assigned): the defects of one access, for any terminal (the
        search itself skips terminals that give the same accesses as one already seen)."""
        term_defect = self._terminal_defect(person, term, system, location, sl)
        return self._with_terminal(person, acc, term, system, way, sl, term_defect)

    def _with_terminal(self, person: Person, acc: Account, term: Terminal, system: str,
                       way: str, sl: Slice, term_defect: Defect | None) -> frozenset[Defect]:
        defects = self.account_defects(person, acc, system, way, sl)
        if term_defect is not None:
            return defects | {term_defect}
        if way == "logged-in" and acc.holder != person.id and not (
                self.c.boundary.inside(person.id, system, sl.mode, sl.day)):
            return defects | {Defect(
                FailureType.CREDENTIAL_MISUSE, f"session:{term.id}:{acc.id}",
                msg("session of {account} left open on {terminal} for people "
                    "outside the boundary", account=acc.id, terminal=term.id),
                self.c.loaded.cite(term))}
        return defects

    def _located(self, loc_id: str, sl: Slice) -> bool:
        return bool(self.c.graph.nodes[("location", loc_id)]["element"].active(sl.mode, sl.day))

    def _hosted(self, loc_id: str, sl: Slice) -> tuple[str, ...]:
        """The open terminals at the location, if it exists (memoised per span)."""
        key = (loc_id, self.c.span(self.relevance.location_access(loc_id), sl))
        cached = self._hosted_memo.get(key)
        if cached is None:
            cached = tuple(t_node[1] for t_node, _ in
                           active_edges(self.c.graph, ("location", loc_id), "hosts", sl)
                           if self.c.terminals[t_node[1]].open) if self._located(loc_id, sl) else ()
            self._hosted_memo[key] = cached
        return cached

    def _org_terminals(self, org_id: str, sl: Slice) -> _OrgTerminals:
        """The open terminals at locations open to the organization, as (terminal, location,
        sources), grouped so that a person gets the same accesses from any terminal of a group
        that is not assigned to them; each group sorted by terminal.

        Notes: memoised per organization and span, so a person costs the number of groups,
        not of the organization's terminals.
        """
        key = (org_id, self.c.span(self.relevance.org_access(org_id), sl))
        cached = self._org_memo.get(key)
        if cached is None:
            groups: dict[object, list[tuple[str, str, tuple[Source, ...]]]] = {}
            for loc_node, data in active_edges(self.c.graph, ("org", org_id), "open-to", sl):
                for term_id in self._hosted(loc_node[1], sl):
                    groups.setdefault(self._fold(term_id, sl), []).append(
                        (term_id, loc_node[1], data["sources"]))
            cached = tuple(tuple(sorted(group)) for group in groups.values())
            self._org_memo[key] = cached
        return cached

    def _fold(self, term_id: str, sl: Slice) -> object:
        """What a terminal's accesses depend on besides its id and location: the systems it
        reaches and the accounts it accepts. A terminal that may carry a defect naming it (an
        insider's terminal, or one with sessions left open) is a group of its own."""
        term = self.c.terminals[term_id]
        if term.logged_in or any(term.owner in self.c.boundary.core[s] for s in term.systems):
            return term_id
        systems = tuple(n[1] for n, _ in
                        active_edges(self.c.graph, ("terminal", term_id), "reaches", sl))
        return ("fold", systems, "any" if term.accounts == "any" else frozenset(term.accounts))

    def account_defects(self, person: Person, acc: Account, system: str, way: str,
                         sl: Slice) -> frozenset[Defect]:
        """What is wrong with this person using this account (memoised; hot path)."""
        # Reads the mode and the holder's trust, nothing else that changes with time.
        key = (person.id, acc.id, system, way, self.c.span(self.relevance.trust(acc.holder), sl))
        cached = self._account_memo.get(key)
        if cached is not None:
            return cached
        acc_src = self.c.loaded.cite(acc)
        holder = self.c.people[acc.holder]
        defects: set[Defect] = set()
        if way == "knows":
            defects.add(Defect(FailureType.CREDENTIAL_MISUSE, f"credential:{acc.id}",
                               msg("credential of {account} ({org}) known outside the boundary",
                                   account=acc.id, org=holder.org), acc_src))
        if acc.issued_by and person.id != acc.holder and acc.issued_by != person.org:
            defects.add(Defect(FailureType.EXTERNAL_ACCOUNT, f"external-account:{acc.id}",
                               msg("account {account} issued by {issuer} to {org} is used by "
                                   "people outside the boundary", account=acc.id,
                                   issuer=acc.issued_by, org=holder.org), acc_src))
        if acc.purpose == "disaster" and sl.mode != DISASTER and not self.c.boundary.inside(
                acc.holder, system, sl.mode, sl.day):
            defects.add(Defect(FailureType.EMERGENCY_RIGHTS, f"account:{acc.id}",
                               msg("disaster account {account} usable in {mode} mode",
                                   account=acc.id, mode=sl.mode), acc_src))
        if acc.purpose == "outage-workaround" and not self.c.boundary.inside(
                acc.holder, system, sl.mode, sl.day):
            defects.add(Defect(FailureType.OUTAGE_WORKAROUND, f"account:{acc.id}",
                               msg("account {account} set up during an outage is still usable",
                                   account=acc.id), acc_src))
        result = frozenset(defects)
        self._account_memo[key] = result
        return result

    def _terminal_defect(self, person: Person, term: Terminal, system: str,
                         location: str | None, sl: Slice) -> Defect | None:
        """An insider's terminal in an outsider's hands: name the way it got there."""
        # Reads the mode and the person's trust, nothing else that changes with time.
        key = (person.id, term.id, system, location is None,
               self.c.span(self.relevance.trust(person.id), sl))
        if key not in self._terminal_memo:
            self._terminal_memo[key] = self._find_terminal_defect(person, term, system,
                                                                  location, sl)
        return self._terminal_memo[key]

    def _find_terminal_defect(self, person: Person, term: Terminal, system: str,
                              location: str | None, sl: Slice) -> Defect | None:
        if term.owner not in self.c.boundary.core[system]:
            return None
        if self.c.boundary.inside(person.id, system, sl.mode, sl.day):
            return None
        if term.purpose == "disaster-lending" and sl.mode == DISASTER:
            return None  # lent for exactly this; the boundary decides what may be seen
        if term.purpose == "disaster-lending":
            kind, what = (FailureType.DISASTER_LENDING,
                          N_("terminal {terminal} of {owner} lent for disaster response, "
                             "still usable"))
        elif term.purpose == "outage-workaround":
            kind, what = (FailureType.OUTAGE_WORKAROUND,
                          N_("terminal {terminal} of {owner} set up during an outage, "
                             "still usable"))
        elif location is None:
            kind = FailureType.TERMINAL_MISDISTRIBUTION
            what = N_("terminal {terminal} of {owner} handed to people outside the boundary")
        else:
            kind = FailureType.TERMINAL_PLACEMENT
            what = N_("terminal {terminal} of {owner} placed where people outside the "
                      "boundary can use it")
        return Defect(kind, f"terminal:{term.id}", msg(what, terminal=term.id, owner=term.owner),
                      self.c.loaded.cite(term))
