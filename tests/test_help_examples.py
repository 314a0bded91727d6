"""The examples in the help of the report commands (render, report, summary) run as shown.

Each example line is parsed from ``accesssim CMD --help`` and run by the installed command in
a copy of the repository, so an example naming a missing file, a wrong finding id or an option
that no longer exists fails here instead of in a reader's terminal.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from doc_commands import make_copy
from helpers import REPO

ACCESSSIM = Path(sys.executable).parent / "accesssim"
COMMANDS = ("render", "report", "summary", "import", "drift", "replay", "generate-logs")


def _examples(command: str) -> list[str]:
    """The example commands of ``command --help``, continuation lines joined."""
    shown = subprocess.run([str(ACCESSSIM), command, "--help"], capture_output=True, text=True,
                           check=True).stdout
    block = shown.split("Examples:", 1)[1].split("\n\n", 1)[0]
    joined = block.replace("\\\n", " ")
    return [" ".join(line.split()) for line in joined.splitlines() if line.strip()]


def test_every_report_command_shows_examples() -> None:
    for command in COMMANDS:
        examples = _examples(command)
        assert examples, command
        assert all(e.startswith(f"accesssim {command} ") for e in examples), examples


def command_writes_folder(words: list[str]) -> bool:
    """``import -o MODEL_DIR`` writes MODEL_DIR/model.yaml, ``generate-logs -o DIR``
    DIR/truth.csv."""
    return words[1] in ("import", "generate-logs")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy for every example: each writes its own output file."""
    return make_copy(REPO, tmp_path_factory.mktemp("help") / "repo")


@pytest.mark.parametrize("example", [e for c in COMMANDS for e in _examples(c)])
def test_help_example_runs(example: str, root: Path) -> None:
    words = shlex.split(example)
    speaks = "--lang" not in words and words[1] != "generate-logs"  # its lines are English
    done = subprocess.run([str(ACCESSSIM), *words[1:], "--lang", "en"] if speaks
                          else [str(ACCESSSIM), *words[1:]], cwd=root, capture_output=True,
                          timeout=600, check=False)
    assert done.returncode in (0, 1), (example, done.stderr.decode(errors="replace"))
    assert b"Traceback" not in done.stderr
    if "-o" in words:
        written = root / words[words.index("-o") + 1]
        if command_writes_folder(words):
            written = written / ("model.yaml" if words[1] == "import" else "truth.csv")
        assert written.is_file() and written.stat().st_size > 0, example
