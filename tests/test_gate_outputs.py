"""The gate's outputs (reports/gate_*.py, sarif.py, junit.py) on hand-built GateReports: every
format is deterministic, JSON and SARIF validate against their schemas, Markdown escapes what
users wrote, SARIF stays inside GitHub's limits, JUnit counts the right failures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from junitparser import JUnitXml
from markdown_it import MarkdownIt

import accesssim
from accesssim.findings.results import Hop
from accesssim.gate.diff import Change, Diff, Fact
from accesssim.gate.result import GateReport, ModelDiff, Opened, Reason, Waiver
from accesssim.gate.waivers import judge, load_waivers
from accesssim.i18n import Msg
from accesssim.model.provenance import Source
from accesssim.reports import gate_markdown, sarif
from accesssim.reports.gate_json import check_to_json, diff_to_json, error_to_json
from accesssim.reports.gate_markdown import check_to_markdown, code, error_to_markdown, md
from accesssim.reports.gate_text import check_to_text, diff_to_text
from accesssim.reports.junit import gate_to_junit
from accesssim.reports.sarif import check_to_sarif
from accesssim.search.defects import FailureType
from accesssim.suite.checks import CheckResult
from helpers import REPO, schema_nodes, undocumented_keys
from profiles import examples

TODAY = dt.date(2026, 12, 2)
MODEL = "scenarios/a.yaml"
CSV = "policies/a.csv"
NAME = "関西 営業|<b>bold</b> `tick` *star*"
MASK = FailureType.MASKING_DEFECT
ROOT = ((MASK, "display:contract_detail:masking-defect"),)


def _fp(n: int) -> str:
    return f"EXP-{n:016x}"


def _hops(n: int = 3) -> tuple[Hop, ...]:
    hops = [Hop(Msg(f"step {i} of kep_sales <{i}>"), (Source(MODEL, 10 + i),) if i else ())
            for i in range(n - 1)]  # the first hop rests on no line
    hops.append(Hop(Msg("contract_detail shows customer_name in clear"), (Source(CSV, 7),), MASK))
    return tuple(hops)


def _waiver(n: int, expires: dt.date, owner: str = "owner@example.com",
            model: str = MODEL) -> Waiver:
    return Waiver(_fp(n), model, owner, "accepted | for now <until fix>", expires,
                  Source("accesssim-waivers.yaml", 3 + 5 * n))


def _opened(n: int, status: str = "new", *, waiver: Waiver | None = None, changed: bool = True,
            hops: int = 3, name: str = NAME) -> Opened:
    assert status in ("new", "widened")
    return Opened(
        fingerprint=_fp(n), status="new" if status == "new" else "widened",
        person="kep_sales", person_name=name, org="kansai_ep", headcount=1013,
        field=f"customer_name_{n}", finding="ASIM-87b27343d6", failure_types=(MASK,),
        gained=(Fact("kep_sales", f"customer_name_{n}", "normal", dt.date(2016, 4, 1), None),),
        hops=_hops(hops), changed=(Source(CSV, 7),) if changed else (), waiver=waiver)


def _change(n: int, status: str) -> Change:
    fact = Fact("kep_sales", "phone", "normal", None, dt.date(2020, 1, 1))
    gained = (fact,) if status in ("new", "widened") else ()
    lost = (fact,) if status in ("gone", "narrowed") else ()
    return Change(f"ASIM-{n:010x}", ROOT, status, gained, lost)  # type: ignore[arg-type]


def _report(*, today: dt.date = TODAY) -> GateReport:
    """Waived, unwaived and expired-waiver exposures, an empty base, a failed expectation."""
    valid, expired = _waiver(2, dt.date(2027, 3, 31)), _waiver(3, dt.date(2026, 1, 31))
    opened = (_opened(1), _opened(2, "widened", waiver=valid),
              _opened(3, "widened", waiver=expired, changed=False))
    changes = tuple(_change(i, s) for i, s in enumerate(
        ("new", "gone", "widened", "narrowed", "unchanged", "unchanged"), start=1))
    diff = Diff(widened=tuple(f for o in opened for f in o.gained), narrowed=(),
                findings=changes, exposures=())
    models = (ModelDiff(MODEL, f"main:{MODEL}", None, diff, opened),
              ModelDiff("scenarios/new.yaml", "", "scenarios/new.yaml does not exist at main: "
                        "compared with an empty base", Diff((), (), (), ()), ()))
    expectations = (
        CheckResult(MODEL, "retail-sees-nothing", "no_path", 12, False, "no path kep_sales",
                    expected="{}", actual="{customer_name}", witness=_hops()),
        CheckResult(MODEL, "nw-sees-all", "who_can_see", 20, True, "exactly {nw} can see x"),
    )
    reasons = (
        Reason("exposure", f"new exposure {_fp(1)} not waived", Source(CSV, 7), _fp(1)),
        Reason("exposure", f"widened exposure {_fp(3)}: its waiver expired", None, _fp(3)),
        Reason("expectation", f"{MODEL}::retail-sees-nothing failed", Source(MODEL, 12)),
        Reason("no-expectations", "scenarios/empty holds no expectation",
               Source("scenarios/empty", 0)),
        Reason("expired-waiver", f"waiver {_fp(3)} expired 2026-01-31", expired.source,
               _fp(3)),
    )
    return GateReport(models, expectations, (valid, expired), reasons, "main", today)


def _empty() -> GateReport:
    """A passing check: zero findings, nothing opened, no base note, no waivers."""
    return GateReport((ModelDiff(MODEL, f"main:{MODEL}", None, Diff((), (), (), ()), ()),),
                      (), (), (), "main", TODAY)


def _check_schema() -> jsonschema.Draft202012Validator:
    text = resources.files("accesssim").joinpath("data/check.schema.json").read_text("utf-8")
    return jsonschema.Draft202012Validator(
        json.loads(text), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _sarif_schema() -> jsonschema.Draft4Validator:
    schema = json.loads((REPO / "tests/data/sarif-schema-2.1.0.json").read_text("utf-8"))
    return jsonschema.Draft4Validator(schema)


def _sarif(report: GateReport) -> dict[str, Any]:
    """The SARIF of a report, validated against the official 2.1.0 schema."""
    data: dict[str, Any] = json.loads(check_to_sarif(report))
    _sarif_schema().validate(data)
    return data


FORMATS = [check_to_text, check_to_json, check_to_markdown, check_to_sarif, gate_to_junit]


@pytest.mark.parametrize("render", FORMATS, ids=lambda f: f.__name__)
def test_every_format_is_deterministic(render: Any) -> None:
    """Two reports built apart render byte-identical; the ERROR outputs too."""
    assert render(_report()) == render(_report())
    assert render(_empty()) == render(_empty())
    assert error_to_json("x") == error_to_json("x")


def test_text_says_every_opened_exposure_on_one_line() -> None:
    """Fingerprint, who, field, dates, finding, types, waiver state; hops with changed lines."""
    text = check_to_text(_report())
    lines = text.splitlines()
    first = next(line for line in lines if _fp(1) in line and line.lstrip().startswith("NEW"))
    for part in ("kep_sales", NAME, "kansai_ep", "1013 people", "customer_name_1",
                 "normal, 2016-04-01 to …", "ASIM-87b27343d6", "masking defect"):
        assert part in first
    assert "WAIVED by owner@example.com until 2027-03-31" in text
    assert "waiver EXPIRED by owner@example.com until 2026-01-31" in text
    assert f"*{CSV}:7" in text  # the changed line is marked on its hop
    assert "no line on this path differs from the base" in text
    assert "note: scenarios/new.yaml does not exist at main" in text
    assert "findings: 1 new, 1 gone, 1 widened, 1 narrowed, 2 unchanged" in text
    assert "no-expectations: scenarios/empty holds no expectation" in text
    assert lines[-1].startswith("FAIL: 5 reason(s); exposures 1 new, 2 widened, 2 waived")
    assert check_to_text(_empty()).splitlines()[-1].startswith("PASS: 0 reason(s)")
    broken = _report().models[0].opened[0]
    line = check_to_text(GateReport(
        (ModelDiff(MODEL, "", None, Diff((), (), (), ()),
                   (dataclasses.replace(broken, person_name="two\nlines"),)),),
        (), (), (), None, TODAY))
    assert 'kep_sales "two lines" (kansai_ep' in line


def test_diff_text_says_whether_it_widens() -> None:
    assert diff_to_text(_report().models[0]).splitlines()[-1].startswith("WIDENED: 3 exposure")
    assert diff_to_text(_empty().models[0]).splitlines()[-1].startswith("NOT WIDENED")


def test_json_validates_and_carries_the_counts() -> None:
    validator = _check_schema()
    report = _report()
    data = json.loads(check_to_json(report))
    validator.validate(data)
    assert data["schema"] == "accesssim-check/1" and data["result"] == "FAIL"
    assert data["counts"] == report.counts()
    assert [o["fingerprint"] for o in data["models"][0]["opened"]] == [_fp(1), _fp(2), _fp(3)]
    assert data["models"][0]["opened"][0]["person"]["name"] == NAME
    assert data["models"][0]["opened"][1]["waiver"]["expired"] is False
    assert data["models"][0]["opened"][2]["waiver"]["expired"] is True
    assert [len(v) for v in data["models"][0]["findings"].values()] == [1, 1, 1, 1, 2]
    assert data["models"][1]["base"] == "" and data["models"][1]["base_note"]
    empty = json.loads(check_to_json(_empty()))
    validator.validate(empty)
    assert empty["result"] == "PASS" and empty["models"][0]["opened"] == []
    for md_ in (report.models[0], _empty().models[0]):
        validator.validate(json.loads(diff_to_json(md_)))
    assert json.loads(diff_to_json(report.models[0]))["result"] == "FAIL"
    assert json.loads(diff_to_json(_empty().models[0]))["result"] == "PASS"
    error = json.loads(error_to_json("scenarios/a.yaml:3: unknown key 'x'"))
    validator.validate(error)
    assert error == {"schema": "accesssim-check/1", "result": "ERROR",
                     "error": "scenarios/a.yaml:3: unknown key 'x'"}


def test_json_schema_is_strict() -> None:
    """Draft 2020-12; every object closed; an ERROR with results or a PASS without counts fails."""
    validator = _check_schema()
    jsonschema.Draft202012Validator.check_schema(validator.schema)

    objects = schema_nodes(validator.schema, lambda node: node.get("type") == "object")
    assert objects and all(o.get("additionalProperties") is False for o in objects)
    data = json.loads(check_to_json(_report()))
    for bad in ({**data, "extra": 1}, {**data, "result": "ERROR"}, {**data, "error": "x"},
                {k: v for k, v in data.items() if k != "counts"},
                {"schema": "accesssim-check/1", "result": "PASS", "error": None},
                {"schema": "accesssim-check/2", "result": "ERROR", "error": "x"}):
        assert not validator.is_valid(bad)
    data["models"][0]["opened"][0]["extra"] = 1
    assert not validator.is_valid(data)


def _rendered(markdown: str) -> str:
    """The HTML a CommonMark renderer with GitHub's tables makes of it."""
    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_markdown_escapes_what_users_wrote() -> None:
    """Rendered, every user string shows literally (once escaped for HTML) and injects no tag."""
    text = check_to_markdown(_report())
    assert "<b>" not in text
    assert "&lt;b&gt;" in text and "関西" in text
    assert text.count("<details>") == text.count("</details>") == 3
    page = _rendered(text)
    assert "<b>" not in page and "<em>" not in page and "\\" not in page
    shown = html.escape(f'kep_sales "{NAME}" (kansai_ep, 1013 people)', quote=True)
    assert page.count(shown) == 3  # each <summary>, read as HTML
    reason = html.escape("accepted | for now <until fix>", quote=False)
    assert page.count(reason) == 3  # the expired waiver twice, the valid one once
    assert "<table>" in page and page.count("<tr>") == 16
    odd = "`a``b` |x| <i>"
    assert html.escape(odd, quote=False) in _rendered(f"- {code(odd)}\n")
    assert html.escape(odd, quote=False) in _rendered(f"- {md(odd)}\n")
    # a name's | never splits a table row: every table row has exactly 3 unescaped pipes
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows and all(len(re.findall(r"(?<!\\)\|", row)) == 3 for row in rows)
    assert "ERROR" in error_to_markdown("bad <x> | `y`")
    assert "<x>" not in error_to_markdown("bad <x> | `y`")


