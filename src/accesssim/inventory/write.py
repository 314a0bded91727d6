"""The imported model as YAML, written atomically: the whole file appears, or nothing changes.

The text depends only on the mapping and the rows (sections sorted by id, keys in the model's
documented order), so the same input gives the same bytes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from accesssim.inventory.convert import ELEMENTS, Converted
from accesssim.inventory.mapping import Mapping


class _PlainDumper(yaml.SafeDumper):
    """Writes every value out (the model loader refuses aliases) and keeps lists readable."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


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
    for section in ELEMENTS:
        items = []
        for record, element in converted.sections.get(section, []):
            source: dict[str, Any] = {"file": _relative(str(sources[record.row.file]), out_dir)}
            if record.row.sheet is not None:
                source["sheet"] = record.row.sheet
            source["row"] = record.row.row
            items.append({**element, "source": source})
        if items:
            data[section] = items
    return data


def model_text(data: dict[str, Any]) -> str:
    return "# Written by `accesssim import`: edit the mapping or the source tables, not this.\n" \
        + yaml.dump(data, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=None)


def write_atomically(out_dir: Path, text: str) -> Path:
    """Write ``out_dir/model.yaml``: a new folder appears whole (a temporary folder renamed
    into place); in an existing folder a temporary file replaces model.yaml."""
    target = out_dir / "model.yaml"
    if out_dir.is_dir():
        fd, temp = tempfile.mkstemp(prefix=".model.", suffix=".tmp", dir=out_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.chmod(temp, 0o644)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        return target
    parent = out_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    temp_dir = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=parent))
    try:
        (temp_dir / "model.yaml").write_text(text, encoding="utf-8", newline="\n")
        os.chmod(temp_dir, 0o755)
        os.rename(temp_dir, out_dir)
    except BaseException:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    return target
