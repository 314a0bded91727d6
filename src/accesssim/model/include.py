"""``include``: one model spread over several files, read as one.

Hand-written parts (systems, screens, masking, the Casbin files) and imported parts (people,
accounts, terminals written by ``accesssim import``) live in separate files; the root model
lists them. Every mapping read from an included file is tagged with that file
(``FILE_KEY``), so every problem and every citation names the file and line it rests on.
One level only: an included file cannot include, so there is no cycle to find and the model
is what the root file and the files it names say, nothing more.
"""

from __future__ import annotations

import errno
import posixpath
import re
import stat
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from accesssim.errors import InputError, Problem
from accesssim.model import fastyaml
from accesssim.model.files import describe_os_error
from accesssim.model.provenance import Source

LINE_KEY, KEYS_KEY, FILE_KEY = fastyaml.LINE_KEY, fastyaml.KEYS_KEY, fastyaml.FILE_KEY

#: The sections an included file may hold: lists, appended to the root's in include order.
SECTIONS = ("organizations", "trust", "people", "locations", "accounts", "terminals",
            "systems", "expectations")
#: The one single-valued section an included file may hold (at most one file holds it).
SINGLE = "casbin"

#: ``read(path, shown)``: the parsed YAML of one file (the loader's careful reader).
Reader = Callable[[Path, str], Any]


def resolve_inside(base: Path, ref: str, root: Path, shown: str, line: int) -> Path:
    """The file a reference names: inside the root, existing, a regular file."""
    def refuse(message: str) -> InputError:
        return InputError.single(shown, line, f"file reference {ref!r}: {message}")

    try:
        target = (base / ref).resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        error = exc if isinstance(exc, (OSError, ValueError)) else OSError(errno.ELOOP, "")
        raise refuse(describe_os_error(error)) from None
    if not target.is_relative_to(root):
        raise refuse(f"escapes the project root {root}; pass --root DIR with a folder that "
                     "holds every file to allow it")
    try:
        mode = target.stat().st_mode
    except (OSError, ValueError) as exc:
        raise refuse(describe_os_error(exc)) from None
    if not stat.S_ISREG(mode):
        raise refuse("not a regular file: give a file's path")
    return target


