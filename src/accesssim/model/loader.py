"""Read a model YAML safely, with line numbers, and check every reference in it.

Safety: only plain YAML is read (a ``yaml.SafeLoader`` without tags, aliases or merge keys;
CI runs this on untrusted pull requests), duplicate keys are refused (PyYAML would silently
keep the last one), and file references must stay inside the project root (by default the git
work tree holding the model). Every refusal carries its line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from accesssim.errors import InputError, Problem
from accesssim.model import fastyaml
from accesssim.model.database import PolicySource, policy_source
from accesssim.model.files import CONTROL, read_input_text
from accesssim.model.include import (
    check_row_sources,
    merge_includes,
    resolve_inside,
    row_citation,
)
from accesssim.model.provenance import Source
from accesssim.model.references import check_references, model_warnings
from accesssim.model.schema import SystemModel

LINE_KEY = fastyaml.LINE_KEY  # "__line__"
KEYS_KEY = fastyaml.KEYS_KEY  # "__keys__"
#: Keys the loader adds to every mapping; a user key of the same name is refused.
FILE_KEY = fastyaml.FILE_KEY  # "__file__"
RESERVED_KEYS = (LINE_KEY, KEYS_KEY, FILE_KEY)
#: ``progress(done, total)``: told how far a long step has come.
Progress = Callable[[int, int], None]

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_KINDS = {
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "a date",
}


def _refuse(node: yaml.Node, message: str) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, message, node.start_mark)


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader for plain YAML only: maps, lists, strings, numbers, booleans, dates, null.

    It records each mapping's line and refuses what would make two readers disagree:
    duplicate keys (PyYAML keeps the last), merge keys (``<<``, which hide duplicates),
    explicit tags (``!!set``, ``!!binary``, ...), aliases (``*name``: a value written once and
    read many times), keys that are not words, and the loader's own marker keys.
    """

    progress: Progress | None = None  # told how far the reading has come (read_yaml)
    text_length = 1
    mappings = 0

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _refuse(node, "the value at this line is used again through an alias "
                                "(*name); aliases are not allowed: write the value out")
        expected = self._implicit_tag(node)
        if node.tag != expected:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise _refuse(node, f"explicit tag {tag} is not allowed: "
                                "write plain YAML (maps, lists, words, numbers, dates)")
        if node.tag == _BOOL and node.value.lower() not in ("true", "false"):
            raise _refuse(node, f"{node.value!r} is a boolean to some YAML readers and a word "
                                "to others: write true or false (or quote a word)")
        if node.tag == _INT and not _DECIMAL.fullmatch(node.value):
            raise _refuse(node, f"{node.value!r} is a number to some YAML readers (octal, "
                                "sexagesimal, ...) and not to others: write it in plain decimal "
                                "digits (or quote a word)")
        try:
            value = super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:  # e.g. 2023-02-30, 0000-01-01
            raise _refuse(node, f"cannot read {node.value!r}: {exc}") from None
        if isinstance(value, str) and (bad := CONTROL.search(value)) is not None:
            raise _refuse(node, f"control character U+{ord(bad.group()):04X} in a value")
        return value

    def _implicit_tag(self, node: yaml.Node) -> str:
        """The tag the node would have without an explicit one (memoised: ids repeat a lot)."""
        if isinstance(node, yaml.ScalarNode):
            plain = not node.style  # None (Python parser) or '' (C parser)
            memo: dict[tuple[str, bool], str] = self.__dict__.setdefault("_tag_memo", {})
            key = (node.value, plain)
            if key not in memo:
                memo[key] = str(self.resolve(yaml.ScalarNode, node.value, (plain, not plain)))
            return memo[key]
        return str(self.resolve(type(node), None, (True, False)))

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _refuse(key_node, "mapping keys must be plain words, not lists or mappings")
            key = key_node.value
            if key_node.tag == _MERGE:
                raise _refuse(key_node, "merge keys (<<) are not allowed: write the keys out")
            if key_node.tag != _STR and key_node.tag == self._implicit_tag(key_node):
                kind = _KINDS.get(key_node.tag, key_node.tag)
                raise _refuse(key_node, f"key {key!r} is read as {kind}, not a word: quote it")
            if key in RESERVED_KEYS:
                raise _refuse(key_node, f"key {key!r} is reserved for the loader")
            if key in seen:
                raise _refuse(key_node, f"duplicate key {key!r} (first at line {seen[key]})")
            seen[key] = key_node.start_mark.line + 1
        mapping = super().construct_mapping(node, deep=deep)
        self.mappings += 1
        if self.progress is not None and self.mappings % 1000 == 0:
            self.progress(node.start_mark.index, self.text_length)
        mapping[LINE_KEY] = node.start_mark.line + 1
        mapping[KEYS_KEY] = {str(k): line for k, line in seen.items()}
        return mapping  # type: ignore[no-any-return]


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)


