"""Load a Casbin model and policy the way Casbin does, but refuse what Casbin would drop quietly.

Casbin's file adapter silently drops a first line that starts with a UTF-8 BOM and any line
whose ptype the model does not define; a wrong field count or a broken matcher only fails at
the first ``enforce``. We read the CSV ourselves first (same tokenizer as Casbin), keep the
line number of every rule for provenance, and do a trial ``enforce`` at load time.
"""

from __future__ import annotations

import datetime as dt
import keyword
import logging
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import casbin
from casbin.model import Model
from casbin.persist.adapter import _extract_tokens
from casbin.persist.adapters import FileAdapter

from accesssim.errors import InputError, Problem
from accesssim.model.files import CONF_BOM, CSV_BOM, read_input_text
from accesssim.policy import conf, dates, regex, rolelinks

#: Request tokens the engine knows how to fill.
KNOWN_REQUEST_TOKENS = ("sub", "dom", "obj", "act", "mode", "date")
OPEN = "open"
UNMASK = "unmask"
ANY = "*"


@dataclass(frozen=True)
class PolicyLine:
    """One rule of the policy CSV, with where it came from."""

    ptype: str
    values: tuple[str, ...]
    line: int

    def get(self, token: str, tokens: tuple[str, ...]) -> str | None:
        try:
            return self.values[tokens.index(token)]
        except ValueError:
            return None


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


@dataclass
class LoadedPolicy:
    """The Casbin files, parsed and checked, and an enforcer built from them."""

    model_path: Path
    policy_path: Path
    model_display: str
    policy_display: str
    request_tokens: tuple[str, ...]
    p_tokens: tuple[str, ...]
    rules: list[PolicyLine]
    groupings: list[PolicyLine]
    shape: MatcherShape
    enforcer: casbin.Enforcer
    matcher_line: int
    warnings: list[str] = field(default_factory=list)
    #: Domain columns of each role definition (``g = _, _, _`` has one; ``g = _, _, (_, _)``
    #: none: its last two columns are conditions).
    role_domains: dict[str, int] = field(default_factory=dict)
    #: How many g links Casbin's role manager follows (9 by default; its conditional role
    #: manager, used when the role definition has condition columns, follows 10).
    max_links: int = 9

    def link_domain(self, link: PolicyLine) -> str | None:
        """The domain a g line applies in, or None when its definition has no domain."""
        return link.values[2] if self.role_domains.get(link.ptype, 0) > 0 else None

    @cached_property
    def matcher_dates(self) -> list[dt.date]:
        """Date literals in the matcher (e.g. ``r.date >= "2021-01-01"``): time is cut there."""
        matcher = self.enforcer.model["m"]["m"].value
        texts = [matcher]
        if "eval(" in matcher:  # conditions written in the policy file are matcher text too
            texts += [value for rule in self.rules for value in rule.values]
        found = set()
        for text in re.findall(r"[\"'](\d{4}-\d{2}-\d{2})[\"']", "\n".join(texts)):
            try:
                found.add(dt.date.fromisoformat(text))
            except ValueError:
                continue
        return sorted(found)

    def request(self, sub: str, dom: str, obj: str, act: str, mode: str, day: dt.date) -> list[str]:
        """The request vector in the model's own token order."""
        values = {
            "sub": sub,
            "dom": dom,
            "obj": obj,
            "act": act,
            "mode": mode,
            "date": day.isoformat(),
        }
        return [values[t] for t in self.request_tokens]

    def enforce(self, sub: str, dom: str, obj: str, act: str, mode: str, day: dt.date) -> bool:
        return bool(self.enforcer.enforce(*self.request(sub, dom, obj, act, mode, day)))


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


