"""One analysis per failure set: the changes applied (``changes.apply``), the patched design
loaded and searched over every mode and all dates, and the fields some outsider then sees.

The same search as ``accesssim analyze`` and the gate's exposures (an exposure exists for a
person and a field exactly when ``find_exposures`` records one). When no Casbin file changes,
the project's ``LoadedPolicy`` is reused (``changes.apply.loaded`` says why that is exact).
With ``jobs`` > 1 the sets of one wave are analysed in worker processes, each loading the
project once.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from accesssim.changes.apply import Patcher, loaded, patch
from accesssim.changes.spec import Change
from accesssim.engine import Analyzer, Project, load_project
from accesssim.search.exposures import find_exposures

#: Told how many analyses are done of how many asked so far.
Progress = Callable[[int, int], None]


def opened_fields(project: Project, changes: Sequence[Change],
                  patcher: Patcher | None = None) -> frozenset[str]:
    """The fields some outsider sees once ``changes`` are applied (none applied: the design);
    with a ``patcher``, applied by it (the files read once), else by ``changes.apply.patch``."""
    if not changes:
        return _opened(project)
    patched = patch(project, changes) if patcher is None else patcher.patch(changes)
    with loaded(project, patched) as head:
        return _opened(head)


def _opened(project: Project) -> frozenset[str]:
    engine = Analyzer(project.loaded, project.policy, modes=list(project.loaded.model.modes))
    found = find_exposures(engine.search)
    return frozenset(key[1] for key, roots in found.items() if roots)


@lru_cache(maxsize=1)
def _worker_project(model: Path, root: Path | None) -> tuple[Project, Patcher]:
    """The project a worker process loads once and keeps for every batch it is given."""
    project = load_project(model, root)
    return project, Patcher(project)


def _batch(model: Path, root: Path | None,
           sets: list[tuple[Change, ...]]) -> list[frozenset[str]]:
    project, patcher = _worker_project(model, root)
    return [opened_fields(project, changes, patcher) for changes in sets]


def _worker_start() -> None:
    """Ctrl-C is the parent's to handle (as in ``accesssim mutate``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Analyses:
    """Analyses failure sets, in this process or in ``jobs`` workers; counts them."""

    def __init__(self, project: Project, model: Path, root: Path | None,
                 pool: ProcessPoolExecutor | None, jobs: int = 1,
                 progress: Progress | None = None):
        self.project, self.model, self.root, self.pool = project, model, root, pool
        self.jobs = jobs
        self.patcher = Patcher(project) if pool is None else None
        self.progress = progress
        self.done = self.asked = 0

    def __call__(self, sets: list[tuple[Change, ...]]) -> list[frozenset[str]]:
        self.asked += len(sets)
        if self.pool is None or len(sets) < 2:
            out = []
            for changes in sets:
                out.append(opened_fields(self.project, changes, self.patcher))
                self._tick(1)
            return out
        size = max(1, min(4, -(-len(sets) // self.jobs)))
        futures = [self.pool.submit(_batch, self.model, self.root, sets[i:i + size])
                   for i in range(0, len(sets), size)]
        result: list[frozenset[str]] = []
        try:
            for future in futures:
                part = future.result()
                result += part
                self._tick(len(part))
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        return result

    def _tick(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.asked)


@contextmanager
def analyses(project: Project, model: Path, root: Path | None, jobs: int | None,
             progress: Progress | None = None) -> Iterator[Analyses]:
    """An ``Analyses`` with its worker pool (none when ``jobs`` is 1), shut down after."""
    n = max(1, jobs or os.cpu_count() or 1)
    if n == 1:
        yield Analyses(project, model, root, None, 1, progress)
        return
    # spawn, not fork: the parent may run a progress-bar thread (see mutate/score.py)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=n, mp_context=context,
                             initializer=_worker_start) as pool:
        yield Analyses(project, model, root, pool, n, progress)
