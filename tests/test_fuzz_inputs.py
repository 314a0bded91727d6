"""Fuzzing the input files: whatever is broken, the CLI answers 0, 1 or 2, never a crash.

Each example copies one shipped incident scenario (its model, its policy and the shared Casbin
model), breaks one of the three files with a few random edits (lines deleted, duplicated or
swapped; a value replaced by another type or an impossible date; control characters, quotes,
parentheses or random bytes inserted; the file cut short) and runs ``accesssim analyze`` in
process. It asserts only what must hold for any input: an exit code of 0, 1 or 2, no escaped
exception, no traceback and no "internal error" (the CLI's catch-all for crashes).

Examples: 30 by default; ``ACCESSSIM_TEST_PROFILE=thorough`` runs 400. A failure found here
becomes a case in ``tests/bad_inputs/``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, note, settings
from hypothesis import strategies as st

from accesssim.cli.main import main
from helpers import REPO
from profiles import THOROUGH

EXAMPLES = 400 if THOROUGH else 30

#: (model, policy) of every shipped incident scenario, relative to the repository.
SCENARIOS = sorted(
    (model.relative_to(REPO).as_posix(),
     "policies/incidents/" + model.name.removesuffix(".yaml") + ".csv")
    for model in (REPO / "scenarios" / "incidents").glob("*.yaml"))
FILES = ("model", "csv", "conf")

#: Values a YAML scalar or CSV field is replaced with: other types, impossible dates, tags.
VALUES = ("true", "'off'", "1", "-1", "0", "1.5", ".inf", "null", "~", "[]", "{}", "[a, b]",
          "2023-02-30", "2023-13-01", "0000-01-01", "9999-12-31", "'2023-06'", "!!binary aGk=",
          "!!set {a}", "<<: {id: x}", "__line__", "*", "&a x", "*a", "|", ">", "'", '"', "#",
          "(", ")", "_", "", " ", "x" * 300, "r.sub", "eval(p.sub)", "keyMatch(", "!",
          "\\u0000", "\ufeff", "\u2028", "é", "\U0001f600")
#: Impossible or partial dates, drawn as often as all other values together.
DATES = ("2023-02-30", "2023-13-01", "0000-01-01", "2023-00-10", "2023-06", "10000-01-01")
#: Closing brackets and quotes, drawn as often as all other characters together.
BRACKETS = (")", "]", "}", '"', "'")
#: Characters inserted at random places.
CHARS = ("\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\u2028", "\ufeff", "\t", "\r", "\n",
         '"', "'", "(", ")", "[", "]", "{", "}", ",", "#", ":", "-", "&", "*", "!", "%", "@",
         "`", "|", ">", "\\", "=")

Edit = Callable[[bytes], bytes]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


@st.composite
def edits(draw: st.DrawFn) -> tuple[str, Edit]:
    """One random edit of a file's bytes, with a description for the failure report."""
    kind = draw(st.sampled_from(["delete", "duplicate", "swap", "value", "char", "bytes",
                                 "truncate", "field", "value", "field", "char"]))
    a, b = draw(st.integers(0, 10**6)), draw(st.integers(0, 10**6))
    if kind == "delete":
        def edit(d: bytes) -> bytes:
            ls = _lines(d)
            del ls[a % len(ls)]
            return b"\n".join(ls)
        return f"delete line #{a}", edit
    if kind == "duplicate":
        def edit(d: bytes) -> bytes:
            ls = _lines(d)
            i = a % len(ls)
            return b"\n".join([*ls[: i + 1], ls[i], *ls[i + 1:]])
        return f"duplicate line #{a}", edit
    if kind == "swap":
        def edit(d: bytes) -> bytes:
            ls = _lines(d)
            i, j = a % len(ls), b % len(ls)
            ls[i], ls[j] = ls[j], ls[i]
            return b"\n".join(ls)
        return f"swap lines #{a} #{b}", edit
    if kind == "value":  # the text after the n-th ': ' up to the next ',', '}' or end of line
        value = draw(st.sampled_from(VALUES) | st.sampled_from(DATES)).encode("utf-8")

        def edit(d: bytes) -> bytes:
            spots = [m.end() for m in re.finditer(rb": ", d)]
            if not spots:
                return d
            start = spots[a % len(spots)]
            end = re.search(rb"[,}\n]|$", d[start:])
            stop = start + (end.start() if end else 0)
            return d[:start] + value + d[stop:]
        return f"value #{a} := {value!r}", edit
    if kind == "field":  # a CSV field (the text between commas) replaced
        value = draw(st.sampled_from(VALUES)).encode("utf-8")

        def edit(d: bytes) -> bytes:
            spots = [m.end() for m in re.finditer(rb", ", d)]
            if not spots:
                return d
            start = spots[a % len(spots)]
            end = re.search(rb"[,\n]|$", d[start:])
            stop = start + (end.start() if end else 0)
            return d[:start] + value + d[stop:]
        return f"field #{a} := {value!r}", edit
    if kind == "char":
        char = draw(st.sampled_from(CHARS) | st.sampled_from(BRACKETS)).encode("utf-8")
        return f"insert {char!r} at #{a}", lambda d: d[: a % (len(d) + 1)] + char + d[
            a % (len(d) + 1):]
    if kind == "bytes":
        junk = draw(st.binary(min_size=1, max_size=8))
        return f"insert {junk!r} at #{a}", lambda d: d[: a % (len(d) + 1)] + junk + d[
            a % (len(d) + 1):]
    return f"truncate at #{a}", lambda d: d[: a % (len(d) + 1)]


def _project(root: Path, model_rel: str, policy_rel: str) -> dict[str, Path]:
    """The scenario's three files under ``root`` in the repository's layout."""
    paths = {"model": root / model_rel, "csv": root / policy_rel,
             "conf": root / "policies" / "accesssim.conf"}
    sources = {"model": REPO / model_rel, "csv": REPO / policy_rel,
               "conf": REPO / "policies" / "accesssim.conf"}
    for key, path in paths.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sources[key], path)
    return paths


@settings(max_examples=EXAMPLES)
@given(scenario=st.sampled_from(SCENARIOS), target=st.sampled_from(FILES),
       changes=st.lists(edits(), min_size=1, max_size=3))
def test_broken_files_never_crash_the_cli(scenario: tuple[str, str], target: str,
                                          changes: list[tuple[str, Edit]]) -> None:
    """Any mutation of a shipped scenario: exit 0, 1 or 2, and never an internal error."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = _project(root, *scenario)
        data = paths[target].read_bytes()
        for _, edit in changes:
            data = edit(data)
        paths[target].write_bytes(data)
        note(f"{scenario[0]}: {target} <- {[text for text, _ in changes]}")
        result = CliRunner().invoke(main, ["analyze", str(paths["model"]), "--root", str(root),
                                           "--format", "json", "--quiet"])
    output = result.stdout + result.stderr
    if result.exc_info is not None and not issubclass(result.exc_info[0], SystemExit):
        raise AssertionError("".join(traceback.format_exception(*result.exc_info)))
    assert result.exit_code in (0, 1, 2), output
    assert "Traceback" not in output, output
    assert "internal error" not in output.lower(), output[-2000:]
