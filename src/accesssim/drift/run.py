"""``drift``: compare a design model with the deployed one, element by element, and their
analyses, exposure by exposure. Pure over two loaded projects; the CLI only prints."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from accesssim.drift.classify import exercised, latent
from accesssim.drift.compare import Pair, pairs
from accesssim.drift.result import Difference, Drift, ExposureDelta
from accesssim.engine import Analyzer, Project
from accesssim.findings.report import build_report
from accesssim.findings.results import Report
from accesssim.gate.exposures import Exposure, from_found
from accesssim.search.exposures import find_exposures
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


def analysed(project: Project, modes: Sequence[str], at: dt.date | None
             ) -> tuple[Report, tuple[Exposure, ...]]:
    """One search: its report (findings, witnesses) and its exposures per mode."""
    analyzer = Analyzer(project.loaded, project.policy, modes=modes, at=at)
    found = find_exposures(analyzer.search)
    return (build_report(analyzer.search, found),
            from_found(analyzer.search, found, witnesses=False))


def drift(design: Project, deployed: Project, *, modes: Sequence[str],
          at: dt.date | None = None) -> Drift:
    """Every difference, classified, and the exposures only one model has. The caller checks
    ``not_comparable`` first (the CLI refuses with its reason)."""
    _, design_exps = analysed(design, modes, at)
    deployed_report, deployed_exps = analysed(deployed, modes, at)
    purposes: dict[str, str] = dict(deployed.loaded.model.casbin.role_purposes)
    differences = tuple(_classified(p, deployed_report, deployed, purposes)
                        for p in pairs(design, deployed))
    by_finding: dict[str, list[str]] = defaultdict(list)
    for d in differences:
        for f in d.findings:
            by_finding[f].append(d.key)
    ours, theirs = _by_key(design_exps), _by_key(deployed_exps)
    opened = tuple(ExposureDelta(*key, theirs[key], tuple(sorted(
        {k for f in theirs[key] for k in by_finding.get(f, [])})))
        for key in sorted(set(theirs) - set(ours)))
    closed = tuple(ExposureDelta(*key, ours[key]) for key in sorted(set(ours) - set(theirs)))
    return Drift(design.loaded.model.name, design.loaded.display_path,
                 deployed.loaded.model.name, deployed.loaded.display_path,
                 tuple(modes), at, differences, opened, closed)


def _by_key(exposures: Iterable[Exposure]) -> dict[Key, tuple[str, ...]]:
    found: dict[Key, set[str]] = defaultdict(set)
    for e in exposures:
        found[(e.person, e.field, e.mode)].add(e.finding)
    return {k: tuple(sorted(v)) for k, v in found.items()}


def _classified(pair: Pair, report: Report, deployed: Project,
                purposes: dict[str, str]) -> Difference:
    design = pair.design.cited if pair.design else None
    where = pair.deployed.cited if pair.deployed else None
    types, findings = exercised(pair, report.findings)
    if types:
        return Difference(pair.kind, pair.id, pair.status, design, where, pair.changes,
                          types, "exercised", findings)
    could = latent(pair, deployed.loaded.model, purposes)
    return Difference(pair.kind, pair.id, pair.status, design, where, pair.changes, could,
                      "latent" if could else "none", findings)
