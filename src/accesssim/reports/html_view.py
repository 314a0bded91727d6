"""What the HTML report shows, as plain frozen data: every number, word and bar is worked out
here, so the template only lays it out and a test can compare the page with these figures.

Words are translated here through the ``Translator`` passed in (never a global); the template
translates only its own headings.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from accesssim.findings.results import ExposedGroup, Finding, Report, Window
from accesssim.i18n import Translator, msg
from accesssim.model.schema import SystemModel

#: Width in pixels of the longest bar of a chart (the others are in proportion).
BAR_WIDTH = 260
#: A chart shows at most this many bars (the largest); its table lists every row.
CHART_ROWS = 12
#: Columns (a wide character takes two) a chart label may take before it is cut.
LABEL_ROOM = 32
#: A diagram is shrunk to fit the page, but never below this share of its own size (the
#: reader scrolls sideways instead: a picture shrunk further can no longer be read).
DIAGRAM_SCALE = 0.45
#: Mode names the report words for people (any other mode is shown by its id).
_MODE_WORDS = {"normal": msg("normal operation"), "disaster": msg("disaster operation")}


@dataclass(frozen=True)
class Row:
    """One line of an exposure figure: who or what, how many people, their share, the bar."""

    label: str
    key: str  # the id behind the label (field, failure type or organisation)
    short: str  # the label cut to fit beside a bar
    people: int
    share: str  # of all untrusted staff, as the page prints it
    width: int  # bar length in pixels


@dataclass(frozen=True)
class Figure:
    """An exposure figure: a chart of the first ``CHART_ROWS`` rows and a table of all."""

    key: str  # "field", "type" or "org"
    rows: tuple[Row, ...]

    @property
    def bars(self) -> tuple[Row, ...]:
        return self.rows[:CHART_ROWS]


@dataclass(frozen=True)
class HopView:
    number: int
    text: str
    citations: tuple[str, ...]  # file:line
    defect: str  # the failure type the hop is defective by, or ""


@dataclass(frozen=True)
class CauseView:
    label: str
    description: str
    citation: str


@dataclass(frozen=True)
class FindingView:
    """One finding as the page shows it (``svg``: its diagram, inline)."""

    index: int
    id: str
    types: tuple[str, ...]
    people: int
    share: str
    groups: tuple[str, ...]
    orgs: tuple[str, ...]  # people per organisation, most first
    fields: tuple[str, ...]
    windows: tuple[str, ...]
    causes: tuple[CauseView, ...]
    hops: tuple[HopView, ...]
    svg: str
    fix: tuple[str, ...]  # sentences: what the remediated variant or proposal does to it

    @property
    def min_width(self) -> int:
        """The narrowest the diagram may be drawn, in CSS pixels (0: no limit)."""
        return round(natural_width(self.svg) * DIAGRAM_SCALE)


@dataclass(frozen=True)
class ChangeView:
    number: int
    text: str
    cost: str
    closes: tuple[str, ...]  # the finding ids this change alone removes
    narrows: tuple[str, ...]  # the finding ids it alone narrows (fewer person-field pairs)


@dataclass(frozen=True)
class ProposalView:
    """What ``--keep`` made ``remediate`` propose (``changes`` empty unless proposed)."""

    headline: str
    keep_file: str
    changes: tuple[ChangeView, ...]
    verified: str


@dataclass(frozen=True)
class VariantView:
    """The remediated variant: its file and the ids of the findings still present in it."""

    file: str
    remaining: frozenset[str]
    findings: int


@dataclass(frozen=True)
class PageView:
    lang: str
    title: str
    model_file: str
    policy: str
    scope: str
    verdict: str
    passed: bool
    counts: str
    figures: tuple[Figure, ...]
    findings: tuple[FindingView, ...]
    variant: VariantView | None
    proposal: ProposalView | None
    warnings: tuple[str, ...]


def natural_width(svg: str) -> float:
    """The width an SVG asks for, in CSS pixels (Graphviz writes points); 0 if it says none."""
    found = re.match(r'\s*<svg[^>]*?\swidth="([0-9.]+)(pt|px)?"', svg)
    if not found:
        return 0.0
    return float(found.group(1)) * (4 / 3 if found.group(2) == "pt" else 1.0)


def share_text(people: int, of: int) -> str:
    """A share of untrusted staff as the page prints it (two decimals, as ``analyze``)."""
    return f"{people / of:.2%}" if of else "0.00%"


def rows(counts: Mapping[str, int], labels: Mapping[str, str], untrusted: int) -> tuple[Row, ...]:
    """Rows sorted by people (most first), then label; bars in proportion to the largest."""
    top = max(counts.values(), default=0)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], labels.get(kv[0], kv[0]), kv[0]))
    return tuple(Row(labels.get(k, k), k, clip(labels.get(k, k)), n, share_text(n, untrusted),
                     round(BAR_WIDTH * n / top) if top else 0) for k, n in ordered)


def clip(label: str, room: int = LABEL_ROOM) -> str:
    """``label`` cut to ``room`` columns (a wide CJK character takes two), ending in an
    ellipsis when cut: the chart's labels have a fixed width, the table shows them whole."""
    widths = [2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in label]
    if sum(widths) <= room:
        return label
    used, kept = 0, []
    for ch, width in zip(label, widths, strict=True):
        used += width
        if used > room - 1:
            break
        kept.append(ch)
    return "".join(kept) + "…"


