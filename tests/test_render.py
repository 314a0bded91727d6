"""`accesssim render` and the Diagrams API: what each picture must show, read back from the SVG
Graphviz draws (names, defect labels, clusters, tooltips, the two sides of the boundary)."""

from __future__ import annotations

import os
import re
import subprocess
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest

from accesssim.engine import Analyzer, analyzer, load_project
from accesssim.findings.results import Finding, Report
from accesssim.i18n import ENGLISH, translator
from accesssim.reports.diagram import finding_dot, finding_svg, overview_dot, path_edges
from accesssim.reports.diagram_names import Names
from accesssim.reports.diagram_style import DEFECT, TRUSTED, UNTRUSTED
from accesssim.search.defects import FailureType
from helpers import REPO, make_project, run

INCIDENTS = sorted(p for p in (REPO / "scenarios" / "incidents").glob("*.yaml")
                   if "remediated" not in p.name)
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@cache
def _analysed(model: Path) -> tuple[Analyzer, Report]:
    project = load_project(model, REPO)
    engine = analyzer(project, modes=project.loaded.model.modes)
    return engine, engine.run()


def _cases() -> list[tuple[Path, str]]:
    return [(m, f.id) for m in INCIDENTS for f in _analysed(m)[1].findings]


def _finding(model: Path, finding_id: str) -> tuple[Analyzer, Report, Finding]:
    engine, report = _analysed(model)
    return engine, report, next(f for f in report.findings if f.id == finding_id)


def _texts(root: ET.Element) -> str:
    """Every text line the SVG prints, joined."""
    return "\n".join(t.text or "" for t in root.iter(f"{SVG}text"))


def _titles(root: ET.Element) -> list[str]:
    """Every tooltip (xlink:title of the links Graphviz wraps around nodes and edges)."""
    return [a.get(f"{XLINK}title", "") for a in root.iter(f"{SVG}a")]


def _clusters(root: ET.Element, prefix: str) -> dict[str, str]:
    """Organisation id -> the stroke colour of its cluster's border."""
    found = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "cluster" and re.fullmatch(re.escape(prefix) + r"org-\d+",
                                                         g.get("id", "")):
            org = next(a.get(f"{XLINK}title", "") for a in g.iter(f"{SVG}a"))
            shapes = [*g.iter(f"{SVG}path"), *g.iter(f"{SVG}polygon")]
            found[org] = shapes[0].get("stroke", "")
    return found


@pytest.mark.parametrize(("model", "finding_id"), _cases(),
                         ids=lambda v: v.stem if isinstance(v, Path) else v)
def test_finding_svg_shows_the_path(model: Path, finding_id: str) -> None:
    """Every path entity by name, every defect's failure type, one cluster per organisation,
    every hop's file:line in a tooltip, and the sides of the boundary as the engine draws it."""
    engine, report, finding = _finding(model, finding_id)
    svg = finding_svg(engine.model, report, finding, ENGLISH)
    assert svg.startswith("<svg") and "<!DOCTYPE" not in svg and "<?xml" not in svg
    root = ET.fromstring(svg)
    texts = _texts(root)
    names = Names(engine.model)
    for step in finding.path:
        assert names.name(step.node, finding) in texts, step.node
        if step.defect is not None:
            assert step.defect.label in texts
    for hop in finding.witness:
        if hop.defect is not None:
            assert hop.defect.label in texts
    titles = "\n".join(_titles(root))
    for hop in finding.witness:
        assert hop.text in titles, hop.text
        for source in hop.sources:
            assert f"{source.file}:{source.line}" in titles
    prefix = re.sub(r"[^A-Za-z0-9_-]", "_", finding.id) + "-"
    ids = [e.get("id", "") for e in root.iter() if e.get("id")]
    assert all(i.startswith(prefix) or i.startswith("a_" + prefix) for i in ids), ids
    nodes, _ = path_edges(finding)
    orgs = {names.org_of(n, finding) for n in nodes}
    clusters = _clusters(root, prefix)
    assert set(clusters) == orgs
    system = names.system_of(finding)
    core = engine.boundary.core[system]
    fields = [engine.boundary.fields[f] for f in finding.fields]
    for org, colour in clusters.items():
        inside = org in core or all(org in f.concerns for f in fields)
        assert colour == (TRUSTED["color"] if inside else UNTRUSTED["color"]), org
    person = engine.people[finding.path[0].node.partition(":")[2]]
    assert clusters[person.org] == UNTRUSTED["color"]
    window = finding.windows[0]
    day = window.start or window.end
    if day is not None:
        assert not all(engine.boundary.trusted(person, f, window.mode, day)
                       for f in finding.fields)


