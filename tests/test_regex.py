"""Casbin's regex functions run on RE2 (linear time) with exactly Python's ``re.match`` meaning."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import casbin
import pytest
from casbin.util import builtin_operators
from hypothesis import given, settings
from hypothesis import strategies as st

from accesssim.errors import IncompleteAnalysisError
from accesssim.policy.regex import (
    FUNCTIONS,
    check_pattern,
    key_match2_pattern,
    key_match3_pattern,
    key_match5_pattern,
    regex_match,
)
from helpers import assert_error, line_of, make_project
from profiles import examples

ATOMS = ["a", "b", ".", "[ab]", "[^a]", "[a-c]", "\\.", "\\n", "é", "[à-ÿ]", "日", "x", ""]


@st.composite
def patterns(draw: st.DrawFn, depth: int = 0) -> str:
    """Small patterns from the constructs RE2 and Python share."""
    if depth > 2:
        return draw(st.sampled_from(ATOMS[:-1]))
    kind = draw(st.sampled_from(["atom", "seq", "alt", "group", "repeat", "anchor"]))
    if kind == "atom":
        return draw(st.sampled_from(ATOMS))
    if kind == "seq":
        return "".join(draw(st.lists(patterns(depth + 1), min_size=1, max_size=3)))
    if kind == "alt":
        return "|".join(draw(st.lists(patterns(depth + 1), min_size=2, max_size=3)))
    if kind == "group":
        return f"({draw(patterns(depth + 1))})"
    if kind == "repeat":
        inner = draw(patterns(depth + 1))
        suffix = draw(st.sampled_from(["*", "+", "?", "*?", "+?", "{2}", "{1,3}", "{2,}"]))
        return f"(?:{inner}){suffix}"
    anchor = draw(st.sampled_from(["^", "$", "\\A", "\\Z"]))
    return draw(st.sampled_from([anchor + draw(patterns(depth + 1)),
                                 draw(patterns(depth + 1)) + anchor]))


@settings(max_examples=examples(250))
@given(patterns(), st.text(alphabet="abcx.\né日😀", max_size=8))
def test_same_answer_as_python_re(pattern: str, subject: str) -> None:
    """Every generated pattern is accepted and answers like Casbin's own regex_match."""
    assert check_pattern(pattern) is None, pattern
    expected = builtin_operators.regex_match(subject, pattern)
    if "$" in pattern and "\n" in subject:  # Python's $ also matches before a final newline
        with contextlib.suppress(IncompleteAnalysisError):  # refused rather than guessed
            assert regex_match(subject, pattern) == expected
        return
    assert regex_match(subject, pattern) == expected, (pattern, subject)


@settings(max_examples=examples(300))
@given(st.text(alphabet="ab\\()[]*+?{}|^$-.,0123xnAZzdw:=!<>P", max_size=10),
       st.text(alphabet="ab\n-.x0", max_size=8))
def test_any_accepted_text_answers_like_python(pattern: str, subject: str) -> None:
    """Arbitrary text as a pattern: either refused, or the same answer as Python's ``re``."""
    try:
        re.compile(pattern)
    except re.error:
        assert check_pattern(pattern) is not None  # Casbin would fail: refused, not guessed
        return
    if check_pattern(pattern) is not None:
        return
    try:
        answer = regex_match(subject, pattern)
    except IncompleteAnalysisError:
        assert "\n" in subject  # only $ before a line break is refused at run time
        return
    assert answer == builtin_operators.regex_match(subject, pattern), (pattern, subject)


@pytest.mark.parametrize("pattern", [
    r"(a)\1", r"(?=a)", r"(?!a)", r"(?<=a)b", r"a++", r"(?>a)", r"\d", r"\w+", r"\s", r"\bx",
    r"(?i)a", r"(?s).", r"(?m)^a", r"(?i:a)", r"a{1001}", r"(?(1)a|b)", "*", "(",
    "a{99999999999999}", "(" * 5000 + ")" * 5000,
])
def test_constructs_with_another_meaning_are_refused(pattern: str) -> None:
    assert check_pattern(pattern) is not None
    with pytest.raises(IncompleteAnalysisError, match="regexMatch pattern"):
        regex_match("a", pattern)


def test_dollar_before_a_final_newline_is_refused_not_guessed() -> None:
    assert re.match("a$", "a\n")  # Python's meaning, which RE2 does not have
    with pytest.raises(IncompleteAnalysisError, match="line break"):
        regex_match("a\n", "a$")


