"""``accesssim generate``: deterministic synthetic models whose planted defects the engine finds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from accesssim.cli.main import main
from accesssim.generate import CONF_FILE, MODEL_FILE, POLICY_FILE, generate

ROOT = Path(__file__).resolve().parents[1]
FILES = (MODEL_FILE, POLICY_FILE, CONF_FILE)

#: Every failure type the generator plants (the eleventh, external accounts, is not planted).
PLANTED_TYPES = {
    "masking-defect", "unchecked-transition", "terminal-placement", "terminal-misdistribution",
    "disaster-lending-left-in-place", "outage-workaround-left-open",
    "emergency-rights-in-normal-time", "credential-misuse", "temporary-display",
    "encoding-omission",
}


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", "small", 7)
    generate(tmp_path / "b", "small", 7)
    generate(tmp_path / "c", "small", 8)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / MODEL_FILE).read_bytes() != (tmp_path / "c" / MODEL_FILE).read_bytes()


def test_conf_is_the_shipped_one(tmp_path: Path) -> None:
    shipped = (ROOT / "policies" / CONF_FILE).read_text(encoding="utf-8")
    generate(tmp_path, "small", 0)
    assert (tmp_path / CONF_FILE).read_text(encoding="utf-8") == shipped


def test_command_writes_the_three_files_and_validates(tmp_path: Path) -> None:
    out = tmp_path / "model"
    code, text = _run("generate", str(out), "--preset", "small", "--seed", "3")
    assert code == 0, text
    assert "planted defects" in text
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    code, text = _run("validate", str(out / MODEL_FILE), "--root", str(out))
    assert code == 0, text
    assert "valid" in text


def test_unknown_preset_is_refused(tmp_path: Path) -> None:
    code, _ = _run("generate", str(tmp_path), "--preset", "huge")
    assert code == 2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_analyze_finds_the_planted_failure_types(tmp_path: Path, seed: int) -> None:
    generate(tmp_path, "small", seed)
    report_path = tmp_path / "report.json"
    code, text = _run("analyze", str(tmp_path / MODEL_FILE), "--root", str(tmp_path),
                      "--mode", "all", "--format", "json", "-o", str(report_path), "--quiet")
    assert code == 1, text
    report = json.loads(report_path.read_text(encoding="utf-8"))
    found = {t for f in report["findings"] for t in f["failure_types"]}
    assert found == PLANTED_TYPES
    # Only retail-side staff are exposed: NW and its contractors are inside the boundary.
    orgs = {g["org"] for f in report["findings"] for g in f["exposed"]["groups"]}
    assert orgs <= {"rt", "rt_c1", "rt_c2", "newco"}
    # Few epochs: the engine analyses one slice per mode and epoch.
    assert report["analysis"]["slices"] <= 2 * 5


def test_small_preset_is_small_and_dates_are_few(tmp_path: Path) -> None:
    summary = generate(tmp_path, "small", 0)
    assert summary.accounts < 60 and summary.terminals < 60 and summary.screens < 40
    text = (tmp_path / MODEL_FILE).read_text(encoding="utf-8")
    text += (tmp_path / POLICY_FILE).read_text(encoding="utf-8")
    assert len(set(re.findall(r"\b\d{4}-\d{2}-\d{2}\b", text))) <= 6


def test_utility_preset_has_the_issue_sizes(tmp_path: Path) -> None:
    s = generate(tmp_path, "utility", 0)
    assert 1_900 <= s.people <= 2_100 and 19_000 <= s.headcount <= 21_000
    assert 21_500 <= s.accounts <= 22_500 and 14_500 <= s.terminals <= 15_500
    assert s.locations == 500 and s.systems == 3 and s.screens == 1_500
    assert 5_900 <= s.transitions <= 6_100 and 290 <= s.fields <= 310 and s.roles == 200
    assert 4_500 <= s.p_lines <= 5_500 and 24_000 <= s.g_lines <= 26_000
    assert min(s.planted.values()) >= 1
