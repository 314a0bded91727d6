"""Output formats: each is a pure function of a Report."""

from __future__ import annotations

from enum import Enum

from accesssim.findings.results import Report
from accesssim.i18n import ENGLISH, Translator
from accesssim.reports.dot import report_to_dot
from accesssim.reports.json_format import report_to_dict, report_to_json
from accesssim.reports.text import report_to_text


class OutputFormat(str, Enum):
    TEXT = "text"
    JSON = "json"
    DOT = "dot"


def render(report: Report, fmt: OutputFormat, tr: Translator = ENGLISH) -> str:
    """The report in ``fmt``; only the text people read is translated (JSON and DOT stay
    English: stable words for tools)."""
    if fmt is OutputFormat.TEXT:
        return report_to_text(report, tr)
    if fmt is OutputFormat.JSON:
        return report_to_json(report)
    if fmt is OutputFormat.DOT:
        return report_to_dot(report)
    raise AssertionError(f"unhandled format {fmt}")  # pragma: no cover


__all__ = [
    "OutputFormat",
    "render",
    "report_to_dict",
    "report_to_dot",
    "report_to_json",
    "report_to_text",
]
