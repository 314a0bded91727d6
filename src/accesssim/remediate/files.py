"""The KEEP and COSTS files of ``accesssim remediate``, read like the waiver file: the model's
own safe YAML loader, pydantic, every problem at its line, all at once.

A keep item is written exactly like a scenario expectation (docs/expectations.md) and is
checked by the same code (suite/checks.py); a cost is a positive number per kind of change.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from accesssim.changes.spec import KINDS
from accesssim.errors import InputError, Problem
from accesssim.model.loader import line_at, read_yaml
from accesssim.model.references import _check_expectations
from accesssim.model.schema import Expectation, SystemModel
from accesssim.model.strict import StrictMapping

KEEP_KEY, COSTS_KEY = "accesssim-keep", "accesssim-costs"

#: The prices the solver compares exactly: HiGHS's tolerances are about 1e-7 and it takes
#: costs from 1e20 as infinite, so finer or larger prices could tie or vanish silently.
MIN_COST, MAX_COST = 0.001, 1e6

#: The default price of each kind of change (docs/remediate.md): a switch in a screen's code
#: is cheap, taking rights or equipment away costs more, splitting a system costs most.
DEFAULT_COSTS: Mapping[str, float] = MappingProxyType({
    "check": 1, "mask": 2, "end_session": 1, "rotate": 2, "remove_rule": 3,
    "gate_to_disaster": 3, "revoke": 4, "unassign_terminal": 4, "withdraw_terminal": 6,
    "close_location": 8, "move_terminal": 6, "split_system": 50,
    "grant": 4, "add_rule": 3, "ungate": 3, "extend": 3, "hand_terminal": 4, "unmask": 2,
    "uncheck": 1, "share_credential": 2, "open_location": 8,
})


_Strict = StrictMapping  # frozen, strict, unknown keys refused, line kept


class KeepFile(_Strict):
    """What must stay true after the remedy, in the vocabulary of scenario expectations."""

    version: Literal[1] = Field(alias="accesssim-keep", description="Format version: 1.")
    keep: list[Expectation] = Field(description="Expectations that must still pass.")

    @field_validator("version", mode="before")
    @classmethod
    def _exact(cls, value: object) -> object:
        return _exact_version(value)


class CostsFile(_Strict):
    """Prices per kind of change; kinds left out keep their default."""

    version: Literal[1] = Field(alias="accesssim-costs", description="Format version: 1.")
    costs: dict[str, float] = Field(description="Kind of change -> a positive number.")

    @field_validator("version", mode="before")
    @classmethod
    def _exact(cls, value: object) -> object:
        return _exact_version(value)

    @field_validator("costs", mode="before")
    @classmethod
    def _unmarked(cls, value: object) -> object:
        """The reader marks each mapping with its lines (``__line__``): not kinds."""
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if not str(k).startswith("__")}
        return value


def _exact_version(value: object) -> object:
    if type(value) is not int or value != 1:
        raise ValueError(f"the version must be the number 1, not {value!r}")
    return value


def load_keep(path: Path, shown: str, model: SystemModel) -> tuple[Expectation, ...]:
    """The keep items, each checked like a scenario expectation of ``model`` (unknown ids,
    modes, duplicate ids: InputError at the item's line)."""
    data = _mapping(path, shown, KEEP_KEY, "keep")
    try:
        parsed = KeepFile.model_validate(data)
    except ValidationError as exc:
        raise InputError([_problem(err, data, shown) for err in exc.errors()]) from None
    checked = model.model_copy(update={"expectations": parsed.keep})
    problems = list(_check_expectations(checked, shown, _ids(model)))
    if problems:
        raise InputError(problems)
    return tuple(parsed.keep)


def load_costs(path: Path, shown: str) -> Mapping[str, float]:
    """The defaults with the file's prices over them; unknown kind or price <= 0: exit 2."""
    data = _mapping(path, shown, COSTS_KEY, "costs")
    try:
        parsed = CostsFile.model_validate(data)
    except ValidationError as exc:
        raise InputError([_problem(err, data, shown) for err in exc.errors()]) from None
    problems = []
    for kind, price in parsed.costs.items():
        line = line_at(data, ["costs", kind])
        if kind not in KINDS:
            problems.append(Problem(shown, line, f"costs.{kind}: unknown kind of change "
                                                 f"(known: {', '.join(sorted(KINDS))})"))
        elif not MIN_COST <= price <= MAX_COST:
            problems.append(Problem(
                shown, line, f"costs.{kind}: {price} is not a positive finite number from "
                f"{MIN_COST} to {MAX_COST:g} (the solver cannot tell finer or larger prices "
                "apart)"))
    if problems:
        raise InputError(problems)
    return MappingProxyType({**DEFAULT_COSTS, **parsed.costs})


def _mapping(path: Path, shown: str, key: str, items: str) -> dict[str, Any]:
    data = read_yaml(path, shown)
    if not isinstance(data, dict):
        raise InputError.single(shown, 1, f"the file must be a YAML mapping with '{key}: 1' "
                                          f"and '{items}'")
    return data


def _ids(model: SystemModel) -> dict[str, set[str]]:
    return {
        "organization": {o.id for o in model.organizations},
        "person": {p.id for p in model.people},
        "account": {a.id for a in model.accounts},
        "system": {s.id for s in model.systems},
        "field": {f.id for s in model.systems for f in s.fields},
        "screen": {x.id for s in model.systems for x in s.screens},
    }


def _problem(err: Any, data: Any, shown: str) -> Problem:
    loc = list(err["loc"])
    where = ".".join(str(p) for p in loc) or "(top level)"
    kind, message = err["type"], err["msg"]
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "missing":
        message = "missing key"
    elif kind == "value_error":
        message = str(err["ctx"]["error"])
    return Problem(shown, line_at(data, loc), f"{where}: {message}")
