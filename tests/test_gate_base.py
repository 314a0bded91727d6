"""Reading the base version of a model from git (gate/base.py) and the changed lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from accesssim.engine import load_project
from accesssim.errors import AccessSimError, InputError
from accesssim.gate.base import Texts, base_at_path, base_at_ref, changed_lines
from accesssim.model.provenance import Source
from gate_repo import CSV_REL, MODEL_REL, POLICY, commit, git, make_repo, model_text, write


def test_the_base_is_read_from_the_commit_not_the_work_tree(tmp_path: Path) -> None:
    model = make_repo(tmp_path)
    write(tmp_path, policy=POLICY + "g, acc, unmasker, cis\n")
    with base_at_ref(model, "main") as base:
        assert base.project is not None and base.note is None
        assert base.label == f"main:{MODEL_REL}"
        # Citations read like the repository's own paths.
        assert base.project.loaded.display_path == MODEL_REL
        assert base.project.policy.policy_display == CSV_REL
        assert base.texts.files["policy"] == (CSV_REL, tuple(POLICY.splitlines()))
        folder = base.project.loaded.root
        assert folder != tmp_path.resolve() and folder.is_dir()
    assert not folder.exists()  # the temporary copy is gone with the context


def test_any_cwd_inside_the_repository_and_a_relative_model_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_repo(tmp_path)
    monkeypatch.chdir(tmp_path / "policies")
    with base_at_ref(Path("..") / MODEL_REL, "HEAD") as base:
        assert base.project is not None
        assert base.project.loaded.display_path == MODEL_REL


def test_the_casbin_files_are_those_the_base_yaml_names(tmp_path: Path) -> None:
    """HEAD renames the policy file: the base still reads the old one, from REF."""
    model = make_repo(tmp_path)
    (tmp_path / CSV_REL).rename(tmp_path / "policies" / "renamed.csv")
    write(tmp_path, model=model_text().replace("case.csv", "renamed.csv"))
    commit(tmp_path, "rename")
    with base_at_ref(model, "HEAD~1") as base:
        assert base.project is not None
        assert base.project.policy.policy_display == CSV_REL
    with base_at_ref(model, "HEAD") as base:
        assert base.project is not None
        assert base.project.policy.policy_display == "policies/renamed.csv"


def test_a_model_absent_at_the_ref_is_an_empty_base(tmp_path: Path) -> None:
    make_repo(tmp_path)
    new = tmp_path / "scenarios" / "new.yaml"
    new.write_text(model_text(), encoding="utf-8")
    with base_at_ref(new, "main") as base:
        assert base.project is None and base.label == ""
        assert base.note is not None and "scenarios/new.yaml does not exist at main" in base.note
        assert base.texts.files == {}


def test_unknown_ref_no_repository_and_a_missing_casbin_file_are_errors(tmp_path: Path) -> None:
    model = make_repo(tmp_path / "repo")
    with pytest.raises(AccessSimError, match="'nope': no such commit"):
        _enter(model, "nope")
    with pytest.raises(AccessSimError, match="not a git revision"):
        _enter(model, "--output=x")
    outside = tmp_path / "plain" / "m.yaml"
    outside.parent.mkdir()
    outside.write_text(model_text(), encoding="utf-8")
    with pytest.raises(AccessSimError, match="not inside a git repository"):
        _enter(outside, "HEAD")
    # The base YAML names a policy file that REF does not hold.
    root = tmp_path / "repo"
    git(root, "rm", "-q", CSV_REL)
    git(root, "commit", "-q", "-m", "drop the policy")
    (root / CSV_REL).write_text(POLICY, encoding="utf-8")
    with pytest.raises(InputError) as caught, base_at_ref(model, "HEAD"):
        pass
    (problem,) = caught.value.problems
    assert problem.file == f"HEAD:{MODEL_REL}" and problem.line > 0
    assert f"{CSV_REL} does not exist at HEAD" in problem.message


def test_a_bad_base_is_named_with_its_ref(tmp_path: Path) -> None:
    """Errors in the base version name REF: the HEAD version of the file may well be fine."""
    model = make_repo(tmp_path, policy=POLICY + "p, broken\n")
    write(tmp_path, policy=POLICY)
    with pytest.raises(InputError) as caught, base_at_ref(model, "HEAD"):
        pass
    assert all(p.file.startswith("HEAD:") for p in caught.value.problems)


def test_base_at_path_reads_a_second_file(tmp_path: Path) -> None:
    model = make_repo(tmp_path)
    with base_at_path(model) as base:
        assert base.project is not None and base.label == MODEL_REL


def _enter(model: Path, ref: str) -> None:
    with base_at_ref(model, ref):
        pass


def _texts(**files: str) -> Texts:
    return Texts({role: (f"{role}.txt", tuple(text.splitlines()))  # type: ignore[misc]
                  for role, text in files.items()})


def test_changed_lines_are_the_head_lines_not_in_the_base() -> None:
    base = _texts(model="a\nb\nc\n", policy="p1\np2\np3\n")
    head = _texts(model="a\nb2\nc\nd\n", policy="p1\np3\np2\n", conf="x\ny\n")
    changed = changed_lines(base, head)
    assert {s for s in changed if s.file == "model.txt"} == {Source("model.txt", 2),
                                                             Source("model.txt", 4)}
    # A line moved is a changed line (difflib: one side of the move is unmatched).
    assert len({s for s in changed if s.file == "policy.txt"}) == 1
    # No counterpart: every line is changed.
    assert {s for s in changed if s.file == "conf.txt"} == {Source("conf.txt", 1),
                                                            Source("conf.txt", 2)}
    assert changed_lines(head, head) == frozenset()
    assert changed_lines(Texts({}), head) == {Source(f, n) for f, lines in head.files.values()
                                              for n in range(1, len(lines) + 1)}


def test_changed_lines_match_by_role_not_by_name() -> None:
    base = Texts({"policy": ("old.csv", ("p1", "p2"))})
    head = Texts({"policy": ("new.csv", ("p1", "p2", "g1"))})
    assert changed_lines(base, head) == {Source("new.csv", 3)}


def test_only_inserted_lines_in_a_long_file() -> None:
    lines = tuple(f"line {n}" for n in range(5000))
    head = (*lines[:10], "x", *lines[10:4000], "y", *lines[4000:])
    assert changed_lines(Texts({"model": ("m", lines)}), Texts({"model": ("m", head)})) == {
        Source("m", 11), Source("m", 4002)}


def test_a_root_above_the_work_tree_keeps_the_paths_head_shows(tmp_path: Path) -> None:
    """``--root`` changes how HEAD's paths are shown; the base's read the same."""
    model = make_repo(tmp_path / "repo")
    head = load_project(model, tmp_path)
    with base_at_ref(model, "main", tmp_path) as base:
        assert base.project is not None
        assert base.project.loaded.display_path == head.loaded.display_path == (
            f"repo/{MODEL_REL}")
        assert base.project.policy.policy_display == head.policy.policy_display
