"""Every mutant of one model: the single-element operators and the pairing ones, each capped
at ``CAP`` mutants spread evenly over its own order (the cap is reported)."""

from __future__ import annotations

from collections import defaultdict

from accesssim.engine import Project
from accesssim.mutate.operators import (
    CAP,
    Context,
    Mutant,
    Mutants,
    read_text,
    single_mutants,
    unique_ids,
)
from accesssim.mutate.pairs import pairings, pick


def enumerate_mutants(project: Project, cap: int = CAP) -> Mutants:
    """Every single mutation of the project's model and policy (see ``KINDS``)."""
    loaded, policy = project.loaded, project.policy
    ctx = Context(project, read_text(loaded.path), read_text(policy.policy_path))
    found: dict[str, list[Mutant]] = defaultdict(list)
    for m in single_mutants(ctx):
        found[m.kind].append(m)
    capped: dict[str, tuple[int, int]] = {}
    result: list[Mutant] = []
    for kind, group in found.items():
        group = unique_ids(group)
        if len(group) > cap:  # evenly spread: not only the elements whose ids come first
            capped[kind] = (cap, len(group))
            group = [group[i * len(group) // cap] for i in range(cap)]
        result += group
    for rows in pairings(ctx):  # counted without being built: they can be millions
        picked, total = pick(rows, cap)
        if total > cap:
            capped[rows.kind] = (cap, total)
        result += picked
    return Mutants(tuple(sorted(result, key=lambda m: m.id)), capped)
