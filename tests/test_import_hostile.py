"""`accesssim import` against messy real exports: each test is an input that once broke it
(wrong row cited, an internal error, a file written that does not load)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from accesssim.cli.main import main
from helpers import REPO
from inventory_files import PARTS, write_mapping

PEOPLE = {"id": "社員番号", "name": "氏名", "org": {"column": "部署", "values": "部署"},
          "headcount": "人数", "locations": "勤務地"}
HEADER = "社員番号,氏名,部署,人数,勤務地"


def _project(tmp: Path, table: dict[str, Any], extra: list[dict[str, Any]] | None = None
             ) -> Path:
    (tmp / "parts.yaml").write_text(PARTS, encoding="utf-8")
    (tmp / "policy.csv").write_text("", encoding="utf-8")
    shutil.copyfile(REPO / "policies" / "accesssim.conf", tmp / "accesssim.conf")
    write_mapping(tmp / "mapping.yaml", {
        "accesssim-import": 1, "name": "t", "include": ["parts.yaml"],
        "values": {"部署": {"託送部": "a_nw", "営業部": "b_ep"}},
        "tables": [{"kind": "people", "columns": PEOPLE, **table}, *(extra or [])]})
    return tmp / "mapping.yaml"


def _import(mapping: Path, out: Path, *more: str) -> Any:
    result = CliRunner().invoke(main, ["import", str(mapping), "-o", str(out), "-q",
                                       "--root", str(mapping.parent), *more])
    assert "internal error" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def _model(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((out / "model.yaml").read_text(encoding="utf-8"))
    return data


def test_cr_only_line_ends_cost_one_row_and_cite_it(tmp_path: Path) -> None:
    """A "CSV (Macintosh)" export ends lines with a lone CR: a bad byte on line 3 is that
    row's problem, not the header's."""
    raw = (f"{HEADER}\r".encode("cp932") + "p1,山田,託送部,3,office\r".encode("cp932")
           + b"p2,\x85\x40,x,1,office\r" + "p3,鈴木,営業部,1,office\r".encode("cp932"))
    (tmp_path / "staff.csv").write_bytes(raw)
    mapping = _project(tmp_path, {"file": "staff.csv", "encoding": "cp932"})
    result = _import(mapping, tmp_path / "out")
    assert result.exit_code == 2
    assert "staff.csv:3: unreadable cell: bytes that are not cp932 text" in result.output
    assert "header" not in result.output
    result = _import(mapping, tmp_path / "out", "--lenient")
    assert result.exit_code == 0, result.output
    assert [(p["id"], p["source"]["row"]) for p in _model(tmp_path / "out")["people"]] == [
        ("p1", 2), ("p3", 4)]


@pytest.mark.parametrize("encoding", ["hex", "base64", "rot13", "zlib", "idna", "punycode",
                                      "utf-7", "cp500", "unicode_escape"])
def test_an_encoding_that_is_not_ascii_text_is_refused_at_its_line(
        tmp_path: Path, encoding: str) -> None:
    (tmp_path / "staff.csv").write_text(f"{HEADER}\np1,山田,託送部,3,office\n", encoding="utf-8")
    mapping = _project(tmp_path, {"file": "staff.csv", "encoding": encoding})
    result = _import(mapping, tmp_path / "out")
    assert result.exit_code == 2
    line = 1 + mapping.read_text(encoding="utf-8").splitlines().index(f"  encoding: {encoding}")
    assert f"mapping.yaml:{line}: staff.csv: encoding '{encoding}' is not supported" in \
        result.output
    assert not (tmp_path / "out").exists()


def test_title_lines_above_the_header_are_not_records(tmp_path: Path) -> None:
    """A report title above ``header_row`` that is not valid CSV (``"Report" generated``) is
    not a record; a header with trailing and full-width spaces still matches."""
    (tmp_path / "staff.csv").write_text(
        '"Report" generated 2024-01-01\n\n社員番号 ,氏名\u3000,部署,人数,勤務地\n'
        "p1,山田,託送部,3,office\n", encoding="utf-8")
    mapping = _project(tmp_path, {"file": "staff.csv", "header_row": 3})
    result = _import(mapping, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert _model(tmp_path / "out")["people"][0]["source"] == {"file": "../staff.csv", "row": 4}


def test_a_header_that_is_not_csv_is_cited_at_header_row(tmp_path: Path) -> None:
    (tmp_path / "staff.csv").write_text('"社員番号"x,氏名\np1,山田\n', encoding="utf-8")
    mapping = _project(tmp_path, {"file": "staff.csv", "header_row": 1})
    result = _import(mapping, tmp_path / "out")
    assert result.exit_code == 2
    line = 1 + mapping.read_text(encoding="utf-8").splitlines().index("  header_row: 1")
    assert f"mapping.yaml:{line}: staff.csv: line 1: the header cannot be read" in result.output


def _xlsx(path: Path, rows: list[list[Any]], patch: tuple[str, str] | None = None) -> None:
    """A one-sheet workbook (名簿) with the people header; ``patch`` edits the sheet's XML
    (openpyxl cannot save a formula's value, Excel does)."""
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "名簿"
    for row in [HEADER.split(","), *rows]:
        sheet.append(row)
    book.save(path)
    if patch is not None:
        with zipfile.ZipFile(path) as old:
            parts = {name: old.read(name) for name in old.namelist()}
        xml = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
        assert patch[0] in xml
        parts["xl/worksheets/sheet1.xml"] = xml.replace(patch[0], patch[1]).encode("utf-8")
        with zipfile.ZipFile(path, "w") as new:
            for name, data in parts.items():
                new.writestr(name, data)


def test_a_formula_without_a_saved_value_is_an_unreadable_cell(tmp_path: Path) -> None:
    """A workbook written by a script holds formulas without values: read as values only,
    the cell looked empty and p2 was imported without its locations."""
    _xlsx(tmp_path / "staff.xlsx", [["p1", "山田", "託送部", "=1+2", "office"],
                                     ["p2", "佐藤", "託送部", 1, '="off"&"ice"']])
    mapping = _project(tmp_path, {"file": "staff.xlsx", "sheet": "名簿"})
    result = _import(mapping, tmp_path / "out")
    assert result.exit_code == 2
    for row, column in ((2, "人数"), (3, "勤務地")):
        assert f"staff.xlsx:名簿:{row}: unreadable cell in column {column}: a formula whose " \
            "value was never saved" in result.output
    assert not (tmp_path / "out").exists()


def test_a_formula_with_its_saved_value_is_read_as_the_value(tmp_path: Path) -> None:
    _xlsx(tmp_path / "staff.xlsx", [["p1", "山田", "託送部", "=1+2", "office"]],
          patch=("<f>1+2</f><v />", "<f>1+2</f><v>3</v>"))
    mapping = _project(tmp_path, {"file": "staff.xlsx", "sheet": "名簿"})
    result = _import(mapping, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert _model(tmp_path / "out")["people"][0]["headcount"] == 3


def test_the_output_never_replaces_an_input(tmp_path: Path) -> None:
    """A mapping named model.yaml imported into its own folder was replaced by the model."""
    (tmp_path / "staff.csv").write_text(f"{HEADER}\np1,山田,託送部,3,office\n", encoding="utf-8")
    mapping = _project(tmp_path, {"file": "staff.csv"})
    mapping = mapping.rename(tmp_path / "model.yaml")
    before = mapping.read_bytes()
    result = _import(mapping, tmp_path)
    assert result.exit_code == 2
    assert "would replace a file the import reads" in result.output
    assert mapping.read_bytes() == before


@pytest.mark.parametrize("where", ["outside", "a file"])
def test_the_output_folder_is_a_folder_inside_the_root(tmp_path: Path, where: str) -> None:
    """Written outside the root, the model's ../ paths to its tables could not load."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "staff.csv").write_text(f"{HEADER}\np1,山田,託送部,3,office\n", encoding="utf-8")
    mapping = _project(root, {"file": "staff.csv"})
    out = tmp_path / "elsewhere" if where == "outside" else root / "staff.csv"
    result = _import(mapping, out)
    assert result.exit_code == 2
    assert ("outside the project root" if where == "outside" else "") in result.output
    assert not (tmp_path / "elsewhere").exists()
    assert (root / "staff.csv").read_text(encoding="utf-8").startswith(HEADER)


def test_unreadable_cells_in_unmapped_columns_do_not_make_a_row_bad(tmp_path: Path) -> None:
    """A Parquet export with a list and a bytes column nobody maps made every row bad (the
    import could never succeed); an unreadable cell in a mapped column still does."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({
        "社員番号": pa.array([1, 2], pa.int64()), "部署": ["託送部", "営業部"],
        "氏名": [b"\xe5", b"\x89PNG"], "tags": pa.array([["a"], ["b"]], pa.list_(pa.string())),
        "photo": [b"\x89PNG", b"x"]}), tmp_path / "staff.parquet")
    mapping = _project(tmp_path, {"file": "staff.parquet"})
    data = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    data["tables"][0]["columns"] = {"id": "社員番号", "org": {"column": "部署", "values": "部署"}}
    write_mapping(mapping, data)
    result = _import(mapping, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert [p["id"] for p in _model(tmp_path / "out")["people"]] == ["1", "2"]
    data["tables"][0]["columns"]["name"] = "氏名"
    write_mapping(mapping, data)
    result = _import(mapping, tmp_path / "out")
    assert result.exit_code == 2
    assert "staff.parquet:2: unreadable cell in column 氏名: a bytes" in result.output
    assert "tags" not in result.output and "photo" not in result.output


def test_an_excel_error_in_an_unmapped_column_is_ignored(tmp_path: Path) -> None:
    _xlsx(tmp_path / "staff.xlsx", [["p1", "山田", "託送部", 3, "office", "#N/A"]])
    mapping = _project(tmp_path, {"file": "staff.xlsx", "sheet": "名簿"})
    result = _import(mapping, tmp_path / "out")
    assert result.exit_code == 0, result.output


def test_a_link_to_a_bad_imported_row_is_not_called_hand_written(tmp_path: Path) -> None:
    """A door-access row for a person whose roster row is bad was reported as naming a
    hand-written person (a second, false problem); with --lenient it is left out with it."""
    (tmp_path / "staff.csv").write_text(
        f"{HEADER}\np1,山田,託送部,3,office\np2,佐藤,総務部,1,office\n", encoding="utf-8")
    (tmp_path / "doors.csv").write_text("location,person\noffice,p2\noffice,p1\n",
                                        encoding="utf-8")
    doors = {"kind": "door_access", "file": "doors.csv",
             "columns": {"location": "location", "person": "person"}}
    mapping = _project(tmp_path, {"file": "staff.csv"}, extra=[doors])
    result = _import(mapping, tmp_path / "out")
    assert result.exit_code == 2
    assert "hand-written" not in result.output
    assert "1 problem(s) found" in result.output
    result = _import(mapping, tmp_path / "out", "--lenient")
    assert result.exit_code == 0, result.output
    assert "doors.csv:2: left out: rests on person 'p2', which was left out" in result.output
    assert "hand-written" not in result.output


def test_a_stray_formatted_cell_far_off_does_not_widen_every_row(tmp_path: Path) -> None:
    """One styled empty cell at XFD50000 (Excel keeps such cells) made every row 16,384
    cells wide: the import of an 18 KB file ran for minutes. Rows are as wide as the header."""
    _xlsx(tmp_path / "staff.xlsx", [["p1", "山田", "託送部", 3, "office", "extra"]],
          patch=("</sheetData>", '<row r="50000"><c r="XFD50000" s="0"/></row></sheetData>'))
    mapping = _project(tmp_path, {"file": "staff.xlsx", "sheet": "名簿"})
    result = _import(mapping, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert _model(tmp_path / "out")["people"][0]["source"]["row"] == 2


def test_an_empty_header_row_is_cited_at_header_row(tmp_path: Path) -> None:
    _xlsx(tmp_path / "staff.xlsx", [])
    mapping = _project(tmp_path, {"file": "staff.xlsx", "sheet": "名簿", "header_row": 5})
    result = _import(mapping, tmp_path / "out")
    assert result.exit_code == 2
    line = 1 + mapping.read_text(encoding="utf-8").splitlines().index("  header_row: 5")
    assert f"mapping.yaml:{line}: staff.xlsx: sheet '名簿': no header at row 5" in result.output


def test_a_refused_model_leaves_no_folder_made_for_it(tmp_path: Path) -> None:
    """-o new/deep/out: when the written model does not load, the folders made for it go
    too (exit 2 leaves nothing written)."""
    (tmp_path / "staff.csv").write_text(f"{HEADER}\np1,山田,託送部,3,office\n", encoding="utf-8")
    mapping = _project(tmp_path, {"file": "staff.csv"})
    data = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    write_mapping(mapping, {**data, "modes": ["disaster"]})  # a model needs mode normal
    result = _import(mapping, tmp_path / "new" / "deep" / "out")
    assert result.exit_code == 2
    assert "would have been written" in result.output
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize(("data", "encoding", "message"), [
    (f"{HEADER}\r\np1,山田,託送部,3,office\r\n".encode("utf-16"), "utf-8", "the file is UTF-16"),
    (f"\ufeff{HEADER}\r\np1,山田,託送部,3,office\r\n".encode(), "cp932",
     "the file starts with a UTF-8 byte order mark, so it is not cp932"),
])
def test_a_file_in_another_encoding_than_named_says_which(
        tmp_path: Path, data: bytes, encoding: str, message: str) -> None:
    """A UTF-16 export (Excel's "Unicode text") or a UTF-8 file with a BOM named cp932 was
    reported as a header that is not text, or as columns missing from a garbled header."""
    (tmp_path / "staff.csv").write_bytes(data)
    mapping = _project(tmp_path, {"file": "staff.csv", "encoding": encoding})
    result = _import(mapping, tmp_path / "out")
    assert result.exit_code == 2
    line = 1 + mapping.read_text(encoding="utf-8").splitlines().index(f"  encoding: {encoding}")
    assert f"mapping.yaml:{line}: staff.csv: {message}" in result.output


def test_a_number_id_with_more_digits_than_excel_keeps_is_refused(tmp_path: Path) -> None:
    """A 22-digit supply point number stored as an Excel number was written as a different
    id (its last digits are those of the nearest double, not the register's)."""
    _xlsx(tmp_path / "staff.xlsx", [[12345678901234567890.0, "山田", "託送部", 3, "office"],
                                     [123456789012345.0, "佐藤", "託送部", 1, "office"]])
    mapping = _project(tmp_path, {"file": "staff.xlsx", "sheet": "名簿"})
    result = _import(mapping, tmp_path / "out")
    assert result.exit_code == 2
    assert re.search(r"staff\.xlsx:名簿:2: id: the number 123456789012345\d{5} has more than "
                     "15 digits", result.output), result.output
    assert "名簿:3" not in result.output


def test_a_model_written_into_the_root_is_checked_against_the_root(tmp_path: Path) -> None:
    """With -o naming the project root, the written model was checked with the root's
    parent as root: a part whose Casbin file lies outside the root was accepted, and the
    written model did not load."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "staff.csv").write_text(f"{HEADER}\np1,山田,託送部,3,office\n", encoding="utf-8")
    mapping = _project(root, {"file": "staff.csv"})
    (root / "accesssim.conf").rename(tmp_path / "accesssim.conf")
    parts = (root / "parts.yaml").read_text(encoding="utf-8")
    (root / "parts.yaml").write_text(parts.replace("model: accesssim.conf",
                                                   "model: ../accesssim.conf"), encoding="utf-8")
    result = _import(mapping, root)
    assert result.exit_code == 2
    assert "escapes the project root" in result.output
    assert not (root / "model.yaml").exists()


def test_database_numeric_ids_in_parquet_are_read_as_numbers(tmp_path: Path) -> None:
    """A Parquet export of a NUMERIC(10, 1) employee number was an unreadable cell."""
    import decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({
        "社員番号": pa.array([decimal.Decimal("1001"), decimal.Decimal("1002.5")],
                         pa.decimal128(10, 1)),
        "部署": ["託送部", "営業部"]}), tmp_path / "staff.parquet")
    mapping = _project(tmp_path, {"file": "staff.parquet"})
    data = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    data["tables"][0]["columns"] = {"id": "社員番号", "org": {"column": "部署", "values": "部署"}}
    write_mapping(mapping, data)
    result = _import(mapping, tmp_path / "out", "--lenient")
    assert result.exit_code == 0, result.output
    assert [p["id"] for p in _model(tmp_path / "out")["people"]] == ["1001"]
    assert "staff.parquet:2: id: the number 1002.5 where a word is expected" in result.output


def test_a_folder_named_model_yaml_in_the_output_is_named_not_a_temp_file(
        tmp_path: Path) -> None:
    (tmp_path / "staff.csv").write_text(f"{HEADER}\np1,山田,託送部,3,office\n", encoding="utf-8")
    mapping = _project(tmp_path, {"file": "staff.csv"})
    (tmp_path / "out" / "model.yaml").mkdir(parents=True)
    result = _import(mapping, tmp_path / "out")
    assert result.exit_code == 2
    assert "model.yaml: is not a file" in result.output
    assert ".tmp" not in result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["model.yaml"]


def test_an_id_shared_with_a_bad_row_is_a_duplicate_now(tmp_path: Path) -> None:
    """Row 2 (bad organisation) and row 3 both hold p1: the duplicate was reported only once
    row 2 was mended, and --lenient kept row 3 as p1 as if it were the only one."""
    (tmp_path / "staff.csv").write_text(
        f"{HEADER}\np1,山田,総務部,3,office\np1,佐藤,託送部,1,office\np2,鈴木,託送部,1,office\n",
        encoding="utf-8")
    mapping = _project(tmp_path, {"file": "staff.csv"})
    result = _import(mapping, tmp_path / "out")
    assert result.exit_code == 2
    assert "staff.csv:3: duplicate id 'p1' (also at staff.csv:2, a bad row)" in result.output
    result = _import(mapping, tmp_path / "out", "--lenient")
    assert result.exit_code == 0, result.output
    assert [p["id"] for p in _model(tmp_path / "out")["people"]] == ["p2"]