def test_japanese_failure_types_in_the_svg() -> None:
    """--lang ja: the failure types in the regulator's words."""
    tr = translator("ja")
    for model in INCIDENTS[:4]:
        engine, report = _analysed(model)
        for finding in report.findings:
            root = ET.fromstring(finding_svg(engine.model, report, finding, tr))
            texts = _texts(root)
            edges = "\n".join(_texts(g) for g in root.iter(f"{SVG}g") if g.get("class") == "edge")
            red = {s.defect for s in finding.path if s.defect} | {
                h.defect for h in finding.witness if h.defect}
            for failure in red:
                assert isinstance(failure, FailureType)
                assert tr(failure.label) in edges and failure.label not in edges
            assert "凡例" in texts


def _title(svg: str) -> str:
    """The picture's title: the text lines drawn directly in the graph, not in a cluster."""
    root = ET.fromstring(svg)
    graph = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "graph")
    return "\n".join(t.text or "" for t in graph.findall(f"{SVG}text"))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_title_names_three_fields_and_counts_the_rest(lang: str) -> None:
    """A finding of many fields keeps a narrow title: its first three field names, then how
    many more (the report's tables list every field)."""
    tr = translator(lang)
    seen = set()
    for model in INCIDENTS:
        engine, report = _analysed(model)
        names = Names(engine.model)
        for finding in report.findings:
            title = _title(finding_svg(engine.model, report, finding, tr))
            drawn = finding.path[-1].node.removeprefix("field:")
            assert drawn in finding.fields
            order = [drawn, *(f for f in finding.fields if f != drawn)]  # the drawn one first
            shown = ", ".join(names.field(f) for f in order[:3])
            hidden = [names.field(f) for f in order[3:]]
            more = len(hidden)
            assert shown in title, (finding.id, title)
            if more:
                words = f" and {more} more" if lang == "en" else f" ほか {more} 項目"
                assert shown + words in title, (finding.id, title)
                assert not any(h in title for h in hidden if h not in shown), title
            else:
                assert " more" not in title and "ほか" not in title, title
            seen.add(more > 0)
    assert seen == {True, False}  # the incidents have findings of both kinds


def test_every_word_of_the_pictures_has_its_japanese() -> None:
    """Each template of reports/diagram*.py is in a Japanese catalogue, same placeholders."""
    from babel.messages.extract import extract_from_file

    from accesssim.i18n import catalogue, placeholders

    ja = catalogue("ja")
    found = [m for path in sorted((REPO / "src/accesssim/reports").glob("diagram*.py"))
             for _, m, _, _ in extract_from_file("python", str(path),
                                                 keywords={"msg": None, "N_": None})]
    assert len(found) >= 20
    for template in found:
        assert isinstance(template, str) and template in ja, template
        assert placeholders(template) == placeholders(ja[template]), template


def test_same_input_same_bytes() -> None:
    engine, report = _analysed(INCIDENTS[0])
    finding = report.findings[0]
    assert finding_dot(engine.model, report, finding, ENGLISH) == finding_dot(
        engine.model, report, finding, ENGLISH)
    assert overview_dot(engine.model, report, ENGLISH) == overview_dot(engine.model, report,
                                                                       ENGLISH)


def test_labels_are_escaped(tmp_path: Path) -> None:
    """Quotes, backslashes and <>& in names reach the picture as written, never as DOT or
    HTML syntax."""
    project = make_project(tmp_path)
    odd = 'A \\"quoted\\" <b>&amp; back\\\\slash'  # YAML escapes: A "quoted" <b>&amp; back\slash
    project.edit_model("name: 関西電力 委託先コールセンター", f'name: "{odd} person"')
    project.edit_model("name: 関西電力の委託先,", f'name: "{odd} org",')
    shown = 'A "quoted" <b>&amp; back\\slash'
    result = project.cli("render", "--format", "svg")
    assert result.exit_code == 1, result.stderr
    texts = _texts(ET.fromstring(result.stdout[result.stdout.index("<svg"):]))
    assert f"{shown} org" in texts
    finding = _analysed(INCIDENTS[0])[1].findings[0].id
    result = project.cli("render", "--format", "svg", "--finding", finding)
    texts = _texts(ET.fromstring(result.stdout[result.stdout.index("<svg"):]))
    assert f"{shown} person" in texts and f"{shown} org" in texts


def test_overview_of_a_larger_model_stays_small(tmp_path: Path) -> None:
    """The overview draws at most: one node per organisation of exposed people, six per
    system (the system, its menu screens, its screens reached by transitions, the fields each
    of those two reaches with no defect on the last hop, its other exposed fields), one per
    field that ends a witness path; and here at most 100 nodes in all."""
    out = tmp_path / "synth"
    assert run("generate", str(out), "--preset", "small", "--scale", "8").exit_code == 0
    project = load_project(out / "model.yaml", out)
    model = project.loaded.model
    report = analyzer(project, modes=model.modes).run()
    assert len(report.findings) >= 10
    source = overview_dot(model, report, ENGLISH)
    nodes = [line for line in source.splitlines()
             if re.match(r'\s*"overview-n\d+" \[', line)]
    ends = {f.path[-1].node for f in report.findings}
    bound = len(model.organizations) + 6 * len(model.systems) + len(ends)
    assert 0 < len(nodes) <= bound and len(nodes) <= 100, (len(nodes), bound)
    assert f"{report.exposed_headcount:,}" in source


