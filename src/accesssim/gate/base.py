"""The base version of a model: read from git at a ref (no checkout) or from a second path,
and which lines of HEAD's files differ from it.

``--base-ref REF``: the model YAML at REF, then the Casbin files that THE BASE YAML names
(resolved as the loader does), each read with ``git show REF:path`` and written at the same
place relative to the project root in a temporary folder; the real loader reads them there,
so every citation reads like the repository's own paths. A model absent at REF is an empty
base (a pull request adding a model); anything else missing at REF is an error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path, PurePosixPath
from typing import Literal

from accesssim.engine import Project, load_project, require_one_file
from accesssim.errors import AccessSimError, InputError, Problem
from accesssim.model.database import refuse_database
from accesssim.model.loader import KEYS_KEY, default_root, parse_yaml
from accesssim.model.provenance import Source
from accesssim.suite.suite import other_format

#: The files of one model version, by role: its counterpart in the other version has the same.
Role = Literal["model", "conf", "policy"]
ROLES: tuple[Role, ...] = ("model", "conf", "policy")


@dataclass(frozen=True)
class Texts:
    """One version's files by role: the path as users see it and the text's lines."""

    files: dict[Role, tuple[str, tuple[str, ...]]]

    def same_lines(self, other: Texts) -> bool:
        """The same files by role, line for line (what they are called aside)."""
        return self.files.keys() == other.files.keys() and all(
            self.files[role][1] == other.files[role][1] for role in self.files)


@dataclass(frozen=True)
class Base:
    """The base a HEAD model is compared with: its project (None: an empty base), what it is
    (``REF:path``, a path, or "" when empty), a note said in every output, and its texts."""

    project: Project | None
    label: str
    note: str | None
    texts: Texts


def project_texts(project: Project) -> Texts:
    """The lines of a loaded project's three files (as read now: the loader read them too)."""
    require_one_file(project)
    refuse_database(project.loaded.policy_database, "comparing versions (check, diff)",
                    project.loaded.at(project.loaded.model.casbin, "database"))
    shown = (project.loaded.display_path, project.policy.model_display,
             project.policy.policy_display)
    paths = (project.loaded.path, project.policy.model_path, project.policy.policy_path)
    return Texts({role: (name, _lines(path.read_bytes()))
                  for role, name, path in zip(ROLES, shown, paths, strict=True)})


def changed_lines(base: Texts, head: Texts) -> frozenset[Source]:
    """Every HEAD line that differs from its counterpart (same role) in the base; a file
    with no counterpart: all its lines. Lines moved count as changed (difflib's view)."""
    changed: set[Source] = set()
    for role, (name, lines) in head.files.items():
        before = base.files.get(role)
        numbers = range(len(lines)) if before is None else _differing(before[1], lines)
        changed.update(Source(name, n + 1) for n in numbers)
    return frozenset(changed)


def _differing(a: tuple[str, ...], b: tuple[str, ...]) -> list[int]:
    """Indexes of ``b``'s lines that are not matched in ``a`` (common ends trimmed first:
    most edits are small and files can be long)."""
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    matcher = SequenceMatcher(None, a[start:len(a) - end], b[start:len(b) - end],
                              autojunk=False)
    return [start + j for tag, _, _, j1, j2 in matcher.get_opcodes() if tag != "equal"
            for j in range(j1, j2)]


def _lines(raw: bytes) -> tuple[str, ...]:
    return tuple(raw.decode("utf-8", errors="replace").removeprefix("\ufeff").splitlines())


# -- reading the base from git ---------------------------------------------------------------


def _git(args: list[str], cwd: Path, stdin: bytes | None = None
         ) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True,
                              check=False)
    except FileNotFoundError:
        raise AccessSimError("--base-ref needs git, and no `git` command was found") from None
    except OSError as exc:
        raise AccessSimError(f"cannot run git: {exc.strerror or exc}") from None


