"""The synthetic model while it is built: mutable elements and the builder that holds them.

Each ``build_*`` step (systems, policy, people, plant) is a function over one ``Builder``; all
of them draw from the builder's single ``random.Random(seed)`` in a fixed order, which is what
makes the output byte-identical for a given preset, seed and scale.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from accesssim.synth.spec import Preset, SystemSpec

T = TypeVar("T")


@dataclass
class Field:
    id: str
    name: str
    public: bool = False
    concerns: tuple[str, ...] = ()
    contact: bool = False


@dataclass
class Display:
    field: str
    masking: str
    purpose: str | None = None
    valid: tuple[dt.date | None, dt.date | None] | None = None
    note: str | None = None


@dataclass
class Screen:
    id: str
    name: str
    area: str
    zone: str  # nw | retail | public | disaster
    menu: bool
    shows: list[Display] = field(default_factory=list)


@dataclass
class Transition:
    source: str
    target: str
    checked: bool = True
    note: str | None = None


@dataclass
class System:
    spec: SystemSpec
    fields: list[Field] = field(default_factory=list)
    screens: list[Screen] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)


@dataclass
class Rule:
    sub: str
    dom: str
    obj: str
    act: str
    eft: str = "allow"
    mode: str = "*"
    valid_from: str = "*"
    valid_until: str = "*"
    comment: str | None = None


@dataclass
class Person:
    id: str
    name: str
    org: str
    headcount: int
    locations: list[str]
    former: tuple[str, dt.date] | None = None
    note: str | None = None
    dept: str = ""


@dataclass
class Location:
    id: str
    name: str
    owner: str
    open_to: tuple[str, ...]
    kind: str  # office | hq-floor | common | site | shared


@dataclass
class Account:
    id: str
    holder: str
    systems: list[str]
    known_by: list[str] = field(default_factory=list)
    valid_until: dt.date | None = None
    note: str | None = None


@dataclass
class Terminal:
    id: str
    location: str
    owner: str
    systems: list[str]
    assigned_to: list[str] = field(default_factory=list)
    open: bool = False
    accounts: list[str] | None = None  # None: any
    logged_in: list[str] = field(default_factory=list)
    purpose: str | None = None
    valid_from: dt.date | None = None
    note: str | None = None


class Builder:
    """Everything generated so far, and the one random source every step draws from."""

    def __init__(self, preset: Preset, seed: int, scale: int = 1):
        self.p = preset
        self.seed = seed
        self.scale = scale
        self.rng = random.Random(seed)
        self.systems: list[System] = []
        self.rules: list[Rule] = []
        self.role_links: list[tuple[str, str, str]] = []  # (role, parent role, system)
        self.account_links: list[tuple[str, str, str]] = []  # (account, role, system)
        self.nw_roles: dict[str, list[str]] = {}
        self.role_opens: dict[str, list[str]] = defaultdict(list)
        self.people: list[Person] = []
        self.locations: list[Location] = []
        self.accounts: list[Account] = []
        self.terminals: list[Terminal] = []
        self.trust: list[str] = []
        self.posted: dict[str, list[Person]] = defaultdict(list)
        self.planted: dict[str, int] = defaultdict(int)
        self.disaster_groups: list[Person] = []

    def sample(self, items: list[str], k: int) -> list[str]:
        return sorted(self.rng.sample(items, min(k, len(items))))

    def pick(self, items: Sequence[T], k: int) -> list[T]:
        """Up to ``k`` items drawn at random, kept in their original order."""
        return [items[i] for i in sorted(self.rng.sample(range(len(items)), min(k, len(items))))]

    def shuffled(self, items: Sequence[T]) -> list[T]:
        copy = list(items)
        self.rng.shuffle(copy)
        return copy

    def preferred(self, fields: list[Field], reserved: set[str]) -> list[Field]:
        """Fields in random order, those not in ``reserved`` first."""
        return (self.shuffled([f for f in fields if f.id not in reserved])
                + self.shuffled([f for f in fields if f.id in reserved]))

    def system(self, sid: str) -> System:
        return next(s for s in self.systems if s.spec.id == sid)

    def field_of(self, fid: str) -> Field:
        return next(f for s in self.systems for f in s.fields if f.id == fid)

    def places_of(self, owner: str) -> list[Location]:
        """``owner``'s own locations (not the buildings it shares with others)."""
        return [loc for loc in self.locations if loc.owner == owner and loc.kind != "shared"]

    def headcount(self) -> int:
        lo, hi = self.p.headcount
        return self.rng.randint(lo, hi)
