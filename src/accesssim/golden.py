"""Rewrite golden lists in a scenario file, keeping its comments and layout (ruamel.yaml)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq

from accesssim.errors import InputError


def rewrite_who_can_see(path: Path, people_by_expectation: dict[str, list[str]]) -> None:
    """Set ``who_can_see.people`` of the named expectations; atomic replace of the file."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    data = yaml.load(path.read_text(encoding="utf-8"))
    done = set()
    for exp in data.get("expectations", []):
        if exp.get("id") in people_by_expectation and "who_can_see" in exp:
            seq = CommentedSeq(sorted(people_by_expectation[exp["id"]]))
            seq.fa.set_flow_style()
            exp["who_can_see"]["people"] = seq
            done.add(exp["id"])
    missing = set(people_by_expectation) - done
    if missing:
        raise InputError.single(str(path), 0, f"cannot find expectations {sorted(missing)}")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yaml.dump(data, handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
