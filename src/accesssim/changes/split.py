"""split_system: give some organizations their own copy of named screens (the Kansai remedy).

``split_system {system, into, screens, for, name?}`` adds a system ``into`` (the same owner)
holding copies of the named screens (ids ``<into>.<screen>``), of the fields they show (ids
``<into>.<field>``, every other key kept), their displays and the transitions between copied
screens. The accounts that people of the orgs in ``for`` hold on ``system`` use ``into``
instead; every terminal reaching ``system`` also reaches ``into``; trust grants naming
``system`` also name ``into`` (and the copies of the fields they list). In the policy, the p
lines of domain ``system`` naming a copied screen or field are copied into domain ``into``
(object renamed), role-to-role g lines of that domain are copied, and the moved accounts' g
lines move to domain ``into``. Exact only with a domain column in p and g and a matcher that
compares them, so it is refused otherwise.
"""

from __future__ import annotations

import yaml

from accesssim.changes import text as tx
from accesssim.changes.spec import Change
from accesssim.changes.state import State, fail, short, value, values
from accesssim.mutate import edits
from accesssim.mutate.edits import Edit
from accesssim.policy.rules import OPEN, UNMASK


def _names(c: Change, key: str) -> list[str]:
    found = c.get(key)
    if not isinstance(found, tuple) or not all(isinstance(v, str) for v in found):
        fail(f"{key} must be a list of ids")
    return [str(v) for v in found]


def split_system(st: State, c: Change) -> list[Edit]:
    system, into = str(c.get("system")), str(c.get("into"))
    if "dom" not in st.p_tokens or st.role_domains.get("g", 0) < 1 or not st.dom_equal:
        fail(f"the Casbin model in {st.conf_file} has no domain column compared by its matcher "
             "(p needs dom, g a third value, and the matcher r.dom == p.dom), so the copy's "
             "rights cannot be written exactly")
    snode = st.element("systems", system, "system")
    if into in st.ids("systems"):
        fail(f"there is already a system {into!r}")
    screens = {value(n, "id") or "": n for n in st.seq("screens", snode)}
    wanted = _names(c, "screens")
    for screen in wanted:
        if screen not in screens:
            fail(f"system {system} has no screen {screen!r} ({short(screens, screen)})")
    orgs = _names(c, "for")
    known_orgs = st.ids("organizations")
    for org in orgs:
        if org not in known_orgs:
            fail(f"no organization {org!r} ({short(known_orgs, org)})")
    copied = [screens[s] for s in screens if s in wanted]  # in the file's order
    shown = {value(d, "field") for n in copied for d in st.seq("shows", n)}
    fields = [f for f in st.seq("fields", snode) if value(f, "id") in shown]
    moved = _moved_accounts(st, system, set(orgs))
    if not moved:
        fail(f"no account of a person of {', '.join(orgs)} uses {system}: nothing would move "
             "to the copy")
    out = [_new_system(st, c, snode, copied, fields, set(wanted))]
    out += _reach(st, system, into, [value(f, "id") or "" for f in fields])
    for node in moved:
        seq = edits.child(node, "systems")
        assert isinstance(seq, yaml.SequenceNode)
        item = next(n for n in seq.value if n.value == system)
        out.append(Edit(st.model_file, item.start_mark.index, item.end_mark.index,
                        edits.scalar(into)))
    moved_ids = {value(n, "id") or "" for n in moved}
    out += _policy(st, system, into, set(wanted), {value(f, "id") or "" for f in fields},
                   moved_ids, set(st.ids("accounts")))
    return out


def _moved_accounts(st: State, system: str, orgs: set[str]) -> list[yaml.Node]:
    people = {value(p, "id") for p in st.seq("people") if value(p, "org") in orgs}
    return [a for a in st.seq("accounts")
            if value(a, "holder") in people and system in values(a, "systems")]


