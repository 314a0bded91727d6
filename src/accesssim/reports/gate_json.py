"""JSON of ``accesssim diff`` and ``accesssim check``, schema ``accesssim-check/1``
(docs/report-format.md, data/check.schema.json): what a pipeline reads instead of the text.

Keep changes additive within a major version, as for the analysis report.
"""

from __future__ import annotations

import json
from typing import Any

from accesssim.gate.diff import Change, Fact
from accesssim.gate.result import SCHEMA_VERSION, GateReport, ModelDiff, Opened, Reason, Waiver
from accesssim.gate.waivers import unused
from accesssim.model.provenance import Source
from accesssim.reports.gate_text import STATUSES
from accesssim.reports.json_format import hop_to_dict, source_to_dict
from accesssim.suite.checks import CheckResult

_COUNT_KEYS = ("models", "findings_new", "findings_gone", "findings_widened", "findings_narrowed",
               "findings_unchanged", "exposures_new", "exposures_widened", "exposures_waived",
               "exposures_narrowed", "expectations", "expectations_failed", "waivers",
               "waivers_expired", "reasons")


def _source(src: Source | None) -> dict[str, Any] | None:
    return source_to_dict(src) if src else None


def _fact(fact: Fact) -> dict[str, Any]:
    return {"person": fact.person, "field": fact.field, "mode": fact.mode,
            "from": fact.start.isoformat() if fact.start else None,
            "until": fact.end.isoformat() if fact.end else None}


def _change(change: Change) -> dict[str, Any]:
    return {"id": change.id,
            "failure_types": sorted({t.value for t, _ in change.root}),
            "elements": [e for _, e in change.root],
            "gained": [_fact(f) for f in change.gained],
            "lost": [_fact(f) for f in change.lost]}


def _waiver(w: Waiver, report: GateReport | None) -> dict[str, Any]:
    return {"fingerprint": w.fingerprint, "model": w.model, "owner": w.owner,
            "reason": w.reason, "expires": w.expires.isoformat(),
            "expired": w.expired(report.today) if report else False,
            "used": report is not None and not unused(report.models, (w,)),
            "source": _source(w.source)}


def _opened(o: Opened, report: GateReport | None) -> dict[str, Any]:
    return {"fingerprint": o.fingerprint, "status": o.status,
            "person": {"id": o.person, "name": o.person_name, "org": o.org,
                       "headcount": o.headcount},
            "field": o.field, "finding": o.finding,
            "failure_types": [t.value for t in o.failure_types],
            "gained": [{"mode": f.mode, "from": f.start.isoformat() if f.start else None,
                        "until": f.end.isoformat() if f.end else None} for f in o.gained],
            "hops": [hop_to_dict(h) for h in o.hops],
            "changed": [_source(s) for s in o.changed],
            "location": _source(o.location),
            "waiver": _waiver(o.waiver, report) if o.waiver else None}


def _model(md: ModelDiff, report: GateReport | None) -> dict[str, Any]:
    return {"model": md.model, "base": md.base, "base_note": md.base_note,
            "findings": {s: [_change(c) for c in md.diff.with_status(s)] for s in STATUSES},
            "widened": [_fact(f) for f in md.diff.widened],
            "narrowed": [_fact(f) for f in md.diff.narrowed],
            "opened": [_opened(o, report) for o in md.opened]}


def _reason(r: Reason) -> dict[str, Any]:
    return {"kind": r.kind, "message": r.message, "source": _source(r.source),
            "fingerprint": r.fingerprint}


def _expectation(r: CheckResult) -> dict[str, Any]:
    return {"scenario": r.scenario, "id": r.expectation, "kind": r.kind, "line": r.line,
            "passed": r.passed, "summary": str(r.summary), "expected": str(r.expected),
            "actual": str(r.actual), "witness": [hop_to_dict(h) for h in r.witness]}


def check_to_dict(report: GateReport) -> dict[str, Any]:
    counts = report.counts()
    return {"schema": SCHEMA_VERSION, "command": "check", "result": report.result,
            "error": None, "base_ref": report.base_ref, "today": report.today.isoformat(),
            "counts": {k: counts[k] for k in _COUNT_KEYS},
            "reasons": [_reason(r) for r in report.reasons],
            "models": [_model(m, report) for m in report.models],
            "expectations": [_expectation(r) for r in report.expectations],
            "waivers": [_waiver(w, report) for w in report.waivers]}


def diff_to_dict(md: ModelDiff) -> dict[str, Any]:
    """A diff reads as a check of one model without expectations or waivers; its result is
    FAIL when some exposure is new or widened (the exit code 1 of ``accesssim diff``)."""
    report = GateReport(models=(md,), expectations=(), waivers=(), reasons=())
    counts = report.counts()
    return {"schema": SCHEMA_VERSION, "command": "diff",
            "result": "FAIL" if md.opened or md.diff.widens else "PASS",
            "error": None, "base_ref": None, "today": None,
            "counts": {k: counts[k] for k in _COUNT_KEYS}, "reasons": [],
            "models": [_model(md, None)], "expectations": [], "waivers": []}


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def check_to_json(report: GateReport) -> str:
    return _dump(check_to_dict(report))


def diff_to_json(md: ModelDiff) -> str:
    return _dump(diff_to_dict(md))


def error_to_json(message: str) -> str:
    """The whole output when the run could not finish (exit 2): never a partial result."""
    return _dump({"schema": SCHEMA_VERSION, "result": "ERROR", "error": message})
