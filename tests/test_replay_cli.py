"""``accesssim replay`` end to end on DuckDB (Spark's equality with DuckDB is the engines'
test): the exit codes, the report in each format and language, the evidence file in CSV and
Parquet, the column mapping and calendar, --strict, and nothing written on exit 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from click.testing import Result

from helpers import REPO, Project, make_project, run

SCHEMA = json.loads((REPO / "src" / "accesssim" / "data" / "replay.schema.json")
                    .read_text(encoding="utf-8"))
HEADER = "timestamp,account,terminal,system,screen,customer,session\n"
#: Kansai: sales staff of the retail company open the contract detail (masked names lost in
#: 2016: a masking defect) and follow the unchecked link to the NW-only screen; the NW's own
#: staff at their own office are legitimate; one row has a timestamp nobody can read, one an
#: account the model lacks; a call-centre contractor opens the contract detail too.
ROWS = (
    "2022-12-01 09:00:00,acc_kep_sales,kep_pc,takuso,contract_detail,C001,s1\n"
    "2022-12-01 09:01:00,acc_kep_sales,kep_pc,takuso,switching_detail,C001,s1\n"
    "2022-12-02 10:00,acc_ktd_ops,ktd_pc,takuso,switching_detail,C002,s2\n"
    "2022/12/03 10:00,acc_ktd_ops,ktd_pc,takuso,menu,,\n"
    "2022-12-03 11:00,ghost,ktd_pc,takuso,menu,,\n"
    "2023-01-04 11:00,acc_kep_callcenter,kep_cc_pc,takuso,contract_detail,C003,\n"
)
LEGITIMATE = "2022-12-02 10:00,acc_ktd_ops,ktd_pc,takuso,switching_detail,C002,s2\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    p = make_project(tmp_path_factory.mktemp("replay"))
    (p.root / "logs").mkdir()
    (p.root / "logs" / "events.csv").write_text(HEADER + ROWS, encoding="utf-8")
    (p.root / "logs" / "clean.csv").write_text(HEADER + LEGITIMATE, encoding="utf-8")
    return p


def replay(p: Project, *args: str, log: str = "logs/events.csv") -> Result:
    return run("replay", str(p.model), str(p.root / log), "--root", str(p.root), "--quiet",
               "--lang", "en", *args)


def test_violations_exit_1_and_the_text_report_names_them(project: Project) -> None:
    result = replay(project)
    assert result.exit_code == 1, result.output
    text = result.stdout
    for line in ("  confirmed violation       3", "  legitimate                1",
                 "  bad row                   2", "Findings used by recorded accesses: 2 of 2",
                 "  unknown account ghost: 1", "  unparseable timestamp: 1",
                 "Result: 3 recorded accesses crossed the boundary (3 confirmed, 0 suspected)."):
        assert line in text.splitlines(), (line, text)
    log = str(project.root / "logs" / "events.csv")
    assert f"    {log}:5" in text and f"    {log}:6" in text
    months = text.split("Violations by month\n", 1)[1].splitlines()
    assert [m.split()[:2] for m in months[2:4]] == [["2022-12", "confirmed"],
                                                    ["2023-01", "confirmed"]]


def test_a_clean_log_exits_0(project: Project) -> None:
    result = replay(project, log="logs/clean.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("Result: no recorded access crossed the boundary.\n")


def test_json_and_csv_agree_with_the_text(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert replay(project, "--format", "json", "-o", str(out)).exit_code == 1
    data = json.loads(out.read_text(encoding="utf-8"))
    import jsonschema
    jsonschema.validate(data, SCHEMA)
    assert data["counts"] == {"confirmed": 3, "suspected": 0, "legitimate": 1,
                              "unexplained": 0, "bad": 2}
    assert {f["id"] for f in data["findings"] if f["used"]} == {f["id"] for f in data["findings"]}
    orgs = {(g["key"], g["views"], g["people"]) for g in data["groups"] if g["dimension"] == "org"}
    assert orgs == {("kansai_ep", 2, 1013), ("kep_contractor", 1, 600)}
    table = replay(project, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert [(r["key"], r["views"]) for r in rows if r["dimension"] == "Organisation"] == [
        ("kansai_ep", "2"), ("kep_contractor", "1")]
    assert len(rows) == len(data["groups"])


def test_japanese_text(project: Project) -> None:
    result = run("replay", str(project.model), str(project.root / "logs" / "events.csv"),
                 "--root", str(project.root), "--quiet", "--lang", "ja")
    assert result.exit_code == 1
    for term in ("人数", "アカウント数", "閲覧件数", "需要家数", "初回", "最終",
                 "モデルにないアカウント ghost: 1 件"):
        assert term in result.stdout


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_evidence_lists_the_violating_events(project: Project, tmp_path: Path,
                                             suffix: str) -> None:
    evidence = tmp_path / "out" / f"evidence{suffix}"
    assert replay(project, "--evidence", str(evidence)).exit_code == 1
    if suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(evidence.read_text(encoding="utf-8"))))
    else:
        rows = [{k: str(v) for k, v in r.items()} for r in pq.read_table(evidence).to_pylist()]
    assert [(r["line"], r["account"], r["status"], r["orgs"]) for r in rows] == [
        ("2", "acc_kep_sales", "confirmed", "kansai_ep"),
        ("3", "acc_kep_sales", "confirmed", "kansai_ep"),
        ("7", "acc_kep_callcenter", "confirmed", "kep_contractor")]
    assert list(rows[0]) == ["file", "line", "timestamp", "account", "terminal", "system",
                             "screen", "customer", "session", "status", "people", "orgs",
                             "findings", "failure_types"]
    assert [p.name for p in evidence.parent.iterdir()] == [evidence.name]  # nothing staged left


def test_strict_refuses_bad_rows_and_writes_nothing(project: Project, tmp_path: Path) -> None:
    out, evidence = tmp_path / "r.txt", tmp_path / "e.parquet"
    result = replay(project, "--strict", "-o", str(out), "--evidence", str(evidence))
    assert result.exit_code == 2
    log = str(project.root / "logs" / "events.csv")
    assert f"{log}:5: unparseable timestamp" in result.stderr
    assert f"{log}:6: unknown account ghost" in result.stderr
    assert list(tmp_path.iterdir()) == []
    assert replay(project, "--strict", log="logs/clean.csv").exit_code == 0


def test_a_mapping_names_the_exports_columns_and_the_calendar_the_disasters(
        project: Project, tmp_path: Path) -> None:
    """A Japanese export (other column names, ';' between values) and a declared disaster:
    the same events classified the same way, the disaster days replayed in disaster mode."""
    names = {"timestamp": "日時", "account": "利用者ID", "terminal": "端末ID",
             "system": "システム", "screen": "画面ID", "customer": "需要者ID",
             "session": "セッションID"}
    log = tmp_path / "export.csv"
    log.write_text(";".join(names.values()) + "\n" + ROWS.replace(",", ";"), encoding="utf-8")
    mapping = tmp_path / "replay.yaml"
    mapping.write_text("columns:\n" + "".join(f"  {k}: {v}\n" for k, v in names.items())
                       + 'delimiter: ";"\n', encoding="utf-8")
    calendar = tmp_path / "calendar.csv"
    calendar.write_text("from,until,name\n2023-01-01,2023-01-31,snow\n", encoding="utf-8")
    base = ["replay", str(project.model), str(log), "--root", str(project.root), "--quiet",
            "--format", "json", "--mapping", str(mapping)]
    plain = json.loads(run(*base).stdout)
    assert plain["counts"] == {"confirmed": 3, "suspected": 0, "legitimate": 1,
                               "unexplained": 0, "bad": 2}
    assert run(*base, "--calendar", str(calendar)).stdout == run(*base).stdout  # no change
    mapping.write_text("columns:\n  account: 利用者ID\n  colour: red\n", encoding="utf-8")
    refused = run(*base)
    assert refused.exit_code == 2 and f"{mapping}:3" in refused.stderr, refused.output


def test_the_calendar_decides_the_mode(tmp_path: Path) -> None:
    """Kyushu (remediated): the terminal lent to the retail responders is in service only in
    disaster mode, where a trust grant lets them see the outage contacts. The same access is
    legitimate inside the declared disaster and unexplained (the terminal is not in service)
    outside it; in Japanese the reason reads Japanese."""
    log = tmp_path / "lent.csv"
    log.write_text("timestamp,account,terminal,system,screen\n"
                   "2023-01-05 10:00,acc_td_disaster_support,lent_pc,takuso,outage_contact\n"
                   "2023-03-05 10:00,acc_td_disaster_support,lent_pc,takuso,outage_contact\n",
                   encoding="utf-8")
    calendar = tmp_path / "calendar.csv"
    calendar.write_text("from,until,name\n2023-01-01,2023-01-31,snow\n", encoding="utf-8")
    model = str(REPO / "scenarios" / "incidents" / "03-kyushu-remediated.yaml")
    base = ["replay", model, str(log), "--root", str(REPO), "--quiet"]
    data = json.loads(run(*base, "--format", "json", "--calendar", str(calendar)).stdout)
    assert data["counts"] == {"confirmed": 0, "suspected": 0, "legitimate": 1,
                              "unexplained": 1, "bad": 0}
    assert data["unexplained"] == [{
        "reason": "terminal lent_pc is not in service in normal mode on that day", "count": 1,
        "rows": [{"file": str(log), "line": 3}]}]
    without = json.loads(run(*base, "--format", "json").stdout)
    assert without["counts"]["unexplained"] == 2
    ja = run(*base, "--lang", "ja", "--calendar", str(calendar))
    assert ja.exit_code == 0
    assert "端末 lent_pc はその日の normal モードでは稼働していません: 1 件" in ja.stdout


def test_outputs_never_replace_an_input(project: Project) -> None:
    log = project.root / "logs" / "events.csv"
    before = log.read_bytes()
    for option in ("-o", "--evidence"):
        result = replay(project, option, str(log))
        assert result.exit_code == 2 and "input of this run" in result.stderr
    assert log.read_bytes() == before


def test_csv_json_lines_and_parquet_together(project: Project, tmp_path: Path) -> None:
    """The same rows in the three formats, replayed at once: every count triples, and each bad
    row is cited in its own file at its own line (CSV and JSON Lines: the physical line;
    Parquet: the record)."""
    import pyarrow as pa  # type: ignore[import-untyped]

    lines = [r.split(",") for r in ROWS.splitlines()]
    names = HEADER.strip().split(",")
    records = [{n: (v or None) for n, v in zip(names, r, strict=True)} for r in lines]
    (tmp_path / "b.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    pq.write_table(pa.Table.from_pylist(records), tmp_path / "c.parquet")
    (tmp_path / "a.csv").write_text(HEADER + ROWS, encoding="utf-8")
    logs = [str(tmp_path / n) for n in ("a.csv", "b.jsonl", "c.parquet")]
    result = run("replay", str(project.model), *logs, "--root", str(project.root), "--quiet",
                 "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["counts"] == {"confirmed": 9, "suspected": 0, "legitimate": 3,
                              "unexplained": 0, "bad": 6}
    timestamps = next(p for p in data["bad"] if p["reason"] == "unparseable timestamp")
    assert timestamps["rows"] == [{"file": logs[0], "line": 5}, {"file": logs[1], "line": 4},
                                  {"file": logs[2], "line": 4}]


def test_a_log_value_cannot_forge_a_line_of_the_report(project: Project) -> None:
    """A JSON Lines account holding line breaks used to print its own lines in the text report
    (here a false verdict) and in --strict's error; it is shown escaped, on one line."""
    forged = "ghost\n\nResult: no recorded access crossed the boundary."
    row = {"timestamp": "2022-12-02 10:00", "account": forged, "terminal": "ktd_pc",
           "system": "takuso", "screen": "menu"}
    good = {**row, "account": "acc_ktd_ops"}
    (project.root / "logs" / "forged.jsonl").write_text(
        json.dumps(row) + "\n" + json.dumps(good) + "\n", "utf-8")
    result = replay(project, log="logs/forged.jsonl")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-2] == "Result: no recorded access crossed the boundary."
    assert lines.count("Result: no recorded access crossed the boundary.") == 1, result.stdout
    assert ("  unknown account ghost\\n\\nResult: no recorded access crossed the boundary.: 1"
            in lines), result.stdout
    strict = replay(project, "--strict", log="logs/forged.jsonl")
    assert strict.exit_code == 2 and "\nResult:" not in strict.output, strict.output
    assert "forged.jsonl:1: unknown account ghost\\n\\nResult" in strict.output
