"""``accesssim faults``: the reference design's answers, every remediated incident variant,
the one-pass patcher against sequential patching, the CLI's exit codes and its JSON schema."""

from __future__ import annotations

import itertools
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from accesssim.changes.apply import Patcher, loaded, patch
from accesssim.engine import load_project
from accesssim.faults.analysis import opened_fields
from accesssim.faults.catalogue import catalogue
from accesssim.faults.result import Faults
from accesssim.faults.run import faults, secret_fields, upper_bounds
from accesssim.faults.search import Search
from helpers import REPO, run, schema_nodes, undocumented_keys

REFERENCE = REPO / "scenarios" / "reference.yaml"
REMEDIATED = sorted((REPO / "scenarios" / "incidents").glob("*-remediated.yaml"))


@cache
def reference(k: int = 2) -> Faults:
    return faults(REFERENCE, k=k, jobs=1)


def _field(result: Faults, field_id: str):  # type: ignore[no-untyped-def]
    return next(f for f in result.fields if f.field == field_id)


def test_reference_resilience_per_field() -> None:
    """Every non-public field is answered, exactly (the catalogue is not capped)."""
    result = reference()
    assert not result.capped
    fields = {(f.system, f.field) for f in result.fields}
    project = load_project(REFERENCE)
    assert fields == {(s, f) for f, s in secret_fields(project).items()}
    shown = {f.field: f.shown for f in result.fields}
    assert shown == {"usage_kwh": "1", "retailer_name": "1", "address": "1",
                     "customer_name": "2", "phone": "2", "own_customer_name": "2"}
    assert all(f.exact for f in result.fields)
    assert result.verified == sum(len(f.sets) for f in result.fields)


def test_reference_kansai_mechanism_is_one_failure_away() -> None:
    """One unchecked transition (the Kansai mechanism) opens usage and the retailer's name:
    the responders reach customer_detail in disaster mode and step on to usage unchecked."""
    result = reference()
    for field_id in ("usage_kwh", "retailer_name"):
        assert ("uncheck:customer_detail->usage",) in _field(result, field_id).sets
    assert ("unmask:customer_detail/address",) in _field(result, "address").sets


def test_reference_tohoku_mechanism_needs_a_second_failure() -> None:
    """An NW terminal moved into the retail office (the Tohoku mechanism) opens nothing alone
    in the reference design: no NW session is left signed in on it and retail staff know no
    NW password. With one credential shared it does; it is the design's weakest control."""
    result = reference()
    move = "move_terminal:grid_pc:retail_office"
    singles = {s for f in result.fields for s in f.sets if len(s) == 1}
    assert (move,) not in singles
    pair = tuple(sorted((move, "share_credential:acc_grid_ops:retail_staff")))
    for field_id in ("customer_name", "phone", "address", "usage_kwh"):
        assert pair in _field(result, field_id).sets
    assert result.weakest[0][0] == move
    # and whatif reproduces it: the pair as a change set opens customer_name, each alone not
    project = load_project(REFERENCE)
    by_id = {f.id: f for f in catalogue(project).failures}
    changes = [by_id[i].change for i in pair]
    with loaded(project, patch(project, changes)) as head:
        assert "customer_name" in opened_fields(head, ())
    for c in changes:
        assert "customer_name" not in opened_fields(project, (c,))


def test_k1_is_a_prefix_of_k2_and_bounds_what_it_does_not_reach() -> None:
    one, two = reference(1), reference(2)
    for a, b in zip(one.fields, two.fields, strict=True):
        assert a.sets == tuple(s for s in b.sets if len(s) <= 1)
        if b.shown == "2":
            assert (a.status, a.shown) == ("at-least", ">= 2")


@pytest.mark.parametrize("path", REMEDIATED, ids=lambda p: p.stem)
def test_every_remediated_incident_variant_is_answered(path: Path) -> None:
    result = faults(path, k=1, jobs=1)
    project = load_project(path)
    assert {f.field for f in result.fields} == set(secret_fields(project))
    for f in result.fields:
        assert f.status in ("exposed", "exact", "at-least", "none")
        assert (f.resilience == 1) == bool(f.sets and len(f.sets[0]) == 1)
    assert not any(f.status == "exposed" for f in result.fields), "remediated: no exposure"


def test_the_one_pass_patcher_writes_what_sequential_patching_writes() -> None:
    """Every set of up to two failures of the reference (and every upper bound the search
    builds of them) gives byte for byte the texts of sequential application."""
    project = load_project(REFERENCE)
    cat = catalogue(project)
    search = Search(cat.failures, secret_fields(project), project.policy.p_tokens,
                    lambda sets: [], upper_bounds(project, cat))
    patcher = Patcher(project)
    n = len(cat.failures)
    for chosen in itertools.chain(itertools.combinations(range(n), 1),
                                  itertools.combinations(range(n), 2)):
        for exact in (True, False):
            changes = search.changes(chosen, exact=exact)
            fast, slow = patcher.patch(changes), patcher.sequential(changes)
            assert dict(fast.texts) == dict(slow.texts), chosen
            assert fast.policy_changed == slow.policy_changed


