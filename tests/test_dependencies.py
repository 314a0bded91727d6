"""The ``casbin`` module must be pycasbin's: casbin-sqlalchemy-adapter depends on the older
``casbin`` distribution, and both install into the same ``casbin/`` folder."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata as metadata
from pathlib import Path


def _mismatched(dist: str) -> list[str]:
    """Files of ``dist``'s ``casbin/`` package whose bytes are not the ones it shipped."""
    found = metadata.distribution(dist)
    wrong = []
    for entry in found.files or []:
        if not str(entry).startswith("casbin/") or entry.hash is None:
            continue
        data = Path(str(found.locate_file(entry))).read_bytes()
        digest = base64.urlsafe_b64encode(hashlib.new(entry.hash.mode, data).digest())
        if digest.rstrip(b"=").decode() != entry.hash.value:
            wrong.append(str(entry))
    return wrong


def test_casbin_module_is_pycasbin() -> None:
    wrong = _mismatched("pycasbin")
    assert not wrong, (
        "the installed casbin/ package is not pycasbin's (the 'casbin' distribution that "
        f"casbin-sqlalchemy-adapter pulls in overwrote it): {wrong[:5]}; reinstall with "
        "`pip install --force-reinstall --no-deps pycasbin`")
