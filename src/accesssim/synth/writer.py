"""The model and policy text, written by hand so that every element has its own line."""

from __future__ import annotations

import datetime as dt
import json
import re

from accesssim.synth.spec import CONF_FILE, DISASTER_ROLE, NW, ORGANIZATIONS, POLICY_FILE
from accesssim.synth.state import (
    Builder,
)


def quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


_PLAIN = re.compile(r"^[a-z][a-z0-9_]*$")


_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _s(value: str) -> str:
    """A YAML scalar: plain when it is a safe identifier, JSON-quoted otherwise."""
    return value if _PLAIN.match(value) and value not in _RESERVED else quote(value)


def _list(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(_s(v) for v in values) + "]"


def _valid(start: dt.date | None, until: dt.date | None) -> str:
    parts = []
    if start is not None:
        parts.append(f"from: {start.isoformat()}")
    if until is not None:
        parts.append(f"until: {until.isoformat()}")
    return "{" + ", ".join(parts) + "}"


def _map(items: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"


DESCRIPTION = ("One grid company, its contractors, its affiliated retailer and a new retailer "
               "over three NW systems, with planted defects.")


def _scale(b: Builder) -> str:
    """The scale in the files' titles; nothing at scale 1, so those files stay as they were."""
    return f", scale {b.scale}" if b.scale != 1 else ""


def render_model(b: Builder) -> str:
    out: list[str] = [
        "# Synthetic model written by `accesssim generate` "
        f"(preset {b.p.name}, seed {b.seed}{_scale(b)}). Do not edit:",
        "# regenerate it. Defects are planted on purpose; elements marked 'planted:' are them.",
        "accesssim: 1",
        f"name: {quote(f'Synthetic utility model ({b.p.name}, seed {b.seed}{_scale(b)})')}",
        f"description: {quote(DESCRIPTION)}",
        "modes: [normal, disaster]",
        "",
        "organizations:",
    ]
    for oid, name, kind, affiliated, works_for in ORGANIZATIONS:
        items = [("id", oid), ("name", quote(name)), ("kind", kind)]
        if affiliated:
            items.append(("affiliated_with", affiliated))
        if works_for:
            items.append(("works_for", _list(works_for)))
        out.append(f"  - {_map(items)}")
    out += ["", "trust:"] + [f"  - {t}" for t in b.trust]
    out += ["", "people:"]
    for q in sorted(b.people, key=lambda q: q.id):
        items = [("id", q.id), ("name", quote(q.name)), ("org", q.org),
                 ("headcount", str(q.headcount)), ("locations", _list(q.locations))]
        if q.former:
            items.append(("former_orgs", f"[{{org: {q.former[0]}, until: "
                                         f"{q.former[1].isoformat()}}}]"))
        out.append(f"  - {_map(items)}")
    out += ["", "locations:"]
    for loc in b.locations:
        items = [("id", loc.id), ("name", quote(loc.name)), ("owner", loc.owner),
                 ("open_to", _list(loc.open_to))]
        out.append(f"  - {_map(items)}")
    out += ["", "accounts:"]
    for acc in sorted(b.accounts, key=lambda a: a.id):
        items = [("id", acc.id), ("holder", acc.holder), ("systems", _list(acc.systems))]
        if acc.known_by:
            items.append(("known_by", _list(acc.known_by)))
        if acc.valid_until:
            items.append(("valid", _valid(None, acc.valid_until)))
        if acc.note:
            items.append(("note", quote(acc.note)))
        out.append(f"  - {_map(items)}")
    out += ["", "terminals:"]
    for t in sorted(b.terminals, key=lambda t: t.id):
        items = [("id", t.id), ("location", t.location), ("owner", t.owner)]
        if t.assigned_to:
            items.append(("assigned_to", _list(t.assigned_to)))
        if t.open:
            items.append(("open", "true"))
        items.append(("systems", _list(t.systems)))
        if t.accounts is not None:
            items.append(("accounts", _list(t.accounts)))
        if t.logged_in:
            items.append(("logged_in", _list(t.logged_in)))
        if t.purpose:
            items.append(("purpose", t.purpose))
        if t.valid_from:
            items.append(("valid", _valid(t.valid_from, None)))
        if t.note:
            items.append(("note", quote(t.note)))
        out.append(f"  - {_map(items)}")
    out += ["", "systems:"]
    for sysm in b.systems:
        spec = sysm.spec
        out += [f"  - id: {spec.id}", f"    name: {quote(spec.name)}", f"    owner: {NW}",
                "    fields:"]
        for f in sorted(sysm.fields, key=lambda f: f.id):
            items = [("id", f.id), ("name", quote(f.name))]
            if f.public:
                items.append(("data_class", "public"))
            if f.concerns:
                items.append(("concerns", _list(f.concerns)))
            out.append(f"      - {_map(items)}")
        out.append("    screens:")
        for screen in sysm.screens:
            out += [f"      - id: {screen.id}", f"        name: {quote(screen.name)}"]
            if not screen.menu:
                out.append("        menu: false")
            if not screen.shows:
                out.append("        shows: []")
                continue
            out.append("        shows:")
            for d in screen.shows:
                items = [("field", d.field), ("masking", d.masking)]
                if d.purpose:
                    items.append(("purpose", d.purpose))
                if d.valid:
                    items.append(("valid", _valid(*d.valid)))
                if d.note:
                    items.append(("note", quote(d.note)))
                out.append(f"          - {_map(items)}")
        out.append("    transitions:")
        for tr in sorted(sysm.transitions, key=lambda t: (t.source, t.target)):
            items = [("from", tr.source), ("to", tr.target)]
            if not tr.checked:
                items.append(("checked", "false"))
            if tr.note:
                items.append(("note", quote(tr.note)))
            out.append(f"      - {_map(items)}")
    out += ["", "casbin:", f"  model: {CONF_FILE}", f"  policy: {POLICY_FILE}",
            f"  role_purposes: {{{DISASTER_ROLE}: disaster}}", ""]
    return "\n".join(out)


def render_policy(b: Builder) -> str:
    out = [f"# Synthetic policy written by `accesssim generate` (preset {b.p.name}, seed "
           f"{b.seed}{_scale(b)}).",
           "# Columns: p, sub, dom, obj, act, eft, mode, valid_from, valid_until / "
           "g, account-or-role, role, system"]
    for r in sorted(b.rules, key=lambda r: (r.dom, r.sub, r.act, r.obj, r.eft)):
        if r.comment:
            out.append(f"# {r.comment}")
        out.append(f"p, {r.sub}, {r.dom}, {r.obj}, {r.act}, {r.eft}, {r.mode}, "
                   f"{r.valid_from}, {r.valid_until}")
    for role, parent, dom in sorted(b.role_links, key=lambda x: (x[2], x[0], x[1])):
        out.append(f"g, {role}, {parent}, {dom}")
    for acc, role, dom in sorted(b.account_links):
        out.append(f"g, {acc}, {role}, {dom}")
    return "\n".join(out) + "\n"
