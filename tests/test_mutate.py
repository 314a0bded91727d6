"""``accesssim mutate``: the operators, the mutants' files, the score and the command.

The property test checks "opens a path" against the brute-force oracle (tests/oracle.py) run
on the mutant's files as written to disk: it shares no code with gate/ or mutate/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

import oracle
from accesssim.engine import Project, load_project
from accesssim.model.schema import SystemModel
from accesssim.mutate.apply import materialised, reuses_policy
from accesssim.mutate.catalogue import enumerate_mutants
from accesssim.mutate.operators import KINDS, Mutant
from accesssim.mutate.report import to_text
from accesssim.mutate.score import mutation_score
from accesssim.suite.suite import discover
from helpers import REPO, assert_error, make_project, one_file_csv_models, run
from profiles import examples
from strategies import Generated, by_day, exposed_projects, materialise, projects

CHUGOKU = REPO / "scenarios/incidents/06-chugoku.yaml"  # every operator applies to it
KANSAI = REPO / "scenarios/incidents/01-kansai.yaml"
#: A survivor of Kansai's expectations, and a mutant they catch (docs/mutate.md shows both).
SURVIVOR = "share-credential:acc_ktd_ops:kep_outsourced"
CAUGHT = "share-credential:acc_ktd_ops:kep_sales"


def _rows(project: Project) -> set[tuple[str, ...]]:
    return {(r.ptype, *r.values) for r in [*project.policy.rules, *project.policy.groupings]}


def _element(model: SystemModel, ref: str) -> Any:
    """The element a mutant id names (``account:acc``, ``display:sys/screen/field``...)."""
    kind, name = ref.split(":", 1)
    if kind in ("person", "location", "account", "terminal"):
        group = {"person": model.people, "location": model.locations,
                 "account": model.accounts, "terminal": model.terminals}[kind]
        return next(x for x in group if x.id == name)
    if kind == "trust":
        return model.trust[int(name) - 1]
    system_id, rest = name.split("/", 1)
    system = next(s for s in model.systems if s.id == system_id)
    if kind == "transition":
        return next(t for t in system.transitions if t.key == rest.split("#")[0])
    screen_id, *field_id = rest.split("/")
    screen = next(s for s in system.screens if s.id == screen_id)
    if kind == "screen":
        return screen
    shows = [d for d in screen.shows if d.field == field_id[0].split("#")[0]]
    return shows[int(field_id[0].split("#")[1]) - 1 if "#" in field_id[0] else 0]


def _check_change(before: Project, after: Project, m: Mutant) -> None:
    """The loaded mutant differs from the original exactly as its kind says."""
    new, old = after.loaded.model, before.loaded.model
    rows_gained, rows_lost = _rows(after) - _rows(before), _rows(before) - _rows(after)
    ref = m.id.split(":", 1)[1]
    if m.kind in ("add-role", "inherit-role"):
        sub, tail = ref.split(":", 1)
        assert rows_gained == {("g", sub, *tail.split(","))} and not rows_lost
    elif m.kind == "drop-deny":
        assert not rows_gained and len(rows_lost) == 1 and "deny" in next(iter(rows_lost))
    elif ref.startswith("rule:"):  # ungate or widen-window of a p rule: one column to *
        (lost,), (gained,) = rows_lost, rows_gained
        changed = [(a, b) for a, b in zip(lost, gained, strict=True) if a != b]
        assert len(changed) == 1 and changed[0][1] == "*"
    else:
        assert not rows_gained and not rows_lost and new != old
    if m.kind == "uncheck":
        assert _element(new, "transition:" + ref).checked is False
    elif m.kind in ("unmask", "clear"):
        was = "policy" if m.kind == "unmask" else "masked"
        assert _element(old, "display:" + ref).masking == was
        assert _element(new, "display:" + ref).masking == "clear"
    elif m.kind == "move-terminal":
        term, loc = ref.split(":")
        assert _element(new, "terminal:" + term).location == loc
    elif m.kind == "share-credential":
        acc, person = ref.split(":")
        assert _element(new, "account:" + acc).known_by == [
            *_element(old, "account:" + acc).known_by, person]
    elif m.kind == "ungate" and not ref.startswith("rule:"):
        assert "normal" in (_element(new, ref.split("#")[0]).modes or [])
        assert "normal" not in (_element(old, ref.split("#")[0]).modes or [])
    elif m.kind == "widen-window" and not ref.startswith("rule:"):
        assert _element(new, ref.split("#")[0]).valid.until is None
        assert _element(old, ref.split("#")[0]).valid.until is not None


def test_every_operator_applies_to_chugoku_and_every_mutant_loads_as_its_kind_says() -> None:
    project = load_project(CHUGOKU)
    found = enumerate_mutants(project)
    assert {m.kind for m in found.mutants} == set(KINDS)
    ids = [m.id for m in found.mutants]
    assert ids == sorted(set(ids))
    for m in found.mutants:
        assert m.touches(m.file) and m.line >= 1
        with materialised(project, m) as mutant:
            _check_change(project, mutant, m)
            assert reuses_policy(project, m) == (m.file == project.loaded.display_path)


def test_an_edit_keeps_everything_else_of_the_file(tmp_path: Path) -> None:
    """Comments, layout and other lines stay: only the mutated value differs."""
    project = load_project(KANSAI)
    m = next(x for x in enumerate_mutants(project).mutants
             if x.id == "uncheck:takuso/menu->customer_search")
    assert m.location == "scenarios/incidents/01-kansai.yaml:78"
    text = KANSAI.read_text(encoding="utf-8")
    (edit,) = m.edits
    changed = text[:edit.start] + edit.text + text[edit.end:]
    diff = [(a, b) for a, b in zip(text.splitlines(), changed.splitlines(), strict=True)
            if a != b]
    assert diff == [("      - {from: menu, to: customer_search, checked: true}",
                     "      - {from: menu, to: customer_search, checked: false}")]


def test_pairing_operators_are_capped_and_say_so() -> None:
    project = load_project(KANSAI)
    every = [m.id for m in enumerate_mutants(project).mutants if m.kind == "share-credential"]
    found = enumerate_mutants(project, cap=3)
    assert found.capped["share-credential"] == (3, 12) and len(every) == 12
    kept = [m.id for m in found.mutants if m.kind == "share-credential"]
    assert set(kept) <= set(every)
    assert len({k.split(":")[1] for k in kept}) == 3  # spread over the accounts, not the first
    text = to_text(mutation_score(KANSAI, jobs=1, cap=3))
    assert "note: share-credential: only 3 of 12 mutants were tried (spread evenly)" in text


def test_kansai_catches_one_credential_shared_and_misses_another() -> None:
    score = mutation_score(KANSAI, jobs=1)
    by_id = {o.mutant.id: o for o in score.outcomes}
    assert by_id[CAUGHT].status == "caught"
    assert "retail-sales-exposed-fields" in by_id[CAUGHT].caught_by
    assert by_id[SURVIVOR].status == "survived"
    assert {f.person for f in by_id[SURVIVOR].opened} == {"kep_outsourced"}
    assert by_id["drop-deny:retail_user,takuso,switching_detail,open,deny,*,*,*"].status \
        == "equivalent"
    assert score.count("caught") + score.count("survived") == score.opening > 0
    assert score.percent == pytest.approx(100 * score.count("caught") / score.opening)


def test_an_expectation_on_the_survivors_exposure_kills_it(tmp_path: Path) -> None:
    proj = make_project(tmp_path, "kansai")
    proj.edit_model("expectations:\n", "expectations:\n"
                    "  - id: contractor-sees-only-these\n"
                    "    exposed_fields: {group: kep_outsourced, fields: "
                    "[address, customer_name, phone, retailer_name, usage_kwh]}\n")
    score = mutation_score(proj.model, proj.root, jobs=1)
    killed = next(o for o in score.outcomes if o.mutant.id == SURVIVOR)
    assert killed.status == "caught"
    assert killed.caught_by == ("contractor-sees-only-these",)


def test_min_score_sets_the_exit_code() -> None:
    low = run("mutate", str(KANSAI), "--min-score", "50", "--jobs", "1")
    assert low.exit_code == 0, low.stderr
    assert low.stdout.startswith("mutation score 72.7% for scenarios/incidents/01-kansai.yaml")
    assert f"survived: {SURVIVOR} (scenarios/incidents/01-kansai.yaml:28)" in low.stdout
    high = run("mutate", str(KANSAI), "--min-score", "90", "--jobs", "1")
    assert high.exit_code == 1
    assert "FAIL: the score 72.7% is below --min-score 90%" in high.stdout


def test_no_expectations_or_a_failing_one_is_an_error(tmp_path: Path) -> None:
    proj = make_project(tmp_path, "kansai")
    text = proj.model.read_text(encoding="utf-8")
    proj.model.write_text(text[:text.index("expectations:")], encoding="utf-8")
    assert_error(run("mutate", str(proj.model), "--root", str(proj.root)),
                 "has no expectations: a mutation score of nothing is meaningless")
    proj.model.write_text(text.replace("expect: deny}\n", "expect: allow}\n", 1),
                          encoding="utf-8")
    assert_error(run("mutate", str(proj.model), "--root", str(proj.root)),
                 "1 expectation(s) fail on the model itself (retail-denied-switching-screen)")


def test_the_output_does_not_depend_on_the_job_count() -> None:
    one = run("mutate", str(KANSAI), "--format", "json", "--jobs", "1")
    two = run("mutate", str(KANSAI), "--format", "json", "--jobs", "2")
    assert one.exit_code == two.exit_code == 0
    assert one.stdout == two.stdout
    data = json.loads(one.stdout)
    assert data["schema"] == "accesssim-mutate/1" and data["result"] == "PASS"
    assert {m["status"] for m in data["mutants"]} == {"caught", "survived", "equivalent"}


# -- against the oracle ---------------------------------------------------------------------------
def _oracle_days(project: Project) -> set[tuple[str, str, str, Any]]:
    return by_day(oracle.exposures(project), oracle.slices_of(project))


@settings(max_examples=examples(60), deadline=None)
@given(st.one_of(projects(), exposed_projects(timeless=True)), st.data())
def test_opens_a_path_exactly_when_the_oracles_exposures_grow(gen: Generated,
                                                              data: st.DataObject) -> None:
    from accesssim.gate.diff import diff
    from accesssim.mutate.score import all_exposures

    note(gen.describe())
    with materialise(gen) as project:
        mutants = enumerate_mutants(project).mutants
        if not mutants:
            return
        before, base = _oracle_days(project), all_exposures(project)
        opening: dict[bool, list[Mutant]] = {True: [], False: []}
        for m in mutants:
            with materialised(project, m) as mutant:
                opening[diff(base, all_exposures(mutant)).widens].append(m)
        # Both sides are checked against the oracle: up to two mutants that open a path, one
        # that does not (chosen at random among them).
        picked = [data.draw(st.sampled_from(group), label=f"opens={opens}")
                  for opens, count in ((True, 2), (False, 1)) for _ in range(count)
                  if (group := opening[opens])]
        for m in picked:
            opens = m in opening[True]
            with materialised(project, m) as mutant:
                grew = bool(_oracle_days(mutant) - before)
            event(f"{m.kind}: opens={opens}")
            assert opens == grew, m.id


@pytest.mark.thorough
@pytest.mark.parametrize("scenario", ["01-kansai", "03-kyushu", "06-chugoku"])
def test_every_opening_mutant_of_a_scenario_grows_the_oracle(scenario: str) -> None:
    path = REPO / f"scenarios/incidents/{scenario}.yaml"
    project = load_project(path)
    before = _oracle_days(project)
    outcomes = mutation_score(path, jobs=1).outcomes
    for o in outcomes:
        with materialised(project, o.mutant) as mutant:
            assert bool(_oracle_days(mutant) - before) == (o.status != "equivalent"), o.mutant.id



# -- the text edits -------------------------------------------------------------------------------
_BLOCK = """\
accounts:
- id: acc0
  # the desk account
  holder: p0
  systems:
  - sys0
  known_by:
  - p1
