"""Load a Casbin model and policy the way Casbin does, but refuse what Casbin would drop quietly.

Casbin's file adapter silently drops a first line that starts with a UTF-8 BOM and any line
whose ptype the model does not define; a wrong field count or a broken matcher only fails at
the first ``enforce``. We read the CSV ourselves first (same tokenizer as Casbin), keep the
line number of every rule for provenance, and do a trial ``enforce`` at load time.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from itertools import repeat
from pathlib import Path

import casbin
from casbin.model import Model
from casbin.persist.adapters import FileAdapter

from accesssim.errors import InputError, Problem
from accesssim.i18n import Msg, msg
from accesssim.model.database import PolicySource
from accesssim.model.files import CONF_BOM, read_input_text
from accesssim.policy import conf, dates, regex, rolelinks
from accesssim.policy.matcher import (
    MatcherShape,
    check_matcher_names,
    fast_cache_keys,
    matcher_shape,
    order_matters,
)
from accesssim.policy.rules import OPEN, PolicyLine, RowsAdapter, read_policy_file

#: Request tokens the engine knows how to fill.
KNOWN_REQUEST_TOKENS = ("sub", "dom", "obj", "act", "mode", "date")


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
    warnings: list[Msg] = field(default_factory=list)
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


def load_policy(
    model_path: Path,
    policy_path: Path,
    model_display: str,
    policy_display: str,
    modes: list[str],
    *,
    trial: tuple[str, str, str] | None = None,
    database: PolicySource | None = None,
) -> LoadedPolicy:
    """Parse and check both files, build the enforcer, and prove it can decide a request.

    ``trial`` is (account, system, screen) of the model, for the trial request;
    ``database``: the policy is that table (policy/database.py), not the file.
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
    if database is None:
        read = read_policy_file(policy_path, policy_display, definitions, p_tokens, modes)
    else:  # SQLAlchemy and the adapter are imported only for a policy held in a database
        from accesssim.policy.database import read_policy_table

        read = read_policy_table(database, conf_text, definitions, p_tokens, modes,
                                 order_matters=order_matters(model["e"]["e"].value))
    rules, groupings = read.rules, read.groupings
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
    check_matcher_names(matcher, request_tokens, p_tokens, model, model_display, matcher_line)
    dates.check_date_uses(matcher, [(r.values, r.line) for r in rules], p_tokens,
                              model_display, matcher_line, policy_display)
    if slow := regex.check_policy(matcher, rules, p_tokens, policy_display):
        raise InputError(slow)
    # pycasbin 2.8's FastModel stops reading a section after its first key (its add_def
    # returns None): with a g2 or p2 only the plain Enforcer reads the files as Casbin does.
    single = all(len(model[sec]) == 1 for sec in ("p", "g") if sec in model.keys())
    keys = fast_cache_keys(shape, effect, request_tokens, p_tokens) if single else None
    enforcer = _build_enforcer(model_path, policy_path, keys, (model_display, policy_display),
                               rows=read.rows)
    if database is not None:  # the enforcer keeps the rows the adapter loaded, not a file
        enforcer.set_adapter(RowsAdapter(read.rows or []))
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
        why = (msg("needs r.obj == p.obj and g(r.sub, p.sub[, r.dom])")
               if policy.shape.allow_needed else
               msg("the effect allows every request no rule denies, so no allow rule bounds it"))
        policy.warnings.append(msg(
            "{where}: matcher shape not recognised ({why}); deciding every account x screen "
            "request, which is slow on large models", where=f"{model_display}:{matcher_line}",
            why=why))
    return policy


def _build_enforcer(model_path: Path, policy_path: Path, keys: list[int] | None,
                    shown: tuple[str, str] | None = None, *,
                    rows: list[list[str]] | None = None) -> casbin.Enforcer:
    """An enforcer over exactly these files, built without Casbin's quadratic role-link step.

    ``rows``: the CSV's rows as Casbin's reader tokenizes them (``read_policy_file``), handed
    over instead of letting Casbin read and tokenize the file again; the enforcer keeps a
    ``FileAdapter`` on the file afterwards, as a plain load leaves it.

    With ``keys`` it is a ``FastEnforcer`` that pre-filters rows on (dom, obj): rows with
    another dom or obj can never match, so the decisions are the same (tests prove it).
    Casbin's regex functions run on RE2 with Python's meaning (``policy/regex.py``).
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
        if rows is None:
            enforcer.set_adapter(FileAdapter(str(policy_path)))
            enforcer.load_policy()
        else:
            enforcer.set_adapter(RowsAdapter(rows))
            enforcer.load_policy()
            enforcer.set_adapter(FileAdapter(str(policy_path)))
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
        held: Counter[tuple[str, tuple[str, ...]]] = Counter()
        if sec in enforcer.model.keys():
            for key, assertion in enforcer.model[sec].items():
                held.update(zip(repeat(key), map(tuple, assertion.policy)))
        written = Counter((entry.ptype, entry.values) for entry in lines)
        if all(held[item] >= (1 if deduplicated and sec == "p" else count)
               for item, count in written.items()):
            continue  # nothing lost: the loop below would find no line to name
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
