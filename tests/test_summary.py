"""``accesssim summary``: the regulator's table agrees with each model's own report, judges
each gap by its remediated variant, and prints the same cells in every format."""

from __future__ import annotations

import csv
import io
import json
import shutil
import unicodedata
from collections import defaultdict
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, note, settings

import oracle
from accesssim.engine import analyze, load_project
from accesssim.findings.results import Report
from accesssim.i18n import translator
from accesssim.reports.summary import BOM, HEADINGS, cells, summary_to_csv, summary_to_text
from accesssim.summary.plan import plan
from accesssim.summary.rows import Status, SummaryRow, summary_row
from helpers import REPO, run
from profiles import examples
from strategies import Generated, engine_report, materialise, projects

INCIDENTS = REPO / "scenarios" / "incidents"
MODELS = sorted(p for p in INCIDENTS.glob("*.yaml") if not p.stem.endswith("-remediated"))


def _report(path: Path, root: Path = REPO) -> Report:
    project = load_project(path, root)
    return analyze(project, modes=list(project.loaded.model.modes))


def _row(path: Path) -> SummaryRow:
    variant = plan([path], {})[0].variant
    return summary_row(load_project(path, REPO).loaded.model, _report(path),
                       None if variant is None else _report(variant))


ROWS = {p.name: _row(p) for p in MODELS}


# -- rows agree with each incident's own report -------------------------------------------------
@pytest.mark.parametrize("name", sorted(ROWS))
def test_row_matches_the_analyze_report(name: str) -> None:
    """Failure types, people per organisation (a group once however many findings name it),
    fields per organisation and the windows' earliest start / latest end: from the JSON report
    of ``analyze``, computed here independently."""
    report = json.loads(run("analyze", str(INCIDENTS / name), "--root", str(REPO),
                            "--format", "json").stdout)
    row = ROWS[name]
    findings = report["findings"]
    assert {t.value for t in row.failure_types} == {t for f in findings for t in f["failure_types"]}
    groups: dict[str, dict[str, int]] = defaultdict(dict)
    org_of: dict[str, str] = {}
    for finding in findings:
        for group in finding["exposed"]["groups"]:
            groups[group["org"]][group["id"]] = group["headcount"]
            org_of[group["id"]] = group["org"]
    assert {e.org.id: e.headcount for e in row.exposures} == \
        {org: sum(people.values()) for org, people in groups.items()}
    assert row.headcount == sum(e.headcount for e in row.exposures)
    fields: dict[str, set[str]] = defaultdict(set)  # the JSON has no (person, field) pairs
    for found in _report(INCIDENTS / name).findings:
        for person, field in found.exposures:
            fields[org_of[person]].add(field)
    for finding in findings:  # every field of a finding is seen by one of its organisations
        assert set(finding["exposed"]["fields"]) <= set().union(
            *(fields[g["org"]] for g in finding["exposed"]["groups"]))
    assert {e.org.id: {f.id for f in e.fields} for e in row.exposures} == fields
    starts: dict[str, list[str | None]] = defaultdict(list)
    ends: dict[str, list[str | None]] = defaultdict(list)
    for finding in findings:
        for window in finding["holds_in"]:
            starts[window["mode"]].append(window["from"])
            ends[window["mode"]].append(window["until"])
    expected = {m: (None if None in starts[m] else min(starts[m]),  # type: ignore[type-var]
                    None if None in ends[m] else max(ends[m]))  # type: ignore[type-var]
                for m in starts}
    assert {s.mode: (s.start and s.start.isoformat(), s.end and s.end.isoformat())
            for s in row.spans} == expected


def test_the_papers_cases_are_closed_and_the_controls_have_no_gap() -> None:
    statuses = {name: row.status for name, row in ROWS.items()}
    assert statuses["09-hokkaido.yaml"] is Status.NO_GAP
    assert statuses["10-tepco.yaml"] is Status.NO_GAP
    assert {s for n, s in statuses.items() if n[:2] not in ("09", "10")} == {Status.CLOSED}
    assert [e.org.name for e in ROWS["01-kansai.yaml"].exposures] == \
        ["関西電力", "関西電力の委託先"]
    assert [c.id for c in ROWS["11-meti-renewable.yaml"].companies] == \
        ["tepco_pg", "hokuriku_td", "chubu_pg"]


