"""The fast YAML path builds exactly what the careful loader builds, or leaves the text to it.

Every comparison is strict: the same types (``True`` is not ``1``), the same key order, the same
``__line__`` and ``__keys__`` records. When the careful loader refuses a text, the fast path
must not accept it (so the error, its line and the exit code stay the careful loader's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accesssim.errors import InputError
from accesssim.model import fastyaml
from accesssim.model.files import read_input_text
from accesssim.model.loader import parse_yaml
from accesssim.synth.generate import generate
from helpers import REPO
from profiles import examples


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types and the same key order all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b) or (isinstance(a, float) and a != a and b != b)  # NaN


def outcome(text: str, fast: bool) -> tuple[str, Any]:
    """What ``parse_yaml`` gives: the data, or the error's type and text."""
    try:
        return "data", parse_yaml(text, "m.yaml", fast=fast)
    except InputError as exc:
        return "error", str(exc)
    except Exception as exc:  # e.g. RecursionError: both paths must agree on it too
        return "raised", f"{type(exc).__name__}: {exc}"


def assert_agree(text: str) -> bool:
    """Fast and careful give the same outcome; True if the fast path accepted the text."""
    careful = outcome(text, fast=False)
    try:
        fast_data = fastyaml.load(text)
    except fastyaml.Unsupported:
        assert same(outcome(text, fast=True), careful)
        return False
    assert careful[0] == "data", f"the fast path accepted a text the careful one refuses: {careful}"
    assert same(fast_data, careful[1])
    return True


YAML_FILES = sorted(
    p for folder in ("scenarios", "tests", "examples") if (REPO / folder).is_dir()
    for p in (REPO / folder).rglob("*") if p.suffix in (".yaml", ".yml")
)


def test_every_shipped_yaml_file_reads_the_same() -> None:
    accepted = 0
    for path in YAML_FILES:
        try:
            text = read_input_text(path, path.name)
        except InputError:
            continue  # not UTF-8, control characters: refused before any YAML is read
        accepted += assert_agree(text)
    assert len(YAML_FILES) > 100
    assert accepted > len(YAML_FILES) // 2, "the fast path should read most hand-written models"


