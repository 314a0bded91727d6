"""``accesssim report``: the HTML file is parsed (html.parser) and compared with the analysis
it reports: one table row per finding with its id, headcount and share; chart bars equal to
the table numbers; a file:line citation for every hop; nothing fetched from outside; the
remediated variant and a proposed remediation shown per finding; Japanese; byte-identical runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from accesssim.engine import analyze, load_project
from accesssim.i18n import catalogue
from helpers import REPO, run

KANSAI = REPO / "scenarios" / "incidents" / "01-kansai.yaml"
KANSAI_FIXED = REPO / "scenarios" / "incidents" / "01-kansai-remediated.yaml"
KEEP = REPO / "tests" / "data" / "remediate" / "kansai.keep.yaml"
CITATION = re.compile(r"^[\w./-]+\.(yaml|csv|conf):\d+$")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Every descendant with this tag (any, if None) whose attributes hold these values
        (``class_`` matches one class among several)."""
        found = []
        for child in self.children:
            if _matches(child, tag, attrs):
                found.append(child)
            found += child.all(tag, **attrs)
        return found

    def one(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag} {attrs}>"
        return found[0]

    def words(self) -> str:
        return "".join(self.text + [c.words() for c in self.children]).strip()


def _matches(node: Node, tag: str | None, attrs: dict[str, str]) -> bool:
    if tag is not None and node.tag != tag:
        return False
    for key, value in attrs.items():
        if key == "class_":
            if value not in node.attrs.get("class", "").split():
                return False
        elif node.attrs.get(key) != value:
            return False
    return True


VOID = {"meta", "br", "img", "link", "input", "hr", "source", "path", "polygon", "ellipse",
        "polyline", "rect", "line", "circle"}