PATHS = st.text(alphabet="/:{}*ab.?\né", max_size=10)


@settings(max_examples=examples(300))
@given(st.sampled_from(["keyMatch2", "keyMatch3", "keyMatch5"]), PATHS, PATHS)
def test_key_match_same_answer_as_casbin(name: str, key1: str, key2: str) -> None:
    """keyMatch2/3/5 build the same regex as Casbin from any value and answer the same."""
    casbin_pattern = {
        "keyMatch2": lambda k: builtin_operators.KEY_MATCH2_PATTERN.sub(
            r"\g<1>[^\/]+\g<2>", k.replace("/*", "/.*"), 0),
        "keyMatch3": lambda k: builtin_operators.KEY_MATCH3_PATTERN.sub(
            r"\g<1>[^\/]+\g<2>", k.replace("/*", "/.*"), 0),
        "keyMatch5": lambda k: builtin_operators.KEY_MATCH5_PATTERN.sub(
            r"[^/]+", k.replace("/*", "/.*"), 0),
    }[name](key2)
    if name == "keyMatch2" and casbin_pattern == "*":
        casbin_pattern = "(.*)"
    to_pattern, ours = FUNCTIONS[name]
    assert to_pattern(key2) == "^" + casbin_pattern + "$"
    try:
        expected = {"keyMatch2": builtin_operators.key_match2,
                    "keyMatch3": builtin_operators.key_match3,
                    "keyMatch5": builtin_operators.key_match5}[name](key1, key2)
    except re.error:
        with pytest.raises(IncompleteAnalysisError):
            ours(key1, key2)
        return
    with contextlib.suppress(IncompleteAnalysisError):  # refused ($ before a line break)
        assert ours(key1, key2) == expected


@settings(max_examples=examples(300))
@given(st.text(alphabet="/{}*abx.()", max_size=12), st.text(alphabet="/ab.x", max_size=10))
def test_key_match4_same_answer_as_casbin(key2: str, key1: str) -> None:
    """keyMatch4 (repeated {names} must match the same text) answers as Casbin's, or refuses
    where Casbin fails (a bad regex, groups of the value's own)."""
    try:
        expected = builtin_operators.key_match4(key1, key2)
    except Exception:
        with pytest.raises(IncompleteAnalysisError):
            FUNCTIONS["keyMatch4"][1](key1, key2)
        return
    with contextlib.suppress(IncompleteAnalysisError):  # refused: no exact linear equivalent
        assert FUNCTIONS["keyMatch4"][1](key1, key2) == expected


def test_key_match4_repeated_names() -> None:
    ours = FUNCTIONS["keyMatch4"][1]
    assert ours("/parent/123/child/123", "/parent/{id}/child/{id}")
    assert not ours("/parent/123/child/456", "/parent/{id}/child/{id}")
    assert ours("/parent/123/child/456", "/parent/{id}/child/{x}")


def test_key_match_rewriting_is_linear() -> None:
    """Casbin's own rewriting of a 20,000-character value takes seconds (quadratic); ours not."""
    for to_pattern in (key_match2_pattern, key_match3_pattern, key_match5_pattern):
        start = time.perf_counter()
        to_pattern("{" * 20_000)
        to_pattern("a" * 20_000)
        assert time.perf_counter() - start < 0.5


CONF = """[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && FUNC(r.obj, p.obj) && r.act == p.act
"""


@pytest.mark.parametrize("func", ["regexMatch", "keyMatch2", "keyMatch3", "keyMatch4",
                                  "keyMatch5"])