def _headcounts(findings: Iterable[Finding]) -> dict[str, ExposedGroup]:
    return {g.person: g for f in findings for g in f.people}


def by_field(report: Report) -> dict[str, int]:
    """People who can see each field (every group counted once per field)."""
    groups = _headcounts(report.findings)
    seen: dict[str, set[str]] = {}
    for f in report.findings:
        for person, field_id in f.exposures:
            seen.setdefault(field_id, set()).add(person)
    return {k: sum(groups[p].headcount for p in v) for k, v in seen.items()}


def by_type(report: Report) -> dict[str, int]:
    """People exposed by at least one finding of each failure type."""
    seen: dict[str, set[str]] = {}
    for f in report.findings:
        for t in f.failure_types:
            seen.setdefault(t.value, set()).update(g.person for g in f.people)
    groups = _headcounts(report.findings)
    return {k: sum(groups[p].headcount for p in v) for k, v in seen.items()}


def by_org(report: Report) -> dict[str, int]:
    """People of each organisation exposed by at least one finding."""
    counts: dict[str, int] = {}
    for g in _headcounts(report.findings).values():
        counts[g.org] = counts.get(g.org, 0) + g.headcount
    return counts


def figures(model: SystemModel, report: Report, tr: Translator) -> tuple[Figure, ...]:
    """The three exposure figures: per field, per failure type, per organisation."""
    fields = {f.id: _named(f.id, f.name) for s in model.systems for f in s.fields}
    types = {t.value: tr(t.label) for f in report.findings for t in f.failure_types}
    orgs = {o.id: _named(o.id, o.name) for o in model.organizations}
    n = report.untrusted_headcount
    return (Figure("field", rows(by_field(report), fields, n)),
            Figure("type", rows(by_type(report), types, n)),
            Figure("org", rows(by_org(report), orgs, n)))


def _named(key: str, name: str | None) -> str:
    return f"{key} ({name})" if name and name != key else key


def window_texts(windows: Iterable[Window], tr: Translator) -> tuple[str, ...]:
    """When a finding holds, in the reader's words: modes that share a date range together."""
    modes: dict[tuple[dt.date | None, dt.date | None], list[str]] = {}
    for w in windows:
        word = tr(_MODE_WORDS[w.mode]) if w.mode in _MODE_WORDS else w.mode
        modes.setdefault((w.start, w.end), []).append(word)
    return tuple(_range_text(", ".join(m), start, end, tr) for (start, end), m in modes.items())


def _range_text(mode: str, start: dt.date | None, end: dt.date | None, tr: Translator) -> str:
    if start is None and end is None:
        return tr(msg("{mode}: any date", mode=mode))
    if end is None and start is not None:
        return tr(msg("{mode}: from {start}", mode=mode, start=start.isoformat()))
    if start is None and end is not None:
        return tr(msg("{mode}: until {end}", mode=mode, end=end.isoformat()))
    assert start is not None and end is not None
    return tr(msg("{mode}: {start} to {end}", mode=mode, start=start.isoformat(),
                  end=end.isoformat()))


