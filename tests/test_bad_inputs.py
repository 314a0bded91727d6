"""The bad-input corpus: every kind of bad input exits 2 and names the file and line.

Each folder under ``tests/bad_inputs/`` is one case: a ``case.yaml`` (what is wrong, the command,
the expected location and message) plus, optionally, files that replace the shipped scenario's
(``model.yaml``, ``policy.csv``, ``model.conf``) and extra files placed at the same relative path
below the project root (``accesssim-waivers.yaml``). Most cases are a few text mutations of a copy
of a shipped scenario, so the corpus stays small and follows the scenarios. The format is
described in ``tests/bad_inputs/README.md``.

For every case the real CLI runs (in-process, or in a child process where the case needs one)
and the test asserts: the exit code (2 unless the case says otherwise: a few cases are inputs
the tool must *accept*); the cited ``file:line`` (or the file, where no line is knowable); the
message fragment; no traceback and no "internal error"; no output file left behind.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from accesssim.cli.main import main
from helpers import REPO, SCENARIO_FILES, Project

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "case.yaml").is_file())
#: A child process that has not answered by then is stuck (a FIFO read blocks forever).
CHILD_TIMEOUT = 10
#: Address-space limit of a child process: reading /dev/zero must not take the machine down.
CHILD_MEMORY = 1 << 30
OUTPUT_OPTIONS = ("-o", "--output", "--junit")
REPLACEMENTS = {"model.yaml": "model", "policy.csv": "csv", "model.conf": "conf"}


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    output: str  # stdout and stderr together (the message may go to either)
    crash: str  # an exception that escaped the command, formatted; empty if none


# -- setup hooks: inputs a text mutation cannot make ------------------------------------------


def _fifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


def _hook_fifo_model(p: Project, tmp: Path) -> None:
    """The model argument is a named pipe: reading it would block forever."""
    _fifo(p.root / "scenarios" / "fifo.yaml")


def _hook_fifo_policy(p: Project, tmp: Path) -> None:
    """The policy reference is a named pipe."""
    _fifo(p.root / "policies" / "fifo.csv")


def _hook_symlink_loop(p: Project, tmp: Path) -> None:
    """policies/loop.conf is a symlink to itself."""
    os.symlink("loop.conf", p.root / "policies" / "loop.conf")


def _hook_symlink_dev_zero(p: Project, tmp: Path) -> None:
    """scenarios/zero.yaml is a symlink to /dev/zero (endless input)."""
    os.symlink("/dev/zero", p.root / "scenarios" / "zero.yaml")


def _hook_long_casbin_path(p: Project, tmp: Path) -> None:
    """The Casbin model reference is longer than any file system allows."""
    p.edit_model("model: ../../policies/accesssim.conf", "model: " + "x" * 5000 + ".conf")


def _hook_long_path_component(p: Project, tmp: Path) -> None:
    """One component of the policy reference is longer than NAME_MAX (255)."""
    p.edit_model("policy: ../../policies/incidents/01-kansai.csv",
                 "policy: ../../policies/" + "y" * 300 + ".csv")


def _hook_file_as_parent(p: Project, tmp: Path) -> None:
    """``tmp/afile`` is a regular file, so ``tmp/afile/x`` can never be created."""
    (tmp / "afile").write_text("not a folder\n", encoding="utf-8")


def _read_only(path: Path) -> Callable[[], None]:
    """Make a folder unwritable (as root: immutable, since root ignores file modes)."""
    if os.geteuid() != 0:
        path.chmod(0o555)
        return lambda: path.chmod(0o755)
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"running as root and chattr +i fails here: {done.stderr!r}")

    def undo() -> None:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    return undo


def _hook_read_only_scenarios(p: Project, tmp: Path) -> Callable[[], None]:
    """The folder of the scenario is read-only (``test --update`` cannot rewrite it)."""
    return _read_only(p.model.parent)


def _hook_empty_folder(p: Project, tmp: Path) -> None:
    """An empty folder to run ``accesssim test`` on."""
    (tmp / "empty").mkdir()


def _hook_big_model(p: Project, tmp: Path) -> None:
    """A model file of 100 MB (comments): over any sane size limit."""
    with p.model.open("a", encoding="utf-8") as handle:
        chunk = ("#" + "x" * 1023 + "\n") * 1024
        for _ in range(100):
            handle.write(chunk)


def _hook_init_existing(p: Project, tmp: Path) -> None:
    """``tmp/init`` already holds a model.yaml."""
    (tmp / "init").mkdir()
    (tmp / "init" / "model.yaml").write_text("accesssim: 1\n", encoding="utf-8")


def _hook_deep_yaml(p: Project, tmp: Path) -> None:
    """A YAML value nested 5,000 levels deep (a stack-exhaustion attempt)."""
    with p.model.open("a", encoding="utf-8") as handle:
        handle.write("deep: " + "[" * 5000 + "]" * 5000 + "\n")


def _hook_deep_matcher(p: Project, tmp: Path) -> None:
    """The matcher's role term wrapped in 500 pairs of parentheses."""
    p.edit_conf("m = g(r.sub, p.sub, r.dom) &&",
                "m = " + "(" * 500 + "g(r.sub, p.sub, r.dom)" + ")" * 500 + " &&")


