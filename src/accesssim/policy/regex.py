"""Casbin's regular-expression functions on a linear-time engine (RE2), with Python's meaning.

Casbin's ``regexMatch(key1, key2)`` is ``re.match(key2, key1)``: a policy value like ``(a+)+$``
backtracks exponentially in Python's ``re``, and a C-level match cannot be interrupted, so a
hostile policy could stall CI for ever. We register replacements for ``regexMatch`` and the
``keyMatch2/3/4/5`` functions that build a regex from a policy value. Each pattern is parsed by
Python's own parser and re-emitted construct by construct in RE2 syntax; a construct whose
meaning could differ (back-references, look-around, ``\\d``/``\\w``/``\\s``/``\\b``, which are
Unicode-aware in Python and ASCII in RE2, flags, possessive or atomic groups) is refused, never
guessed. Only the yes/no answer is needed, so capture groups and greediness do not matter.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable
from typing import Any

import re2

from accesssim.errors import IncompleteAnalysisError, Problem

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

#: Flags a str pattern always carries (UNICODE) or that only change parsing (VERBOSE).
_HARMLESS_FLAGS = re.UNICODE | re.VERBOSE
_RE2_MAX_REPEAT = 1000
_SURROGATES = range(0xD800, 0xE000)


class UnsupportedPattern(ValueError):
    """A pattern RE2 cannot run with exactly Python's meaning."""


def _char(code: int) -> str:
    if code in _SURROGATES:
        raise UnsupportedPattern(f"a lone surrogate (U+{code:04X}) has no UTF-8 form")
    char = chr(code)
    return char if char.isascii() and char.isalnum() else f"\\x{{{code:X}}}"


def _class(items: list[tuple[Any, Any]]) -> str:
    negate = ""
    parts = []
    for op, av in items:
        name = op.name
        if name == "NEGATE":
            negate = "^"
        elif name == "LITERAL":
            parts.append(_char(av))
        elif name == "RANGE":
            parts.append(f"{_char(av[0])}-{_char(av[1])}")
        else:
            raise UnsupportedPattern(_why(name, av))
    return f"[{negate}{''.join(parts)}]"


_NAMES = {
    "GROUPREF": "a back-reference", "GROUPREF_EXISTS": "a conditional group (?(1)...)",
    "ASSERT": "a look-ahead or look-behind", "ASSERT_NOT": "a negative look-ahead or look-behind",
    "ATOMIC_GROUP": "an atomic group", "POSSESSIVE_REPEAT": "a possessive repeat",
}


def _why(name: str, av: Any) -> str:
    if name == "CATEGORY" or (name == "AT" and av.name in ("AT_BOUNDARY", "AT_NON_BOUNDARY")):
        return ("\\d, \\w, \\s and \\b match non-ASCII characters in Python but not in RE2; "
                "write the characters out (e.g. [0-9], [A-Za-z0-9_])")
    return f"{_NAMES.get(name, name)} has no linear-time equivalent"


def _emit(items: Any, dollar: list[bool], groups: bool = False) -> str:
    out = []
    for op, av in items:
        name = op.name
        if name == "LITERAL":
            out.append(_char(av))
        elif name == "NOT_LITERAL":
            out.append(f"[^{_char(av)}]")
        elif name == "ANY":
            out.append(".")  # no DOTALL (flags are refused): both exclude only \n
        elif name == "IN":
            out.append(_class(av))
        elif name == "BRANCH":
            out.append("(?:" + "|".join(_emit(b, dollar, groups) for b in av[1]) + ")")
        elif name == "SUBPATTERN":
            if av[1] or av[2]:
                raise UnsupportedPattern("inline flags such as (?i:...) are not supported")
            opener = "(" if groups and av[0] is not None else "(?:"  # numbered as in Python
            out.append(f"{opener}{_emit(av[3], dollar, groups)})")
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            low, high, item = av
            unbounded = high == _c.MAXREPEAT
            if low > _RE2_MAX_REPEAT or (not unbounded and high > _RE2_MAX_REPEAT):
                raise UnsupportedPattern(f"a repeat count above {_RE2_MAX_REPEAT}")
            bounds = f"{{{low},}}" if unbounded else f"{{{low},{high}}}"
            lazy = "?" if name == "MIN_REPEAT" else ""
            out.append(f"(?:{_emit(item, dollar, groups)}){bounds}{lazy}")
        elif name == "AT" and av.name in ("AT_BEGINNING", "AT_BEGINNING_STRING"):
            out.append("\\A")  # no MULTILINE: ^ is the start of the text
        elif name == "AT" and av.name == "AT_END_STRING":
            out.append("\\z")
        elif name == "AT" and av.name == "AT_END":
            dollar[0] = True  # Python's $ also matches before a final newline
            out.append("\\z")
        else:
            raise UnsupportedPattern(_why(name, av))
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str, groups: bool = False) -> tuple[Any, bool]:
    """The RE2 program for a Python pattern and whether it uses ``$``; or UnsupportedPattern.

    With ``groups`` the program keeps Python's capture groups, with Python's numbering."""
    try:
        parsed = _parser.parse(pattern)
    except (re.error, OverflowError) as exc:
        raise UnsupportedPattern(f"not a regular expression ({exc})") from None
    except RecursionError:
        raise UnsupportedPattern("nested too deeply") from None
    if parsed.state.flags & ~_HARMLESS_FLAGS:
        raise UnsupportedPattern("flags such as (?i), (?m), (?s) or (?a) are not supported")
    dollar = [False]
    try:
        body = _emit(parsed, dollar, groups)
    except RecursionError:
        raise UnsupportedPattern("nested too deeply") from None
    options = re2.Options()
    options.log_errors = False
    options.never_capture = not groups
    try:
        program = re2.compile(f"\\A(?:{body})", options)
    except re2.error as exc:
        why = exc.args[0] if exc.args else ""
        why = why.decode("utf-8", "replace") if isinstance(why, bytes) else str(why)
        raise UnsupportedPattern(f"RE2 cannot compile it ({why})") from None
    return program, dollar[0]


