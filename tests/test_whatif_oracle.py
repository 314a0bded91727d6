"""Property: on small generated models, any change set drawn from the vocabulary over the
model's own elements gives a patched model whose exposures per the engine equal the
brute-force oracle's (tests/oracle.py) on that patched model, and whose files load; the
edited texts mean what the changes say (the same changes made on the generator's data load to
the same model and policy), and composing the model in pieces gives the very edits that
composing it whole gives.

Changes the applier refuses (naming nothing that exists, or changing nothing) are dropped
from the drawn set, so what is checked is every change set the applier accepts.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import oracle
from accesssim.changes.apply import Patcher, loaded, patch
from accesssim.changes.load import describe
from accesssim.changes.spec import Change
from accesssim.changes.state import State
from accesssim.engine import Project
from accesssim.errors import InputError
from profiles import examples
from strategies import DATES, ROLES, Generated, engine_exposures, materialise, projects


def _ids(model: dict[str, Any], key: str) -> list[str]:
    return [x["id"] for x in model.get(key, [])]


def draw_change(data: st.DataObject, gen: Generated) -> Change | None:
    """One change of a random kind over the model's elements (None: nothing to name)."""
    m = gen.model
    pick = lambda items: data.draw(st.sampled_from(items)) if items else None  # noqa: E731
    systems = m["systems"]
    screens = [(s["id"], x) for s in systems for x in s["screens"]]
    people, accounts, terminals = _ids(m, "people"), _ids(m, "accounts"), _ids(m, "terminals")
    locations, orgs = _ids(m, "locations"), _ids(m, "organizations")
    p_rows = [r for r in gen.rows if r[0] == "p"]
    g_rows = [r for r in gen.rows if r[0] == "g"]
    kind = data.draw(st.sampled_from([
        "revoke", "grant", "remove_rule", "add_rule", "gate_to_disaster", "ungate", "extend",
        "move_terminal", "withdraw_terminal", "hand_terminal", "unassign_terminal",
        "end_session", "mask", "unmask", "check", "uncheck", "rotate", "share_credential",
        "close_location", "open_location", "split_system"]))
    make = Change.make
    if kind == "revoke":
        row = pick(g_rows)
        return row and make(kind, member=row[1], role=row[2], system=row[3])
    if kind == "grant":
        return make(kind, member=pick(accounts), role=pick(list(ROLES)),
                    system=pick([s["id"] for s in systems]))
    if kind == "remove_rule":
        row = pick(p_rows)
        return row and make(kind, rule=", ".join(row))
    if kind == "add_rule":
        system = pick(systems)
        obj = pick([("open", x["id"]) for x in system["screens"]]
                   + [("unmask", f["id"]) for f in system["fields"]])
        assert obj is not None
        return make(kind, rule=", ".join(["p", pick(list(ROLES)), system["id"], obj[1], obj[0],
                                          pick(["allow", "allow", "deny"]),
                                          pick(["*", "normal", "disaster"]), "*", "*"]))
    if kind in ("gate_to_disaster", "ungate", "extend"):
        return _gate(data, gen, kind)
    if kind in ("unassign_terminal", "end_session"):  # mostly what is there to take back
        key, param = {"unassign_terminal": ("assigned_to", "person"),
                      "end_session": ("logged_in", "account")}[kind]
        held = [(t["id"], x) for t in m["terminals"] for x in t.get(key, [])]
        if held and data.draw(st.integers(0, 4)) > 0:
            terminal, value = data.draw(st.sampled_from(held))
            return make(kind, terminal=terminal, **{param: value})
    if kind in ("move_terminal", "withdraw_terminal", "hand_terminal", "unassign_terminal",
                "end_session"):
        terminal = pick(terminals)
        other = {"move_terminal": ("to", locations), "hand_terminal": ("person", people),
                 "unassign_terminal": ("person", people),
                 "end_session": ("account", accounts)}.get(kind)
        if other is None:
            return make(kind, terminal=terminal)
        return make(kind, terminal=terminal, **{other[0]: pick(other[1])})
    if kind in ("mask", "unmask"):
        system, screen = data.draw(st.sampled_from(screens))
        field = pick([d["field"] for d in screen.get("shows", [])])
        extra = ({"masking": pick(["policy", "masked"])} if kind == "mask"
                 else {"purpose": pick([None, "encoding-omission"])})
        return make(kind, screen=f"{system}/{screen['id']}", field=field, **extra)
    if kind in ("check", "uncheck"):
        pairs = [(s["id"], t["from"], t["to"]) for s in systems for t in s["transitions"]]
        pair = pick(pairs)
        return pair and make(kind, **{"from": f"{pair[0]}/{pair[1]}", "to": pair[2]})
    if kind in ("rotate", "share_credential"):
        extra = {"person": pick(people)} if kind == "share_credential" else {}
        return make(kind, account=pick(accounts), **extra)
    if kind in ("close_location", "open_location"):
        return make(kind, location=pick(locations), org=pick(orgs))
    system = pick(systems)
    names = [x["id"] for x in system["screens"]]
    return make(kind, system=system["id"], into="copy",
                screens=data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3,
                                           unique=True)),
                **{"for": data.draw(st.lists(st.sampled_from(orgs), min_size=1, max_size=2,
                                             unique=True))})


