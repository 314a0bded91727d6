"""The regulator's summary as JSON, schema ``accesssim.summary/v1``
(data/summary.schema.json): English keys and values whatever ``--lang`` says."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from accesssim.summary.rows import Named, SummaryRow

SCHEMA_ID = "accesssim.summary/v1"


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _named(item: Named) -> dict[str, str]:
    return {"id": item.id, "name": item.name}


def row_to_dict(row: SummaryRow) -> dict[str, Any]:
    return {
        "model": {"name": row.model_name, "file": row.model_file},
        "companies": [_named(c) for c in row.companies],
        "modes": list(row.modes),
        "failure_types": [t.value for t in row.failure_types],
        "findings": row.findings,
        "headcount": row.headcount,
        "exposures": [{"org": _named(e.org), "headcount": e.headcount,
                       "fields": [_named(f) for f in e.fields]} for e in row.exposures],
        "windows": [{"mode": s.mode, "start": _date(s.start), "end": _date(s.end)}
                    for s in row.spans],
        "status": row.status.value,
        "variant": None if row.variant_file is None else {
            "file": row.variant_file,
            "findings": row.remaining_findings,
            "failure_types": [t.value for t in row.remaining],
        },
    }


def summary_to_json(rows: Sequence[SummaryRow]) -> str:
    data = {"schema": SCHEMA_ID, "rows": [row_to_dict(r) for r in rows]}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
