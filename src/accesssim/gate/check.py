"""``accesssim diff`` and ``accesssim check`` as library calls: one model compared with its
base (``diff_models``), and every scenario's expectations with the diff of each against a git
ref, the waivers and the verdict (``run_check``). Both share the same steps; nothing here
writes a file.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from accesssim.engine import Analyzer, Project, load_project, require_one_file
from accesssim.errors import AccessSimError
from accesssim.findings.report import build_report
from accesssim.gate.base import (
    Base,
    base_at_path,
    base_at_ref,
    changed_lines,
    check_ref,
    git_toplevel,
    project_texts,
    removed_at_ref,
)
from accesssim.gate.diff import diff
from accesssim.gate.exposures import Exposure, from_found, from_slices
from accesssim.gate.opened import opened
from accesssim.gate.result import NO_BASE, GateReport, ModelDiff
from accesssim.gate.scope import (
    BOUNDARY_NOTE,
    changed_groups,
    refuse_blind_lines,
    shared_boundary,
    without_groups,
)
from accesssim.gate.waivers import judge, load_waivers
from accesssim.model.database import refuse_database
from accesssim.model.provenance import Source
from accesssim.search.exposures import Found, Search, find_exposures
from accesssim.suite.checks import CheckResult, ScenarioRun, check
from accesssim.suite.suite import discover

#: The waiver file ``check`` reads from the current folder when none is given.
DEFAULT_WAIVERS = Path("accesssim-waivers.yaml")


class Progress(Protocol):
    """Told what a long run is doing: a phase, then how far it has come."""

    def phase(self, text: str) -> None: ...

    def update(self, done: int, total: int) -> None: ...


class _Silent:
    def phase(self, text: str) -> None:
        pass

    def update(self, done: int, total: int) -> None:
        pass


@dataclass(frozen=True)
class HeadRun:
    """One analysis of a model over every mode and all dates: its search, what it found,
    and its exposures."""

    engine: Analyzer
    found: Found
    exposures: tuple[Exposure, ...]


def analyse(project: Project, progress: Progress | None = None,
            name: str = "HEAD") -> HeadRun:
    """The analysis the diff compares: every mode, all dates."""
    engine, found = _search(project, progress, name)
    return HeadRun(engine, found, from_found(engine.search, found))


def _search(project: Project, progress: Progress | None, name: str) -> tuple[Analyzer, Found]:
    progress = progress or _Silent()
    progress.phase(f"{name}: deciding with Casbin and building the access graph")
    engine = Analyzer(project.loaded, project.policy, modes=list(project.loaded.model.modes),
                      progress=progress.update)
    progress.phase(f"{name}: searching every person outside the boundary")
    return engine, find_exposures(engine.search, progress.update)


def _base_exposures(project: Project, progress: Progress | None) -> tuple[Exposure, ...]:
    """A base's exposures, without witnesses (compared, never explained): its compiled model
    and search are dropped, their cycles collected, before the exposures are built."""
    engine, found = _search(project, progress, "base")
    slices = engine.search.compiled.slices
    del engine
    gc.collect()
    return from_slices(slices, found, witnesses=False)


def scenario_run(project: Project, head_run: HeadRun) -> ScenarioRun:
    """A ScenarioRun that reuses the analysis for the expectations that ask for every mode
    and all dates (those without ``mode`` or ``at``): the same analyzer they would build."""
    report = build_report(head_run.engine.search, head_run.found)
    return ScenarioRun(project, {(None, None): (head_run.engine, report)})


@dataclass(frozen=True)
class BaseSide:
    """What the diff keeps of a base once its analysis is over (its search and texts can
    go): what it is, its note, HEAD's lines that differ from it, and its exposures (None: its
    three files read the same as HEAD's, so it has HEAD's exposures and is not analysed).
    ``shared_head``: HEAD under the boundary both share, when the boundaries differ (the diff
    analyses it instead of HEAD); ``casbin_files``: the Casbin files the base model read."""

    label: str
    note: str | None
    changed: frozenset[Source]
    exposures: tuple[Exposure, ...] | None
    shared_head: Project | None = None
    casbin_files: tuple[str, ...] = ()


def base_side(base: Base, head: Project, progress: Progress | None = None) -> BaseSide:
    """Analyse the base (unless empty, or the same files as HEAD) and keep its exposures.

    Refused: policy lines new since the base naming what HEAD's model no longer describes.
    A boundary moved: both are analysed under the boundary they share. A person group grown
    or moved to another organization: none of its base exposures count as seen before.
    """
    head_texts = project_texts(head)
    note, shared_head = base.note, None
    if base.project is None:
        before: tuple[Exposure, ...] | None = ()
    elif base.texts.same_lines(head_texts):
        before = None
    else:
        refuse_blind_lines(base.project, head, base.label)
        shared = shared_boundary(base.project, head)
        if shared is not None:
            note = "; ".join(filter(None, (note, BOUNDARY_NOTE)))
            shared_head = shared[1]
        before = without_groups(
            _base_exposures(base.project if shared is None else shared[0], progress),
            changed_groups(base.project, head))
    files = tuple(name for role, (name, _) in base.texts.files.items() if role != "model")
    return BaseSide(base.label, note, changed_lines(base.texts, head_texts), before,
                    shared_head, files)


def compare(head: Project, head_run: HeadRun, base: Base | BaseSide,
            progress: Progress | None = None) -> ModelDiff:
    """HEAD compared with its base (a ``Base`` is analysed here, see ``base_side``)."""
    if isinstance(base, BaseSide):
        side = base
    else:
        with _new_objects_only():
            side = base_side(base, head, progress)
    return _compared(head, head_run.engine.search, head_run.exposures, side, progress)


def _compared(head: Project, search: Search, exposures: tuple[Exposure, ...],
              side: BaseSide, progress: Progress | None = None) -> ModelDiff:
    """HEAD's exposures (of ``search``) compared with the base's (HEAD under the shared
    boundary instead, when the base says the boundaries differ)."""
    if side.shared_head is not None:
        run = analyse(side.shared_head, progress, "HEAD under the shared boundary")
        search, exposures = run.engine.search, run.exposures
    d = diff(exposures if side.exposures is None else side.exposures, exposures)
    return ModelDiff(head.loaded.display_path, side.label, side.note, d,
                     opened(search, d, exposures, side.changed))


def _base_at_ref(project: Project, ref: str, root: Path | None,
                 progress: Progress | None) -> BaseSide:
    """The base of ``project`` at REF, analysed, with its search freed (its temporary
    folder gone, its cycles collected) before HEAD's analysis: the two never share memory.
    A model the comparison cannot follow (include, a database) is refused first, plainly,
    rather than by the base's loader failing on what the snapshot lacks."""
    require_one_file(project)
    refuse_database(project.loaded.policy_database, "comparing versions (check, diff)",
                    project.loaded.at(project.loaded.model.casbin, "database"))
    with _new_objects_only():
        with base_at_ref(project.loaded.path, ref, root, head=project) as base:
            side = base_side(base, project, progress)
        del base
        gc.collect()
    return side


