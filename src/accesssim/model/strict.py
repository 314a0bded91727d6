"""The base of every mapping the project reads from YAML, one place for what "strict" means."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema


class StrictMapping(BaseModel):
    """Base of every mapping of the project's YAML files (the model, change sets, keep and
    cost files, waivers, import mappings): frozen, strict, remembers its line.

    Strict: unknown keys are refused, and every value must already have its type (no
    ``'off'`` for false, no ``'5'`` for 5, no quoted date); keys are read by their YAML name
    only (``from``, not the Python name ``start``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    line: SkipJsonSchema[int] = Field(default=0, alias="__line__", exclude=True)
    key_lines: SkipJsonSchema[dict[str, int]] = Field(
        default_factory=dict, alias="__keys__", exclude=True
    )
