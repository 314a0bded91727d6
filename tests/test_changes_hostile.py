"""Hostile inputs for the change-set applier and ``accesssim whatif``: layouts and values the
text edits might mishandle, and output paths that might clash. Each case was a bug: a change
set saying one thing while the written files said another, or output half written."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as hst

from accesssim.changes.apply import loaded, patch
from accesssim.changes.load import describe
from accesssim.changes.spec import Change
from accesssim.engine import Project, load_project
from accesssim.errors import InputError
from helpers import REPO, assert_error, run
from profiles import examples
from strategies import Generated, materialise, projects
from test_whatif_oracle import accepted, draw_change

FIXTURE = REPO / "tests" / "data" / "changes"


def _project(tmp: Path, *edits: tuple[str, str]) -> Project:
    """The change-set fixture copied to ``tmp``, its model text edited (old, new)."""
    for name in ("model.yaml", "policy.csv", "accesssim.conf"):
        shutil.copy(FIXTURE / name, tmp / name)
    text = (FIXTURE / "model.yaml").read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (tmp / "model.yaml").write_text(text, encoding="utf-8")
    return load_project(tmp / "model.yaml", tmp)


# -- a list holding an entry twice: removing it must remove it, not one copy of it ---------
@pytest.mark.parametrize(("terminal", "old", "new"), [
    ("t_hq", "assigned_to: [op]", "assigned_to: [op, clerk, op]"),
    ("t_store", "    open: true\n", "    open: true\n    assigned_to:\n      - op\n"
                                    "      - clerk\n      - op  # again\n"),
])
def test_unassign_removes_every_copy(tmp_path: Path, terminal: str, old: str, new: str
                                     ) -> None:
    project = _project(tmp_path, (old, new))
    patched = patch(project, [Change.make("unassign_terminal", terminal=terminal, person="op")])
    with loaded(project, patched) as again:
        found = {t.id: t.assigned_to for t in again.loaded.model.terminals}
    assert found[terminal] == ["clerk"]


def test_end_session_ends_every_copy(tmp_path: Path) -> None:
    project = _project(tmp_path, ("logged_in: [acc_op]", "logged_in: [acc_op, acc_op]"))
    patched = patch(project, [Change.make("end_session", terminal="t_hq", account="acc_op")])
    with loaded(project, patched) as again:
        assert [t.logged_in for t in again.loaded.model.terminals if t.id == "t_hq"] == [[]]


def test_close_location_removes_every_copy(tmp_path: Path) -> None:
    project = _project(tmp_path, ("open_to: [grid, shop]", "open_to: [grid, shop, shop]"),
                       ("      - store\n      - hq\n", "      - hq\n      - store\n      - hq\n"))
    patched = patch(project, [Change.make("close_location", location="hq", org="shop")])
    with loaded(project, patched) as again:
        model = again.loaded.model
        assert [loc.open_to for loc in model.locations if loc.id == "hq"] == [["grid"]]
        assert [p.locations for p in model.people if p.id == "clerk"] == [["store"]]


# -- --write and -o: nothing half written, and the output never lands on a written file -----
def _cli_project(tmp: Path) -> tuple[Path, Path]:
    root = tmp / "proj"
    root.mkdir()
    _project(root)
    change = tmp / "c.yaml"
    change.write_text("accesssim-changes: 1\nchanges:\n"
                      "  - move_terminal: {terminal: t_store, to: hq}\n", encoding="utf-8")
    return root, change


def test_output_inside_the_written_folder_is_refused(tmp_path: Path) -> None:
    root, change = _cli_project(tmp_path)
    out = tmp_path / "out"
    got = run("whatif", str(root / "model.yaml"), "--root", str(root), "--change", str(change),
              "--write", str(out), "-o", str(out / "model.yaml"), "--quiet")
    assert_error(got, "model.yaml")
    assert not out.exists()


def test_output_beside_the_written_files_is_fine(tmp_path: Path) -> None:
    root, change = _cli_project(tmp_path)
    out = tmp_path / "out"
    got = run("whatif", str(root / "model.yaml"), "--root", str(root), "--change", str(change),
              "--write", str(out), "-o", str(out / "report.txt"), "--quiet")
    assert got.exit_code in (0, 1), got.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "accesssim.conf", "model.yaml", "policy.csv", "report.txt"]
    assert (out / "model.yaml").read_text(encoding="utf-8").startswith("# A small project")


def test_output_equal_to_the_written_folder_writes_nothing(tmp_path: Path) -> None:
    root, change = _cli_project(tmp_path)
    out = tmp_path / "out"
    got = run("whatif", str(root / "model.yaml"), "--root", str(root), "--change", str(change),
              "--write", str(out), "-o", str(out), "--quiet")
    assert_error(got)
    assert not out.exists()


def test_write_over_a_folder_where_a_file_goes_writes_nothing(tmp_path: Path) -> None:
    root, change = _cli_project(tmp_path)
    out = tmp_path / "out"
    (out / "policy.csv").mkdir(parents=True)
    got = run("whatif", str(root / "model.yaml"), "--root", str(root), "--change", str(change),
              "--write", str(out), "--quiet")
    assert_error(got, "policy.csv")
    assert sorted(p.name for p in out.iterdir()) == ["policy.csv"]
    assert ".accesssim-write" not in got.stderr


# -- a value holding a line break or a comma would write other lines than the change says ----
@pytest.mark.parametrize(("kind", "params"), [
    ("grant", {"member": "acc_op, staff, sys\ng, acc_clerk", "role": "staff", "system": "sys"}),
    ("grant", {"member": "acc_clerk", "role": "staff, sys\ng, acc_clerk, staff",
               "system": "sys"}),
    ("grant", {"member": "acc_clerk, staff", "role": "sys", "system": "sys"}),
    ("revoke", {"member": "acc_clerk", "role": "shop_role, sys"}),
    ("add_rule", {"rule": "g, acc_clerk\rg, staff, sys"}),
])
def test_policy_values_must_be_single_csv_values(tmp_path: Path, kind: str,
                                                 params: dict[str, str]) -> None:
    project = _project(tmp_path)
    with pytest.raises(InputError) as caught:
        patch(project, [Change.make(kind, **params)])
    assert "one value" in str(caught.value) or "line break" in str(caught.value)


# -- a block sequence item whose dash stands on a line of its own ("-" then the item below) ---
def test_withdraw_an_item_whose_dash_is_alone_on_its_line(tmp_path: Path) -> None:
    project = _project(tmp_path, ("  - id: t_store\n", "  -\n    id: t_store\n"))
    patched = patch(project, [Change.make("withdraw_terminal", terminal="t_store")])
    with loaded(project, patched) as again:
        assert [t.id for t in again.loaded.model.terminals] == ["t_hq"]


def test_add_after_an_item_whose_dash_is_alone_on_its_line(tmp_path: Path) -> None:
    project = _project(tmp_path, ("    open: true\n",
                                  "    open: true\n    assigned_to:\n      -  # the clerk\n"
                                  "        clerk\n"))
    patched = patch(project, [Change.make("hand_terminal", terminal="t_store", person="op"),
                              Change.make("unassign_terminal", terminal="t_store",
                                          person="clerk")])
    with loaded(project, patched) as again:
        assert [t.assigned_to for t in again.loaded.model.terminals if t.id == "t_store"] == [
            ["op"]]


def test_split_a_system_whose_dash_is_alone_on_its_line(tmp_path: Path) -> None:
    text = (FIXTURE / "model.yaml").read_text(encoding="utf-8")
    block = text[text.index("  - id: sys\n"):text.index("\ncasbin:")]
    first, *rest = block[4:].splitlines(keepends=True)
    moved = "  -\n      " + first + "".join("  " + line if line.strip() else line
                                           for line in rest)
    project = _project(tmp_path, (block, moved))
    split = Change.make("split_system", system="sys", into="s2", screens=["menu"],
                        **{"for": ["shop"]})
    with loaded(project, patch(project, [split])) as again:
        assert [(s.id, [x.id for x in s.screens]) for s in again.loaded.model.systems] == [
            ("sys", ["menu", "search", "detail"]), ("s2", ["s2.menu"])]


def test_write_never_replaces_the_change_set(tmp_path: Path) -> None:
    root, _ = _cli_project(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    change = out / "model.yaml"
    text = "accesssim-changes: 1\nchanges:\n  - move_terminal: {terminal: t_store, to: hq}\n"
    change.write_text(text, encoding="utf-8")
    got = run("whatif", str(root / "model.yaml"), "--root", str(root), "--change", str(change),
              "--write", str(out), "--quiet")
    assert_error(got, "model.yaml")
    assert change.read_text(encoding="utf-8") == text
    assert sorted(p.name for p in out.iterdir()) == ["model.yaml"]


# -- a long change set that stops loading at its end: each change is made once, not once per
# -- prefix (600 changes took 40 s to name the culprit) -----------------------------------------
def test_naming_the_culprit_makes_each_change_once(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from accesssim.changes import apply

    project = _project(tmp_path)
    calls: list[str] = []
    handlers = dict(apply._HANDLERS)
    for kind, handler in handlers.items():
        monkeypatch.setitem(apply._HANDLERS, kind,
                            lambda st, c, h=handler: calls.append(c.kind) or h(st, c))
    back_and_forth = [Change.make("hand_terminal", terminal="t_store", person="op"),
                      Change.make("unassign_terminal", terminal="t_store", person="op")] * 20
    broken = Change.make("add_rule", rule="p, staff, sys, detail, open, allow, weekend, *, *")
    changes = [*back_and_forth, broken]
    patched = patch(project, changes)
    with pytest.raises(InputError) as caught, loaded(project, patched):
        pass
    assert "weekend" in str(caught.value)
    assert len(calls) == 2 * len(changes)  # the patch, then one pass to find the culprit


# -- a boolean written True / FALSE: check and uncheck see what it means -----------------------
@pytest.mark.parametrize(("kind", "old", "new"), [
    ("check", "{from: search, to: detail, checked: true}",
     "{from: search, to: detail, checked: True}"),
    ("uncheck", "{from: menu, to: detail, checked: false}",
     "{from: menu, to: detail, checked: FALSE}"),
])
def test_check_of_a_capitalised_boolean_changes_nothing(tmp_path: Path, kind: str, old: str,
                                                         new: str) -> None:
    project = _project(tmp_path, (old, new))
    source, target = ("search", "detail") if kind == "check" else ("menu", "detail")
    with pytest.raises(InputError, match="changes nothing"):
        patch(project, [Change.make(kind, **{"from": source, "to": target})])


# -- property: however the model is laid out, a change set means the same ---------------------
class _IndentedDumper(yaml.SafeDumper):
    """Block sequences indented under their key (PyYAML writes them flush by default)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _restyled(gen: Generated, style: str, crlf: bool, last_break: bool) -> str:
    """The generated model in another layout that means the same: leaf lists and maps in flow
    style, indented sequences, comments at line ends and between lines, trailing spaces."""
    width = 10**9  # no scalar is folded over lines: a comment added never lands inside one
    if style == "flow-leaves":
        text = yaml.dump(gen.model, Dumper=_IndentedDumper, sort_keys=False,
                         allow_unicode=True, default_flow_style=None, width=width)
    elif style == "indented":
        text = yaml.dump(gen.model, Dumper=_IndentedDumper, sort_keys=False,
                         allow_unicode=True, width=width, indent=4)
    else:
        text = yaml.dump(gen.model, Dumper=_IndentedDumper, sort_keys=False,
                         allow_unicode=True, width=width)
        lines = []
        for number, line in enumerate(text.splitlines()):
            lines.append(f"{line}  # 注 {number}" if number % 3 == 0 else line + "  ")
            if number % 4 == 1:
                lines.append("# between the lines")
        text = "\n".join(lines) + "\n"
    if not last_break:
        text = text.rstrip("\n")
    return text.replace("\n", "\r\n") if crlf else text