@contextmanager
def _new_objects_only() -> Iterator[None]:
    """The collections made inside look only at objects made inside: HEAD's, made before,
    live on (frozen, then put back; not when the caller froze objects of its own, which
    putting back would release)."""
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        yield
    finally:
        if freeze:
            gc.unfreeze()


def open_base(model: Path, *, base_path: Path | None, base_ref: str | None,
              root: Path | None) -> AbstractContextManager[Base]:
    """The base of ``model``: a second file, or its version at a git ref."""
    if base_ref is not None:
        return base_at_ref(model, base_ref, root)
    assert base_path is not None
    return base_at_path(base_path, root)


def diff_models(head: Project, *, base_path: Path | None = None, base_ref: str | None = None,
                root: Path | None = None, progress: Progress | None = None) -> ModelDiff:
    """``accesssim diff``: HEAD (loaded) against a second file or its version at REF."""
    with open_base(head.loaded.path, base_path=base_path, base_ref=base_ref,
                   root=root) as base:  # a bad base stops the run before any analysis
        return compare(head, analyse(head, progress), base, progress)


@dataclass(frozen=True)
class Checked:
    """What ``run_check`` found, and every file it read (an output must spare them)."""

    report: GateReport
    inputs: tuple[Path, ...]


def scenario_files(paths: Sequence[Path]) -> tuple[list[Path], list[list[Path]]]:
    """Every scenario file once, sorted, and per PATH the files found under it. A file
    reached by two spellings (``scenarios`` and ``./scenarios/../scenarios``) is one file,
    spelt as first found: checked once, counted once."""
    first: dict[Path, Path] = {}
    per_path = [[first.setdefault(f.resolve(), f) for f in discover([p])] for p in paths]
    return sorted(set(first.values())), per_path