def _hook_git_repo(p: Project, tmp: Path) -> None:
    """The project is a git repository with one commit (for ``--base-ref``)."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run(["git", *command], cwd=p.root, env=env, check=True, capture_output=True)


def _hook_sqlite_policy(p: Project, tmp: Path) -> None:
    """The scenario's policy imported into policies/policy.db (then ``policy.sql``, placed by
    the case, run on it); a model still naming the CSV names that database instead."""
    import sqlite3

    from accesssim.model.database import policy_source
    from accesssim.policy.transfer import import_rows

    db = p.root / "policies" / "policy.db"
    import_rows(p.csv, "policy.csv", (p.conf, "model.conf"),
                policy_source(f"sqlite:///{db}", base=p.root, must_exist=False), replace=False)
    sql = p.root / "policy.sql"
    if sql.is_file():
        with sqlite3.connect(db) as conn:
            conn.executescript(sql.read_text("utf-8"))
    text = p.model.read_text("utf-8")
    named = f"  policy: {os.path.relpath(p.csv, p.model.parent)}\n"
    if named in text:
        url = f"sqlite:///{os.path.relpath(db, p.model.parent)}"
        p.model.write_text(text.replace(named, f"  database:\n    url: {url}\n"), "utf-8")


#: A hook prepares what a mutation cannot; it may return a function that undoes it.
HOOKS: dict[str, Callable[[Project, Path], Callable[[], None] | None]] = {
    "fifo-model": _hook_fifo_model,
    "fifo-policy": _hook_fifo_policy,
    "symlink-loop": _hook_symlink_loop,
    "symlink-dev-zero": _hook_symlink_dev_zero,
    "long-casbin-path": _hook_long_casbin_path,
    "long-path-component": _hook_long_path_component,
    "file-as-parent": _hook_file_as_parent,
    "read-only-scenarios": _hook_read_only_scenarios,
    "empty-folder": _hook_empty_folder,
    "big-model": _hook_big_model,
    "init-existing": _hook_init_existing,
    "deep-yaml": _hook_deep_yaml,
    "deep-matcher": _hook_deep_matcher,
    "git-repo": _hook_git_repo,
    "sqlite-policy": _hook_sqlite_policy,
}


# -- building and running a case --------------------------------------------------------------


def _paths(p: Project) -> dict[str, Path]:
    return {"model": p.model, "csv": p.csv, "conf": p.conf}


def _mutate(p: Project, mutation: dict[str, Any]) -> None:
    path = _paths(p)[mutation["file"]]
    if "old" in mutation:
        p.edit(path, mutation["old"], mutation["new"])
    elif "append" in mutation:
        with path.open("a", encoding="utf-8", newline="") as handle:
            handle.write(mutation["append"].rstrip("\n") + "\n")
    elif "cut" in mutation:  # drop everything from this text to the end of the file
        text = path.read_text(encoding="utf-8")
        assert text.count(mutation["cut"]) == 1, f"{mutation['cut']!r} not once in {path.name}"
        path.write_text(text[: text.index(mutation["cut"])] + "\n", encoding="utf-8")
    elif "prepend" in mutation:
        path.write_bytes(mutation["prepend"].encode("utf-8") + path.read_bytes())
    elif "bytes" in mutation:  # replace UTF-8 text by raw bytes (``new`` as latin-1 text)
        old, new = mutation["bytes"].encode("utf-8"), mutation["new"].encode("latin-1")
        data = path.read_bytes()
        assert data.count(old) == 1, f"{old!r} occurs {data.count(old)} times in {path.name}"
        path.write_bytes(data.replace(old, new))
    else:
        raise AssertionError(f"unknown mutation {mutation}")


def _copy_scenario(tmp: Path, scenario: str) -> Project:
    """The scenario's model, policy and Casbin model under ``tmp/proj``, in the repo's layout.

    Like ``helpers.make_project`` but without the other scenarios' policies: faster."""
    root = tmp / "proj"
    model_rel, policy_rel = SCENARIO_FILES[scenario]
    conf_rel = "policies/accesssim.conf"
    for rel in (model_rel, policy_rel, conf_rel):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / rel, root / rel)
    return Project(root, root / model_rel, root / conf_rel, root / policy_rel)


