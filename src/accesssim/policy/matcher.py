"""What the matcher says: its shape (which shortcuts are exact), the names it uses, and when
``FastEnforcer``'s row filter gives the same decisions."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from casbin.model import Model

from accesssim.errors import InputError, Problem


@dataclass(frozen=True)
class MatcherShape:
    """What the engine may assume about the matcher (see docs/model-format.md, 'Casbin').

    Each flag is true only when the term is a top-level conjunct of the matcher, so no
    ``||`` elsewhere can make the engine's shortcut unsound.
    """

    obj_equal: bool
    dom_equal: bool
    act_equal: bool
    g_arity: int  # 0: no g() conjunct; 2: g(r.sub, p.sub); 3: g(r.sub, p.sub, r.dom)
    allow_needed: bool = True  # false for a deny-only effect, which allows by default
    sub_only_in_g: bool = True  # r.sub appears only in the g() term: accounts are told apart
    #                             by their roles alone, so equal roles mean equal decisions

    @property
    def understood(self) -> bool:
        return self.obj_equal and self.g_arity in (2, 3) and self.allow_needed


def _strip_spaces(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _conjuncts(expr: str) -> set[str]:
    """Top-level ``&&`` terms of a space-free expression; empty if a top-level ``||`` exists."""
    while expr.startswith("(") and expr.endswith(")") and _balanced(expr[1:-1]):
        expr = expr[1:-1]
    terms, depth, start = [], 0, 0
    i = 0
    while i < len(expr):
        c = expr[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and expr.startswith("||", i):
            return set()
        elif depth == 0 and expr.startswith("&&", i):
            terms.append(expr[start:i])
            start = i + 2
            i += 1
        i += 1
    terms.append(expr[start:])
    return {
        t[1:-1] if t.startswith("(") and t.endswith(")") and _balanced(t[1:-1]) else t
        for t in terms
    }


def _balanced(expr: str) -> bool:
    depth = 0
    for c in expr:
        depth += c == "("
        depth -= c == ")"
        if depth < 0:
            return False
    return depth == 0


_STRING = re.compile(r"\"[^\"]*\"|'[^']*'")


def _blank_strings(text: str) -> str:
    """String literals emptied of their text: a bracket or ``||`` in one is no operator."""
    return _STRING.sub(lambda found: found.group()[0] * 2, text)


def matcher_shape(matcher: str, effect: str = "some(where (p.eft == allow))") -> MatcherShape:
    """Recognise the matcher parts the engine relies on (Casbin stores ``r.x`` as ``r_x``)."""
    matcher = _blank_strings(matcher)
    terms = _conjuncts(re.sub(r"\b([rp])_(\w+)", r"\1.\2", _strip_spaces(matcher)))
    if re.search(r"\b(or|if|else|lambda)\b", matcher):
        terms = set()  # Casbin evaluates Python: 'or' and 'x if c else y' are alternatives too

    def equal(name: str) -> bool:
        return f"r.{name}==p.{name}" in terms or f"p.{name}==r.{name}" in terms

    if "g(r.sub,p.sub,r.dom)" in terms:
        arity = 3
    elif "g(r.sub,p.sub)" in terms:
        arity = 2
    else:
        arity = 0
    deny_only = _strip_spaces(effect).replace("_", ".") == "!some(where(p.eft==deny))"
    whole = re.sub(r"\b([rp])_(\w+)", r"\1.\2", _strip_spaces(matcher))
    # eval(p.x) runs expressions from the policy file, which may name r.sub themselves.
    sub_once = len(re.findall(r"\br\.sub\b", whole)) == 1 and "eval(" not in whole
    return MatcherShape(equal("obj"), equal("dom"), equal("act"), arity, not deny_only,
                        sub_once and arity > 0)


ORDER_FREE_EFFECTS = frozenset(
    {
        "some(where(p.eft==allow))",
        "!some(where(p.eft==deny))",
        "some(where(p.eft==allow))&&!some(where(p.eft==deny))",
    }
)


def order_matters(effect: str) -> bool:
    """Whether decisions depend on the rules' order: every effect but the order-free ones
    (``priority`` and ``subjectPriority``: the first matching rule decides)."""
    return _strip_spaces(effect).replace("_", ".") not in ORDER_FREE_EFFECTS


def fast_cache_keys(
    shape: MatcherShape, effect: str, request_tokens: tuple[str, ...], p_tokens: tuple[str, ...]
) -> list[int] | None:
    """Positions for ``FastEnforcer``'s (dom, obj) row filter, or None when it is not exact.

    ``FastEnforcer`` reads the same positions from the request and from each rule, keeps the
    rules in a set (row order and duplicates are lost) and only works with two key levels. So
    it is used only when dom and obj sit at the same positions in ``r`` and ``p``, both must
    be equal by the matcher, and the effect does not depend on row order.
    """
    if not (shape.dom_equal and shape.obj_equal):
        return None
    if order_matters(effect):
        return None
    keys = []
    for name in ("dom", "obj"):
        if name not in p_tokens or name not in request_tokens:
            return None
        if p_tokens.index(name) != request_tokens.index(name):
            return None
        keys.append(p_tokens.index(name))
    return keys


_IDENT_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(")
_TOKEN_REF = re.compile(r"\b([rp])_([A-Za-z0-9_]+)")


def check_matcher_names(
    matcher: str,
    request_tokens: tuple[str, ...],
    p_tokens: tuple[str, ...],
    model: Model,
    shown: str,
    line: int,
) -> None:
    """Every function the matcher calls and every r./p. token must exist.

    A trial enforce cannot prove this: ``||`` and ``&&`` short-circuit, so a bad call in a
    branch the trial request does not reach would only fail mid-analysis.
    """
    from casbin.model.function import FunctionMap

    known = set(FunctionMap.load_function_map().get_functions())
    if "g" in model.keys():
        known |= set(model["g"].keys())
    known |= {"eval"}
    problems = []
    text = _blank_strings(matcher)
    for name in sorted(set(_IDENT_CALL.findall(text))):
        if name not in known and not keyword.iskeyword(name):  # 'and (...)' is no call
            problems.append(Problem(shown, line, f"the matcher calls unknown function {name!r}"))
    tokens = {"r": set(request_tokens), "p": set(p_tokens)}
    for kind, name in sorted(set(_TOKEN_REF.findall(text))):
        if name not in tokens[kind]:
            problems.append(
                Problem(
                    shown,
                    line,
                    f"the matcher uses {kind}.{name}, which the "
                    f"{'request' if kind == 'r' else 'policy'} "
                    "definition does not define",
                )
            )
    if problems:
        raise InputError(problems)
