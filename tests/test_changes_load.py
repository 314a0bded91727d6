"""The change-set file: read strictly with every problem at its line, written back by
``dump_changes`` to equal changes, and its JSON Schema shipped as generated."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from accesssim.changes.load import dump_changes, json_schema, load_changes
from accesssim.changes.spec import KINDS, Change, ChangeSet
from accesssim.errors import InputError
from helpers import REPO, run

SHIPPED = REPO / "src" / "accesssim" / "data" / "changes.schema.json"

GOOD = """\
accesssim-changes: 1
note: the Kansai remedy
changes:
  - uncheck: {from: contract_detail, to: switching_detail}
  - mask: {screen: contract_detail, field: customer_name}
    note: names were shown in clear since 2016-04
  - remove_rule: {rule: "p, retail_user, takuso, switching_detail, open, deny, *, *, *"}
  - extend: {rule: "p, a, b", until: 2020-01-31}
  - extend: {account: acc, until: null}
  - split_system:
      system: takuso
      into: kep_takuso
      screens: [menu, customer_search]
      for: [kansai_ep]
"""


def _load(tmp_path: Path, text: str) -> ChangeSet:
    path = tmp_path / "changes.yaml"
    path.write_text(text, encoding="utf-8")
    return load_changes(path, "changes.yaml")


def test_reads_each_change_with_its_line(tmp_path: Path) -> None:
    cs = _load(tmp_path, GOOD)
    assert cs.note == "the Kansai remedy"
    assert [(c.kind, c.source.line if c.source else 0) for c in cs.changes] == [
        ("uncheck", 4), ("mask", 5), ("remove_rule", 7), ("extend", 8), ("extend", 9),
        ("split_system", 10)]
    assert cs.changes[1].get("masking") == "policy"  # the default
    assert cs.changes[3].get("until") == dt.date(2020, 1, 31)
    assert cs.changes[4].params == (("account", "acc"),)  # until: null is no end
    assert cs.changes[5].get("for") == ("kansai_ep",)


def test_dump_reads_back_to_equal_changes(tmp_path: Path) -> None:
    cs = _load(tmp_path, GOOD)
    again = _load(tmp_path, dump_changes(cs))
    assert [c.key for c in again.changes] == [c.key for c in cs.changes]
    assert again.note == cs.note


def test_dump_writes_notes_under_their_changes(tmp_path: Path) -> None:
    cs = _load(tmp_path, GOOD)
    text = dump_changes(cs, ["first: why", None, 'a "quoted" word'])
    assert '  - uncheck: {from: contract_detail, to: switching_detail}\n    note: "first: why"\n' \
        in text
    assert '    note: "a \\"quoted\\" word"\n' in text
    assert [c.key for c in _load(tmp_path, text).changes] == [c.key for c in cs.changes]


def test_dump_quotes_what_yaml_would_misread(tmp_path: Path) -> None:
    odd = ChangeSet((Change.make("grant", None, member="yes", role="2020-01-01", system="a b"),
                     Change.make("add_rule", None, rule='p, "x", y'),))
    again = _load(tmp_path, dump_changes(odd))
    assert [c.key for c in again.changes] == [c.key for c in odd.changes]


@pytest.mark.parametrize("text,expected", [
    ("changes: []\n", r"changes\.yaml:1: accesssim-changes: missing key"),
    ("accesssim-changes: 2\nchanges: []\n", r"changes\.yaml:1: accesssim-changes: .*number 1"),
    ("accesssim-changes: 1\nchanges: []\n", r"changes\.yaml:2: changes: must not be empty"),
    ("accesssim-changes: 1\nchanges:\n  - maskk: {screen: a, field: b}\n",
     r"changes\.yaml:3: changes\.0\.maskk: unknown kind \(kinds: revoke, grant"),
    ("accesssim-changes: 1\nchanges:\n  - mask: {screen: a}\n",
     r"changes\.yaml:3: changes\.0\.mask\.field: missing key"),
    ("accesssim-changes: 1\nchanges:\n  - mask: {screen: a, field: b, masking: clear}\n",
     r"changes\.yaml:3: changes\.0\.mask\.masking: "),
    ("accesssim-changes: 1\nchanges:\n  - revoke: {member: a, role: b, sys: c}\n",
     r"changes\.yaml:3: changes\.0\.revoke\.sys: unknown parameter of revoke \(it takes: "
     r"member, role, system\)"),
    ("accesssim-changes: 1\nchanges:\n  - extend: {account: a, until: '2020-01-01'}\n",
     r"changes\.yaml:3: changes\.0\.extend\.until: '2020-01-01' is not a date"),
    ("accesssim-changes: 1\nchanges:\n  - extend: {account: a, terminal: b}\n",
     r"changes\.yaml:3: changes\.0\.extend: .*name exactly one of rule, account, terminal"),
    ("accesssim-changes: 1\nchanges:\n  - mask: {screen: a, field: b}\n"
     "    uncheck: {from: a, to: b}\n",
     r"changes\.yaml:3: changes\.0: .*exactly one kind key \(given: mask, uncheck\)"),
    ("accesssim-changes: 1\nchanges:\n  - split_system: {system: a, into: b, screens: [],"
     " for: [x]}\n", r"changes\.yaml:3: changes\.0\.split_system\.screens: must not be empty"),
    ("- a\n", r"changes\.yaml:1: the change set must be a YAML mapping"),
])
def test_every_problem_at_its_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected):
        _load(tmp_path, text)


def test_all_problems_at_once(tmp_path: Path) -> None:
    text = ("accesssim-changes: 1\nchanges:\n  - mask: {screen: a}\n"
            "  - uncheck: {from: a}\n  - rotate: {}\n")
    with pytest.raises(InputError) as info:
        _load(tmp_path, text)
    assert [p.line for p in info.value.problems] == [3, 4, 5]


def test_shipped_schema_is_the_generated_one() -> None:
    assert json.loads(SHIPPED.read_text(encoding="utf-8")) == json_schema(), (
        "regenerate: accesssim schema --changes > src/accesssim/data/changes.schema.json")
    result = run("schema", "--changes")
    assert result.exit_code == 0
    assert result.stdout == SHIPPED.read_text(encoding="utf-8")
    jsonschema.Draft202012Validator.check_schema(json_schema())


def test_schema_accepts_what_the_reader_accepts_and_names_every_kind(tmp_path: Path) -> None:
    schema = json_schema()
    validator = jsonschema.Draft202012Validator(schema)
    data = json.loads(json.dumps(yaml.safe_load(GOOD), default=str))
    assert list(validator.iter_errors(data)) == []
    two = {"accesssim-changes": 1, "changes": [{"mask": {"screen": "a", "field": "b"},
                                                 "check": {"from": "a", "to": "b"}}]}
    assert list(validator.iter_errors(two))
    defs = schema["$defs"]
    assert isinstance(defs, dict)
    assert set(defs["ChangeItem"]["properties"]) == set(KINDS) | {"note"}


def test_schema_flags_are_exclusive() -> None:
    result = run("schema", "--changes", "--waivers")
    assert result.exit_code == 2