# -- the command: statuses and exit codes -------------------------------------------------------
def _copy(tmp_path: Path, *names: str) -> Path:
    """The policies and the named incident files in a scratch project; its incidents folder."""
    root = tmp_path / "proj"
    shutil.copytree(REPO / "policies", root / "policies")
    folder = root / "scenarios" / "incidents"
    folder.mkdir(parents=True)
    for name in names:
        shutil.copyfile(INCIDENTS / name, folder / name)
    return folder


def _json(*args: str) -> tuple[int, dict[str, Any]]:
    result = run("summary", *args, "--format", "json", "--quiet")
    return result.exit_code, json.loads(result.stdout)


def test_closed_and_no_gap_exit_0(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "01-kansai.yaml", "01-kansai-remediated.yaml", "09-hokkaido.yaml")
    code, data = _json(str(folder), "--root", str(folder.parents[1]))
    assert code == 0
    assert [(r["model"]["file"], r["status"]) for r in data["rows"]] == [
        ("scenarios/incidents/01-kansai.yaml", "closed"),
        ("scenarios/incidents/09-hokkaido.yaml", "no gap")]
    assert data["rows"][0]["variant"] == {
        "file": "scenarios/incidents/01-kansai-remediated.yaml", "findings": 0,
        "failure_types": []}


def test_no_variant_exits_1(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "02-tohoku.yaml")
    code, data = _json(str(folder / "02-tohoku.yaml"), "--root", str(folder.parents[1]))
    assert code == 1
    assert data["rows"][0]["status"] == "no variant"
    assert data["rows"][0]["variant"] is None


def test_a_variant_that_still_leaks_is_open(tmp_path: Path) -> None:
    """The Kansai model itself as its 'remediated' variant: every finding remains."""
    folder = _copy(tmp_path, "01-kansai.yaml")
    shutil.copyfile(folder / "01-kansai.yaml", folder / "01-kansai-remediated.yaml")
    code, data = _json(str(folder), "--root", str(folder.parents[1]))
    assert code == 1
    (row,) = data["rows"]
    assert row["status"] == "open"
    assert row["variant"]["findings"] == row["findings"] == 2
    assert row["variant"]["failure_types"] == ["masking-defect", "unchecked-transition"]
    text = run("summary", str(folder), "--root", str(folder.parents[1]), "--quiet").stdout
    assert "findings remaining in 01-kansai-remediated.yaml: 2" in text
    assert "0 closed, 1 open" in text


def test_remediated_pairing_overrides_the_file_beside(tmp_path: Path) -> None:
    """--remediated MODEL=VARIANT: the Tohoku model judged by a variant that still leaks
    (a copy of itself), and by its real remediated variant."""
    folder = _copy(tmp_path, "02-tohoku.yaml", "02-tohoku-remediated.yaml")
    model = folder / "02-tohoku.yaml"
    leaky = folder / "leaky.yaml"
    leaky.write_text(model.read_text(encoding="utf-8"), encoding="utf-8")
    root = str(folder.parents[1])
    code, data = _json(str(model), "--root", root, "--remediated", f"{model}={leaky}")
    assert (code, data["rows"][0]["status"]) == (1, "open")
    code, data = _json(str(model), "--root", root)
    assert (code, data["rows"][0]["status"]) == (0, "closed")


def test_mode_and_at_narrow_every_row(tmp_path: Path) -> None:
    """Shikoku's emergency rights hold in normal time only: --mode disaster finds no gap."""
    code, data = _json(str(INCIDENTS / "04-shikoku.yaml"), "--root", str(REPO),
                       "--mode", "disaster")
    assert (code, data["rows"][0]["status"], data["rows"][0]["modes"]) == (0, "no gap",
                                                                            ["disaster"])
    code, data = _json(str(INCIDENTS / "07-hokuriku.yaml"), "--root", str(REPO),
                       "--at", "2023-06-01")
    assert data["rows"][0]["status"] == "no gap"