@settings(max_examples=examples(100))
@given(st.text())
def test_md_escape_is_literal(text: str) -> None:
    """No raw HTML or Markdown mark survives, and unescaping gives the text back."""
    out = md(text)
    assert "<" not in out and ">" not in out and "\n" not in out and "\r" not in out
    assert re.search(r"(?<!\\)[`*_|\[\]]", out.replace("\\\\", "")) is None
    flat = " ".join(text.splitlines())
    assert html.unescape(re.sub(r"\\(.)", r"\1", out)) == flat


@pytest.mark.parametrize("model", [MODEL, "scenarios/a b: c #d.yaml", "scenarios/1.5",
                                   "scenarios/\"q\" 'p'.yml", "null", "true"])
def test_the_waiver_snippet_loads_and_covers_its_exposure_in_its_model(
        tmp_path: Path, model: str) -> None:
    """Pasted as it stands, the snippet is a valid waiver file that covers the exposure in the
    model it was opened in (however the model path has to be quoted), and in no other."""
    opened = _opened(1)
    [snippet] = re.findall(r"```yaml\n(.*?)```",
                           "\n".join(gate_markdown.waiver_snippet(opened, model, TODAY)), re.S)
    path = tmp_path / "accesssim-waivers.yaml"
    path.write_text(snippet, encoding="utf-8")
    [waiver] = load_waivers(path, "accesssim-waivers.yaml")
    assert (waiver.fingerprint, waiver.model) == (opened.fingerprint, model)
    here = ModelDiff(model, "", None, Diff((), (), (), ()), (opened,))
    there = dataclasses.replace(here, model=model + "x")
    judged, reasons = judge((here, there), (), (waiver,), TODAY, ())
    assert [o.waiver for m in judged for o in m.opened] == [waiver, None]
    assert [r.kind for r in reasons] == ["exposure"]