def _gate(data: st.DataObject, gen: Generated, kind: str) -> Change | None:
    """gate/ungate/extend, mostly of a rule or element that has what the change moves."""
    m = gen.model
    elements = {key: list(m.get(f"{key}s", [])) for key in ("account", "terminal", "location")}
    if kind == "extend":
        elements["person"] = list(m.get("people", []))
        elements["screen"] = [{**x, "id": f"{s['id']}/{x['id']}"} for s in m["systems"]
                              for x in s["screens"]]
    every = [(k, x["id"]) for k, v in elements.items() for x in v]
    every += [("rule", ", ".join(r)) for r in gen.rows if r[0] == "p"]
    if kind == "ungate":
        moved = [(k, x["id"]) for k, v in elements.items() for x in v if x.get("modes")]
        moved += [("rule", ", ".join(r)) for r in gen.rows if r[0] == "p" and r[6] != "*"]
    elif kind == "extend":
        moved = [(k, x["id"]) for k, v in elements.items() for x in v if x.get("valid")]
        moved += [("rule", ", ".join(r)) for r in gen.rows if r[0] == "p" and r[8] != "*"]
    else:
        moved = every
    key, name = data.draw(st.sampled_from(moved if moved and data.draw(st.integers(0, 4))
                                          else every))
    until = data.draw(st.sampled_from([None, *DATES])) if kind == "extend" else None
    return Change.make(kind, **{key: name}, until=until)


def _by_id(items: list[dict[str, Any]], wanted: object) -> dict[str, Any]:
    return next(x for x in items if x["id"] == wanted)


def _screen(gen: Generated, name: object) -> tuple[dict[str, Any], dict[str, Any]]:
    system, _, screen = str(name).rpartition("/")
    sys = _by_id(gen.model["systems"], system)
    return sys, _by_id(sys["screens"], screen)


