"""What ``check --base-ref`` reuses between HEAD and its base, and that the reuse changes
nothing: the base's model equals a fresh load, and its exposures those of a full analysis."""

from __future__ import annotations

from pathlib import Path

from accesssim.engine import Analyzer, load_project
from accesssim.gate.base import base_at_ref
from accesssim.gate.check import _base_exposures, base_side, run_check
from accesssim.gate.exposures import from_found
from accesssim.search.exposures import find_exposures
from gate_repo import POLICY, git, make_repo, model_text, write


def test_a_byte_identical_yaml_reuses_heads_model_and_loads_as_a_fresh_one(
        tmp_path: Path) -> None:
    model = make_repo(tmp_path)
    write(tmp_path, policy=POLICY + "g, acc, unmasker, cis\n")  # only the policy changes
    head = load_project(model)
    with base_at_ref(model, "main", head=head) as reused, base_at_ref(model, "main") as fresh:
        assert reused.project is not None and fresh.project is not None
        assert reused.project.loaded.model is head.loaded.model  # not parsed again
        assert fresh.project.loaded.model is not head.loaded.model
        assert reused.project.loaded.model == fresh.project.loaded.model
        for name in ("display_path", "warnings"):
            assert getattr(reused.project.loaded, name) == getattr(fresh.project.loaded, name)
        # The Casbin references resolve in the base's own folder, to its own files.
        assert reused.project.loaded.casbin_policy_path.is_relative_to(
            reused.project.loaded.root)
        assert reused.project.policy.policy_display == fresh.project.policy.policy_display
        assert reused.texts == fresh.texts


def test_a_changed_yaml_is_parsed_again(tmp_path: Path) -> None:
    model = make_repo(tmp_path)
    write(tmp_path, model=model_text() + "\n# a comment\n")
    head = load_project(model)
    with base_at_ref(model, "main", head=head) as base:
        assert base.project is not None
        assert base.project.loaded.model is not head.loaded.model


def test_the_base_exposures_equal_a_full_analysis_without_their_witnesses(
        tmp_path: Path) -> None:
    model = make_repo(tmp_path)
    write(tmp_path, policy=POLICY + "g, acc, unmasker, cis\n")
    head = load_project(model)
    with base_at_ref(model, "main", head=head) as base:
        assert base.project is not None
        engine = Analyzer(base.project.loaded, base.project.policy,
                          modes=list(base.project.loaded.model.modes))
        full = from_found(engine.search, find_exposures(engine.search))
        lean = _base_exposures(base.project, None)
        side = base_side(base, head)
    assert full and lean == full and all(e.witnesses for e in full)
    assert not any(e.witnesses for e in lean)
    assert side.exposures == full and side.changed  # the policy line added


def test_a_commit_that_changes_nothing_compares_heads_own_exposures(tmp_path: Path) -> None:
    model = make_repo(tmp_path)
    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "nothing")
    head = load_project(model)
    with base_at_ref(model, "HEAD", head=head) as base:
        side = base_side(base, head)
    assert side.exposures is None and side.changed == frozenset()
    checked = run_check([model], base_ref="HEAD")
    assert all(not m.opened and not m.diff.widens for m in checked.report.models)
