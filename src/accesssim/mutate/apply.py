"""A mutant as a project: its edited files written to a scratch folder and loaded again.

The scratch folder repeats the project's layout (model, Casbin model and policy at the same
paths relative to the root), so every ``file:line`` the mutant's analysis cites reads as in
the real project. What is reused, and why it is exact: when no edit touches the Casbin files,
the mutant's ``LoadedPolicy`` is the original's. Loading it again would read the same two
texts with the same modes (no operator edits ``modes:``) and try the same trial request (no
operator edits accounts' systems or screens), so it would build the same rules and enforcer.
Everything else (the model, the Casbin decisions over its accounts and screens, the graph,
the search) is computed afresh for every mutant.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from accesssim.engine import Project, load_project, require_one_file
from accesssim.errors import AccessSimError
from accesssim.model.loader import load_model
from accesssim.mutate import edits
from accesssim.mutate.operators import Mutant, read_text


def files(project: Project) -> dict[str, Path]:
    """The project's files by their path relative to the root (how edits name them)."""
    require_one_file(project)
    loaded, policy = project.loaded, project.policy
    return {loaded.display_path: loaded.path, policy.model_display: policy.model_path,
            policy.policy_display: policy.policy_path}


def reuses_policy(project: Project, mutant: Mutant) -> bool:
    """True when no edit touches the Casbin files (the policy is then reused, see above)."""
    return not (mutant.touches(project.policy.policy_display)
                or mutant.touches(project.policy.model_display))


@contextlib.contextmanager
def materialised(project: Project, mutant: Mutant) -> Iterator[Project]:
    """The mutant loaded from a scratch copy of the project's files (removed afterwards).

    Raises InputError when the loader refuses the edited files.
    """
    for shown in files(project):
        if Path(shown).is_absolute() or ".." in Path(shown).parts:
            raise AccessSimError(f"{shown}: outside the project root; cannot copy it")
    folder = Path(tempfile.mkdtemp(prefix="accesssim-mutant-"))
    try:
        for shown, path in files(project).items():
            target = folder / shown
            target.parent.mkdir(parents=True, exist_ok=True)
            mine = [e for e in mutant.edits if e.file == shown]
            with target.open("w", encoding="utf-8", newline="") as handle:
                handle.write(edits.apply(read_text(path), mine))
        model = folder / project.loaded.display_path
        if reuses_policy(project, mutant):
            yield Project(load_model(model, folder), project.policy)
        else:
            yield load_project(model, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