def _stderr(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stderr.decode("utf-8", errors="replace").strip()


def git_toplevel(folder: Path) -> Path:
    """The work tree holding ``folder``; an error when there is none."""
    result = _git(["rev-parse", "--show-toplevel"], folder)
    if result.returncode != 0:
        raise AccessSimError(f"--base-ref: {folder} is not inside a git repository "
                             f"({_stderr(result) or 'git rev-parse failed'})")
    return Path(result.stdout.decode("utf-8", errors="surrogateescape").strip()).resolve()


def check_ref(ref: str, top: Path) -> None:
    """REF must name a commit of this repository."""
    if ref.startswith("-"):
        raise AccessSimError(f"--base-ref {ref!r}: not a git revision")
    result = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    if result.returncode != 0:
        raise AccessSimError(f"--base-ref {ref!r}: no such commit in the git repository at "
                             f"{top} (fetch it first, e.g. `git fetch origin {ref}`)")


def _show(ref: str, path: PurePosixPath, top: Path) -> bytes | None:
    """The file's bytes at REF as the loader would read them in a checkout (no filters),
    symbolic links followed inside the tree as the loader follows them; None when REF has
    no such file (or a folder there, or a link to nothing). A link leaving the repository
    cannot be read at REF: an error."""
    spec = f"{ref}:{path.as_posix()}"
    if "\n" in spec:
        raise AccessSimError(f"cannot read {spec!r} from git: a line break in the path")
    result = _git(["cat-file", "--batch", "--follow-symlinks"], top,
                  spec.encode("utf-8", errors="surrogateescape") + b"\n")
    if result.returncode != 0:
        raise AccessSimError(f"cannot read {spec} from git: {_stderr(result)}")
    head, _, rest = result.stdout.partition(b"\n")
    words = head.split(b" ")
    if words[0] == b"symlink":
        target = rest[:int(words[1])].decode("utf-8", errors="replace")
        raise AccessSimError(f"cannot read {spec} from git: a symbolic link to {target}, "
                             "outside the repository")
    if len(words) != 3 or words[1] != b"blob":
        return None  # missing, a folder, a dangling link or a loop: no such file at REF
    return rest[:int(words[2])]


def _inside(path: Path, top: Path) -> PurePosixPath | None:
    """``path`` relative to the work tree, normalised as the loader resolves it (None: it
    leaves the work tree, so git has no version of it)."""
    normal = Path(os.path.normpath(path.absolute()))
    try:
        return PurePosixPath(normal.relative_to(top).as_posix())
    except ValueError:
        try:
            return PurePosixPath(path.resolve().relative_to(top).as_posix())
        except (ValueError, OSError, RuntimeError):
            return None


def renames_since(ref: str, top: Path) -> dict[PurePosixPath, PurePosixPath]:
    """Files git sees as renamed between REF and the work tree: new path -> path at REF."""
    result = _git(["diff", "-M", "--name-status", "-z", "--no-ext-diff", "--no-color",
                   "--no-relative", ref, "--"], top)
    if result.returncode != 0:
        raise AccessSimError(f"cannot compare {ref} with the work tree in git: "
                             f"{_stderr(result)}")
    fields = result.stdout.split(b"\0")
    renames: dict[PurePosixPath, PurePosixPath] = {}
    index = 0
    while index < len(fields) - 1:
        status = fields[index]
        if status.startswith(b"R") and index + 2 < len(fields):
            old, new = (PurePosixPath(f.decode("utf-8", errors="surrogateescape"))
                        for f in fields[index + 1:index + 3])
            renames[new] = old
            index += 3
        else:
            index += 3 if status[:1] == b"C" else 2
    return renames


def removed_at_ref(ref: str, paths: list[Path], files: list[Path], top: Path) -> list[str]:
    """Scenario files under ``paths`` at REF (as ``discover`` finds them: ``.yaml``/``.yml``
    under a folder, a file named itself) that ``files`` (HEAD's) no longer holds: a scenario
    deleted, renamed away or moved out of the gate's sight. Work-tree paths, sorted."""
    here = {rel for f in files if (rel := _inside(f, top)) is not None}
    wanted = [(rel, p.is_file()) for p in paths if (rel := _inside(p, top)) is not None]
    if not wanted:
        return []
    result = _git(["--literal-pathspecs", "ls-tree", "-r", "-z", ref, "--",
                   *(rel.as_posix() for rel, _ in wanted)], top)
    if result.returncode != 0:
        raise AccessSimError(f"cannot list {ref} in git: {_stderr(result)}")
    removed = set()
    for entry in result.stdout.split(b"\0"):
        meta, _, name = entry.partition(b"\t")
        if meta.split(b" ")[1:2] != [b"blob"]:
            continue
        rel = PurePosixPath(name.decode("utf-8", errors="surrogateescape"))
        scenario = any(rel == w if is_file else rel.suffix in (".yaml", ".yml")
                       for w, is_file in wanted)
        if scenario and rel not in here and not _other_format_at(ref, rel, top):
            removed.add(rel.as_posix())
    if removed:  # a scenario renamed to one HEAD has is compared with its old self
        removed -= {old.as_posix() for new, old in renames_since(ref, top).items()
                    if new in here}
    return sorted(removed)


def _other_format_at(ref: str, rel: PurePosixPath, top: Path) -> bool:
    """The file at REF is a change set (or another format's file), no scenario: ``discover``
    passes over it in a folder, at REF as in the work tree."""
    shown = _git(["--literal-pathspecs", "show", f"{ref}:{rel.as_posix()}"], top)
    text = shown.stdout[:65536].decode("utf-8", errors="replace")
    return shown.returncode == 0 and other_format(text.splitlines())


@contextmanager
def base_at_ref(model: Path, ref: str, root: Path | None = None,
                head: Project | None = None) -> Iterator[Base]:
    """The base version of ``model`` at git REF, loaded from a temporary folder that lives
    as long as the context (``root``: the project root HEAD is loaded with). ``head``: HEAD's
    project; when the model YAML reads byte for byte the same at REF, its parsed and checked
    model is reused (``load_model_as``) instead of reading the YAML again."""
    top = git_toplevel(model.absolute().parent)
    check_ref(ref, top)
    root = (root or default_root(model)).resolve()
    model_rel = _inside(model, top)
    if model_rel is None:
        raise AccessSimError(f"--base-ref: {model} is outside the git work tree {top}")
    label = f"{ref}:{model_rel}"
    model_bytes = _show(ref, model_rel, top)
    note = None
    if model_bytes is None and (old := renames_since(ref, top).get(model_rel)) is not None:
        model_bytes = _show(ref, old, top)  # a model renamed: its base is its old self
        note = f"{model_rel} is {old} at {ref} (renamed): compared with that"
        model_rel, label = old, f"{ref}:{old}"
    if model_bytes is None:
        yield Base(None, "", f"{model_rel} does not exist at {ref}: empty base (a new model)",
                   Texts({}))
        return
    folder = Path(tempfile.mkdtemp(prefix="accesssim-base-")).resolve()
    try:
        # The same layout under the temporary folder as under the real root.
        if top.is_relative_to(root):
            tree, temp_root = folder / top.relative_to(root), folder
        elif root.is_relative_to(top):
            tree, temp_root = folder, folder / root.relative_to(top)
        else:
            tree, temp_root = folder, folder
        temp_root.mkdir(parents=True, exist_ok=True)
        _place(tree / model_rel, model_bytes)
        known = head.loaded if head is not None and _reads(head.loaded.path, model_bytes) \
            else None
        names = (_casbin_names(model_bytes, label) if known is None else
                 [(name, known.model.casbin.key_lines.get(key, 0)) for key, name in
                  (("model", known.model.casbin.model), ("policy", known.model.casbin.policy))])
        for rel in _casbin_files(names, model_rel, top):
            data = _show(ref, rel[0], top)
            if data is None:
                raise InputError.single(label, rel[1], f"{rel[0]} does not exist at {ref}, "
                                        "though the model names it there")
            _place(tree / rel[0], data)
        try:
            project = load_project(tree / model_rel, temp_root, known=known)
        except InputError as exc:  # say which version is wrong: HEAD's may be fine
            raise InputError([Problem(f"{ref}:{p.file}", p.line, p.message)
                              for p in exc.problems]) from None
        yield Base(project, label, note, project_texts(project))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _place(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _reads(path: Path, data: bytes) -> bool:
    """The file holds exactly these bytes now."""
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def _casbin_names(model_bytes: bytes, label: str) -> list[tuple[object, int]]:
    """The Casbin file names the base YAML gives (anything, as written) with their lines.
    Anything unreadable is left to the loader, which says what is wrong with the file."""
    try:
        data = parse_yaml(model_bytes.decode("utf-8"), label)
    except (UnicodeDecodeError, InputError):
        return []
    casbin = data.get("casbin") if isinstance(data, dict) else None
    if not isinstance(casbin, dict):
        return []
    return [(casbin.get(key), int(casbin.get(KEYS_KEY, {}).get(key, 0)))
            for key in ("model", "policy")]


def _casbin_files(names: Sequence[tuple[object, int]], model_rel: PurePosixPath, top: Path
                  ) -> list[tuple[PurePosixPath, int]]:
    """The Casbin files named (work-tree paths) with the lines naming them."""
    found = []
    for name, line in names:
        if isinstance(name, str) and name and "\0" not in name:
            rel = _inside(top / model_rel.parent / name, top)
            if rel is not None:
                found.append((rel, line))
    return found


@contextmanager
def base_at_path(path: Path, root: Path | None = None) -> Iterator[Base]:
    """The base version given as a second model file."""
    project = load_project(path, root)
    yield Base(project, project.loaded.display_path, None, project_texts(project))