def test_the_reference_scenario_takes_the_fast_path() -> None:
    assert assert_agree((REPO / "scenarios" / "reference.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("preset", ["small", pytest.param("utility", marks=pytest.mark.thorough)])
def test_generated_presets_take_the_fast_path(preset: str, tmp_path: Path) -> None:
    generate(tmp_path, preset=preset, seed=3)
    assert assert_agree((tmp_path / "model.yaml").read_text(encoding="utf-8"))


# Hand-picked documents at the edges of the fast subset: each must agree (most fall back).
EDGES = [
    "a: 1\n", "a: yes\n", "a: On\n", "a: 017\n", "a: 0x1F\n", "a: 1_000\n", "a: 1:30\n",
    "a: 2023-02-30\n", "a: 2023-02-28\n", "a: 2023-01-01 10:00:00\n", "a: 0000-01-01\n",
    "a: .inf\n", "a: -.5e3\n", "a: ~\n", "a: null\n", "a: TRUE\n", "a: 'x'\n", 'a: "x"\n',
    "a: b\na: c\n", "a: {b: 1, b: 2}\n", "__line__: 1\n", "a: {__keys__: 1}\n", "<<: {a: 1}\n",
    "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: !!python/name:os.system\n", "true: 1\n", "1: a\n",
    "a: [b, c,]\n", "a: [b, , c]\n", "a: {b: }\n", "a: {b: c d, e: [f g, 'h''i']}\n",
    "a:\n- b\n- c\nd: e\n", "a:\n  - b\n  -   c: 1\n      d: 2\n", "a:\n  b\n", "a: b\n  c\n",
    "a: |\n  x\n", "a: >\n  x\n", "a: b # c\n", "a: b#c\n", "a: [b] # c\n", "a: [b]#c\n",
    "a: 'it''s'\n", 'a: "x\\ty"\n', "a: b: c\n", "a: b:c\n", "a: -\n", "a: - b\n", "a: -b\n",
    "a:\t1\n", "a: 1\r\nb: 2\r\n", "\ufeffa: 1\n", "---\na: 1\n", "a: 1\n...\n",
    "a: 1\n---\nb: 2\n",
    "- a\n", "a\n", "", "# only\n", "a: [{b: 1}, [c, {d: [e]}]]\n", "a: {b: {c: {}}, d: []}\n",
    "a: 関西電力 営業\n", "a: {b: 関西電力 営業・窓口}\n", "a: \u3000x\n", "a: x\u2028y\n",
    "a: x\x85y\n", "a:\n  - - b\n    - c\n", "a:\n  -\n    b: 1\n", "a:\n  - # c\n    b: 1\n",
    " a: 1\n", "a: 1\n b: 2\n", "a:\n    b: 1\n   c: 2\n", "a: {b: 1}\n  c: 2\n",
    "a: ? b\n", "? a\n: b\n", "a: @b\n", "a: `b\n", "a: %b\n", "a: [@b]\n", "a: [-]\n",
    "a: [- b]\n", "a: {-b: 1}\n", "a.b-c: 1\n", "a: [a&b, c*d, e!f]\n", "a: x, y\n",
    "a: {b: 1} \n", "a: [b]   \n", "a: 'b'  # c\n", 'a: "b" c\n', "a: {'b': 1}\n",
    "a: {b: 1} # c: d}\n", "a:\n- {b: 1} # c: d, e: f}\n", "a: {b: 1} #c: d}\n",
    "a: {b: 1}# c: d}\n", "a: [b] # ], c]\n", "a: b # c: d\n",
    "a: {b: 'c'}\n", "a: " + "[" * 5000 + "]" * 5000 + "\n",
    "a:\n" + "".join(" " * i + "- \n" for i in range(1, 3000)),  # deep: both say the same
    'a: {b: "c", d: ""}\n', "a: [\"\", '']\n", "a: [ ]\n", "a: { }\n",
    # Integers longer than Python converts (4300 digits): the careful loader names the value.
    "a: " + "7" * 5000 + "\n", "a: {b: " + "7" * 5000 + "}\n", "a: [" + "7" * 5000 + "]\n",
    "a:\n- {b: [1, " + "7" * 5000 + "]}\n", "a: -" + "7" * 4301 + "\n",
]


@pytest.mark.parametrize("text", EDGES)
def test_edges_agree(text: str) -> None:
    assert_agree(text)


# -- random documents --------------------------------------------------------------------------

WORDS = ["a", "b", "id", "name", "org", "x_1", "a.b", "a-b", "n", "y", "no", "on", "true",
         "null", "1", "__line__", "<<", "関西", "a b"]
SCALARS = ["x", "abc_1", "0", "12", "-3", "+4", "007", "0o7", "0x1f", "1_0", "1:20", "3.5", "1e3",
           ".inf", ".NaN", "~", "null", "Null", "true", "False", "yes", "NO", "on", "Off",
           "2024-02-29", "2023-02-29", "2023-1-2", "2023-01-01T10:00:00Z", "関西電力 営業 1",
           "a b", "a  b", "a,b", "a#b", "a # b", "a: b", "a:b", "-", "-x", "- x", "?x", "&x",
           "*x", "!x", "|", ">", "%x", "@x", "`x", "[x]", "{x: y}", "it's", 'say "hi"', "",
           " lead", "tail ", "\u3000", "é", "x\\y", "=", "<<"]
#: Scalars every reader takes the same way: most documents use only these, so that the fast
#: path accepts them and its data is compared (one odd scalar sends a document to the fallback).
TAME = ["x", "abc_1", "0", "12", "-3", "+4", "3.5", "~", "null", "true", "False", "2024-02-29",
        "関西電力 営業 1", "a b", "a  b", "-x", "it's", "é", "x\\y"]
TAME_WORDS = ["a", "b", "id", "name", "org", "x_1", "a.b", "a-b", "n", "y"]  # as in the schema
wild_text = st.one_of(st.sampled_from(SCALARS),
                      st.text(st.sampled_from("ab1-_ .:#,'\"[]{}&*!é"), max_size=6))


def rendered_scalar(draw: st.DrawFn, wild: bool) -> str:
    text = draw(wild_text if wild else st.sampled_from(TAME))
    style = draw(st.sampled_from(["plain", "plain", "double", "single"]))
    if style == "double":
        return f'"{text}"'
    if style == "single":
        return "'" + text.replace("'", draw(st.sampled_from(["''", "'"])) if wild else "''") + "'"
    return text


def flow(draw: st.DrawFn, depth: int, wild: bool) -> str:
    """A one-line flow collection or scalar."""
    kind = draw(st.sampled_from(["scalar", "map", "list"] if depth < 3 else ["scalar"]))
    if kind == "scalar":
        return rendered_scalar(draw, wild)
    sep = draw(st.sampled_from([", ", ",", " , ", ",  "]))
    count = draw(st.integers(0, 3))
    if kind == "list":
        return "[" + sep.join(flow(draw, depth + 1, wild) for _ in range(count)) + "]"
    words = WORDS if wild else TAME_WORDS
    pairs = (f"{draw(st.sampled_from(words))}:{draw(st.sampled_from([' ', '  '] + [''] * wild))}"
             f"{flow(draw, depth + 1, wild)}" for _ in range(count))
    return "{" + sep.join(pairs) + "}"


def block(draw: st.DrawFn, indent: int, depth: int, wild: bool) -> list[str]:
    """Lines of a block mapping or list at ``indent``."""
    pad = " " * indent
    step = draw(st.integers(1, 4))
    lines: list[str] = []
    is_list = depth > 0 and draw(st.booleans())
    for _ in range(draw(st.integers(1, 4))):
        head = "- " if is_list else f"{draw(st.sampled_from(WORDS if wild else TAME_WORDS))}:"
        comment = draw(st.sampled_from(["", "", " # note", "  #x", " # a: b}", " # ], c: d}"]))
        if draw(st.booleans()):
            lines.append(f"{pad}# a comment line" if draw(st.booleans()) else "")
        if depth < 3 and draw(st.integers(0, 3)) == 0:
            lines.append(f"{pad}{head.rstrip()}{comment}")
            lines += block(draw, indent + step, depth + 1, wild)
        else:
            space = "" if is_list else draw(st.sampled_from([" ", "  "]))
            lines.append(f"{pad}{head}{space}{flow(draw, 0, wild)}{comment}")
    return lines


@st.composite
def documents(draw: st.DrawFn) -> str:
    wild = draw(st.integers(0, 3)) == 0
    return "\n".join(block(draw, 0, 0, wild)) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=examples(1500))
@given(documents())
def test_random_documents_agree(text: str) -> None:
    assert_agree(text)


def test_progress_climbs_and_never_goes_back(tmp_path: Path) -> None:
    """Told every thousand list items; a late fallback does not make the bar jump back."""
    items = "".join(f"  - {{id: p{i}, n: {i}}}\n" for i in range(3000))
    told: list[tuple[int, int]] = []
    parse_yaml(f"people:\n{items}", "m.yaml", lambda done, total: told.append((done, total)))
    assert len(told) >= 3 and told == sorted(told) and told[-1][0] == told[-1][1]
    told.clear()
    late_refusal = f"people:\n{items}  - {{id: x, n: yes}}\n"  # the careful loader's to refuse
    with pytest.raises(InputError, match=r"m\.yaml:3002: .*yes"):
        parse_yaml(late_refusal, "m.yaml", lambda done, total: told.append((done, total)))
    assert len(told) >= 3 and told == sorted(told)
