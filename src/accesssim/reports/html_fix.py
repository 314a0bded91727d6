"""The fix the HTML report shows: a remediated variant analysed the same way (finding ids are
hashes of root causes, so a finding that is gone there has no id in its report), or the change
set ``remediate`` proposes, each change also tried alone to say which findings it closes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from accesssim.changes.apply import loaded, patch
from accesssim.changes.spec import Change
from accesssim.engine import Project, analyze
from accesssim.errors import InputError
from accesssim.findings.results import Report
from accesssim.i18n import Msg, Translator, msg
from accesssim.model.schema import Expectation
from accesssim.remediate import Remediation, remediate
from accesssim.reports.html_view import ChangeView, ProposalView, VariantView
from accesssim.reports.remediate import change_text

_HEADLINES: dict[str, Msg] = {
    "clean": msg("Nothing to change: no findings, and every keep item passes as it is."),
    "proposed": msg("A minimum-cost change set, verified."),
    "conflict": msg("No change set removes every finding and keeps these items together."),
    "impossible": msg("No change set of the vocabulary removes every finding."),
}


def variant_view(variant: Project, modes: Sequence[str], at: dt.date | None) -> VariantView:
    """The remediated variant analysed with the same modes and day as the report."""
    found = analyze(variant, modes=[m for m in modes if m in variant.loaded.model.modes], at=at)
    return VariantView(variant.loaded.display_path, frozenset(f.id for f in found.findings),
                       len(found.findings))


def closed_by(project: Project, change: Change, report: Report, modes: Sequence[str],
              at: dt.date | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ids of ``report``'s findings that ``change`` alone removes, and of those it only
    narrows (fewer person-field pairs left); both empty when it does not apply alone."""
    try:
        with loaded(project, patch(project, [change])) as changed:
            after = analyze(changed, modes=modes, at=at)
    except InputError:
        return (), ()
    left = {f.id: set(f.exposures) for f in after.findings}
    closes = tuple(f.id for f in report.findings if f.id not in left)
    narrows = tuple(f.id for f in report.findings
                    if f.id in left and left[f.id] < set(f.exposures))
    return closes, narrows


def proposal_view(project: Project, keep: Sequence[Expectation], keep_file: str,
                  report: Report, modes: Sequence[str], at: dt.date | None, tr: Translator,
                  say: Callable[[str], None] | None = None) -> ProposalView:
    """Run ``remediate`` with the keep items and word its answer for the page."""
    result: Remediation = remediate(project, keep, shown=keep_file, say=say)
    changes = []
    for i, (c, price) in enumerate(zip(result.changes, result.prices, strict=True), start=1):
        closes, narrows = closed_by(project, c, report, modes, at)
        changes.append(ChangeView(i, change_text(c), f"{price:g}", closes, narrows))
    verified = tr(msg("Verified: the changed model analyses to {after} findings and every "
                      "keep item passes on it.", after=result.findings_after)
                  if result.status == "proposed" else _HEADLINES[result.status])
    if result.status == "conflict":  # name the items, as `remediate` does
        verified = tr(msg("Keep items that cannot all hold with no finding: {items}.",
                          items=", ".join(e.id for e in result.conflict)))
    return ProposalView(tr(_HEADLINES[result.status]), keep_file, tuple(changes), verified)
