"""Hostile names in the pictures: ids and display names holding markup, quotes, DOT syntax and
Graphviz escapes must come out of ``dot`` as written, in labels and tooltips alike."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from helpers import make_project

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
#: A group id with a Graphviz escape (``\N`` is "this node's name" in a tooltip), markup and
#: quotes: what the tooltip shows must be exactly this id.
GROUP = 'kep<b>"sales"</b>&\\N'



def _svg_titles(svg: Path) -> list[str]:
    root = ET.fromstring(svg.read_bytes())
    return [a.get(f"{XLINK}title", "") for a in root.iter(f"{SVG}a")]


@pytest.mark.parametrize("overview", [False, True])
def test_a_backslash_in_a_node_tooltip_is_printed_as_written(tmp_path: Path,
                                                             overview: bool) -> None:
    project = make_project(tmp_path)
    text = re.sub(r"(?<!acc_)kep_sales", lambda _: GROUP,
                  project.model.read_text(encoding="utf-8"))
    project.model.write_text(text, encoding="utf-8")
    project.edit_model("name: 関西電力, kind", "name: 'a \\ b \\N c \\l', kind")
    found = project.cli("analyze", "--format", "json")
    assert found.exit_code == 1, found.stderr
    ids = [f["id"] for f in json.loads(found.stdout)["findings"]]
    runs = [([], GROUP)] if overview else [(["--finding", i], f"person: {GROUP}") for i in ids]
    titles: list[str] = []
    wanted = runs[0][1]
    for index, (args, _) in enumerate(runs):
        out = tmp_path / f"picture{index}.svg"
        done = project.cli("render", *args, "-o", str(out))
        assert done.exit_code == 1, done.stderr
        titles += _svg_titles(out)
    assert wanted in titles, [t for t in titles if "kep<" in t]
    # before the fix, Graphviz put the node's own id where the tooltip said \N
    assert not any(t.startswith(wanted[:12]) and t[len(wanted):len(wanted) + 2] not in ("", " (")
                   for t in titles), [t for t in titles if t.startswith(wanted[:12])]
    texts = "\n".join(t.text or "" for t in ET.fromstring(out.read_bytes()).iter(f"{SVG}text"))
    assert "a \\ b \\N c \\l" in texts


def test_each_witness_hop_is_drawn_once(tmp_path: Path) -> None:
    """A terminal assigned to the person (no location): its "assigned" and "left logged in"
    hops share the account-terminal edge, and were listed twice in that edge's tooltip."""
    from accesssim.engine import analyzer, load_project
    from accesssim.reports.diagram import path_edges
    from helpers import run

    assert run("generate", str(tmp_path / "g"), "--seed", "2").exit_code == 0
    project = load_project(tmp_path / "g" / "model.yaml", tmp_path / "g")
    report = analyzer(project, modes=project.loaded.model.modes).run()
    checked = 0
    for finding in report.findings:
        nodes, edges = path_edges(finding)
        assert [s.node for s in finding.path if s.node in nodes] == [s.node for s in finding.path]
        drawn = [h for e in edges for h in e.hops]
        assert sorted(map(id, drawn)) == sorted(map(id, finding.witness)), finding.id
        checked += not any(n.startswith("location:") for n in nodes)
    assert checked, "the generated model no longer has a finding through an assigned terminal"


def test_a_png_is_not_written_onto_a_terminal(tmp_path: Path) -> None:
    import os
    import pty
    import subprocess
    import sys
    import threading

    leader, follower = pty.openpty()
    shown = bytearray()

    def drain() -> None:  # the terminal's reader, so a child writing a PNG never blocks
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    model = Path(__file__).resolve().parents[1] / "scenarios" / "incidents" / "01-kansai.yaml"
    program = shutil.which("accesssim") or str(Path(sys.executable).parent / "accesssim")
    done = subprocess.run([program, "render", str(model), "--format", "png"],
                          stdout=follower, stderr=subprocess.PIPE, timeout=120, check=False)
    os.close(follower)
    reader.join(timeout=10)
    os.close(leader)
    assert done.returncode == 2, done.stderr
    assert b"PNG" not in shown
    assert b"-o FILE.png" in done.stderr
