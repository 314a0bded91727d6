"""The mutation score: of the mutants that open a path, how many an expectation catches.

The original is analysed once: its exposures (``gate.exposures``) and its expectations, which
must all pass (else a failing expectation would "catch" every mutant). Each mutant is loaded
from its edited files (``apply.materialised``) and analysed over every mode and all dates; it
*opens a path* when the semantic diff of exposures widens (someone sees a field in a mode on a
day they could not before), and is *caught* when at least one expectation fails on it. Mutants
that open nothing are equivalent (reported, not counted); mutants the loader refuses are
rejected (a careless change that cannot even be loaded is no blind spot; reported, not counted).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from accesssim.engine import Project, load_project
from accesssim.errors import AccessSimError, InputError
from accesssim.gate.check import HeadRun, analyse, scenario_run
from accesssim.gate.diff import Fact, diff
from accesssim.gate.exposures import Exposure
from accesssim.model.database import refuse_database
from accesssim.mutate.apply import materialised
from accesssim.mutate.catalogue import enumerate_mutants
from accesssim.mutate.operators import CAP, Mutant
from accesssim.suite.checks import ScenarioRun, check

Status = Literal["caught", "survived", "equivalent", "rejected"]
#: ``progress(done, total)``: mutants analysed so far.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Outcome:
    """What one mutant did: the facts it opened, the expectations that failed on it."""

    mutant: Mutant
    opened: tuple[Fact, ...]
    caught_by: tuple[str, ...]
    rejected: str = ""  # the loader's first complaint, when it refused the edited files

    @property
    def status(self) -> Status:
        if self.rejected:
            return "rejected"
        if not self.opened:
            return "equivalent"
        return "caught" if self.caught_by else "survived"


@dataclass(frozen=True)
class Score:
    """Every mutant's outcome, sorted by id, and the totals."""

    model: str
    outcomes: tuple[Outcome, ...]
    capped: dict[str, tuple[int, int]]
    inputs: tuple[Path, ...] = ()  # the files read: an output must not replace one

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def opening(self) -> int:
        return self.count("caught") + self.count("survived")

    @property
    def percent(self) -> float:
        """Caught over opening mutants; 100 when none opens a path."""
        return 100.0 * self.count("caught") / self.opening if self.opening else 100.0

    @property
    def survivors(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "survived")


def expectation_failures(project: Project, run: HeadRun | None = None) -> tuple[str, ...]:
    """Ids of the expectations that fail on this project, in file order; ``run``: its
    analysis over every mode and all dates, reused for the expectations that ask for that."""
    scenario = ScenarioRun(project) if run is None else scenario_run(project, run)
    name = project.loaded.display_path
    return tuple(exp.id for exp in project.loaded.model.expectations
                 if not check(scenario, exp, name).passed)


def all_exposures(project: Project) -> tuple[Exposure, ...]:
    """Every exposure over every mode and all dates."""
    return analyse(project).exposures


def mutation_score(model: Path, root: Path | None = None, *, jobs: int | None = None,
                   cap: int = CAP, progress: Progress | None = None) -> Score:
    """Score one model's expectations against every single mutation of it.

    The result does not depend on ``jobs`` (default: every core): outcomes are sorted by id.
    """
    project = load_project(model, root)
    refuse_database(project.loaded.policy_database, "mutate",
                    project.loaded.at(project.loaded.model.casbin, "database"))
    name = project.loaded.display_path
    if not project.loaded.model.expectations:
        raise AccessSimError(f"{name} has no expectations: a mutation score of nothing is "
                             "meaningless (add an `expectations:` list, docs/expectations.md)")
    original = analyse(project)
    failing = expectation_failures(project, original)
    if failing:
        raise AccessSimError(f"{name}: {len(failing)} expectation(s) fail on the model itself "
                             f"({', '.join(failing)}); run `accesssim test {name}` and fix "
                             "them first: a mutant cannot be caught by an expectation that "
                             "already fails")
    base = original.exposures
    del original  # its search is not needed by the mutants
    found = enumerate_mutants(project, cap)
    mutants = list(found.mutants)
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1 or len(mutants) <= 1:  # in this process, on the project already loaded
        outcomes = []
        for i, m in enumerate(mutants):
            if progress is not None:
                progress(i, len(mutants))
            outcomes.append(_outcome(project, base, m))
    else:
        outcomes = _in_workers(model, root, base, mutants, jobs, progress)
    if progress is not None:
        progress(len(mutants), len(mutants))
    return Score(name, tuple(sorted(outcomes, key=lambda o: o.mutant.id)), found.capped,
                 tuple(project.inputs))


def _in_workers(model: Path, root: Path | None, base: tuple[Exposure, ...],
                mutants: list[Mutant], jobs: int, progress: Progress | None) -> list[Outcome]:
    """The mutants in ``jobs`` worker processes, in small batches (each loads the original
    project once per batch: a loaded project does not travel between processes)."""
    total = len(mutants)
    size = max(1, min(8, -(-total // (jobs * 4))))  # small batches: a smooth progress bar
    batches = [mutants[i:i + size] for i in range(0, total, size)]
    outcomes = []
    # spawn, not fork: the parent may run a progress-bar thread, and a forked child of a
    # threaded process can inherit a held lock.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(batches)), mp_context=context,
                             initializer=_worker_start) as pool:
        futures = [pool.submit(run_batch, model, root, base, batch) for batch in batches]
        try:
            for future in as_completed(futures):
                outcomes += future.result()
                if progress is not None:
                    progress(len(outcomes), total)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return outcomes


def _worker_start() -> None:
    """Ctrl-C is the parent's to handle (it stops the run and says so); a worker ignores it
    and ends when the pool shuts down, instead of printing a traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_batch(model: Path, root: Path | None, base: tuple[Exposure, ...],
              mutants: list[Mutant]) -> list[Outcome]:
    """Analyse some mutants of one model (in a worker process: loads the original once)."""
    project = load_project(model, root)
    return [_outcome(project, base, m) for m in mutants]


def _outcome(project: Project, base: tuple[Exposure, ...], mutant: Mutant) -> Outcome:
    try:
        with materialised(project, mutant) as head:
            run = analyse(head)  # one analysis serves the diff and the expectations
            opened = diff(base, run.exposures).widened
            caught = expectation_failures(head, run) if opened else ()
    except InputError as exc:
        return Outcome(mutant, (), (), rejected=str(exc.problems[0]) if exc.problems
                       else str(exc))
    return Outcome(mutant, opened, caught)
