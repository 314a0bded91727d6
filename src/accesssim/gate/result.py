"""The gate's result objects: what ``accesssim diff`` and ``accesssim check`` found, and what
every output (text, JSON, Markdown, SARIF, JUnit) reads. Frozen data, nothing computed here
but the verdict and the counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from accesssim.findings.results import Hop
from accesssim.gate.diff import Diff, Fact
from accesssim.i18n import N_, Msg
from accesssim.model.provenance import Source
from accesssim.search.defects import FailureType
from accesssim.suite.checks import CheckResult

Verdict = Literal["PASS", "FAIL", "ERROR"]
#: Why a check fails: a broken expectation, an exposure opened and not waived, a scenario
#: folder (or file) with no expectation at all, something the base checked that HEAD no longer
#: checks (a scenario gone, a Casbin file no scenario reads now), a waiver past its expiry date.
ReasonKind = Literal["expectation", "exposure", "no-expectations", "no-longer-checked",
                     "expired-waiver"]
#: The JSON schema version of ``accesssim check --format json`` and ``diff --format json``.
SCHEMA_VERSION = "accesssim-check/1"


@dataclass(frozen=True)
class Waiver:
    """Accepts one known exposure (by fingerprint) of one model until ``expires``
    (inclusive). The model is part of the key: a fingerprint does not name the model, so two
    scenarios that share ids (an incident and its remediation) share fingerprints too."""

    fingerprint: str
    model: str  # the model file as ``check`` shows it (relative to the project root)
    owner: str
    reason: str
    expires: dt.date
    source: Source  # the waiver's line in the waiver file

    def expired(self, today: dt.date) -> bool:
        return today > self.expires


@dataclass(frozen=True)
class Opened:
    """An exposure identity (fingerprint) that HEAD opens or widens: someone outside the
    boundary sees a field in a mode on days the base did not let them."""

    fingerprint: str
    status: Literal["new", "widened"]
    person: str
    person_name: str
    org: str
    headcount: int
    field: str
    finding: str  # the report's finding id (ASIM-...) of its root cause
    failure_types: tuple[FailureType, ...]
    gained: tuple[Fact, ...]  # the (mode, window) facts gained, root cause forgotten
    hops: tuple[Hop, ...]  # the witness path in HEAD
    changed: tuple[Source, ...]  # lines on the witness that differ from the base (HEAD lines)
    waiver: Waiver | None = None

    @property
    def location(self) -> Source | None:
        """Where to show it: the first changed line that opened it, else the line that
        completes the path (the last hop with a source)."""
        if self.changed:
            return self.changed[0]
        for hop in reversed(self.hops):
            if hop.sources:
                return hop.sources[-1]
        return None


@dataclass(frozen=True)
class ModelDiff:
    """One model compared with its base: the semantic diff and what it opened."""

    model: str  # the HEAD model's path as users see it
    base: str  # what it was compared with: ``REF:path``, a path, or "" for an empty base
    base_note: str | None  # said in every output, e.g. why the base is empty
    diff: Diff
    opened: tuple[Opened, ...]  # sorted by fingerprint


#: The note of a check run without a base: only the expectations were checked (a msgid: the
#: text and Markdown outputs print it translated).
NO_BASE = N_("not compared with a base (no --base-ref given): expectations only")


@dataclass(frozen=True)
class Reason:
    """One reason a check fails, with the line it rests on where there is one."""

    kind: ReasonKind
    message: str  # English: what JSON, SARIF and JUnit say
    source: Source | None = None
    fingerprint: str | None = None  # for kind ``exposure`` and ``expired-waiver``
    said: Msg | None = field(default=None, compare=False)  # the message, to translate

    @classmethod
    def of(cls, kind: ReasonKind, said: Msg, source: Source | None = None,
           fingerprint: str | None = None) -> Reason:
        """A reason worded as a message (its English text is ``message``)."""
        return cls(kind, str(said), source, fingerprint, said)


@dataclass(frozen=True)
class GateReport:
    """Everything ``accesssim check`` found: per model the diff (empty without a base) and
    the expectation results; the waivers read; every reason it fails."""

    models: tuple[ModelDiff, ...]
    expectations: tuple[CheckResult, ...]
    waivers: tuple[Waiver, ...]
    reasons: tuple[Reason, ...]
    base_ref: str | None = None
    today: dt.date = field(default_factory=dt.date.today)

    @property
    def result(self) -> Verdict:
        return "FAIL" if self.reasons else "PASS"

    @property
    def opened(self) -> tuple[Opened, ...]:
        return tuple(o for m in self.models for o in m.opened)

    def counts(self) -> dict[str, int]:
        """The figures every output shows, by name (a stable, documented set)."""
        statuses = ("new", "gone", "widened", "narrowed", "unchanged")
        findings = [c for m in self.models for c in m.diff.findings]
        counts = {f"findings_{s}": sum(c.status == s for c in findings) for s in statuses}
        opened = self.opened
        counts.update(
            models=len(self.models),
            exposures_new=sum(o.status == "new" for o in opened),
            exposures_widened=sum(o.status == "widened" for o in opened),
            exposures_waived=sum(o.waiver is not None for o in opened),
            exposures_narrowed=sum(c.status in ("narrowed", "gone")
                                   for m in self.models for c in m.diff.exposures),
            expectations=len(self.expectations),
            expectations_failed=sum(not r.passed for r in self.expectations),
            waivers=len(self.waivers),
            waivers_expired=sum(w.expired(self.today) for w in self.waivers),
            reasons=len(self.reasons),
        )
        return counts
