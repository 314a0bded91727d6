"""Where a model's remediated variant lives: ``NN-name-remediated.yaml`` beside ``NN-name.yaml``
(the convention of scenarios/incidents/), so the summary and the report find it unasked."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from accesssim.model.schema import SystemModel
from accesssim.summary.rows import companies

SUFFIX = "-remediated"


def remediated_variant(model: Path) -> Path | None:
    """The remediated variant beside ``model``, or None (also None for a variant itself)."""
    if model.stem.endswith(SUFFIX):
        return None
    candidate = model.with_name(f"{model.stem}{SUFFIX}{model.suffix}")
    return candidate if candidate.is_file() else None


def variant_problem(model: SystemModel, variant: SystemModel, modes: Iterable[str]) -> str | None:
    """Why ``variant`` cannot judge ``model``'s findings (None: it can). A finding absent from
    the variant is called closed, so another company's model, a model of other systems, or one
    that lacks a mode analysed here would close findings it never looked at."""
    ours = sorted(c.id for c in companies(model))
    theirs = sorted(c.id for c in companies(variant))
    if ours != theirs:
        return (f"not a remediated variant of this model ({model.name!r}): its grid companies "
                f"({', '.join(theirs) or 'none'}) are not the model's "
                f"({', '.join(ours) or 'none'})")
    systems = {(s.id, s.owner) for s in model.systems}
    if systems and not systems & {(s.id, s.owner) for s in variant.systems}:
        named = ", ".join(f"{s} owned by {o}" for s, o in sorted(systems))
        return (f"not a remediated variant of this model: it describes none of its systems "
                f"({named}); give the variant of the same model")
    missing = [m for m in modes if m not in variant.modes]
    if missing:
        return (f"the remediated variant does not declare mode {', '.join(missing)}, which is "
                f"analysed here: a finding of that mode would be called closed; declare the "
                f"mode in the variant or choose the modes with --mode")
    return None