def check_pattern(pattern: str) -> str | None:
    """Why ``pattern`` cannot be matched exactly in linear time, or None when it can."""
    try:
        compile_pattern(pattern)
    except UnsupportedPattern as exc:
        return str(exc)
    return None


def regex_match(key1: str, key2: str) -> bool:
    """``re.match(key2, key1) is not None``, in time linear in the subject."""
    if not isinstance(key1, str) or not isinstance(key2, str):
        raise IncompleteAnalysisError(f"regexMatch on a non-text value: {key1!r}, {key2!r}")
    try:
        program, dollar = compile_pattern(key2)
    except UnsupportedPattern as exc:
        raise IncompleteAnalysisError(
            f"regexMatch pattern {key2!r} cannot be decided exactly in linear time: {exc}"
        ) from None
    if dollar and "\n" in key1:
        raise IncompleteAnalysisError(
            f"regexMatch pattern {key2!r} uses $ and the value {key1!r} holds a line break, "
            "where Python's $ differs from RE2's"
        )
    try:
        key1.encode("utf-8")
    except UnicodeEncodeError:
        raise IncompleteAnalysisError(f"regexMatch on {key1!r}, which is not valid text") from None
    return program.search(key1) is not None


def _subject(key1: str, pattern: str, dollar: bool) -> None:
    """Refuse a subject on which RE2 could answer otherwise than Python's ``re``."""
    if dollar and "\n" in key1:
        raise IncompleteAnalysisError(
            f"pattern {pattern!r} uses $ and the value {key1!r} holds a line break, "
            "where Python's $ differs from RE2's")
    try:
        key1.encode("utf-8")
    except UnicodeEncodeError:
        raise IncompleteAnalysisError(f"{key1!r} is not valid text") from None


def _program(pattern: str) -> Any:
    options = re2.Options()
    options.log_errors = False
    return re2.compile(pattern, options)


# Casbin rewrites keyMatch2/3/5 policy values into regexes (casbin/util/builtin_operators.py)
# with Python patterns that take quadratic time on long values; these RE2 patterns find the
# same spans (Casbin's leading lazy ``(.*?)`` only keeps the text before each span).
_KEY2 = _program(r":[^/]+")  # (.*?):[^\/]+(.*?)
_KEY3 = _program(r"\{[^/][^/}]*\}")  # (.*?){[^\/]+?}(.*?): the first } after one character
_KEY5 = _program(r"\{[^/]+\}")  # {[^/]+}


def _replace(program: Any, text: str, new: str) -> str:
    if not isinstance(text, str):
        raise UnsupportedPattern(f"{text!r} is not text")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UnsupportedPattern(f"{text!r} is not valid text") from None
    out, end = [], 0
    for found in program.finditer(text):
        out += [text[end:found.start()], new]
        end = found.end()
    return "".join(out) + text[end:]


def key_match2_pattern(key2: str) -> str:
    key2 = _replace(_KEY2, key2.replace("/*", "/.*"), "[^\\/]+")
    return "^" + ("(.*)" if key2 == "*" else key2) + "$"


def key_match3_pattern(key2: str) -> str:
    return "^" + _replace(_KEY3, key2.replace("/*", "/.*"), "[^\\/]+") + "$"


def key_match5_pattern(key2: str) -> str:
    return "^" + _replace(_KEY5, key2.replace("/*", "/.*"), "[^/]+") + "$"


