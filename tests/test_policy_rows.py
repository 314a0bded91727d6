"""The policy CSV is tokenized once: the rows the engine hands Casbin are the ones Casbin's own
file reader would load.

(a) ``split_line`` (a fast path for lines without brackets) gives exactly what the careful path
    gives (``_unbalanced``, then Casbin's ``_extract_tokens``) on random lines with quotes,
    commas, spaces, brackets and comment marks;
(b) ``RowsAdapter`` fills a Casbin model with the same policy as ``FileAdapter`` on random CSV
    files (CRLF, blank lines, comments, repeats, several ptypes), and a lone carriage return,
    which Casbin's reader does not split on, makes the engine let Casbin read the file itself;
(c) on every shipped scenario and the generated presets, the project's enforcer holds the same
    policy as one loaded by Casbin's ``FileAdapter``, and as a plain ``casbin.Enforcer``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import casbin
import pytest
from casbin.model import Model
from casbin.persist.adapter import _extract_tokens
from casbin.persist.adapters import FileAdapter
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from accesssim.engine import load_project
from accesssim.errors import InputError
from accesssim.policy.load import _build_enforcer
from accesssim.policy.rules import RowsAdapter, _unbalanced, read_policy_file, split_line
from accesssim.suite.suite import discover
from accesssim.synth.generate import generate
from helpers import one_file_csv_models
from profiles import examples

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = one_file_csv_models(discover([ROOT / "scenarios"]))  # a CSV each

CONF = """[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act
p2 = sub, act

[role_definition]
g = _, _
g2 = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
"""
DEFINITIONS = {"p": 3, "p2": 2, "g": 2, "g2": 3}


def careful(line: str) -> list[str] | str | None:
    """What the reader did before the fast path: the bracket check, then Casbin's tokenizer."""
    return _unbalanced(line) or _extract_tokens(line)


@settings(max_examples=examples(3000))
@given(st.text(alphabet=st.sampled_from(list("ab #,()[]\"' \t\u3000xé")), max_size=30))
def test_split_line_equals_casbin_tokenizer(raw: str) -> None:
    line = raw.strip()
    assert split_line(line) == careful(line)


def test_split_line_examples() -> None:
    assert split_line("p, a, b") == ["p", "a", "b"]
    assert split_line('p, "a, b", c') == ["p", '"a', 'b"', "c"]  # Casbin ignores quotes
    assert split_line("p, f(a, b), c") == ["p", "f(a, b)", "c"]
    assert split_line("# p, a") is None
    assert split_line("") is None
    assert split_line("p, a), b") == careful("p, a), b")
    assert isinstance(split_line("p, a), b"), str)


TOKENS = st.sampled_from(["a", "b", "role", "x y", "f(a, b)", "[c]", "'q'", '"r"'])
ROW = st.one_of(
    st.tuples(st.just("p"), TOKENS, TOKENS, TOKENS),
    st.tuples(st.just("p2"), TOKENS, TOKENS),
    st.tuples(st.just("g"), TOKENS, TOKENS),
    st.tuples(st.just("g2"), TOKENS, TOKENS, TOKENS),
)
LINE = st.one_of(
    ROW.map(", ".join),
    ROW.map(",".join),
    st.sampled_from(["", "  ", "# comment, with (brackets", "#p, a, b, c"]),
)
ENDING = st.sampled_from(["\n", "\r\n", "\n", "\r"])


def _policies(model: Any) -> dict[tuple[str, str], list[list[str]]]:
    return {(sec, key): list(assertion.policy)
            for sec in ("p", "g") for key, assertion in model[sec].items()}


@settings(max_examples=examples(400), deadline=None)
@given(st.lists(st.tuples(LINE, ENDING), max_size=12), st.booleans())
def test_rows_adapter_loads_what_file_adapter_loads(lines: list[tuple[str, str]],
                                                    last_newline: bool) -> None:
    text = "".join(line + end for line, end in lines)
    if not last_newline:
        text = text.rstrip("\r\n")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.csv"
        path.write_bytes(text.encode("utf-8"))
        try:
            read = read_policy_file(path, "p.csv", DEFINITIONS, ("sub", "obj", "act"),
                                    ["normal"])
        except InputError:
            assume(False)
            return
        lone_cr = text.count("\r") != text.count("\r\n")
        assert (read.rows is None) == lone_cr
        assume(read.rows is not None)
        assert read.rows is not None
        ours, theirs = Model(), Model()
        for model in (ours, theirs):
            model.load_model_from_text(CONF)
        RowsAdapter(read.rows).load_policy(ours)
        FileAdapter(str(path)).load_policy(theirs)
    assert _policies(ours) == _policies(theirs)


def test_lone_carriage_return_is_left_to_casbin(tmp_path: Path) -> None:
    """Casbin reads ``p, a, b, c\\rp, d, e, f`` as one line: the engine must not split it."""
    path = tmp_path / "p.csv"
    path.write_bytes(b"p, a, b, c\rg, d, e\n")
    read = read_policy_file(path, "p.csv", DEFINITIONS, ("sub", "obj", "act"), ["normal"])
    assert read.rows is None
    assert [r.line for r in read.rules] == [1]


def _same_policy(enforcer: casbin.Enforcer, reference: casbin.Enforcer) -> None:
    """Same rows in the same order (a FastEnforcer's p rows: the same set and cache)."""
    for sec in ("p", "g"):
        if sec not in reference.model.keys():
            assert sec not in enforcer.model.keys()
            continue
        assert list(enforcer.model[sec]) == list(reference.model[sec])
        for key, assertion in reference.model[sec].items():
            mine = enforcer.model[sec][key].policy
            if isinstance(assertion.policy, list):
                assert mine == assertion.policy, (sec, key)
            else:
                assert mine._cache == assertion.policy._cache, (sec, key)


def _plain_equal(enforcer: casbin.Enforcer, conf: Path, csv: Path) -> None:
    plain = casbin.Enforcer(str(conf), str(csv))
    for sec in ("p", "g"):
        for key, assertion in plain.model[sec].items():
            mine = enforcer.model[sec][key].policy
            if isinstance(mine, list):
                assert mine == assertion.policy, (sec, key)
            else:  # a FastEnforcer keeps one copy of each p row
                rows = {tuple(row) for row in assertion.policy}
                assert {tuple(row) for row in mine} == rows, (sec, key)


def _check_project(model: Path, root: Path | None) -> None:
    project = load_project(model, root)
    policy = project.policy
    enforcer = policy.enforcer
    reference = _build_enforcer(policy.model_path, policy.policy_path,
                                getattr(enforcer, "_cache_key_order", None))
    assert type(enforcer) is type(reference)
    assert isinstance(enforcer.adapter, FileAdapter)
    _same_policy(enforcer, reference)
    _plain_equal(enforcer, policy.model_path, policy.policy_path)


@pytest.mark.parametrize("model", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_enforcer_holds_casbin_file_policy(model: Path) -> None:
    _check_project(model, ROOT)


@pytest.mark.parametrize(("preset", "seed"), [
    ("small", 0), ("small", 3), pytest.param("utility", 0, marks=pytest.mark.thorough)])
def test_generated_enforcer_holds_casbin_file_policy(tmp_path: Path, preset: str,
                                                     seed: int) -> None:
    generate(tmp_path, preset=preset, seed=seed)
    _check_project(tmp_path / "model.yaml", None)