def load_policy(
    model_path: Path,
    policy_path: Path,
    model_display: str,
    policy_display: str,
    modes: list[str],
    *,
    trial: tuple[str, str, str] | None = None,
) -> LoadedPolicy:
    """Parse and check both files, build the enforcer, and prove it can decide a request.

    ``trial`` is (account, system, screen) of the model, for the trial request.
    """
    conf_text = read_input_text(model_path, model_display, bom=CONF_BOM)
    layout = conf.check_conf(conf_text, model_display)
    model = Model()
    try:
        model.load_model_from_text(conf_text)
    except Exception as exc:  # casbin raises bare exceptions for malformed .conf
        raise InputError.single(model_display, 0, f"broken Casbin model: {exc}") from None
    problems = []
    for sec, name in (
        ("r", "request_definition"),
        ("p", "policy_definition"),
        ("e", "policy_effect"),
        ("m", "matchers"),
    ):
        if sec not in model.keys():
            problems.append(Problem(model_display, 0, f"missing [{name}] section"))
    if problems:
        raise InputError(problems)
    request_tokens = tuple(t.removeprefix("r_") for t in model["r"]["r"].tokens)
    p_tokens = tuple(t.removeprefix("p_") for t in model["p"]["p"].tokens)
    r_line = layout.line("r")
    for tok in request_tokens:
        if tok not in KNOWN_REQUEST_TOKENS:
            problems.append(
                Problem(
                    model_display,
                    r_line,
                    f"request token {tok!r} is not one the engine can fill "
                    f"(use names from: {', '.join(KNOWN_REQUEST_TOKENS)})",
                )
            )
    for needed in ("sub", "obj", "act"):
        if needed not in request_tokens:
            problems.append(Problem(model_display, r_line, f"request definition lacks {needed!r}"))
    if problems:
        raise InputError(problems)

    definitions: dict[str, int] = {}
    for sec in ("p", "g"):
        if sec in model.keys():
            for key, assertion in model[sec].items():
                definitions[key] = (
                    len(assertion.tokens) if sec == "p" else assertion.value.count("_")
                )
    rules, groupings = read_policy_csv(policy_path, policy_display, definitions, p_tokens, modes)
    role_domains = rolelinks.check_role_model(model, conf_text, model_display)
    rolelinks.check_role_links(model, ((g.ptype, g.values, g.line) for g in groupings),
                               policy_display)

    matcher = model["m"]["m"].value
    effect = model["e"]["e"].value
    matcher_line = layout.line("m")
    rolelinks.check_rule_subjects(matcher, ((r.ptype, r.values, r.line) for r in rules),
                                  p_tokens.index("sub") if "sub" in p_tokens else None,
                                  policy_display)
    conf.check_effect(effect, model_display, layout.line("e"))
    shape = matcher_shape(matcher, effect)
    _check_matcher_names(matcher, request_tokens, p_tokens, model, model_display, matcher_line)
    dates.check_date_uses(matcher, [(r.values, r.line) for r in rules], p_tokens,
                              model_display, matcher_line, policy_display)
    if slow := regex.check_policy(matcher, rules, p_tokens, policy_display):
        raise InputError(slow)
    # pycasbin 2.8's FastModel stops reading a section after its first key (its add_def
    # returns None): with a g2 or p2 only the plain Enforcer reads the files as Casbin does.
    single = all(len(model[sec]) == 1 for sec in ("p", "g") if sec in model.keys())
    keys = fast_cache_keys(shape, effect, request_tokens, p_tokens) if single else None
    enforcer = _build_enforcer(model_path, policy_path, keys, (model_display, policy_display))
    _check_nothing_dropped(
        enforcer, rules, groupings, deduplicated=keys is not None, shown=policy_display
    )
    policy = LoadedPolicy(
        model_path,
        policy_path,
        model_display,
        policy_display,
        request_tokens,
        p_tokens,
        rules,
        groupings,
        shape,
        enforcer,
        matcher_line,
        role_domains=role_domains,
        max_links=rolelinks.links_followed(enforcer),
    )
    _trial_enforce(policy, model_display, matcher_line, trial)
    if not policy.shape.understood:
        why = ("needs r.obj == p.obj and g(r.sub, p.sub[, r.dom])"
               if policy.shape.allow_needed else
               "the effect allows every request no rule denies, so no allow rule bounds it")
        policy.warnings.append(
            f"{model_display}:{matcher_line}: matcher shape not recognised "
            f"({why}); deciding every account x screen request, which is slow on large models"
        )
    return policy


