"""Provenance: the file and line a fact comes from, cited by every edge, hop and refusal."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Source:
    """Where a fact comes from: a model YAML line, a Casbin policy/model line, a database
    row (``file`` is then the table, ``line`` the row id) or an inventory row (``line`` is
    the row; ``sheet`` names a spreadsheet's sheet)."""

    file: str
    line: int
    sheet: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.sheet}:{self.line}" if self.sheet else f"{self.file}:{self.line}"
