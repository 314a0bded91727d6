"""Policy lints: edits Casbin accepts without a word but that almost surely do not do what the
author meant (a ``#`` taken as part of a value, a role granted but never given rules, a typo
in a screen id, a rule whose dates cannot both hold, a line written twice).

Each lint is a pure function over the loaded project; ``validate`` prints the warnings, and with
``--strict`` refuses them. A lint reads values through the matcher's own token names and is
skipped when the token (or the equality it relies on) is absent, so it never guesses.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from accesssim.policy.rules import ANY, OPEN, UNMASK, PolicyLine

if TYPE_CHECKING:
    from accesssim.model.loader import LoadedModel
    from accesssim.policy.load import LoadedPolicy


class Project(Protocol):
    """What the lints read of a loaded project (``engine.Project``), named here so the policy
    layer does not import the engine above it."""

    @property
    def loaded(self) -> LoadedModel: ...

    @property
    def policy(self) -> LoadedPolicy: ...


@dataclass(frozen=True, order=True)
class Lint:
    """One warning: where, a stable code (for ``--format json`` and docs) and what it means."""

    file: str
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message} [{self.code}]"

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class _View:
    """What the lints need from a project, read once."""

    file: str
    rules: list[PolicyLine]
    groupings: list[PolicyLine]  # every g-type line (g, g2, ...)
    links: list[PolicyLine]  # the ``g`` lines: the role links g(r.sub, p.sub[, r.dom]) reads
    tokens: tuple[str, ...]
    systems: dict[str, tuple[frozenset[str], frozenset[str]]]  # id -> (screens, fields)
    accounts: dict[str, frozenset[str]]  # account id -> the systems it logs in to
    dom_equal: bool
    obj_equal: bool
    act_equal: bool
    g_arity: int
    role_domains: dict[str, int]  # domain columns of each role definition (policy/load.py)

    def val(self, rule: PolicyLine, token: str) -> str | None:
        return rule.get(token, self.tokens)

    def g_domain(self, link: PolicyLine) -> str | None:
        """The domain a role link holds in, when the matcher passes r.dom to g()."""
        has_domain = self.g_arity == 3 and self.role_domains.get(link.ptype, 0) > 0
        return link.values[2] if has_domain else None


def _view(project: Project) -> _View:
    model, policy = project.loaded.model, project.policy
    systems = {
        s.id: (frozenset(sc.id for sc in s.screens), frozenset(f.id for f in s.fields))
        for s in model.systems
    }
    shape = policy.shape
    links = [g for g in policy.groupings if g.ptype == "g"]
    accounts = {a.id: frozenset(a.systems) for a in model.accounts}
    return _View(policy.policy_display, policy.rules, policy.groupings, links, policy.p_tokens,
                 systems, accounts, shape.dom_equal, shape.obj_equal, shape.act_equal,
                 shape.g_arity, policy.role_domains)


def _hash_comment(v: _View) -> Iterator[Lint]:
    for line in sorted(v.rules + v.groupings, key=lambda r: r.line):
        for value in line.values:
            if "#" in value:
                yield Lint(v.file, line.line, "policy-hash-comment",
                           f"{value!r} contains '#': Casbin reads a comment only at the start of "
                           "a line, so this is part of the value; put the comment on its own line")


def _duplicates(v: _View) -> Iterator[Lint]:
    first: dict[tuple[str, tuple[str, ...]], int] = {}
    for line in sorted(v.rules + v.groupings, key=lambda r: r.line):
        key = (line.ptype, line.values)
        if key in first:
            yield Lint(v.file, line.line, "policy-duplicate",
                       f"the same {line.ptype} line as line {first[key]}; Casbin keeps both "
                       "harmlessly, delete one")
        else:
            first[key] = line.line


def _use_domains(v: _View) -> bool:
    """Roles are told apart by domain only when g() gets r.dom and the role definition has a
    domain column (``g = _, _, (_, _)`` has none: its links hold in every domain)."""
    return (v.g_arity == 3 and v.dom_equal and "dom" in v.tokens
            and v.role_domains.get("g", 0) > 0)


def _used_roles(v: _View) -> set[tuple[str, str | None]]:
    """(subject, domain) pairs that lead to some rule: named by a p line, or linked to one."""
    use_dom = _use_domains(v)
    used: set[tuple[str, str | None]] = set()
    for rule in v.rules:
        sub = v.val(rule, "sub")
        if sub is not None:
            used.add((sub, v.val(rule, "dom") if use_dom else None))
    changed = True
    while changed:
        changed = False
        for link in v.links:
            dom = v.g_domain(link) if use_dom else None
            if (link.values[1], dom) in used and (link.values[0], dom) not in used:
                used.add((link.values[0], dom))
                changed = True
    return used


def _unused_roles(v: _View) -> Iterator[Lint]:
    if v.g_arity not in (2, 3) or "sub" not in v.tokens:
        return
    use_dom = _use_domains(v)
    used = _used_roles(v)
    domains: dict[str, set[str]] = defaultdict(set)
    for name, dom in used:
        if dom is not None:
            domains[name].add(dom)
    for link in v.links:
        role, dom = link.values[1], (v.g_domain(link) if use_dom else None)
        if (role, dom) in used:
            continue
        elsewhere = sorted(domains.get(role, set()))
        why = (f"its rules are in domain {', '.join(elsewhere)}, not {dom!r}" if elsewhere
               else "no p line names it and it leads to no role that has rules")
        yield Lint(v.file, link.line, "role-without-rules",
                   f"this line gives role {role!r}, which grants nothing: {why}")


def _unheld_roles(v: _View) -> Iterator[Lint]:
    if v.g_arity not in (2, 3):
        return
    held = {link.values[1] for link in v.links}
    first: dict[str, list[int]] = defaultdict(list)
    for rule in v.rules:
        sub = v.val(rule, "sub")
        if sub is not None and sub not in held and sub not in v.accounts:
            first[sub].append(rule.line)
    for sub, lines in first.items():
        yield Lint(v.file, lines[0], "role-not-held",
                   f"{sub!r} has {len(lines)} rule(s) but is neither an account of the model nor "
                   "a role some g line gives to anyone")


def _unknown_member(v: _View) -> Iterator[Lint]:
    if v.g_arity not in (2, 3):
        return
    roles = {link.values[1] for link in v.links}
    roles |= {sub for rule in v.rules if (sub := v.val(rule, "sub")) is not None}
    for link in v.links:
        member = link.values[0]
        if member not in v.accounts and member not in roles:
            yield Lint(v.file, link.line, "policy-unknown-member",
                       f"{member!r} is neither an account of the model nor a role used "
                       "elsewhere (a typo?)")


def _account_outside_system(v: _View) -> Iterator[Lint]:
    """An account linked or granted in a system the model does not give it."""
    pairs: list[tuple[PolicyLine, str | None, str | None]] = [
        (link, link.values[0], v.g_domain(link)) for link in v.links]
    if v.dom_equal:
        pairs += [(rule, v.val(rule, "sub"), v.val(rule, "dom")) for rule in v.rules]
    for line, account, dom in pairs:
        if account in v.accounts and dom in v.systems and dom not in v.accounts[account]:
            systems = ", ".join(sorted(v.accounts[account]))
            yield Lint(v.file, line.line, "policy-account-system",
                       f"account {account!r} does not log in to system {dom!r} in the model "
                       f"(its systems: {systems}): this line never applies to it")


def _unknown_names(v: _View) -> Iterator[Lint]:
    """Domains, screens, fields and actions the model does not have: the rule never matches."""
    for link in v.links:
        dom = v.g_domain(link)
        if dom is not None and dom not in v.systems:
            yield Lint(v.file, link.line, "policy-unknown-domain",
                       f"domain {dom!r} is not a system of the model: this role link never "
                       "applies")
    for rule in v.rules:
        dom, obj, act = v.val(rule, "dom"), v.val(rule, "obj"), v.val(rule, "act")
        if v.dom_equal and dom is not None and dom not in v.systems:
            yield Lint(v.file, rule.line, "policy-unknown-domain",
                       f"domain {dom!r} is not a system of the model: this rule never matches")
            continue
        if v.act_equal and act is not None and act not in (OPEN, UNMASK):
            yield Lint(v.file, rule.line, "policy-unknown-action",
                       f"action {act!r} is never requested (only {OPEN} and {UNMASK}): this rule "
                       "never matches")
            continue
        if v.obj_equal and obj is not None:
            yield from _object_lint(v, rule, obj, dom if v.dom_equal else None,
                                    act if v.act_equal else None)


def _object_lint(v: _View, rule: PolicyLine, obj: str, dom: str | None,
                 act: str | None) -> Iterator[Lint]:
    def kinds(system: str) -> frozenset[str]:
        screens, fields = v.systems[system]
        if act == OPEN:
            return screens
        return fields if act == UNMASK else screens | fields

    what = {OPEN: "screen", UNMASK: "field"}.get(act or "", "screen or field")
    places = [dom] if dom is not None else sorted(v.systems)
    if any(obj in kinds(s) for s in places):
        return
    other = {OPEN: 1, UNMASK: 0}.get(act or "")
    if other is not None and dom is not None and obj in v.systems[dom][other]:
        yield Lint(v.file, rule.line, "policy-never-matches",
                   f"{obj!r} is a {'field' if act == OPEN else 'screen'} of {dom!r}, not a "
                   f"{what}: action {act} never asks for it, this rule never matches")
        return
    owners = sorted(s for s in v.systems if obj in kinds(s))
    if owners:
        yield Lint(v.file, rule.line, "policy-never-matches",
                   f"{what} {obj!r} belongs to system {', '.join(owners)}, not {dom!r}: "
                   "this rule never matches")
    else:
        where = f"system {dom!r}" if dom is not None else "any system"
        yield Lint(v.file, rule.line, "policy-unknown-object",
                   f"{what} {obj!r} is not in {where} of the model (a typo?): this rule never "
                   "matches")


def _impossible_dates(v: _View) -> Iterator[Lint]:
    for rule in v.rules:
        start, until = v.val(rule, "valid_from"), v.val(rule, "valid_until")
        if start is None or until is None or ANY in (start, until):
            continue
        if _is_date(start) and _is_date(until) and start > until:
            yield Lint(v.file, rule.line, "policy-never-matches",
                       f"valid_from {start} is after valid_until {until}: this rule never "
                       "matches")


def _is_date(text: str) -> bool:
    return re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is not None


def _loader_warnings(project: Project) -> Iterator[Lint]:
    """Warnings the loader found (e.g. a matcher shape the fast path does not read)."""
    for warning in project.policy.warnings:
        text = str(warning)  # English: lints are English, like their codes
        found = re.match(r"(.+?):(\d+): (.*)", text, re.S)
        file, line, message = (found[1], int(found[2]), found[3]) if found else ("", 0, text)
        code = "matcher-shape" if "matcher shape not recognised" in message else "warning"
        yield Lint(file, line, code, message)


def _model_warnings(project: Project) -> Iterator[Lint]:
    """Model input that is valid but probably a mistake (``modes: []``, ``fields: []``, ...)."""
    for problem in project.loaded.warnings:
        yield Lint(problem.file, problem.line, "model-likely-mistake", problem.message)


def _backtracking_functions(project: Project) -> Iterator[Lint]:
    """globMatch still backtracks (regexMatch and keyMatch2-5 run on RE2: policy/regex.py)."""
    policy = project.policy
    if re.search(r"\bglobMatch\s*\(", policy.enforcer.model["m"]["m"].value):
        yield Lint(policy.model_display, policy.matcher_line, "matcher-backtracking",
                   "globMatch runs on a backtracking engine: a policy value written to be slow "
                   "can stall the run; prefer keyMatch2/3/4/5 or regexMatch")


LINTS: tuple[Callable[[_View], Iterable[Lint]], ...] = (
    _hash_comment, _duplicates, _unused_roles, _unheld_roles, _unknown_member,
    _account_outside_system, _unknown_names, _impossible_dates,
)


def lint_project(project: Project) -> list[Lint]:
    """Every warning about the project, sorted by file, line and code."""
    view = _view(project)
    found = set(_loader_warnings(project)) | set(_backtracking_functions(project))
    found.update(_model_warnings(project))
    for lint in LINTS:
        found.update(lint(view))
    return sorted(found)


#: The lints that say the policy names something the model does not describe.
REFERENCE_CODES = frozenset({"policy-unknown-domain", "policy-unknown-object",
                             "policy-unknown-member", "policy-account-system"})


def reference_lints(project: Project) -> list[Lint]:
    """Only the lints of ``REFERENCE_CODES`` (cheap: no model or matcher checks), sorted."""
    view = _view(project)
    found = {*_unknown_member(view), *_account_outside_system(view), *_unknown_names(view)}
    return sorted(lint for lint in found if lint.code in REFERENCE_CODES)