- {id: acc1, holder: p1, systems: [sys0], }
terminals:
  - id: t0
    systems: [sys0]
"""


@pytest.mark.parametrize(("where", "key", "value", "expected"), [
    (("accounts", 0), "known_by", "[p1, p2]", ["p1", "p2"]),       # a block list at key level
    (("accounts", 0), "systems", "[sys1]", ["sys1"]),
    (("accounts", 0), "issued_by", "nw", "nw"),                     # added to a block mapping
    (("accounts", 1), "known_by", "[p0]", ["p0"]),                  # added after a trailing comma
    (("terminals", 0), "open", "true", True),                       # an indented block mapping
])
def test_set_key_edits_block_and_flow_yaml(where: tuple[str, int], key: str, value: str,
                                           expected: Any) -> None:
    import yaml

    from accesssim.mutate import edits

    node = edits.items(edits.child(edits.compose(_BLOCK), where[0]))[where[1]]
    changed = edits.apply(_BLOCK, [edits.set_key("m.yaml", _BLOCK, node, key, value)])
    before, after = yaml.safe_load(_BLOCK), yaml.safe_load(changed)
    element = after[where[0]][where[1]]
    assert element.pop(key) == expected
    before[where[0]][where[1]].pop(key, None)
    assert after == before
    assert "# the desk account" in changed


@pytest.mark.parametrize("path", one_file_csv_models(discover([REPO / "scenarios"])),
                         ids=lambda p: p.name)
def test_pairing_operators_enumerate_exactly_the_pairs(path: Path) -> None:
    """Counted without being built (pairs.py), they are the pairs a plain loop finds."""
    project = load_project(path)
    model, policy = project.loaded.model, project.policy
    got: dict[str, set[str]] = {}
    for m in enumerate_mutants(project, cap=10**9).mutants:
        got.setdefault(m.kind, set()).add(m.id)
    org = {p.id: p.org for p in model.people}
    shares = {f"share-credential:{a.id}:{p.id}" for a in model.accounts for p in model.people
              if p.org != org[a.holder] and p.id not in (a.holder, *a.known_by)}
    kinds = {o.id: o.kind for o in model.organizations}
    moves = {f"move-terminal:{t.id}:{loc.id}" for t in model.terminals
             for loc in model.locations if kinds[loc.owner] == "retail" and loc.id != t.location}
    links = {(g.values[0], g.values[1:]) for g in policy.groupings}
    accounts = {a.id: a for a in model.accounts}
    adds = {f"add-role:{a}:{','.join(tail)}" for _, tail in links if tail[0] not in accounts
            for a in accounts if (a, tail) not in links and tail[1] in accounts[a].systems}
    assert got.get("share-credential", set()) == shares
    assert got.get("move-terminal", set()) == moves
    assert got.get("add-role", set()) == adds
