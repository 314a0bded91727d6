"""The operators that pair everything with everything: an account into a role, a role into a
role, a terminal to a retailer's location, a credential to a person of another organization.

On a utility-scale model they are millions (every account x every person), so they are
counted row by row without being built, and only the ones kept under the cap are built
(``pick``): the k-th mutant of a row is found by walking that row alone.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import accumulate

from accesssim.mutate import edits
from accesssim.mutate.operators import Context, Mutant
from accesssim.policy.rules import PolicyLine


@dataclass(frozen=True)
class Rows:
    """One operator's mutants in a fixed order, row by row: row ``r`` has ``counts[r]``
    mutants and ``build(r, k)`` makes its k-th."""

    kind: str
    counts: list[int]
    build: Callable[[int, int], Mutant]


def pick(rows: Rows, cap: int) -> tuple[list[Mutant], int]:
    """At most ``cap`` mutants spread evenly over the order, and how many there are."""
    ends = list(accumulate(rows.counts))
    total = ends[-1] if ends else 0
    wanted = range(total) if total <= cap else (i * total // cap for i in range(cap))
    picked = []
    for index in wanted:
        r = bisect.bisect_right(ends, index)
        picked.append(rows.build(r, index - (ends[r - 1] if r else 0)))
    return picked, total


def _kth(items: list[str], skip: Callable[[str], bool], k: int) -> str:
    """The k-th item not skipped."""
    for item in items:
        if not skip(item):
            if k == 0:
                return item
            k -= 1
    raise IndexError(k)


def pairings(ctx: Context) -> Iterator[Rows]:
    yield from _links(ctx)
    yield _terminals(ctx)
    yield _credentials(ctx)


def _links(ctx: Context) -> Iterator[Rows]:
    """New g lines, each copied from a line that grants the role (same ptype and domain),
    with an account (``add-role``) or another role (``inherit-role``) as subject."""
    policy, accounts = ctx.policy, ctx.accounts
    linked: dict[tuple[str, tuple[str, ...]], set[str]] = defaultdict(set)
    for g in policy.groupings:
        linked[(g.ptype, g.values[1:])].add(g.values[0])
    roles = sorted({g.values[1] for g in policy.groupings} - set(accounts))
    templates = sorted({(g.ptype, g.values[1:], policy.link_domain(g))
                        for g in policy.groupings if g.values[1] in set(roles)}
                       | _unheld(ctx, set(roles)))
    reach = _reachable(policy.groupings, roles)
    new_line = len(edits.csv_lines(ctx.csv_text)) + 1
    by_system: dict[str | None, list[str]] = defaultdict(list)
    for acc in sorted(accounts):
        by_system[None].append(acc)
        for system in sorted(set(accounts[acc].systems)):
            by_system[system].append(acc)

    def eligible(t: int) -> tuple[list[str], Callable[[str], bool]]:
        # a domain the account is never asked in changes nothing: not a mutant
        ptype, tail, domain = templates[t]
        return by_system.get(domain, []), linked[(ptype, tail)].__contains__

    def excluded(t: int) -> set[str]:
        ptype, tail, _ = templates[t]
        return {tail[0], *linked[(ptype, tail)], *reach.get(tail[0], ())}  # self, there, cycle

    def make(kind: str, t: int, sub: str, words: str) -> Mutant:
        ptype, tail, domain = templates[t]
        where = f" in {domain}" if domain is not None else ""
        line = ", ".join([ptype, sub, *tail])
        return Mutant(f"{kind}:{sub}:{','.join(tail)}", kind,
                      f"{words.format(sub=sub, role=tail[0])}{where} (`{line}`)",
                      ctx.csv_file, new_line,
                      (edits.append_line(ctx.csv_file, ctx.csv_text, line),))

    def add_role(t: int, k: int) -> Mutant:
        accs, skip = eligible(t)
        return make("add-role", t, _kth(accs, skip, k), "add account {sub} to role {role}")

    def inherit(t: int, k: int) -> Mutant:
        return make("inherit-role", t, _kth(roles, excluded(t).__contains__, k),
                    "make role {sub} inherit role {role}")

    add_counts = []
    for t in range(len(templates)):
        accs, _ = eligible(t)
        add_counts.append(len(accs) - len(linked[templates[t][:2]] & set(accs)))
    yield Rows("add-role", add_counts, add_role)
    yield Rows("inherit-role", [len(roles) - len(excluded(t) & set(roles))
                                for t in range(len(templates))], inherit)


def _unheld(ctx: Context, held: set[str]) -> set[tuple[str, tuple[str, ...], str | None]]:
    """Templates for roles that rules name but no g line grants yet (the most careless
    change of all: the first account put into a powerful role), shaped like ``g`` lines:
    (role, the rule's domain) when ``g`` has a domain, else (role,)."""
    policy = ctx.policy
    if "g" not in policy.role_domains:
        return set()
    has_domain = policy.role_domains["g"] > 0
    found: set[tuple[str, tuple[str, ...], str | None]] = set()
    for rule in policy.rules:
        role = rule.get("sub", policy.p_tokens)
        if role is None or role in held or role in ctx.accounts:
            continue
        domain = rule.get("dom", policy.p_tokens) if has_domain else None
        if has_domain and domain is None:
            continue
        found.add(("g", (role, domain) if domain is not None else (role,), domain))
    return found


def _reachable(links: list[PolicyLine], starts: list[str]) -> dict[str, set[str]]:
    """Per start, every name it reaches through g lines (any ptype, any domain)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for g in links:
        edges[g.values[0]].add(g.values[1])
    reach: dict[str, set[str]] = {}
    for start in starts:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        reach[start] = seen
    return reach


def _terminals(ctx: Context) -> Rows:
    """Every terminal to every location owned by a retailer, but its own."""
    model = ctx.model
    kinds = {o.id: o.kind for o in model.organizations}
    retail = [loc.id for loc in model.locations if kinds.get(loc.owner) == "retail"]
    owner = {loc.id: loc.owner for loc in model.locations}
    nodes = edits.items(edits.child(ctx.tree, "terminals"))

    def build(r: int, k: int) -> Mutant:
        term, node = model.terminals[r], nodes[r]
        loc = _kth(retail, term.location.__eq__, k)
        return Mutant(f"move-terminal:{term.id}:{loc}", "move-terminal",
                      f"move terminal {term.id} from {term.location} to {loc} "
                      f"(owned by retailer {owner[loc]})", ctx.model_file,
                      ctx.key_line(node, "location"),
                      (ctx.set_key(node, "location", edits.scalar(loc)),))

    return Rows("move-terminal", [len(retail) - retail.count(t.location)
                                  for t in model.terminals], build)


def _credentials(ctx: Context) -> Rows:
    """Every account to every person of another organization than its holder's who does
    not know it yet."""
    model = ctx.model
    org = {p.id: p.org for p in model.people}
    people = [p.id for p in model.people]
    members = Counter(org.values())
    nodes = edits.items(edits.child(ctx.tree, "accounts"))

    def skip(r: int) -> Callable[[str], bool]:
        acc = model.accounts[r]
        own, known = org[acc.holder], {acc.holder, *acc.known_by}
        return lambda person: org[person] == own or person in known

    def count(r: int) -> int:
        acc = model.accounts[r]
        own = org[acc.holder]
        return len(people) - members[own] - sum(
            1 for p in {*acc.known_by} if org.get(p) != own)

    def build(r: int, k: int) -> Mutant:
        acc, node = model.accounts[r], nodes[r]
        person = _kth(people, skip(r), k)
        known: list[object] = [*acc.known_by, person]
        return Mutant(f"share-credential:{acc.id}:{person}", "share-credential",
                      f"let {person} ({org[person]}) learn the password of {acc.id} "
                      f"(held by {acc.holder})", ctx.model_file,
                      ctx.key_line(node, "known_by"),
                      (ctx.set_key(node, "known_by", edits.flow_list(known)),))

    return Rows("share-credential", [count(r) for r in range(len(model.accounts))], build)
