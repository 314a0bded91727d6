"""`accesssim import`: tables in, one cited model out, or every bad row at once and nothing
written (docs/import.md)."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import assume, given
from hypothesis import strategies as st

from accesssim.cli.main import main
from accesssim.inventory.mapping import json_schema
from accesssim.model.files import CONTROL
from accesssim.model.loader import parse_yaml
from helpers import REPO
from inventory_files import PARTS, write_csv, write_mapping, write_table, write_xlsx

HEADER = ["社員番号", "氏名", "部署", "人数", "勤務地", "開始日"]
GOOD = [["p1", "山田", "託送部", 3, "office", "2020-01-01"],
        ["p2", "佐藤", "営業部", 1, "office", None]]
#: One bad people row per kind: (row cells, the message it must give).
BAD: dict[str, tuple[list[Any], str]] = {
    "missing key": (["", "無名", "託送部", 1, "office", None], "missing id"),
    "unknown organisation": (["p3", "鈴木", "総務部", 1, "office", None],
                             "unknown organisation '総務部'"),
    "duplicate id": (["p1", "山田二", "託送部", 1, "office", None], "duplicate id 'p1'"),
    "bad date": (["p4", "田中", "託送部", 1, "office", "2020-02-30"], "bad date in valid_from"),
    "wrong type": (["p5", "高橋", "託送部", "many", "office", None], "wrong type in headcount"),
    "unknown reference": (["p6", "伊藤", "託送部", 1, "warehouse", None],
                          "unknown location 'warehouse'"),
}


def _run(*args: str) -> Any:
    return CliRunner().invoke(main, ["import", *args, "-q"], catch_exceptions=False)


def _project(tmp: Path, fmt: str, rows: list[list[Any]], encoding: str = "utf-8",
             extra: list[dict[str, Any]] | None = None) -> Path:
    (tmp / "parts.yaml").write_text(PARTS, encoding="utf-8")
    (tmp / "policy.csv").write_text("", encoding="utf-8")
    shutil.copyfile(REPO / "policies" / "accesssim.conf", tmp / "accesssim.conf")
    people = write_table(tmp, "staff", fmt, HEADER, rows, sheet="名簿", encoding=encoding)
    write_csv(tmp / "accounts.csv", ["id", "holder"], [["acc1", "p1"], ["acc2", "p2"]])
    mapping = {
        "accesssim-import": 1, "name": "t", "include": ["parts.yaml"],
        "values": {"部署": {"託送部": "a_nw", "営業部": "b_ep"}},
        "tables": [
            {"kind": "people", **people, "columns": {
                "id": "社員番号", "name": "氏名", "org": {"column": "部署", "values": "部署"},
                "headcount": "人数", "locations": "勤務地", "valid_from": "開始日"}},
            {"kind": "accounts", "file": "accounts.csv", "columns": {
                "id": "id", "holder": "holder", "systems": {"value": ["sys"]}}},
            *(extra or []),
        ],
    }
    write_mapping(tmp / "mapping.yaml", mapping)
    return tmp / "mapping.yaml"


def _written(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((out / "model.yaml").read_text(encoding="utf-8"))
    return data


def _where(fmt: str, row: int) -> str:
    """How a people row is cited: CSV and XLSX count the header as row 1, Parquet does not."""
    return {"csv": f"staff.csv:{row}", "xlsx": f"staff.xlsx:名簿:{row}",
            "parquet": f"staff.parquet:{row - 1}"}[fmt]


FORMATS = ["csv", "xlsx", "parquet"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_good_tables_become_cited_elements(tmp_path: Path, fmt: str) -> None:
    rows = [[str(c) if fmt == "parquet" and c is not None else c for c in r] for r in GOOD]
    result = _run(str(_project(tmp_path, fmt, rows)), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    data = _written(tmp_path / "out")
    assert data["include"] == ["../parts.yaml"]
    p1 = data["people"][0]
    assert p1["id"] == "p1" and p1["org"] == "a_nw" and p1["headcount"] == 3
    assert str(p1["valid"]["from"]) == "2020-01-01"
    expected = {"file": f"../staff.{fmt}", "row": 2 if fmt != "parquet" else 1}
    if fmt == "xlsx":
        expected["sheet"] = "名簿"
    assert p1["source"] == expected
    assert [a["holder"] for a in data["accounts"]] == ["p1", "p2"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", sorted(BAD))
def test_each_bad_row_kind_is_cited(tmp_path: Path, fmt: str, kind: str) -> None:
    bad, message = BAD[kind]
    rows = [*GOOD, bad]
    if fmt == "parquet":
        rows = [[None if c is None else str(c) for c in r] for r in rows]
    result = _run(str(_project(tmp_path, fmt, rows)), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert f"error: {_where(fmt, 4)}: {message}" in result.output, result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_unreadable_cell(tmp_path: Path, fmt: str) -> None:
    rows: list[list[Any]] = [[str(c) if c is not None else None for c in r] for r in GOOD]
    if fmt == "xlsx":
        rows.append(["p9", "#DIV/0!", "託送部", "1", "office", None])
    elif fmt == "parquet":
        rows = [[c.encode() if i == 1 and c else c for i, c in enumerate(r)] for r in rows]
    mapping = _project(tmp_path, fmt, rows, encoding="cp932")
    if fmt == "csv":  # a lead byte of CP932 followed by a byte that cannot trail it
        raw = (tmp_path / "staff.csv").read_bytes() + b"p9,\x81\x20,x,1,office,\r\n"
        (tmp_path / "staff.csv").write_bytes(raw)
    result = _run(str(mapping), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "unreadable cell" in result.output
    where = {"csv": "staff.csv:4", "xlsx": "staff.xlsx:名簿:4", "parquet": "staff.parquet:1"}
    assert f"error: {where[fmt]}: unreadable cell" in result.output, result.output
    assert not (tmp_path / "out").exists()


def test_all_bad_rows_are_reported_at_once(tmp_path: Path) -> None:
    rows = [*GOOD, *(bad for bad, _ in BAD.values())]
    result = _run(str(_project(tmp_path, "csv", rows)), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    for n, (_, message) in enumerate(BAD.values(), start=4):
        assert f"staff.csv:{n}: {message}" in result.output, result.output
    assert f"{len(BAD)} problem(s) found" in result.output


def test_cp932_roster_is_read(tmp_path: Path) -> None:
    mapping = _project(tmp_path, "csv", GOOD, encoding="cp932")
    assert "託送部".encode("cp932") in (tmp_path / "staff.csv").read_bytes()
    result = _run(str(mapping), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert [p["name"] for p in _written(tmp_path / "out")["people"]] == ["山田", "佐藤"]


def test_xlsx_table_over_two_sheets(tmp_path: Path) -> None:
    extra = {"kind": "terminals", "file": "assets.xlsx", "sheet": ["本社", "支店"], "columns": {
        "id": "資産番号", "location": "設置場所", "owner": "所有", "assigned_to": "貸与先",
        "open": "共用", "systems": {"value": ["sys"]}, "logged_in": "ログイン中"}}
    mapping = _project(tmp_path, "csv", GOOD, extra=[extra])
    header = ["資産番号", "設置場所", "所有", "貸与先", "共用", "ログイン中"]
    write_xlsx(tmp_path / "assets.xlsx", {
        "本社": (header, [["t1", "office", "a_nw", None, "yes", "acc1"]]),
        "支店": (header, [["t2", "office", "a_nw", "p1; p2", "no", None],
                         ["t3", "office", "a_nw", None, True, None]]),
    })
    result = _run(str(mapping), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    terminals = {t["id"]: t for t in _written(tmp_path / "out")["terminals"]}
    assert terminals["t1"]["source"] == {"file": "../assets.xlsx", "sheet": "本社", "row": 2}
    assert terminals["t1"]["logged_in"] == ["acc1"] and terminals["t1"]["open"] is True
    assert terminals["t2"]["source"] == {"file": "../assets.xlsx", "sheet": "支店", "row": 2}
    assert terminals["t2"]["assigned_to"] == ["p1", "p2"]
    assert terminals["t3"]["source"]["row"] == 3 and terminals["t3"]["open"] is True


def test_lenient_leaves_out_bad_rows_and_what_rests_on_them(tmp_path: Path) -> None:
    rows = [*GOOD, BAD["unknown organisation"][0], BAD["bad date"][0]]
    mapping = _project(tmp_path, "csv", rows)
    write_csv(tmp_path / "accounts.csv", ["id", "holder"],
              [["acc1", "p1"], ["acc2", "p2"], ["acc4", "p4"]])
    result = _run(str(mapping), "-o", str(tmp_path / "out"), "--lenient", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    skipped = {s["where"]: s["problem"] for s in report["skipped"]}
    assert "unknown organisation" in skipped["staff.csv:4"]
    assert "bad date" in skipped["staff.csv:5"]
    assert "rests on person 'p4'" in skipped["accounts.csv:4"]
    data = _written(tmp_path / "out")
    assert [p["id"] for p in data["people"]] == ["p1", "p2"]
    assert [a["id"] for a in data["accounts"]] == ["acc1", "acc2"]


def test_credentials_and_door_access_lists(tmp_path: Path) -> None:
    write_csv(tmp_path / "known.csv", ["account", "person"], [["acc1", "p2"]])
    write_csv(tmp_path / "doors.csv", ["person", "place"], [["p2", "office"]])
    extra = [{"kind": "credentials", "file": "known.csv",
              "columns": {"account": "account", "person": "person"}},
             {"kind": "door_access", "file": "doors.csv",
              "columns": {"location": "place", "person": "person"}}]
    rows = [[*r[:4], None, *r[5:]] for r in GOOD]
    result = _run(str(_project(tmp_path, "csv", rows, extra=extra)), "-o", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    data = _written(tmp_path / "o")
    assert data["accounts"][0]["known_by"] == ["p2"]
    assert [p.get("locations") for p in data["people"]] == [None, ["office"]]


def test_a_link_to_a_hand_written_element_is_refused(tmp_path: Path) -> None:
    write_csv(tmp_path / "doors.csv", ["org", "place"], [["b_ep", "office"]])
    extra = [{"kind": "door_access", "file": "doors.csv",
              "columns": {"location": "place", "org": "org"}}]
    result = _run(str(_project(tmp_path, "csv", GOOD, extra=extra)), "-o", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "doors.csv:2: location 'office' is in the hand-written parts" in result.output


def test_same_input_same_bytes_and_failed_run_keeps_old_model(tmp_path: Path) -> None:
    mapping = _project(tmp_path, "xlsx", GOOD)
    assert _run(str(mapping), "-o", str(tmp_path / "a")).exit_code == 0
    assert _run(str(mapping), "-o", str(tmp_path / "b")).exit_code == 0
    first = (tmp_path / "a" / "model.yaml").read_bytes()
    assert first == (tmp_path / "b" / "model.yaml").read_bytes()
    _project(tmp_path, "xlsx", [*GOOD, BAD["duplicate id"][0]])
    assert _run(str(mapping), "-o", str(tmp_path / "a")).exit_code == 2
    assert (tmp_path / "a" / "model.yaml").read_bytes() == first
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["model.yaml"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize(("edit", "line", "message"), [
    (lambda m: m["tables"][0]["columns"].__setitem__("colour", "x"), "colour",
     "people has no key colour"),
    (lambda m: m["tables"][0].__setitem__("encodng", "cp932"), "encodng", "unknown key"),
    (lambda m: m["tables"][0]["columns"].__setitem__("name", "名前"), "name: 名前",
     "column '名前' is not in the header"),
    (lambda m: m["tables"][0].__setitem__("file", "nowhere.xlsx"), "nowhere.xlsx",
     "file not found"),
    (lambda m: m["tables"][0].__setitem__("sheet", "無い"), "無い", "no sheet '無い'"),
    (lambda m: m["tables"][1].__setitem__("sheet", "帳票"), "sheet: 帳票",
     "sheet does not apply to a .csv file"),
])
def test_mapping_problems_cite_the_mapping_line(tmp_path: Path, edit: Any, line: str,
                                                message: str) -> None:
    mapping = _project(tmp_path, "xlsx", GOOD)
    data = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    edit(data)
    write_mapping(mapping, data)
    lines = mapping.read_text(encoding="utf-8").splitlines()
    number = next(n for n, text in enumerate(lines, start=1) if line in text)
    result = _run(str(mapping), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert f"error: mapping.yaml:{number}:" in result.output, result.output
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_committed_mapping_schema_equals_the_code() -> None:
    text = resources.files("accesssim").joinpath("data/import-mapping.schema.json").read_text(
        encoding="utf-8")
    assert json.loads(text) == json_schema(), (
        "regenerate src/accesssim/data/import-mapping.schema.json from "
        "accesssim.inventory.mapping.json_schema()")


def test_shipped_example_mapping_matches_its_schema() -> None:
    import jsonschema

    data = yaml.safe_load((REPO / "docs/examples/import/mapping.yaml").read_text("utf-8"))
    jsonschema.Draft202012Validator(json_schema()).validate(data)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12))
def test_written_words_read_back_as_the_same_string(text: str) -> None:
    """Every string the writer emits, plain or quoted, reads back unchanged (no '1' for 1,
    'yes' for true, '2020-01-01' for a date, ':' breaking a mapping)."""
    from accesssim.inventory.write import _flow

    assume(not CONTROL.search(text))
    written = f"k: {_flow(text)}\nl: {_flow([text, 'x'])}\n"
    assert yaml.safe_load(written) == {"k": text, "l": [text, "x"]}
    assert parse_yaml(written, "t.yaml", fast=False)["k"] == text


def test_finding_hops_cite_the_imported_rows(tmp_path: Path) -> None:
    """The shipped example imported and analysed: the Tohoku findings, their hops citing
    file:sheet:row of the rows they rest on."""
    shutil.copytree(REPO / "docs/examples/import", tmp_path / "docs/examples/import")
    shutil.copytree(REPO / "policies", tmp_path / "policies")
    mapping = tmp_path / "docs/examples/import/mapping.yaml"
    out = tmp_path / "imported"
    assert _run(str(mapping), "-o", str(out), "--root", str(tmp_path)).exit_code == 0
    result = CliRunner().invoke(main, ["analyze", str(out / "model.yaml"), "--root",
                                       str(tmp_path), "--format", "json"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert {t for f in findings for t in f["failure_types"]} == {
        "terminal-misdistribution", "terminal-placement"}
    cited = {(s["file"], s.get("sheet"), s["line"]) for f in findings for hop in f["witness"]
             for s in hop["sources"]}
    assert ("docs/examples/import/assets.xlsx", "端末_貸与", 2) in cited
    assert ("docs/examples/import/assets.xlsx", "端末_NW", 3) in cited
    assert ("docs/examples/import/staff.csv", None, 5) in cited
    plain = CliRunner().invoke(main, ["analyze", str(out / "model.yaml"), "--root",
                                      str(tmp_path)])
    assert "[docs/examples/import/assets.xlsx:端末_貸与:2]" in plain.stdout
    assert "[docs/examples/import/assets.xlsx:端末_NW:3]" in plain.stdout
    assert "[docs/examples/import/staff.csv:5]" in plain.stdout


def test_the_written_model_must_load_or_nothing_is_written(tmp_path: Path) -> None:
    """A mode the model does not have stops the import before anything is written, with the
    element's row cited (the written model is also loaded before it takes its place)."""
    mapping = _project(tmp_path, "csv", GOOD)
    data = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    data["tables"][0]["columns"]["modes"] = {"value": ["weekend"]}
    write_mapping(mapping, data)
    result = _run(str(mapping), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "error: staff.csv:2: unknown mode 'weekend'" in result.output, result.output
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_ids_are_one_namespace_across_tables_and_parts(tmp_path: Path) -> None:
    mapping = _project(tmp_path, "csv", GOOD)
    write_csv(tmp_path / "accounts.csv", ["id", "holder"],
              [["acc1", "p1"], ["p2", "p2"], ["office", "p1"]])
    result = _run(str(mapping), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "error: accounts.csv:3: duplicate id 'p2' (first at staff.csv:3)" in result.output
    assert ("error: accounts.csv:4: duplicate id 'office': already in the hand-written model "
            "parts") in result.output


def test_a_mapped_column_twice_in_the_header_is_refused(tmp_path: Path) -> None:
    mapping = _project(tmp_path, "csv", GOOD)
    write_csv(tmp_path / "accounts.csv", ["id", "holder", "holder"], [["acc1", "p1", "p2"]])
    result = _run(str(mapping), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "column 'holder' is in the header of accounts.csv more than once" in result.output
