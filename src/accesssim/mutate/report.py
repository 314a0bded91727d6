"""The mutation score as text for people and as versioned JSON for tools."""

from __future__ import annotations

import json
from typing import Any

from accesssim.findings.results import Window
from accesssim.gate.diff import Fact
from accesssim.mutate.operators import KINDS
from accesssim.mutate.score import Outcome, Score

SCHEMA = "accesssim-mutate/1"
#: Opened facts shown per survivor in the text; the JSON lists them all.
SHOWN_FACTS = 3


def _fact(f: Fact) -> str:
    return f"{f.person} sees {f.field} ({Window(f.mode, f.start, f.end).label()})"


def verdict(score: Score, min_score: float | None) -> bool:
    """True when the score passes ``--min-score`` (always, without one)."""
    return min_score is None or score.percent >= min_score


def to_text(score: Score, min_score: float | None = None) -> str:
    caught, opening = score.count("caught"), score.opening
    lines = [f"mutation score {score.percent:.1f}% for {score.model}: {caught} of {opening} "
             f"mutants that open a path are caught by an expectation; "
             f"{score.count('equivalent')} open nothing"
             + (f", {score.count('rejected')} refused by the loader"
                if score.count("rejected") else "")]
    for kind, (kept, total) in sorted(score.capped.items()):
        lines.append(f"note: {kind}: only {kept} of {total} mutants were tried (spread evenly)")
    for o in score.survivors:
        lines += _survivor(o)
    for o in score.outcomes:
        if o.status == "rejected":
            lines.append(f"refused: {o.mutant.id} ({o.mutant.location}): {o.rejected}")
    if min_score is not None and not verdict(score, min_score):
        lines.append(f"FAIL: the score {score.percent:.1f}% is below --min-score {min_score:g}%")
    return "\n".join(lines) + "\n"


def _survivor(o: Outcome) -> list[str]:
    m = o.mutant
    lines = [f"survived: {m.id} ({m.location})", f"  change: {m.description}"]
    lines += [f"  opens:  {_fact(f)}" for f in o.opened[:SHOWN_FACTS]]
    if len(o.opened) > SHOWN_FACTS:
        lines.append(f"  and {len(o.opened) - SHOWN_FACTS} more")
    return lines


def to_json(score: Score, min_score: float | None = None) -> str:
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "model": score.model,
        "result": "PASS" if verdict(score, min_score) else "FAIL",
        "score": round(score.percent, 2),
        "min_score": min_score,
        "counts": {"mutants": len(score.outcomes), "opening": score.opening,
                   **{s: score.count(s) for s in ("caught", "survived", "equivalent",
                                                   "rejected")}},
        "capped": {k: {"kept": kept, "of": total}
                   for k, (kept, total) in sorted(score.capped.items())},
        "operators": KINDS,
        "mutants": [_mutant(o) for o in score.outcomes],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _mutant(o: Outcome) -> dict[str, Any]:
    m = o.mutant
    out: dict[str, Any] = {
        "id": m.id, "kind": m.kind, "status": o.status, "description": m.description,
        "location": m.location,
        "opens": [{"person": f.person, "field": f.field, "mode": f.mode,
                   "from": f.start.isoformat() if f.start else None,
                   "until": f.end.isoformat() if f.end else None} for f in o.opened],
        "caught_by": list(o.caught_by),
    }
    if o.rejected:
        out["refused"] = o.rejected
    return out
