"""A tiny project in a temporary git repository, for the gate's tests (base, opened, CLI).

Retail ``clerk`` holds account ``acc`` on grid system ``cis``; screen ``customer`` shows
``name`` in clear (a finding from the start) and ``usage`` masked unless the policy unmasks it
for role ``unmasker``. Adding ``g, acc, unmasker, cis`` opens ``usage`` to the clerk.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
CONF = (REPO / "policies" / "accesssim.conf").read_text(encoding="utf-8")
MODEL_REL = "scenarios/case.yaml"
CSV_REL = "policies/case.csv"
CONF_REL = "policies/accesssim.conf"
POLICY = ("# case policy\n"
          "p, clerk_role, cis, customer, open, allow, *, *, *\n"
          "p, unmasker, cis, usage, unmask, allow, *, *, *\n"
          "g, acc, clerk_role, cis\n")
OPENING_LINE = "g, acc, unmasker, cis\n"


def model_data(*, expectations: bool = True, usage: str = "policy") -> dict[str, Any]:
    data: dict[str, Any] = {
        "accesssim": 1, "name": "case", "modes": ["normal", "disaster"],
        "organizations": [{"id": "nw", "name": "nw", "kind": "grid"},
                          {"id": "retail", "name": "r", "kind": "retail",
                           "affiliated_with": "nw"}],
        "people": [{"id": "clerk", "org": "retail", "locations": ["office"]}],
        "locations": [{"id": "office", "owner": "retail", "open_to": ["retail"]}],
        "accounts": [{"id": "acc", "holder": "clerk", "systems": ["cis"]}],
        "terminals": [{"id": "t1", "location": "office", "owner": "retail",
                       "assigned_to": ["clerk"], "systems": ["cis"], "accounts": "any"}],
        "systems": [{"id": "cis", "owner": "nw",
                     "fields": [{"id": "name"}, {"id": "usage"}],
                     "screens": [{"id": "customer", "shows": [
                         {"field": "name", "masking": "clear"},
                         {"field": "usage", "masking": usage}]}]}],
        "casbin": {"model": "../" + CONF_REL, "policy": "../" + CSV_REL},
    }
    if expectations:
        data["expectations"] = [{"id": "clerk-sees-name",
                                 "finding": {"from": ["clerk"], "fields": ["name"]}}]
    return data


def model_text(**kwargs: Any) -> str:
    return yaml.safe_dump(model_data(**kwargs), sort_keys=False)


def git(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
         "-c", "commit.gpgsign=false", *args],
        cwd=root, capture_output=True, text=True, check=True)
    return result.stdout


def make_repo(root: Path, *, policy: str = POLICY, **kwargs: Any) -> Path:
    """The project committed once on branch ``main``; returns the model's path."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write(root, model=model_text(**kwargs), policy=policy, conf=CONF)
    commit(root, "base")
    return root / MODEL_REL


def write(root: Path, *, model: str | None = None, policy: str | None = None,
          conf: str | None = None) -> None:
    for rel, text in ((MODEL_REL, model), (CSV_REL, policy), (CONF_REL, conf)):
        if text is not None:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def open_usage(root: Path) -> int:
    """Append the g line that lets the clerk's account unmask ``usage``; its line number."""
    text = (root / CSV_REL).read_text(encoding="utf-8") + OPENING_LINE
    write(root, policy=text)
    return text.count("\n")
