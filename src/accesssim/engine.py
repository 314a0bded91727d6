"""The library entry points: load a project and analyse it. The CLI is a thin layer on these."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from accesssim.errors import InputError
from accesssim.findings.explain import Explanation, explain
from accesssim.findings.report import build_report
from accesssim.findings.results import Hop, Report
from accesssim.findings.witness import access_hops, walk_hops
from accesssim.model.loader import LoadedModel, load_model, load_model_as
from accesssim.policy.load import LoadedPolicy, load_policy
from accesssim.search.accesses import Access
from accesssim.search.compiled import Progress, compile_model
from accesssim.search.exposures import find_exposures, prepare
from accesssim.search.walks import FieldWalks, Walk
from accesssim.time.slices import Slice


@dataclass(frozen=True)
class Project:
    """A model file and the Casbin files it names, all checked."""

    loaded: LoadedModel
    policy: LoadedPolicy

    @property
    def inputs(self) -> list[Path]:
        """The files it was read from: an output must never replace one of them."""
        parts = [self.loaded.root / shown for shown in self.loaded.includes]
        return [self.loaded.path, *parts, self.policy.model_path, self.policy.policy_path]


def require_one_file(project: Project) -> None:
    """Refuse a model spread over included files where its files are edited or compared as
    text (whatif, faults, remediate, mutate, the CI gate): those know one model file, and
    an edit of an element read from another file would land at the wrong place."""
    loaded = project.loaded
    if loaded.includes:
        raise InputError.single(
            loaded.display_path, loaded.model.line_of("include"),
            "this model includes " + ", ".join(loaded.includes) + ": whatif, faults, "
            "remediate, mutate, diff and check edit or compare the model as one file and do "
            "not follow include yet; run them on a model held in one file")


def tune_collector() -> None:
    """Raise CPython's collector thresholds for the rest of the process.

    A model is a few hundred thousand long-lived objects and the analysis makes no cyclic
    garbage, so the default thresholds rescan them all many times over: about half the wall
    time at utility scale (docs/performance.md). Called by the CLI, not on import.
    """
    gc.set_threshold(100_000, 50, 1000)


class Analyzer:
    """One compiled model and its two questions: ``run`` (every finding) and ``explain`` (one
    person and one field). The steps live in search/ and findings/; this only joins them.

    ``per_slice``: search every person in every slice (the straightforward search, which tests
    compare against) instead of once per span of the person's own cuts; ``progress(done,
    total)`` follows the Casbin decisions, account by account.
    """

    def __init__(self, loaded: LoadedModel, policy: LoadedPolicy, *, modes: Iterable[str],
                 at: dt.date | None = None, per_slice: bool = False,
                 progress: Progress | None = None):
        self.compiled = c = compile_model(loaded, policy, modes=modes, at=at,
                                          per_slice=per_slice, progress=progress)
        self.search = prepare(c)
        self.loaded, self.policy, self.model = c.loaded, c.policy, c.model
        self.graph: nx.MultiDiGraph = c.graph
        self.slices, self.boundary, self.decisions = c.slices, c.boundary, c.decisions
        self.people, self.accounts, self.terminals = c.people, c.accounts, c.terminals
        self.orgs, self.fields, self.screens = c.orgs, c.fields, c.screens
        self.systems = {s.id: s for s in c.model.systems}
        self.relevance = self.search.relevance

    def run(self, progress: Progress | None = None) -> Report:
        """Every finding: the search over every outsider, grouped by root cause."""
        return build_report(self.search, find_exposures(self.search, progress))

    def explain(self, person_id: str, field_id: str) -> Explanation:
        """Why (or why not) this person can see this field (findings/explain.py)."""
        return explain(self.search, person_id, field_id)

    def accesses(self, person_id: str, sl: Slice) -> list[Access]:
        return self.search.accesses.accesses(person_id, sl)

    def field_walks(self, access: Access, sl: Slice) -> FieldWalks:
        return self.search.walks.field_walks(access, sl)

    def access_hops(self, access: Access) -> tuple[Hop, ...]:
        return access_hops(self.compiled, access)

    def walk_hops(self, access: Access, walk: Walk, sl: Slice) -> tuple[Hop, ...]:
        return walk_hops(self.search, access, walk, sl)


#: Share of the loading phase's progress taken by the model YAML; the Casbin files take the rest.
YAML_SHARE = 80


def load_project(model_path: Path, root: Path | None = None,
                 progress: Progress | None = None, *, known: LoadedModel | None = None
                 ) -> Project:
    """Load and check everything; raises InputError with every problem found.

    ``progress(percent, 100)``: the YAML's reading counts for ``YAML_SHARE`` percent.
    ``known``: a model loaded from the very same bytes as ``model_path`` holds, reused
    when it is shown by the same name (``load_model_as``).
    """

    def reading(done: int, total: int) -> None:
        if progress is not None:
            progress(done * YAML_SHARE // max(total, 1), 100)

    loaded = (load_model_as(known, model_path, root) if known is not None else None) or \
        load_model(model_path, root, reading)
    reading(1, 1)
    policy = load_policy(
        loaded.casbin_model_path,
        loaded.casbin_policy_path,
        loaded.display(loaded.casbin_model_path),
        loaded.policy_database.table if loaded.policy_database else
        loaded.display(loaded.casbin_policy_path),
        loaded.model.modes,
        trial=_trial_request(loaded),
        database=loaded.policy_database,
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