def test_catastrophic_pattern_decides_fast(tmp_path: Path, func: str) -> None:
    """``(a+)+$`` against 30 'a's and '!' backtracks for hours in ``re``: here well under 1 s.

    Run in a child process so that the old, exponential engine fails the test by timeout
    instead of hanging the suite.
    """
    conf = tmp_path / "m.conf"
    conf.write_text(CONF.replace("FUNC", func), encoding="utf-8")
    csv = tmp_path / "p.csv"
    csv.write_text("p, role, (a+)+$, open\ng, alice, role\n", encoding="utf-8")
    code = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from accesssim.policy.load import _build_enforcer
        enforcer = _build_enforcer(Path({str(conf)!r}), Path({str(csv)!r}), None)
        start = time.perf_counter()
        allowed = enforcer.enforce("alice", "a" * 30 + "!", "open")
        print(allowed, time.perf_counter() - start)
    """)
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=30, check=True)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{func} backtracked for over 30 s")
    allowed, seconds = done.stdout.split()
    assert allowed == "False"
    assert float(seconds) < 0.5


def test_decisions_equal_plain_casbin(tmp_path: Path) -> None:
    """The enforcer the engine builds answers like a plain casbin.Enforcer on regexMatch rules."""
    from accesssim.policy.load import _build_enforcer

    conf = tmp_path / "m.conf"
    conf.write_text(CONF.replace("FUNC", "regexMatch"), encoding="utf-8")
    csv = tmp_path / "p.csv"
    csv.write_text("p, role, cust(omer)?_[a-z]+, open\np, role, ^menu$, open\n"
                   "g, alice, role\n", encoding="utf-8")
    ours = _build_enforcer(conf, csv, None)
    plain = casbin.Enforcer(str(conf), str(csv))
    for obj in ["customer_search", "cust_x", "custome", "menu", "menu2", "xmenu", "cust_"]:
        for sub in ["alice", "bob"]:
            assert ours.enforce(sub, obj, "open") == plain.enforce(sub, obj, "open"), obj


def test_policy_pattern_refused_at_load_with_its_line(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    project.edit_conf("&& r.obj == p.obj &&", "&& regexMatch(r.obj, p.obj) &&")
    project.append_csv(r"p, retail_user, takuso, (c)\1, open, allow, *, *, *")
    line = line_of(project.csv, r"(c)\1")
    assert_error(project.cli("validate"), f"{project.csv_shown}:{line}:", r"'(c)\\1'",
                 "regexMatch")


def test_plain_policy_patterns_load(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    project.edit_conf("&& r.obj == p.obj &&", "&& regexMatch(r.obj, p.obj) &&")
    project.append_csv("p, retail_user, takuso, (a+)+$, open, allow, *, *, *")
    result = project.cli("validate")
    assert result.exit_code == 0, result.stderr


def _exposures(result_stdout: str) -> list[tuple[object, ...]]:
    report = json.loads(result_stdout)
    return sorted((tuple(f["failure_types"]), json.dumps(f["exposed"], sort_keys=True))
                  for f in report["findings"])


def test_analysis_with_regex_matcher_equals_equality(tmp_path: Path) -> None:
    """Kansai's ids are plain words, none a prefix of another: regexMatch on obj decides like
    equality, so the findings are the same (the analysis and its rule-by-rule grounds, which
    use a second enforcer, both run on RE2); a catastrophic pattern on the side costs nothing."""
    plain = make_project(tmp_path / "a")
    expected = plain.cli("analyze", "--format", "json", "--quiet")
    assert expected.exit_code == 1
    project = make_project(tmp_path / "b")
    project.edit_conf("&& r.obj == p.obj &&", "&& regexMatch(r.obj, p.obj) &&")
    project.append_csv("p, retail_user, takuso, (a+)+$, open, allow, *, *, *")
    result = project.cli("analyze", "--format", "json", "--quiet")
    assert result.exit_code == 1, result.stderr
    assert _exposures(result.stdout) == _exposures(expected.stdout)


def test_analysis_never_backtracks_on_a_screen_id(tmp_path: Path) -> None:
    """A screen named with 30 'a's and '!' against ``(a+)+$``: both the deciding enforcer and the
    rule-by-rule one that finds the grounds must answer at once (a child process, so the old
    exponential engine fails by timeout instead of hanging the suite)."""
    project = make_project(tmp_path)
    screen = "a" * 30 + "!"
    project.edit_conf("&& r.obj == p.obj &&", "&& regexMatch(r.obj, p.obj) &&")
    project.edit_model("- id: menu", f"- id: '{screen}'")
    project.edit_model("{from: menu,", f"{{from: '{screen}',")
    for role in ("nw_operator", "retail_user"):
        project.edit_csv(f"p, {role}, takuso, menu,", f"p, {role}, takuso, {screen},")
    # first in the file, so the rule-by-rule search for grounds tries it before the real one
    project.edit_csv("# NW operators", "p, retail_user, takuso, (a+)+$, open, allow, *, *, *\n"
                                       "# NW operators")
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from accesssim.cli.main import main; main()", "analyze",
             str(project.model), "--root",
             str(project.root), "--quiet", "--format", "json"],
            capture_output=True, text=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("the analysis backtracked for over 60 s")
    assert done.returncode == 1, done.stderr
