"""The command's behaviour at its edges: interrupts, time limits, unwritable outputs, golden-file
updates that keep the file's layout, explain by finding id or organisation, lazy imports."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from accesssim.cli.guard import analysis_done, interrupts
from accesssim.reports.junit import results_to_junit
from accesssim.suite.checks import CheckResult
from helpers import REPO, assert_error, make_project, run

ACCESSSIM = [str(Path(sys.executable).parent / "accesssim")]


@pytest.fixture(scope="module")
def utility(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated utility-scale model: its analysis takes many seconds."""
    out = tmp_path_factory.mktemp("utility")
    done = run("generate", str(out), "--preset", "utility")
    assert done.exit_code == 0, done.stderr
    return out


# -- B10: Ctrl-C and D13: --timeout ----------------------------------------------------------


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four times the utility preset: its analysis takes several seconds even on a fast
    machine (the utility preset alone now takes about three)."""
    out = tmp_path_factory.mktemp("large")
    done = run("generate", str(out), "--preset", "utility", "--scale", "4")
    assert done.exit_code == 0, done.stderr
    return out


def test_interrupt_exits_130_and_writes_nothing(large: Path) -> None:
    """SIGINT during a slow run exits 130 (never 0 or 1), says so, and leaves no output file."""
    utility = large
    out = utility / "interrupted.json"
    proc = subprocess.Popen([*ACCESSSIM, "analyze", "model.yaml", "--quiet", "-o", str(out)],
                            cwd=utility, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(2)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not out.exists() and stdout == ""
    assert not [p for p in utility.iterdir() if p.name.startswith(".interrupted")]


def test_an_interrupt_lost_in_a_finaliser_still_stops_the_run() -> None:
    """Ctrl-C whose KeyboardInterrupt lands in a finaliser (Python only prints it there) still
    stops the run at ``analysis_done``, before anything is written, and nothing is printed."""
    printed: list[object] = []

    class Finaliser:
        def __del__(self) -> None:
            handler = signal.getsignal(signal.SIGINT)
            assert callable(handler)
            handler(signal.SIGINT, None)  # raises KeyboardInterrupt here, where it is lost

    before = sys.unraisablehook
    sys.unraisablehook = printed.append
    try:
        with pytest.raises(KeyboardInterrupt), interrupts():
            Finaliser()  # dropped at once: its finaliser runs and the raise is lost
            analysis_done()
    finally:
        sys.unraisablehook = before
    assert printed == []


@pytest.mark.parametrize(("args", "step"), [
    (["--who", "kep_contractor", "--field", "phone"], "explain"),
    (["--who", "kep_sales", "--field", "phone"], "explain"),
    (["ASIM-87b27343d6"], "run"),
])
def test_explain_stops_on_an_interrupt_lost_in_a_finaliser(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], step: str) -> None:
    """explain's exit code is its answer (0 cannot see, 1 can see): a Ctrl-C whose raise was
    lost during its analysis must exit 130 with nothing printed, not answer as if complete."""
    from accesssim import engine

    class Finaliser:
        def __del__(self) -> None:
            handler = signal.getsignal(signal.SIGINT)
            assert callable(handler)
            handler(signal.SIGINT, None)  # raises KeyboardInterrupt here, where it is lost

    real = getattr(engine.Analyzer, step)

    def interrupted(self: engine.Analyzer, *args: Any) -> object:
        Finaliser()  # Ctrl-C during the analysis, its raise lost in a finaliser
        return real(self, *args)

    monkeypatch.setattr(engine.Analyzer, step, interrupted)
    result = make_project(tmp_path).cli("explain", *args)
    assert result.exit_code == 130, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "interrupted" in result.stderr and "Traceback" not in result.stderr


def _lose_an_interrupt() -> None:
    """Ctrl-C whose KeyboardInterrupt is raised inside a finaliser, where Python loses it."""

    class Finaliser:
        def __del__(self) -> None:
            handler = signal.getsignal(signal.SIGINT)
            assert callable(handler)
            handler(signal.SIGINT, None)

    Finaliser()


def test_a_command_that_never_reaches_analysis_done_still_sees_a_lost_interrupt() -> None:
    """Leaving ``interrupts()`` after a lost Ctrl-C raises it (schema, init: no analysis_done),
    and after ``analysis_done`` a Ctrl-C lost while writing a complete result does not."""
    with pytest.raises(KeyboardInterrupt), interrupts():
        _lose_an_interrupt()
    with interrupts():
        analysis_done()
        _lose_an_interrupt()


def test_validate_stops_on_an_interrupt_lost_in_a_finaliser(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A command with nothing to write (validate) exits 130 after a lost Ctrl-C, not 0."""
    from accesssim.policy import lints

    real = lints.lint_project

    def interrupted(*args: Any, **kwargs: Any) -> object:
        _lose_an_interrupt()
        return real(*args, **kwargs)

    monkeypatch.setattr(lints, "lint_project", interrupted)
    result = make_project(tmp_path).cli("validate")
    assert result.exit_code == 130, (result.exit_code, result.stdout, result.stderr)
    assert "interrupted" in result.stderr and "Traceback" not in result.stderr