def reference(gen: Generated, change: Change) -> None:
    """The change made on the generator's data (what the text edit must mean)."""
    m, rows, c, kind = gen.model, gen.rows, change, change.kind
    get = change.get
    if kind in ("revoke", "grant"):
        line = ["g", str(get("member")), str(get("role")), str(get("system"))]
        if kind == "grant":
            rows.append(line)
        else:
            rows[:] = [r for r in rows if r != line]
    elif kind in ("remove_rule", "add_rule") or get("rule") is not None:
        line = [t.strip() for t in str(get("rule")).split(",")]
        if kind == "add_rule":
            rows.append(line)
        elif kind == "remove_rule":
            rows[:] = [r for r in rows if r != line]
        else:
            column, new = {"gate_to_disaster": (6, "disaster"), "ungate": (6, "*")}.get(
                kind, (8, get("until").isoformat() if get("until") else "*"))  # type: ignore[attr-defined]
            for r in rows:
                if r == line:
                    r[column] = new
    elif kind in ("gate_to_disaster", "ungate", "extend"):
        key = next(k for k in ("account", "terminal", "location", "person", "screen")
                   if get(k) is not None)
        element = (_screen(gen, get(key))[1] if key == "screen" else
                   _by_id(m["people" if key == "person" else f"{key}s"], get(key)))
        if kind == "gate_to_disaster":
            element["modes"] = ["disaster"]
        elif kind == "ungate":
            element["modes"] = list(m["modes"])
        elif get("until") is None:
            element["valid"].pop("until")
            if not element["valid"]:
                del element["valid"]
        else:
            element.setdefault("valid", {})["until"] = get("until")
    elif kind in ("move_terminal", "withdraw_terminal", "hand_terminal", "unassign_terminal",
                  "end_session"):
        t = _by_id(m["terminals"], get("terminal"))
        if kind == "move_terminal":
            t["location"] = get("to")
        elif kind == "withdraw_terminal":
            m["terminals"].remove(t)
        elif kind == "hand_terminal":
            t.setdefault("assigned_to", []).append(get("person"))
        elif kind == "unassign_terminal":
            t["assigned_to"].remove(get("person"))
        else:
            t["logged_in"].remove(get("account"))
    elif kind in ("mask", "unmask"):
        for d in _screen(gen, get("screen"))[1]["shows"]:
            if d["field"] == get("field"):
                d["masking"] = get("masking") if kind == "mask" else "clear"
                if kind == "unmask" and get("purpose") is not None:
                    d["purpose"] = get("purpose")
    elif kind in ("check", "uncheck"):
        system, _, source = str(get("from")).rpartition("/")
        for t in _by_id(m["systems"], system)["transitions"]:
            if (t["from"], t["to"]) == (source, get("to")):
                t["checked"] = kind == "check"
    elif kind in ("rotate", "share_credential"):
        a = _by_id(m["accounts"], get("account"))
        if kind == "rotate":
            a["known_by"] = []
        else:
            a.setdefault("known_by", []).append(get("person"))
    elif kind in ("close_location", "open_location"):
        loc, org = _by_id(m["locations"], get("location")), get("org")
        if kind == "open_location":
            loc.setdefault("open_to", []).append(org)
        else:
            loc["open_to"] = [o for o in loc.get("open_to", []) if o != org]
            for person in m["people"]:
                if person["org"] == org:
                    person["locations"] = [x for x in person["locations"]
                                           if x != get("location")]
    else:
        raise AssertionError(f"no reference for {c.kind}")


def accepted(project: Project, drawn: list[Change]) -> list[Change]:
    """The drawn changes the applier accepts, each seeing the ones kept before it."""
    kept: list[Change] = []
    for change in drawn:
        try:
            patch(project, [*kept, change])
        except InputError:
            continue
        kept.append(change)
    return kept


@settings(max_examples=examples(150), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(projects(), st.data())
def test_patched_model_engine_equals_oracle(gen: Generated, data: st.DataObject) -> None:
    note(gen.describe())
    with materialise(gen) as project:
        drawn = [draw_change(data, gen) for _ in range(data.draw(st.integers(1, 4)))]
        changes = accepted(project, [c for c in drawn if c is not None])
        for change in changes:
            note(describe(change))
        if not changes:
            return
        assert State(project).cut_trusted, "the cut of a generated model is checked and used"
        result = patch(project, changes)
        assert result.texts == Patcher(project, cut=False).patch(changes).texts, (
            "composing pieces and composing the whole text give other edits")
        with loaded(project, result) as patched:
            found = engine_exposures(patched)
            expected = oracle.exposures(patched)
            model = patched.loaded.model.model_dump()
            rules = [(r.ptype, r.values) for r in patched.policy.rules + patched.policy.groupings]
    if all(c.kind != "split_system" for c in changes):
        ref = gen.copy()
        for change in changes:
            reference(ref, change)
        with materialise(ref) as meant:
            assert model == meant.loaded.model.model_dump(), "the edit means another change"
            assert sorted(rules) == sorted((r.ptype, r.values) for r in
                                           meant.policy.rules + meant.policy.groupings)
    assert sorted(found - expected) == [], "engine reports exposures the rule does not give"
    assert sorted(expected - found) == [], "engine misses exposures"
