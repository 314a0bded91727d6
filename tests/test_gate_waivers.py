"""Waivers: the waiver file is read strictly with every problem at once and its line; ``judge``
applies unexpired waivers to opened exposures and lists every reason a check fails."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Literal

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from accesssim.errors import InputError
from accesssim.findings.results import Hop
from accesssim.gate.diff import Diff, Fact
from accesssim.gate.result import GateReport, ModelDiff, Opened, Waiver
from accesssim.gate.waivers import json_schema, judge, load_waivers, unused
from accesssim.i18n import Msg
from accesssim.model.provenance import Source
from accesssim.suite.checks import CheckResult
from helpers import REPO, run

TODAY = dt.date(2027, 3, 31)
FP_A = "EXP-" + "a" * 16
FP_B = "EXP-" + "b" * 16
FP_C = "EXP-0123456789abcdef"

GOOD = """\
# accepted exposures
accesssim-waivers: 1
waivers:
  - fingerprint: EXP-aaaaaaaaaaaaaaaa
    model: scenarios/a.yaml
    owner: grid-security@example.com
    reason: the call centre needs it until the new screen ships
    expires: 2027-03-31
  - {fingerprint: EXP-bbbbbbbbbbbbbbbb, model: scenarios/sub/b.yaml, owner: me, reason: short,
     expires: 2026-01-01}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "accesssim-waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_waivers(_write(tmp_path, text), "accesssim-waivers.yaml")
    return [str(p) for p in caught.value.problems]


# -- loading ----------------------------------------------------------------------------------


def test_a_good_file_gives_each_waiver_with_its_line(tmp_path: Path) -> None:
    waivers = load_waivers(_write(tmp_path, GOOD), "w.yaml")
    assert waivers == (
        Waiver(FP_A, "scenarios/a.yaml", "grid-security@example.com",
               "the call centre needs it until the new screen ships", dt.date(2027, 3, 31),
               Source("w.yaml", 4)),
        Waiver(FP_B, "scenarios/sub/b.yaml", "me", "short", dt.date(2026, 1, 1),
               Source("w.yaml", 9)),
    )


def test_an_empty_list_is_allowed(tmp_path: Path) -> None:
    assert load_waivers(_write(tmp_path, "accesssim-waivers: 1\nwaivers: []\n"), "w") == ()


BAD = """\
accesssim-waivers: 1
colour: red
waivers:
  - fingerprint: EXP-AAAAAAAAAAAAAAAA
    model: scenarios/a.yaml
    owner: ""
    reason: "   "
    expires: "2027-03-31"
  - fingerprint: EXP-0123456789abcdef
    model: scenarios/a.yaml
    owner: me
    expires: 2027-03-31 10:00:00
    note: extra
  - fingerprint: EXP-0123456789abcdef
    model: scenarios/a.yaml
    owner: me
    reason: again
    expires: 31/03/2027
  - fingerprint: EXP-123
    model: ./scenarios/a.yaml
    owner: 5
    reason: r
    expires: 2027-01-01
  - fingerprint: EXP-0123456789abcdef
    model: scenarios/b.yaml
    owner: me
    reason: the same exposure in another model is another waiver
    expires: 2027-01-01
  - fingerprint: EXP-bbbbbbbbbbbbbbbb
    owner: me
    reason: no model
    expires: 2027-01-01
"""


def test_every_problem_is_reported_at_once_with_its_line(tmp_path: Path) -> None:
    """Unknown keys, a missing key, wrong types, bad dates, a badly shaped fingerprint, empty
    owner and reason, a model path not as check shows it, a missing model, a fingerprint
    waived twice for one model (twice for two models is fine): all in one error, each at its
    own line."""
    problems = _problems(tmp_path, BAD)
    expected = [
        (2, r"colour: unknown key"),
        (4, r"waivers\.0\.fingerprint: 'EXP-AAAAAAAAAAAAAAAA' is not a fingerprint"),
        (6, r"waivers\.0\.owner: must not be empty"),
        (7, r"waivers\.0\.reason: must not be empty"),
        (8, r"waivers\.0\.expires: '2027-03-31' is not a date: write it unquoted"),
        (9, r"waivers\.1\.reason: missing key"),
        (12, r"waivers\.1\.expires: 2027-03-31 10:00:00 is not a date"),
        (13, r"waivers\.1\.note: unknown key"),
        (14, r"waivers\.2\.fingerprint: EXP-0123456789abcdef is waived twice for "
             r"scenarios/a\.yaml \(first at line 9"),
        (18, r"waivers\.2\.expires: '31/03/2027' is not a date"),
        (19, r"waivers\.3\.fingerprint: 'EXP-123' is not a fingerprint"),
        (20, r"waivers\.3\.model: '\./scenarios/a\.yaml' is not a model path as the check "
             r"output shows it"),
        (21, r"waivers\.3\.owner: .*string"),
        (29, r"waivers\.5\.model: missing key"),
    ]
    for line, pattern in expected:
        prefix = f"accesssim-waivers.yaml:{line}: "
        assert any(p.startswith(prefix) and re.search(pattern, p) for p in problems), (
            line, pattern, problems)
    assert len(problems) == len(expected), problems