def _meaning(project: Project) -> tuple[Any, list[Any]]:
    """The loaded model without where things stand (lines), and the policy's rules."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("line", "key_lines")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    policy = project.policy
    return (strip(project.loaded.model.model_dump()),
            sorted((r.ptype, r.values) for r in policy.rules + policy.groupings))


@settings(max_examples=examples(100), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(projects(), hst.data())
def test_a_change_set_means_the_same_in_every_layout(gen: Generated,
                                                     data: hst.DataObject) -> None:
    style = data.draw(hst.sampled_from(["flow-leaves", "indented", "comments"]))
    crlf, last_break = data.draw(hst.booleans()), data.draw(hst.booleans())
    note(f"{style} crlf={crlf} last_break={last_break}\n{gen.describe()}")
    with materialise(gen) as plain:
        changes = accepted(plain, [c for c in (draw_change(data, gen) for _ in range(
            data.draw(hst.integers(1, 4)))) if c is not None])
        if not changes:
            return
        for change in changes:
            note(describe(change))
        with loaded(plain, patch(plain, changes)) as meant:
            expected = _meaning(meant)
        folder = Path(plain.loaded.path).parent
        (folder / "model.yaml").write_bytes(
            _restyled(gen, style, crlf, last_break).encode("utf-8"))
        other = load_project(folder / "model.yaml", folder)
        assert _meaning(other) == _meaning(plain), "the restyled model means something else"
        with loaded(other, patch(other, changes)) as got:
            assert _meaning(got) == expected


# -- a transition's target written SYSTEM/SCREEN, as docs/whatif.md says screens may be -------
@pytest.mark.parametrize(("source", "target"), [("sys/menu", "sys/search"),
                                                ("menu", "sys/search")])
def test_transition_target_may_name_its_system(tmp_path: Path, source: str,
                                               target: str) -> None:
    project = _project(tmp_path)
    patched = patch(project, [Change.make("uncheck", **{"from": source, "to": target})])
    with loaded(project, patched) as again:
        checked = {(t.source, t.target): t.checked
                   for s in again.loaded.model.systems for t in s.transitions}
    assert checked[("menu", "search")] is False


def test_transition_target_in_another_system_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path)
    with pytest.raises(InputError, match="no transition"):
        patch(project, [Change.make("uncheck", **{"from": "sys/menu", "to": "other/search"})])


# -- a Casbin model whose object column has another name: split refuses, never crashes --------
def test_split_with_an_object_column_of_another_name_is_refused(tmp_path: Path) -> None:
    _project(tmp_path)
    conf = tmp_path / "accesssim.conf"
    text = conf.read_text(encoding="utf-8")
    conf.write_text(text.replace("p = sub, dom, obj,", "p = sub, dom, res,")
                    .replace("p.obj", "p.res"), encoding="utf-8")
    project = load_project(tmp_path / "model.yaml", tmp_path)
    split = Change.make("split_system", system="sys", into="s2", screens=["menu"],
                        **{"for": ["shop"]})
    with pytest.raises(InputError, match=r"r\.obj == p\.obj"):
        patch(project, [split])


def test_split_moves_an_account_listing_the_system_twice(tmp_path: Path) -> None:
    project = _project(tmp_path, ("    holder: clerk\n    systems: [sys]",
                                  "    holder: clerk\n    systems: [sys, sys]"))
    split = Change.make("split_system", system="sys", into="s2", screens=["menu"],
                        **{"for": ["shop"]})
    with loaded(project, patch(project, [split])) as again:
        assert [set(a.systems) for a in again.loaded.model.accounts
                if a.id == "acc_clerk"] == [{"s2"}]


# -- a key written null means what an absent key means -----------------------------------------
def test_extend_a_window_written_null(tmp_path: Path) -> None:
    flow = "  - {id: acc_op, holder: op, systems: [sys], known_by: [clerk]}"
    project = _project(tmp_path, (flow, flow[:-1] + ", valid: null}"))
    until = dt.date(2030, 1, 1)
    patched = patch(project, [Change.make("extend", account="acc_op", until=until)])
    with loaded(project, patched) as again:
        assert [a.valid.until for a in again.loaded.model.accounts
                if a.id == "acc_op" and a.valid] == [until]


def test_opening_a_window_whose_end_is_null_changes_nothing(tmp_path: Path) -> None:
    flow = "  - {id: acc_op, holder: op, systems: [sys], known_by: [clerk]}"
    project = _project(tmp_path, (flow, flow[:-1] + ", valid: {until: null}}"))
    with pytest.raises(InputError, match="changes nothing"):
        patch(project, [Change.make("extend", account="acc_op")])


# -- a line the change set wrote that the gate refuses is cited at the change, not at a line of
# -- a policy that exists only in memory -----------------------------------------------------
@pytest.mark.parametrize("item", [
    "grant: {member: acc_nobody, role: staff, system: sys}",
    "grant: {member: acc_clerk, role: staff, system: nosys}",
    'add_rule: {rule: "p, shop_role, sys, nosuchscreen, open, allow, *, *, *"}',
])
def test_a_written_line_refused_by_the_gate_is_cited_at_its_change(tmp_path: Path,
                                                                   item: str) -> None:
    root, _ = _cli_project(tmp_path)
    change = tmp_path / "c.yaml"
    change.write_text("accesssim-changes: 1\nchanges:\n"
                      "  - move_terminal: {terminal: t_store, to: hq}\n"
                      f"  - {item}\n", encoding="utf-8")
    got = run("whatif", str(root / "model.yaml"), "--root", str(root), "--change", str(change),
              "--quiet")
    assert_error(got, f"{change}:4: {item.split(':')[0]}: ")
    assert "policy.csv:10" in got.stderr  # what the gate said about the edited file follows


# -- a model whose lines end in a lone CR (YAML reads it; the edits work on LF and CRLF lines) --
def test_a_model_with_lone_cr_line_ends_is_refused_with_why(tmp_path: Path) -> None:
    _project(tmp_path)
    model = tmp_path / "model.yaml"
    model.write_bytes(model.read_bytes().replace(b"\n", b"\r"))
    project = load_project(model, tmp_path)
    with pytest.raises(InputError, match="lone CR"):
        patch(project, [Change.make("hand_terminal", terminal="t_store", person="op")])
    patched = patch(project, [Change.make("revoke", member="acc_clerk", role="shop_role")])
    with loaded(project, patched) as again:
        assert len(again.policy.groupings) == 1


# -- writing * into a column the matcher does not read as "any" would make the rule dead -------
@pytest.mark.parametrize(("kind", "old", "new", "params"), [
    ("ungate", '(p.mode == "*" || p.mode == r.mode)', "p.mode == r.mode",
     {"rule": "p, staff, sys, detail, open, allow, disaster, *, *"}),
    ("extend", '(p.valid_until == "*" || r.date <= p.valid_until)', "r.date <= p.valid_until",
     {"rule": "p, staff, sys, detail, open, allow, disaster, *, 2030-01-01"}),
])
def test_a_star_the_matcher_does_not_read_as_any_is_refused(
        tmp_path: Path, kind: str, old: str, new: str, params: dict[str, str]) -> None:
    _project(tmp_path)
    conf, csv = tmp_path / "accesssim.conf", tmp_path / "policy.csv"
    text = conf.read_text(encoding="utf-8")
    assert old in text
    conf.write_text(text.replace(old, new), encoding="utf-8")
    rows = csv.read_text(encoding="utf-8").replace(", *, *, *", ", *, 2031-01-01, 2031-01-02")
    csv.write_text(rows + params["rule"] + "\n", encoding="utf-8")
    project = load_project(tmp_path / "model.yaml", tmp_path)
    with pytest.raises(InputError, match="matcher"):
        patch(project, [Change.make(kind, **params)])


@pytest.mark.parametrize("into", ["s2 ", "a,b", "s2\ng, acc_op, shop_role, sys", "s2)"])
def test_split_into_an_id_the_policy_cannot_hold_is_refused(tmp_path: Path, into: str) -> None:
    project = _project(tmp_path)
    split = Change.make("split_system", system="sys", into=into, screens=["menu"],
                        **{"for": ["shop"]})
    with pytest.raises(InputError, match="one value"):
        patch(project, [split])
