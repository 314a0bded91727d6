"""``accesssim summary`` under hostile input: folders holding change sets and keep files, one
file given under several spellings, display names that a spreadsheet would run as formulas."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from accesssim.reports.summary import inert
from helpers import REPO, run

INCIDENTS = REPO / "scenarios" / "incidents"


def _copy(tmp_path: Path, *names: str) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(REPO / "policies", root / "policies")
    folder = root / "scenarios" / "incidents"
    folder.mkdir(parents=True)
    for name in names:
        shutil.copyfile(INCIDENTS / name, folder / name)
    return folder


def test_a_folder_passes_over_change_sets_and_keep_files(tmp_path: Path) -> None:
    """Regression: the remedies folder (change sets, keep files) was loaded as models: exit 2."""
    folder = _copy(tmp_path, "01-kansai.yaml", "01-kansai-remediated.yaml")
    for name in ("01-kansai.changes.yaml", "01-kansai.keep.yaml"):
        shutil.copyfile(INCIDENTS / "remedies" / name, folder / name)
    result = run("summary", str(folder), "--root", str(folder.parents[1]), "--format", "json",
                 "--quiet")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert [(r["model"]["file"], r["status"]) for r in rows] == [
        ("scenarios/incidents/01-kansai.yaml", "closed")]


def test_a_folder_of_change_sets_only_has_no_model(tmp_path: Path) -> None:
    result = run("summary", str(INCIDENTS / "remedies"), "--root", str(REPO), "--quiet")
    assert result.exit_code == 2
    assert "no model to summarise" in result.stderr
    assert "Traceback" not in result.stderr


def test_one_file_under_several_spellings_is_one_row(tmp_path: Path) -> None:
    """Regression: the same model given as a relative path, an absolute one and through a
    symbolic link gave one row per spelling, so the totals counted one company thrice."""
    folder = _copy(tmp_path, "04-shikoku.yaml", "04-shikoku-remediated.yaml")
    model = folder / "04-shikoku.yaml"
    link = tmp_path / "link.yaml"
    link.symlink_to(model)
    odd = folder / ".." / "incidents" / "04-shikoku.yaml"
    result = run("summary", str(model), str(odd), str(link), str(folder),
                 "--root", str(folder.parents[1]), "--format", "json", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["rows"]) == 1


def test_csv_cells_that_look_like_formulas_are_inert(tmp_path: Path) -> None:
    """A display name such as ``=HYPERLINK(...)`` must not run when compliance staff open the
    CSV in a spreadsheet: the cell starts with ``'`` (OWASP's advice)."""
    folder = _copy(tmp_path, "04-shikoku.yaml")
    model = folder / "04-shikoku.yaml"
    text = model.read_text(encoding="utf-8")
    text = text.replace("name: 四国電力送配電,", """name: '=HYPERLINK("x","y")',""", 1)
    model.write_text(text, encoding="utf-8")
    result = run("summary", str(model), "--root", str(folder.parents[1]), "--format", "csv",
                 "--quiet")
    assert result.exit_code == 1, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[1][1].startswith("'=HYPERLINK"), rows[1]
    for row in rows:
        for cell in row:
            assert cell == "-" or not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_inert() -> None:
    assert inert("=1+1") == "'=1+1"
    assert inert("+81 3") == "'+81 3"
    assert inert("-2") == "'-2"
    assert inert("@SUM(A1)") == "'@SUM(A1)"
    assert inert("\tx") == "'\tx"
    assert inert("-") == "-"
    assert inert("関西電力") == "関西電力"
    assert inert("a=b") == "a=b"


def test_hostile_names_in_every_format(tmp_path: Path) -> None:
    """An organisation named with a pipe, HTML, a comma, quotes and a line break: the Markdown
    table keeps its columns and shows the name as text, the CSV reads back the same cells, and
    JSON keeps the name exactly."""
    folder = _copy(tmp_path, "04-shikoku.yaml")
    model = folder / "04-shikoku.yaml"
    name = 'A|B <script>x</script> & "C", D\nE'
    text = model.read_text(encoding="utf-8").replace(
        "name: 四国電力, kind: retail", f"name: {json.dumps(name)}, kind: retail", 1)
    model.write_text(text, encoding="utf-8")
    root = str(folder.parents[1])
    data = json.loads(run("summary", str(model), "--root", root, "--format", "json",
                          "--quiet").stdout)
    assert data["rows"][0]["exposures"][0]["org"]["name"] == name
    md = run("summary", str(model), "--root", root, "--format", "markdown", "--quiet").stdout
    row = md.splitlines()[2]
    assert "<script>" not in md and "&lt;script&gt;" in row and "A\\|B" in row
    assert row.count(" | ") == 5  # six columns: the name's pipe is escaped
    out = run("summary", str(model), "--root", root, "--format", "csv", "--quiet").stdout
    cells = list(csv.reader(io.StringIO(out)))[1]
    assert len(cells) == 6
    assert cells[3].startswith(name.replace("\n", " ") + ": 272 people")
    table = run("summary", str(model), "--root", root, "--quiet").stdout
    assert 'D E: 272 people' in table  # the name's line break would read as an org "E"


def test_one_model_is_not_models() -> None:
    """Regression: the totals line said "1 models"."""
    one = run("summary", str(INCIDENTS / "04-shikoku.yaml"), "--root", str(REPO), "--quiet")
    assert one.stdout.splitlines()[-1] == (
        "1 model: 1 closed, 0 open, 0 without a remediated variant, 0 without a gap")
    ja = run("summary", str(INCIDENTS / "04-shikoku.yaml"), "--root", str(REPO), "--quiet",
             "--lang", "ja")
    assert ja.stdout.splitlines()[-1] == "1モデル：解消 1、未解消 0、是正版なし 0、不備なし 0"


def test_bom_without_csv_is_a_usage_error() -> None:
    """--bom only means something for CSV: with another format it is refused, not ignored."""
    result = run("summary", str(REPO / "scenarios" / "incidents" / "09-hokkaido.yaml"),
                 "--root", str(REPO), "--quiet", "--bom")
    assert result.exit_code == 2 and "--bom is for --format csv" in result.stderr
    result = run("summary", str(REPO / "scenarios" / "incidents" / "09-hokkaido.yaml"),
                 "--root", str(REPO), "--quiet", "--bom", "--format", "csv")
    assert result.exit_code == 0 and result.stdout.startswith("\ufeff")