def read_policy_csv(
    path: Path,
    shown: str,
    definitions: dict[str, int],
    p_tokens: tuple[str, ...],
    modes: list[str],
) -> tuple[list[PolicyLine], list[PolicyLine]]:
    """Every rule with its line; every problem Casbin would hide, reported with its line."""
    text = read_input_text(path, shown, keep_bom=True)
    problems: list[Problem] = []
    if text.startswith("\ufeff"):
        problems.append(Problem(shown, 1, CSV_BOM))
        text = text[1:]
    rules: list[PolicyLine] = []
    groupings: list[PolicyLine] = []
    for number, line in enumerate(text.splitlines(), start=1):
        unbalanced = _unbalanced(line.strip())
        if unbalanced:
            problems.append(Problem(shown, number, unbalanced))
            continue
        tokens = _extract_tokens(line.strip())
        if tokens is None:
            continue
        ptype, values = tokens[0], tuple(tokens[1:])
        if ptype not in definitions:
            known = ", ".join(sorted(definitions))
            problems.append(
                Problem(
                    shown,
                    number,
                    f"unknown ptype {ptype!r} (the model defines: "
                    f"{known}); Casbin would drop this line",
                )
            )
            continue
        if len(values) != definitions[ptype]:
            problems.append(
                Problem(
                    shown,
                    number,
                    f"{ptype} needs {definitions[ptype]} fields, this line has {len(values)}",
                )
            )
            continue
        if any(v == "" for v in values):
            problems.append(Problem(shown, number, "empty field"))
            continue
        entry = PolicyLine(ptype, values, number)
        if ptype == "p":
            problems.extend(_check_rule(entry, p_tokens, modes, shown))
            rules.append(entry)
        elif ptype.startswith("g"):
            groupings.append(entry)
        # p2, p3 ... rows: Casbin loads them, but enforce with the matcher m never reads them.

    if problems:
        raise InputError(problems)
    return rules, groupings


def _unbalanced(line: str) -> str | None:
    """Casbin's tokenizer nests on ``()`` and ``[]`` and crashes on a close it did not open.

    An opening bracket never closed only matters when a comma follows it: Casbin would then
    read the rest of the line as one field.
    """
    if line.startswith("#"):
        return None
    opened: list[int] = []
    for index, char in enumerate(line):
        if char in "([":
            opened.append(index)
        elif char in ")]":
            if not opened:
                return (f"unbalanced {char!r}: Casbin's reader cannot split this line (a "
                        "closing bracket with no opening one)")
            opened.pop()
    if opened and "," in line[opened[0]:]:
        return (f"unbalanced {line[opened[0]]!r}: Casbin's reader would take the rest of the "
                "line, commas included, as one field")
    return None


def _check_rule(
    rule: PolicyLine, p_tokens: tuple[str, ...], modes: list[str], shown: str
) -> list[Problem]:
    problems = []
    eft = rule.get("eft", p_tokens)
    if eft is not None and eft not in ("allow", "deny"):
        problems.append(Problem(shown, rule.line, f"eft must be allow or deny, not {eft!r}"))
    mode = rule.get("mode", p_tokens)
    if mode is not None and mode != ANY and mode not in modes:
        problems.append(
            Problem(
                shown, rule.line, f"unknown mode {mode!r} (model modes: {', '.join(modes)}, or *)"
            )
        )
    for token in ("valid_from", "valid_until"):
        value = rule.get(token, p_tokens)
        if value is not None and value != ANY:
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    raise ValueError(value)
                dt.date.fromisoformat(value)
            except ValueError:
                problems.append(
                    Problem(shown, rule.line, f"{token} {value!r} is not a date (YYYY-MM-DD) or *")
                )
    return problems


ORDER_FREE_EFFECTS = frozenset(
    {
        "some(where(p.eft==allow))",
        "!some(where(p.eft==deny))",
        "some(where(p.eft==allow))&&!some(where(p.eft==deny))",
    }
)


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
    if _strip_spaces(effect).replace("_", ".") not in ORDER_FREE_EFFECTS:
        return None
    keys = []
    for name in ("dom", "obj"):
        if name not in p_tokens or name not in request_tokens:
            return None
        if p_tokens.index(name) != request_tokens.index(name):
            return None
        keys.append(p_tokens.index(name))
    return keys


