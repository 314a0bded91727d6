"""Every command shown in README.md and docs/*.md runs, and prints what the page shows.

Conventions (which fences run, exit codes, hidden set-up, normalisation): docs/contributing.md.
`ACCESSSIM_UPDATE_DOCS=1 python -m pytest tests/test_docs.py` rewrites the shown outputs in place
instead of failing; review the diff before committing it.
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
from pathlib import Path

import pytest

from doc_commands import Block, Outcome, make_copy, parse, rewrite, run_block
from helpers import REPO
from profiles import THOROUGH

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
UPDATE = os.environ.get("ACCESSSIM_UPDATE_DOCS", "") == "1"
#: The default profile runs plain `accesssim` commands in the test process (docs/contributing.md).
IN_PROCESS = not THOROUGH
TIMEOUT = 900.0  # seconds per command; the utility-scale ones take a minute on a busy machine


def _page_id(page: Path) -> str:
    return page.relative_to(REPO).as_posix()


def _check_page(page: Path, blocks: list[Block], tmp_path: Path) -> None:
    """Run `blocks` of `page` in one scratch copy, in order; fail (or rewrite) on a difference."""
    if not blocks:
        return
    root = make_copy(REPO, tmp_path / "project")
    outcomes: list[Outcome] = []
    for block in blocks:
        outcomes += run_block(block, root, TIMEOUT, IN_PROCESS)
    wrong = [o for o in outcomes if o.problem]
    if UPDATE and wrong:
        page.write_text(rewrite(page.read_text(encoding="utf-8"), outcomes), encoding="utf-8")
        wrong = [o for o in wrong if o.problem != "output differs from the page"]
    report = []
    for outcome in wrong:
        diff = difflib.unified_diff(outcome.command.shown, outcome.actual, "shown", "printed",
                                    lineterm="")
        report.append(f"{_page_id(page)}:{outcome.command.line + 1}: $ {outcome.command.text}: "
                      f"{outcome.problem}\n" + "\n".join(diff))
    assert not report, "\n\n".join(report) + (
        "\n\n(ACCESSSIM_UPDATE_DOCS=1 python -m pytest tests/test_docs.py rewrites the outputs)")


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_shown_commands_print_what_the_page_shows(page: Path, tmp_path: Path) -> None:
    """The quick ```console blocks of a page, run from the root of a scratch copy, in order."""
    blocks = [b for b in parse(page.read_text(encoding="utf-8")) if not b.thorough]
    _check_page(page, blocks, tmp_path)


@pytest.mark.thorough
@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_slow_shown_commands_print_what_the_page_shows(page: Path, tmp_path: Path) -> None:
    """The blocks marked `<!-- doc-test: thorough -->` (utility-scale runs), in their own copy."""
    blocks = [b for b in parse(page.read_text(encoding="utf-8")) if b.thorough]
    _check_page(page, blocks, tmp_path)


def _readme_command(after: str) -> str:
    """The one-line command in the first ```sh fence after the heading text `after`."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(re.escape(after) + r".*?```sh\n(.+?)\n```", text, re.DOTALL)
    assert found, f"README.md: no ```sh command after {after!r}"
    return found.group(1)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    """.ci/run runs the README's test command as written (after choosing the thorough profile)."""
    command = _readme_command("Run the tests")
    assert command.startswith("sh scripts/system-packages && python3 -m venv .venv && ")
    lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in lines


@pytest.mark.thorough
def test_readme_first_command_works_in_a_fresh_checkout(tmp_path: Path) -> None:
    """The README's first command, as written, in a copy with no virtual environment: it builds
    one with the `python3` on PATH, installs the project and prints the Kansai findings (exit 1)."""
    command = _readme_command("Run the main job")
    assert command.startswith("python3 -m venv .venv && ")
    root = make_copy(REPO, tmp_path / "fresh")
    subprocess.run(["rm", "-r", str(root / ".venv")], check=True)
    done = subprocess.run(["bash", "-c", command], cwd=root, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    shown = next(c for b in parse((REPO / "docs" / "user-guide.md").read_text(encoding="utf-8"))
                 for c in b.commands
                 if c.text == "accesssim analyze scenarios/incidents/01-kansai.yaml")
    assert done.stdout.rstrip("\n").endswith("\n".join(shown.shown))


_LINK = re.compile(r"\]\(([^)\s]+)\)")
_OUTSIDE = re.compile(r"https?://(?!accesssim\.invalid)|\.\./shared|\bshared/|/work/")


@pytest.mark.parametrize(
    "path", [*PAGES, *sorted((REPO / "scenarios").rglob("*.yaml"))],
    ids=lambda p: p.relative_to(REPO).as_posix())
def test_nothing_points_outside_the_repository(path: Path) -> None:
    """Docs and scenarios stand on their own: no web links, no paths outside the checkout, and
    every relative Markdown link names a file of the repository."""
    text = path.read_text(encoding="utf-8")
    assert not _OUTSIDE.findall(text), f"{path}: reference outside the repository"
    for target in _LINK.findall(text) if path.suffix == ".md" else []:
        file = (path.parent / target.split("#")[0]).resolve()
        assert file.is_relative_to(REPO) and file.exists(), f"{path}: broken link {target}"


def test_harness_reads_commands_outputs_and_directives(tmp_path: Path) -> None:
    """The parser and runner follow the documented conventions (a wrong exit code or output
    is reported; `echo $?` shows the previous code; set-up runs unseen)."""
    page = "\n".join([
        "text", "<!-- doc-test: setup", "printf 'hi\\n' > note.txt", "-->", "```console",
        "$ cat note.txt", "hi", "$ sh -c 'exit 2'", "$ echo $?", "2", "$ echo x", "y", "```",
        "<!-- doc-test: thorough -->", "```console", "$ sh -c 'exit 3'", "```",
        "```sh", "$ not run", "```", ""])
    quick, slow = parse(page)
    assert [c.text for c in quick.commands] == ["cat note.txt", "sh -c 'exit 2'", "echo $?",
                                                 "echo x"]
    assert quick.setup == ["printf 'hi\\n' > note.txt"] and not quick.thorough
    assert slow.thorough and [c.text for c in slow.commands] == ["sh -c 'exit 3'"]
    tmp_path.joinpath(".venv", "bin").mkdir(parents=True)
    outcomes = run_block(quick, tmp_path, 60) + run_block(slow, tmp_path, 60)
    assert [o.problem for o in outcomes] == [
        "", "", "", "output differs from the page", "exited 3; show it with a `$ echo $?` line"]
    fixed = rewrite(page, outcomes)
    assert "$ echo x\nx\n```" in fixed and parse(fixed)[0].commands[3].shown == ["x"]


def test_in_process_commands_print_what_a_process_prints(tmp_path: Path) -> None:
    """The default profile's shortcut (plain `accesssim` commands run in the test process)
    prints the same output and exit codes as the installed command run as a process."""
    root = make_copy(REPO, tmp_path / "project")
    block = parse("\n".join([
        "```console", "$ accesssim --version", "$ accesssim validate scenarios/reference.yaml",
        "$ accesssim analyze scenarios/nosuch.yaml", "$ echo $?", "```", ""]))[0]
    outcomes = {mode: run_block(block, root, TIMEOUT, mode) for mode in (True, False)}
    assert [o.actual for o in outcomes[True]] == [o.actual for o in outcomes[False]]
    assert outcomes[True][0].actual and outcomes[True][-1].actual == ["2"]
