"""split_system: give some organizations their own copy of named screens (the Kansai remedy)."""

from __future__ import annotations

from accesssim.changes.spec import Change
from accesssim.changes.state import State, fail
from accesssim.mutate.edits import Edit


def split_system(st: State, c: Change) -> list[Edit]:
    fail("split_system is not available yet")
