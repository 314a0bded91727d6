"""``accesssim generate``: deterministic synthetic models whose planted defects the engine finds."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from accesssim.cli.main import main
from accesssim.engine import analyze, load_project
from accesssim.findings.results import Report
from accesssim.synth.generate import generate
from accesssim.synth.spec import CONF_FILE, MAX_SCALE, MODEL_FILE, POLICY_FILE, PRESETS, scaled

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


#: SHA-256 of model.yaml and policy.csv as written before ``--scale`` existed (and the generator
#: was split into ``accesssim.synth``): scale 1 must keep writing exactly these bytes.
BEFORE_SCALE = {
    ("small", 0): ("18da38c560eee175044500cba6bbe2ddb83218f7b42a2841a49d119e9c2953be",
                   "ae16f623f63a26feca1675839896d3d649d3767ea4f3895bc1c173cf5d791ca3"),
    ("small", 7): ("3bd4b3a857dee4816bce40bceac6db07cd1f67150bb87ace0a5c5a720a8f444f",
                   "18ba973fc8d7409bef8fb4f5508084a582f90cf59876a7c9ee5bacfed968f1e2"),
    ("utility", 0): ("33a7d680bd3e4d0da938bc8098ba9c6a261ce6df481122c58550c0f40a93163b",
                     "d28ec0a4c0de2157ef632a7af564ba57e78bdb9cdffbec0acd3138c001e21e83"),
    ("utility", 7): ("e4becba4c717cb1b315c3cc44be442de889b25202558445f59d481c657b3fcae",
                     "2904bf019abaaff5aa6fc04e45ffee7392db9a04ffb97d8e5fa3ceca5b101df9"),
}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(("preset", "seed"), [
    pytest.param(*key, marks=[pytest.mark.thorough] if key[0] == "utility" else [])
    for key in sorted(BEFORE_SCALE)])
def test_scale_one_writes_the_bytes_written_before_scale_existed(
        tmp_path: Path, preset: str, seed: int) -> None:
    generate(tmp_path / "default", preset, seed)
    generate(tmp_path / "one", preset, seed, scale=1)
    for name in FILES:
        assert (tmp_path / "default" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    assert (_sha(tmp_path / "one" / MODEL_FILE),
            _sha(tmp_path / "one" / POLICY_FILE)) == BEFORE_SCALE[(preset, seed)]


def _posts(model: dict[str, Any]) -> dict[str, int]:
    """How many locations each kind of organisation's people entries are posted at, at most."""
    most: dict[str, int] = {}
    for q in model["people"]:
        most[q["org"]] = max(most.get(q["org"], 0), len(q["locations"]))
    return most


def test_scale_multiplies_the_organisation_not_each_persons_reach(tmp_path: Path) -> None:
    one = generate(tmp_path / "one", "small", 3)
    three = generate(tmp_path / "three", "small", 3, scale=3)
    assert (three.screens, three.fields, three.roles, three.systems, three.organizations) == (
        one.screens, one.fields, one.roles, one.systems, one.organizations)
    # Planted defects are a handful of each kind at every scale; the rest grows about 3x.
    for size in ("people", "locations", "accounts", "terminals"):
        ratio = getattr(three, size) / getattr(one, size)
        assert 2.7 <= ratio <= 3.1, (size, ratio)
    models = {n: yaml.safe_load((tmp_path / n / MODEL_FILE).read_text(encoding="utf-8"))
              for n in ("one", "three")}
    # Each person is still posted at one or two places ...
    assert max(_posts(models["three"]).values()) <= 2
    # ... while places open to a whole organisation grow in number with the scale.
    open_to_org = {n: sum(1 for loc in m["locations"] if loc["open_to"]) for n, m in models.items()}
    assert open_to_org["three"] >= 3 * open_to_org["one"] - 6
    # Per person, accounts and assigned terminals stay about the same.
    for n, summary in (("one", one), ("three", three)):
        assigned = sum(1 for t in models[n]["terminals"] if t.get("assigned_to"))
        assert assigned / summary.people < 2
    assert "scale 3" in (tmp_path / "three" / MODEL_FILE).read_text(encoding="utf-8")[:200]
    assert "scale" not in (tmp_path / "one" / MODEL_FILE).read_text(encoding="utf-8")[:200]


