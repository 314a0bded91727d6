"""Slices: every mode x epoch the analysis evaluates, cut at every date the inputs name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from accesssim.model.loader import LoadedModel
from accesssim.model.schema import Guarded
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
    model = loaded.model
    # Every element that can carry a validity window (each Guarded list of the model), read
    # from its list directly: reflecting over every field of every object cost most of this.
    elements: list[Iterable[Guarded]] = [model.trust, model.people, model.locations,
                                         model.accounts, model.terminals]
    for system in model.systems:
        elements.append(system.transitions)
        elements.append(system.screens)
        elements.extend(screen.shows for screen in system.screens)
    windows: list[tuple[dt.date | None, dt.date | None]] = [
        (e.valid.start, e.valid.until) for group in elements for e in group if e.valid is not None]
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