def test_png_and_svg_files(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    png, svg = tmp_path / "out" / "o.png", tmp_path / "f.svg"
    assert project.cli("render", "--format", "png", "-o", str(png)).exit_code == 1
    assert png.read_bytes().startswith(PNG_MAGIC)
    finding = _analysed(INCIDENTS[0])[1].findings[0].id
    result = project.cli("render", "--finding", finding, "--lang", "ja", "-o", str(svg))
    assert result.exit_code == 1, result.stderr
    assert "関西電力の委託先" in svg.read_text(encoding="utf-8") or "関西電力" in svg.read_text(
        encoding="utf-8")
    dot = project.cli("render", "--finding", finding, "--format", "dot")
    assert dot.stdout.startswith("digraph")


def test_unknown_finding_and_output_onto_an_input(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    out = tmp_path / "o.svg"
    result = project.cli("render", "--finding", "ASIM-0000000000", "-o", str(out))
    assert result.exit_code == 2 and "accesssim analyze" in result.stderr
    assert "lists the finding ids" in result.stderr and not out.exists()
    before = project.csv.read_bytes()
    result = project.cli("render", "-o", str(project.csv))
    assert result.exit_code == 2 and "input of this run" in result.stderr
    assert project.csv.read_bytes() == before


def test_missing_dot_says_what_to_install(tmp_path: Path) -> None:
    """With no `dot` on PATH: exit 2, the Debian packages named, nothing written."""
    venv_bin = Path(os.environ.get("VIRTUAL_ENV", "")) / "bin"
    command = REPO / ".venv" / "bin" / "accesssim"
    if not command.exists():
        command = venv_bin / "accesssim"
    assert command.exists(), "run the tests from the project's venv"
    empty = tmp_path / "bin"
    empty.mkdir()
    out = tmp_path / "o.png"
    done = subprocess.run(
        [str(command), "render", str(INCIDENTS[0]), "--root", str(REPO), "--format", "png",
         "-o", str(out)], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PATH": str(empty)}, check=False)
    assert done.returncode == 2, done.stderr
    assert "apt-get install graphviz fonts-noto-cjk" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
    # the DOT source needs no Graphviz program
    done = subprocess.run(
        [str(command), "render", str(INCIDENTS[0]), "--root", str(REPO), "--format", "dot"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "PATH": str(empty)},
        check=False)
    assert done.returncode == 1 and done.stdout.startswith("digraph")
    # the HTML report draws every finding: refused the same way, nothing written ...
    page = tmp_path / "r.html"
    done = subprocess.run(
        [str(command), "report", str(INCIDENTS[0]), "--root", str(REPO), "--quiet", "-o",
         str(page)], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PATH": str(empty)}, check=False)
    assert done.returncode == 2, done.stderr
    assert "apt-get install graphviz fonts-noto-cjk" in done.stderr
    assert "--format" not in done.stderr  # report has no --format to suggest
    assert "Traceback" not in done.stderr and not page.exists()
    # ... but a model without findings has nothing to draw
    clean = REPO / "scenarios" / "incidents" / "09-hokkaido.yaml"
    done = subprocess.run(
        [str(command), "report", str(clean), "--root", str(REPO), "--quiet", "-o", str(page)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "PATH": str(empty)},
        check=False)
    assert done.returncode == 0, done.stderr
    assert page.is_file()


def test_defect_style_is_red() -> None:
    engine, report = _analysed(INCIDENTS[0])
    source = finding_dot(engine.model, report, report.findings[0], ENGLISH)
    assert f'color="{DEFECT["color"]}"' in source


@pytest.mark.parametrize("model", INCIDENTS[:6], ids=lambda p: p.stem)
def test_overview_sides_match_the_boundary(model: Path) -> None:
    """Overview: every organisation with exposed people is drawn untrusted; every other
    organisation drawn is in the engine's boundary core of a system on some path."""
    from accesssim.reports.diagram import render_dot, svg_fragment

    engine, report = _analysed(model)
    root = ET.fromstring(svg_fragment(render_dot(overview_dot(engine.model, report, ENGLISH),
                                                 "svg")))
    clusters = _clusters(root, "overview-")
    exposed = {g.org for f in report.findings for g in f.people}
    assert exposed <= set(clusters)
    names = Names(engine.model)
    systems = {names.system_of(f) for f in report.findings}
    for org, colour in clusters.items():
        if org in exposed:
            assert colour == UNTRUSTED["color"], org
        else:
            assert colour == TRUSTED["color"], org
            assert any(org in engine.boundary.core[s] for s in systems), org
    texts = _texts(root)
    assert f"{report.exposed_headcount:,}" in texts
