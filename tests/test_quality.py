"""The code base stays lint-clean and strictly typed (ruff and mypy run with the tests)."""

from __future__ import annotations

import subprocess
import sys

from helpers import REPO


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True,
                          text=True, check=False)


def test_ruff_is_clean() -> None:
    """ruff finds nothing in src/, tests/ and benchmarks/."""
    done = _run("ruff", "check", "src", "tests", "benchmarks")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_is_clean() -> None:
    """mypy --strict (configured in pyproject.toml) finds nothing in the package."""
    done = _run("mypy")
    assert done.returncode == 0, done.stdout + done.stderr