@pytest.mark.parametrize(("text", "line", "pattern"), [
    ("waivers: []\n", 1, r"accesssim-waivers: missing key"),
    ("accesssim-waivers: 2\nwaivers: []\n", 1, r"version must be the number 1, not 2"),
    ("accesssim-waivers: true\nwaivers: []\n", 1, r"version must be the number 1, not True"),
    ("accesssim-waivers: 1.0\nwaivers: []\n", 1, r"version must be the number 1, not 1\.0"),
    ("accesssim-waivers: 1\n", 1, r"waivers: missing key"),
    ("accesssim-waivers: 1\nwaivers:\n", 2, r"waivers: must be a list"),
    ("accesssim-waivers: 1\nwaivers:\n  - just words\n", 2, r"waivers\.0: each waiver must be"),
    ("", 1, r"must be a YAML mapping"),
    ("- a list\n", 1, r"must be a YAML mapping"),
    ("accesssim-waivers: 1\nwaivers: [\n", 3, r"YAML error"),
    ("accesssim-waivers: 1\naccesssim-waivers: 1\nwaivers: []\n", 2, r"duplicate key"),
    ("accesssim-waivers: 1\nwaivers:\n  - fingerprint: EXP-aaaaaaaaaaaaaaaa\n    owner: me\n"
     "    reason: r\n    expires: 2027-02-30\n", 6, r"2027-02-30"),
    ("accesssim-waivers: 1\nwaivers:\n  - fingerprint: EXP-aaaaaaaaaaaaaaaa\n    owner: me\n"
     "    reason: r\n    expires: !!str 2027-02-01\n", 6, r"explicit tag"),
    *((f"accesssim-waivers: 1\nwaivers:\n  - fingerprint: EXP-aaaaaaaaaaaaaaaa\n"
       f"    model: {model}\n    owner: me\n    reason: r\n    expires: 2027-02-01\n", 4,
       r"waivers\.0\.model: .*(is not a model path as the check output shows it|empty)")
      for model in ('""', "/abs/a.yaml", "scenarios/../a.yaml", "scenarios//a.yaml",
                    "scenarios/a.yaml/", "'scenarios\\a.yaml'", '" "')),
])
def test_each_bad_file_names_its_line(tmp_path: Path, text: str, line: int,
                                      pattern: str) -> None:
    problems = _problems(tmp_path, text)
    assert any(p.startswith(f"accesssim-waivers.yaml:{line}: ") and re.search(pattern, p)
               for p in problems), problems


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nothere\.yaml"):
        load_waivers(tmp_path / "nothere.yaml", "nothere.yaml")


# -- the schema -------------------------------------------------------------------------------


def test_schema_command_prints_the_waiver_schema() -> None:
    result = run("schema", "--waivers")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json_schema()
    assert json.loads(run("schema").stdout)["title"] == "SystemModel"