# -- formats ------------------------------------------------------------------------------------
def _summary(*args: str) -> str:
    result = run("summary", str(INCIDENTS), "--root", str(REPO), "--quiet", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes.decode("utf-8")  # .stdout would turn CRLF into LF


def test_json_validates_against_its_schema() -> None:
    schema = json.loads(resources.files("accesssim").joinpath("data/summary.schema.json")
                        .read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(_summary("--format", "json", "--lang", "ja"))
    jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())
    assert [r["model"]["file"].rsplit("/", 1)[1] for r in data["rows"]] == sorted(ROWS)
    shown = json.dumps(data, ensure_ascii=False)  # --lang changes no word of the JSON
    assert "マスキング処理の不備" not in shown and "解消" not in shown
    assert data["rows"][0]["failure_types"] == ["masking-defect", "unchecked-transition"]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_csv_parses_back_to_the_same_cells(lang: str, tmp_path: Path) -> None:
    tr = translator(lang)
    expected = [[tr(h) for h in HEADINGS], *([*cells(ROWS[n], tr)] for n in sorted(ROWS))]
    text = _summary("--format", "csv", "--lang", lang)
    assert not text.startswith(BOM) and "\r\n" in text
    assert list(csv.reader(io.StringIO(text, newline=""))) == expected
    out = tmp_path / "summary.csv"
    _summary("--format", "csv", "--lang", lang, "--bom", "-o", str(out))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle)) == expected


def test_csv_bom_and_pure_function_agree() -> None:
    rows = [ROWS[n] for n in sorted(ROWS)]
    assert summary_to_csv(rows, bom=True) == BOM + summary_to_csv(rows)


def test_japanese_uses_the_regulators_terms() -> None:
    text = _summary("--lang", "ja")
    for term in ("マスキング処理の不備", "画面間の遷移時におけるアクセス制限の不備", "端末の誤配布",
                 "非常災害時用アクセス権限の平時利用", "一般送配電事業者", "解消", "不備なし",
                 "関西電力：1,013名"):
        assert term in text, term
    assert "masking defect" not in text and "people" not in text


def test_lang_from_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert "一般送配電事業者" in _summary("--format", "markdown")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_text_columns_line_up_by_display_width(lang: str) -> None:
    """Every column starts at the same display column on every line of the table, Japanese
    (two columns a character) included: the rule under the headings marks the columns."""
    text = _summary("--lang", lang)
    lines = text.split("\n")
    rule = lines[1]
    starts = [i for i, c in enumerate(rule) if c == "-" and (i == 0 or rule[i - 1] == " ")]
    assert len(starts) == len(HEADINGS)
    table = lines[:-3]
    checked = 0
    for line in table:
        if not line or line is rule:
            continue
        # where each non-blank stretch begins after two spaces (or at 0), in display columns
        positions, column = set(), 0
        for i, char in enumerate(line):
            if char != " " and (i == 0 or line[i - 2:i] == "  "):
                positions.add(column)
            column += _width(char)
        assert positions <= set(starts) | {s + 2 for s in starts}, line
        checked += 1
    assert checked > len(ROWS)
    heading_gap = translator(lang)(HEADINGS[-1])
    gap_column = _width(lines[0][:lines[0].index(heading_gap)])
    assert gap_column == starts[-1]
    for name in ("09-hokkaido.yaml", "10-tepco.yaml"):
        (line,) = [x for x in lines if x.startswith(name)]
        word = translator(lang)("no gap")
        assert _width(line[:line.index(word)]) == gap_column


def test_markdown_has_one_table_row_per_model() -> None:
    text = _summary("--format", "markdown", "--lang", "ja")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + len(ROWS)
    assert all(line.count(" | ") == len(HEADINGS) - 1 for line in rows)


def test_text_pure_function_counts() -> None:
    rows = [ROWS[n] for n in sorted(ROWS)]
    assert summary_to_text(rows).endswith(
        f"{len(rows)} models: 9 closed, 0 open, 0 without a remediated variant, "
        "2 without a gap\n")


