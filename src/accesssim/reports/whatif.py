"""``accesssim whatif``'s outputs: ``accesssim diff``'s text and JSON (gate_text, gate_json),
preceded by the changes applied, each with the line it was read from."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from accesssim.changes.load import describe
from accesssim.changes.spec import Change
from accesssim.changes.whatif import WhatIf
from accesssim.reports.gate_json import diff_to_dict
from accesssim.reports.gate_text import diff_to_text


def _lines(result: WhatIf) -> list[str]:
    cs = result.changeset
    where = f" from {cs.source}" if cs.source else ""
    lines = [f"what if: {len(cs.changes)} change(s){where}"]
    if cs.note:
        lines.append(f"  note: {' '.join(cs.note.splitlines())}")
    for number, change in enumerate(cs.changes, start=1):
        at = f"  [{change.source}]" if change.source is not None else ""
        lines.append(f"  {number}. {describe(change)}{at}")
        note = _note(result, number - 1)
        if note is not None:
            lines.append(f"     note: {' '.join(note.splitlines())}")
    return lines


def _note(result: WhatIf, index: int) -> str | None:
    return result.notes[index] if index < len(result.notes) else None


def whatif_to_text(result: WhatIf) -> str:
    """The changes applied, then exactly what ``accesssim diff MODEL PATCHED`` prints."""
    return "\n".join(_lines(result)) + "\n" + diff_to_text(result.diff)


def _value(value: object) -> Any:
    if isinstance(value, tuple):
        return [_value(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def change_to_dict(change: Change, note: str | None = None) -> dict[str, Any]:
    src = change.source
    return {"kind": change.kind, "params": {k: _value(v) for k, v in change.params},
            "source": {"file": src.file, "line": src.line} if src is not None else None,
            "note": note}


def whatif_to_dict(result: WhatIf) -> dict[str, Any]:
    """``accesssim diff``'s JSON object with ``command: whatif`` and the changes applied."""
    data = diff_to_dict(result.diff)
    data["command"] = "whatif"
    data["changes"] = [change_to_dict(c, _note(result, i))
                       for i, c in enumerate(result.changeset.changes)]
    return data


def whatif_to_json(result: WhatIf) -> str:
    return json.dumps(whatif_to_dict(result), ensure_ascii=False, indent=2) + "\n"
