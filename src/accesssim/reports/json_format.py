"""The JSON report, schema ``accesssim.report/v1`` (docs/report-format.md, data/report.schema.json).

Later tools (diff, SARIF, HTML) read this; keep changes additive within a major version.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from accesssim.findings.results import Finding, Hop, Report, Window
from accesssim.model.provenance import Source

SCHEMA_ID = "accesssim.report/v1"


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def source_to_dict(src: Source) -> dict[str, Any]:
    if src.sheet:
        return {"file": src.file, "sheet": src.sheet, "line": src.line}
    return {"file": src.file, "line": src.line}


def hop_to_dict(hop: Hop) -> dict[str, Any]:
    return {"text": hop.text, "sources": [source_to_dict(s) for s in hop.sources],
            "failure_type": hop.defect.value if hop.defect else None}


def window_to_dict(w: Window) -> dict[str, Any]:
    return {"mode": w.mode, "from": _day(w.start), "until": _day(w.end)}


def finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id,
        "failure_types": [t.value for t in f.failure_types],
        "defects": [{"type": d.type.value, "element": d.element,
                     "description": str(d.description), "source": source_to_dict(d.source)}
                    for d in f.defects],
        "exposed": {
            "groups": [{"id": g.person, "name": g.name, "org": g.org, "headcount": g.headcount}
                       for g in f.people],
            "headcount": f.headcount,
            "share_of_untrusted": round(f.share, 6),
            "fields": list(f.fields),
        },
        "witness": [hop_to_dict(h) for h in f.witness],
        "path": [{"node": s.node, "failure_type": s.defect.value if s.defect else None}
                 for s in f.path],
        "holds_in": [window_to_dict(w) for w in f.windows],
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    return {
        "schema": SCHEMA_ID,
        "model": {"name": report.model_name, "file": report.model_file,
                  "casbin_model": report.casbin_model, "casbin_policy": report.casbin_policy},
        "analysis": {"modes": list(report.modes), "at": _day(report.at),
                     "slices": report.slices, "enforce_calls": report.enforce_calls,
                     "untrusted_headcount": report.untrusted_headcount,
                     "warnings": [str(w) for w in report.warnings]},
        "summary": {"findings": len(report.findings),
                    "exposed_headcount": report.exposed_headcount,
                    "failure_types": sorted({t.value for f in report.findings
                                             for t in f.failure_types})},
        "findings": [finding_to_dict(f) for f in report.findings],
    }


def report_to_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), ensure_ascii=False, indent=2) + "\n"