class _Tree(HTMLParser):
    """A small DOM from html.parser (text in document order is enough for these checks)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]
        self.attributes: list[tuple[str, str, str]] = []  # (tag, name, value) of every element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.attributes += [(tag, k, v) for k, v in values.items()]
        node = Node(tag, values)
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.attributes += [(tag, k, v) for k, v in values.items()]
        self.stack[-1].children.append(Node(tag, values))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return
        raise AssertionError(f"</{tag}> closes nothing")

    def handle_data(self, data: str) -> None:
        self.stack[-1].text.append(data)


def parse(text: str) -> _Tree:
    tree = _Tree()
    tree.feed(text)
    tree.close()
    assert tree.stack == [tree.root], f"unclosed: {[n.tag for n in tree.stack[1:]]}"
    return tree


def write_report(tmp_path: Path, *args: str, model: Path = KANSAI, code: int = 1,
                 name: str = "report.html") -> str:
    out = tmp_path / name
    result = run("report", str(model), "-o", str(out), "--root", str(REPO), "--quiet", *args)
    assert result.exit_code == code, result.output
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def kansai(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_report(tmp_path_factory.mktemp("kansai"))


@pytest.fixture(scope="module")
def kansai_ja(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_report(tmp_path_factory.mktemp("kansai-ja"), "--lang", "ja")


def test_one_row_per_finding_with_its_id_headcount_and_share(kansai: str) -> None:
    project = load_project(KANSAI, REPO)
    report = analyze(project, modes=project.loaded.model.modes)
    rows = parse(kansai).root.one("table", class_="findings").all("tr", class_="finding-row")
    assert [r.attrs["data-id"] for r in rows] == [f.id for f in report.findings]
    assert len(rows) == 2
    for row, finding in zip(rows, report.findings, strict=True):
        cells = row.all("td")
        assert int(cells[3].attrs["data-people"]) == finding.headcount
        assert cells[3].words() == f"{finding.headcount:,}"
        assert cells[4].words() == f"{finding.share:.2%}"
        assert cells[5].words() == ", ".join(finding.fields)
    # modes that share a date range are named together; the masking gap opened in 2016-04
    assert [r.all("td")[6].words() for r in rows] == [
        "disaster operation, normal operation: any date",
        "disaster operation, normal operation: from 2016-04-01"]


def _bars(doc: Node, key: str) -> dict[str, int]:
    chart = doc.one("svg", **{"data-figure": key})
    return {g.attrs["data-key"]: int(g.attrs["data-value"]) for g in chart.all("g", class_="bar")}


def _table(doc: Node, key: str) -> dict[str, int]:
    table = doc.one("table", **{"data-figure": key})
    return {r.attrs["data-key"]: int(r.all("td")[1].attrs["data-people"])
            for r in table.all("tr") if "data-key" in r.attrs}


def test_chart_bars_equal_the_table_numbers_and_the_scenario(kansai: str) -> None:
    doc = parse(kansai).root
    for key in ("field", "type", "org"):
        assert _bars(doc, key) == _table(doc, key), key
    # the scenario's own numbers: kansai_ep 1,013 sales staff and 600 contractors, all of
    # whom see every exposed field through one finding or the other
    assert _table(doc, "org") == {"kansai_ep": 1013, "kep_contractor": 600}
    assert _table(doc, "field") == {f: 1613 for f in ("address", "customer_name", "phone",
                                                      "retailer_name", "usage_kwh")}
    assert _table(doc, "type") == {"masking-defect": 1613, "unchecked-transition": 1613}
    widths = {g.attrs["data-key"]: g.one("rect").attrs["width"]
              for g in doc.one("svg", **{"data-figure": "org"}).all("g")}
    assert int(widths["kep_contractor"]) < int(widths["kansai_ep"])


def test_every_hop_cites_its_file_and_line(kansai: str) -> None:
    project = load_project(KANSAI, REPO)
    report = analyze(project, modes=project.loaded.model.modes)
    doc = parse(kansai).root
    for finding in report.findings:
        section = doc.one("section", id=finding.id)
        hops = section.one("ol", class_="path").all("li")
        assert len(hops) == len(finding.witness)
        for li, hop in zip(hops, finding.witness, strict=True):
            cites = [c.words() for c in li.all("cite")]
            assert cites == [str(s) for s in hop.sources]
            assert all(CITATION.match(c) for c in cites), cites
        assert len(section.all("svg")) == 1, "one diagram per finding"


def test_nothing_is_fetched_from_outside(kansai: str) -> None:
    tree = parse(kansai)
    for tag, name, value in tree.attributes:
        if name in ("src", "href", "xlink:href", "action", "srcset", "data"):
            assert not re.match(r"\s*(https?:)?//", value), (tag, name, value)
            assert name != "src", (tag, name, value)  # no image or script file at all
        if name == "href":
            assert value.startswith("#"), (tag, name, value)
    assert not tree.root.all("script") and not tree.root.all("link")
    assert "@import" not in kansai and "url(" not in kansai


def test_the_remediated_variant_closes_the_kansai_findings(kansai: str) -> None:
    doc = parse(kansai).root
    fixes = [s.one("ul", class_="fix").words() for s in doc.all("section", class_="finding")]
    assert len(fixes) == 2
    for fix in fixes:
        assert "Closed in the remediated variant scenarios/incidents/01-kansai-remediated.yaml" \
            in fix


def test_a_variant_that_keeps_the_finding_says_so(tmp_path: Path) -> None:
    doc = parse(write_report(tmp_path, "--remediated", str(KANSAI))).root
    for section in doc.all("section", class_="finding"):
        assert "Still present in the remediated variant" in section.one("ul", class_="fix").words()


def test_the_remediated_variant_itself_passes(tmp_path: Path) -> None:
    doc = parse(write_report(tmp_path, model=KANSAI_FIXED, code=0)).root
    verdict = doc.one("section", id="verdict")
    assert "pass" in verdict.attrs["class"].split()
    assert verdict.one("p", class_="verdict-text").words().startswith("Pass:")
    assert not doc.all("tr", class_="finding-row") and not doc.all("section", class_="finding")


def test_a_keep_file_shows_the_proposed_changes_and_what_they_close(tmp_path: Path) -> None:
    doc = parse(write_report(tmp_path, "--keep", str(KEEP))).root
    proposal = doc.one("section", id="proposal")
    rows = proposal.all("tr", class_="change-row")
    texts = [r.all("td")[1].words() for r in rows]
    assert texts == ["check {from: contract_detail, to: switching_detail}",
                     "mask {field: address, masking: policy, screen: contract_detail}",
                     "mask {field: customer_name, masking: policy, screen: contract_detail}"]
    # the check alone closes the transition finding; each mask alone only narrows the other
    assert rows[0].all("td")[3].words() == "ASIM-87b27343d6"
    assert [r.all("td")[4].words() for r in rows[1:]] == ["ASIM-d7e16864f5"] * 2
    assert "0 findings" in proposal.one("p", class_="verified").words()
    fix = doc.one("section", id="ASIM-d7e16864f5").one("ul", class_="fix").words()
    assert "Closed by proposed changes 2, 3 together" in fix


def test_japanese(kansai_ja: str) -> None:
    doc = parse(kansai_ja).root
    assert doc.one("html").attrs["lang"] == "ja"
    headings = [h.words() for h in doc.all("h2")[:3]]
    assert headings == ["判定", "情報の露出", "検出事項"]
    types = [r.all("td")[2].words() for r in doc.all("tr", class_="finding-row")]
    assert types == ["画面間の遷移時におけるアクセス制限の不備", "マスキング処理の不備"]
    assert "是正後のモデル" in doc.one("section", id="ASIM-87b27343d6").words()


def test_every_word_of_the_report_has_a_japanese_translation() -> None:
    """The msgids babel extracts from the report's code and templates are all translated."""
    method_map = [("src/accesssim/reports/html*.py", "python"),
                  ("src/accesssim/data/templates/*.j2", "jinja2.ext:babel_extract")]
    found = {m[2] for m in extract_from_dir(
        str(REPO), method_map, keywords={"msg": None, "N_": None, "_": None},
        options_map={"src/accesssim/data/templates/*.j2": {"extensions": "jinja2.ext.i18n"}})}
    found = {m if isinstance(m, str) else m[0] for m in found}
    assert len(found) > 40
    missing = sorted(found - set(catalogue("ja")))
    assert not missing, missing


