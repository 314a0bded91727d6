"""``accesssim whatif`` as a library call: a change set applied to a copy of the project, and
the patched model compared with the model exactly as ``accesssim diff MODEL PATCHED`` would.

The comparison is the gate's (``gate.check.compare``): the same exposures, the same diff,
the same "opened" attribution to the lines the changes touched; only the HEAD side is the
patched copy, loaded from a scratch folder in the project's layout.
"""

from __future__ import annotations

from dataclasses import dataclass

from accesssim.changes.apply import Patched, loaded, patch
from accesssim.changes.spec import ChangeSet
from accesssim.engine import Project
from accesssim.gate.base import Base, project_texts
from accesssim.gate.check import Progress, analyse, compare
from accesssim.gate.exposures import Exposure
from accesssim.gate.result import ModelDiff


@dataclass(frozen=True)
class WhatIf:
    """The change set, the files it left, and the patched model compared with the model."""

    changeset: ChangeSet
    patched: Patched
    diff: ModelDiff
    exposures: tuple[Exposure, ...]  # the patched model's, as ``diff`` computed them
    notes: tuple[str | None, ...] = ()  # each change's note, when read from a file

    @property
    def widens(self) -> bool:
        """Some exposure is new or widened (``accesssim diff`` exits 1 then)."""
        return bool(self.diff.opened or self.diff.diff.widens)


def whatif(project: Project, changeset: ChangeSet, progress: Progress | None = None,
           notes: tuple[str | None, ...] = ()) -> WhatIf:
    """Apply ``changeset`` to a copy of ``project`` and compare (InputError at a refused
    change's line; nothing is written). ``notes``: shown with the changes."""
    patched = patch(project, changeset.changes)
    base = Base(project, project.loaded.display_path, None, project_texts(project))
    with loaded(project, patched) as head:
        run = analyse(head, progress, "patched")
        md = compare(head, run, base, progress)
    return WhatIf(changeset, patched, md, run.exposures, notes)
