"""Provenance: the file and line a fact comes from, cited by every edge, hop and refusal."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Source:
    """Where a fact comes from: a model YAML line or a Casbin policy/model line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"
