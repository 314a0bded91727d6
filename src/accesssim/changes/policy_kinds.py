"""The changes that edit the policy CSV (role links and rules), and the gate/ungate/extend
changes, which edit a rule's column or a model element's ``modes`` / ``valid``.

A rule is named by its values, compared token by token as Casbin's reader splits the CSV
line (``policy.rules.split_line``); an edited line is written back as ``p, a, b, ...``.
"""

from __future__ import annotations

import datetime as dt

from accesssim.changes import model_kinds as mk
from accesssim.changes import text as tx
from accesssim.changes.spec import Change
from accesssim.changes.state import State, fail
from accesssim.mutate import edits
from accesssim.mutate.edits import Edit
from accesssim.policy.rules import ANY


def _link(st: State, c: Change, whole: bool) -> list[str]:
    """The g line's values (``whole``: every value, as a new line needs)."""
    member, role, system = c.get("member"), c.get("role"), c.get("system")
    assert isinstance(member, str) and isinstance(role, str)
    width = st.definitions.get("g")
    if width is None:
        fail("the Casbin model has no role definition g")
    domains = st.role_domains.get("g", 0)
    if system is not None and domains == 0:
        fail("the role definition g has no domain: leave out system")
    if whole and system is None and domains > 0:
        fail("the role definition g has a domain: name the system")
    tokens = ["g", member, role] + ([str(system)] if system is not None else [])
    if whole and len(tokens) - 1 != width:
        fail(f"g lines take {width} values (the role definition's other columns are "
             "conditions), and a grant names member, role and system only: write the line "
             "with add_rule")
    return tokens


def revoke(st: State, c: Change) -> list[Edit]:
    tokens = _link(st, c, whole=False)
    rows = [n for n, row in st.csv_rows() if row[0] == "g" and row[:len(tokens)] == tokens]
    if not rows:
        fail(f"no g line links {c.get('member')} to {c.get('role')}"
             f"{' in ' + str(c.get('system')) if c.get('system') else ''} "
             f"({st.similar(tokens)})")
    return [tx.remove_line(st.csv_file, st.csv, n) for n in rows]


def grant(st: State, c: Change) -> list[Edit]:
    tokens = _link(st, c, whole=True)
    found = st.equal_rows(tokens)
    if found:
        fail(f"{', '.join(tokens)} is already at line {found[0]}: this changes nothing")
    return [edits.append_line(st.csv_file, st.csv, ", ".join(tokens))]


def _rule(st: State, c: Change) -> list[str]:
    text = c.get("rule")
    assert isinstance(text, str)
    return st.rule(text)


def remove_rule(st: State, c: Change) -> list[Edit]:
    tokens = _rule(st, c)
    rows = st.equal_rows(tokens)
    if not rows:
        fail(f"no line {', '.join(tokens)} in {st.csv_file} ({st.similar(tokens)})")
    return [tx.remove_line(st.csv_file, st.csv, n) for n in rows]


def add_rule(st: State, c: Change) -> list[Edit]:
    tokens = _rule(st, c)
    found = st.equal_rows(tokens)
    if found:
        fail(f"{', '.join(tokens)} is already at line {found[0]}: this changes nothing")
    return [edits.append_line(st.csv_file, st.csv, ", ".join(tokens))]


def _set_column(st: State, c: Change, column: str, new: str) -> list[Edit]:
    """Every line equal to the change's rule, with ``column`` set to ``new``."""
    tokens = _rule(st, c)
    if tokens[0] != "p" or column not in st.p_tokens:
        fail(f"the policy definition p has no {column} column (it has: "
             f"{', '.join(st.p_tokens)}), so {c.kind} cannot be written exactly")
    rows = st.equal_rows(tokens)
    if not rows:
        fail(f"no line {', '.join(tokens)} in {st.csv_file} ({st.similar(tokens)})")
    index = 1 + st.p_tokens.index(column)
    if tokens[index] == new:
        fail(f"its {column} is already {new}: this changes nothing")
    changed = tokens.copy()
    changed[index] = new
    return [edits.replace_line(st.csv_file, st.csv, n, ", ".join(changed)) for n in rows]


def gate_to_disaster(st: State, c: Change) -> list[Edit]:
    if c.get("rule") is None:
        return mk.gate_element(st, c)
    if "disaster" not in st.modes():
        fail(f"the model declares no disaster mode (modes: {', '.join(st.modes())})")
    return _set_column(st, c, "mode", "disaster")


def ungate(st: State, c: Change) -> list[Edit]:
    if c.get("rule") is None:
        return mk.ungate_element(st, c)
    return _set_column(st, c, "mode", ANY)


def extend(st: State, c: Change) -> list[Edit]:
    if c.get("rule") is None:
        return mk.extend_element(st, c)
    until = c.get("until")
    if until is not None and not isinstance(until, dt.date):
        fail("until must be a date (YYYY-MM-DD) or null")
    new = until.isoformat() if until is not None else ANY
    tokens = _rule(st, c)
    if not st.equal_rows(tokens):
        fail(f"no line {', '.join(tokens)} in {st.csv_file} ({st.similar(tokens)})")
    if "valid_from" in st.p_tokens and tokens[0] == "p":
        start = tokens[1 + st.p_tokens.index("valid_from")]
        if start != ANY and new != ANY and start > new:
            fail(f"the rule is valid from {start}, after {new}")
    return _set_column(st, c, "valid_until", new)


HANDLERS: dict[str, mk.Handler] = {
    "revoke": revoke, "grant": grant, "remove_rule": remove_rule, "add_rule": add_rule,
    "gate_to_disaster": gate_to_disaster, "ungate": ungate, "extend": extend,
}
