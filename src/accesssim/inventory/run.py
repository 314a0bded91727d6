"""``accesssim import``: mapping -> tables -> checked elements -> one model file, or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accesssim.errors import InputError, Problem
from accesssim.inventory.convert import ELEMENTS, convert
from accesssim.inventory.mapping import Mapping, Table, load_mapping
from accesssim.inventory.readers import ReadError, Row, read_csv, read_parquet, read_xlsx
from accesssim.inventory.write import model_data, model_text, write_atomically
from accesssim.model.loader import default_root, display_path, line_at, load_model, read_yaml

Progress = Callable[[int, int], None]
SECTIONS = (*ELEMENTS, "systems")


@dataclass(frozen=True)
class ImportResult:
    """What was written, how much, and every row left out (``--lenient``)."""

    written: Path
    counts: dict[str, int]
    skipped: tuple[Problem, ...]


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError, ValueError):
        return False


def _items(value: Any) -> list[dict[str, Any]]:
    return [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []


def _includes(mapping: Mapping, data: Any, base: Path, root: Path, shown: str
              ) -> tuple[list[Path], dict[str, set[str]]]:
    """The hand-written parts and the ids they define (what imported rows may name)."""
    known: dict[str, set[str]] = {s: set() for s in (*SECTIONS, "other")}
    paths, problems = [], []
    for n, ref in enumerate(mapping.include):
        line = line_at(data, ["include", n])
        path = (base / ref)
        if not _inside(path, root):
            problems.append(Problem(shown, line, f"include {ref!r} escapes the project root "
                                                 f"{root}"))
            continue
        try:
            part = read_yaml(path, display_path(path, root))
        except InputError as exc:  # a file that cannot be opened is cited at the mapping line
            problems.extend(Problem(shown, line, f"include {ref!r}: {p.message}")
                            if p.line == 0 else p for p in exc.problems)
            continue
        if not isinstance(part, dict):
            problems.append(Problem(display_path(path, root), 1, "not a YAML mapping"))
            continue
        for section in SECTIONS:
            for item in _items(part.get(section)):
                if isinstance(item.get("id"), str):
                    known[section].add(item["id"])
        for system in _items(part.get("systems")):  # field and screen ids: no element may
            for key in ("fields", "screens"):      # take them either
                known["other"].update(i["id"] for i in _items(system.get(key))
                                      if isinstance(i.get("id"), str))
        paths.append(path.resolve())
    if problems:
        raise InputError(problems)
    return paths, known


def _read_table(spec: Table, n: int, data: Any, base: Path, root: Path, shown: str
                ) -> tuple[Path, str, list[Row]]:
    path = (base / spec.file)
    line = line_at(data, ["tables", n, "file"])
    if not _inside(path, root):
        raise InputError.single(shown, line, f"table file {spec.file!r} escapes the project "
                                             f"root {root}")
    file_shown = display_path(path, root)
    suffix = path.suffix.lower()
    only = {"sheet": ".xlsx", "encoding": ".csv", "delimiter": ".csv", "header_row": ".csv.xlsx"}
    for key, kinds in only.items():
        if key in spec.model_fields_set and suffix not in kinds.replace(".", " .").split():
            raise InputError.single(shown, line_at(data, ["tables", n, key]),
                                    f"{key} does not apply to a {suffix or 'suffix-less'} file")
    try:
        if suffix == ".csv":
            sheets = [read_csv(path, file_shown, spec.encoding, spec.delimiter, spec.header_row)]
        elif suffix == ".xlsx":
            sheets = read_xlsx(path, file_shown, spec.sheets(), spec.header_row)
        elif suffix == ".parquet":
            sheets = [read_parquet(path, file_shown)]
        else:
            raise ReadError(f"unknown table type {suffix or '(none)'}: use .csv, .xlsx or "
                            ".parquet")
    except ReadError as exc:
        at = line_at(data, ["tables", n, exc.key]) if exc.key in spec.model_fields_set else line
        raise InputError.single(shown, at, f"{spec.file}: {exc}") from None
    except InputError as exc:  # the file itself (missing, a directory, too large)
        raise InputError([Problem(shown, line, f"{spec.file}: {p.message}")
                          for p in exc.problems]) from None
    for sheet in sheets:
        for key in spec.columns:
            col = spec.column(key)
            if col is not None and col.column is not None and sheet.header.count(col.column) > 1:
                raise InputError.single(
                    shown, line_at(data, ["tables", n, "columns", key]),
                    f"column {col.column!r} is in the header of {spec.file} more than once: "
                    "rename one of them")
            if col is not None and col.column is not None and col.column not in sheet.header:
                raise InputError.single(
                    shown, line_at(data, ["tables", n, "columns", key]),
                    f"column {col.column!r} is not in the header of {spec.file} "
                    f"(columns: {', '.join(h for h in sheet.header if h)})")
    return path.resolve(), file_shown, [row for sheet in sheets for row in sheet.rows]


def _loads(temp: Path, final: Path, root: Path) -> None:
    """The written model must load as the final file would (every reference the row checks
    do not cover: modes, terminal sessions, ...); its problems name the final file."""
    check_root = root  # the output lies inside it (_check_output), as analyze --root sees it
    try:
        load_model(temp, check_root)
    except InputError as exc:
        temp_shown, final_shown = display_path(temp, check_root), display_path(final, check_root)
        raise InputError([Problem(final_shown if p.file == temp_shown else p.file, p.line,
                                  f"{p.message} (a line of the model that would have been written)")
                          for p in exc.problems]) from None


def _check_output(out_dir: Path, root: Path, inputs: set[Path]) -> None:
    """The output folder lies inside the project root (the written model names its tables
    and parts by relative paths, which must not leave the root), is a folder, and its
    model.yaml is none of the files the import reads (it would be replaced)."""
    out = out_dir.resolve()
    if not _inside(out, root):
        raise InputError.single(str(out_dir), 0, "the output folder is outside the project root "
                                f"{root}: the written model could not name its tables and "
                                "parts (choose a folder inside it, or pass --root)")
    if out.exists() and not out.is_dir():
        raise InputError.single(str(out_dir), 0, "the output is not a folder")
    if (out / "model.yaml").exists() and not (out / "model.yaml").is_file():
        raise InputError.single(str(out_dir / "model.yaml"), 0, "is not a file (a folder?): "
                                "the model cannot replace it")
    if (out / "model.yaml").resolve() in inputs:
        raise InputError.single(str(out_dir / "model.yaml"), 0, "writing the model there "
                                "would replace a file the import reads (the mapping, a part "
                                "or a table): choose another output folder")


def run_import(mapping_path: Path, out_dir: Path, lenient: bool = False,
               progress: Progress | None = None, root: Path | None = None) -> ImportResult:
    """Import; raise InputError with every problem (mapping lines or bad rows) and write
    nothing, or write ``out_dir/model.yaml`` and return what was done."""
    root = (root or default_root(mapping_path)).resolve()
    shown = display_path(mapping_path, root)
    mapping, data = load_mapping(mapping_path, shown)
    base = mapping_path.resolve().parent
    includes, known = _includes(mapping, data, base, root, shown)
    tables, sources = [], {}
    for n, spec in enumerate(mapping.tables):
        path, file_shown, rows = _read_table(spec, n, data, base, root, shown)
        sources[file_shown] = path
        tables.append((spec, rows))
        if progress is not None:  # steps: each table read, the rows checked, the model written
            progress(n + 1, len(mapping.tables) + 2)
    converted = convert(mapping, tables, known, lenient)
    if progress is not None:
        progress(len(mapping.tables) + 1, len(mapping.tables) + 2)
    if converted.problems:
        raise InputError(list(converted.problems))
    _check_output(out_dir, root, {mapping_path.resolve(), *includes, *sources.values()})
    out = out_dir.resolve()
    text = model_text(model_data(mapping, converted, includes, sources, out))
    write_atomically(out, text, lambda temp: _loads(temp, out / "model.yaml", root))
    written = out_dir / "model.yaml"
    if progress is not None:
        progress(len(mapping.tables) + 2, len(mapping.tables) + 2)
    counts = {s: len(converted.sections.get(s, [])) for s in ELEMENTS}
    return ImportResult(written, counts, converted.skipped)