_KEY4 = _program(r"\{([^/]+)\}")  # {([^/]+)}


def key_match4_pattern(key2: str) -> str:
    return "^" + _replace(_KEY4, key2.replace("/*", "/.*"), "([^/]+)") + "$"


def key_match4(key1: str, key2: str) -> bool:
    """Casbin's keyMatch4: keyMatch3, and each ``{name}`` written twice matches the same text.

    Casbin runs the policy value as a Python regex (``re``), which can backtrack for hours:
    here the same groups are matched by RE2.
    """
    if not isinstance(key1, str) or not isinstance(key2, str):
        raise IncompleteAnalysisError(f"keyMatch4 on a non-text value: {key1!r}, {key2!r}")
    try:
        tokens = [found.group(1) for found in _KEY4.finditer(key2.replace("/*", "/.*"))]
        pattern = key_match4_pattern(key2)
        program, dollar = compile_pattern(pattern, groups=True)
    except UnsupportedPattern as exc:
        raise IncompleteAnalysisError(f"keyMatch4 pattern {key2!r}: {exc}") from None
    _subject(key1, pattern, dollar)
    found = program.search(key1)
    if found is None:
        return False
    values = found.groups()
    if len(values) != len(tokens):  # Casbin raises here: the enforce call fails
        raise IncompleteAnalysisError(
            f"keyMatch4 pattern {key2!r} has groups of its own besides its {{names}}: "
            "Casbin fails on it")
    seen: dict[str, str] = {}
    for token, value in zip(tokens, values, strict=True):
        if seen.setdefault(token, value) != value:
            return False
    return True


def _key_match(name: str, to_pattern: Callable[[str], str]) -> Callable[[str, str], bool]:
    """Casbin's keyMatchN: key1 against the regex Casbin builds from key2."""

    def match(key1: str, key2: str) -> bool:
        try:
            pattern = to_pattern(key2)
        except UnsupportedPattern as exc:
            raise IncompleteAnalysisError(f"{name} pattern {key2!r}: {exc}") from None
        if name == "keyMatch5" and isinstance(key1, str) and "?" in key1:
            key1 = key1[:key1.find("?")]  # keyMatch5 ignores a query string
        return regex_match(key1, pattern)

    return match


#: Casbin function name -> (the pattern its second argument becomes, our replacement).
FUNCTIONS: dict[str, tuple[Callable[[str], str], Callable[[str, str], bool]]] = {
    "regexMatch": (lambda key2: key2, regex_match),
    "keyMatch2": (key_match2_pattern, _key_match("keyMatch2", key_match2_pattern)),
    "keyMatch3": (key_match3_pattern, _key_match("keyMatch3", key_match3_pattern)),
    "keyMatch5": (key_match5_pattern, _key_match("keyMatch5", key_match5_pattern)),
    "keyMatch4": (key_match4_pattern, key_match4),
}


def install(enforcer: Any) -> None:
    """Replace Casbin's backtracking regex functions on this enforcer."""
    for name, (_, function) in FUNCTIONS.items():
        enforcer.add_function(name, lambda *args, f=function: f(args[0], args[1]))


def _arguments(matcher: str, start: int) -> list[str]:
    """Top-level comma-separated arguments of the call whose ``(`` is at ``start``."""
    depth, args, begin = 0, [], start + 1
    for index in range(start, len(matcher)):
        char = matcher[index]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                args.append(matcher[begin:index].strip())
                return args
        elif char == "," and depth == 1:
            args.append(matcher[begin:index].strip())
            begin = index + 1
    return args


def check_policy(matcher: str, rules: Any, p_tokens: tuple[str, ...],
                 shown: str) -> list[Problem]:
    """Every policy value that reaches a regex function as its pattern must run exactly on RE2.

    ``rules`` are ``PolicyLine``s. A pattern taken from the request (``r.x``) is checked when
    it is used, and refused then (IncompleteAnalysisError).
    """
    problems = []
    for call in re.finditer(r"\b(regexMatch|keyMatch[2345])\s*\(", matcher):
        args = _arguments(matcher, call.end() - 1)
        if len(args) != 2:
            continue
        token = re.fullmatch(r"p[._](\w+)", args[1])
        if token is None or token.group(1) not in p_tokens:
            continue
        to_pattern = FUNCTIONS[call.group(1)][0]
        for rule in rules:
            value = rule.get(token.group(1), p_tokens)
            if value is None:
                continue
            try:
                why = check_pattern(to_pattern(value))
            except UnsupportedPattern as exc:
                why = str(exc)
            if why is not None:
                problems.append(Problem(shown, rule.line, f"{call.group(1)} pattern {value!r} "
                                        f"cannot be matched exactly in linear time: {why}"))
    return problems