# -- the command -------------------------------------------------------------------------------
def _schema() -> jsonschema.Draft202012Validator:
    text = resources.files("accesssim").joinpath("data/faults.schema.json").read_text("utf-8")
    return jsonschema.Draft202012Validator(json.loads(text))


def test_exit_codes_follow_min_resilience() -> None:
    model = str(REFERENCE)
    low = run("faults", model, "--k", "1", "--jobs", "1", "--quiet")
    assert low.exit_code == 1, low.stderr
    assert "FAIL: 3 fields not shown to need at least 2 failures" in low.stdout
    ok = run("faults", model, "--k", "1", "--jobs", "1", "--quiet", "--min-resilience", "1")
    assert ok.exit_code == 0, ok.stderr
    assert "PASS: every field needs at least 1 failure\n" in ok.stdout
    # k=1 cannot show that customer_name needs 2: a bound below the minimum fails
    two = run("faults", model, "--k", "1", "--jobs", "1", "--quiet", "--min-resilience", "3")
    assert two.exit_code == 1


@pytest.fixture(scope="module")
def k2_json(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One CLI run of ``faults --k 2 --format json -o``, shared by the tests that read it."""
    out = tmp_path_factory.mktemp("faults") / "faults.json"
    result = run("faults", str(REFERENCE), "--k", "2", "--jobs", "1", "--quiet",
                 "--format", "json", "-o", str(out))
    assert result.exit_code == 1, result.stderr
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def test_json_validates_against_its_schema(k2_json: dict[str, Any]) -> None:
    data = k2_json
    validator = _schema()
    validator.validate(data)
    assert data["schema"] == "accesssim-faults/1" and data["result"] == "FAIL"
    usage = next(f for f in data["fields"] if f["field"] == "usage_kwh")
    assert usage["resilience"] == 1 and usage["exact"] and usage["below_minimum"]
    named = {f["id"]: f["change"] for f in data["failures"]}
    assert named["uncheck:customer_detail->usage"] == {
        "uncheck": {"from": "customer_detail", "to": "usage"}}
    assert {i for f in data["fields"] for s in f["minimal_sets"] for i in s} == set(named)
    for bad in ({**data, "extra": 1}, {**data, "result": "ERROR"},
                {**data, "schema": "accesssim-faults/2"},
                {k: v for k, v in data.items() if k != "fields"}):
        assert not validator.is_valid(bad)


def test_json_schema_is_strict_and_documented() -> None:
    validator = _schema()
    jsonschema.Draft202012Validator.check_schema(validator.schema)
    closed = schema_nodes(validator.schema, lambda node: "properties" in node)
    assert closed and all(o.get("additionalProperties") is False for o in closed)
    assert undocumented_keys(validator.schema, REPO / "docs" / "faults.md") == []


def test_a_capped_catalogue_gives_bounds_never_exact_answers() -> None:
    result = faults(REFERENCE, k=1, jobs=1, cap=2)
    assert result.capped
    for f in result.fields:
        assert f.status in ("at-most", "unknown", "exposed")
        assert not f.exact or f.status == "exposed"
    text = run("faults", str(REFERENCE), "--k", "1", "--cap", "2", "--jobs", "1", "--quiet",
               "--min-resilience", "0").stdout
    assert "only 2 of" in text and "answers for the systems they touch are bounds" in text


def test_worker_processes_give_the_same_answer() -> None:
    """--jobs 2 analyses in two worker processes (each with its own patcher): same result."""
    one, two = reference(1), faults(REFERENCE, k=1, jobs=2)
    assert one.fields == two.fields and one.failures == two.failures
    assert one.analyses == two.analyses


def test_a_minimal_set_replays_with_whatif(tmp_path: Path, k2_json: dict[str, Any]) -> None:
    """The JSON's change items of a minimal set, under ``changes:``, are a change set that
    ``accesssim whatif`` reads and that opens the field (exit 1, the field in its report)."""
    import yaml

    data = k2_json
    items = {f["id"]: f["change"] for f in data["failures"]}
    name = next(f for f in data["fields"] if f["field"] == "customer_name")["minimal_sets"][0]
    changes = tmp_path / "changes.yaml"
    changes.write_text(yaml.safe_dump({"accesssim-changes": 1,
                                       "changes": [items[i] for i in name]}), "utf-8")
    replay = run("whatif", str(REFERENCE), "--change", str(changes))
    assert replay.exit_code == 1, replay.stdout + replay.stderr
    assert "customer_name" in replay.stdout
