"""Hostile cases for ``accesssim remediate``: inputs chosen to make a wrong answer look right."""

from __future__ import annotations

from pathlib import Path

from accesssim.engine import load_project
from accesssim.remediate.loop import evaluate, new_state
from accesssim.remediate.solver import HittingSet, solve
from helpers import assert_error, make_project, run


def test_tiny_costs_still_give_the_optimum() -> None:
    """Costs of 1e-9 sit below HiGHS's tolerances: it returned a superset of the optimum (the
    Kansai model, masks at 1e-9 and check at 3e-9, was proposed at 8e-9 where 5e-9 does)."""
    problem = HittingSet((3e-9, 1e-9, 1e-9, 1e-9), ((0, 1), (0, 2), (1,), (2,), (3,)))
    assert solve(problem) == (1, 2, 3)
    scaled = HittingSet(tuple(c * 1e9 for c in problem.costs), problem.covers)
    assert solve(scaled) == (1, 2, 3)


def test_costs_out_of_the_solvers_range_are_refused(tmp_path: Path) -> None:
    """A price HiGHS cannot tell apart from its neighbours (or treats as infinite, from 1e20)
    is bad input at its line, not a silently non-optimal proposal."""
    for price in ("1.0e-9", "1.0e+300"):
        costs = tmp_path / "c.yaml"
        costs.write_text(f"accesssim-costs: 1\ncosts:\n  mask: {price}\n", encoding="utf-8")
        assert_error(run("remediate", "scenarios/incidents/01-kansai.yaml", "--costs",
                         str(costs), "--quiet"), "c.yaml:3", "costs.mask")


def test_gate_to_disaster_is_offered_only_where_it_takes_access_away(tmp_path: Path) -> None:
    """A rule limited to normal mode, gated to disaster, is GIVEN in disaster mode: not a
    removal, so the hitting set's rows (a route survives unless a blocker is chosen) and the
    no-good cuts (supersets break too) would not hold. Only a rule on in every mode (``*``)
    may be gated: it then keeps its disaster right and loses the others."""
    proj = make_project(tmp_path, "kansai")
    text = proj.csv.read_text(encoding="utf-8")
    proj.csv.write_text(text.replace("p, retail_user, takuso, contract_detail, open, allow, *",
                                        "p, retail_user, takuso, contract_detail, open, allow, "
                                        "normal"), encoding="utf-8")
    project = load_project(proj.model, proj.root)
    state = new_state(project, (), None, "keep.yaml")
    assert evaluate(state, frozenset()).findings
    gated = {str(c.get("rule")) for c in state.candidates.values()
             if c.kind == "gate_to_disaster"}
    assert all(", normal, " not in rule for rule in gated), gated
    removed = {str(c.get("rule")) for c in state.candidates.values() if c.kind == "remove_rule"}
    assert any(", normal, " in rule for rule in removed), "it may still be removed"
