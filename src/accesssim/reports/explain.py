"""``accesssim explain PERSON FIELD`` as text or JSON: pure functions of an Explanation."""

from __future__ import annotations

from typing import Any

from accesssim.findings.explain import Explanation
from accesssim.reports.json_format import hop_to_dict, window_to_dict
from accesssim.reports.text import cause_lines


def explanation_to_dict(explanation: Explanation) -> dict[str, Any]:
    """The JSON form of ``accesssim explain PERSON FIELD``."""
    return {
        "person": explanation.person, "field": explanation.field, "visible": explanation.visible,
        "trusted_in": explanation.trusted_in,
        "ways": [{"holds_in": [window_to_dict(w) for w in way.windows],
                  "defects": [{"type": d.type.value, "element": d.element,
                               "source": str(d.source)} for d in way.defects],
                  "witness": [hop_to_dict(h) for h in way.hops]} for way in explanation.ways],
        "reasons_not_visible": explanation.reasons,
    }


def explanation_to_text(explanation: Explanation) -> str:
    """The text form of ``accesssim explain PERSON FIELD``."""
    who, what = explanation.person, explanation.field
    lines = []
    if explanation.ways:
        lines.append(f"{who} CAN see {what}, in {len(explanation.ways)} way(s):")
        for i, way in enumerate(explanation.ways, start=1):
            types = ", ".join(sorted({d.type.label for d in way.defects}))
            lines.append(f"  way {i}: {types}")
            lines.extend(cause_lines(way.windows, way.defects, way.hops))
    else:
        lines.append(f"{who} cannot see {what} (outside the allowed cases).")
    for label in explanation.trusted_in:
        lines.append(f"  inside the boundary for it in: {label}")
    for reason in explanation.reasons:
        lines.append(f"  - {reason}")
    return "\n".join(lines) + "\n"
