"""What the search classifies: the failure types and the defective elements a path rests on."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from accesssim.i18n import N_, Msg
from accesssim.model.provenance import Source


class FailureType(str, Enum):
    """The eleven failure types of the 2023 EGC paper (docs/incidents.md), in its order."""

    MASKING_DEFECT = "masking-defect"
    UNCHECKED_TRANSITION = "unchecked-transition"
    TERMINAL_PLACEMENT = "terminal-placement"
    TERMINAL_MISDISTRIBUTION = "terminal-misdistribution"
    DISASTER_LENDING = "disaster-lending-left-in-place"
    OUTAGE_WORKAROUND = "outage-workaround-left-open"
    EMERGENCY_RIGHTS = "emergency-rights-in-normal-time"
    CREDENTIAL_MISUSE = "credential-misuse"
    TEMPORARY_DISPLAY = "temporary-display"
    ENCODING_OMISSION = "encoding-omission"
    EXTERNAL_ACCOUNT = "external-account-used-by-affiliates"

    @property
    def label(self) -> str:
        """The English name, also the msgid of its translation (the regulator's own term)."""
        return _TITLES[self]


_TITLES = {
    FailureType.MASKING_DEFECT: N_("masking defect"),
    FailureType.UNCHECKED_TRANSITION: N_("unchecked screen transition"),
    FailureType.TERMINAL_PLACEMENT: N_("terminal placement"),
    FailureType.TERMINAL_MISDISTRIBUTION: N_("terminal misdistribution"),
    FailureType.DISASTER_LENDING: N_("disaster-time lending left in place"),
    FailureType.OUTAGE_WORKAROUND: N_("access left open after an outage"),
    FailureType.EMERGENCY_RIGHTS: N_("emergency rights usable in normal time"),
    FailureType.CREDENTIAL_MISUSE: N_("credential misuse"),
    FailureType.TEMPORARY_DISPLAY: N_("temporary display"),
    FailureType.ENCODING_OMISSION: N_("encoding omission"),
    FailureType.EXTERNAL_ACCOUNT: N_("externally issued account used by affiliates"),
}


@dataclass(frozen=True, order=True)
class Defect:
    """One element that should not have let the path through (a root-cause part)."""

    type: FailureType
    element: str  # stable key, e.g. "terminal:tohoku-t1" or "policy:p, retail, takuso, s1, ..."
    description: Msg = field(compare=False)
    source: Source = field(compare=False)

#: The mode in which disaster-purpose elements serve their purpose (not a defect by themselves).
DISASTER = "disaster"