def _setup(case: dict[str, Any], folder: Path, tmp: Path
           ) -> tuple[Project, Callable[[], None] | None]:
    project = _copy_scenario(tmp, case.get("scenario", "kansai"))
    for source in sorted(folder.rglob("*")):
        rel = source.relative_to(folder).as_posix()
        if not source.is_file() or rel == "case.yaml":
            continue
        # a replacement of the scenario's own file, or an extra file at the same place below
        # the project root (a waiver file, a second model)
        target = _paths(project)[REPLACEMENTS[rel]] if rel in REPLACEMENTS else project.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    for mutation in case.get("mutations", []):
        _mutate(project, mutation)
    undo = HOOKS[case["setup"]](project, tmp) if "setup" in case else None
    return project, undo


def _args(case: dict[str, Any], p: Project, tmp: Path) -> list[str]:
    if "run" in case:
        template = [str(a) for a in case["run"]]
    else:
        command = case.get("command", "analyze")
        template = [command, "{model}", "--root", "{root}", *map(str, case.get("args", []))]
        if command == "analyze":
            template += ["-o", "{out}"]
    values = {"model": p.model, "root": p.root, "tmp": tmp, "out": tmp / "out" / "report.txt",
              "conf": p.conf, "csv": p.csv, "scenarios": p.model.parent}
    return [a.format(**{k: str(v) for k, v in values.items()}) for a in template]


def _in_process(args: list[str]) -> Outcome:
    result = CliRunner().invoke(main, args)
    crash = ""
    if result.exc_info is not None and not issubclass(result.exc_info[0], SystemExit):
        crash = "".join(traceback.format_exception(*result.exc_info))
    return Outcome(result.exit_code, result.stdout + result.stderr, crash)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


def _child(args: list[str], cwd: Path) -> Outcome:
    code = "import sys; from accesssim.cli.main import main; sys.exit(main())"
    try:
        done = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True,
                              text=True, errors="replace", timeout=CHILD_TIMEOUT,
                              preexec_fn=_limit_memory, check=False)
    except subprocess.TimeoutExpired:
        return Outcome(-1, "", f"no answer within {CHILD_TIMEOUT} s (blocked?)")
    crash = done.stderr if "Traceback (most recent call last)" in done.stderr else ""
    return Outcome(done.returncode, done.stdout + done.stderr, crash)


def _line(path: Path, needle: str, nth: int = 1) -> int:
    text = path.read_bytes().decode("utf-8", errors="replace")
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            nth -= 1
            if nth == 0:
                return number
    raise AssertionError(f"{needle!r} not found in {path}: the scenario moved, fix the case")