def test_generate_moves_nothing_in_after_an_interrupt_lost_in_a_finaliser(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """generate writes into a staging folder: a Ctrl-C lost while writing it moves nothing in."""
    from accesssim.synth import generate as synth

    real = synth.generate

    def interrupted(*args: Any, **kwargs: Any) -> object:
        summary = real(*args, **kwargs)
        _lose_an_interrupt()
        return summary

    monkeypatch.setattr(synth, "generate", interrupted)
    out = tmp_path / "out"
    result = run("generate", str(out))
    assert result.exit_code == 130, (result.exit_code, result.stdout, result.stderr)
    assert not out.exists()


@pytest.mark.parametrize("seconds", ["nan", "inf", "1e308", "-1", "0"])
def test_a_timeout_no_timer_can_hold_is_a_usage_error(tmp_path: Path, seconds: str) -> None:
    """--timeout nan / inf / 1e308: exit 2 naming the option, never an 'internal error'."""
    result = make_project(tmp_path).cli("validate", "--timeout", seconds)
    assert_error(result, "--timeout")
    assert "internal error" not in result.stderr


def test_min_coverage_nan_is_a_usage_error(tmp_path: Path) -> None:
    """--min-coverage nan compared False with every figure: the gate always passed."""
    project = make_project(tmp_path)
    result = run("test", str(project.model), "--root", str(project.root), "--min-coverage", "nan")
    assert_error(result, "--min-coverage")


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # alarm lost
def test_timeout_exits_2_and_writes_nothing(utility: Path) -> None:
    """--timeout 1 on a run that takes longer: exit 2, the limit named, no output file (the
    alarm may first land in a gc callback, which swallows it: it fires again)."""
    out = utility / "late.json"
    result = run("analyze", str(utility / "model.yaml"), "--root", str(utility), "--quiet",
                 "-o", str(out), "--timeout", "1")
    assert_error(result, "analysis incomplete: time limit of 1 s reached")
    assert not out.exists()


@pytest.mark.parametrize("command", ["analyze", "validate", "explain", "test", "generate",
                                     "init", "schema"])
def test_every_command_takes_a_timeout(command: str) -> None:
    """--timeout is an option of every command."""
    assert "--timeout" in run(command, "--help").stdout


def test_timeout_not_reached_changes_nothing(tmp_path: Path) -> None:
    """A generous limit gives the same answer as no limit."""
    project = make_project(tmp_path)
    assert project.cli("analyze", "--timeout", "600").stdout == project.cli("analyze").stdout


# -- B7: unwritable outputs --------------------------------------------------------------------


def test_generate_into_a_file_parent_exits_2(tmp_path: Path) -> None:
    """generate below a file: exit 2 naming the path, no traceback."""
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    result = run("generate", str(blocker / "out"))
    assert_error(result, str(blocker), "not a folder")
    assert blocker.read_text(encoding="utf-8") == "x"


@pytest.mark.parametrize("args", [("generate", ""), ("analyze", ""), ("init", ""),
                                  ("analyze", "MODEL", "-o", ""),
                                  ("test", "MODEL", "--junit", "")])
def test_an_empty_path_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        args: tuple[str, ...]) -> None:
    """"" is no path: exit 2 saying so, nothing written into the current folder."""
    project = make_project(tmp_path)
    monkeypatch.chdir(project.model.parent)
    listing = sorted(p.name for p in project.model.parent.iterdir())
    result = run(*(str(project.model) if a == "MODEL" else a for a in args))
    assert_error(result, "empty path")
    assert sorted(p.name for p in project.model.parent.iterdir()) == listing