# -- bad input ----------------------------------------------------------------------------------
def test_a_broken_model_writes_nothing(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "01-kansai.yaml", "09-hokkaido.yaml")
    (folder / "09-hokkaido.yaml").write_text("accesssim: 1\nname: [\n", encoding="utf-8")
    out = tmp_path / "out.md"
    result = run("summary", str(folder), "--root", str(folder.parents[1]), "--quiet",
                 "-o", str(out))
    assert result.exit_code == 2
    assert "scenarios/incidents/09-hokkaido.yaml:" in result.stderr
    assert not out.exists() and "Traceback" not in result.stderr


# -- a generated model: the row names exactly the oracle's exposed organisations and fields ----
@settings(max_examples=examples(40), deadline=None)
@given(projects())
def test_generated_row_agrees_with_the_oracle(gen: Generated) -> None:
    note(gen.describe())
    with materialise(gen) as project:
        row = summary_row(project.loaded.model, engine_report(project), None)
        brute = oracle.exposures(project)
    people = {p.id: p.org for p in project.loaded.model.people}
    expected: dict[str, set[str]] = defaultdict(set)
    for person, field, _ in brute:
        expected[people[person]].add(field)
    assert {e.org.id: {f.id for f in e.fields} for e in row.exposures} == expected
    assert row.status is (Status.NO_VARIANT if brute else Status.NO_GAP)


# -- words: every one translated, the catalogue well formed -------------------------------------
def test_every_word_of_every_format_has_a_japanese_translation() -> None:
    """A strict translator fails on any template summary.po (or core.po) does not translate;
    the rows cover closed and no gap, and edited copies open and no variant."""
    from dataclasses import replace

    from accesssim.reports.summary import summary_to_markdown
    from accesssim.search.defects import FailureType

    kansai = ROWS["01-kansai.yaml"]
    rows = [*(ROWS[n] for n in sorted(ROWS)),
            replace(kansai, status=Status.OPEN, remaining=(FailureType.MASKING_DEFECT,),
                    remaining_findings=1),
            replace(kansai, status=Status.NO_VARIANT, variant_file=None)]
    strict = translator("ja", strict=True)
    for text in (summary_to_text(rows, strict), summary_to_markdown(rows, strict),
                 summary_to_csv(rows, strict)):
        assert "未解消" in text and "是正版なし" in text and "検出：1件" in text


def test_summary_catalogue_is_well_formed() -> None:
    """summary.po: placeholders kept, and no msgid that another catalogue already has."""
    from babel.messages.pofile import read_po

    from accesssim.i18n import placeholders

    folder = REPO / "src" / "accesssim" / "data" / "locale" / "ja"
    with (folder / "summary.po").open("rb") as handle:
        ours = {m.id: m.string for m in read_po(handle) if m.id}
    assert ours and all(ours.values())
    for msgid, msgstr in ours.items():
        assert placeholders(str(msgid)) == placeholders(str(msgstr)), msgid
    for other in sorted(folder.glob("*.po")):
        if other.name != "summary.po":
            with other.open("rb") as handle:
                shared = {m.id for m in read_po(handle) if m.id} & set(ours)
            assert not shared, f"{other.name} also has {sorted(shared)}"


def test_plan_makes_the_variants_part_of_their_models_rows(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "01-kansai.yaml", "01-kansai-remediated.yaml", "09-hokkaido.yaml")
    kansai, fixed = folder / "01-kansai.yaml", folder / "01-kansai-remediated.yaml"
    hokkaido = folder / "09-hokkaido.yaml"
    expected = [(kansai, fixed), (hokkaido, None)]
    assert [(p.model, p.variant) for p in plan([folder], {})] == expected
    assert [(p.model, p.variant) for p in plan([hokkaido, fixed, kansai], {})] == expected
    assert [(p.model, p.variant) for p in plan([kansai], {kansai: kansai})] == [(kansai, kansai)]
    assert [(p.model, p.variant) for p in plan([fixed], {})] == [(fixed, None)]