def _new_system(st: State, c: Change, snode: yaml.Node, screens: list[yaml.Node],
                fields: list[yaml.Node], wanted: set[str]) -> Edit:
    """The new system's text, inserted after the split one, each copied item written from
    its own text with its ids renamed (so every other key and comment is kept)."""
    into, text = str(c.get("into")), st.text
    made: list[Edit] = []

    def rename(node: yaml.Node, key: str) -> None:
        old = value(node, key)
        if old is not None:
            made.append(edits.set_key(st.model_file, text, node, key,
                                      edits.scalar(f"{into}.{old}")))

    for f in fields:
        rename(f, "id")
    for s in screens:
        rename(s, "id")
        for d in st.seq("shows", s):
            rename(d, "field")
    moves = [t for t in st.seq("transitions", snode)
             if value(t, "from") in wanted and value(t, "to") in wanted]
    for t in moves:
        rename(t, "from")
        rename(t, "to")
    key_col = int(snode.start_mark.column)
    line_start = text.rfind("\n", 0, snode.start_mark.index) + 1
    pad = " " * key_col
    lines = [f"{text[line_start:snode.start_mark.index]}id: {edits.scalar(into)}"]
    name = c.get("name")
    if isinstance(name, str):
        lines.append(f"{pad}name: {edits.scalar(name)}")
    lines.append(f"{pad}owner: {edits.scalar(value(snode, 'owner') or '')}")
    for key, nodes in (("fields", fields), ("screens", screens), ("transitions", moves)):
        if nodes:
            lines.append(f"{pad}{key}:")
            lines += [f"{pad}  - {tx.node_text(text, n, made, key_col + 4)}" for n in nodes]
    at = tx.line_after(text, tx.end(snode))
    joint = "" if at == 0 or text[at - 1] == "\n" else "\n"
    return Edit(st.model_file, at, at, joint + "\n".join(lines) + "\n")


def _reach(st: State, system: str, into: str, field_ids: list[str]) -> list[Edit]:
    """Terminals reaching ``system`` also reach ``into``; trust grants naming it also name
    ``into`` and the copies of the fields they list."""
    out = []
    for t in st.seq("terminals"):
        if system in values(t, "systems"):
            out.append(tx.add_entry(st.model_file, st.text, t, "systems", edits.scalar(into)))
    for g in st.seq("trust"):
        if system not in values(g, "systems"):
            continue
        out.append(tx.add_entry(st.model_file, st.text, g, "systems", edits.scalar(into)))
        listed = [f for f in values(g, "fields") if f in field_ids]
        if listed:
            out.append(tx.add_entries(st.model_file, st.text, g, "fields",
                                      [edits.scalar(f"{into}.{f}") for f in listed]))
    return out


def _policy(st: State, system: str, into: str, screens: set[str], fields: set[str],
            moved: set[str], accounts: set[str]) -> list[Edit]:
    dom, obj = 1 + st.p_tokens.index("dom"), 1 + st.p_tokens.index("obj")
    act = 1 + st.p_tokens.index("act") if "act" in st.p_tokens else None
    added: list[str] = []
    out: list[Edit] = []
    for number, row in st.csv_rows():
        if row[0] == "p" and len(row) > max(dom, obj) and row[dom] == system:
            action = row[act] if act is not None and act < len(row) else None
            names = (screens if action == OPEN else fields if action == UNMASK
                     else screens | fields)
            if row[obj] in names:
                copy = row.copy()
                copy[dom], copy[obj] = into, f"{into}.{row[obj]}"
                added.append(", ".join(copy))
        elif row[0] == "g" and len(row) > 3 and row[3] == system:
            if row[1] in moved:
                out.append(edits.replace_line(st.csv_file, st.csv, number,
                                              ", ".join([*row[:3], into, *row[4:]])))
            elif row[1] not in accounts:
                added.append(", ".join([*row[:3], into, *row[4:]]))
    if added:
        header = f"# split_system: {into}, the copy of {system}'s screens"
        out.append(edits.append_line(st.csv_file, st.csv, "\n".join([header, *added])))
    return out
