"""``accesssim init``: a small, commented starting project that passes ``accesssim test``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from accesssim.errors import InputError

#: Files written by ``init``: target name -> packaged template.
TEMPLATES = {
    "model.yaml": "init-model.yaml",
    "policy.csv": "init-policy.csv",
    "accesssim.conf": "accesssim.conf",
}


def shipped_conf_text() -> str:
    """The reference Casbin model shipped with the package (same as policies/accesssim.conf)."""
    return resources.files("accesssim").joinpath("data", "accesssim.conf").read_text("utf-8")


def init_project(target: Path, *, force: bool = False) -> list[Path]:
    """Write the starting files into ``target``; refuse to overwrite unless ``force``."""
    existing = [target / name for name in TEMPLATES if (target / name).exists()]
    if existing and not force:
        raise InputError.single(str(existing[0]), 0, "already exists (use --force to replace)")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, template in TEMPLATES.items():
        text = resources.files("accesssim").joinpath("data", template).read_text("utf-8")
        (target / name).write_text(text, encoding="utf-8")
        written.append(target / name)
    return written