@dataclass(frozen=True)
class LoadedModel:
    """A validated model with the paths it was read from (for provenance)."""

    model: SystemModel
    path: Path
    root: Path
    display_path: str
    casbin_model_path: Path
    casbin_policy_path: Path
    #: Input that is accepted but probably a mistake (``validate`` shows them), with lines.
    warnings: tuple[Problem, ...] = ()
    #: The files ``include`` names, as shown (relative to the root), in include order.
    includes: tuple[str, ...] = ()
    #: The policy's table when it is held in a database (then ``casbin_policy_path`` is the
    #: sqlite file, or the model file for a server).
    policy_database: PolicySource | None = None

    def cite(self, element: Any) -> Source:
        """What a fact about ``element`` rests on: its inventory row when it was imported,
        else its line in the YAML file it was read from."""
        holder = element.yaml_file or self.display_path
        source = getattr(element, "origin", None)
        if source is not None:
            return row_citation(holder, source)
        return Source(holder, element.line)

    def at(self, element: Any, key: str | None = None) -> Source:
        """The YAML line of ``element`` (or of one of its keys), in its own file."""
        line = element.line if key is None else element.line_of(key)
        return Source(element.yaml_file or self.display_path, line)

    def display(self, path: Path) -> str:
        """A path as users see it: relative to the project root."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        return str(path)


def default_root(model_path: Path) -> Path:
    """The git work tree holding the model (nearest folder up with a ``.git``), else its folder."""
    folder = model_path.absolute().parent
    try:
        folder = folder.resolve()
    except (OSError, RuntimeError, ValueError):
        return folder
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def read_yaml(path: Path, shown: str, progress: Progress | None = None) -> Any:
    """Parse YAML safely; every problem becomes an InputError with the line.

    ``progress(done, total)`` is told how many characters have been read into values.
    """
    return parse_yaml(read_input_text(path, shown), shown, progress)


def parse_yaml(text: str, shown: str, progress: Progress | None = None, *,
               fast: bool = True) -> Any:
    """``read_yaml`` on a text already read; ``fast=False`` uses only the careful loader.

    The fast path (``fastyaml``) builds the same data for the common shapes in a tenth of
    the time, and leaves everything else, and every problem to report, to the careful loader.
    """
    if fast:
        progress = fastyaml.never_back(progress) if progress is not None else None
        try:
            data = fastyaml.load(text, progress)
        except fastyaml.Unsupported:
            pass
        else:
            if progress is not None:
                progress(len(text), max(len(text), 1))
            return data
    loader = _LineLoader(text)  # a SafeLoader subclass
    loader.progress = progress
    loader.text_length = max(len(text), 1)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        message = f"YAML error: {exc.problem or exc}"
        if exc.context and exc.context_mark is not None:
            message += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise InputError.single(shown, line, message) from None
    except yaml.YAMLError as exc:
        raise InputError.single(shown, 0, f"YAML error: {exc}") from None
    finally:
        loader.dispose()


def line_at(data: Any, loc: Iterable[Any]) -> int:
    """The line of the deepest key or mapping along a validation-error location."""
    return where_at(data, loc, "")[1]


def where_at(data: Any, loc: Iterable[Any], shown: str) -> tuple[str, int]:
    """The file and line of the deepest key or mapping along a validation-error location
    (a mapping read from an included file names that file; ``shown`` is the root's name)."""
    line = data.get(LINE_KEY, 0) if isinstance(data, dict) else 0
    file = data.get(FILE_KEY, shown) if isinstance(data, dict) else shown
    node = data
    for part in loc:
        if isinstance(node, dict):
            line = node.get(KEYS_KEY, {}).get(str(part), line)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and LINE_KEY in node:
            line, file = node[LINE_KEY], node.get(FILE_KEY, shown)
    return file, int(line)


def _validation_problems(exc: ValidationError, data: Any, shown: str) -> list[Problem]:
    problems = []
    for err in exc.errors():
        union_tags = {"list[str]", "literal['any']"}
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p in union_tags)]
        where = ".".join(str(p) for p in _local(data, loc)) or "(top level)"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        elif err["type"] == "date_type" and isinstance(err.get("input"), str):
            message += " (write the date unquoted, as YYYY-MM-DD)"
        file, line = where_at(data, loc, shown)
        problems.append(Problem(file, line, f"{where}: {message}"))
    return problems


