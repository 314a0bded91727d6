"""Run every scenario's expectations: results, coverage, JUnit XML and golden-file updates."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from accesssim.engine import Project, load_project
from accesssim.errors import AccessSimError, InputError
from accesssim.model.loader import parse_yaml
from accesssim.model.provenance import Source
from accesssim.suite.checks import CheckResult, ScenarioRun, check

COVERAGE_KINDS = ("policy lines", "roles", "screens", "transitions", "terminals")


def _natural(text: str) -> list[object]:
    """Sort key that puts policy.csv:9 before policy.csv:10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


#: The version keys of the other YAML formats (change sets, keep and cost files, waivers): a
#: file a folder holds that starts with one of them is no scenario (docs/whatif.md).
OTHER_FORMATS = ("accesssim-changes:", "accesssim-keep:", "accesssim-costs:",
                 "accesssim-waivers:", "accesssim-import:")


def other_format(lines: Iterable[str]) -> bool:
    """The first line that is not blank or a comment starts with another format's key."""
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#"):
            return line.lstrip("\ufeff").startswith(OTHER_FORMATS)
    return False


def _other_format(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return other_format(handle)
    except OSError:
        return False  # the loader reports it


def discover(paths: Iterable[Path]) -> list[Path]:
    """Scenario files under the given files and folders, sorted (in a folder, change sets and
    the other formats' files are passed over; a file named explicitly is always a scenario)."""
    found: set[Path] = set()
    in_folders: set[Path] = set()
    for path in paths:
        if path.is_dir():
            in_folders.update(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")
                              and not _other_format(p))
        elif path.exists():
            found.add(path)
        else:
            raise InputError.single(str(path), 0, "no such file or folder")
    parts = _included(found | in_folders)
    return sorted(found | {p for p in in_folders if p.resolve() not in parts})


_INCLUDE = re.compile(r"^include\s*:", re.MULTILINE)


def _included(files: Iterable[Path]) -> set[Path]:
    """The files (resolved) that the models among ``files`` name in ``include``: parts of a
    model, not scenarios. Only a file with a top-level ``include:`` line is parsed; any
    problem in one is left to the loader, which reports it."""
    parts: set[Path] = set()
    for path in files:
        try:
            text = path.read_text("utf-8", errors="replace")
        except OSError:
            continue
        if _INCLUDE.search(text) is None:
            continue
        try:
            data = parse_yaml(text, str(path))
        except AccessSimError:
            continue
        refs = data.get("include") if isinstance(data, dict) else None
        for ref in refs if isinstance(refs, list) else ():
            if isinstance(ref, str):
                try:
                    parts.add((path.parent / ref).resolve())
                except (OSError, RuntimeError, ValueError):
                    continue
    return parts


@dataclass
class Coverage:
    """What no expectation exercised, per kind of element."""

    total: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in COVERAGE_KINDS})
    covered: dict[str, set[str]] = field(
        default_factory=lambda: {k: set() for k in COVERAGE_KINDS})

    @property
    def percent(self) -> float:
        total = sum(len(v) for v in self.total.values())
        done = sum(len(self.covered[k] & self.total[k]) for k in COVERAGE_KINDS)
        return 100.0 * done / total if total else 100.0

    def missing(self) -> Iterator[tuple[str, list[str]]]:
        for kind in COVERAGE_KINDS:
            left = sorted(self.total[kind] - self.covered[kind], key=_natural)
            if left:
                yield kind, left

    def add(self, project: Project, results: list[CheckResult]) -> None:
        policy, model = project.policy, project.loaded.model
        name = project.loaded.display_path
        cited: set[Source] = set().union(*(r.cited for r in results)) if results else set()
        nodes: set[str] = set().union(*(r.path_nodes for r in results)) if results else set()
        for rule in (*policy.rules, *policy.groupings):
            key = f"{policy.policy_display}:{rule.line}"
            self.total["policy lines"].add(key)
            roles = [rule.values[1]] if rule.ptype.startswith("g") else [rule.values[0]]
            accounts = {a.id for a in model.accounts}
            for role in roles:
                if role not in accounts:
                    self.total["roles"].add(f"{name}:{role}")
            if Source(policy.policy_display, rule.line) in cited:
                self.covered["policy lines"].add(key)
                self.covered["roles"].update(f"{name}:{r}" for r in rule.values[:2])
        for system in model.systems:
            for screen in system.screens:
                self.total["screens"].add(f"{name}:{screen.id}")
                if f"screen:{screen.id}" in nodes:
                    self.covered["screens"].add(f"{name}:{screen.id}")
            for tr in system.transitions:
                self.total["transitions"].add(f"{name}:{tr.key}")
                if f"transition:{tr.key}" in nodes or project.loaded.cite(tr) in cited:
                    self.covered["transitions"].add(f"{name}:{tr.key}")
        for term in model.terminals:
            self.total["terminals"].add(f"{name}:{term.id}")
            if f"terminal:{term.id}" in nodes:
                self.covered["terminals"].add(f"{name}:{term.id}")