def test_generate_never_replaces_a_model_it_did_not_write(tmp_path: Path) -> None:
    """generate into a folder holding someone's own model: exit 2, every file intact;
    its own earlier output it replaces (the same seed gives the same files)."""
    run("init", str(tmp_path / "mine"))
    before = {p.name: p.read_bytes() for p in (tmp_path / "mine").iterdir()}
    result = run("generate", str(tmp_path / "mine"))
    assert_error(result, "model.yaml", "policy.csv", "not written by `accesssim generate`")
    assert {p.name: p.read_bytes() for p in (tmp_path / "mine").iterdir()} == before
    assert run("generate", str(tmp_path / "gen")).exit_code == 0
    first = {p.name: p.read_bytes() for p in (tmp_path / "gen").iterdir()}
    assert run("generate", str(tmp_path / "gen")).exit_code == 0
    assert {p.name: p.read_bytes() for p in (tmp_path / "gen").iterdir()} == first


def test_output_below_a_file_exits_2(tmp_path: Path) -> None:
    """-o below a file: exit 2 naming the path and what is wrong; nothing on stdout."""
    project = make_project(tmp_path)
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    result = project.cli("analyze", "-o", str(blocker / "r.json"))
    assert_error(result, str(blocker), "not a folder")
    assert result.stdout == ""


def test_output_into_unwritable_place_exits_2(tmp_path: Path) -> None:
    """-o into a place the system refuses (/proc): exit 2 naming the path."""
    project = make_project(tmp_path)
    result = project.cli("analyze", "-o", "/proc/accesssim-report.json")
    assert_error(result, "/proc/accesssim-report.json", "cannot write")


@pytest.mark.parametrize("which", ["model", "conf", "csv"])
def test_output_onto_an_input_file_is_refused(tmp_path: Path, which: str) -> None:
    """-o naming the model or a Casbin file would destroy the input: exit 2, file intact."""
    project = make_project(tmp_path)
    target: Path = getattr(project, which)
    before = target.read_bytes()
    result = project.cli("analyze", "-o", str(target))
    assert_error(result, "input")
    assert target.read_bytes() == before


def test_junit_onto_a_scenario_file_is_refused(tmp_path: Path) -> None:
    """--junit naming a scenario the run reads: exit 2, the scenario intact."""
    project = make_project(tmp_path)
    before = project.model.read_bytes()
    result = run("test", str(project.model), "--root", str(project.root),
                 "--junit", str(project.model))
    assert_error(result, "input")
    assert project.model.read_bytes() == before


def test_output_into_a_pipe_writes_into_the_pipe(tmp_path: Path) -> None:
    """-o naming a FIFO (or a device such as /dev/null) writes into it, never replaces it."""
    import os
    import stat
    import threading

    project = make_project(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text(encoding="utf-8")),
                              daemon=True)
    reader.start()
    result = project.cli("analyze", "-o", str(fifo))
    reader.join(20)
    assert stat.S_ISFIFO(fifo.lstat().st_mode), "the pipe was replaced by a regular file"
    assert result.exit_code == 1, result.stderr
    assert got and "ASIM-" in got[0]


def test_junit_below_a_file_exits_2(tmp_path: Path) -> None:
    """--junit below a file: exit 2 naming the path."""
    project = make_project(tmp_path)
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    result = run("test", str(project.model), "--root", str(project.root),
                 "--junit", str(blocker / "j.xml"))
    assert_error(result, str(blocker), "not a folder")


