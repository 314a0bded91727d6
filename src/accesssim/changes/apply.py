"""A change set applied: the project's files edited as text, written out or loaded again.

Every change is a text edit of the model YAML or the policy CSV (``mutate.edits`` and
``changes.text``), so everything it does not touch stays byte for byte and the result is what
a person making that change by hand would commit. Changes apply in order; each sees the texts
the earlier ones left. A change naming something that does not exist, or leaving every file as
it was, is refused at its own ``file:line``.

The one patcher (``Patcher``) serves whatif, faults and remediate: its ``patch`` makes the
changes that edit different places in one pass over the same texts, and applies the texts
before a change that may see an earlier one's edit; byte for byte the texts of sequential
application (tests/test_changes_onepass.py), at a fraction of the cost for large sets.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
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

#: A line break written as a lone CR (YAML reads it; the edits find lines by LF).
_LONE_CR = re.compile(r"\r(?!\n)")

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
        self._lone_cr = _LONE_CR.search(first.text) is not None  # edits never write one

    def patch(self, changes: Sequence[Change]) -> Patched:
        """The texts after every change: in one pass where the changes edit different
        places (each edit computed on the texts before the batch, all made at once), and
        one after the other where they do not; the same texts as ``sequential``."""
        st = State(self.project, self._pieces, self._texts, self._cut)
        batch: list[Edit] = []
        sites: set[tuple[str, str]] = set()
        for change in changes:
            site = _site(change)
            made = None if site in sites or _SPLIT in sites else \
                self._batched(st, batch, change)
            if made is None:  # this change must see the batch's edits: apply them first
                st.texts, batch = _applied(st.texts, batch), []
                sites.clear()
                made = self._made(st, change)
            batch += made
            if site is not None:
                sites.add(site)
        return self._patched(_applied(st.texts, batch), tuple(changes))

    def sequential(self, changes: Sequence[Change]) -> Patched:
        """The texts after every change, each change made on the texts the earlier left."""
        made = list(itertools.islice(self.steps(changes), max(len(changes) - 1, 0), None))
        return made[-1] if made else self._patched({}, ())

    def _batched(self, st: State, batch: list[Edit], change: Change) -> list[Edit] | None:
        """The change's edits on the texts before ``batch``, or None when it may depend on
        the batch: it is refused there, its edits meet one of the batch's, it splits a
        system, or it edits the policy after the batch wrote a policy line (which it may
        match). A lone-CR model refuses every model edit, so batches stay policy-only."""
        if not batch:
            return self._made(st, change)
        if change.kind == "split_system":
            return None
        try:
            made = self._made(st, change)
        except InputError:
            return None
        if _meets(made, batch) or (any(e.file == st.csv_file for e in made) and any(
                e.file == st.csv_file and e.text for e in batch)):
            return None
        return made

    def _made(self, st: State, change: Change) -> list[Edit]:
        """The change's edits on ``st``'s texts; InputError when it is refused there."""
        if change.kind not in KINDS:
            raise refuse(change, f"unknown kind (kinds: {', '.join(KINDS)})")
        try:
            made = _HANDLERS[change.kind](st, change)
        except Refused as exc:
            raise refuse(change, str(exc)) from None
        if self._lone_cr and any(e.file == st.model_file for e in made):
            raise refuse(change, f"{st.model_file} ends its lines with a lone CR, which "
                                 "its text edits do not handle: save it with LF or CRLF "
                                 "line ends")
        if _applied(st.texts, made) == st.texts:
            raise refuse(change, "this changes nothing in any file")
        return made

    def steps(self, changes: Sequence[Change]) -> Iterator[Patched]:
        """The texts after each change in turn (the first one, the first two, ...), made in
        one pass: a prefix is never patched again from the start."""
        st = State(self.project, self._pieces, self._texts, self._cut)
        for count, change in enumerate(changes, start=1):
            st.texts = _applied(st.texts, self._made(st, change))
            yield self._patched(st.texts, tuple(changes[:count]))

    def _patched(self, texts: Mapping[str, str], changes: tuple[Change, ...]) -> Patched:
        texts = {**self._texts, **texts}
        policy = (self.project.policy.policy_display, self.project.policy.model_display)
        return Patched(MappingProxyType(texts), changes,
                       any(texts[f] != self._texts[f] for f in policy))


#: Kinds whose edits depend on how long a list is (the last item removed writes ``[]``):
#: two changes of one such list (one site) never share a batch.
_SITES = {"withdraw_terminal": ("terminals", None), "move_terminal": ("terminal", "terminal"),
          "hand_terminal": ("terminal", "terminal"),
          "unassign_terminal": ("terminal", "terminal"),
          "end_session": ("terminal", "terminal"), "rotate": ("account", "account"),
          "share_credential": ("account", "account"), "close_location": ("locations", None),
          "open_location": ("locations", None)}


#: A split system copies elements and policy lines later changes may name: after one, the
#: batch is made before the next change.
_SPLIT = ("split_system", "")


def _site(change: Change) -> tuple[str, str] | None:
    """The list a change's edits may shorten or lengthen, where its length matters."""
    if change.kind == "split_system":
        return _SPLIT
    if change.kind not in _SITES:
        return None
    family, param = _SITES[change.kind]
    return family, "" if param is None else str(change.get(param))


def _meets(made: list[Edit], batch: list[Edit]) -> bool:
    """One of ``made`` touches (or inserts where) one of ``batch`` does, in one file."""
    return any(a.file == b.file and ((a.start < b.end and b.start < a.end)
                                     or a.start in (b.start, b.end) or b.start == a.end)
               for a in made for b in batch)


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
    """The first change after which the files no longer load (each prefix loaded in turn,
    the prefixes patched in one pass, a text already seen to load not loaded again)."""
    fine: set[tuple[str, ...]] = set()
    for prefix in Patcher(project).steps(patched.changes):
        change, key = prefix.changes[-1], tuple(prefix.texts.values())
        if key in fine:
            continue
        folder = Path(tempfile.mkdtemp(prefix="accesssim-changes-"))
        try:
            _load(project, prefix, folder)
            fine.add(key)
        except InputError as found:
            said = "; ".join(str(p) for p in found.problems[:3])
            more = f" (and {len(found.problems) - 3} more)" if len(found.problems) > 3 else ""
            return refuse(change, f"after this change the files no longer load: {said}{more}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return exc


def refuse_target(project: Project, folder: Path, others: Sequence[Path] = ()) -> None:
    """``write`` would replace one of the project's own files there, or one of ``others``
    (the change set the run reads): refused."""
    inputs = {p.resolve() for p in (*project.inputs, *others)}
    for shown in files(project):
        if (folder / shown).resolve() in inputs:
            raise InputError.single(str(folder), 0, f"writing there would replace the input "
                                                    f"{shown}: choose another folder")


def _refuse_in_the_way(folder: Path, patched: Patched) -> None:
    """Into an existing folder: refused before anything moves when one of the files would
    land on a folder, or below a file (else some files would be replaced and not others)."""
    for shown in sorted(patched.texts):
        target = folder / shown
        blocked = [p for p in (target, *target.parents) if p != folder
                   and folder in p.parents and p.exists()
                   and (p.is_dir() if p == target else not p.is_dir())]
        if blocked:
            raise InputError.single(str(blocked[0]), 0, f"cannot write {shown} under {folder}: "
                                                        f"{blocked[0]} is in the way")


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
            _refuse_in_the_way(folder, patched)
            for shown in patched.texts:
                target = folder / shown
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(scratch / shown, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder / project.loaded.display_path