def finding_view(index: int, f: Finding, svg: str, fix: tuple[str, ...],
                 tr: Translator, untrusted: int, org_names: Mapping[str, str]) -> FindingView:
    groups = tuple(f"{g.person} ({g.org}, {g.headcount:,})" for g in f.people)
    per_org: dict[str, int] = {}
    for g in f.people:
        per_org[g.org] = per_org.get(g.org, 0) + g.headcount
    orgs = tuple(f"{org_names.get(o, o)}: {n:,}"
                 for o, n in sorted(per_org.items(), key=lambda kv: (-kv[1], kv[0])))
    causes = tuple(CauseView(tr(d.type.label), tr(d.description), str(d.source))
                   for d in f.defects)
    hops = tuple(HopView(i, tr(h.msg), tuple(str(s) for s in h.sources),
                         tr(h.defect.label) if h.defect else "")
                 for i, h in enumerate(f.witness, start=1))
    return FindingView(index, f.id, tuple(tr(t.label) for t in f.failure_types), f.headcount,
                       share_text(f.headcount, untrusted), groups, orgs, f.fields,
                       window_texts(f.windows, tr), causes, hops, svg, fix)


def fix_sentences(f: Finding, variant: VariantView | None, proposal: ProposalView | None,
                  tr: Translator) -> tuple[str, ...]:
    """What the remediated variant and the proposed change set do to one finding."""
    said: list[str] = []
    if variant is not None:
        gone = f.id not in variant.remaining
        said.append(tr(msg("Closed in the remediated variant {file}: the finding is gone there.",
                           file=variant.file) if gone else
                       msg("Still present in the remediated variant {file}.",
                           file=variant.file)))
    if proposal is not None and proposal.changes:
        alone = [str(c.number) for c in proposal.changes if f.id in c.closes]
        partly = [str(c.number) for c in proposal.changes if f.id in c.narrows]
        if alone:
            said.append(tr(msg("Closed by proposed change {numbers} alone.",
                               numbers=", ".join(alone))))
        elif partly:
            said.append(tr(msg("Closed by proposed changes {numbers} together (each alone "
                               "narrows it).", numbers=", ".join(partly))))
        else:
            said.append(tr(msg("Closed by the proposed change set as a whole (no single "
                               "change closes it).")))
    if not said:
        said.append(tr(msg("No fix shown: give a remediated variant (--remediated) or the "
                           "access to keep (--keep) to see one.")))
    return tuple(said)


def page_view(model: SystemModel, report: Report, tr: Translator,
              svgs: Mapping[str, str], variant: VariantView | None = None,
              proposal: ProposalView | None = None) -> PageView:
    """Everything the page shows; ``svgs``: each finding's diagram by finding id."""
    n = report.untrusted_headcount
    modes = ", ".join(tr(_MODE_WORDS[m]) if m in _MODE_WORDS else m for m in report.modes)
    scope = tr(msg("modes: {modes}; on {day}", modes=modes, day=report.at.isoformat())
               if report.at else msg("modes: {modes}; all dates", modes=modes))
    passed = not report.findings
    verdict = tr(msg("Pass: nobody outside the boundary can see a non-public field.") if passed
                 else msg("Findings: people outside the boundary can see non-public fields."))
    exposed, untrusted = f"{report.exposed_headcount:,}", f"{n:,}"
    counts = tr(msg("findings: {findings}; people exposed: {exposed} of {untrusted} untrusted "
                    "({share})", findings=len(report.findings), exposed=exposed,
                    untrusted=untrusted, share=share_text(report.exposed_headcount, n)))
    orgs = {o.id: _named(o.id, o.name) for o in model.organizations}
    views = tuple(finding_view(i, f, svgs.get(f.id, ""), fix_sentences(f, variant, proposal, tr),
                               tr, n, orgs) for i, f in enumerate(report.findings, start=1))
    return PageView(tr.lang, report.model_name, report.model_file,
                    f"{report.casbin_policy} ({report.casbin_model})", scope, verdict, passed,
                    counts, figures(model, report, tr), views, variant, proposal,
                    tuple(tr(w) for w in report.warnings))