def test_update_in_a_read_only_folder_exits_2(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder refuses new files (simulated: tests may run as root): exit 2, file intact."""
    import accesssim.cli.outputs

    project = make_project(tmp_path)
    project.edit_model("people: [kep_outsourced, kep_sales]", "people: [ktd_staff]")
    before = project.model.read_text(encoding="utf-8")

    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", str(project.model.parent))

    monkeypatch.setattr(accesssim.cli.outputs.tempfile, "mkstemp", refuse)
    result = run("test", str(project.model), "--root", str(project.root), "--update")
    assert_error(result, str(project.model.parent), "Permission denied")
    assert "internal error" not in result.stderr
    assert project.model.read_text(encoding="utf-8") == before


# -- B9: --update keeps mode and layout; JUnit is valid XML -------------------------------------


def test_update_refuses_a_read_only_file(tmp_path: Path) -> None:
    """A scenario file without write permission is not replaced: exit 2, file intact."""
    project = make_project(tmp_path)
    project.edit_model("people: [kep_outsourced, kep_sales]", "people: [ktd_staff]")
    before = project.model.read_text(encoding="utf-8")
    project.model.chmod(0o444)
    result = run("test", str(project.model), "--root", str(project.root), "--update")
    assert_error(result, "01-kansai.yaml", "read-only")
    assert project.model.read_text(encoding="utf-8") == before
    assert project.model.stat().st_mode & 0o777 == 0o444


def test_update_of_a_one_line_change_is_a_one_line_diff(tmp_path: Path) -> None:
    """A wrong who_can_see list, updated, gives back the shipped file byte for byte, same mode."""
    project = make_project(tmp_path)
    shipped = project.model.read_text(encoding="utf-8")
    project.edit_model("people: [kep_outsourced, kep_sales]", "people: [ktd_staff]")
    project.model.chmod(0o640)
    result = run("test", str(project.model), "--root", str(project.root), "--update")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert project.model.read_text(encoding="utf-8") == shipped
    assert project.model.stat().st_mode & 0o777 == 0o640


def test_update_of_a_block_list_changes_only_its_lines(tmp_path: Path) -> None:
    """A block-style people list is rewritten in block style at its own indentation."""
    project = make_project(tmp_path)
    project.edit_model("who_can_see: {field: usage_kwh, people: [kep_outsourced, kep_sales]}",
                       "who_can_see:\n      field: usage_kwh\n      people:\n"
                       "        - ktd_staff  # wrong\n")
    before = project.model.read_text(encoding="utf-8").splitlines()
    result = run("test", str(project.model), "--root", str(project.root), "--update")
    assert result.exit_code == 0, result.stdout + result.stderr
    after = project.model.read_text(encoding="utf-8").splitlines()
    i = before.index("        - ktd_staff  # wrong")
    assert after == [*before[:i], "        - kep_outsourced", "        - kep_sales  # wrong",
                     *before[i + 1:]]
    assert run("test", str(project.model), "--root", str(project.root)).exit_code == 0


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
@pytest.mark.parametrize("block", [False, True])
def test_update_keeps_the_line_endings_of_the_file(tmp_path: Path, newline: str,
                                                    block: bool) -> None:
    """A CRLF (or CR) file stays CRLF: only the list's own characters change."""
    project = make_project(tmp_path)
    good = "who_can_see: {field: usage_kwh, people: [kep_outsourced, kep_sales]}"
    wrong = ("who_can_see:\n      field: usage_kwh\n      people:\n        - ktd_staff\n"
             if block else good.replace("kep_outsourced, kep_sales", "ktd_staff"))
    fixed = ("who_can_see:\n      field: usage_kwh\n      people:\n        - kep_outsourced\n"
             "        - kep_sales\n" if block else good)
    shipped = project.model.read_text(encoding="utf-8")
    project.model.write_bytes(shipped.replace(good, wrong).replace("\n", newline).encode())
    result = run("test", str(project.model), "--root", str(project.root), "--update")
    assert result.exit_code == 0, result.stdout + result.stderr
    expected = shipped.replace(good, fixed).replace("\n", newline).encode()
    assert project.model.read_bytes() == expected


def test_junit_escapes_control_characters() -> None:
    """Messages holding raw control characters still give XML that parses."""
    bad = CheckResult("s.yaml", "case\x01", "who_can_see", 3, False, "summary \x1b[31m",
                      expected="{a\x01}", actual="{b\x1b}")
    root = ET.fromstring(results_to_junit([bad]))
    case = root.find(".//testcase")
    assert case is not None and case.get("name") == "case\\x01"
    failure = case.find("failure")
    assert failure is not None and "\\x1b" in (failure.get("message") or "")


# -- E17: no expectations ----------------------------------------------------------------------


def test_test_on_an_empty_folder_exits_2(tmp_path: Path) -> None:
    """No scenario at all is not a pass."""
    (tmp_path / "empty").mkdir()
    result = run("test", str(tmp_path / "empty"), "--root", str(tmp_path))
    assert_error(result, "no expectations found in", "empty")


def test_test_without_expectations_exits_2(tmp_path: Path) -> None:
    """Scenarios that hold no expectation are not a pass either."""
    project = make_project(tmp_path)
    text = project.model.read_text(encoding="utf-8")
    project.model.write_text(text[:text.index("\nexpectations:")] + "\n", encoding="utf-8")
    result = run("test", str(project.model), "--root", str(project.root))
    assert_error(result, "no expectations found in")


def test_init_hint_runs_as_written_for_a_folder_with_a_space(tmp_path: Path) -> None:
    """The 'next:' line is a shell command: a folder name with a space is quoted in it."""
    target = tmp_path / "my design"
    result = run("init", str(target))
    hint = result.stdout.splitlines()[-1].removeprefix("next: ")
    done = subprocess.run(["sh", "-c", hint.replace("accesssim ", f"{ACCESSSIM[0]} ")],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_init_hint_names_analyze(tmp_path: Path) -> None:
    result = run("init", str(tmp_path / "d"))
    assert result.exit_code == 0
    assert "accesssim analyze model.yaml" in result.stdout


# -- E18: explain by finding id, by organisation, same windows as analyze ----------------------


def test_explain_a_finding_by_id(tmp_path: Path) -> None:
    """explain MODEL ID shows that finding's people, fields, windows, defects and witness."""
    project = make_project(tmp_path)
    report = json.loads(project.cli("analyze", "--format", "json").stdout)
    finding = report["findings"][1]
    result = project.cli("explain", finding["id"])
    assert result.exit_code == 1, result.stderr
    text = result.stdout
    assert finding["id"] in text
    for f in finding["exposed"]["fields"]:
        assert f in text
    for hop in finding["witness"]:
        assert hop["text"] in text
    for d in finding["defects"]:
        assert f"{d['source']['file']}:{d['source']['line']}" in text
    as_json = json.loads(project.cli("explain", finding["id"], "--format", "json").stdout)
    assert as_json == finding


def test_explain_an_unknown_finding_id_exits_2(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    result = project.cli("explain", "ASIM-0000000000")
    assert_error(result, "ASIM-0000000000", "accesssim analyze")


@pytest.mark.parametrize("args", [(), ("ASIM-0000000000", "--who", "ktd_staff"),
                                  ("--who", "ktd_staff"), ("--field", "phone")])
def test_explain_with_wrong_arguments_is_a_usage_error(tmp_path: Path,
                                                       args: tuple[str, ...]) -> None:
    """A usage mistake is named as one (exit 2), never as an 'internal error'."""
    result = make_project(tmp_path).cli("explain", *args)
    assert_error(result, "FINDING_ID")
    assert "internal error" not in result.stderr


def test_explain_for_an_organisation(tmp_path: Path) -> None:
    """--who ORG explains for each person of the organisation, one result each."""
    project = make_project(tmp_path)
    result = project.cli("explain", "--who", "kansai_td", "--field", "phone")
    assert result.exit_code == 0, result.stderr
    assert "ktd_staff" in result.stdout
    visible = project.cli("explain", "--who", "kep_contractor", "--field", "phone")
    assert visible.exit_code == 1
    assert visible.stdout.startswith("kep_outsourced CAN see phone")
    data = json.loads(project.cli("explain", "--who", "kep_contractor", "--field", "phone",
                                  "--format", "json").stdout)
    assert [e["person"] for e in data] == ["kep_outsourced"]


def test_explain_uses_the_windows_wording_of_analyze(tmp_path: Path) -> None:
    """The same 'holds:' line in explain as in analyze for the same root cause."""
    project = make_project(tmp_path)
    analyzed = project.cli("analyze").stdout
    explained = project.cli("explain", "--who", "kep_sales", "--field", "customer_name").stdout
    holds = [line.strip() for line in explained.splitlines() if line.strip().startswith("holds:")]
    assert holds and all(h in {x.strip() for x in analyzed.splitlines()} for h in holds)
    assert "–" not in explained and "always" not in explained


# -- E19: closing line, lazy imports, readable coverage ----------------------------------------


def test_output_file_gets_a_closing_line(tmp_path: Path) -> None:
    """With -o, one line on stderr names the file and the totals, with thousands separators."""
    project = make_project(tmp_path)
    out = tmp_path / "report.json"
    result = project.cli("analyze", "--format", "json", "-o", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    n, people = len(data["findings"]), data["summary"]["exposed_headcount"]
    assert people >= 1000
    assert result.stderr == f"wrote {out}: {n} findings, {people:,} people exposed\n"


def test_importing_the_cli_loads_no_heavy_module() -> None:
    """`--help` stays fast: the CLI imports casbin, networkx, pydantic and rich only when run."""
    code = ("import sys\nfrom accesssim.cli.main import main\n"
            "try:\n    main(['analyze', '--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = ('casbin', 'networkx', 'pydantic', 'rich', 'graphviz', 'ruamel', 'yaml')\n"
            "print(sorted(m for m in heavy if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=REPO)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_coverage_table_has_one_element_per_line(tmp_path: Path) -> None:
    """--coverage lists what was not exercised one element per line, grouped by kind."""
    project = make_project(tmp_path)
    result = run("test", str(project.model), "--root", str(project.root), "--coverage")
    lines = result.stdout.splitlines()
    table = lines[next(i for i, line in enumerate(lines) if line.startswith("coverage:")) + 1:]
    assert table and max(len(line) for line in table) < 100
    assert "  not exercised: screens (1)" in lines or any(
        line.startswith("  not exercised: screens (") for line in lines)
    assert "    scenarios/incidents/01-kansai.yaml:menu" in lines


def test_help_lists_exit_130() -> None:
    assert "130" in run("analyze", "--help").stdout


def test_bad_junit_path_stops_before_any_update(tmp_path: Path) -> None:
    """--update with a --junit that cannot be written: exit 2 and the scenario is untouched."""
    project = make_project(tmp_path)
    project.edit_model("people: [kep_outsourced, kep_sales]", "people: [ktd_staff]")
    before = project.model.read_text(encoding="utf-8")
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    result = run("test", str(project.model), "--root", str(project.root), "--update",
                 "--junit", str(blocker / "j.xml"))
    assert_error(result, str(blocker), "not a folder")
    assert project.model.read_text(encoding="utf-8") == before


def _path_params() -> list[tuple[str, str]]:
    from accesssim.cli.main import main
    return [(name, param.name or "") for name, command in sorted(main.commands.items())
            for param in command.params if isinstance(param.type, click.Path)]


def test_every_path_parameter_refuses_a_nul_as_a_usage_error() -> None:
    """A NUL in any path argument or option: exit 2 naming it, never an escaped ValueError."""
    from accesssim.cli.guard import PathArg
    from accesssim.cli.main import main
    params = _path_params()
    assert len(params) >= 7
    for command_name, param_name in params:
        command = main.commands[command_name]
        param = next(p for p in command.params if p.name == param_name)
        assert isinstance(param.type, PathArg), (command_name, param_name)
        args = [command_name]
        if isinstance(param, click.Option):
            args += [param.opts[0], "a\0b"]
        else:  # the positional arguments before it (drift's DESIGN) get a real file
            before = [p for p in command.params if isinstance(p, click.Argument)]
            args += [__file__] * before.index(param) + ["a\0b"]
        result = CliRunner().invoke(main, args)
        label = param.opts[0] if isinstance(param, click.Option) else param_name.upper()
        assert result.exit_code == 2, (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert label in result.output.partition("Invalid value for '")[2], result.output
        assert "NUL character" in result.output


def test_an_unforeseen_parse_error_exits_2_without_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The Group is the backstop for parameter types: exit 2 with a message, not exit 1."""
    from accesssim.cli.guard import PathArg
    from accesssim.cli.main import main

    def broken(*args: object) -> object:
        raise ValueError("unreadable path")

    monkeypatch.setattr(PathArg, "convert", broken)
    result = CliRunner().invoke(main, ["validate", "model.yaml"])
    assert result.exit_code == 2, result.output
    assert "error: cannot read the command line: unreadable path" in result.output
    assert isinstance(result.exception, SystemExit)


def _progress_of(step: Callable[[Callable[[int, int], None]], object]) -> list[tuple[int, int]]:
    calls: list[tuple[int, int]] = []
    step(lambda done, total: calls.append((done, total)))
    return calls


def test_loading_and_compiling_report_percentages(tmp_path: Path) -> None:
    """The loading phase climbs to 100 % while the YAML is read; compiling counts accounts."""
    from accesssim import engine
    from accesssim.synth.generate import generate

    generate(tmp_path, "small", 0)
    model = tmp_path / "model.yaml"
    text = model.read_text(encoding="utf-8")
    people = "".join(f"  - {{id: extra_{i}, org: {{org}}}}\n" for i in range(3000))
    first_org = next(line.split("id: ")[1].split(",")[0].strip(" }")
                     for line in text.splitlines() if "kind:" in line and "id: " in line)
    model.write_text(text.replace("people:\n", "people:\n" + people.replace("{org}", first_org),
                                  1), encoding="utf-8")
    loading = _progress_of(lambda report: engine.load_project(model, progress=report))
    assert loading[-1] == (100, 100)
    assert all(total == 100 for _, total in loading)
    percents = [done for done, _ in loading]
    assert percents == sorted(percents) and len(set(percents)) >= 3  # it climbs, in steps
    project = engine.load_project(model)
    compiling = _progress_of(
        lambda report: engine.analyzer(project, modes=["normal"], progress=report))
    assert compiling and compiling[0][0] == 0 and compiling[0][1] > 0


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_time_limit_whose_raise_is_lost_still_stops_the_run() -> None:
    """The alarm can land in a garbage-collector callback, which swallows its raise: the limit
    fires again, and a run that went on anyway is refused before anything is written."""
    import gc

    from accesssim.cli.guard import TimeLimitReached, analysis_done, time_limit

    lost = []

    def swallow(phase: str, info: dict[str, int]) -> None:
        if lost:
            return
        try:
            time.sleep(0.05)  # the alarm lands here, as in hypothesis's own gc callback
        except TimeLimitReached:
            lost.append(phase)

    gc.callbacks.append(swallow)
    try:
        with pytest.raises(TimeLimitReached), time_limit(0.01):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:  # the work of a run, with a collection in it
                gc.collect(0)  # young objects only: quick, however big the test process
                sum(range(100_000))
    finally:
        gc.callbacks.remove(swallow)
    assert lost, "the test did not lose a raise, so it checked nothing"
    with pytest.raises(TimeLimitReached), time_limit(0.01):
        with contextlib.suppress(TimeLimitReached):  # lost: the run goes on as if nothing
            time.sleep(0.05)
        signal.setitimer(signal.ITIMER_REAL, 0)  # and no retry gets through before the write
        analysis_done()


class _RecordingBar:
    """Records what a progress bar is told (rich's Progress takes the same calls)."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self.counts: list[tuple[int, int]] = []

    def add_task(self, description: str, total: None) -> int:
        self.labels.append(description)
        return 0

    def update(self, task: int, *, description: str | None = None, completed: int = 0,
               total: int | None = None) -> None:
        if description is not None:
            self.labels.append(description)
        elif total is not None:
            self.counts.append((completed, total))


def test_phases_number_analyze_steps_and_name_the_gate_phases() -> None:
    """analyze numbers its three phases; check and diff name theirs; percentages pass through."""
    from accesssim.cli.progress import Phases

    bar = _RecordingBar()
    numbered = Phases(bar, "loading", steps=3)
    numbered.phase("deciding")
    numbered.update(5, 10)
    numbered.phase("searching")
    assert bar.labels == ["[1/3] loading", "[2/3] deciding", "[3/3] searching"]
    assert bar.counts == [(5, 10)]
    plain = _RecordingBar()
    Phases(plain, "loading").phase("HEAD: searching")
    assert plain.labels == ["loading", "HEAD: searching"]
    silent = Phases(None, "loading", steps=3)  # no terminal: nothing drawn, nothing raised
    silent.phase("deciding")
    silent.update(1, 2)
