"""``accesssim faults`` as text for people and as versioned JSON for tools
(``accesssim-faults/1``, schema in data/faults.schema.json, keys in docs/faults.md)."""

from __future__ import annotations

import json
from typing import Any

from accesssim.faults.catalogue import KINDS, Failure
from accesssim.faults.result import Faults, FieldFaults

SCHEMA = "accesssim-faults/1"
#: Minimal sets shown per field in the text; the JSON lists them all.
SHOWN_SETS = 5


def verdict(result: Faults, minimum: int) -> bool:
    """True when every field is shown to need at least ``minimum`` failures."""
    return not result.below(minimum)


def _bounded(result: Faults) -> list[str]:
    return [f"note: {kind}: only {kept} of {total} failures were catalogued (spread evenly); "
            "answers for the systems they touch are bounds"
            for kind, (kept, total) in sorted(result.capped.items())]


def to_text(result: Faults, minimum: int) -> str:
    kinds = ", ".join(f"{k} {n}" for k, n in result.catalogue.items())
    total = sum(result.catalogue.values())
    lines = [f"faults in {result.model} (sets of up to {_n(result.k, 'failure')}): "
             f"{total} catalogued failures ({kinds or 'none'}); {result.analyses} analyses, "
             f"{result.verified} minimal sets re-verified", *_bounded(result), "",
             "resilience per field (failures needed before an outsider sees it; exposed, "
             "exact and none are exact, the others bounds):"]
    width = max((len(f"{f.system}/{f.field}") for f in result.fields), default=0)
    for f in result.fields:
        weakest = f"  weakest: {', '.join(f.weakest)}" if f.weakest else ""
        lines.append(f"  {f.system + '/' + f.field:<{width}}  {f.shown:>7}  "
                     f"{f.status:<8}{weakest}")
    shown = [f for f in result.fields if f.sets and f.status != "exposed"]
    if shown:
        lines += ["", f"minimal failure sets (up to {result.k}):"]
    for f in shown:
        lines.append(f"  {f.system}/{f.field}:")
        lines += [f"    {{{', '.join(s)}}}" for s in f.sets[:SHOWN_SETS]]
        if len(f.sets) > SHOWN_SETS:
            lines.append(f"    and {len(f.sets) - SHOWN_SETS} more (--format json lists all)")
    if result.weakest:
        lines += ["", "weakest controls (failures in the most minimal sets):"]
        lines += [f"  {fid}  in {_n(n, 'set')}" for fid, n in result.weakest]
    if result.failures:
        lines += ["", "failures named above:"]
        lines += [f"  {f.id}: {f.description}" for f in result.failures]
    low = result.below(minimum)
    lines.append("")
    if low:
        names = ", ".join(f"{f.system}/{f.field} ({f.shown})" for f in low)
        lines.append(f"FAIL: {_n(len(low), 'field')} not shown to need at least "
                     f"{_n(minimum, 'failure')} (--min-resilience): {names}")
    else:
        lines.append(f"PASS: every field needs at least {_n(minimum, 'failure')}")
    return "\n".join(lines) + "\n"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def to_json(result: Faults, minimum: int) -> str:
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "model": result.model,
        "result": "PASS" if verdict(result, minimum) else "FAIL",
        "k": result.k,
        "min_resilience": minimum,
        "catalogue": {
            "kinds": dict(result.catalogue),
            "capped": {k: {"kept": kept, "of": total}
                       for k, (kept, total) in sorted(result.capped.items())},
            "meanings": {k: KINDS[k] for k in KINDS},
        },
        "analyses": result.analyses,
        "verified": result.verified,
        "fields": [_field(f, minimum) for f in result.fields],
        "weakest": [{"failure": fid, "sets": n} for fid, n in result.weakest],
        "failures": [_failure(f) for f in result.failures],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _field(f: FieldFaults, minimum: int) -> dict[str, Any]:
    return {"field": f.field, "system": f.system, "status": f.status, "exact": f.exact,
            "resilience": f.resilience, "shown": f.shown, "below_minimum": f.below(minimum),
            "minimal_sets": [list(s) for s in f.sets], "weakest": list(f.weakest)}


def _failure(f: Failure) -> dict[str, Any]:
    """A failure with its change as a change-set item (``{kind: {param: value}}``)."""
    params = {name: v if isinstance(v, str) else str(v) for name, v in f.change.params}
    return {"id": f.id, "kind": f.kind, "description": f.description,
            "change": {f.change.kind: params}}