def _locations(case: dict[str, Any], p: Project) -> list[str]:
    """Every acceptable ``file:line:`` (or ``file``) text; the output must hold one of them."""
    where = case["expect"].get("where")
    if where is None:
        return []
    found = []
    for alt in where if isinstance(where, list) else [where]:
        kind = alt["file"]
        path = _paths(p).get(kind)
        if path is None and (p.root / kind).is_file():  # an extra file the case placed
            path = p.root / kind
        shown = path.relative_to(p.root).as_posix() if path else kind
        if "at" in alt:
            assert path is not None, "'at' needs file: model, csv, conf or a placed file"
            found.append(f"{shown}:{_line(path, alt['at'], alt.get('nth', 1))}:")
        elif "line" in alt:
            found.append(f"{shown}:{alt['line']}:")
        else:
            found.append(shown)
    return found


def _targets(args: list[str], case: dict[str, Any], tmp: Path) -> list[Path]:
    """Output paths the command is given that do not exist yet."""
    targets = [Path(args[i + 1]) for i, a in enumerate(args[:-1]) if a in OUTPUT_OPTIONS]
    targets += [Path(t.format(tmp=tmp)) for t in case.get("no_file", [])]
    return [t for t in targets if not t.exists()]


def _left_behind(targets: list[Path]) -> list[Path]:
    """Those of ``targets`` that exist after the run, and temporary files beside them."""
    left = []
    for target in targets:
        if target.exists():
            left.append(target)
        if target.parent.is_dir():
            left += [q for q in target.parent.iterdir() if q.name.startswith(f".{target.name}.")]
    return left


def load_case(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CORPUS / name / "case.yaml").read_text("utf-8"))
    return data


@pytest.mark.parametrize("name", CASES)
def test_bad_input(tmp_path: Path, name: str) -> None:
    """One corpus case: exit code, file:line, message, no crash, nothing written."""
    case = load_case(name)
    project, undo = _setup(case, CORPUS / name, tmp_path)
    args = _args(case, project, tmp_path)
    targets = _targets(args, case, tmp_path)
    try:
        outcome = _child(args, project.root) if case.get("subprocess") else _in_process(args)
    finally:
        if undo is not None:
            undo()
    shown = f"{case['about']}\n$ accesssim {' '.join(args)}\n{outcome.output}"
    assert not outcome.crash, f"{shown}\nescaped exception:\n{outcome.crash}"
    assert "Traceback" not in outcome.output, shown
    assert "internal error" not in outcome.output.lower(), shown
    expected = case.get("exit", 2)
    allowed = expected if isinstance(expected, list) else [expected]
    assert outcome.exit_code in allowed, f"exit {outcome.exit_code}, expected {expected}\n{shown}"
    locations = [] if outcome.exit_code != 2 else _locations(case, project)
    assert not locations or any(loc in outcome.output for loc in locations), (
        f"none of {locations} in the output\n{shown}")
    message = case["expect"].get("message")
    if message and outcome.exit_code == 2:
        assert re.search(message, outcome.output, re.IGNORECASE), (
            f"/{message}/ not in the output\n{shown}")
    said = case["expect"].get("said")  # said whatever the exit (an accepted input's note)
    if said:
        assert re.search(said, outcome.output, re.IGNORECASE), f"/{said}/ not said\n{shown}"
    left = _left_behind(targets) if outcome.exit_code == 2 else []
    assert not left, f"left behind: {left}\n{shown}"


def test_corpus_is_large_and_every_case_is_well_formed() -> None:
    """At least 80 kinds; each case says what is wrong and what is expected, in known keys."""
    assert len(CASES) >= 80, len(CASES)
    keys = {"about", "issue", "scenario", "command", "args", "run", "mutations", "setup",
            "subprocess", "exit", "expect", "no_file"}
    for name in CASES:
        assert re.fullmatch(r"\d{3,4}-[a-z0-9-]+", name), name
        case = load_case(name)
        assert set(case) <= keys, (name, set(case) - keys)
        assert case["about"] and "expect" in case, name
        assert case.get("setup") is None or case["setup"] in HOOKS, name
        assert case.get("exit", 2) != 2 or case["expect"].get("where") or case["expect"].get(
            "message"), f"{name}: an exit-2 case must name a location or a message"
