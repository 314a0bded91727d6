"""``accesssim drift`` as text (English or Japanese through the i18n layer) and as JSON
(schema ``accesssim.drift/v1``, data/drift.schema.json: English keys and values)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from accesssim.drift.result import Difference, Drift, ExposureDelta
from accesssim.i18n import ENGLISH, N_, Msg, Translator, msg
from accesssim.model.provenance import Source

SCHEMA_ID = "accesssim.drift/v1"
EVERY_DATE = N_("every date")

STATUS_WORDS = {"added": N_("only in the deployed model"),
                "removed": N_("only in the design"),
                "changed": N_("changed")}
EVIDENCE_WORDS = {"exercised": N_("exercised: a deployed finding rests on it"),
                  "latent": N_("latent: could cause it, no path rests on it today"),
                  "none": N_("no failure type by the rule table and no finding rests on it")}


def _cited(d: Difference) -> Msg:
    if d.design and d.deployed:
        return msg("design {design}, deployed {deployed}", design=str(d.design),
                   deployed=str(d.deployed))
    if d.design:
        return msg("design {design}", design=str(d.design))
    return msg("deployed {deployed}", deployed=str(d.deployed))


def _difference(d: Difference, tr: Translator) -> list[str]:
    lines = [f"  {d.key}: {tr(STATUS_WORDS[d.status])} ({tr(_cited(d))})"]
    lines += [f"      {c.attribute}: {c.design} -> {c.deployed}" for c in d.changes]
    comma = tr(N_(", "))
    if d.failure_types:
        lines.append("    " + tr(msg("could cause: {types}", types=comma.join(
            tr(t.label) for t in d.failure_types))))
    lines.append("    " + tr(EVIDENCE_WORDS[d.evidence]))
    if d.findings:
        lines.append("    " + tr(msg("deployed findings: {ids}", ids=comma.join(d.findings))))
    return lines


def counts(deltas: Sequence[ExposureDelta]) -> dict[str, int]:
    """What a list of exposures counts: its (person group, field) pairs, one text line each,
    and its (person group, field, mode) triples, one JSON entry each."""
    return {"pairs": len({(e.person, e.field) for e in deltas}), "with_modes": len(deltas)}


def _grouped(deltas: Sequence[ExposureDelta]) -> dict[tuple[str, str], list[ExposureDelta]]:
    """One line per person group and field, its modes together."""
    groups: dict[tuple[str, str], list[ExposureDelta]] = defaultdict(list)
    for e in deltas:
        groups[(e.person, e.field)].append(e)
    return dict(sorted(groups.items()))


def _exposures(deltas: Sequence[ExposureDelta], tr: Translator, show_differences: bool
               ) -> list[str]:
    comma = tr(N_(", "))
    lines: list[str] = []
    for (person, field_id), group in _grouped(deltas).items():
        modes = comma.join(e.mode for e in group)
        ids = comma.join(sorted({f for e in group for f in e.findings}))
        lines.append("  " + tr(msg("{person} sees {field} ({modes}): {findings}",
                                   person=person, field=field_id, modes=modes, findings=ids)))
        keys = sorted({k for e in group for k in e.differences})
        if show_differences:
            lines.append("    " + (tr(msg("rests on: {differences}",
                                          differences=comma.join(keys))) if keys else
                                   tr(N_("rests on no cited difference (see the removed "
                                         "elements)"))))
    return lines


def drift_to_text(result: Drift, tr: Translator = ENGLISH) -> str:
    """The differences, then the exposures only the deployed model has, then those it
    closed, then the verdict."""
    comma = tr(N_(", "))
    out = [tr(msg("Design: {file} ({name})", file=result.design_file,
                  name=result.design_name)),
           tr(msg("Deployed: {file} ({name})", file=result.deployed_file,
                  name=result.deployed_name)),
           tr(msg("Modes: {modes}; day: {day}", modes=comma.join(result.modes),
                  day=result.at.isoformat() if result.at else tr(EVERY_DATE))), ""]
    out.append(tr(msg("Differences: {count}", count=len(result.differences))))
    for d in result.differences:
        out += _difference(d, tr)
    opened, closed = counts(result.opened), counts(result.closed)
    out += ["", tr(msg("Exposures only in the deployed model: {pairs} person-field pairs "
                       "({count} with modes)", pairs=opened["pairs"],
                       count=opened["with_modes"]))]
    out += _exposures(result.opened, tr, True)
    out += ["", tr(msg("Exposures only in the design (closed in the deployed model): "
                       "{pairs} person-field pairs ({count} with modes)",
                       pairs=closed["pairs"], count=closed["with_modes"]))]
    out += _exposures(result.closed, tr, False)
    verdict = (msg("Result: the deployed model exposes {pairs} person-field pairs "
                   "({count} with modes) the design does not.", pairs=opened["pairs"],
                   count=opened["with_modes"]) if result.widens else
               msg("Result: the deployed model has no exposure the design does not."))
    out += ["", tr(verdict)]
    return "\n".join(out) + "\n"


def _source(where: Source | None) -> dict[str, Any] | None:
    """``{file, line}``; an inventory row of a spreadsheet adds its ``sheet``."""
    if where is None:
        return None
    if where.sheet:
        return {"file": where.file, "sheet": where.sheet, "line": where.line}
    return {"file": where.file, "line": where.line}


def _delta(e: ExposureDelta) -> dict[str, Any]:
    return {"person": e.person, "field": e.field, "mode": e.mode,
            "findings": list(e.findings), "differences": list(e.differences)}


def drift_to_dict(result: Drift) -> dict[str, Any]:
    return {
        "schema": SCHEMA_ID,
        "design": {"name": result.design_name, "file": result.design_file},
        "deployed": {"name": result.deployed_name, "file": result.deployed_file},
        "modes": list(result.modes),
        "at": result.at.isoformat() if result.at else None,
        "differences": [{
            "kind": d.kind, "id": d.id, "status": d.status,
            "design": _source(d.design), "deployed": _source(d.deployed),
            "changes": [{"attribute": c.attribute, "design": json.loads(c.design),
                         "deployed": json.loads(c.deployed)} for c in d.changes],
            "failure_types": [t.value for t in d.failure_types],
            "evidence": d.evidence, "findings": list(d.findings)}
            for d in result.differences],
        "only_deployed": [_delta(e) for e in result.opened],
        "only_design": [_delta(e) for e in result.closed],
        "counts": {"only_deployed": counts(result.opened),
                   "only_design": counts(result.closed)},
        "widens": result.widens,
    }


def drift_to_json(result: Drift) -> str:
    return json.dumps(drift_to_dict(result), ensure_ascii=False, indent=2) + "\n"
