"""Round trip: a model -> its people, locations, accounts and terminals as inventory tables
(CSV, XLSX, Parquet) + a mapping -> `accesssim import` -> the same analysis result.

The hand-written rest (organisations, trust, systems, Casbin) is the included part; the
imported model must give the same findings and exposures as the original, and its hops on
imported elements cite the rows."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accesssim.engine import load_project
from accesssim.inventory.run import run_import
from inventory_files import write_mapping, write_table
from strategies import Generated, _PlainDumper, engine_report, materialise, projects

SECTIONS = ("people", "locations", "accounts", "terminals")
KEYS = {
    "people": ("id", "name", "org", "headcount", "locations"),
    "locations": ("id", "name", "owner", "open_to"),
    "accounts": ("id", "holder", "systems", "known_by", "issued_by"),
    "terminals": ("id", "location", "owner", "assigned_to", "open", "systems", "accounts",
                  "logged_in"),
}
GUARD = ("modes", "valid_from", "valid_until", "purpose", "note")


def _cell(key: str, value: Any, fmt: str) -> Any:
    """An element's value as a cell of ``fmt``: lists joined by ';', native types in XLSX."""
    if value is None:
        return None
    if key == "accounts" and value == []:
        return "none"
    if isinstance(value, list):
        return ";".join(value) or None
    if fmt == "xlsx":
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value) if isinstance(value, (int, dt.date)) else value


def write_inventory(model: dict[str, Any], folder: Path, formats: list[str]) -> Path:
    """The parts file, one table per section (format from ``formats``) and the mapping."""
    parts = {k: v for k, v in model.items() if k not in (*SECTIONS, "accesssim", "name",
                                                          "modes")}
    parts["casbin"] = {**parts["casbin"], "model": "../accesssim.conf",
                       "policy": "../policy.csv"}
    (folder / "inv").mkdir()
    (folder / "inv" / "parts.yaml").write_text(
        yaml.dump(parts, Dumper=_PlainDumper, allow_unicode=True, sort_keys=False),
        encoding="utf-8")
    tables = []
    for section, fmt in zip(SECTIONS, formats, strict=True):
        header = [*KEYS[section], *GUARD]
        rows = []
        for element in model[section]:
            valid = element.get("valid") or {}
            values = {**element, "valid_from": valid.get("from"),
                      "valid_until": valid.get("until")}
            rows.append([_cell(k, values.get(k), fmt) for k in header])
        if fmt == "parquet":
            rows = [[None if c is None else str(c) for c in r] for r in rows]
        entry = write_table(folder / "inv", section, fmt, header, rows, sheet=section)
        tables.append({"kind": section, **entry, "columns": {k: k for k in header}})
    write_mapping(folder / "inv" / "mapping.yaml", {
        "accesssim-import": 1, "name": model["name"], "modes": model["modes"],
        "include": ["parts.yaml"], "tables": tables})
    return folder / "inv" / "mapping.yaml"


def _result(report: Any) -> list[tuple[Any, ...]]:
    """What an analysis says, without where it cites (lines versus rows)."""
    return sorted((f.id, f.failure_types, f.fields, f.headcount, f.exposures, f.windows)
                  for f in report.findings)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects(), st.lists(st.sampled_from(["csv", "xlsx", "parquet"]), min_size=4,
                            max_size=4))
def test_import_gives_the_same_analysis(gen: Generated, formats: list[str]) -> None:
    with materialise(gen) as original:
        expected = _result(engine_report(original))
    folder = Path(tempfile.mkdtemp(prefix="accesssim-import-"))
    try:
        (folder / "policy.csv").write_text(gen.csv_text(), encoding="utf-8")
        (folder / "accesssim.conf").write_text(gen.conf, encoding="utf-8")
        mapping = write_inventory(gen.model, folder, formats)
        run_import(mapping, folder / "model", root=folder)
        imported = load_project(folder / "model" / "model.yaml", root=folder)
        assert _result(engine_report(imported)) == expected, gen.describe()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