def test_scaled_model_validates_and_its_planted_defects_are_found(tmp_path: Path) -> None:
    code, text = _run("generate", str(tmp_path), "--preset", "small", "--seed", "1",
                      "--scale", "2")
    assert code == 0, text
    assert "scale 2" in text
    report_path = tmp_path / "report.json"
    code, text = _run("analyze", str(tmp_path / MODEL_FILE), "--root", str(tmp_path),
                      "--mode", "all", "--format", "json", "-o", str(report_path), "--quiet")
    assert code == 1, text
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert {t for f in report["findings"] for t in f["failure_types"]} == PLANTED_TYPES


@pytest.mark.parametrize("scale", ["0", "-1", str(MAX_SCALE + 1), "two"])
def test_bad_scale_is_refused_before_anything_is_written(tmp_path: Path, scale: str) -> None:
    out = tmp_path / "model"
    code, text = _run("generate", str(out), "--scale", scale)
    assert code == 2
    assert "--scale" in text
    assert not out.exists()


def test_scaled_refuses_out_of_range_scales() -> None:
    for bad in (0, MAX_SCALE + 1):
        with pytest.raises(ValueError, match="scale must be between 1 and 64"):
            scaled(PRESETS["small"], bad)
    assert scaled(PRESETS["small"], 1) is PRESETS["small"]


def _bench(name: str) -> ModuleType:
    """A script of benchmarks/ (they import their calibration loop only when run)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _report(folder: Path) -> Report:
    project = load_project(folder / MODEL_FILE, folder)
    return analyze(project, modes=project.loaded.model.modes)


def test_bench_slices_quiet_epochs_change_nothing_for_outsiders(tmp_path: Path) -> None:
    """The slices benchmark's premise: its quiet epochs add slices and change no finding."""
    bench = _bench("bench_slices")
    generate(tmp_path / "base", "small", 2)
    text = (tmp_path / "base" / MODEL_FILE).read_text(encoding="utf-8")
    variants = {"quiet": bench.quiet_epochs(text, 2), "loud": bench.loud_epochs(text, 2)}
    for name, variant in variants.items():
        assert variant != text
        bench.write_variant(tmp_path / "base", tmp_path / name, variant)
    base, quiet, loud = (_report(tmp_path / n) for n in ("base", "quiet", "loud"))
    assert quiet.slices == base.slices + 2 * 2 and loud.slices == base.slices + 2 * 2
    assert quiet.findings == base.findings
    # The loud epochs do touch outsiders: some exposure now ends when a grant starts.
    def seen(report: Report) -> list[tuple[object, ...]]:
        return [(f.id, f.exposures, f.windows) for f in report.findings]

    assert seen(loud) != seen(base)


def test_bench_scale_fits_the_time_exponent() -> None:
    """The slope of log time against log scale: 1 when linear, 2 when quadratic, per step too."""
    bench = _bench("bench_scale")
    rows = [(s, {"load": 3.0 * s, "compile": 0.5 * s * s, "search": 2.0 * s * s,
                 "total": 3.0 * s + 2.5 * s * s}) for s in (1, 2, 4, 8)]
    lines = bench.exponent_lines(rows)
    assert lines[1] == "  load     overall 1.00   (1x->2x 1.00, 2x->4x 1.00, 4x->8x 1.00)"
    assert lines[3] == "  search   overall 2.00   (1x->2x 2.00, 2x->4x 2.00, 4x->8x 2.00)"
    assert bench.exponent_lines(rows[:1]) == []
