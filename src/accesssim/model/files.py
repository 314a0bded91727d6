"""Read one input file (model YAML, Casbin .conf or .csv) as text, or refuse it with its line.

Every file the tool reads comes through here, so every input gets the same guarantees: only
regular files (a FIFO would block forever, ``/dev/zero`` would fill the memory), at most
``MAX_INPUT_BYTES``, UTF-8, and no control characters, which YAML, Casbin and Python count
as line breaks differently or not at all (so line numbers would disagree between tools).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

from accesssim.errors import InputError

#: The largest input file accepted: far above any real model (utility scale is a few MiB).
MAX_INPUT_BYTES = 64 * 1024 * 1024

#: Characters refused anywhere in an input file: C0 controls but tab, LF and CR; DEL; C1
#: controls (U+0085 is a line break to YAML and Python but not to Casbin); the Unicode line
#: and paragraph separators (line breaks to Python only); and the non-characters U+FFFE/FFFF.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")

_BOM = "\ufeff"
#: Why a byte order mark is refused in the Casbin files (``read_input_text(bom=...)``).
CSV_BOM = ("file starts with a UTF-8 BOM: Casbin would drop this line silently; "
           "save the file without a BOM")
CONF_BOM = ("file starts with a UTF-8 BOM: Casbin cannot parse the first section header; "
            "save the file without a BOM")


def line_number(text: str, index: int) -> int:
    """1-based line of ``text[index]`` when no control character comes before it."""
    return len(text[: index + 1].splitlines())


def describe_os_error(exc: OSError | ValueError) -> str:
    """What went wrong opening a path, in words (no errno numbers)."""
    if isinstance(exc, ValueError):  # an embedded NUL in the path itself
        return "the path contains a NUL character"
    if exc.errno == errno.ENOENT:
        return "file not found"
    if exc.errno == errno.ELOOP:
        return "the path is a loop of symbolic links"
    if exc.errno == errno.ENAMETOOLONG:
        return "the path is longer than the file system allows"
    if exc.errno == errno.EISDIR:
        return "not a regular file (a directory)"
    return f"cannot read: {exc.strerror or exc}"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def _read_bytes(path: Path, shown: str) -> bytes:
    """The file's bytes; refuses anything but a regular file of at most MAX_INPUT_BYTES."""
    try:
        # O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError) as exc:
        raise InputError.single(shown, 0, describe_os_error(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError.single(
                shown, 0, f"not a regular file ({_kind(info.st_mode)}): give a file's path")
        if info.st_size > MAX_INPUT_BYTES:
            raise InputError.single(shown, 0, _too_big(info.st_size))
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise InputError.single(shown, 0, describe_os_error(exc)) from None
    finally:
        os.close(fd)
    if len(data) > MAX_INPUT_BYTES:  # the file grew while we read it
        raise InputError.single(shown, 0, _too_big(len(data)))
    return data


def _too_big(size: int) -> str:
    return (f"file too large: {size:,} bytes, over the {MAX_INPUT_BYTES // (1024 * 1024)} MiB "
            "limit for an input file")


def read_input_text(path: Path, shown: str, *, bom: str | None = None,
                    keep_bom: bool = False) -> str:
    """The text of an input file, checked; problems are InputErrors citing ``shown`` and a line.

    A UTF-8 byte order mark is dropped, unless ``bom`` is given: then it is refused at line 1
    with ``bom`` as the message (a file whose reader would misread it); with ``keep_bom`` it
    is kept, for a caller that reports it among other problems.
    """
    raw = _read_bytes(path, shown)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError.single(
            shown, line, f"not UTF-8 text ({exc.reason} at byte {exc.start}): save it as UTF-8"
        ) from None
    if text.startswith(_BOM):
        if bom is not None:
            raise InputError.single(shown, 1, bom)
        if not keep_bom:
            text = text[1:]
    bad = CONTROL.search(text)
    if bad is not None:
        raise InputError.single(
            shown, line_number(text, bad.start()),
            f"control character U+{ord(bad.group()):04X} is not allowed in an input file "
            "(remove it or write it as an escape)")
    return text
