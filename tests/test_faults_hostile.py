"""Hostile cases for ``accesssim faults``: designs chosen to make a bound look exact."""

from __future__ import annotations

from pathlib import Path

from accesssim.engine import load_project
from accesssim.faults.catalogue import catalogue
from helpers import make_project


def test_a_domain_equality_inside_an_or_does_not_tie_rules_to_their_system(
        tmp_path: Path) -> None:
    """``(r.dom == p.dom || p.dom == "*")`` holds the text ``r.dom==p.dom`` but does not tie a
    rule to its domain's system (a ``*`` rule matches every system): a failure of a policy
    line must then be counted as touching every system, or a field of another system could be
    reported ``none``/exact while that failure opens it."""
    proj = make_project(tmp_path, "reference")
    conf = proj.conf.read_text(encoding="utf-8")
    assert "&& r.dom == p.dom &&" in conf
    proj.conf.write_text(conf.replace("&& r.dom == p.dom &&",
                                      '&& (r.dom == p.dom || p.dom == "*") &&'),
                         encoding="utf-8")
    project = load_project(proj.model, proj.root)
    assert not project.policy.shape.dom_equal
    rules = [f for f in catalogue(project).failures if f.rule is not None]
    assert rules, "the reference design has mode-gated or dated rules"
    assert all(f.systems is None for f in rules), [(f.id, f.systems) for f in rules]


def test_a_tied_matcher_keeps_rules_to_their_system() -> None:
    from helpers import REPO
    project = load_project(REPO / "scenarios" / "reference.yaml", REPO)
    rules = [f for f in catalogue(project).failures if f.rule is not None]
    assert rules and all(f.systems is not None for f in rules)