def test_an_unused_waiver_is_listed_in_text_json_and_markdown() -> None:
    """A waiver of a model no exposure was opened in (here: no checked model at all) is not a
    failure, and every output for people says it is unused; the JSON marks it."""
    idle = _waiver(4, dt.date(2027, 3, 31), model="scenarios/elsewhere.yaml")
    report = dataclasses.replace(_report(), waivers=(*_report().waivers, idle))
    text = check_to_text(report)
    assert (f"unused waiver: {_fp(4)} in scenarios/elsewhere.yaml by owner@example.com until "
            f"2027-03-31 ({idle.source}): no exposure of that model opened by this change has "
            "it") in text.splitlines()
    assert sum(line.startswith("unused waiver: ") for line in text.splitlines()) == 1
    data = json.loads(check_to_json(report))
    _check_schema().validate(data)
    assert [(w["model"], w["used"]) for w in data["waivers"]] == [
        (MODEL, True), (MODEL, True), ("scenarios/elsewhere.yaml", False)]
    page = check_to_markdown(report)
    assert "### Unused waivers" in page and f"`{_fp(4)}` in `scenarios/elsewhere.yaml`" in page
    assert "### Unused waivers" not in check_to_markdown(_report())


def test_markdown_sections_and_waiver_snippet() -> None:
    text = check_to_markdown(_report())
    assert text.startswith("## accesssim check: FAIL\n")
    assert "| exposures new | 1 |" in text and "| reasons | 5 |" in text
    assert f"`{CSV}:7` **changed**" in text
    assert "### Failed expectations" in text and "retail-sees-nothing" in text
    assert "### Expired waivers" in text and "2026-01-31" in text
    assert "scenarios/new.yaml does not exist at main" in text
    snippets = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert len(snippets) == 1  # the unwaived exposure; the expired waiver is to be renewed
    assert "set a later `expires:` on its waiver at `accesssim-waivers.yaml:18`" in text
    entry = yaml.safe_load(snippets[0])
    assert entry["accesssim-waivers"] == 1
    assert entry["waivers"][0]["fingerprint"] == _fp(1)
    assert entry["waivers"][0]["expires"] == TODAY + dt.timedelta(days=gate_markdown.WAIVER_DAYS)
    assert set(entry["waivers"][0]) == {"fingerprint", "model", "owner", "reason", "expires"}
    assert entry["waivers"][0]["model"] == MODEL
    empty = check_to_markdown(_empty())
    assert empty.startswith("## accesssim check: PASS\n") and "<details>" not in empty


