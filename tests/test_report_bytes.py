"""Reports are byte-identical to the ones the engine gave before a change that must not alter them.

Engine changes for speed or shape (issue 7) must give exactly the same bytes: same findings, ids,
witnesses, windows and wording. Every shipped scenario's text, JSON and DOT report is kept in
tests/report_bytes/; the utility preset (seeds 0 and 7) is kept as sha256 digests (its reports
are megabytes). A change that is meant to alter reports rewrites the files with
``ACCESSSIM_UPDATE_REPORTS=1`` and says why in its commit.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from accesssim.engine import analyze, load_project
from accesssim.reports import OutputFormat, render
from accesssim.suite.suite import discover

ROOT = Path(__file__).resolve().parent.parent
KEPT = ROOT / "tests" / "report_bytes"
SCENARIOS = discover([ROOT / "scenarios"])  # change sets there are no scenarios
UPDATE = os.environ.get("ACCESSSIM_UPDATE_REPORTS") == "1"
SUFFIX = {OutputFormat.TEXT: "txt", OutputFormat.JSON: "json", OutputFormat.DOT: "dot"}

#: sha256 of `accesssim analyze model.yaml --mode all` on `generate --preset utility --seed N`.
UTILITY_DIGESTS = {
    (0, OutputFormat.JSON): "3de2917e98c3d32a7349e3f80e027a6b0c43354c81d5cd60a6b98ff5e98b4640",
    (0, OutputFormat.TEXT): "e9d2b8a85c4fb861af675eedcf7ad78f4a0752dc3c9908281f88612a74cab877",
    (7, OutputFormat.JSON): "3536db715ccb8fed42aa29260f8f769e9f670aaab1fed1585d162157c397c13d",
    (7, OutputFormat.TEXT): "3ed17e04ad2447e48ad9b66282029a7cefaa481fd62d18960bbf5ee0e22d30e5",
}


def _reports(model: Path, root: Path | None = ROOT) -> dict[OutputFormat, str]:
    project = load_project(model, root)
    report = analyze(project, modes=project.loaded.model.modes)
    return {fmt: render(report, fmt) for fmt in SUFFIX}


def _kept_name(scenario: Path) -> str:
    """The incidents and the reference by their file name; other folders' models by their
    path below scenarios/ (``inventory-deployed-model``): a name like model.yaml repeats."""
    rel = scenario.relative_to(ROOT / "scenarios").with_suffix("")
    return rel.name if rel.parent.name in ("", "incidents") else "-".join(rel.parts)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=_kept_name)
def test_shipped_scenario_reports_are_unchanged(scenario: Path) -> None:
    """Every format of every shipped scenario's report equals the kept bytes."""
    for fmt, text in _reports(scenario).items():
        kept = KEPT / f"{_kept_name(scenario)}.{SUFFIX[fmt]}"
        if UPDATE:
            kept.write_text(text, encoding="utf-8")
        assert text == kept.read_text(encoding="utf-8"), f"{kept.name} changed"


@pytest.mark.thorough
@pytest.mark.parametrize("seed", [0, 7])
def test_utility_reports_are_unchanged(seed: int, tmp_path: Path) -> None:
    """The utility preset's JSON and text reports hash to the kept digests."""
    from accesssim.synth.generate import generate
    from accesssim.synth.spec import MODEL_FILE

    generate(tmp_path, preset="utility", seed=seed)
    reports = _reports(tmp_path / MODEL_FILE, None)
    for fmt in (OutputFormat.JSON, OutputFormat.TEXT):
        digest = hashlib.sha256(reports[fmt].encode("utf-8")).hexdigest()
        assert digest == UTILITY_DIGESTS[(seed, fmt)], f"seed {seed} {fmt.value} report changed"
