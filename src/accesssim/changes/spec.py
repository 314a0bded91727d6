"""The change-set vocabulary: every kind of change an architect (``whatif``), a failure
(``faults``) or a remedy (``remediate``) can make, as typed frozen data.

A change names the elements it touches by id (and a policy line by its values), never by line
number, so a change set stays valid while the files around it are edited. Its ``source`` is
where it was read (``CHANGES.yaml:7``), or None when a program made it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from accesssim.model.provenance import Source

#: Every kind, its parameters (required ones first, optional ones with a trailing ``?``) and
#: what it does, in the order docs/whatif.md lists them.
KINDS: Mapping[str, tuple[tuple[str, ...], str]] = MappingProxyType({
    "revoke": (("member", "role", "system?"),
               "remove the g line(s) linking member to role (in system's domain)"),
    "grant": (("member", "role", "system?"), "add a g line linking member to role"),
    "remove_rule": (("rule",), "remove every p line with these values"),
    "add_rule": (("rule",), "add a p line with these values"),
    "gate_to_disaster": (("rule?", "account?", "terminal?", "location?"),
                         "let a p line, or a model element, hold in disaster mode only"),
    "ungate": (("rule?", "account?", "terminal?", "location?"),
               "let a disaster-only p line or element hold in every mode"),
    "extend": (("rule?", "account?", "terminal?", "location?", "person?", "screen?",
                "until?"),
               "move the end of a validity window (until: a date, or null for no end)"),
    "move_terminal": (("terminal", "to"), "stand a terminal at another location"),
    "withdraw_terminal": (("terminal",), "remove a terminal"),
    "hand_terminal": (("terminal", "person"), "assign a terminal to a person"),
    "unassign_terminal": (("terminal", "person"), "take an assigned terminal back"),
    "end_session": (("terminal", "account"), "end a session left logged in on a terminal"),
    "mask": (("screen", "field", "masking?"),
             "mask a field on a screen (masking: policy, the default, or masked)"),
    "unmask": (("screen", "field", "purpose?"), "show a field on a screen in clear"),
    "check": (("from", "to"), "make a transition check the target's access rule"),
    "uncheck": (("from", "to"), "let a transition skip the target's access rule"),
    "rotate": (("account",), "rotate a credential: nobody but its holder knows it any more"),
    "share_credential": (("account", "person"), "a person learns an account's ID/password"),
    "close_location": (("location", "org"), "the location is no longer open to the org"),
    "open_location": (("location", "org"), "the location is open to the org"),
    "split_system": (("system", "into", "screens", "for", "name?"),
                     "give the orgs in 'for' their own copy of the named screens"),
})


@dataclass(frozen=True)
class Change:
    """One change: its kind and its parameters (sorted by name), and where it was read."""

    kind: str
    params: tuple[tuple[str, object], ...]
    source: Source | None = None

    def get(self, key: str, default: object = None) -> object:
        for name, value in self.params:
            if name == key:
                return value
        return default

    @property
    def key(self) -> tuple[str, tuple[tuple[str, object], ...]]:
        """What the change does, without where it was read: equal keys, equal changes."""
        return self.kind, self.params

    @staticmethod
    def make(kind: str, source: Source | None = None, **params: object) -> Change:
        """A change from keyword parameters (None values are left out); lists become tuples."""
        items = tuple(sorted((k, tuple(v) if isinstance(v, list) else v)
                             for k, v in params.items() if v is not None))
        return Change(kind, items, source)


@dataclass(frozen=True)
class ChangeSet:
    """The changes of one file (or of one proposal), in the order they are applied."""

    changes: tuple[Change, ...]
    source: str | None = None  # the file as users see it
    note: str | None = None