def merge_includes(data: dict[str, Any], path: Path, root: Path, shown: str,
                   read: Reader) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The root's data with every included file's sections appended, and the included files'
    names as shown (relative to the root). A malformed ``include`` value is left to the
    schema check, which names its line."""
    refs = data.get("include")
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs) or not refs:
        return data, ()
    line = data.get(KEYS_KEY, {}).get("include", data.get(LINE_KEY, 0))
    merged = dict(data)
    held: dict[str, tuple[str, int]] = {}
    if SINGLE in data:
        held[SINGLE] = (shown, data.get(KEYS_KEY, {}).get(SINGLE, 0))
    seen = {path.resolve(): shown}
    names: list[str] = []
    problems: list[Problem] = []
    for ref in refs:
        target = resolve_inside(path.resolve().parent, ref, root, shown, line)
        if target in seen:
            problems.append(Problem(shown, line, f"include {ref!r}: {seen[target]} is already "
                                    "part of this model"))
            continue
        part_shown = target.relative_to(root).as_posix()
        seen[target] = part_shown
        names.append(part_shown)
        part = read(target, part_shown)
        if not isinstance(part, dict):
            problems.append(Problem(part_shown, 1, "an included file must be a YAML mapping of "
                                    f"sections ({', '.join(SECTIONS)}, {SINGLE})"))
            continue
        _tag(part, part_shown)
        problems.extend(_merge_part(merged, part, part_shown, held))
    if problems:
        raise InputError(problems)
    return merged, tuple(names)


def _merge_part(merged: dict[str, Any], part: dict[str, Any], shown: str,
                held: dict[str, tuple[str, int]]) -> list[Problem]:
    problems: list[Problem] = []
    lines = part.get(KEYS_KEY, {})
    for key, value in part.items():
        if key in (LINE_KEY, KEYS_KEY, FILE_KEY):
            continue
        where = lines.get(key, part.get(LINE_KEY, 0))
        if key == "include":
            problems.append(Problem(shown, where, "an included file cannot include other "
                                    "files (one level only): list them in the root model"))
        elif key == SINGLE:
            if not isinstance(value, dict):  # a scalar carries no file: say it here
                problems.append(Problem(shown, where, "casbin must be a mapping (model, and "
                                        "policy or database)"))
            elif SINGLE in held:
                first, first_line = held[SINGLE]
                problems.append(Problem(shown, where, f"casbin is given twice (first at "
                                        f"{first}:{first_line}): one file of a model holds it"))
            else:
                held[SINGLE] = (shown, where)
                merged[SINGLE] = value
        elif key in SECTIONS:
            if not isinstance(value, list):
                problems.append(Problem(shown, where, f"{key} must be a list"))
            elif any(not isinstance(item, dict) for item in value):
                index = next(i for i, item in enumerate(value) if not isinstance(item, dict))
                problems.append(Problem(shown, where, f"{key} item {index + 1} must be a "
                                        f"mapping, not {type(value[index]).__name__}"))
            elif isinstance(merged.get(key, []), list):
                merged[key] = [*merged.get(key, []), *value]
        else:
            problems.append(Problem(shown, where, f"{key!r} cannot be in an included file (it "
                                    f"may hold {', '.join(SECTIONS)} and {SINGLE}); the root "
                                    "model holds it"))
    return problems


def _tag(node: Any, shown: str) -> None:
    """Mark every mapping under ``node`` as read from ``shown``."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            item[FILE_KEY] = shown
            stack.extend(v for k, v in item.items() if k != KEYS_KEY)
        elif isinstance(item, list):
            stack.extend(item)


@cache
def row_file(holder: str, ref: str) -> str | None:
    """A ``source.file`` written in ``holder`` (a root-relative path), as shown: relative to
    the project root; None when it leaves the root."""
    if posixpath.isabs(ref) or "\\" in ref:
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(holder), ref))
    if joined == ".." or joined.startswith("../") or joined == ".":
        return None
    return joined


def row_citation(holder: str, source: Any) -> Source:
    """The ``file[:sheet]:row`` an imported element cites (``source`` is a RowSource)."""
    return Source(row_file(holder, source.file) or source.file, source.row, source.sheet or "")


def check_row_sources(elements: Iterable[Any], shown: str) -> list[Problem]:
    """Every ``source`` names a file inside the project root and, for a sheet, a sheet name."""
    problems = []
    for element in elements:
        source = getattr(element, "origin", None)
        if source is None:
            continue
        holder = element.yaml_file or shown
        if not source.file.strip() or posixpath.basename(source.file) in ("", ".", ".."):
            problems.append(Problem(holder, source.line_of("file"), f"source file "
                                    f"{source.file!r} names no file: give the inventory file"))
        elif row_file(holder, source.file) is None:
            problems.append(Problem(holder, source.line_of("file"),
                                    f"source file {source.file!r} is outside the project root: "
                                    "give a path relative to this file, inside the root"))
        if source.sheet is not None and not source.sheet.strip():
            problems.append(Problem(holder, source.line_of("sheet"), "empty sheet name"))
        elif source.sheet is not None and _SHEET_BAD.search(source.sheet):
            problems.append(Problem(holder, source.line_of("sheet"), f"sheet name "
                                    f"{source.sheet!r} holds a character no spreadsheet sheet "
                                    "name can (: \\ / ? * [ ] or a control character); a "
                                    "citation file:sheet:row would not read back"))
    return problems


#: What a sheet name cannot hold (Excel refuses these; ``:`` would also blur a citation).
_SHEET_BAD = re.compile(r"[:\\/?*\[\]\x00-\x1f\x7f-\x9f\u2028\u2029]")
