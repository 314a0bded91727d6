"""Frozen result objects: what the engine returns and every output format reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from accesssim.i18n import ENGLISH, Msg, Translator, msg
from accesssim.model.provenance import Source
from accesssim.search.defects import Defect, FailureType


@dataclass(frozen=True)
class Hop:
    """One step of a witness path, in plain words, with its provenance."""

    msg: Msg
    sources: tuple[Source, ...]
    defect: FailureType | None = None

    @property
    def text(self) -> str:
        """The hop in English (``Translator`` prints it in another language)."""
        return str(self.msg)


@dataclass(frozen=True)
class PathStep:
    """One entity on the witness path (``kind:id``); ``defect`` marks a defective arrival."""

    node: str
    defect: FailureType | None = None


@dataclass(frozen=True, order=True)
class Window:
    """A mode and an inclusive date range (None = open end)."""

    mode: str
    start: dt.date | None
    end: dt.date | None

    def label(self) -> str:
        """The window in English (``window_label`` words it in another language)."""
        return window_label(self)

    def said(self) -> Msg:
        """The window as a message to translate at print time."""
        if self.start is None and self.end is None:
            return msg("{mode}, at any date", mode=self.mode)
        start = self.start.isoformat() if self.start else "…"
        end = self.end.isoformat() if self.end else "…"
        return msg("{mode}, {start} to {end}", mode=self.mode, start=start, end=end)


def window_label(window: Window, tr: Translator = ENGLISH) -> str:
    """``mode, start to end`` in the translator's language (dates stay ISO)."""
    return tr(window.said())


@dataclass(frozen=True, order=True)
class ExposedGroup:
    person: str
    name: str
    org: str
    headcount: int


@dataclass(frozen=True)
class Finding:
    """All person-field exposures that share one root cause (the same set of defects)."""

    id: str
    failure_types: tuple[FailureType, ...]
    defects: tuple[Defect, ...]
    people: tuple[ExposedGroup, ...]
    fields: tuple[str, ...]
    headcount: int
    share: float
    witness: tuple[Hop, ...]
    windows: tuple[Window, ...]
    path: tuple[PathStep, ...] = ()
    exposures: tuple[tuple[str, str], ...] = ()  # every (person, field) pair, sorted


@dataclass(frozen=True)
class Report:
    """Everything ``analyze`` found, plus what it covered."""

    model_name: str
    model_file: str
    casbin_model: str
    casbin_policy: str
    modes: tuple[str, ...]
    at: dt.date | None
    findings: tuple[Finding, ...]
    untrusted_headcount: int
    slices: int
    enforce_calls: int
    warnings: tuple[Msg, ...] = field(default_factory=tuple)

    @property
    def exposed_headcount(self) -> int:
        """People exposed by at least one finding (each group counted once)."""
        groups = {g.person: g.headcount for f in self.findings for g in f.people}
        return sum(groups.values())
