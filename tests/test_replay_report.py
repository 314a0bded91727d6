"""The replay's report formats over hand-built results: the text shows every count, finding,
summary and problem in the result's order (English and strict Japanese, aligned by display
width), the JSON validates against data/replay.schema.json and the schema rejects what it
must, the CSV reads back as the summary groups, and the engines' reasons are translated."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import unicodedata

import jsonschema
import pytest

from accesssim.i18n import ENGLISH, translator
from accesssim.replay.result import STATUSES, FindingUse, Group, Problem, ReplayResult, Row
from accesssim.reports.replay import (
    reason,
    replay_to_csv,
    replay_to_dict,
    replay_to_json,
    replay_to_text,
)
from helpers import REPO

SCHEMA = json.loads((REPO / "src" / "accesssim" / "data" / "replay.schema.json")
                    .read_text(encoding="utf-8"))
D = dt.date


def _group(dimension: str, key: str, status: str, views: int, first: D, last: D,
           people: int = 3, customers: int = 2) -> Group:
    return Group(dimension, key, status, people, 1, views, customers, first, last)


def result(violations: bool = True) -> ReplayResult:
    counts = {"confirmed": 5, "suspected": 2, "legitimate": 1200, "unexplained": 3, "bad": 23}
    if not violations:
        counts.update(confirmed=0, suspected=0)
    groups = (
        _group("org", "kepco_retail", "confirmed", 5, D(2022, 4, 1), D(2022, 12, 20), 1013, 4),
        _group("org", "kepco_retail", "suspected", 2, D(2022, 5, 2), D(2022, 5, 3)),
        _group("failure_type", "credential-misuse", "confirmed", 5, D(2022, 4, 1),
               D(2022, 12, 20)),
        _group("failure_type", "=HYPERLINK(1)", "suspected", 2, D(2022, 5, 2), D(2022, 5, 3)),
        _group("account", "kepco-nw-42", "confirmed", 5, D(2022, 4, 1), D(2022, 12, 20)),
        _group("month", "2022-04", "confirmed", 1, D(2022, 4, 1), D(2022, 4, 1)),
        _group("month", "2022-12", "confirmed", 4, D(2022, 12, 2), D(2022, 12, 20)),
    ) if violations else ()
    findings = (
        FindingUse("F-1a2b3c", ("credential-misuse",), 5, 0, D(2022, 4, 1), D(2022, 12, 20)),
        FindingUse("F-9z9z9z", ("masking-defect", "terminal-placement"), 0, 0, None, None),
    ) if violations else (
        FindingUse("F-1a2b3c", ("credential-misuse",), 0, 0, None, None),)
    bad_rows = tuple(Row("logs/a.csv", n) for n in range(2, 22))
    return ReplayResult(
        model_name="関西電力", model_file="scenarios/incidents/01-kansai.yaml",
        logs=("logs/a.csv", "logs/b.jsonl"),
        counts=tuple((s, counts[s]) for s in STATUSES),
        findings=findings, groups=groups,
        unexplained=(Problem("no transition from menu to billing for account kepco-nw-42", 3,
                             (Row("logs/b.jsonl", 7), Row("logs/b.jsonl", 9),
                              Row("logs/b.jsonl", 12))),),
        bad=(Problem("unknown account ghost", 1, (Row("logs/b.jsonl", 4),)),
             Problem("unparseable timestamp", 22, bad_rows)),
    )


def test_text_shows_counts_findings_summaries_problems_and_verdict() -> None:
    text = replay_to_text(result())
    lines = text.splitlines()
    assert lines[0] == "accesssim replay: 関西電力 (scenarios/incidents/01-kansai.yaml)"
    assert lines[1] == "Logs: logs/a.csv, logs/b.jsonl"
    assert "Events: 1,233" in lines
    assert "  confirmed violation           5" in lines
    assert "  legitimate                1,200" in lines
    assert "Findings used by recorded accesses: 1 of 2" in lines
    assert ("  F-1a2b3c (credential misuse): 5 confirmed, 0 suspected, 2022-04-01 to "
            "2022-12-20") in lines
    assert "Latent findings (no recorded access used them): 1" in lines
    assert "  F-9z9z9z (masking defect, terminal placement)" in lines
    # the organisation table: heading, rule, rows in the result's order, numbers right-aligned
    at = lines.index("Violations by organisation")
    assert lines[at + 1].split() == ["Organisation", "status", "people", "accounts", "views",
                                     "customers", "first", "last"]
    assert lines[at + 3].split() == ["kepco_retail", "confirmed", "1,013", "1", "5", "4",
                                     "2022-04-01", "2022-12-20"]
    assert lines[at + 4].split()[:2] == ["kepco_retail", "suspected"]
    assert lines[at + 3].index("1,013") + 5 == lines[at + 4].index(" 3 ") + 2
    # a failure type is shown by its label; an unknown key as written
    ft = lines.index("Violations by failure type")
    assert lines[ft + 3].startswith("  credential misuse  confirmed")
    assert lines[ft + 4].startswith("  =HYPERLINK(1)")
    months = lines.index("Violations by month")
    assert [ln.split()[0] for ln in lines[months + 3:months + 5]] == ["2022-04", "2022-12"]
    assert "Accesses the model cannot explain: 3" in lines
    assert "  no transition from menu to billing for account kepco-nw-42: 3" in lines
    assert "    logs/b.jsonl:7, logs/b.jsonl:9, logs/b.jsonl:12" in lines
    assert "Bad rows: 23" in lines
    assert "  unparseable timestamp: 22" in lines
    at = lines.index("  unparseable timestamp: 22")
    cited = ["    " + ", ".join(f"logs/a.csv:{n}" for n in range(k, k + 5)) for k in (2, 7, 12)]
    assert lines[at + 1:at + 5] == [*cited, "    logs/a.csv:17, logs/a.csv:18, logs/a.csv:19, "
                                            "logs/a.csv:20, logs/a.csv:21 and 2 more"]
    assert lines[-2] == ("Result: 7 recorded accesses crossed the boundary (5 confirmed, "
                         "2 suspected).")
    assert lines[-1] == "23 rows could not be replayed: see the bad rows above."
    assert text == replay_to_text(copy.deepcopy(result()))


def test_text_without_violations_says_so() -> None:
    text = replay_to_text(result(violations=False))
    assert text.endswith("Result: no recorded access crossed the boundary.\n"
                         "23 rows could not be replayed: see the bad rows above.\n")
    assert text.count("\n  none\n") == 4  # one per summary dimension
    assert "Latent findings (no recorded access used them): 1" in text


def _columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_japanese_text_uses_the_regulators_terms_and_lines_up() -> None:
    strict = translator("ja", strict=True)
    text = replay_to_text(result(), strict)
    for term in ("人数", "アカウント数", "閲覧件数", "需要家数", "初回", "最終", "組織別の違反",
                 "月別の違反", "違反（確定）", "照合できない行: 23 件", "ほか 2 件",
                 "アカウント kepco-nw-42 には menu から billing への遷移がありません: 3 件",
                 "モデルにないアカウント ghost: 1 件", "日時を解釈できません: 22 件"):
        assert term in text, term
    assert "クレデンシャル" in text or strict("credential misuse") in text
    lines = text.splitlines()
    at = lines.index("組織別の違反")
    head, rule, row = lines[at + 1], lines[at + 2], lines[at + 3]
    # display width: the heading's last column ends where the rule and the rows end
    assert _columns(rule) == _columns(head.rstrip()) or _columns(rule) >= _columns(row)
    assert _columns(row) == _columns(rule)
    assert replay_to_text(result(violations=False), strict).endswith(
        "結果: 境界を越えた記録済みのアクセスはありません。\n"
        "23 行は照合できませんでした（上の「照合できない行」を参照）。\n")


def test_json_validates_and_keeps_every_value() -> None:
    data = json.loads(replay_to_json(result()))
    jsonschema.validate(data, SCHEMA)
    assert data["schema"] == "accesssim.replay/v1"
    assert data["counts"] == {"confirmed": 5, "suspected": 2, "legitimate": 1200,
                              "unexplained": 3, "bad": 23}
    assert data["violations"] == 7
    assert [f["used"] for f in data["findings"]] == [True, False]
    assert data["findings"][1]["first"] is None
    assert data["groups"][0] == {"dimension": "org", "key": "kepco_retail",
                                 "status": "confirmed", "people": 1013, "accounts": 1,
                                 "views": 5, "customers": 4, "first": "2022-04-01",
                                 "last": "2022-12-20"}
    assert data["bad"][1]["rows"][0] == {"file": "logs/a.csv", "line": 2}
    assert data["bad"][1]["count"] == 22 and len(data["bad"][1]["rows"]) == 20
    jsonschema.validate(json.loads(replay_to_json(result(violations=False))), SCHEMA)


@pytest.mark.parametrize("spoil", [
    lambda d: d["counts"].pop("bad"),
    lambda d: d["groups"][0].update(status="legitimate"),
    lambda d: d["groups"][0].update(first="2022-4-1"),
    lambda d: d["bad"][0]["rows"][0].update(line=0),
    lambda d: d.update(extra=1),
    lambda d: d["findings"][0].pop("used"),
])
def test_the_schema_rejects_a_spoiled_report(spoil: object) -> None:
    data = replay_to_dict(result())
    assert callable(spoil)
    spoil(data)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(json.dumps(data)), SCHEMA)


def test_csv_reads_back_as_the_groups() -> None:
    text = replay_to_csv(result())
    assert text.startswith("dimension,key,name,status,people,")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + len(result().groups)
    assert rows[1] == ["Organisation", "kepco_retail", "kepco_retail", "confirmed", "1013", "1",
                       "5", "4", "2022-04-01", "2022-12-20"]
    assert rows[3][1:3] == ["credential-misuse", "credential misuse"]
    assert rows[4][1:3] == ["'=HYPERLINK(1)", "'=HYPERLINK(1)"]  # inert in a spreadsheet
    ja = replay_to_csv(result(), translator("ja", strict=True), bom=True)
    assert ja.startswith("\ufeff集計軸,キー,名称,区分,人数,アカウント数,閲覧件数,需要家数,"
                         "初回,最終")
    assert replay_to_csv(result(violations=False)).count("\r\n") == 1


def test_reasons_are_translated_or_kept_as_written() -> None:
    ja = translator("ja", strict=True)
    assert (ja(reason("wrong column count (expected 5, found 7)"))
            == "列数が違います (期待 5、実際 7)")
    assert ja(reason("unknown screen S9 of system wheeling")) == "システム wheeling にない画面 S9"
    assert ja(reason("unparseable timestamp '2022/04/01'")) == "日時を解釈できません '2022/04/01'"
    assert reason("something new") == "something new"
    assert ENGLISH(reason("missing screen")) == "missing screen"
