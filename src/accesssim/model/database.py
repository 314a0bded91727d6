"""Where a Casbin policy held in a database lives: the URL a user writes, checked and mapped to
the async driver the adapter needs, with the password only ever taken from the environment.

Users write ordinary URLs (``sqlite:///policy.db``, ``postgresql://user@host/db``); the adapter
(``casbin-async-sqlalchemy-adapter``) needs an async driver, so each dialect is mapped to the one
installed with accesssim. A password written in a URL is refused (model files are committed and
shown in reports); a URL is shown as the user wrote it, which then holds no password.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from accesssim.errors import InputError
from accesssim.model.provenance import Source

if TYPE_CHECKING:  # SQLAlchemy is imported only for a policy held in a database (0.3 s)
    from sqlalchemy.engine import URL

DEFAULT_TABLE = "casbin_rule"
#: Dialect -> (async driver SQLAlchemy names it by, the module to import, what to pip install).
_DRIVERS = {
    "sqlite": ("aiosqlite", "aiosqlite", "aiosqlite"),
    "postgresql": ("psycopg", "psycopg", "psycopg[binary]"),
    "mysql": ("aiomysql", "aiomysql", "aiomysql"),
    "mariadb": ("aiomysql", "aiomysql", "aiomysql"),
}
#: Query parameters a driver takes a secret from (``?password=`` works as well as ``user:pw@``).
SECRET_QUERY = ("password", "sslpassword")


@dataclass(frozen=True)
class PolicySource:
    """A policy table: the URL to connect with (no password), and how it is shown."""

    url: URL
    table: str
    password_env: str | None
    #: The URL as shown in every message: never holds a password.
    shown: str
    #: The sqlite file (absolute), None for a server.
    sqlite_path: Path | None

    def connect_url(self, environ: Mapping[str, str] | None = None) -> URL:
        """The URL with the password from the environment, for the engine only."""
        if self.password_env is None:
            return self.url
        env = os.environ if environ is None else environ
        password = env.get(self.password_env)
        if password is None:
            raise InputError.single(self.shown, 0, f"environment variable {self.password_env} "
                                    "(password_env) is not set")
        return self.url.set(password=password)


def hide_password(text: str) -> str:
    """A URL as it may be shown: any password replaced by ***."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(text)
        secrets = {key: "***" for key in url.query if key.lower() in SECRET_QUERY}
        return url.update_query_dict(secrets).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(an unreadable URL)"


def policy_source(text: str, *, table: str = DEFAULT_TABLE, password_env: str | None = None,
                  base: Path, root: Path | None = None, shown: str = "",
                  line: int = 0, must_exist: bool = True) -> PolicySource:
    """Check a URL and map it to its async driver; raise InputError at ``shown:line``.

    A sqlite path is relative to ``base`` (the folder of the file naming it) and must stay
    inside ``root`` (when given) and, when ``must_exist``, exist: sqlite would otherwise create
    an empty database and the policy would read as empty.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    def refuse(message: str) -> InputError:
        if not shown:  # a command-line URL: the citation already names it
            return InputError.single(hide_password(text), 0, message)
        return InputError.single(shown, line, f"database URL {hide_password(text)}: {message}")

    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise refuse("not a URL SQLAlchemy can read (e.g. sqlite:///policy.db, "
                     "postgresql://user@host/db)") from None
    if url.password is not None or any(key.lower() in SECRET_QUERY for key in url.query):
        raise refuse("holds a password; remove it and name an environment variable that holds "
                     "it (password_env, or --password-env on the command line)") from None
    if not table or not table.replace("_", "").isalnum():
        raise refuse(f"table name {table!r} must be letters, digits and underscores")
    backend = url.get_backend_name()
    if backend not in _DRIVERS:
        raise refuse(f"unsupported database {backend!r} (supported: "
                     f"{', '.join(sorted(_DRIVERS))})")
    driver, module, package = _DRIVERS[backend]
    if "+" in url.drivername and url.drivername != f"{backend}+{driver}":
        raise refuse(f"write the URL without a driver ({backend}://...): accesssim uses "
                     f"{backend}+{driver}")
    if importlib.util.find_spec(module) is None:
        raise refuse(f"no async driver for {backend} is installed: pip install {package}")
    url = url.set(drivername=f"{backend}+{driver}")
    path = None
    if backend == "sqlite":
        if password_env is not None:
            raise refuse("a sqlite file has no password: leave password_env out")
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            raise refuse("name a sqlite file (sqlite:///policy.db)")
        if url.query:  # ?mode=memory&uri=true would read or write another database
            raise refuse("a sqlite URL takes no options (?...): name the file only "
                         "(sqlite:///policy.db)")
        path = _sqlite_file(base, url.database, root, must_exist, refuse)
        url = url.set(database=str(path))
    return PolicySource(url, table, password_env, text, path)


def _sqlite_file(base: Path, name: str, root: Path | None, must_exist: bool,
                 refuse: Callable[[str], InputError]) -> Path:
    """The sqlite file: inside the root, and existing when it is to be read."""
    try:
        target = (base / name).resolve()
    except (OSError, RuntimeError, ValueError):
        raise refuse(f"cannot resolve the path {name!r}") from None
    if root is not None and not target.is_relative_to(root):
        raise refuse(f"the sqlite file escapes the project root {root}")
    if must_exist and not target.is_file():
        raise refuse(f"the sqlite file {name!r} " + (
            "is not a regular file" if target.exists() else "does not exist"))
    return target


def refuse_database(source: PolicySource | None, command: str, where: Source) -> None:
    """Tools that edit the policy CSV as text cannot edit a table: say how to get a CSV.
    ``where``: the ``database:`` key, in the model file holding ``casbin`` (maybe a part)."""
    if source is not None:
        raise InputError.single(where.file, where.line, (
            f"{command} works on the Casbin policy CSV as text, but this model's policy is held in "
            f"a database ({source.shown}, table {source.table}): write it to a CSV with "
            "`accesssim policy export --db URL -o policy.csv`, name that file as `policy:` in "
            "the model, and run this again"))
