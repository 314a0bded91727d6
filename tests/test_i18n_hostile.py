"""Japanese output under hostile use: what a compliance officer reads in normal use must not
fall back to English sentences."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from accesssim.findings.results import Report
from accesssim.i18n import msg, translator
from accesssim.reports.text import report_to_text
from helpers import REPO, make_project, run

#: The venv's own command: CI does not put the venv's bin folder on PATH.
ACCESSSIM = str(Path(sys.executable).parent / "accesssim")


def _unrecognised_matcher(tmp_path: Path) -> Path:
    project = make_project(tmp_path)
    project.edit_conf("&& r.dom == p.dom && r.obj == p.obj &&",
                      "&& (r.dom == p.dom || r.dom == \"*\") && keyMatch(r.obj, p.obj) &&")
    return project.model


def test_matcher_shape_warning_is_japanese(tmp_path: Path) -> None:
    """Regression: the loader's warning was an English f-string, printed as is under --lang ja
    (and would fail a strict translator)."""
    model = _unrecognised_matcher(tmp_path)
    root = str(model.parents[2])
    text = run("analyze", str(model), "--root", root, "--lang", "ja").stdout
    assert "マッチャーの形を認識できません" in text
    assert "matcher shape not recognised" not in text
    data = json.loads(run("analyze", str(model), "--root", root, "--format", "json").stdout)
    assert any("matcher shape not recognised" in w for w in data["analysis"]["warnings"])


def test_truncation_warning_translates_strictly() -> None:
    """The warning that some root causes may be missing (an incomplete explanation) reads in
    Japanese, through the strict translator the tests use."""
    ja = translator("ja", strict=True)
    warning = msg("more than {count} minimal defect sets reached one screen; some root causes "
                  "may be missing (exposures are complete)", count=64)
    report = Report(model_name="m", model_file="m.yaml", casbin_model="c", casbin_policy="p",
                    modes=("normal",), at=None, findings=(), untrusted_headcount=0, slices=1,
                    enforce_calls=0, warnings=(warning,))
    text = report_to_text(report, ja)
    assert "根本原因の一部が示されていない可能性" in text
    assert "64" in text
    assert "some root causes" in str(warning)


def test_an_euc_jp_terminal_gets_text_not_an_internal_error() -> None:
    """Regression: under LANG=ja_JP.eucJP (stdout encoded as EUC-JP) the em dash of a model
    name and the full-width tilde of a window made the run end in "internal error" (exit 2)."""
    env = {**os.environ, "PYTHONIOENCODING": "euc_jp", "LANG": "ja_JP.eucJP"}
    env.pop("LC_ALL", None)
    model = REPO / "scenarios" / "incidents" / "07-hokuriku.yaml"
    done = subprocess.run([ACCESSSIM, "analyze", str(model), "--root", str(REPO)],
                          env=env, capture_output=True, timeout=300, check=False)
    assert done.returncode == 1, done.stderr
    assert b"internal error" not in done.stderr
    text = done.stdout.decode("euc_jp")
    assert "閲覧可能な画面への一時的な表示" in text
    assert "2022-10-01" in text


def test_summary_japanese_reads_as_the_regulator_writes() -> None:
    """Regression: an open window read 開始日・終了日なし ("no dates": it means the whole analysed
    period), the summary counted 人 where analyze and the paper count 名, and lists of windows
    were joined by an ASCII semicolon."""
    ja = translator("ja", strict=True)
    assert ja("no start or end date") == "全期間"
    since = msg("since {start}, no end date", start="2016-04-01")
    assert ja(since) == "2016-04-01以降（終了日なし）"
    assert ja(msg("until {end}, no start date", end="2016-03-31")) == "2016-03-31まで（開始日なし）"
    assert ja(msg("{org}: {count} people", org="関西電力", count="1,013")) == "関西電力：1,013名"
    assert ja(msg("{count} people in all", count="1,613")) == "計1,613名"
    assert ja(msg("{first}; {rest}", first="a", rest="b")) == "a；b"
    text = run("summary", str(REPO / "scenarios" / "incidents" / "06-chugoku.yaml"), "--root",
               str(REPO), "--lang", "ja", "--quiet").stdout
    assert "2016-04-01以降（終了日なし）" in text and "開始日・終了日なし" not in text


def test_windows_are_joined_the_japanese_way() -> None:
    """Regression: analyze and explain joined a finding's windows by an ASCII "; " in Japanese
    text (成立期間: disaster モード、全期間; normal モード、全期間)."""
    text = run("analyze", str(REPO / "scenarios" / "incidents" / "02-tohoku.yaml"), "--root",
               str(REPO), "--lang", "ja").stdout
    assert "成立期間: disaster モード、全期間；normal モード、全期間" in text
    english = run("analyze", str(REPO / "scenarios" / "incidents" / "02-tohoku.yaml"),
                  "--root", str(REPO), "--lang", "en").stdout
    assert "holds:   disaster, at any date; normal, at any date" in english


def test_error_lines_follow_lang() -> None:
    """Regression: with --lang ja (or a Japanese locale) a broken input still ended in English
    ("error: ...", "N problem(s) found; stopped before writing anything"); the problem itself
    (file:line and what is wrong) stays as the engine words it."""
    keep = str(REPO / "scenarios" / "incidents" / "remedies" / "01-kansai.keep.yaml")
    ja = run("analyze", keep, "--root", str(REPO), "--lang", "ja")
    assert ja.exit_code == 2
    assert "エラー: scenarios/incidents/remedies/01-kansai.keep.yaml:4: " in ja.stderr
    assert ja.stderr.splitlines()[-1] == "問題7件が見つかったため、何も書き込まずに停止しました"
    en = run("analyze", keep, "--root", str(REPO), "--lang", "en")
    assert en.stderr.splitlines()[-1] == "7 problem(s) found; stopped before writing anything"
    summary = run("summary", str(REPO / "scenarios" / "incidents" / "remedies"), "--root",
                  str(REPO), "--lang", "ja", "--quiet")
    assert summary.exit_code == 2 and summary.stderr.startswith("エラー: no model to summarise")


def test_progress_phases_follow_lang() -> None:
    """Regression: on a terminal the progress phases of analyze and summary stayed English under
    --lang ja (what a person watches while a utility-scale model runs)."""
    import pty

    for args, phase in ((["analyze", "scenarios/incidents/05-chubu.yaml"], "読み込み中"),
                        (["summary", "scenarios/incidents/04-shikoku.yaml"],
                         "モデルと是正版を読み込み中")):
        parent, child = pty.openpty()
        done = subprocess.run([ACCESSSIM, *args, "--root", str(REPO), "--lang", "ja"],
                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=child, timeout=300,
                              check=False)
        os.close(child)
        seen = b""
        while True:
            try:
                chunk = os.read(parent, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        os.close(parent)
        text = seen.decode("utf-8", "replace")
        assert done.returncode in (0, 1)  # chubu has findings; shikoku's gap is closed
        assert phase in text, text[:400]
        assert "loading" not in text, text[:400]
