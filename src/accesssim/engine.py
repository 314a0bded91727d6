"""The library entry points: load a project and analyse it. The CLI is a thin layer on these."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from accesssim.findings.results import Report
from accesssim.model.loader import LoadedModel, load_model
from accesssim.policy.load import LoadedPolicy, load_policy
from accesssim.search.analysis import Analyzer, Progress


@dataclass(frozen=True)
class Project:
    """A model file and the Casbin files it names, all checked."""

    loaded: LoadedModel
    policy: LoadedPolicy

    @property
    def inputs(self) -> list[Path]:
        """The files it was read from: an output must never replace one of them."""
        return [self.loaded.path, self.policy.model_path, self.policy.policy_path]


def tune_collector() -> None:
    """Raise CPython's collector thresholds for the rest of the process.

    A model is a few hundred thousand long-lived objects and the analysis makes no cyclic
    garbage, so the default thresholds rescan them all many times over: about half the wall
    time at utility scale (docs/performance.md). Called by the CLI, not on import.
    """
    gc.set_threshold(100_000, 50, 1000)


#: Share of the loading phase's progress taken by the model YAML; the Casbin files take the rest.
YAML_SHARE = 80


def load_project(model_path: Path, root: Path | None = None,
                 progress: Progress | None = None) -> Project:
    """Load and check everything; raises InputError with every problem found.

    ``progress(percent, 100)``: the YAML's reading counts for ``YAML_SHARE`` percent.
    """

    def reading(done: int, total: int) -> None:
        if progress is not None:
            progress(done * YAML_SHARE // max(total, 1), 100)

    loaded = load_model(model_path, root, reading)
    reading(1, 1)
    policy = load_policy(
        loaded.casbin_model_path,
        loaded.casbin_policy_path,
        loaded.display(loaded.casbin_model_path),
        loaded.display(loaded.casbin_policy_path),
        loaded.model.modes,
        trial=_trial_request(loaded),
    )
    if progress is not None:
        progress(100, 100)
    return Project(loaded, policy)


def _trial_request(loaded: LoadedModel) -> tuple[str, str, str] | None:
    """(account, system, screen): a request the analysis will really send, for the trial."""
    screens = {s.id: [x.id for x in s.screens] for s in loaded.model.systems}
    for account in loaded.model.accounts:
        for system in account.systems:
            if screens.get(system):
                return account.id, system, screens[system][0]
    return None


def resolve_modes(project: Project, mode: str) -> list[str]:
    """``all`` means every mode the model declares."""
    return list(project.loaded.model.modes) if mode == "all" else [mode]


def analyzer(project: Project, *, modes: Iterable[str], at: dt.date | None = None,
             progress: Progress | None = None) -> Analyzer:
    """The compiled model; ``progress`` follows the Casbin decisions (accounts decided)."""
    return Analyzer(project.loaded, project.policy, modes=modes, at=at, progress=progress)


def analyze(project: Project, *, modes: Iterable[str], at: dt.date | None = None,
            progress: Progress | None = None) -> Report:
    """Every finding for the given modes (and day, or all time)."""
    return analyzer(project, modes=modes, at=at).run(progress)
