"""Read the executable examples of a Markdown page, run them, and rewrite their shown output.

The conventions are in docs/contributing.md. In short: a ```console fence holds `$ COMMAND`
lines, each followed by the output it prints (standard output and standard error together); a
`$ echo $?` line shows the previous command's exit code. An HTML comment just before the fence,
`<!-- doc-test: thorough -->` or `<!-- doc-test: setup` ... `-->` (shell lines), marks the block
slow or gives hidden set-up commands. Other fences (```sh, ```yaml, ...) are illustrative.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from accesssim.cli.main import main

FENCE = "```console"
PROMPT = "$ "
EXIT_CODE = "echo $?"
DIRECTIVE = "<!-- doc-test:"
#: The temporary copy's path is shown as this in outputs.
SHOWN_ROOT = "/tmp/project"
#: Files and folders of the checkout not copied for the commands.
NOT_COPIED = (".git", ".venv", "*.egg-info", "__pycache__", ".pytest_cache", ".mypy_cache",
              ".ruff_cache", ".hypothesis", "build", "dist", "out", "gen")
_SECONDS = re.compile(r"\b\d+\.\d+ s\b")
#: A command with one of these characters needs a shell (pipes, redirections, variables, globs).
_SHELL_CHARACTERS = set("|&;<>$`*?[]{}()~#\\\n")


@dataclass
class Command:
    """One `$ ` line: its 0-based line index and text, and the output lines shown under it."""

    line: int
    text: str
    shown: list[str]


@dataclass
class Block:
    """One ```console fence: its commands, hidden set-up lines, and whether it is slow."""

    line: int
    commands: list[Command] = field(default_factory=list)
    setup: list[str] = field(default_factory=list)
    thorough: bool = False


def parse(text: str) -> list[Block]:
    """The ```console blocks of a Markdown text, with the directives written just before them."""
    lines = text.split("\n")
    blocks: list[Block] = []
    pending = Block(line=-1)
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(DIRECTIVE):
            words = line[len(DIRECTIVE):].split()
            if words[:1] == ["thorough"]:
                pending.thorough = True
            elif words[:1] == ["setup"]:
                i += 1
                while not lines[i].startswith("-->"):
                    pending.setup.append(lines[i])
                    i += 1
            else:
                raise ValueError(f"line {i + 1}: unknown doc-test directive {line!r}")
        elif line.strip() == FENCE:
            pending.line = i
            i = _read_block(lines, i + 1, pending)
            blocks.append(pending)
            pending = Block(line=-1)
        elif line.strip() and (pending.thorough or pending.setup):
            raise ValueError(f"line {i + 1}: a doc-test directive must come just before a "
                             f"{FENCE} fence")
        i += 1
    return blocks


def _read_block(lines: list[str], i: int, block: Block) -> int:
    """Fill `block` from the lines after its fence; return the index of the closing fence."""
    while not lines[i].startswith("```"):
        if lines[i].startswith(PROMPT):
            block.commands.append(Command(line=i, text=lines[i][len(PROMPT):], shown=[]))
        elif block.commands:
            block.commands[-1].shown.append(lines[i])
        else:
            raise ValueError(f"line {i + 1}: output before the first `$ ` command")
        i += 1
    return i


def normalise(output: str, root: Path) -> list[str]:
    """Output lines as the docs show them: the copy's path as SHOWN_ROOT, timings as `N s`."""
    for path in {str(root.resolve()), str(root)}:
        output = output.replace(path, SHOWN_ROOT)
    lines = [_SECONDS.sub("N s", line.rstrip()) for line in output.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def make_copy(repo: Path, dest: Path) -> Path:
    """A scratch copy of the checkout (a git work tree of its own) whose `.venv/bin` runs the
    environment the tests run in, so commands written with `.venv/bin/` work too."""
    shutil.copytree(repo, dest, ignore=shutil.ignore_patterns(*NOT_COPIED), symlinks=True)
    subprocess.run(["git", "init", "-q", str(dest)], check=True)
    bin_dir = dest / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    tool = shutil.which("accesssim", path=str(Path(sys.executable).parent))
    targets = {"python": sys.executable, "python3": sys.executable, "accesssim": tool}
    for name, target in targets.items():
        if target is None:
            raise FileNotFoundError(f"no {name} next to {sys.executable}: install the project")
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\nexec "{target}" "$@"\n', encoding="utf-8")
        script.chmod(0o755)
    return dest


def environment(root: Path) -> dict[str, str]:
    """The commands' environment: the copy's `.venv/bin` first, fixed locale and time zone,
    unbuffered Python so standard output and error keep their order."""
    env = dict(os.environ)
    env.update(PATH=f"{root / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
               PYTHONUNBUFFERED="1", LC_ALL="C.UTF-8", TZ="UTC", NO_COLOR="1",
               COLUMNS="200")
    env.pop("ACCESSSIM_UPDATE_DOCS", None)
    return env


@dataclass(frozen=True)
class Outcome:
    """What one command printed, next to what the page shows."""

    command: Command
    actual: list[str]
    problem: str  # empty when the command behaved as shown


def _run(text: str, root: Path, env: dict[str, str], timeout: float,
         in_process: bool) -> tuple[int, str]:
    """Run one command in `root`: its exit code and its output (standard output and error).

    With `in_process`, a plain `accesssim ...` command (nothing a shell would interpret) calls
    the same `main` the installed script calls, in this process, which saves starting Python
    and importing the tool for each command; anything else runs under `bash -c`.
    """
    words = shlex.split(text) if not _SHELL_CHARACTERS & set(text) else []
    if in_process and words[:1] == ["accesssim"]:
        with contextlib.chdir(root):
            result = CliRunner(env=env).invoke(main, words[1:], prog_name="accesssim")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.output
    done = subprocess.run(["bash", "-c", text], cwd=root, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout, check=False)
    return done.returncode, done.stdout.decode("utf-8", "replace")


def run_block(block: Block, root: Path, timeout: float, in_process: bool = False
              ) -> list[Outcome]:
    """Run a block's set-up and commands in `root`, in order, and compare their output."""
    env = environment(root)
    for line in block.setup:
        done = subprocess.run(["bash", "-c", line], cwd=root, env=env, capture_output=True,
                              text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"set-up line {line!r} failed: {done.stdout}{done.stderr}")
    outcomes: list[Outcome] = []
    last_code = 0
    for index, command in enumerate(block.commands):
        if command.text.strip() == EXIT_CODE:
            actual = [str(last_code)]
        else:
            last_code, output = _run(command.text, root, env, timeout, in_process)
            actual = normalise(output, root)
        following = block.commands[index + 1].text.strip() if index + 1 < len(block.commands) \
            else ""
        problem = ""
        if last_code not in (0, 1) and command.text.strip() != EXIT_CODE \
                and following != EXIT_CODE:
            problem = f"exited {last_code}; show it with a `$ echo $?` line"
        elif actual != command.shown:
            problem = "output differs from the page"
        outcomes.append(Outcome(command, actual, problem))
    return outcomes


def rewrite(text: str, outcomes: list[Outcome]) -> str:
    """`text` with each command's shown output replaced by what it printed."""
    lines = text.split("\n")
    for outcome in sorted(outcomes, key=lambda o: o.command.line, reverse=True):
        start = outcome.command.line + 1
        lines[start:start + len(outcome.command.shown)] = outcome.actual
    return "\n".join(lines)
