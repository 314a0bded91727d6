"""``drift``: compare a design model with the deployed one, element by element, and their
analyses, exposure by exposure. Pure over two loaded projects; the CLI only prints."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from accesssim.drift.classify import ModelIndex, exercised, latent
from accesssim.drift.compare import Pair, pairs
from accesssim.drift.evidence import GroundsFinder, Resting
from accesssim.drift.result import Difference, Drift, ExposureDelta
from accesssim.engine import Analyzer, Project
from accesssim.gate.exposures import Exposure, from_found
from accesssim.search.exposures import Search, find_exposures
from accesssim.summary.rows import companies

#: (person, field, mode): the unit compared between the two analyses.
Key = tuple[str, str, str]


def not_comparable(design: Project, deployed: Project, modes: Iterable[str]) -> str | None:
    """Why the two models cannot be compared (None: they can). Exposures only in one of two
    unrelated models would be meaningless, so they must describe the same grid companies and
    systems, and both declare every mode analysed."""
    found = blame(design, deployed, modes)
    return None if found is None else found[1]


def blame(design: Project, deployed: Project, modes: Iterable[str]
          ) -> tuple[Project, str] | None:
    """``not_comparable`` with the model to cite: the deployed one, unless the design
    lacks a mode."""
    ours = sorted(c.id for c in companies(design.loaded.model))
    theirs = sorted(c.id for c in companies(deployed.loaded.model))
    if ours != theirs:
        return deployed, (f"the deployed model's grid companies ({', '.join(theirs) or 'none'}) "
                          f"are not the design's ({', '.join(ours) or 'none'}): not the same "
                          f"system, nothing to compare")
    systems = {(s.id, s.owner) for s in design.loaded.model.systems}
    if not systems & {(s.id, s.owner) for s in deployed.loaded.model.systems}:
        return deployed, ("the deployed model describes none of the design's systems "
                          f"({', '.join(sorted(s for s, _ in systems))}): nothing to compare")
    for name, project in (("design", design), ("deployed", deployed)):
        missing = [m for m in modes if m not in project.loaded.model.modes]
        if missing:
            return project, (f"mode {missing[0]!r} is not declared by the {name} model; "
                             f"choose the modes both declare with --mode")
    return None


def analysed(project: Project, modes: Sequence[str], at: dt.date | None, *,
             witnesses: bool = False) -> tuple[Search, tuple[Exposure, ...]]:
    """One search and its exposures per mode (with each span's witnesses when asked)."""
    analyzer = Analyzer(project.loaded, project.policy, modes=modes, at=at)
    found = find_exposures(analyzer.search)
    return analyzer.search, from_found(analyzer.search, found, witnesses=witnesses)


def drift(design: Project, deployed: Project, *, modes: Sequence[str],
          at: dt.date | None = None) -> Drift:
    """Every difference, classified, and the exposures only one model has. The caller checks
    ``not_comparable`` first (the CLI refuses with its reason).

    An exposure only the deployed model has rests on the differences its own person's paths
    rest on (every root cause and window of that person, field and mode), never on another
    person's witness of the same finding."""
    _, design_exps = analysed(design, modes, at)
    search, deployed_exps = analysed(deployed, modes, at, witnesses=True)
    ours, theirs = _by_key(design_exps), _by_key(deployed_exps)
    compared = pairs(design, deployed)
    finder = GroundsFinder(search)
    # With no element present in the deployed model there is nothing a path could rest on.
    present = any(p.deployed is not None for p in compared)
    resting = Resting((e, finder.grounds([e])) for e in deployed_exps if present)
    purposes: dict[str, str] = dict(deployed.loaded.model.casbin.role_purposes)
    index = ModelIndex.of(deployed.loaded.model)
    differences: list[Difference] = []
    rests_on: dict[Key, set[str]] = defaultdict(set)
    for pair in compared:
        difference, hits = _classified(pair, resting, index, deployed, purposes)
        differences.append(difference)
        for e in hits:
            rests_on[(e.person, e.field, e.mode)].add(difference.key)
    opened = tuple(ExposureDelta(*key, theirs[key], tuple(sorted(rests_on.get(key, ()))))
                   for key in sorted(set(theirs) - set(ours)))
    closed = tuple(ExposureDelta(*key, ours[key]) for key in sorted(set(ours) - set(theirs)))
    return Drift(design.loaded.model.name, design.loaded.display_path,
                 deployed.loaded.model.name, deployed.loaded.display_path,
                 tuple(modes), at, tuple(differences), opened, closed)


def _by_key(exposures: Iterable[Exposure]) -> dict[Key, tuple[str, ...]]:
    found: dict[Key, set[str]] = defaultdict(set)
    for e in exposures:
        found[(e.person, e.field, e.mode)].add(e.finding)
    return {k: tuple(sorted(v)) for k, v in found.items()}


def _classified(pair: Pair, resting: Resting, index: ModelIndex, deployed: Project,
                purposes: dict[str, str]) -> tuple[Difference, tuple[Exposure, ...]]:
    """The difference with its evidence, and the deployed exposures resting on it."""
    design = pair.design.cited if pair.design else None
    where = pair.deployed.cited if pair.deployed else None
    types, findings, hits = exercised(pair, resting)
    if types:
        return Difference(pair.kind, pair.id, pair.status, design, where, pair.changes,
                          types, "exercised", findings), hits
    could = latent(pair, deployed.loaded.model, purposes, index)
    return Difference(pair.kind, pair.id, pair.status, design, where, pair.changes, could,
                      "latent" if could else "none", findings), hits
