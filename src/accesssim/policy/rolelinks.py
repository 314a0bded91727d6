"""Role definitions and ``g`` lines, read as pycasbin 2.8's role managers read them, or refused.

What the files alone cannot settle is refused, line by line (docs/model-format.md, 'Casbin'):

- condition columns (``g = _, _, (_, _)``): pycasbin's conditional role manager applies a link
  only if the condition function the application registers at run time for it
  (``add_named_link_condition_func``, e.g. ``timeMatch``) says so. ``_`` in every condition
  column is a link that always holds (no function: Casbin keeps it; ``timeMatch``: no bound);
  any other value needs that function, so it is refused;
- a conditional role definition next to a plain one: pycasbin then evaluates every plain
  ``g()`` as mere equality, which is surely not what the author meant;
- pattern characters in a link (``*``, ``:id``, ``{id}`` ...): plain Casbin reads them as a
  literal name, a system that registers a role or domain matching function as a pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import casbin
from casbin.model import Model

from accesssim.errors import InputError, Problem

#: Characters that make a name a pattern for Casbin's matching functions (keyMatch*, globMatch,
#: regexMatch). A ``.`` is read literally (a regexMatch wildcard, but common in plain names).
PATTERN = re.compile(r"[*?\[\]{}()^$|+\\:]")

#: A g line as (ptype, values, line).
Link = tuple[str, tuple[str, ...], int]


def check_role_model(model: Model, conf_text: str, shown: str) -> dict[str, int]:
    """The number of domain columns of each role definition; refuse mixed definitions."""
    if "g" not in model.keys():
        return {}
    domains: dict[str, int] = {}
    conditional: list[str] = []
    plain: list[str] = []
    for key, assertion in model["g"].items():
        domains[key] = max(len(assertion.tokens) - 2, 0)
        (conditional if assertion.params_tokens else plain).append(key)
    if conditional and plain:
        key = conditional[0]
        raise InputError.single(
            shown, _line_of(conf_text, key),
            f"role definition {key} has condition columns but {', '.join(plain)} has none: "
            f"pycasbin then evaluates {', '.join(f'{k}()' for k in plain)} as plain equality "
            "(no role is inherited); give every role definition condition columns, or none")
    return domains


def check_role_links(model: Model, links: Iterable[Link], shown: str) -> None:
    """Refuse g lines whose meaning depends on functions registered at run time."""
    if "g" not in model.keys():
        return
    problems = []
    for ptype, values, line in links:
        names = len(model["g"][ptype].tokens)
        for value in values[:names]:
            if PATTERN.search(value):
                problems.append(Problem(
                    shown, line,
                    f"{ptype} line names {value!r}, a pattern for Casbin's matching functions: "
                    "plain Casbin reads it as a literal name, a system that registers a role "
                    "or domain matching function (add_named_matching_func, "
                    "add_named_domain_matching_func) as a pattern matching many names; the "
                    "engine cannot tell which: write each name out"))
                break
        conditions = values[names:]
        if any(value != "_" for value in conditions):
            problems.append(Problem(
                shown, line,
                f"{ptype} line has condition {', '.join(conditions)}: Casbin applies this link "
                "only when the condition function the application registers at run time "
                "(add_named_link_condition_func, e.g. timeMatch, which reads the wall clock) "
                "says so, and the files do not show that function; write _ in every condition "
                "column for a link that always holds, or limit the rights with dated p rules"))
    if problems:
        raise InputError(problems)


def check_rule_subjects(matcher: str, rules: Iterable[Link], sub_index: int | None,
                        shown: str) -> None:
    """Refuse a p line whose subject is a pattern when the matcher hands p.sub to g().

    ``g(r.sub, p.sub)`` asks the role manager whether the account holds ``p.sub``: with a
    role matching function registered at run time, ``role_*`` there matches many roles.
    """
    passed = re.search(r"\bg\d*\([^()]*\bp[._]sub\b", re.sub(r"\s+", "", matcher))
    if sub_index is None or not passed:
        return
    problems = [
        Problem(shown, line, f"{ptype} line names the subject {values[sub_index]!r}, a pattern "
                "for Casbin's matching functions, and the matcher passes it to g(): plain "
                "Casbin reads it as a literal role name, a system that registers a role "
                "matching function (add_named_matching_func) as a pattern matching many roles; "
                "the engine cannot tell which: write each role out")
        for ptype, values, line in rules
        if sub_index < len(values) and PATTERN.search(values[sub_index])]
    if problems:
        raise InputError(problems)


def links_followed(enforcer: casbin.Enforcer) -> int:
    """How many g links Casbin follows from a subject (``max_hierarchy_level`` bounds it).

    The plain role manager stops after ``level - 1`` links; the conditional one (role
    definitions with condition columns) checks one level more, so it follows ``level``.
    """
    conditional = enforcer.cond_rm_map.get("g")
    if conditional is not None:
        return int(getattr(conditional, "max_hierarchy_level", 10))
    manager = enforcer.rm_map.get("g")
    return max(int(getattr(manager, "max_hierarchy_level", 10)) - 1, 0)


def _line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"{re.escape(key)}\s*=", line.strip()):
            return number
    return 0
