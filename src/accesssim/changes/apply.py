"""A change set applied: the project's files edited as text, written out or loaded again.

Every change is a text edit of the model YAML or the policy CSV (``mutate.edits`` and
``changes.text``), so everything it does not touch stays byte for byte and the result is what
a person making that change by hand would commit. Changes apply in order; each sees the texts
the earlier ones left. A change naming something that does not exist, or leaving every file as
it was, is refused at its own ``file:line``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from accesssim.changes import model_kinds, policy_kinds, split
from accesssim.changes.spec import KINDS, Change
from accesssim.changes.state import Refused, State, refuse
from accesssim.engine import Project, _trial_request, load_project
from accesssim.errors import AccessSimError, InputError
from accesssim.model.loader import load_model
from accesssim.mutate import edits
from accesssim.mutate.apply import files
from accesssim.mutate.edits import Edit

_HANDLERS: dict[str, model_kinds.Handler] = {**model_kinds.HANDLERS, **policy_kinds.HANDLERS,
                                               "split_system": split.split_system}


@dataclass(frozen=True)
class Patched:
    """Every file of the project (model, Casbin model, policy) by its path relative to the
    project root, as the changes left it, and the changes applied."""

    texts: Mapping[str, str]
    changes: tuple[Change, ...]
    policy_changed: bool  # a Casbin file differs (else the LoadedPolicy can be reused)

    def changed(self, original: Mapping[str, str]) -> tuple[str, ...]:
        """The files whose text differs from ``original``'s, sorted."""
        return tuple(sorted(f for f, t in self.texts.items() if original.get(f) != t))


def patch(project: Project, changes: Sequence[Change]) -> Patched:
    """The project's texts with every change made, in order; InputError at a refused
    change's source (its file:line), naming what is missing and what exists."""
    return Patcher(project).patch(changes)


class Patcher:
    """``patch`` for many change sets on one project: the files are read once, and each
    piece of the model composed for one change set serves the next (``changes.index``).
    Not for use by two threads at once."""

    def __init__(self, project: Project, *, cut: bool | None = None) -> None:
        """``cut=False``: compose the whole model text for every change (the plain way, for
        tests comparing both)."""
        for shown in files(project):
            if Path(shown).is_absolute() or ".." in Path(shown).parts:
                raise AccessSimError(f"{shown}: outside the project root; cannot copy it")
        self.project = project
        first = State(project, cut=cut)
        self._texts, self._cut, self._pieces = dict(first.texts), first.cut_trusted, first.pieces

    def patch(self, changes: Sequence[Change]) -> Patched:
        st = State(self.project, self._pieces, self._texts, self._cut)
        for change in changes:
            if change.kind not in KINDS:
                raise refuse(change, f"unknown kind (kinds: {', '.join(KINDS)})")
            try:
                made = _HANDLERS[change.kind](st, change)
            except Refused as exc:
                raise refuse(change, str(exc)) from None
            texts = _applied(st.texts, made)
            if texts == st.texts:
                raise refuse(change, "this changes nothing in any file")
            st.texts = texts
        policy = (self.project.policy.policy_display, self.project.policy.model_display)
        return Patched(MappingProxyType(dict(st.texts)), tuple(changes),
                       any(st.texts[f] != self._texts[f] for f in policy))


def _applied(texts: dict[str, str], made: list[Edit]) -> dict[str, str]:
    out = dict(texts)
    for file in sorted({e.file for e in made}):
        out[file] = edits.apply(out[file], [e for e in made if e.file == file])
    return out


def _write_all(folder: Path, patched: Patched) -> None:
    for shown, text in patched.texts.items():
        target = folder / shown
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)


@contextlib.contextmanager
def loaded(project: Project, patched: Patched) -> Iterator[Project]:
    """The patched project loaded from a scratch copy of its layout (removed afterwards).

    The ``LoadedPolicy`` is reused when no Casbin file changed and the loader would try the
    same trial request (mutate/apply.py says why that is exact). When the loader refuses the
    edited files, InputError names the first change after which they no longer load, at its
    own line, with what the loader said.
    """
    folder = Path(tempfile.mkdtemp(prefix="accesssim-changes-"))
    try:
        try:
            again = _load(project, patched, folder)
        except InputError as exc:
            raise _culprit(project, patched, exc) from None
        yield again
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _load(project: Project, patched: Patched, folder: Path) -> Project:
    _write_all(folder, patched)
    model = folder / project.loaded.display_path
    if patched.policy_changed:
        return load_project(model, folder)
    again = load_model(model, folder)
    if _trial_request(again) == _trial_request(project.loaded):
        return Project(again, project.policy)
    return load_project(model, folder, known=again)


def _culprit(project: Project, patched: Patched, exc: InputError) -> InputError:
    """The first change after which the files no longer load (each prefix loaded in turn)."""
    for count, change in enumerate(patched.changes, start=1):
        folder = Path(tempfile.mkdtemp(prefix="accesssim-changes-"))
        try:
            _load(project, patch(project, patched.changes[:count]), folder)
        except InputError as found:
            said = "; ".join(str(p) for p in found.problems[:3])
            more = f" (and {len(found.problems) - 3} more)" if len(found.problems) > 3 else ""
            return refuse(change, f"after this change the files no longer load: {said}{more}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return exc


def refuse_target(project: Project, folder: Path) -> None:
    """``write`` would replace one of the project's own files there: refused."""
    inputs = {p.resolve() for p in project.inputs}
    for shown in files(project):
        if (folder / shown).resolve() in inputs:
            raise InputError.single(str(folder), 0, f"writing there would replace the input "
                                                    f"{shown}: choose another folder")


def write(project: Project, patched: Patched, folder: Path) -> Path:
    """Write the patched files in the project's layout under ``folder``; the model's path.

    All or nothing: the files are written to a scratch folder beside ``folder`` and moved in
    place only when all are written. Never replaces one of the project's own files.
    """
    refuse_target(project, folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".accesssim-write-", dir=folder.parent))
    try:
        _write_all(scratch, patched)
        if not folder.exists():
            os.replace(scratch, folder)
        else:
            for shown in patched.texts:
                target = folder / shown
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(scratch / shown, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder / project.loaded.display_path
