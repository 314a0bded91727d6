"""Read a model YAML safely, with line numbers, and check every reference in it.

Safety: only ``yaml.SafeLoader`` constructs are allowed (CI runs this on untrusted pull
requests), duplicate keys are refused (PyYAML would silently keep the last one), and file
references must stay inside the project root.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from accesssim.errors import InputError, Problem
from accesssim.model import EXPECTATION_KINDS, SystemModel

LINE_KEY = "__line__"
KEYS_KEY = "__keys__"

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader that records each mapping's line and refuses duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "mapping keys must be plain words, not lists or mappings",
                    key_node.start_mark)
            key = key_node.value
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first at line {seen[key]})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        mapping = super().construct_mapping(node, deep=deep)
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

    def display(self, path: Path) -> str:
        """A path as users see it: relative to the project root."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def read_yaml(path: Path, shown: str) -> Any:
    """Parse YAML safely; syntax errors become a Problem with the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError.single(shown, 0, "file not found") from None
    except UnicodeDecodeError as exc:
        raise InputError.single(shown, 0, f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise InputError.single(shown, 0, f"cannot read: {exc.strerror}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        message = f"YAML error: {exc.problem or exc}"
        if exc.context and exc.context_mark is not None:
            message += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise InputError.single(shown, line, message) from None
    except yaml.YAMLError as exc:
        raise InputError.single(shown, 0, f"YAML error: {exc}") from None


def line_at(data: Any, loc: Iterable[Any]) -> int:
    """The line of the deepest key or mapping along a validation-error location."""
    line = data.get(LINE_KEY, 0) if isinstance(data, dict) else 0
    node = data
    for part in loc:
        if isinstance(node, dict):
            line = node.get(KEYS_KEY, {}).get(str(part), line)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and LINE_KEY in node:
            line = node[LINE_KEY]
    return int(line)


def _validation_problems(exc: ValidationError, data: Any, shown: str) -> list[Problem]:
    problems = []
    for err in exc.errors():
        union_tags = {"list[str]", "literal['any']"}
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p in union_tags)]
        where = ".".join(str(p) for p in loc) or "(top level)"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        problems.append(Problem(shown, line_at(data, loc), f"{where}: {message}"))
    return problems


def _resolve_inside(base: Path, ref: str, root: Path, shown: str, line: int) -> Path:
    target = (base / ref).resolve()
    if not target.is_relative_to(root):
        raise InputError.single(
            shown, line, f"file reference {ref!r} escapes the project root {root}"
        )
    if not target.is_file():
        raise InputError.single(shown, line, f"referenced file {ref!r} not found")
    return target


def load_model(path: Path, root: Path | None = None) -> LoadedModel:
    """Load, validate and cross-check a model file; raise InputError listing every problem."""
    root = (root or Path.cwd()).resolve()
    shown = display_path(path, root)
    if not path.resolve().is_relative_to(root):
        raise InputError.single(shown, 0, f"model file is outside the project root {root}")
    data = read_yaml(path, shown)
    if not isinstance(data, dict):
        raise InputError.single(shown, 1, "the model must be a YAML mapping")
    try:
        model = SystemModel.model_validate(data)
    except ValidationError as exc:
        raise InputError(_validation_problems(exc, data, shown)) from None
    problems = list(check_references(model, shown))
    if problems:
        raise InputError(problems)
    base = path.resolve().parent
    conf = _resolve_inside(base, model.casbin.model, root, shown, model.casbin.line_of("model"))
    csv = _resolve_inside(base, model.casbin.policy, root, shown, model.casbin.line_of("policy"))
    return LoadedModel(model, path.resolve(), root, shown, conf, csv)


def check_references(model: SystemModel, shown: str) -> Iterator[Problem]:
    """Unknown or duplicate ids and dangling references, each with its line."""
    ids: dict[str, set[str]] = {}
    owners: list[tuple[str, str, int]] = []
    groups: list[tuple[str, list[Any]]] = [
        ("organization", model.organizations),
        ("person", model.people),
        ("location", model.locations),
        ("account", model.accounts),
        ("terminal", model.terminals),
        ("system", model.systems),
        *(("field", s.fields) for s in model.systems),
        *(("screen", s.screens) for s in model.systems),
    ]
    for kind, items in groups:
        for item in items:
            owners.append((kind, item.id, item.line))
    counts = Counter(i for _, i, _ in owners)
    first_line: dict[str, int] = {}
    for kind, ident, line in owners:
        if counts[ident] > 1 and ident in first_line:
            yield Problem(
                shown, line, f"duplicate id {ident!r} (first at line {first_line[ident]})"
            )
        first_line.setdefault(ident, line)
        ids.setdefault(kind, set()).add(ident)

    def need(kind: str, ref: str | None, line: int, what: str) -> Iterator[Problem]:
        if ref is not None and ref not in ids.get(kind, set()):
            yield Problem(shown, line, f"{what} refers to unknown {kind} {ref!r}")

    def need_mode(modes: list[str] | None, line: int) -> Iterator[Problem]:
        for m in modes or []:
            if m not in model.modes:
                yield Problem(
                    shown, line, f"unknown mode {m!r} (declared: {', '.join(model.modes)})"
                )

    if len(set(model.modes)) != len(model.modes):
        yield Problem(shown, model.line_of("modes"), "a mode is listed twice in modes")
    if "normal" not in model.modes:
        yield Problem(shown, model.line, "modes must include 'normal'")
    for org in model.organizations:
        yield from need(
            "organization", org.affiliated_with, org.line_of("affiliated_with"), "affiliated_with"
        )
        for w in org.works_for:
            yield from need("organization", w, org.line_of("works_for"), "works_for")
    for grant in model.trust:
        yield from need_mode(grant.modes, grant.line_of("modes"))
        for o in grant.orgs:
            yield from need("organization", o, grant.line_of("orgs"), "trust.orgs")
        for p in grant.people:
            yield from need("person", p, grant.line_of("people"), "trust.people")
        for s in grant.systems:
            yield from need("system", s, grant.line_of("systems"), "trust.systems")
        for field_id in grant.fields or []:
            yield from need("field", field_id, grant.line_of("fields"), "trust.fields")
        if not grant.orgs and not grant.people:
            yield Problem(shown, grant.line, "a trust grant needs orgs or people")
    for person in model.people:
        yield from need_mode(person.modes, person.line_of("modes"))
        yield from need("organization", person.org, person.line_of("org"), "org")
        for loc_id in person.locations:
            yield from need("location", loc_id, person.line_of("locations"), "locations")
        for former in person.former_orgs:
            yield from need("organization", former.org, former.line_of("org"), "former_orgs")
    for place in model.locations:
        yield from need_mode(place.modes, place.line_of("modes"))
        yield from need("organization", place.owner, place.line_of("owner"), "owner")
        for o in place.open_to:
            yield from need("organization", o, place.line_of("open_to"), "open_to")
    for acc in model.accounts:
        yield from need_mode(acc.modes, acc.line_of("modes"))
        yield from need("person", acc.holder, acc.line_of("holder"), "holder")
        for s in acc.systems:
            yield from need("system", s, acc.line_of("systems"), "systems")
        for p in acc.known_by:
            yield from need("person", p, acc.line_of("known_by"), "known_by")
        yield from need("organization", acc.issued_by, acc.line_of("issued_by"), "issued_by")
    for term in model.terminals:
        yield from need_mode(term.modes, term.line_of("modes"))
        yield from need("location", term.location, term.line_of("location"), "location")
        yield from need("organization", term.owner, term.line_of("owner"), "owner")
        for p in term.assigned_to:
            yield from need("person", p, term.line_of("assigned_to"), "assigned_to")
        for s in term.systems:
            yield from need("system", s, term.line_of("systems"), "systems")
        for a in term.logged_in:
            yield from need("account", a, term.line_of("logged_in"), "logged_in")
        if term.accounts != "any":
            for a in term.accounts:
                yield from need("account", a, term.line_of("accounts"), "accounts")
    for system in model.systems:
        yield from need("organization", system.owner, system.line_of("owner"), "owner")
        own_fields = {f.id for f in system.fields}
        own_screens = {s.id for s in system.screens}
        for data_field in system.fields:
            for o in data_field.concerns:
                yield from need("organization", o, data_field.line_of("concerns"), "concerns")
        for screen in system.screens:
            yield from need_mode(screen.modes, screen.line_of("modes"))
            for shown_field in screen.shows:
                yield from need_mode(shown_field.modes, shown_field.line_of("modes"))
                if shown_field.field not in own_fields:
                    yield Problem(
                        shown,
                        shown_field.line_of("field"),
                        f"screen {screen.id!r} shows {shown_field.field!r}, "
                        f"which is not a field of system {system.id!r}",
                    )
        for tr in system.transitions:
            yield from need_mode(tr.modes, tr.line_of("modes"))
            for end in (tr.source, tr.target):
                if end not in own_screens:
                    yield Problem(
                        shown,
                        tr.line,
                        f"transition {tr.key!r}: {end!r} is not a screen of system {system.id!r}",
                    )
    yield from _check_expectations(model, shown, ids)
    for role in model.casbin.role_purposes:
        if not role:
            yield Problem(shown, model.casbin.line, "empty role name in role_purposes")


def _check_expectations(
    model: SystemModel, shown: str, ids: dict[str, set[str]]
) -> Iterator[Problem]:
    """Every expectation names one kind, known modes and existing elements."""
    who = ids.get("organization", set()) | ids.get("person", set())
    fields = ids.get("field", set())
    seen: dict[str, int] = {}
    for exp in model.expectations:
        line = exp.line
        if exp.id in seen:
            yield Problem(
                shown, line, f"duplicate expectation id {exp.id!r} (first at line {seen[exp.id]})"
            )
        seen.setdefault(exp.id, line)
        kinds = [k for k in EXPECTATION_KINDS if getattr(exp, k) is not None]
        if len(kinds) != 1:
            yield Problem(
                shown,
                line,
                f"expectation {exp.id!r} needs exactly one of "
                f"{', '.join(EXPECTATION_KINDS)} (has {len(kinds)})",
            )
            continue
        if exp.mode is not None and exp.mode not in model.modes:
            yield Problem(shown, line, f"unknown mode {exp.mode!r}")
        names: list[tuple[str, set[str], str]] = []
        if exp.finding:
            names += [(w, who, "from") for w in exp.finding.from_]
            names += [(f, fields, "fields") for f in exp.finding.fields]
        if exp.no_path:
            names += [(w, who, "from") for w in exp.no_path.from_]
            names += [(f, fields, "fields") for f in exp.no_path.fields or []]
            names += [(s, ids.get("system", set()), "systems") for s in exp.no_path.systems or []]
        if exp.exposed_fields:
            names += [(exp.exposed_fields.group, who, "group")]
            names += [(f, fields, "fields") for f in exp.exposed_fields.fields]
        if exp.who_can_see:
            names += [(exp.who_can_see.field, fields, "field")]
            names += [(p, ids.get("person", set()), "people") for p in exp.who_can_see.people]
        if exp.decision:
            d = exp.decision
            names += [
                (d.account, ids.get("account", set()), "account"),
                (d.system, ids.get("system", set()), "system"),
                (d.object, fields | ids.get("screen", set()), "object"),
            ]
        for name, known, key in names:
            if name not in known:
                yield Problem(
                    shown, line, f"expectation {exp.id!r}: {key} refers to unknown id {name!r}"
                )
