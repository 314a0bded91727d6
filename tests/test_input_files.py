"""Every input file is read one way (``accesssim.model.files``); every refusal names file and line.

Covers issue 6 B7 (input part), B8 (plain YAML, exact types) and E15 (the default root). Each
case runs the real CLI: exit 2, ``file:line`` (where a line is knowable), no traceback, and no
"internal error".
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from accesssim.errors import InputError
from accesssim.model.files import MAX_INPUT_BYTES, read_input_text
from accesssim.model.loader import default_root, load_model
from helpers import REPO, Project, assert_error, line_of, make_project, run

Mutation = Callable[[Project], None]
NOTE = "note: Retail staff and contractors see new retailers' contract names and addresses."
CONF_REF = "model: ../../policies/accesssim.conf"
MENU_TR = "{from: menu, to: customer_search, checked: true}"


def _note(value: str) -> Mutation:
    return lambda p: p.edit_model(NOTE, f"note: {value}")


def _sub(old: str, new: str) -> Mutation:
    return lambda p: p.edit_model(old, new)


def _assert_refused(project: Project, where: str, *texts: str) -> None:
    for command in ("validate", "analyze"):
        result = project.cli(command)
        assert_error(result, where, *texts)
        assert "internal error" not in result.stderr


# Each case: a mutation, the model text whose line must be cited, a part of the message.
MODEL_CASES: dict[str, tuple[Mutation, str, str]] = {
    # B7: PyYAML's timestamp constructor raises ValueError on impossible dates, anywhere.
    "date-feb-30-in-note": (_note("2023-02-30"), "note: 2023-02-30", "2023-02-30"),
    "date-month-13-in-note": (_note("2023-13-01"), "note: 2023-13-01", "2023-13-01"),
    "date-year-0-in-note": (_note("0000-01-01"), "note: 0000-01-01", "0000-01-01"),
    "date-impossible-in-valid": (_sub("valid: {until: 2016-03-31}}\n          - {field: addr",
                                      "valid: {until: 2016-02-30}}\n          - {field: addr"),
                                 "until: 2016-02-30", "2016-02-30"),
    "nul-escape-in-casbin-path": (_sub(CONF_REF, 'model: "../../policies/acc\\0esssim.conf"'),
                                  "model: \"../../policies/acc", "U+0000"),
    "casbin-path-too-long": (_sub(CONF_REF, "model: " + "x" * 5000 + ".conf"),
                             "model: xxxx", "longer than the file system allows"),
    "casbin-path-is-a-folder": (_sub(CONF_REF, "model: ../../policies"),
                                "model: ../../policies", "not a regular file"),
    # B8: only plain YAML, exact types.
    "loader-marker-key": (_sub("accesssim: 1", "accesssim: 1\n__line__: 3"),
                          "__line__: 3", "reserved"),
    "loader-keys-marker-key": (_sub("accesssim: 1", "accesssim: 1\n__keys__: {}"),
                               "__keys__: {}", "reserved"),
    "merge-key": (_sub(MENU_TR, "&tr {from: menu, to: customer_search, checked: true}\n"
                               "      - {<<: *tr, checked: false}"),
                  "<<: *tr", "merge keys (<<) are not allowed"),
    "alias": (_sub(MENU_TR, "&tr {from: menu, to: customer_search, checked: true}\n"
                           "      - *tr"),
              "&tr {from: menu", "alias"),
    "set-tag": (_note("!!set {a, b}"), "note: !!set", "explicit tag !!set"),
    "binary-tag": (_note("!!binary aGVsbG8="), "note: !!binary", "explicit tag !!binary"),
    "str-tag-on-a-date": (_note("!!str 2023-01-01"), "note: !!str", "explicit tag !!str"),
    "custom-tag": (_note("!mine hello"), "note: !mine", "explicit tag !mine"),
    "int-tag-on-a-string": (_sub("headcount: 1013", 'headcount: !!int "1013"'),
                            'headcount: !!int "1013"', "explicit tag !!int"),
    "string-for-a-boolean": (_sub(MENU_TR, MENU_TR.replace("checked: true", "checked: 'off'")),
                             "checked: 'off'", "valid boolean"),
    "yaml11-word-for-a-boolean": (_sub(MENU_TR, MENU_TR.replace("checked: true", "checked: no")),
                                  "checked: no", "write true or false"),
    "octal-number": (_sub("headcount: 1013", "headcount: 0100"), "headcount: 0100",
                     "plain decimal digits"),
    "sexagesimal-number": (_sub("headcount: 1013", "headcount: 1:30"), "headcount: 1:30",
                           "plain decimal digits"),
    "underscored-number": (_sub("headcount: 1013", "headcount: 1_013"), "headcount: 1_013",
                           "plain decimal digits"),
    "string-for-a-number": (_sub("headcount: 1013", "headcount: '1013'"),
                            "headcount: '1013'", "valid integer"),
    "float-for-a-number": (_sub("headcount: 1013", "headcount: 1013.0"),
                           "headcount: 1013.0", "valid integer"),
    "true-as-version": (_sub("accesssim: 1", "accesssim: true"),
                        "accesssim: true", "the format version must be the number 1"),
    "float-as-version": (_sub("accesssim: 1", "accesssim: 1.0"),
                         "accesssim: 1.0", "the format version must be the number 1"),
    "quoted-date": (_sub("valid: {until: 2016-03-31}}\n          - {field: addr",
                         "valid: {until: '2016-03-31'}}\n          - {field: addr"),
                    "until: '2016-03-31'", "write the date unquoted"),
    "date-and-time-for-a-date": (_sub("valid: {until: 2016-03-31}}\n          - {field: addr",
                                      "valid: {until: 2016-03-31 10:00:00}}\n"
                                      "          - {field: addr"),
                                 "until: 2016-03-31 10:00:00", "valid date"),
    "python-name-for-from": (_sub("{from: menu, to: customer_search,",
                                  "{source: menu, to: customer_search,"),
                             "{source: menu", "unknown key"),
    "python-name-line": (_sub("accesssim: 1", "accesssim: 1\nline: 3"), "line: 3",
                         "unknown key"),
    "boolean-key": (_sub("accesssim: 1", "accesssim: 1\non: 3"), "on: 3",
                    "key 'on' is read as a boolean"),
    "control-escape-in-a-name": (_sub("accesssim: 1", 'accesssim: 1\ndescription: "a\\x07b"'),
                                 'description: "a', "U+0007"),
}


@pytest.mark.parametrize("case", sorted(MODEL_CASES))
def test_bad_model_value_is_refused_with_its_line(tmp_path: Path, case: str) -> None:
    project = make_project(tmp_path)
    mutate, cited, text = MODEL_CASES[case]
    mutate(project)
    _assert_refused(project, f"{project.model_shown}:{line_of(project.model, cited)}:", text)


@pytest.mark.parametrize(("where", "char"), [("model", "\x00"), ("model", "\x1b"),
                                             ("model", "\u2028"), ("model", "\x85"),
                                             ("csv", "\x00"), ("csv", "\x0c"),
                                             ("conf", "\x00")])
def test_raw_control_character_cites_its_line(tmp_path: Path, where: str, char: str) -> None:
    """A control character in any input file is refused at its own line."""
    project = make_project(tmp_path)
    if where == "model":
        project.edit_model("headcount: 1013", f"headcount: 1013{char}")
        path, needle, shown = project.model, "headcount: 1013", project.model_shown
    elif where == "csv":
        project.edit_csv("p, nw_operator, takuso, menu, open",
                         f"p, nw_operator, takuso, menu{char}, open")
        path, needle, shown = project.csv, "p, nw_operator, takuso, menu", project.csv_shown
    else:
        project.edit_conf("[matchers]", f"[matchers]{char}")
        path, needle, shown = project.conf, "[matchers]", project.conf_shown
    line = line_of(path, needle)
    assert line > 1
    _assert_refused(project, f"{shown}:{line}:", f"U+{ord(char):04X}")


def test_bom_in_casbin_conf_is_refused_at_line_1(tmp_path: Path) -> None:
    """Casbin cannot parse a .conf that starts with a BOM: say so, at line 1, and what to do."""
    project = make_project(tmp_path)
    project.conf.write_bytes(b"\xef\xbb\xbf" + project.conf.read_bytes())
    _assert_refused(project, f"{project.conf_shown}:1: file starts with a UTF-8 BOM",
                    "save the file without a BOM")


def test_invalid_utf8_cites_its_line(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    line = line_of(project.model, "headcount: 1013")
    text = project.model.read_bytes().replace(b"headcount: 1013", b"headcount: 1013 \xff")
    project.model.write_bytes(text)
    _assert_refused(project, f"{project.model_shown}:{line}:", "not UTF-8")


def test_casbin_path_that_is_a_symlink_loop(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    policies = project.root / "policies"
    os.symlink(policies / "loop-b.conf", policies / "loop-a.conf")
    os.symlink(policies / "loop-a.conf", policies / "loop-b.conf")
    project.edit_model(CONF_REF, "model: ../../policies/loop-a.conf")
    _assert_refused(project, f"{project.model_shown}:{line_of(project.model, 'loop-a.conf')}:",
                    "loop of symbolic links")


def test_missing_casbin_file_says_file_not_found_with_the_reference_line(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    project.edit_model(CONF_REF, "model: ../../policies/nope.conf")
    _assert_refused(project, f"{project.model_shown}:{line_of(project.model, 'nope.conf')}:",
                    "file not found")


def test_escaping_reference_says_what_to_do(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (tmp_path / "outside.conf").write_bytes(project.conf.read_bytes())
    project.edit_model(CONF_REF, "model: ../../../outside.conf")
    _assert_refused(project, f"{project.model_shown}:{line_of(project.model, 'outside.conf')}:",
                    "escapes the project root", "pass --root DIR")


def test_model_path_that_is_a_symlink_loop_or_too_long(tmp_path: Path) -> None:
    os.symlink(tmp_path / "b.yaml", tmp_path / "a.yaml")
    os.symlink(tmp_path / "a.yaml", tmp_path / "b.yaml")
    assert_error(run("validate", str(tmp_path / "a.yaml")), "loop of symbolic links")
    assert_error(run("validate", str(tmp_path / ("m" * 5000 + ".yaml"))),
                 "longer than the file system allows")


# -- file types and sizes ------------------------------------------------------------------

def _cli_subprocess(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process with a time limit: a blocking read must fail the test."""
    code = "import sys; from accesssim.cli.main import main; sys.exit(main())"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd, check=False)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_model_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "model.yaml"
    os.mkfifo(fifo)
    result = _cli_subprocess("validate", str(fifo))
    assert result.returncode == 2, result.stderr
    assert "model.yaml: not a regular file (a named pipe)" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_casbin_policy_that_is_a_fifo_is_refused_at_the_reference(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    os.mkfifo(project.root / "policies" / "pipe.csv")
    project.edit_model("policy: ../../policies/incidents/01-kansai.csv",
                       "policy: ../../policies/pipe.csv")
    result = _cli_subprocess("validate", str(project.model), "--root", str(project.root))
    assert result.returncode == 2, result.stderr
    line = line_of(project.model, "pipe.csv")
    assert f"{project.model_shown}:{line}: file reference '../../policies/pipe.csv': " \
           "not a regular file" in result.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_is_refused_without_reading_it() -> None:
    result = run("validate", "/dev/zero", "--root", "/")
    assert_error(result, "not a regular file (a device)")


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "model.yaml"
    with big.open("wb") as handle:  # sparse: no disk space, no time
        handle.truncate(MAX_INPUT_BYTES + 1)
    assert_error(run("validate", str(big)), "model.yaml: file too large:", "64 MiB limit")


def test_reader_refuses_a_directory_and_a_nul_in_the_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        read_input_text(tmp_path, "x")
    with pytest.raises(InputError, match="NUL"):
        read_input_text(tmp_path / "a\0b", "x")
    (tmp_path / "ok.txt").write_text("a\r\nb\rc\n\x01", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_input_text(tmp_path / "ok.txt", "x")
    assert info.value.problems[0].line == 4


# -- E15: the default project root ---------------------------------------------------------

def test_root_defaults_to_the_git_work_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    """`cd scenarios/incidents && accesssim analyze 01-kansai.yaml` works in a git work tree."""
    project = make_project(tmp_path)
    (project.root / ".git").mkdir()
    monkeypatch.chdir(project.model.parent)
    result = run("analyze", project.model.name)
    assert result.exit_code == 1, result.stderr  # findings
    assert "scenarios/incidents/01-kansai.yaml" in result.stdout
    assert default_root(Path(project.model.name)) == project.root.resolve()


def test_root_defaults_to_the_model_folder_outside_git(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`accesssim analyze /elsewhere/model.yaml` from another folder reads its own files."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "model.yaml").write_text(
        (REPO / "scenarios/incidents/01-kansai.yaml").read_text(encoding="utf-8")
        .replace("../../policies/accesssim.conf", "accesssim.conf")
        .replace("../../policies/incidents/01-kansai.csv", "policy.csv"), encoding="utf-8")
    (elsewhere / "accesssim.conf").write_bytes((REPO / "policies/accesssim.conf").read_bytes())
    (elsewhere / "policy.csv").write_bytes(
        (REPO / "policies/incidents/01-kansai.csv").read_bytes())
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    result = run("analyze", str(elsewhere / "model.yaml"))
    assert result.exit_code == 1, result.stderr
    assert load_model(elsewhere / "model.yaml").root == elsewhere.resolve()


def test_explicit_root_still_overrides(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project.root / ".git").mkdir()
    inner = project.model.parent
    result = run("validate", str(project.model), "--root", str(inner))
    assert_error(result, "escapes the project root", "pass --root DIR")
