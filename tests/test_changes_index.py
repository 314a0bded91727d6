"""The model text cut into pieces (changes/index.py): the cut agrees with the loader or is not
used, each piece composes to the node the whole text's compose has, and edits made from
pieces equal edits made from the whole text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from accesssim.changes.apply import Patcher
from accesssim.changes.index import Pieces, scan
from accesssim.changes.spec import Change
from accesssim.changes.state import State
from accesssim.engine import load_project
from accesssim.mutate import edits
from accesssim.suite.suite import discover
from helpers import REPO, one_file_csv_models

FIXTURE = REPO / "tests" / "data" / "changes"

TEXT = """\
# a comment
accesssim: 1
name: "two: words"
trust:
  - {orgs: [a], systems: [s]}
  - {orgs: [a], systems: [s]}
people:
- id: p1
  org: a
  # a comment inside an item
- id: p2
  org: a

modes: [normal,
  disaster]
systems:
  - id: s
    screens:
      - id: menu
"""


def _marks(node: yaml.Node) -> list[tuple[int, int, int, int]]:
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append((n.start_mark.index, n.end_mark.index, n.start_mark.line,
                    n.start_mark.column))
        if isinstance(n, yaml.MappingNode):
            stack += [x for pair in n.value for x in pair]
        elif isinstance(n, yaml.SequenceNode):
            stack += n.value
    return out


def test_scan_finds_keys_and_block_sequence_items() -> None:
    cut = scan(TEXT)
    assert list(cut) == ["accesssim", "name", "trust", "people", "modes", "systems"]
    assert cut["name"].items is None and cut["modes"].items is None
    assert [line for _, _, line in cut["trust"].items or ()] == [4, 5]
    assert [line for _, _, line in cut["people"].items or ()] == [7, 10]
    assert len(cut["systems"].items or ()) == 1


def test_pieces_have_the_whole_text_s_marks() -> None:
    whole = edits.compose(TEXT)
    pieces, cut = Pieces(), scan(TEXT)
    for key in ("trust", "people", "systems"):
        items = edits.items(edits.child(whole, key))
        mine = [pieces.item(TEXT, a, b, line) for a, b, line in cut[key].items or ()]
        assert [_marks(n) for n in mine] == [_marks(n) for n in items]
    modes = pieces.section(TEXT, cut["modes"])
    assert _marks(edits.child(modes, "modes")) == _marks(edits.child(whole, "modes"))


def test_equal_items_get_nodes_of_their_own_and_moved_pieces_are_moved_back() -> None:
    pieces, cut = Pieces(), scan(TEXT)
    (a1, b1, l1), (a2, b2, l2) = cut["trust"].items or ()
    first, second = pieces.item(TEXT, a1, b1, l1), pieces.item(TEXT, a2, b2, l2)
    assert first is not second
    assert first.start_mark.index == a1 + 4 and second.start_mark.index == a2 + 4
    shifted = "# one more line\n" + TEXT
    again = scan(shifted)["trust"].items or ()
    moved = pieces.item(shifted, *again[0])
    assert moved.start_mark.index == again[0][0] + 4 and moved.start_mark.line == 5


def test_every_shipped_scenario_is_cut_and_the_fixture_too() -> None:
    for model in [*one_file_csv_models(discover([REPO / "scenarios"])), FIXTURE / "model.yaml"]:
        project = load_project(model, model.parent if model.parent == FIXTURE else REPO)
        assert State(project).cut_trusted, model


def test_an_untrusted_cut_composes_the_whole_text(tmp_path: Path) -> None:
    for name in ("policy.csv", "accesssim.conf"):
        (tmp_path / name).write_bytes((FIXTURE / name).read_bytes())
    text = (FIXTURE / "model.yaml").read_text(encoding="utf-8")
    (tmp_path / "model.yaml").write_text(text.replace("terminals:", '"terminals":'),
                                         encoding="utf-8")
    project = load_project(tmp_path / "model.yaml", tmp_path)
    assert not State(project).cut_trusted
    change = Change.make("move_terminal", None, terminal="t_store", to="hq")
    patched = Patcher(project).patch([change]).texts["model.yaml"]
    assert "    location: hq\n    owner: shop" in patched


CHANGES = [
    Change.make("hand_terminal", None, terminal="t_store", person="op"),
    Change.make("withdraw_terminal", None, terminal="t_hq"),
    Change.make("withdraw_terminal", None, terminal="t_store"),
    Change.make("close_location", None, location="hq", org="shop"),
    Change.make("split_system", None, system="sys", into="copy", screens=["search", "detail"],
                **{"for": ["shop"]}),
    Change.make("mask", None, screen="copy.detail", field="copy.name"),
]


def test_pieces_and_whole_give_the_same_edits_in_sequence() -> None:
    project = load_project(FIXTURE / "model.yaml", FIXTURE)
    patcher = Patcher(project)
    for count in range(1, len(CHANGES) + 1):
        by_pieces = patcher.patch(CHANGES[:count]).texts
        assert by_pieces == Patcher(project, cut=False).patch(CHANGES[:count]).texts
    assert "terminals: []" in by_pieces["model.yaml"]


def test_a_block_scalar_ending_an_item_keeps_the_next_item(tmp_path: Path) -> None:
    """A block scalar's node ends at the next line's start: an edit after it, or removing
    its item, must not reach into the next item."""
    for name in ("policy.csv", "accesssim.conf"):
        (tmp_path / name).write_bytes((FIXTURE / name).read_bytes())
    text = (FIXTURE / "model.yaml").read_text(encoding="utf-8")
    text = text.replace("    open: true\n    systems: [sys]\n",
                        "    open: true\n    systems: [sys]\n    note: |\n      lent\n", 1)
    text = text.replace("          - field: usage\n            masking: masked\n",
                        "          - field: usage\n            masking: masked\n"
                        "        note: >\n          folded\n", 1)
    (tmp_path / "model.yaml").write_text(text, encoding="utf-8")
    project = load_project(tmp_path / "model.yaml", tmp_path)
    for changes in ([Change.make("hand_terminal", None, terminal="t_store", person="op")],
                    [Change.make("withdraw_terminal", None, terminal="t_store")],
                    [Change.make("extend", None, screen="detail", until=dt.date(2030, 1, 1))],
                    [Change.make("split_system", None, system="sys", into="copy",
                                 screens=["detail"], **{"for": ["shop"]})]):
        for cut in (None, False):
            texts = Patcher(project, cut=cut).patch(changes).texts
            (tmp_path / "out").mkdir(exist_ok=True)
            for name, body in texts.items():
                (tmp_path / "out" / name).write_text(body, encoding="utf-8")
            again = load_project(tmp_path / "out" / "model.yaml", tmp_path / "out").loaded.model
            assert [t.id for t in again.terminals][:1] == ["t_hq"]
            notes = [t.note for t in again.terminals if t.id == "t_store"]
            assert notes in ([], ["lent\n"])
            detail = [s for sys in again.systems for s in sys.screens
                      if s.id.endswith("detail")]
            assert all(s.note == "folded\n" for s in detail)
        if changes[0].kind == "hand_terminal":
            assert "      lent\n    assigned_to: [op]\n" in texts["model.yaml"]
        if changes[0].kind == "extend":
            assert "          folded\n        valid: {until: 2030-01-01}\n" in texts["model.yaml"]
