"""Writing files so that a failed or interrupted run never leaves half a file behind."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from accesssim.errors import AccessSimError


def _reason(exc: OSError, path: Path) -> str:
    why = exc.strerror or str(exc)
    where = exc.filename
    return f"{why} ({where})" if where and str(where) != str(path) else why


def prepare_folder(folder: Path, target: Path) -> bool:
    """Make ``folder`` exist for writing ``target``; True if it had to be created.

    An ancestor that is a file is named, rather than left to a cryptic OS error.
    """
    for above in (folder, *folder.parents):
        if above.exists() and not above.is_dir():
            raise AccessSimError(f"cannot write {target}: {above} is a file, not a folder")
    if folder.is_dir():
        return False
    try:
        folder.mkdir(parents=True)
    except OSError as exc:
        raise AccessSimError(f"cannot write {target}: {_reason(exc, folder)}") from exc
    return True


def is_read_only(path: Path) -> bool:
    """No write permission bit at all: the owner marked the file read-only (even for root)."""
    return path.exists() and not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def refuse_inputs(target: Path, inputs: Iterable[Path]) -> None:
    """An output must never replace a file the run reads (a model, its Casbin files)."""
    for source in sorted(set(inputs)):
        same = target.resolve() == source.resolve() or (
            target.exists() and source.exists() and os.path.samefile(target, source))
        if same:
            raise AccessSimError(f"cannot write {target}: it is an input of this run "
                                 f"({source}); choose another file")


def _write_into(path: Path, text: str | bytes) -> None:
    """A device or pipe (``/dev/null``, ``/dev/stdout``, a FIFO) is written into, not replaced."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        with open(path, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise AccessSimError(f"cannot write {path}: {_reason(exc, path)}") from exc


def _special(path: Path) -> bool:
    return path.exists() and not path.is_file() and not path.is_dir()


def write_atomically(path: Path, text: str | bytes) -> None:
    """Replace ``path`` with ``text`` (or bytes, e.g. a PNG) in one step, keeping an existing
    file's mode."""
    write_all([(path, text)])


def write_all(items: list[tuple[Path, str]] | list[tuple[Path, str | bytes]]) -> None:
    """Write the outputs of one run all or none, as far as files allow: devices and pipes
    (``/dev/null``, a FIFO) first, as they cannot be taken back; then each regular file is
    staged beside its target, and only when every one is staged are they moved into place.
    An existing file's mode is kept."""
    for path, text in items:
        if _special(path):
            _write_into(path, text)
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in items:
            if not _special(path):
                staged.append((_stage(path, text), path))
        for tmp, path in staged:
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise AccessSimError(f"cannot write {path}: {_reason(exc, path)}") from exc
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)


def _stage(path: Path, text: str | bytes) -> str:
    """``text`` in a new hidden file beside ``path``, with the mode ``path`` will have."""
    prepare_folder(path.parent, path)
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask  # mkstemp makes 0600; give a new file the usual mode
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise AccessSimError(f"cannot write {path}: {_reason(exc, path)}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
        os.chmod(tmp, mode)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise AccessSimError(f"cannot write {path}: {_reason(exc, path)}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


@contextmanager
def stage_folder(target: Path) -> Iterator[Path]:
    """A hidden folder inside ``target`` to write into; on success its files move up into
    ``target``, on failure it is removed (and ``target`` too if this call created it)."""
    created = prepare_folder(target, target)
    try:
        staging = Path(tempfile.mkdtemp(dir=target, prefix=".staging-"))
    except OSError as exc:
        raise AccessSimError(f"cannot write into {target}: {_reason(exc, target)}") from exc
    try:
        yield staging
        for item in sorted(staging.iterdir()):
            os.replace(item, target / item.name)
        staging.rmdir()
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            shutil.rmtree(target, ignore_errors=True)
        if isinstance(exc, OSError):
            raise AccessSimError(f"cannot write into {target}: {_reason(exc, target)}") from exc
        raise

