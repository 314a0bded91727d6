"""``accesssim explain PERSON FIELD`` as text or JSON: pure functions of an Explanation."""

from __future__ import annotations

from typing import Any

from accesssim.findings.explain import Explanation
from accesssim.findings.results import window_label
from accesssim.i18n import ENGLISH, Translator, msg
from accesssim.reports.json_format import hop_to_dict, window_to_dict
from accesssim.reports.text import cause_lines


def explanation_to_dict(explanation: Explanation) -> dict[str, Any]:
    """The JSON form of ``accesssim explain PERSON FIELD`` (English, like every JSON)."""
    return {
        "person": explanation.person, "field": explanation.field, "visible": explanation.visible,
        "trusted_in": [w.label() for w in explanation.trusted_in],
        "ways": [{"holds_in": [window_to_dict(w) for w in way.windows],
                  "defects": [{"type": d.type.value, "element": d.element,
                               "source": str(d.source)} for d in way.defects],
                  "witness": [hop_to_dict(h) for h in way.hops]} for way in explanation.ways],
        "reasons_not_visible": [str(r) for r in explanation.reasons],
    }


def explanation_to_text(explanation: Explanation, tr: Translator = ENGLISH) -> str:
    """The text form of ``accesssim explain PERSON FIELD``."""
    who, what = explanation.person, explanation.field
    lines = []
    if explanation.ways:
        lines.append(tr(msg("{person} CAN see {field}, in {count} way(s):", person=who,
                            field=what, count=len(explanation.ways))))
        for i, way in enumerate(explanation.ways, start=1):
            types = ", ".join(sorted({tr(d.type.label) for d in way.defects}))
            lines.append("  " + tr(msg("way {number}: {types}", number=i, types=types)))
            lines.extend(cause_lines(way.windows, way.defects, way.hops, tr=tr))
    else:
        lines.append(tr(msg("{person} cannot see {field} (outside the allowed cases).",
                            person=who, field=what)))
    for window in explanation.trusted_in:
        lines.append("  " + tr(msg("inside the boundary for it in: {window}",
                                   window=window_label(window, tr))))
    for reason in explanation.reasons:
        lines.append(f"  - {tr(reason)}")
    return "\n".join(lines) + "\n"