def test_sarif_validates_and_points_at_the_changed_line() -> None:
    report = _report()
    data = _sarif(report)
    run = data["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "accesssim" and driver["version"]
    ids = [r["id"] for r in driver["rules"]]
    assert set(ids) >= {t.value for t in FailureType} | {
        "broken-expectation", "no-expectations", "no-longer-checked", "expired-waiver"}
    assert all(r["help"]["text"] and r["help"]["markdown"] and r["fullDescription"]["text"]
               and r["shortDescription"]["text"] for r in driver["rules"])
    assert len(set(ids)) == len(ids) and driver["version"] == accesssim.__version__
    results = run["results"]
    assert len(results) == len(report.reasons)
    assert all(r["level"] == "error" and ids[r["ruleIndex"]] == r["ruleId"] for r in results)
    first = results[0]
    assert first["ruleId"] == "masking-defect"
    loc = first["locations"][0]["physicalLocation"]
    assert loc == {"artifactLocation": {"uri": CSV, "uriBaseId": "%SRCROOT%"},
                   "region": {"startLine": 7}}
    assert first["partialFingerprints"] == {"accesssimFingerprint/v1": _fp(1)}
    flow = first["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [f["location"]["message"]["text"] for f in flow] == [h.text for h in _hops()]
    # nothing changed on the expired-waiver exposure's path: the line completing it
    assert results[1]["locations"][0]["physicalLocation"]["region"] == {"startLine": 7}
    assert [r["ruleId"] for r in results[2:]] == ["broken-expectation", "no-expectations",
                                                 "expired-waiver"]
    # line 0 (no single line) is an artifact-level location, not an invalid region
    assert "region" not in results[3]["locations"][0]["physicalLocation"]
    assert run["properties"]["truncated"] is False
    assert _sarif(_empty())["runs"][0]["results"] == []
    odd = GateReport((), (), (), (Reason("expectation", "x", Source("scenarios/営業 a.yaml", 3)),),
                     None, TODAY)
    where = _sarif(odd)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "scenarios/%E5%96%B6%E6%A5%AD%20a.yaml"


def _many(n_reasons: int, hops: int = 3, text: str = "") -> GateReport:
    opened = tuple(_opened(i, hops=hops, name=f"name {i}{text}") for i in range(n_reasons))
    reasons = tuple(Reason("exposure", f"new exposure {o.fingerprint}{text}", None,
                           o.fingerprint) for o in opened)
    models = (ModelDiff(MODEL, "", None, Diff((), (), (), ()), opened),)
    return GateReport(models, (), (), reasons, None, TODAY)


def _check_result_limit(data: dict[str, Any], limit: int) -> None:
    run = data["runs"][0]
    assert len(run["results"]) == limit
    assert run["properties"]["truncated"] is True
    note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    assert note.startswith(f"7 of {limit + 7} results left out")


def test_sarif_keeps_to_githubs_result_limit() -> None:
    """GitHub's 5,000 results: the cut is made (the schema check of a cut file is below)."""
    assert sarif.MAX_RESULTS == 5000
    _check_result_limit(json.loads(check_to_sarif(_many(sarif.MAX_RESULTS + 7))), 5000)


def test_sarif_cut_at_the_result_limit_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file cut at the result limit still validates (a small limit: the schema check is slow)."""
    monkeypatch.setattr(sarif, "MAX_RESULTS", 40)
    _check_result_limit(_sarif(_many(47)), 40)


@pytest.mark.thorough
def test_sarif_cut_at_githubs_result_limit_is_valid() -> None:
    """The same at the real limit: 5,000 results through the schema validator (4 s)."""
    _check_result_limit(_sarif(_many(sarif.MAX_RESULTS + 7)), 5000)


def test_sarif_keeps_to_githubs_code_flow_limit() -> None:
    data = _sarif(_many(2, hops=sarif.MAX_FLOW_LOCATIONS + 50))
    run = data["runs"][0]
    flows = [r["codeFlows"][0]["threadFlows"][0]["locations"] for r in run["results"]]
    assert [len(f) for f in flows] == [1000, 1000]
    assert "2 code flow(s) cut to their first 1000 hops" in " ".join(run["properties"]["notes"])


def test_sarif_keeps_to_githubs_file_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the size bound, results are left out (with a note) until the file fits."""
    monkeypatch.setattr(sarif, "MAX_BYTES", 200_000)
    text = check_to_sarif(_many(200, text="x" * 2000))
    assert len(text.encode()) <= 200_000
    data = json.loads(text)
    _sarif_schema().validate(data)
    kept = len(data["runs"][0]["results"])
    assert 0 < kept < 200
    assert data["runs"][0]["properties"]["notes"][0].startswith(f"{200 - kept} of 200 results")


def test_markdown_keeps_to_githubs_step_summary_size() -> None:
    """Over 1 MiB GitHub shows no summary at all: items are left out, counted in a note."""
    report = _many(600, text="y" * 1000)
    text = check_to_markdown(report)
    assert len(text.encode()) <= gate_markdown.MAX_BYTES < 1024 * 1024
    shown = text.count("<details>")
    reasons = text.count("- exposure: new exposure")
    assert reasons == 600 and 0 < shown < 600  # the reasons come first, then the sections
    assert text.rstrip().endswith(f"**{600 - shown} item(s) left out to keep this summary "
                                  "under GitHub's size limit; the text and JSON outputs hold "
                                  "them all.**")
    assert "left out" not in check_to_markdown(_report())


def test_junit_counts_the_failures() -> None:
    xml = JUnitXml.fromstring(gate_to_junit(_report()))
    suites = {s.name: s for s in xml}
    assert suites[MODEL].failures == 1 and suites[MODEL].tests == 2
    exposures = suites["exposures"]
    assert exposures.tests == 3 and exposures.failures == 2  # the waived one passes
    failing = {case.name for case in exposures if not case.is_passed}
    assert failing == {_fp(1), _fp(3)}
    assert suites["gate"].tests == suites["gate"].failures == 2
    assert xml.failures == 5
    empty = JUnitXml.fromstring(gate_to_junit(_empty()))
    assert empty.failures == 0


def test_report_format_doc_names_every_check_schema_key() -> None:
    """docs/report-format.md mentions every property the check schema defines."""
    missing = undocumented_keys(_check_schema().schema, REPO / "docs" / "report-format.md")
    assert not missing, f"document these keys in docs/report-format.md: {missing}"
