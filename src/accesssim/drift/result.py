"""What ``accesssim drift`` returns: frozen data every output format reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from accesssim.model.provenance import Source
from accesssim.search.defects import FailureType

Status = Literal["added", "removed", "changed"]
#: exercised: a deployed finding rests on it; latent: the rule table says it could cause the
#: types, no finding rests on it today; none: neither.
Evidence = Literal["exercised", "latent", "none"]


@dataclass(frozen=True, order=True)
class AttributeChange:
    """One attribute of an element, as compact JSON text in each model."""

    attribute: str
    design: str
    deployed: str


@dataclass(frozen=True)
class Difference:
    """An element only in the deployed model (added), only in the design (removed), or in
    both with other values (changed), cited in each model that holds it."""

    kind: str
    id: str
    status: Status
    design: Source | None
    deployed: Source | None
    changes: tuple[AttributeChange, ...] = ()
    failure_types: tuple[FailureType, ...] = ()
    evidence: Evidence = "none"
    #: Deployed findings whose defects or witness hops cite this element.
    findings: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True, order=True)
class ExposureDelta:
    """A person group sees a field in a mode in one model and not the other."""

    person: str
    field: str
    mode: str
    #: The findings of the model that has the exposure (deployed for opened, design for closed).
    findings: tuple[str, ...]
    #: Keys (``kind:id``) of the differences those findings rest on.
    differences: tuple[str, ...] = ()


@dataclass(frozen=True)
class Drift:
    """Design versus deployed: every difference, and the exposures only one model has."""

    design_name: str
    design_file: str
    deployed_name: str
    deployed_file: str
    modes: tuple[str, ...]
    at: dt.date | None
    differences: tuple[Difference, ...]
    #: Exposures only the deployed model has (the exit code rests on these).
    opened: tuple[ExposureDelta, ...]
    #: Exposures only the design has (closed in the deployed model), for information.
    closed: tuple[ExposureDelta, ...]

    @property
    def widens(self) -> bool:
        return bool(self.opened)
