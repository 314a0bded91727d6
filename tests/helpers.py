"""Shared builders for the tests: throw-away projects copied from the shipped examples, small
in-memory models, and a CLI runner.

A project is laid out like the repository (``scenarios/<name>.yaml`` next to ``policies/``) under
``tmp_path / "proj"``, so ``tmp_path`` itself is a place *outside* the project root where tests
can put files that references must not reach.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from accesssim.cli.main import main
from accesssim.model.schema import SystemModel

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = ("kansai", "chubu", "reference")
#: Short names of the shipped scenarios the tests copy: (model, policy) below the repository.
SCENARIO_FILES = {
    "kansai": ("scenarios/incidents/01-kansai.yaml", "policies/incidents/01-kansai.csv"),
    "chubu": ("scenarios/incidents/05-chubu.yaml", "policies/incidents/05-chubu.csv"),
    "reference": ("scenarios/reference.yaml", "policies/reference.csv"),
}


@dataclass(frozen=True)
class Project:
    """A copy of a shipped scenario and its Casbin files that a test may break at will."""

    root: Path
    model: Path
    conf: Path
    csv: Path

    @property
    def model_shown(self) -> str:
        """The model path as the tool shows it (relative to the project root)."""
        return self.model.relative_to(self.root).as_posix()

    @property
    def conf_shown(self) -> str:
        return self.conf.relative_to(self.root).as_posix()

    @property
    def csv_shown(self) -> str:
        return self.csv.relative_to(self.root).as_posix()

    def edit(self, path: Path, old: str, new: str) -> None:
        """Replace the one occurrence of ``old`` in ``path``; fail loudly if it is not there."""
        text = path.read_text(encoding="utf-8")
        count = text.count(old)
        assert count == 1, f"{old!r} occurs {count} times in {path.name}; the fixture moved"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def edit_model(self, old: str, new: str) -> None:
        self.edit(self.model, old, new)

    def edit_conf(self, old: str, new: str) -> None:
        self.edit(self.conf, old, new)

    def edit_csv(self, old: str, new: str) -> None:
        self.edit(self.csv, old, new)

    def append_csv(self, line: str) -> None:
        with self.csv.open("a", encoding="utf-8") as handle:
            handle.write(line.rstrip("\n") + "\n")

    def cli(self, command: str, *args: str) -> Result:
        """Run ``accesssim COMMAND MODEL --root ROOT ARGS...``."""
        return run(command, str(self.model), "--root", str(self.root), *args)


def make_project(tmp_path: Path, scenario: str = "kansai") -> Project:
    """Copy a shipped scenario and every policy file into ``tmp_path/proj``, same layout."""
    root = tmp_path / "proj"
    model_rel, policy_rel = SCENARIO_FILES[scenario]
    shutil.copytree(REPO / "policies", root / "policies")
    model = root / model_rel
    model.parent.mkdir(parents=True)
    shutil.copyfile(REPO / model_rel, model)
    return Project(root, model, root / "policies" / "accesssim.conf", root / policy_rel)


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the ``occurrence``-th match of ``needle``."""
    seen = 0
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found in {path}")


def run(*args: str) -> Result:
    """Invoke the ``accesssim`` command in-process; stdout and stderr are kept apart."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def assert_error(result: Result, *expected: str) -> None:
    """Exit 2 with every ``expected`` text on stderr and no traceback."""
    assert result.exit_code == 2, (
        f"exit {result.exit_code}, expected 2\nstdout: {result.stdout}\nstderr: {result.stderr}")
    for text in expected:
        assert text in result.stderr, f"{text!r} not in stderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr


def jsonable(value: Any) -> Any:
    """YAML data as JSON would carry it (dates as ISO strings), for JSON Schema validation."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# -- small in-memory models ------------------------------------------------------------------


def small_model_data(*, trust: Sequence[dict[str, Any]] = (),
                     people: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """A grid company with a contractor, an affiliated retailer with its contractor, a ministry,
    one grid system ``sys`` with non-public fields ``name``, ``phone``, a field ``own`` that
    concerns the retailer, and a public ``tariff``. One person (group) per organization."""
    base_people = [
        {"id": "grid_staff", "org": "grid"},
        {"id": "grid_crew", "org": "grid_contractor"},
        {"id": "retail_staff", "org": "retail", "headcount": 10},
        {"id": "retail_cc", "org": "retail_contractor", "headcount": 5},
        {"id": "official", "org": "ministry"},
    ]
    return {
        "accesssim": 1,
        "name": "small",
        "modes": ["normal", "disaster"],
        "organizations": [
            {"id": "grid", "name": "Grid", "kind": "grid"},
            {"id": "grid_contractor", "name": "Grid contractor", "kind": "contractor",
             "works_for": ["grid"]},
            {"id": "retail", "name": "Retail", "kind": "retail", "affiliated_with": "grid"},
            {"id": "retail_contractor", "name": "Retail contractor", "kind": "contractor",
             "works_for": ["retail"]},
            {"id": "ministry", "name": "Ministry", "kind": "government"},
        ],
        "trust": list(trust),
        "people": [*base_people, *people],
        "systems": [{
            "id": "sys",
            "owner": "grid",
            "fields": [
                {"id": "name"},
                {"id": "phone"},
                {"id": "own", "concerns": ["retail"]},
                {"id": "tariff", "data_class": "public"},
            ],
            "screens": [{"id": "s1"}],
        }],
        "casbin": {"model": "m.conf", "policy": "p.csv"},
    }


def small_model(**kwargs: Any) -> SystemModel:
    return SystemModel.model_validate(small_model_data(**kwargs))


def undocumented_keys(schema: Any, doc: Path) -> list[str]:
    """The properties a JSON Schema defines (at any depth) that ``doc`` never names as
    `key`: a schema key nobody documented."""
    text = doc.read_text(encoding="utf-8")
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            keys.update(node.get("properties", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return sorted(k for k in keys if f"`{k}`" not in text)


def schema_nodes(node: Any, keep: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """Every sub-schema of a JSON Schema (at any depth) that ``keep`` accepts."""
    found = []
    if isinstance(node, dict):
        if keep(node):
            found.append(node)
        for value in node.values():
            found += schema_nodes(value, keep)
    elif isinstance(node, list):
        for value in node:
            found += schema_nodes(value, keep)
    return found


def one_file_csv_models(paths: Sequence[Path]) -> list[Path]:
    """The models held in one file with a policy CSV: what the text-editing tools (mutate,
    whatif, ...) and the CSV policy checks take. The others (scenarios/inventory/: include,
    a policy in SQLite) are refused by those tools, which tests/test_include.py and
    tests/test_database.py check, and analysed by every other test."""
    from accesssim.model.loader import load_model

    kept = []
    for path in paths:
        loaded = load_model(path, REPO if path.is_relative_to(REPO) else None)
        if not loaded.includes and loaded.policy_database is None:
            kept.append(path)
    return kept
