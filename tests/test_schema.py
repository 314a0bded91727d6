"""The JSON Schemas shipped in the package: the model schema cannot drift from the code, and both
schemas are valid draft 2020-12 schemas that accept what the tool accepts."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest
import yaml

from accesssim.model.schema import json_schema
from helpers import REPO, SCENARIO_FILES, SCENARIOS, jsonable, run, schema_nodes

REGENERATE = ("the committed model schema is out of date; regenerate it with:\n"
              "    accesssim schema > src/accesssim/data/model.schema.json")


def _text(name: str) -> str:
    return resources.files("accesssim").joinpath(f"data/{name}").read_text(encoding="utf-8")


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_text(name))
    return data


def _objects(node: Any) -> list[dict[str, Any]]:
    """Every sub-schema that describes an object with properties."""
    return schema_nodes(node, lambda sub: "properties" in sub)


def test_committed_model_schema_equals_the_code() -> None:
    """data/model.schema.json is exactly accesssim.model.schema.json_schema()."""
    assert _load("model.schema.json") == json_schema(), REGENERATE


def test_committed_model_schema_equals_the_schema_command() -> None:
    """The file is byte for byte what ``accesssim schema`` prints."""
    result = run("schema")
    assert result.exit_code == 0
    assert _text("model.schema.json") == result.stdout, REGENERATE


def test_model_schema_hides_the_line_marker() -> None:
    """The loader's internal ``__line__`` key is not part of the documented format."""
    assert "__line__" not in _text("model.schema.json")
    assert "__line__" not in json.dumps(json_schema())
    assert all("line" not in obj["properties"] for obj in _objects(json_schema()))


@pytest.mark.parametrize("name", ["model.schema.json", "report.schema.json"])
def test_shipped_schemas_are_valid_draft_2020_12(name: str) -> None:
    """Both shipped schemas declare and satisfy the draft 2020-12 meta-schema."""
    schema = _load(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", ["model.schema.json", "report.schema.json"])
def test_shipped_schemas_forbid_unknown_keys(name: str) -> None:
    """Every object in both schemas sets additionalProperties to false."""
    loose = [sorted(obj["properties"]) for obj in _objects(_load(name))
             if obj.get("additionalProperties") is not False]
    assert not loose, f"objects without additionalProperties: false in {name}: {loose}"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_shipped_scenarios_match_the_model_schema(scenario: str) -> None:
    """Every shipped scenario, as JSON, is valid against the model schema."""
    data = yaml.safe_load((REPO / SCENARIO_FILES[scenario][0]).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(_load("model.schema.json")).validate(jsonable(data))


def test_model_schema_refuses_what_the_loader_refuses() -> None:
    """An unknown key, a bad enum value or a missing required key fails the model schema."""
    data = jsonable(yaml.safe_load((REPO / SCENARIO_FILES["kansai"][0]).read_text("utf-8")))
    validator = jsonschema.Draft202012Validator(_load("model.schema.json"))
    validator.validate(data)
    for mutate in (
        lambda d: d["organizations"][0].__setitem__("colour", "red"),
        lambda d: d["organizations"][0].__setitem__("kind", "bank"),
        lambda d: d["systems"][0]["screens"][1]["shows"][0].__setitem__("masking", "blurred"),
        lambda d: d.pop("casbin"),
        lambda d: d.__setitem__("accesssim", 2),
    ):
        broken = json.loads(json.dumps(data))
        mutate(broken)
        assert not validator.is_valid(broken)
