"""Every kind of change is one text edit: the lines it changes, and every other byte kept.

The fixture (tests/data/changes/) writes its elements in both YAML styles; each case states
the lines removed and added, and the line diff of every file must be exactly those (so
everything else stays byte for byte). Refusals name the change's file:line and what exists.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path
from typing import Any

import pytest

from accesssim.changes.apply import Patched, Patcher, loaded, patch, write
from accesssim.changes.load import load_changes
from accesssim.changes.spec import KINDS, Change
from accesssim.engine import Project, load_project
from accesssim.errors import InputError
from accesssim.model.provenance import Source
from helpers import REPO

FIXTURE = REPO / "tests" / "data" / "changes"
MODEL, CSV = "model.yaml", "policy.csv"


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(FIXTURE / MODEL, FIXTURE)


def _diff(before: str, after: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += a[i1:i2]
            added += b[j1:j2]
    return [r.rstrip("\n") for r in removed], [x.rstrip("\n") for x in added]


def _patched(project: Project, *changes: Change) -> Patched:
    return patch(project, list(changes))


def _original(name: str) -> str:
    with (FIXTURE / name).open(encoding="utf-8", newline="") as handle:
        return handle.read()


# (kind, params, file, lines removed, lines added)
CASES: list[tuple[str, dict[str, Any], str, list[str], list[str]]] = [
    ("revoke", {"member": "acc_clerk", "role": "shop_role", "system": "sys"}, CSV,
     ["g, acc_clerk, shop_role, sys"], []),
    ("grant", {"member": "acc_clerk", "role": "staff", "system": "sys"}, CSV,
     [], ["g, acc_clerk, staff, sys"]),
    ("remove_rule", {"rule": "p,staff,sys,name,unmask,allow,*,*,*"}, CSV,
     ["p, staff, sys, name, unmask, allow, *, *, *"], []),
    ("add_rule", {"rule": "p, shop_role, sys, detail, open, allow, *, *, *"}, CSV,
     [], ["p, shop_role, sys, detail, open, allow, *, *, *"]),
    ("gate_to_disaster", {"rule": "p, staff, sys, detail, open, allow, *, *, *"}, CSV,
     ["p, staff, sys, detail, open, allow, *, *, *"],
     ["p, staff, sys, detail, open, allow, disaster, *, *"]),
    ("ungate", {"location": "store"}, MODEL, ["    modes: [disaster]"],
     ["    modes: [normal, disaster]"]),
    ("extend", {"account": "acc_clerk", "until": "2026-03-31"}, MODEL,
     ["    valid: {from: 2020-01-01, until: 2024-12-31}"],
     ["    valid: {from: 2020-01-01, until: 2026-03-31}"]),
    ("move_terminal", {"terminal": "t_store", "to": "hq"}, MODEL,
     ["    location: store"], ["    location: hq"]),
    ("withdraw_terminal", {"terminal": "t_store"}, MODEL,
     ["  - id: t_store", "    location: store", "    owner: shop", "    open: true",
      "    systems: [sys]"], []),
    ("hand_terminal", {"terminal": "t_store", "person": "clerk"}, MODEL,
     [], ["    assigned_to: [clerk]"]),
    ("unassign_terminal", {"terminal": "t_hq", "person": "op"}, MODEL,
     ["  - {id: t_hq, location: hq, owner: grid, assigned_to: [op], systems: [sys], "
      "logged_in: [acc_op]}"],
     ["  - {id: t_hq, location: hq, owner: grid, assigned_to: [], systems: [sys], "
      "logged_in: [acc_op]}"]),
    ("end_session", {"terminal": "t_hq", "account": "acc_op"}, MODEL,
     ["  - {id: t_hq, location: hq, owner: grid, assigned_to: [op], systems: [sys], "
      "logged_in: [acc_op]}"],
     ["  - {id: t_hq, location: hq, owner: grid, assigned_to: [op], systems: [sys], "
      "logged_in: []}"]),
    ("mask", {"screen": "detail", "field": "name"}, MODEL,
     ["          - {field: name, masking: clear}"], ["          - {field: name, masking: policy}"]),
    ("unmask", {"screen": "detail", "field": "usage", "purpose": "encoding-omission"}, MODEL,
     ["            masking: masked"],
     ["            masking: clear", "            purpose: encoding-omission"]),
    ("check", {"from": "menu", "to": "detail"}, MODEL,
     ["      - {from: menu, to: detail, checked: false}"],
     ["      - {from: menu, to: detail, checked: true}"]),
    ("uncheck", {"from": "menu", "to": "search"}, MODEL,
     ["      - {from: menu, to: search}"], ["      - {from: menu, to: search, checked: false}"]),
    ("rotate", {"account": "acc_op"}, MODEL,
     ["  - {id: acc_op, holder: op, systems: [sys], known_by: [clerk]}"],
     ["  - {id: acc_op, holder: op, systems: [sys], known_by: []}"]),
    ("share_credential", {"account": "acc_clerk", "person": "op"}, MODEL,
     [], ["    known_by: [op]"]),
    ("close_location", {"location": "hq", "org": "shop"}, MODEL,
     ["      - hq", "  - {id: hq, owner: grid, open_to: [grid, shop]}"],
     ["  - {id: hq, owner: grid, open_to: [grid]}"]),
    ("open_location", {"location": "store", "org": "grid"}, MODEL, [], ["      - grid"]),
]


@pytest.mark.parametrize("kind,params,file,removed,added", CASES, ids=[c[0] for c in CASES])
def test_each_kind_is_one_text_edit(project: Project, kind: str, params: dict[str, Any],
                                    file: str, removed: list[str], added: list[str]) -> None:
    import datetime as dt

    values = {k: dt.date.fromisoformat(v) if k == "until" else v for k, v in params.items()}
    change = Change.make(kind, Source("c.yaml", 7), **values)
    result = _patched(project, change)
    assert result.texts == Patcher(project, cut=False).patch([change]).texts
    for name in (MODEL, CSV, "accesssim.conf"):
        got = _diff(_original(name), result.texts[name])
        assert got == ((removed, added) if name == file else ([], [])), name
    assert result.policy_changed == (file == CSV)
    with loaded(project, result) as again:  # the loader accepts every edited text
        assert again.loaded.model.name == "change-set fixture"


def test_every_kind_but_split_has_a_case() -> None:
    assert {c[0] for c in CASES} | {"split_system", "gate_to_disaster", "ungate", "extend"} \
        == set(KINDS)


def test_gate_ungate_extend_on_elements_and_rules(project: Project) -> None:
    gate = Change.make("gate_to_disaster", None, terminal="t_store")
    model = _patched(project, gate).texts[MODEL]
    assert _diff(_original(MODEL), model) == ([], ["    modes: [disaster]"])
    rule = "p, staff, sys, detail, open, allow, *, *, *"
    gated = Change.make("gate_to_disaster", None, rule=rule)
    back = Change.make("ungate", None, rule=rule.replace("*, *, *", "disaster, *, *"))
    assert _patched(project, gated, back).texts[CSV] == _original(CSV)
    open_end = Change.make("extend", None, account="acc_clerk")
    assert _diff(_original(MODEL), _patched(project, open_end).texts[MODEL]) == (
        ["    valid: {from: 2020-01-01, until: 2024-12-31}"], ["    valid: {from: 2020-01-01}"])
    import datetime as dt

    dated = Change.make("extend", None, rule=rule, until=dt.date(2030, 1, 31))
    assert _diff(_original(CSV), _patched(project, dated).texts[CSV]) == (
        [rule], ["p, staff, sys, detail, open, allow, *, *, 2030-01-31"])


def test_changes_apply_in_order(project: Project) -> None:
    """A later change sees the earlier one: grant then revoke leaves the file as it was;
    the same revoke first is refused (there is no such line yet)."""
    grant = Change.make("grant", Source("c.yaml", 3), member="acc_op", role="shop_role",
                        system="sys")
    revoke = Change.make("revoke", Source("c.yaml", 4), member="acc_op", role="shop_role",
                         system="sys")
    assert _patched(project, grant, revoke).texts[CSV] == _original(CSV)
    with pytest.raises(InputError, match=r"c\.yaml:4: revoke: no g line links acc_op"):
        _patched(project, revoke, grant)


@pytest.mark.parametrize("kind,params,message", [
    ("move_terminal", {"terminal": "t_hqq", "to": "hq"}, r"no terminal 't_hqq' \(there are: t_hq"),
    ("move_terminal", {"terminal": "t_hq", "to": "moon"}, r"no location 'moon' \(there are: hq"),
    ("move_terminal", {"terminal": "t_hq", "to": "hq"}, r"already stands at hq"),
    ("mask", {"screen": "detail", "field": "phone"}, r"does not show 'phone' \(it shows: name, "
                                                     r"usage\)"),
    ("mask", {"screen": "search", "field": "name"}, r"already shown with masking policy"),
    ("uncheck", {"from": "search", "to": "menu"}, r"no transition search -> menu \(from there: "
                                                  r"search -> detail\)"),
    ("check", {"from": "search", "to": "detail"}, r"already checked"),
    ("remove_rule", {"rule": "p, staff, sys, menu, open, deny, *, *, *"},
     r"no line .* \(similar lines: line 2: p, staff, sys, menu"),
    ("add_rule", {"rule": "p, staff, sys, menu"}, r"p needs 8 values"),
    ("add_rule", {"rule": "p9, staff"}, r"unknown ptype 'p9'"),
    ("add_rule", {"rule": "p, staff, sys, menu, open, allow, *, *, *"}, r"already at line 2"),
    ("grant", {"member": "acc_op", "role": "staff"}, r"has a domain: name the system"),
    ("revoke", {"member": "acc_op", "role": "shop_role"}, r"no g line links acc_op to shop_role"),
    ("rotate", {"account": "acc_clerk"}, r"nobody but its holder knows"),
    ("share_credential", {"account": "acc_op", "person": "op"}, r"op already knows"),
    ("close_location", {"location": "store", "org": "grid"}, r"changes nothing"),
    ("close_location", {"location": "store", "org": "nobody"}, r"no organization 'nobody'"),
    ("unassign_terminal", {"terminal": "t_store", "person": "op"},
     r"not assigned to 'op' \(assigned to: nobody\)"),
    ("end_session", {"terminal": "t_store", "account": "acc_op"}, r"logged in: none"),
    ("ungate", {"location": "hq"}, r"already holds in every mode"),
    ("extend", {"terminal": "t_hq"}, r"has no end date"),
    ("extend", {"screen": "nowhere"}, r"no screen 'nowhere'"),
    ("gate_to_disaster", {"rule": "p, staff, sys, menu, open, allow, *, *, *, x"},
     r"p needs 8 values"),
])
def test_refusals_name_the_change_line_and_what_exists(project: Project, kind: str,
                                                       params: dict[str, Any],
                                                       message: str) -> None:
    change = Change.make(kind, Source("changes.yaml", 12), **params)
    with pytest.raises(InputError, match=rf"^changes\.yaml:12: {kind}: .*{message}"):
        _patched(project, change)


def test_write_repeats_the_layout_and_analyses(project: Project, tmp_path: Path) -> None:
    result = _patched(project, Change.make("mask", None, screen="detail", field="name"))
    model = write(project, result, tmp_path / "out")
    assert model == tmp_path / "out" / MODEL
    for name in (MODEL, CSV, "accesssim.conf"):
        assert (tmp_path / "out" / name).read_bytes() == result.texts[name].encode()
    again = load_project(model, tmp_path / "out")
    assert again.loaded.model.systems[0].screens[2].shows[0].masking == "policy"


def test_write_never_replaces_an_input(project: Project, tmp_path: Path) -> None:
    copy = tmp_path / "proj"
    shutil.copytree(FIXTURE, copy)
    mine = load_project(copy / MODEL, copy)
    result = _patched(mine, Change.make("mask", None, screen="detail", field="name"))
    with pytest.raises(InputError, match="would replace the input"):
        write(mine, result, copy)
    assert (copy / MODEL).read_text() == _original(MODEL)


def test_a_loaded_change_set_applies(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("accesssim-changes: 1\nchanges:\n"
                    "  - uncheck: {from: search, to: detail}\n"
                    "  - check: {from: search, to: detail}\n", encoding="utf-8")
    cs = load_changes(path, "c.yaml")
    assert [c.source for c in cs.changes] == [Source("c.yaml", 3), Source("c.yaml", 4)]
    assert _patched(project, *cs.changes).texts[MODEL] == _original(MODEL)