def _build_enforcer(model_path: Path, policy_path: Path, keys: list[int] | None,
                    shown: tuple[str, str] | None = None) -> casbin.Enforcer:
    """An enforcer over exactly these files, built without Casbin's quadratic role-link step.

    With ``keys`` it is a ``FastEnforcer`` that pre-filters rows on (dom, obj): rows with
    another dom or obj can never match, so the decisions are the same (tests prove it).
    Casbin's regex functions run on RE2 with Python's meaning (``linear_regex``).
    """
    logging.getLogger("casbin").setLevel(logging.ERROR)
    try:
        enforcer = (
            casbin.FastEnforcer(str(model_path), None, cache_key_order=keys)
            if keys
            else casbin.Enforcer(str(model_path), None)
        )
        _disable_trivial_matching(enforcer)
        regex.install(enforcer)  # no exponential backtracking on a policy pattern
        enforcer.set_adapter(FileAdapter(str(policy_path)))
        enforcer.load_policy()
    except Exception as exc:  # never seen after the checks above; named, not a traceback
        conf, csv = shown or (str(model_path), str(policy_path))
        message = str(exc).replace(str(model_path), conf).replace(str(policy_path), csv)
        raise InputError.single(conf, 0, f"Casbin refused the files: {message}") from None
    return enforcer


def _disable_trivial_matching(enforcer: casbin.Enforcer) -> None:
    """Drop the default equality 'pattern' that makes domain role links quadratic to build.

    ``DomainManagerBase`` installs ``lambda a, b: a == b`` as matching function; with it set,
    every ``add_link`` scans all roles seen so far. Equality adds nothing, and we install no
    pattern functions of our own, so removing it keeps every decision (tests prove it).
    """
    for rm in [*enforcer.rm_map.values(), *enforcer.cond_rm_map.values()]:
        if getattr(rm, "matching_func", None) is not None:
            rm.matching_func = None


def _trial_enforce(policy: LoadedPolicy, shown: str, line: int,
                   trial: tuple[str, str, str] | None) -> None:
    """Casbin only evaluates the matcher at the first enforce: make that happen now.

    The request is one the analysis will really send (an account, its system, a screen of
    it), so a matcher that needs well-formed values (``ipMatch``...) is not blamed for a
    value no request carries.
    """
    sample = policy.rules[0] if policy.rules else None
    if trial is not None:
        sub, dom, obj = trial
    else:
        sub = (sample.get("sub", policy.p_tokens) if sample else None) or "nobody"
        dom = (sample.get("dom", policy.p_tokens) if sample else None) or "none"
        obj = (sample.get("obj", policy.p_tokens) if sample else None) or "none"
    try:
        policy.enforce(sub, dom, obj, OPEN, "normal", dt.date(2000, 1, 1))
    except Exception as exc:
        raise InputError.single(shown, line, f"the matcher fails to evaluate: {exc}") from None


def _check_nothing_dropped(
    enforcer: casbin.Enforcer,
    rules: list[PolicyLine],
    groupings: list[PolicyLine],
    *,
    deduplicated: bool,
    shown: str,
) -> None:
    """Casbin must hold every rule we read; else name the lines it lost.

    Casbin keeps a repeated line (a ``FastEnforcer`` keeps one copy of a repeated ``p`` line,
    which changes no decision): a repetition is no loss.
    """
    problems = []
    for sec, lines in (("p", rules), ("g", groupings)):
        held: dict[tuple[str, tuple[str, ...]], int] = {}
        if sec in enforcer.model.keys():
            for key, assertion in enforcer.model[sec].items():
                for rule in assertion.policy:
                    item = (key, tuple(rule))
                    held[item] = held.get(item, 0) + 1
        seen: dict[tuple[str, tuple[str, ...]], int] = {}
        for entry in lines:
            item = (entry.ptype, entry.values)
            seen[item] = seen.get(item, 0) + 1
            kept = held.get(item, 0)
            if kept == 0 or (seen[item] > kept and not (deduplicated and sec == "p")):
                problems.append(Problem(shown, entry.line, f"Casbin did not load this {sec} "
                                        "line: it would be dropped silently"))
    if problems:
        raise InputError(problems)


_IDENT_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(")
_TOKEN_REF = re.compile(r"\b([rp])_([A-Za-z0-9_]+)")


def _check_matcher_names(
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
