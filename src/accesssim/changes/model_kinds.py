"""The changes that edit the model YAML: each returns the text edits a person would commit.

Every handler checks that what it names exists (``state.fail`` with a short list of what does)
and returns the edits; the caller refuses a change whose edits leave the texts as they were.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import yaml

from accesssim.changes import text as tx
from accesssim.changes.spec import Change
from accesssim.changes.state import State, fail, value, values
from accesssim.mutate import edits
from accesssim.mutate.edits import Edit

Handler = Callable[[State, Change], list[Edit]]


def _str(change: Change, key: str) -> str:
    found = change.get(key)
    if not isinstance(found, str):
        fail(f"parameter {key!r} must be given as text")
    return found


def _set(st: State, node: yaml.Node, key: str, new: str) -> Edit:
    return tx.put_key(st.model_file, st.text, node, key, new)


def _add(st: State, node: yaml.Node, key: str, entry: str) -> Edit:
    return tx.add_entry(st.model_file, st.text, node, key, edits.scalar(entry))


def _drop(st: State, node: yaml.Node, key: str, entry: str) -> Edit:
    return tx.remove_item(st.model_file, st.text, node, key, values(node, key).index(entry))


# -- terminals --------------------------------------------------------------------------------
def move_terminal(st: State, c: Change) -> list[Edit]:
    node = st.element("terminals", _str(c, "terminal"), "terminal")
    to = _str(c, "to")
    st.element("locations", to, "location")
    if value(node, "location") == to:
        fail(f"terminal {_str(c, 'terminal')} already stands at {to}: this changes nothing")
    return [_set(st, node, "location", edits.scalar(to))]


def withdraw_terminal(st: State, c: Change) -> list[Edit]:
    node = st.element("terminals", _str(c, "terminal"), "terminal")
    return [st.remove("terminals", node)]


def hand_terminal(st: State, c: Change) -> list[Edit]:
    terminal, person = _str(c, "terminal"), _str(c, "person")
    node = st.element("terminals", terminal, "terminal")
    st.element("people", person, "person")
    if person in values(node, "assigned_to"):
        fail(f"terminal {terminal} is already assigned to {person}: this changes nothing")
    return [_add(st, node, "assigned_to", person)]


def unassign_terminal(st: State, c: Change) -> list[Edit]:
    terminal, person = _str(c, "terminal"), _str(c, "person")
    node = st.element("terminals", terminal, "terminal")
    assigned = values(node, "assigned_to")
    if person not in assigned:
        fail(f"terminal {terminal} is not assigned to {person!r} (assigned to: "
             f"{', '.join(assigned) or 'nobody'})")
    return [_drop(st, node, "assigned_to", person)]


def end_session(st: State, c: Change) -> list[Edit]:
    terminal, account = _str(c, "terminal"), _str(c, "account")
    node = st.element("terminals", terminal, "terminal")
    sessions = values(node, "logged_in")
    if account not in sessions:
        fail(f"no session of {account!r} is left open on terminal {terminal} (logged in: "
             f"{', '.join(sessions) or 'none'})")
    return [_drop(st, node, "logged_in", account)]


# -- credentials and locations ----------------------------------------------------------------
def rotate(st: State, c: Change) -> list[Edit]:
    account = _str(c, "account")
    node = st.element("accounts", account, "account")
    if not values(node, "known_by"):
        fail(f"nobody but its holder knows the credential of {account}: this changes nothing")
    return [_set(st, node, "known_by", "[]")]


def share_credential(st: State, c: Change) -> list[Edit]:
    account, person = _str(c, "account"), _str(c, "person")
    node = st.element("accounts", account, "account")
    st.element("people", person, "person")
    if person == value(node, "holder") or person in values(node, "known_by"):
        fail(f"{person} already knows the credential of {account}: this changes nothing")
    return [_add(st, node, "known_by", person)]


def close_location(st: State, c: Change) -> list[Edit]:
    location, org = _str(c, "location"), _str(c, "org")
    node = st.element("locations", location, "location")
    st.element("organizations", org, "organization")
    out = []
    if org in values(node, "open_to"):
        out.append(_drop(st, node, "open_to", org))
    for person in st.seq("people"):
        if value(person, "org") == org and location in values(person, "locations"):
            out.append(_drop(st, person, "locations", location))
    if not out:
        fail(f"{location} is not open to {org} and no person of {org} is at it: this "
             "changes nothing")
    return out


def open_location(st: State, c: Change) -> list[Edit]:
    location, org = _str(c, "location"), _str(c, "org")
    node = st.element("locations", location, "location")
    st.element("organizations", org, "organization")
    if org in values(node, "open_to"):
        fail(f"{location} is already open to {org}: this changes nothing")
    return [_add(st, node, "open_to", org)]


# -- screens ----------------------------------------------------------------------------------
def _displays(st: State, c: Change) -> list[yaml.Node]:
    screen, field = _str(c, "screen"), _str(c, "field")
    shown: list[str] = []
    found = []
    for _, node in st.screens(screen):
        for display in st.seq("shows", node):
            shown.append(value(display, "field") or "")
            if value(display, "field") == field:
                found.append(display)
    if not found:
        fail(f"screen {screen} does not show {field!r} (it shows: "
             f"{', '.join(sorted(set(shown))) or 'nothing'})")
    return found


def mask(st: State, c: Change) -> list[Edit]:
    masking = _str(c, "masking") if c.get("masking") is not None else "policy"
    out = [_set(st, d, "masking", masking) for d in _displays(st, c)
           if value(d, "masking") != masking]
    if not out:
        fail(f"{c.get('field')} is already shown with masking {masking} on {c.get('screen')}: "
             "this changes nothing")
    return out


def unmask(st: State, c: Change) -> list[Edit]:
    purpose = c.get("purpose")
    out = []
    for d in _displays(st, c):
        if value(d, "masking") != "clear":
            out.append(_set(st, d, "masking", "clear"))
        if isinstance(purpose, str) and value(d, "purpose") != purpose:
            out.append(_set(st, d, "purpose", edits.scalar(purpose)))
    if not out:
        fail(f"{c.get('field')} is already shown in clear on {c.get('screen')}: this changes "
             "nothing")
    return out


def _transitions(st: State, c: Change) -> list[yaml.Node]:
    source, target = _str(c, "from"), _str(c, "to")
    st.screens(source)
    system = source.rpartition("/")[0]
    found: list[yaml.Node] = []
    known: list[str] = []
    for having in (target, None):  # systems whose text names the target; else (escaped) all
        if found:
            break
        known.clear()
        for snode in st.seq("systems", having=having):
            if system not in ("", value(snode, "id")):
                continue
            for node in st.seq("transitions", snode):
                pair = (value(node, "from"), value(node, "to"))
                known.append(f"{pair[0]} -> {pair[1]}")
                if pair == (source.rpartition("/")[2], target):
                    found.append(node)
    if not found:
        fail(f"no transition {source} -> {target} "
             f"({tx_list([k for k in known if k.startswith(source.rpartition('/')[2] + ' ')])})")
    return found


def tx_list(known: list[str]) -> str:
    return "from there: " + ", ".join(sorted(set(known))) if known else "none from there"


def check(st: State, c: Change) -> list[Edit]:
    out = [_set(st, n, "checked", "true") for n in _transitions(st, c)
           if value(n, "checked") not in (None, "true")]
    if not out:
        fail(f"{c.get('from')} -> {c.get('to')} is already checked: this changes nothing")
    return out


def uncheck(st: State, c: Change) -> list[Edit]:
    out = [_set(st, n, "checked", "false") for n in _transitions(st, c)
           if value(n, "checked") != "false"]
    if not out:
        fail(f"{c.get('from')} -> {c.get('to')} is already unchecked: this changes nothing")
    return out


# -- modes and validity windows of elements ---------------------------------------------------
_ELEMENTS = {"account": "accounts", "terminal": "terminals", "location": "locations",
             "person": "people"}


def target(st: State, c: Change) -> tuple[str, yaml.Node]:
    """(what, node) of the model element a gate/ungate/extend names."""
    for key, seq in _ELEMENTS.items():
        wanted = c.get(key)
        if isinstance(wanted, str):
            return f"{key} {wanted}", st.element(seq, wanted, key)
    wanted = _str(c, "screen")
    return f"screen {wanted}", st.screens(wanted)[0][1]


def gate_element(st: State, c: Change) -> list[Edit]:
    what, node = target(st, c)
    if "disaster" not in st.modes():
        fail(f"the model declares no disaster mode (modes: {', '.join(st.modes())})")
    if values(node, "modes") == ["disaster"]:
        fail(f"{what} already holds in disaster mode only: this changes nothing")
    return [_set(st, node, "modes", "[disaster]")]


def ungate_element(st: State, c: Change) -> list[Edit]:
    what, node = target(st, c)
    every = st.modes()
    if edits.child(node, "modes") is None or set(every) <= set(values(node, "modes")):
        fail(f"{what} already holds in every mode: this changes nothing")
    return [_set(st, node, "modes", edits.flow_list(list(every)))]


def extend_element(st: State, c: Change) -> list[Edit]:
    what, node = target(st, c)
    until = c.get("until")
    valid = edits.child(node, "valid")
    if valid is not None and not isinstance(valid, yaml.MappingNode):
        fail(f"the validity window of {what} is not a mapping")
    now = value(valid, "until") if valid is not None else None
    if until is None:
        if now is None:
            fail(f"{what} has no end date: this changes nothing")
        assert valid is not None
        if edits.child(valid, "from") is None:
            return [tx.remove_key(st.model_file, st.text, node, "valid")]
        return [tx.remove_key(st.model_file, st.text, valid, "until")]
    assert isinstance(until, dt.date)
    if now == until.isoformat():
        fail(f"{what} already ends on {now}: this changes nothing")
    start = value(valid, "from") if valid is not None else None
    if start is not None and start > until.isoformat():
        fail(f"{what} starts on {start}, after {until.isoformat()}")
    if valid is None:
        return [_set(st, node, "valid", f"{{until: {until.isoformat()}}}")]
    return [_set(st, valid, "until", until.isoformat())]


HANDLERS: dict[str, Handler] = {
    "move_terminal": move_terminal, "withdraw_terminal": withdraw_terminal,
    "hand_terminal": hand_terminal, "unassign_terminal": unassign_terminal,
    "end_session": end_session, "rotate": rotate, "share_credential": share_credential,
    "close_location": close_location, "open_location": open_location, "mask": mask,
    "unmask": unmask, "check": check, "uncheck": uncheck,
}