@dataclass
class SuiteResult:
    results: list[CheckResult] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)
    without_expectations: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    rewrites: dict[Path, str] = field(default_factory=dict)  # --update: new file texts
    inputs: list[Path] = field(default_factory=list)  # every file read: outputs spare them

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if not r.passed]


def run_suite(paths: Iterable[Path], root: Path | None = None, *, update: bool = False
              ) -> SuiteResult:
    """Load every scenario first (bad input stops everything), then check them all.

    With ``update``, the new texts of the files to rewrite are in ``rewrites``; nothing is
    written here. No expectation at all is an error: an empty run must not pass.
    """
    paths = list(paths)
    projects = [load_project(path, root) for path in discover(paths)]
    suite = SuiteResult()
    for project in projects:
        suite.inputs += project.inputs
        expectations = project.loaded.model.expectations
        if not expectations:
            suite.without_expectations.append(project.loaded.display_path)
            continue
        run = ScenarioRun(project)
        results = [check(run, exp, exp.yaml_file or project.loaded.display_path)
                   for exp in expectations]
        if update:
            results = _update_golden(project, run, results, suite)
        suite.results.extend(results)
        suite.coverage.add(project, results)
    if not suite.results:
        raise AccessSimError("no expectations found in " + ", ".join(str(p) for p in paths)
                             + " (add an `expectations:` list to a scenario)")
    return suite


def _update_golden(project: Project, run: ScenarioRun, results: list[CheckResult],
                   suite: SuiteResult) -> list[CheckResult]:
    """Set failing ``who_can_see`` lists to what the analysis found, and check them again."""
    from accesssim.suite.golden import rewritten

    stale = {r.expectation: list(r.actual_items) for r in results
             if r.kind == "who_can_see" and not r.passed}
    if not stale:
        return results
    loaded = project.loaded
    holders = {exp.id: exp.yaml_file or loaded.display_path for exp in loaded.model.expectations}
    for shown in sorted({holders[k] for k in stale}):  # each file holding a stale list
        path = loaded.path if shown == loaded.display_path else loaded.root / shown
        with path.open(encoding="utf-8", newline="") as handle:  # keep CRLF / CR line endings
            text = handle.read()
        mine = {k: v for k, v in stale.items() if holders[k] == shown}
        suite.rewrites[path] = rewritten(shown, text, mine)
        suite.updated.extend(f"{shown}::{k}" for k in sorted(mine))
    checked = []
    for exp in loaded.model.expectations:
        if exp.id in stale and exp.who_can_see is not None:
            new = exp.who_can_see.model_copy(update={"people": sorted(stale[exp.id])})
            exp = exp.model_copy(update={"who_can_see": new})
        checked.append(check(run, exp, holders[exp.id]))
    return checked
