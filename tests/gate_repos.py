"""Temporary git repositories holding a copy of a shipped scenario, for the gate's end-to-end
tests (tests/test_gate_e2e.py, tests/test_ci_integration.py); and SARIF validation against the
official 2.1.0 schema shipped in tests/data/ (never fetched)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema

from helpers import REPO

KANSAI_MODEL = "scenarios/incidents/01-kansai.yaml"
KANSAI_CSV = "policies/incidents/01-kansai.csv"
KANSAI_CONF = "policies/accesssim.conf"
#: A `g` line that gives the retail contractor's call-centre account the grid operators' role:
#: its people can then unmask fields the screens mask by policy (supply_point_id among them).
OPENING_G_LINE = "g, acc_kep_callcenter, nw_operator, takuso"
#: Git without the user's or the machine's configuration, with a fixed identity and clock.
GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@accesssim.invalid",
           "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@accesssim.invalid",
           "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd`; its standard output. A failure raises with git's message."""
    done = subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV},
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def new_repo(root: Path) -> Path:
    """An empty repository on branch main."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    return root


def copy_kansai(root: Path) -> None:
    """The Kansai scenario and the two Casbin files it names, laid out as in the repository."""
    for rel in (KANSAI_MODEL, KANSAI_CSV, KANSAI_CONF):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / rel, root / rel)


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def append(path: Path, line: str) -> int:
    """Append one line; its 1-based line number."""
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    path.write_text(text + line + "\n", encoding="utf-8")
    return len((text + line).splitlines())


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def sarif_schema() -> dict[str, Any]:
    """The SARIF 2.1.0 JSON Schema shipped in tests/data/ (helper "out" ships it)."""
    found = sorted((REPO / "tests" / "data").glob("*sarif*2.1.0*.json")) + sorted(
        (REPO / "tests" / "data").glob("sarif*.json"))
    assert found, "tests/data/ holds no SARIF 2.1.0 schema (expected from the SARIF output work)"
    schema: dict[str, Any] = json.loads(found[0].read_text(encoding="utf-8"))
    return schema


def valid_sarif(path: Path) -> dict[str, Any]:
    """The SARIF log in `path`, validated against the 2.1.0 schema (raises when invalid)."""
    log: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    schema = sarif_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    validator.validate(log)
    assert log["version"] == "2.1.0"
    return log


def sarif_locations(log: dict[str, Any]) -> list[tuple[str, int]]:
    """(uri, startLine) of every result's first location, in order."""
    found = []
    for run in log["runs"]:
        for result in run.get("results", []):
            physical = result["locations"][0]["physicalLocation"]
            found.append((physical["artifactLocation"]["uri"],
                          int(physical["region"]["startLine"])))
    return found