def run_check(paths: Sequence[Path], *, base_ref: str | None = None,
              root: Path | None = None, waivers: Path | None = None,
              today: dt.date | None = None, progress: Progress | None = None) -> Checked:
    """Load everything first (bad input stops it all), then per scenario file: its
    expectations, and with ``base_ref`` its diff against that ref; then the waivers and the
    verdict. Errors raise (AccessSimError); failures are reasons in the report."""
    today = today or dt.date.today()
    files, per_path = scenario_files(paths)
    waiver_file = waivers if waivers is not None else (
        DEFAULT_WAIVERS if DEFAULT_WAIVERS.is_file() else None)
    waiver_list = (load_waivers(waiver_file, str(waiver_file))
                   if waiver_file is not None else ())
    projects = [load_project(f, root) for f in files]
    removed: list[str] = []
    if base_ref is not None and files:  # an unknown ref stops the run before any analysis
        top = git_toplevel(files[0].absolute().parent)
        check_ref(base_ref, top)
        removed = removed_at_ref(base_ref, list(paths), files, top)
    inputs = [p for project in projects for p in project.inputs]
    if waiver_file is not None:
        inputs.append(waiver_file)
    models: list[ModelDiff] = []
    results: list[CheckResult] = []
    without: set[Path] = set()
    read_at_ref: set[tuple[Path, str]] = set()  # (Casbin file, the base model naming it)
    for number, project in enumerate(projects, start=1):
        shown = project.loaded.display_path
        # The base first, so that its search is gone before HEAD's is built; an error in it
        # waits until HEAD's analysis and expectations have run, as if it came after them.
        side: BaseSide | None = None
        failed: AccessSimError | None = None
        if base_ref is not None:
            try:
                side = _base_at_ref(project, base_ref, root, progress)
            except AccessSimError as exc:
                failed = exc
        head_run = analyse(project, progress, f"[{number}/{len(projects)}] {shown}")
        expectations = project.loaded.model.expectations
        if expectations:
            run = scenario_run(project, head_run)
            results.extend(check(run, exp, exp.yaml_file or shown) for exp in expectations)
        else:
            without.add(files[number - 1])
        if failed is not None:
            raise failed
        if side is None:
            models.append(ModelDiff(shown, "", NO_BASE, diff((), ()), ()))
            continue
        engine, exposures = head_run.engine, head_run.exposures
        del head_run  # its Found served the expectations' report: not needed any more
        models.append(_compared(project, engine.search, exposures, side, progress))
        read_at_ref.update((project.loaded.root / name, f"{base_ref}:{shown}")
                           for name in side.casbin_files)
    empty = tuple(str(p) for p, found in zip(paths, per_path, strict=True)
                  if all(f in without for f in found))
    judged, reasons = judge(tuple(models), tuple(results), waiver_list, today, empty,
                            tuple(f"{base_ref}:{r}" for r in removed),
                            unread(read_at_ref, projects))
    report = GateReport(judged, tuple(results), waiver_list, reasons, base_ref, today)
    return Checked(report, tuple(inputs))


def unread(read_at_ref: set[tuple[Path, str]], projects: Sequence[Project]
           ) -> tuple[tuple[str, str], ...]:
    """The Casbin files a base model named that no HEAD scenario reads, though they are still
    in the work tree (a model pointed at another policy while the old one, maybe the one
    deployed, changes unchecked): (file as shown, ``REF:model``), sorted."""
    now = {p.resolve() for project in projects for p in project.inputs}
    left = set()
    for path, model in read_at_ref:
        if path.exists() and path.resolve() not in now:
            shown = next((project.loaded.display(path) for project in projects), str(path))
            left.add((shown, model))
    return tuple(sorted(left))
