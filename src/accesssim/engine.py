"""The library entry points: load a project and analyse it. The CLI is a thin layer on these."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from accesssim.analysis import Analyzer, Progress
from accesssim.loader import LoadedModel, load_model
from accesssim.policy import LoadedPolicy, load_policy
from accesssim.results import Report


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


def load_project(model_path: Path, root: Path | None = None) -> Project:
    """Load and check everything; raises InputError with every problem found."""
    loaded = load_model(model_path, root)
    policy = load_policy(
        loaded.casbin_model_path,
        loaded.casbin_policy_path,
        loaded.display(loaded.casbin_model_path),
        loaded.display(loaded.casbin_policy_path),
        loaded.model.modes,
        trial=_trial_request(loaded),
    )
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


def analyzer(project: Project, *, modes: Iterable[str], at: dt.date | None = None) -> Analyzer:
    return Analyzer(project.loaded, project.policy, modes=modes, at=at)


def analyze(project: Project, *, modes: Iterable[str], at: dt.date | None = None,
            progress: Progress | None = None) -> Report:
    """Every finding for the given modes (and day, or all time)."""
    return analyzer(project, modes=modes, at=at).run(progress)
