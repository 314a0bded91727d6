"""One row of the regulator's summary table (EGC paper of 2023-02-20, "the cases, company by
company"), built from the engine's report of a model and of its remediated variant: the paper
counts people per organisation and names the data they saw, so the row does too."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from enum import Enum

from accesssim.findings.results import Report
from accesssim.model.schema import SystemModel
from accesssim.search.defects import FailureType


class Status(str, Enum):
    """Whether the gap is closed (values are the English words, also the JSON values)."""

    CLOSED = "closed"          # findings, and the remediated variant has none
    OPEN = "open"              # findings, and the remediated variant still has some
    NO_VARIANT = "no variant"  # findings, and no remediated variant to judge by
    NO_GAP = "no gap"          # no finding at all (a sound separation)

    @property
    def gap_open(self) -> bool:
        """A gap nobody has shown closed: the command exits 1."""
        return self in (Status.OPEN, Status.NO_VARIANT)


@dataclass(frozen=True, order=True)
class Named:
    """An id of the model and its display name (the id when the model gives none)."""

    id: str
    name: str


@dataclass(frozen=True)
class OrgExposure:
    """People of one organisation who could see non-public fields, and which fields."""

    org: Named
    headcount: int
    fields: tuple[Named, ...]


@dataclass(frozen=True)
class Span:
    """Since when and until when, in one mode: the earliest start and the latest end of the
    findings' windows (None = open: since the beginning / still so at the end)."""

    mode: str
    start: dt.date | None
    end: dt.date | None


@dataclass(frozen=True)
class SummaryRow:
    """One model (one grid company, or the organisations that own its systems)."""

    model_file: str
    model_name: str
    companies: tuple[Named, ...]
    modes: tuple[str, ...]
    failure_types: tuple[FailureType, ...]
    exposures: tuple[OrgExposure, ...]
    headcount: int
    spans: tuple[Span, ...]
    findings: int
    status: Status
    variant_file: str | None
    remaining: tuple[FailureType, ...]  # failure types still found in the variant (open)
    remaining_findings: int


def summary_row(model: SystemModel, report: Report, variant: Report | None) -> SummaryRow:
    """The row of ``model`` from its ``report`` and its remediated variant's report (or None)."""
    order = list(FailureType)
    types = tuple(sorted({t for f in report.findings for t in f.failure_types}, key=order.index))
    remaining = () if variant is None else tuple(sorted(
        {t for f in variant.findings for t in f.failure_types}, key=order.index))
    return SummaryRow(
        model_file=report.model_file,
        model_name=report.model_name,
        companies=companies(model),
        modes=report.modes,
        failure_types=types,
        exposures=exposures(model, report),
        headcount=report.exposed_headcount,
        spans=spans(report),
        findings=len(report.findings),
        status=status(report, variant),
        variant_file=None if variant is None else variant.model_file,
        remaining=remaining,
        remaining_findings=0 if variant is None else len(variant.findings),
    )


def status(report: Report, variant: Report | None) -> Status:
    if not report.findings:
        return Status.NO_GAP
    if variant is None:
        return Status.NO_VARIANT
    return Status.OPEN if variant.findings else Status.CLOSED


def companies(model: SystemModel) -> tuple[Named, ...]:
    """The model's grid organisations; without any, the owners of its systems."""
    orgs = {o.id: o for o in model.organizations}
    ids = [o.id for o in model.organizations if o.kind == "grid"] or \
        sorted({s.owner for s in model.systems})
    return tuple(Named(i, orgs[i].name if i in orgs else i) for i in ids)


def exposures(model: SystemModel, report: Report) -> tuple[OrgExposure, ...]:
    """Per exposed organisation: its people (each exposed group counted once, however many
    findings name it) and the fields any of them can see, in the model's order; most people
    first."""
    orgs = {o.id: o.name for o in model.organizations}
    declared = [f for s in model.systems for f in s.fields]
    names = {f.id: f.name or f.id for f in declared}
    place = {f.id: n for n, f in reversed(list(enumerate(declared)))}
    groups: dict[str, dict[str, int]] = defaultdict(dict)
    org_of: dict[str, str] = {}
    for finding in report.findings:
        for group in finding.people:
            groups[group.org][group.person] = group.headcount
            org_of[group.person] = group.org
    seen: dict[str, set[str]] = defaultdict(set)
    for finding in report.findings:
        for person, field_id in finding.exposures:
            seen[org_of[person]].add(field_id)

    def in_order(ids: set[str]) -> tuple[Named, ...]:
        return tuple(Named(f, names.get(f, f))
                     for f in sorted(ids, key=lambda f: (place.get(f, len(place)), f)))

    rows = [OrgExposure(Named(org, orgs.get(org, org)), sum(people.values()), in_order(seen[org]))
            for org, people in groups.items()]
    return tuple(sorted(rows, key=lambda r: (-r.headcount, r.org.id)))


def spans(report: Report) -> tuple[Span, ...]:
    """Per mode with a finding: the earliest start and latest end of its windows."""
    starts: dict[str, list[dt.date | None]] = defaultdict(list)
    ends: dict[str, list[dt.date | None]] = defaultdict(list)
    for finding in report.findings:
        for window in finding.windows:
            starts[window.mode].append(window.start)
            ends[window.mode].append(window.end)
    result = []
    for mode in sorted(starts):
        first = starts[mode]
        last = ends[mode]
        start = None if None in first else min(d for d in first if d is not None)
        end = None if None in last else max(d for d in last if d is not None)
        result.append(Span(mode, start, end))
    return tuple(result)