def test_two_runs_are_byte_identical(tmp_path: Path, kansai_ja: str) -> None:
    again = write_report(tmp_path, "--lang", "ja")
    assert again == kansai_ja
    assert re.search(r"20\d\d-\d\d-\d\dT|\d\d:\d\d:\d\d", again) is None, "no timestamps"


def test_at_a_day_shows_the_day(tmp_path: Path) -> None:
    doc = parse(write_report(tmp_path, "--at", "2015-01-01", "--mode", "normal")).root
    assert "on 2015-01-01" in doc.one("dl", class_="meta").words()
    ids = [r.attrs["data-id"] for r in doc.all("tr", class_="finding-row")]
    assert ids == ["ASIM-87b27343d6"]  # the masking gap dates from 2016-04


def test_output_onto_an_input_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    result = run("report", str(KANSAI), "-o", str(KANSAI_FIXED), "--root", str(REPO), "--quiet")
    assert result.exit_code == 2
    assert "input of this run" in result.output
    assert KANSAI_FIXED.read_text(encoding="utf-8").startswith("# REMEDIATED")


def test_a_wide_diagram_scrolls_rather_than_shrinking_past_reading(kansai: str) -> None:
    from accesssim.reports.html_view import DIAGRAM_SCALE, natural_width

    assert natural_width('<svg width="300pt" height="10pt" viewBox="0 0 300 10">') == 400
    assert natural_width('\n<svg class="x" width="120px">') == 120
    assert natural_width("<svg viewBox='0 0 1 1'>") == 0
    doc = parse(kansai).root
    for figure in doc.all("figure", class_="diagram"):
        canvas = figure.one("div", class_="canvas")
        svg = canvas.one("svg")
        natural = float(svg.attrs["width"].removesuffix("pt")) * 4 / 3
        assert canvas.attrs["style"] == f"min-width: {round(natural * DIAGRAM_SCALE)}px"



def test_a_japanese_locale_selects_japanese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert parse(write_report(tmp_path)).root.one("html").attrs["lang"] == "ja"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert parse(write_report(tmp_path, name="en.html")).root.one("html").attrs["lang"] == "en"
