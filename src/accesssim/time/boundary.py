"""The trust boundary: who may see which non-public field, in which mode, on which day.

Default (docs/model-format.md): a system's non-public fields may be seen by the system's owner
and the organizations that work for it as contractors. A field's ``concerns`` organizations may
see their own customers' data, and ``trust`` grants add exceptions by mode, date and group.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from accesssim.model.schema import DataField, Person, SystemModel, TrustGrant
from accesssim.time.epochs import boundaries, epoch_index


class Boundary:
    """Answers 'is this person inside the boundary for this field now?'."""

    def __init__(self, model: SystemModel):
        self.model = model
        self.people = {p.id: p for p in model.people}
        self.field_system = {f.id: s.id for s in model.systems for f in s.fields}
        self.fields = {f.id: f for s in model.systems for f in s.fields}
        self._inside_memo: dict[tuple[str, str, str, str, int], bool] = {}
        self._trusted_memo: dict[tuple[str, str, str, str, int], bool] = {}
        self._grant_cuts: dict[tuple[str, str], list[dt.date]] = {}
        self._answers: dict[tuple[str, str, str, int], dict[str, bool]] = {}
        # Grants by the organization or person they name: a lookup reads only its own.
        self._grants: dict[str, list[TrustGrant]] = {}
        for grant in model.trust:
            for who in dict.fromkeys([*grant.orgs, *grant.people]):
                self._grants.setdefault(who, []).append(grant)

    @cached_property
    def core(self) -> dict[str, frozenset[str]]:
        """Per system: its owner and the owner's contractors."""
        result = {}
        for system in self.model.systems:
            orgs = {system.owner}
            orgs |= {o.id for o in self.model.organizations if system.owner in o.works_for}
            result[system.id] = frozenset(orgs)
        return result

    def non_public(self, system: str) -> list[DataField]:
        return [f for s in self.model.systems if s.id == system for f in s.fields
                if f.data_class == "non-public"]

    def who(self, person: Person) -> tuple[str, str, list[dt.date]]:
        """The person's organization, their id only if a grant names them, and the days on
        which those grants change: everything ``trusted`` reads of the person."""
        who = (person.org, person.id if person.id in self._grants else "")
        cuts = self._grant_cuts.get(who)
        if cuts is None:
            grants = {id(g): g for name in who if name for g in self._grants.get(name, ())}
            cuts = boundaries((g.valid.start, g.valid.until) for g in grants.values() if g.valid)
            self._grant_cuts[who] = cuts
        return who[0], who[1], cuts

    def trusted(self, person: Person, field_id: str, mode: str, day: dt.date) -> bool:
        """May this person see this field in clear in this mode on this day?

        Notes: memoised per organization (and person, if named by a grant), field, mode and
        span of the grants' dates: people of one organization share the answer.
        """
        org, named, cuts = self.who(person)
        key = (org, named, field_id, mode, epoch_index(cuts, day))
        cached = self._trusted_memo.get(key)
        if cached is None:
            cached = self._trusted(person, field_id, mode, day)
            self._trusted_memo[key] = cached
        return cached

    def answers(self, person: Person, mode: str, day: dt.date) -> dict[str, bool]:
        """``trusted``'s answers for this person, mode and day by field, filled as asked
        (shared by everyone ``trusted`` answers alike for: a search's hot loop reads it)."""
        org, named, cuts = self.who(person)
        key = (org, named, mode, epoch_index(cuts, day))
        found = self._answers.get(key)
        if found is None:
            found = self._answers[key] = {}
        return found

    def _trusted(self, person: Person, field_id: str, mode: str, day: dt.date) -> bool:
        field = self.fields[field_id]
        system = self.field_system[field_id]
        if field.data_class == "public" or person.org in self.core[system]:
            return True
        if person.org in field.concerns:
            return True
        return any(
            (person.org in g.orgs or person.id in g.people)
            and system in g.systems
            and (g.fields is None or field_id in g.fields)
            and g.active(mode, day)
            for g in (*self._grants.get(person.org, ()), *self._grants.get(person.id, ()))
        )

    def inside(self, person_id: str, system: str, mode: str, day: dt.date) -> bool:
        """Trusted for every non-public field of the system (so clear screens are proper);
        memoised like ``trusted``."""
        person = self.people[person_id]
        org, named, cuts = self.who(person)
        key = (org, named, system, mode, epoch_index(cuts, day))
        if key not in self._inside_memo:
            self._inside_memo[key] = org in self.core[system] or all(
                self.trusted(person, f.id, mode, day) for f in self.non_public(system))
        return self._inside_memo[key]

    def untrusted_headcount(self) -> int:
        """Head count of people outside the default boundary of some system with secrets."""
        secret_systems = [s.id for s in self.model.systems if self.non_public(s.id)]
        return sum(p.headcount for p in self.model.people
                   if any(p.org not in self.core[s] for s in secret_systems))