def _objects(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return ([node] if "properties" in node else []) + [
            o for v in node.values() for o in _objects(v)]
    if isinstance(node, list):
        return [o for v in node for o in _objects(v)]
    return []


def test_schema_is_valid_strict_and_agrees_with_the_loader() -> None:
    """A draft 2020-12 schema, no loose objects; the good file passes it, each bad shape
    (unknown key, missing key, bad fingerprint, empty owner, wrong version) fails it."""
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert all(o.get("additionalProperties") is False for o in _objects(schema))
    assert "__line__" not in json.dumps(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    good = json.loads(json.dumps(yaml.safe_load(GOOD), default=str))
    validator.validate(good)
    for key, value in [("colour", "red"), ("fingerprint", "EXP-123"), ("owner", ""),
                       ("model", ""),
                       ("expires", "2027-02-30")]:
        broken = json.loads(json.dumps(good))
        broken["waivers"][0][key] = value
        assert not validator.is_valid(broken), key
    for mutate in (lambda d: d["waivers"][0].pop("reason"), lambda d: d["waivers"][0].pop("model"),
                   lambda d: d.__setitem__("accesssim-waivers", 2)):
        broken = json.loads(json.dumps(good))
        mutate(broken)
        assert not validator.is_valid(broken)


def test_the_documented_example_loads(tmp_path: Path) -> None:
    """The example file in docs/waivers.md is accepted as it stands."""
    page = (REPO / "docs" / "waivers.md").read_text(encoding="utf-8")
    examples = re.findall(r"```yaml\n(accesssim-waivers: 1\n.*?)```", page, re.DOTALL)
    assert examples
    for example in examples:
        assert load_waivers(_write(tmp_path, example), "w")


# -- judge ------------------------------------------------------------------------------------


def _opened(fp: str, status: Literal["new", "widened"] = "new", line: int = 7) -> Opened:
    return Opened(fp, status, "retail-staff", "Retail staff", "retail", 12, "customer-name",
                  "ASIM-1234", (), (Fact("retail-staff", "customer-name", "normal", None, None),),
                  (Hop(Msg("sees"), (Source("policy.csv", 3),)),),
                  (Source("policy.csv", line),))


def _model(*opened: Opened, name: str = "scenarios/a.yaml") -> ModelDiff:
    return ModelDiff(name, f"main:{name}", None, Diff((), (), (), ()), opened)


def _waiver(fp: str, expires: dt.date, line: int = 3, model: str = "scenarios/a.yaml") -> Waiver:
    return Waiver(fp, model, "me", "known", expires, Source("accesssim-waivers.yaml", line))


def _check(passed: bool, name: str = "e1", line: int = 40) -> CheckResult:
    return CheckResult("scenarios/a.yaml", name, "no_path", line, passed, "retail sees a field")


def test_an_unexpired_waiver_covers_its_exposure() -> None:
    """Covered up to and on the expiry day; the waiver is attached to the exposure."""
    waiver = _waiver(FP_A, TODAY)
    models, reasons = judge((_model(_opened(FP_A)),), (), (waiver,), TODAY, ())
    assert reasons == ()
    assert models[0].opened[0].waiver == waiver
    report = GateReport(models, (), (waiver,), reasons, today=TODAY)
    assert report.result == "PASS" and report.counts()["exposures_waived"] == 1


def test_an_expired_waiver_covers_nothing_and_fails() -> None:
    waiver = _waiver(FP_A, TODAY - dt.timedelta(days=1), line=9)
    models, reasons = judge((_model(_opened(FP_A, line=5)),), (), (waiver,), TODAY, ())
    assert models[0].opened[0].waiver is None
    assert [(r.kind, r.source, r.fingerprint) for r in reasons] == [
        ("exposure", Source("policy.csv", 5), FP_A),
        ("expired-waiver", Source("accesssim-waivers.yaml", 9), FP_A)]
    assert "expired on 2027-03-30" in reasons[1].message


def test_an_expired_waiver_fails_even_when_it_matches_nothing() -> None:
    _, reasons = judge((), (), (_waiver(FP_C, dt.date(2020, 1, 1)),), TODAY, ())
    assert [r.kind for r in reasons] == ["expired-waiver"]


def test_a_waiver_of_another_fingerprint_covers_nothing_and_is_unused() -> None:
    waiver = _waiver(FP_B, TODAY)
    models, reasons = judge((_model(_opened(FP_A)),), (), (waiver,), TODAY, ())
    assert [r.kind for r in reasons] == ["exposure"]
    assert unused(models, (waiver,)) == (waiver,)
    assert unused(models, (_waiver(FP_A, TODAY),)) == ()


def test_a_waiver_covers_its_fingerprint_in_its_own_model_only() -> None:
    """Two scenarios sharing ids (an incident and its remediation) share fingerprints: the
    waiver of one must not cover the other. A waiver of a model not checked is unused."""
    incident = _waiver(FP_A, TODAY, 3, model="scenarios/incident.yaml")
    elsewhere = _waiver(FP_A, TODAY, 9, model="scenarios/not-checked.yaml")
    models = (_model(_opened(FP_A, line=5), name="scenarios/incident.yaml"),
              _model(_opened(FP_A, line=6), name="scenarios/live.yaml"))
    judged, reasons = judge(models, (), (incident, elsewhere), TODAY, ())
    assert [o.waiver for m in judged for o in m.opened] == [incident, None]
    assert [(r.kind, r.source) for r in reasons] == [("exposure", Source("policy.csv", 6))]
    assert unused(judged, (incident, elsewhere)) == (elsewhere,)
    expired = _waiver(FP_A, TODAY - dt.timedelta(days=1), 4, model="scenarios/live.yaml")
    _, reasons = judge(models, (), (incident, expired), TODAY, ())
    assert [r.kind for r in reasons] == ["exposure", "expired-waiver"]
    assert "EXP-aaaaaaaaaaaaaaaa in scenarios/live.yaml" in reasons[1].message


def test_each_reason_kind_with_its_source_and_message() -> None:
    models = (_model(_opened(FP_A, "widened", line=11)),)
    checks = (_check(True, "ok"), _check(False, "retail-blind", 40))
    _, reasons = judge(models, checks, (_waiver(FP_B, dt.date(2027, 1, 1), 4),), TODAY,
                       ("scenarios/empty",))
    assert [r.kind for r in reasons] == [
        "expectation", "exposure", "no-expectations", "expired-waiver"]
    expectation, exposure, empty, expired = reasons
    assert expectation.source == Source("scenarios/a.yaml", 40)
    assert "retail-blind" in expectation.message and "retail sees a field" in expectation.message
    assert exposure.source == Source("policy.csv", 11) and exposure.fingerprint == FP_A
    for text in ("Retail staff", "customer-name", "widened", "ASIM-1234", "normal"):
        assert text in exposure.message
    assert empty.source is None and "scenarios/empty" in empty.message
    assert expired.source == Source("accesssim-waivers.yaml", 4) and expired.fingerprint == FP_B


def test_reasons_are_sorted_and_do_not_depend_on_input_order() -> None:
    models = (_model(_opened(FP_B, line=2), _opened(FP_A, line=9)),
              _model(_opened(FP_C, line=1), name="scenarios/b.yaml"))
    checks = (_check(False, "z", 50), _check(False, "a", 10))
    one = judge(models, checks, (), TODAY, ("p2", "p1"))[1]
    two = judge(models[::-1], checks[::-1], (), TODAY, ("p1", "p2"))[1]
    assert one == two
    assert [r.source.line for r in one if r.kind == "exposure" and r.source] == [1, 2, 9]
    assert [r.source.line for r in one if r.kind == "expectation" and r.source] == [10, 50]


def test_the_longest_unexpired_waiver_is_attached() -> None:
    short, long = _waiver(FP_A, TODAY, 3), _waiver(FP_A, TODAY + dt.timedelta(days=30), 8)
    old = _waiver(FP_A, TODAY - dt.timedelta(days=1), 12)
    models, reasons = judge((_model(_opened(FP_A)),), (), (old, long, short), TODAY, ())
    assert models[0].opened[0].waiver == long
    assert [r.kind for r in reasons] == ["expired-waiver"]


FINGERPRINTS = st.sampled_from([f"EXP-{i:016x}" for i in range(6)])
#: Two checked models sharing fingerprints, and one a waiver may name that is not checked.
MODELS = ("scenarios/a.yaml", "scenarios/b.yaml")
WAIVED_MODELS = st.sampled_from([*MODELS, "scenarios/gone.yaml"])


@settings(max_examples=200, deadline=None)
@given(opened=st.lists(st.tuples(st.sampled_from(MODELS), FINGERPRINTS), max_size=8,
                       unique=True),
       waived=st.lists(st.tuples(WAIVED_MODELS, FINGERPRINTS, st.integers(-3, 3)), max_size=6))
def test_exposure_reasons_are_exactly_the_opened_without_an_unexpired_waiver(
        opened: list[tuple[str, str]], waived: list[tuple[str, str, int]]) -> None:
    """Per (model, fingerprint): an exposure is covered exactly when an unexpired waiver of
    its own model names it; a waiver is unused exactly when no exposure of its model has its
    fingerprint."""
    waivers = tuple(_waiver(fp, TODAY + dt.timedelta(days=d), line, model)
                    for line, (model, fp, d) in enumerate(waived, start=1))
    models = tuple(_model(*(_opened(fp, line=i) for i, (m, fp) in enumerate(opened, start=1)
                            if m == name), name=name) for name in MODELS)
    judged, reasons = judge(models, (), waivers, TODAY, ())
    live = {(w.model, w.fingerprint) for w in waivers if w.expires >= TODAY}
    assert sorted(r.fingerprint or "" for r in reasons if r.kind == "exposure") == sorted(
        fp for m, fp in opened if (m, fp) not in live)
    assert all((o.waiver is not None) == ((m.model, o.fingerprint) in live)
               for m in judged for o in m.opened)
    assert all(o.waiver is None or (not o.waiver.expired(TODAY) and o.waiver.model == m.model
                                    and o.waiver.fingerprint == o.fingerprint)
               for m in judged for o in m.opened)
    assert sum(r.kind == "expired-waiver" for r in reasons) == sum(
        w.expires < TODAY for w in waivers)
    assert set(unused(judged, waivers)) == {
        w for w in waivers if (w.model, w.fingerprint) not in set(opened)}
