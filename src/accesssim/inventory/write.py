"""The imported model as YAML, written atomically: the whole file appears, or nothing changes.

The text depends only on the mapping and the rows (sections sorted by id, keys in the model's
documented order), so the same input gives the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from accesssim.inventory.convert import ELEMENTS, Converted
from accesssim.inventory.mapping import Mapping

#: Words that may stand unquoted: no YAML indicator anywhere, nothing a reader could take
#: for a number, boolean, date or null (checked by the resolver below as well).
_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^:#,\[\]{}\n\r\t'\"]*(?<! )")
_RESOLVE: Callable[..., str] = yaml.resolver.Resolver().resolve


@functools.lru_cache(maxsize=65536)
def _word(text: str) -> str:
    """A string as a YAML scalar: plain when every reader reads it back as that string, else
    double-quoted (a JSON string is a valid YAML double-quoted scalar)."""
    if _PLAIN.fullmatch(text) and _RESOLVE(
            yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str":
        return text
    return json.dumps(text, ensure_ascii=False)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return _word(str(value))


def _flow(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_word(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    return _scalar(value)


def _emit(data: dict[str, Any]) -> str:
    """Top-level keys in block style; each element a block mapping of flow values."""
    out = []
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            out.append(f"{key}:")
            for element in value:
                lead = "- "
                for k, v in element.items():
                    out.append(f"{lead}{_word(k)}: {_flow(v)}")
                    lead = "  "
        else:
            out.append(f"{key}: {_flow(value)}")
    return "\n".join(out) + "\n"


def _relative(path: str, out_dir: Path) -> str:
    return Path(os.path.relpath(path, out_dir)).as_posix()


def model_data(mapping: Mapping, converted: Converted, includes: list[Path],
               sources: dict[str, Path], out_dir: Path) -> dict[str, Any]:
    """The root model: name, modes, include rebased to ``out_dir``, imported sections inline.

    ``sources``: display path of each source file -> its absolute path.
    """
    data: dict[str, Any] = {"accesssim": 1, "name": mapping.name}
    if mapping.description is not None:
        data["description"] = mapping.description
    data["modes"] = list(mapping.modes)
    if includes:
        data["include"] = [_relative(str(p), out_dir) for p in includes]
    files = {shown: _relative(str(path), out_dir) for shown, path in sources.items()}
    for section in ELEMENTS:
        items = []
        for record, element in converted.sections.get(section, []):
            source: dict[str, Any] = {"file": files[record.row.file]}
            if record.row.sheet is not None:
                source["sheet"] = record.row.sheet
            source["row"] = record.row.row
            items.append({**element, "source": source})
        if items:
            data[section] = items
    return data


def model_text(data: dict[str, Any]) -> str:
    return ("# Written by `accesssim import`: edit the mapping or the source tables, not this.\n"
            + _emit(data))


def write_atomically(out_dir: Path, text: str,
                     check: Callable[[Path], None] | None = None) -> Path:
    """Write ``out_dir/model.yaml``: a new folder appears whole (a temporary folder renamed
    into place); in an existing folder a temporary file replaces model.yaml.

    ``check(path)`` is given the temporary file before it takes its place (it raises to
    stop): its relative paths are the final file's, as it lies in the same folder or in a
    sibling folder."""
    target = out_dir / "model.yaml"
    if out_dir.is_dir():
        fd, temp = tempfile.mkstemp(prefix=".model.", suffix=".tmp.yaml", dir=out_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            if check is not None:
                check(Path(temp))
            os.chmod(temp, 0o644)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        return target
    parent = out_dir.parent
    created = next((p for p in reversed((parent, *parent.parents)) if not p.exists()), None)
    parent.mkdir(parents=True, exist_ok=True)
    try:
        temp_dir = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=parent))
    except BaseException:
        if created is not None:  # nothing left behind: not even the folders made for it
            shutil.rmtree(created, ignore_errors=True)
        raise
    try:
        (temp_dir / "model.yaml").write_text(text, encoding="utf-8", newline="\n")
        if check is not None:
            check(temp_dir / "model.yaml")
        os.chmod(temp_dir, 0o755)
        os.rename(temp_dir, out_dir)
    except BaseException:
        shutil.rmtree(temp_dir, ignore_errors=True)
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        raise
    return target
