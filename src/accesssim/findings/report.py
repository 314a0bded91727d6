"""Findings and the report: one Finding per minimal root cause, with a stable id, the people
and fields it exposes, its windows and its shortest witness."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from accesssim.findings.results import ExposedGroup, Finding, Report, Window
from accesssim.findings.roots import Root, minimal_roots
from accesssim.findings.witness import access_hops, walk_hops, witness_path
from accesssim.i18n import Msg, msg
from accesssim.search.defects import Defect, FailureType
from accesssim.search.exposures import Found, Search
from accesssim.search.walks import MAX_LABELS
from accesssim.time.epochs import Epoch, merge_epochs


def build_report(search: Search, found: Found) -> Report:
    """The report of one search: findings sorted by head count, then id."""
    c = search.compiled
    untrusted = c.boundary.untrusted_headcount()
    findings = sorted((_finding(search, root, data, untrusted)
                       for root, data in minimal_roots(found).items()),
                      key=lambda f: (-f.headcount, f.id))
    warnings: list[Msg] = list(c.policy.warnings)
    if search.walks.truncated:
        warnings.append(msg("more than {count} minimal defect sets reached one screen; some "
                            "root causes may be missing (exposures are complete)",
                            count=MAX_LABELS))
    return Report(
        model_name=c.model.name,
        model_file=c.loaded.display_path,
        casbin_model=c.policy.model_display,
        casbin_policy=c.policy.policy_display,
        modes=tuple(sorted({s.mode for s in c.slices})),
        at=c.at,
        findings=tuple(findings),
        untrusted_headcount=untrusted,
        slices=len(c.slices),
        enforce_calls=c.decisions.enforce_calls,
        warnings=tuple(warnings),
    )


def finding_id(root: Iterable[tuple[FailureType, str]]) -> str:
    """A finding's stable id: a hash of its root's (type, element) pairs in sorted order (no
    line numbers, no file order), so a root cause keeps its id across unrelated edits."""
    digest = hashlib.sha256(
        "\n".join(f"{t.value} {e}" for t, e in sorted(root)).encode()).hexdigest()
    return f"ASIM-{digest[:10]}"


def _finding(search: Search, root: frozenset[Defect], data: Root, untrusted: int) -> Finding:
    assert data.witness is not None
    c = search.compiled
    _, access, walk, sl = data.witness
    people = sorted({p for p, _ in data.exposures})
    groups = tuple(ExposedGroup(p, c.people[p].name or p, c.people[p].org,
                                c.people[p].headcount) for p in people)
    headcount = sum(g.headcount for g in groups)
    defects = tuple(sorted(root))
    order = list(FailureType)
    types = tuple(sorted({d.type for d in defects}, key=order.index))
    by_mode: dict[str, list[Epoch]] = defaultdict(list)
    for first, last in data.spans:
        by_mode[c.slices[first].mode].append(
            Epoch(c.slices[first].epoch.start, c.slices[last].epoch.end))
    windows = tuple(Window(mode, e.start, e.end) for mode in sorted(by_mode)
                    for e in merge_epochs(by_mode[mode]))
    return Finding(
        id=finding_id((d.type, d.element) for d in defects),
        failure_types=types,
        defects=defects,
        people=groups,
        fields=tuple(sorted({f for _, f in data.exposures})),
        headcount=headcount,
        share=headcount / untrusted if untrusted else 0.0,
        witness=(*access_hops(c, access), *walk_hops(search, access, walk, sl)),
        windows=windows,
        path=witness_path(access, walk),
        exposures=tuple(sorted(data.exposures)),
    )
