"""Where a model's remediated variant lives: ``NN-name-remediated.yaml`` beside ``NN-name.yaml``
(the convention of scenarios/incidents/), so the summary and the report find it unasked."""

from __future__ import annotations

from pathlib import Path

SUFFIX = "-remediated"


def remediated_variant(model: Path) -> Path | None:
    """The remediated variant beside ``model``, or None (also None for a variant itself)."""
    if model.stem.endswith(SUFFIX):
        return None
    candidate = model.with_name(f"{model.stem}{SUFFIX}{model.suffix}")
    return candidate if candidate.is_file() else None
