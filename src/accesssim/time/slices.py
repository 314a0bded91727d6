"""Slices: every mode x epoch the analysis evaluates, cut at every date the inputs name."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel

from accesssim.model.loader import LoadedModel
from accesssim.policy.load import LoadedPolicy
from accesssim.time.epochs import Epoch, boundaries, epochs


@dataclass(frozen=True)
class Slice:
    """One mode and one epoch: the unit the analysis evaluates."""

    index: int
    mode: str
    epoch: Epoch
    day: dt.date


def _policy_date(value: str | None) -> dt.date | None:
    return None if value is None or value == "*" else dt.date.fromisoformat(value)


def build_slices(loaded: LoadedModel, policy: LoadedPolicy, modes: list[str],
                 at: dt.date | None) -> list[Slice]:
    """One slice per mode and epoch (or the one epoch holding ``at``)."""
    windows: list[tuple[dt.date | None, dt.date | None]] = []
    model = loaded.model

    def visit(obj: BaseModel) -> None:
        valid = getattr(obj, "valid", None)
        if valid is not None:
            windows.append((valid.start, valid.until))
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, BaseModel) and name != "valid":
                    visit(item)

    visit(model)
    tokens = policy.p_tokens
    for rule in policy.rules:
        start = rule.get("valid_from", tokens)
        until = rule.get("valid_until", tokens)
        windows.append((_policy_date(start), _policy_date(until)))
    # A date literal in the matcher may flip decisions on that day or the day after.
    windows.extend((day, day) for day in policy.matcher_dates)
    cuts = boundaries(windows)
    all_epochs = epochs(cuts)
    if at is not None:
        chosen = [(e, at) for e in all_epochs if e.contains(at)]
    else:
        chosen = [(e, e.representative()) for e in all_epochs]
    result: list[Slice] = []
    for mode in modes:
        for epoch, day in chosen:
            result.append(Slice(len(result), mode, epoch, day))
    return result
