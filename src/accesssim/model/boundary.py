"""The trust boundary: who may see which non-public field, in which mode, on which day.

Default (docs/model-format.md): a system's non-public fields may be seen by the system's owner
and the organizations that work for it as contractors. A field's ``concerns`` organizations may
see their own customers' data, and ``trust`` grants add exceptions by mode, date and group.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from accesssim.model.schema import DataField, Person, SystemModel, TrustGrant


class Boundary:
    """Answers 'is this person inside the boundary for this field now?'."""

    def __init__(self, model: SystemModel):
        self.model = model
        self.people = {p.id: p for p in model.people}
        self.field_system = {f.id: s.id for s in model.systems for f in s.fields}
        self.fields = {f.id: f for s in model.systems for f in s.fields}
        self._inside_memo: dict[tuple[str, str, str, dt.date], bool] = {}
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

    def trusted(self, person: Person, field_id: str, mode: str, day: dt.date) -> bool:
        """May this person see this field in clear in this mode on this day?"""
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
        """Trusted for every non-public field of the system (so clear screens are proper)."""
        key = (person_id, system, mode, day)
        if key not in self._inside_memo:
            person = self.people[person_id]
            self._inside_memo[key] = person.org in self.core[system] or all(
                self.trusted(person, f.id, mode, day) for f in self.non_public(system))
        return self._inside_memo[key]

    def untrusted_headcount(self) -> int:
        """Head count of people outside the default boundary of some system with secrets."""
        secret_systems = [s.id for s in self.model.systems if self.non_public(s.id)]
        return sum(p.headcount for p in self.model.people
                   if any(p.org not in self.core[s] for s in secret_systems))
