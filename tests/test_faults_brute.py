"""``faults`` against brute force: on small generated models, every subset of the (capped)
catalogue of up to k failures is applied with ``changes.apply.patch`` (the change-set path,
one change after the other), its exposures taken from the independent oracle
(tests/oracle.py), and the minimal ones kept by checking EVERY proper subset, not only those
one smaller (so this does not lean on monotonicity). The search (fast patcher, the engine,
upper-bound pruning) must find exactly those sets; and monotonicity, which its pruning relies
on, is checked on every subset: a failure added never closes a field.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from hypothesis import given, note, settings
from hypothesis import strategies as st

import oracle
from accesssim.changes.apply import Patcher, loaded, patch
from accesssim.engine import Project
from accesssim.faults.analysis import opened_fields
from accesssim.faults.catalogue import catalogue
from accesssim.faults.run import run_search, secret_fields, upper_bounds
from accesssim.faults.search import FSet, Search
from profiles import examples
from strategies import Generated, exposed_projects, materialise, projects

K = 2
CAP = 3  # failures per kind: up to ~21 failures, ~230 subsets of up to two


def oracle_fields(project: Project, search: Search, chosen: FSet) -> frozenset[str]:
    """The fields the oracle sees exposed once the set is applied, one change at a time."""
    changes = search.changes(chosen, exact=True)
    if not changes:
        return frozenset(f for _, f, _ in oracle.exposures(project))
    with loaded(project, patch(project, changes)) as head:
        return frozenset(f for _, f, _ in oracle.exposures(head))


def consistent(search: Search, chosen: Sequence[int]) -> bool:
    moved = [search.failures[i].id.rsplit(":", 1)[0] for i in chosen
             if search.failures[i].kind == "move_terminal"]
    return len(moved) == len(set(moved))


@settings(max_examples=examples(40), deadline=None)
@given(st.one_of(projects(), exposed_projects(timeless=True)))
def test_faults_finds_exactly_the_minimal_sets_brute_force_finds(gen: Generated) -> None:
    note(gen.describe())
    with materialise(gen) as project:
        cat = catalogue(project, CAP)
        fields = secret_fields(project)
        brute = Search(cat.failures, fields, project.policy.p_tokens, lambda sets: [],
                       upper_bounds(project, cat))
        subsets = [s for j in range(K + 1)
                   for s in itertools.combinations(range(len(cat.failures)), j)
                   if consistent(brute, s)]
        opened = {s: oracle_fields(project, brute, s) for s in subsets}
        for s in subsets:  # monotone: adding a failure never closes a field
            for x in s:
                smaller = tuple(i for i in s if i != x)
                assert opened[smaller] <= opened[s], (s, x)
        expected: dict[str, set[FSet]] = {f: set() for f in fields}
        for s, found in opened.items():
            for f in found & set(fields):
                if not any(f in opened[sub] for j in range(len(s))
                           for sub in itertools.combinations(s, j)):
                    expected[f].add(s)
        patcher = Patcher(project)
        _, result, _ = run_search(
            project, cat, K,
            lambda sets: [opened_fields(project, c, patcher) for c in sets])
        assert result.base == opened[()] & set(fields)
        for f in fields:
            found = {()} if f in result.base else set(result.minimal.get(f, ()))
            assert found == expected[f], f
        # "none": not even the whole catalogue opens it, so no subset of up to k does
        for f in set(fields) - result.openable - result.base:
            assert not expected[f]