def _local(data: Any, loc: list[Any]) -> list[Any]:
    """``loc`` as its file numbers it: a list item read from an included file is counted
    among that file's items (the merged list holds the root's items first)."""
    items = data.get(loc[0]) if loc and isinstance(data, dict) else None
    if len(loc) < 2 or not isinstance(items, list) or not isinstance(loc[1], int) \
            or not 0 <= loc[1] < len(items) or not isinstance(items[loc[1]], dict):
        return loc
    origin = items[loc[1]].get(FILE_KEY)
    index = sum(1 for item in items[:loc[1]]
                if isinstance(item, dict) and item.get(FILE_KEY) == origin)
    return [loc[0], index, *loc[2:]]


def _casbin_paths(model: SystemModel, path: Path, root: Path, shown: str
                  ) -> tuple[Path, Path, PolicySource | None]:
    """The Casbin model file, and the policy CSV or the database table holding the policy
    (model/database.py), relative to the model file that names them. For a database,
    the path is the sqlite file, or the model file for a server."""
    casbin = model.casbin
    holder = casbin.yaml_file or shown
    base = (root / casbin.yaml_file).parent if casbin.yaml_file else path.resolve().parent
    conf = resolve_inside(base, casbin.model, root, holder, casbin.line_of("model"))
    db = casbin.database
    if db is None:
        assert casbin.policy is not None  # the schema wants exactly one of the two
        return conf, resolve_inside(base, casbin.policy, root, holder,
                                    casbin.line_of("policy")), None
    source = policy_source(db.url, table=db.table, password_env=db.password_env, base=base,
                           root=root, shown=holder, line=db.line_of("url"))
    return conf, source.sqlite_path or path.resolve(), source


def load_model(path: Path, root: Path | None = None,
               progress: Progress | None = None) -> LoadedModel:
    """Load, validate and cross-check a model file; raise InputError listing every problem.

    ``root`` defaults to the git work tree holding the model, else the model's folder;
    ``progress(done, total)`` follows the reading of the YAML (the longest step).
    """
    root = (root or default_root(path)).resolve()
    shown = display_path(path, root)
    try:
        inside = path.resolve().is_relative_to(root)
    except (OSError, RuntimeError, ValueError):
        inside = True  # the reader names what is wrong with the path
    if not inside:
        raise InputError.single(
            shown, 0, f"model file is outside the project root {root}; pass --root DIR with a "
            "folder that holds it, or leave --root out")
    data = read_yaml(path, shown, progress)
    if not isinstance(data, dict):
        raise InputError.single(shown, 1, "the model must be a YAML mapping")
    data, includes = merge_includes(data, path, root, shown, read_yaml)
    try:
        model = SystemModel.model_validate(data)
    except ValidationError as exc:
        raise InputError(_validation_problems(exc, data, shown)) from None
    problems = [*check_references(model, shown), *check_row_sources(_sourced(model), shown)]
    if problems:
        raise InputError(problems)
    conf, csv, database = _casbin_paths(model, path, root, shown)
    return LoadedModel(model, path.resolve(), root, shown, conf, csv,
                       tuple(sorted(model_warnings(model, shown))), includes, database)


def _sourced(model: SystemModel) -> list[Any]:
    """The kinds of element that may carry an inventory ``source``."""
    return [*model.organizations, *model.people, *model.locations, *model.accounts,
            *model.terminals]


def load_model_as(known: LoadedModel, path: Path, root: Path | None = None
                  ) -> LoadedModel | None:
    """``load_model(path, root)`` for a file holding the very bytes ``known`` was read from,
    without reading them again: parsing, validation and the reference checks depend only on
    those bytes and the name the file is shown by, so they are ``known``'s when that name is
    the same (None when it is not). The Casbin references are resolved afresh from ``path``.
    A model with ``include`` is read again: its other files may differ."""
    root = (root or default_root(path)).resolve()
    shown = display_path(path, root)
    if (shown != known.display_path or known.includes
            or not path.resolve().is_relative_to(root)):
        return None
    conf, csv, database = _casbin_paths(known.model, path, root, shown)
    return LoadedModel(known.model, path.resolve(), root, shown, conf, csv, known.warnings,
                       (), database)
