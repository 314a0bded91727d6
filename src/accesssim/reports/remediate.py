"""Text and JSON (schema ``accesssim-remediate/1``, data/remediate.schema.json) of
``accesssim remediate``: the proposal, its cost, the keep items and how it was verified.

Keep changes additive within a major version, as for the analysis report.
"""

from __future__ import annotations

import json
from typing import Any

from accesssim.changes.spec import Change
from accesssim.model.schema import Expectation
from accesssim.remediate import Remediation

SCHEMA_VERSION = "accesssim-remediate/1"
SOLVER = "HiGHS (highspy)"
_HEADLINES = {
    "clean": "nothing to change: no findings, and every keep item passes as it is",
    "proposed": "a minimum-cost change set, verified",
    "conflict": "no change set removes every finding and keeps these items together",
    "impossible": "no change set of the vocabulary removes every finding",
}


def change_text(change: Change) -> str:
    """``kind {param: value, ...}`` as the change-set file writes it."""
    params = ", ".join(f"{k}: {_value(v)}" for k, v in change.params)
    return f"{change.kind} {{{params}}}"


def _value(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, str) and (" " in value or "," in value or not value):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _keep_label(exp: Expectation, keep_file: str) -> str:
    return f"{keep_file}:{exp.line} {exp.id} ({exp.kind})"


def to_text(r: Remediation, keep_file: str | None = None, written: str | None = None) -> str:
    """The answer for a person: what to change, what it costs, how it was checked."""
    lines = [f"remediate {r.model}: {_HEADLINES[r.status]}"]
    if r.status in ("clean", "proposed"):
        lines.append(f"  findings: {r.findings_before} before, {r.findings_after} after")
    if r.changes:
        lines.append(f"  change set, cost {_number(r.cost)}:")
        lines += [f"    {i}. {change_text(c)}  (cost {_number(p)})"
                  for i, (c, p) in enumerate(zip(r.changes, r.prices, strict=True), start=1)]
    if r.keep:
        passed = sum(1 for k in r.keep if k.passed)
        lines.append(f"  keep: {passed} of {len(r.keep)} item(s) pass on the changed model")
        lines += [f"    {'PASS' if k.passed else 'FAIL'} {k.scenario}:{k.line} {k.expectation}: "
                  f"{k.summary}" for k in r.keep]
    if r.status == "conflict":
        lines.append("  a minimal conflicting set of keep items (drop any one and a change "
                     "set exists):")
        lines += [f"    {_keep_label(e, keep_file or 'keep')}" for e in r.conflict]
    if r.status == "proposed":
        lines.append(f"  verified: the changed model analyses to {r.findings_after} findings "
                     "and every keep item passes on it")
    lines.append(f"  solver: {SOLVER}, {r.rounds} analyses, {r.routes} routes, "
                 f"{r.candidates} candidate changes, {r.cuts} keep cuts")
    if written:
        lines.append(f"  wrote {written}")
    return "\n".join(lines) + "\n"


def to_dict(r: Remediation, keep_file: str | None = None, written: str | None = None
            ) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "model": r.model,
        "status": r.status,
        "cost": r.cost,
        "findings_before": r.findings_before,
        "findings_after": r.findings_after,
        "changes": [{"kind": c.kind, "params": {k: list(v) if isinstance(v, tuple) else v
                                                for k, v in c.params},
                     "cost": p} for c, p in zip(r.changes, r.prices, strict=True)],
        "keep": [{"id": k.expectation, "kind": k.kind,
                  "source": {"file": k.scenario, "line": k.line},
                  "passed": k.passed, "summary": str(k.summary)} for k in r.keep],
        "conflict": [{"id": e.id, "kind": e.kind,
                      "source": {"file": keep_file or "keep", "line": e.line}}
                     for e in r.conflict],
        "solver": {"name": SOLVER, "analyses": r.rounds, "routes": r.routes,
                   "candidates": r.candidates, "cuts": r.cuts},
        "written": written,
    }


def to_json(r: Remediation, keep_file: str | None = None, written: str | None = None) -> str:
    return json.dumps(to_dict(r, keep_file, written), indent=2, ensure_ascii=False) + "\n"
