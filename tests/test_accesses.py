"""``Analyzer.accesses`` equals a plain re-implementation of the engine's accesses before
issue 7 (one ``can-be-at`` edge per person and location, no memo, no folding of terminals).

The engine now reaches locations open to an organization through the person's ``member``
edge, memoises per location, organization and span, and looks at one terminal of each group
that can only give the same accesses; the list must be the same, in the same order, for every
outsider and slice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, note, settings

from accesssim.engine import Analyzer, Project, load_project
from accesssim.graph.compile import active_edges
from accesssim.i18n import Msg
from accesssim.model.provenance import Source
from accesssim.model.schema import Person
from accesssim.search import exposures
from accesssim.search.accesses import Access
from accesssim.search.defects import Defect, FailureType
from accesssim.suite.suite import discover
from accesssim.synth.generate import generate
from accesssim.synth.spec import MODEL_FILE
from accesssim.time.slices import Slice
from profiles import examples
from strategies import REPO, Generated, materialise, projects

SCENARIOS = discover([REPO / "scenarios"])  # change sets there are no scenarios


def reference_accesses(an: Analyzer, person_id: str, sl: Slice) -> list[Access]:
    """The engine's ``accesses`` before issue 7, reading locations from the model."""
    G = an.graph
    person = an.people[person_id]
    if not person.active(sl.mode, sl.day):
        return []
    pnode = ("person", person_id)
    own: dict[str, str] = {}
    for relation in ("holds", "knows"):
        for acc_node, _ in active_edges(G, pnode, relation, sl):
            own.setdefault(acc_node[1], relation)
    reachable: dict[str, tuple[str | None, tuple[Source, ...]]] = {}
    for t_node, _ in active_edges(G, pnode, "assigned", sl):
        reachable[t_node[1]] = (None, ())
    places = [(loc_id, (an.loaded.cite(person),))
              for loc_id in dict.fromkeys(person.locations)]
    places += [(loc.id, (an.loaded.cite(loc),))
               for loc in an.model.locations
               if person.org in loc.open_to and loc.id not in person.locations]
    for loc_id, sources in sorted(places, key=lambda item: (item[0], item[1])):
        if not G.nodes[("location", loc_id)]["element"].active(sl.mode, sl.day):
            continue
        for t_node, _ in active_edges(G, ("location", loc_id), "hosts", sl):
            if an.terminals[t_node[1]].open:
                reachable.setdefault(t_node[1], (loc_id, sources))
    result = []
    seen: set[tuple[str, str, str, bool, frozenset[Defect]]] = set()
    for term_id in sorted(reachable):
        term = an.terminals[term_id]
        location, at_sources = reachable[term_id]
        usable = sorted([(a, way) for a, way in own.items()
                         if term.accounts == "any" or a in term.accounts]
                        + [(n[1], "logged-in") for n, _ in
                           active_edges(G, ("terminal", term_id), "logged-in", sl)])
        if not usable:
            continue
        for sys_node, _ in active_edges(G, ("terminal", term_id), "reaches", sl):
            system = sys_node[1]
            term_defect = an.search.accesses._find_terminal_defect(person, term, system,
                                                                   location, sl)
            for acc_id, way in usable:
                acc = an.accounts[acc_id]
                if system not in acc.systems or not acc.active(sl.mode, sl.day):
                    continue
                defects = an.search.accesses.account_defects(person, acc, system, way, sl)
                if term_defect is not None:
                    defects = defects | {term_defect}
                elif way == "logged-in" and acc.holder != person_id and not (
                        an.boundary.inside(person_id, system, sl.mode, sl.day)):
                    defects = defects | {Defect(
                        FailureType.CREDENTIAL_MISUSE, f"session:{term_id}:{acc_id}",
                        Msg(f"session of {acc_id} left open on {term_id} for people outside "
                            "the boundary"), an.loaded.cite(term))}
                key = (system, acc_id, way, location is None, defects)
                if key in seen:
                    continue
                seen.add(key)
                result.append(Access(person_id, acc_id, system, term_id, way, location,
                                     defects, at_sources))
    return result


def _compare(project: Project, *, everyone: bool = True) -> int:
    """Every person (or outsider) in every slice (twice, the second from the memo); returns
    the number of accesses."""
    an = Analyzer(project.loaded, project.policy, modes=project.loaded.model.modes)
    people = an.model.people if everyone else list(an.compiled.outsiders)
    total = 0
    for _ in range(2):
        for sl in an.slices:
            for person in people:
                expected = reference_accesses(an, person.id, sl)
                assert an.accesses(person.id, sl) == expected, (person.id, sl)
                total += len(expected)
    return total


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenarios(scenario: Path) -> None:
    _compare(load_project(scenario, REPO))


@pytest.mark.parametrize("preset", [
    "small", pytest.param("utility", marks=pytest.mark.thorough)])  # utility: 17 s
def test_generated_presets(preset: str, tmp_path: Path) -> None:
    generate(tmp_path, preset=preset, seed=3)
    project = load_project(tmp_path / MODEL_FILE, tmp_path)
    assert _compare(project, everyone=preset == "small") > 100


@settings(max_examples=examples(60))
@given(projects())
def test_random_projects(gen: Generated) -> None:
    note(gen.describe())
    with materialise(gen) as project:
        _compare(project)


TERMINALS = """\
  - {id: rt_pc2, location: rt_office, owner: rt, open: true, systems: [sys]}
  - {id: rt_pc3, location: rt_office, owner: rt, open: true, systems: [sys],
    assigned_to: [rt_staff]}
  - {id: rt_pc4, location: rt_office, owner: rt, open: true, systems: [sys],
    valid: {from: 2020-01-01}}
  - {id: nw_pc1, location: rt_office, owner: nw, open: true, systems: [sys]}
  - {id: nw_pc2, location: rt_office, owner: nw, open: true, systems: [sys]}
  - {id: nw_pc3, location: rt_office, owner: rt, open: true, systems: [sys],
    logged_in: [acc_nw]}
  - {id: nw_pc4, location: rt_office, owner: rt, open: true, systems: [sys],
    logged_in: [acc_nw]}
"""


def test_terminals_that_name_themselves_are_never_folded(tmp_path: Path) -> None:
    """Insiders' terminals and terminals left logged in give defects naming the terminal, so
    each gives its own accesses (folding them would lose some: checked by hand)."""
    import shutil

    from test_root_causes import BASE, POLICY

    model = BASE % {"a_phone": "clear", "checked": "true", "terminals": TERMINALS,
                    "purposes": "", "account_extra": "", "trust": ""}
    model = model.replace("  - {id: rt_staff, org: rt, headcount: 10, locations: [rt_office]}",
                          "  - {id: rt_staff, org: rt, headcount: 10}\n"
                          "  - {id: rt_other, org: rt}")
    (tmp_path / "model.yaml").write_text(model, encoding="utf-8")
    (tmp_path / "policy.csv").write_text(POLICY, encoding="utf-8")
    shutil.copyfile(REPO / "policies" / "accesssim.conf", tmp_path / "accesssim.conf")
    project = load_project(tmp_path / "model.yaml", tmp_path)
    assert _compare(project) > 0
    an = Analyzer(project.loaded, project.policy, modes=["normal"])
    terminals = {a.terminal for a in an.accesses("rt_staff", an.slices[-1])}
    assert {"nw_pc1", "nw_pc2", "nw_pc3", "nw_pc4", "rt_pc3"} <= terminals


def test_a_span_that_changes_nothing_extends_the_one_before(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """A dated trust grant for a field rt_staff cannot see anyway cuts rt_staff's time in two
    spans; the second has the same accesses and walks, so it extends the first (one search)
    and the report is the straightforward search's."""
    import shutil

    from test_root_causes import BASE, POLICY

    model = BASE % {"a_phone": "clear", "checked": "true", "terminals": "",
                    "purposes": "", "account_extra": "",
                    "trust": "trust:\n  - {orgs: [rt], systems: [sys], fields: [name], "
                             "valid: {from: 2020-01-01}}"}
    (tmp_path / "model.yaml").write_text(model, encoding="utf-8")
    (tmp_path / "policy.csv").write_text(POLICY, encoding="utf-8")
    shutil.copyfile(REPO / "policies" / "accesssim.conf", tmp_path / "accesssim.conf")
    project = load_project(tmp_path / "model.yaml", tmp_path)
    fast = Analyzer(project.loaded, project.policy, modes=["normal"])
    assert len(fast.relevance.person("rt_staff")) == 1  # two spans
    searched: list[str] = []
    record = exposures._PersonSearch._record

    def counting(self: exposures._PersonSearch, person: Person, *args: Any, **kwargs: Any
                 ) -> None:
        searched.append(person.id)
        record(self, person, *args, **kwargs)

    monkeypatch.setattr(exposures._PersonSearch, "_record", counting)
    report = fast.run()
    assert searched.count("rt_staff") == 1
    assert report.findings
    plain = Analyzer(project.loaded, project.policy, modes=["normal"], per_slice=True)
    assert report == plain.run()


@pytest.mark.parametrize(("terminals", "account_extra", "modal"), [
    ("", "", False),
    ("  - {id: rt_pc9, location: rt_office, owner: rt, open: true, systems: [sys], "
     "modes: [disaster]}", "", True),
    ("", ", purpose: disaster", True),
])
def test_accesses_shared_across_modes_only_when_no_element_names_a_mode(
        tmp_path: Path, terminals: str, account_extra: str, modal: bool) -> None:
    """A person none of whose reachable elements names a mode (nor has a disaster purpose)
    gets one list of accesses per day for every mode; otherwise each mode has its own."""
    import shutil

    from test_root_causes import BASE, POLICY

    model = BASE % {"a_phone": "clear", "checked": "true", "terminals": terminals,
                    "purposes": "", "account_extra": account_extra, "trust": ""}
    (tmp_path / "model.yaml").write_text(model, encoding="utf-8")
    (tmp_path / "policy.csv").write_text(POLICY, encoding="utf-8")
    shutil.copyfile(REPO / "policies" / "accesssim.conf", tmp_path / "accesssim.conf")
    project = load_project(tmp_path / "model.yaml", tmp_path)
    an = Analyzer(project.loaded, project.policy, modes=["normal", "disaster"])
    assert an.relevance.access_modal("rt_staff") is modal
    normal, disaster = (next(sl for sl in an.slices if sl.mode == mode)
                        for mode in ("normal", "disaster"))
    assert normal.day == disaster.day
    searched: list[str] = []
    finder = an.search.accesses
    find = finder._find

    def counting(person_id: str, sl: Slice) -> list[Access]:
        searched.append(sl.mode)
        return find(person_id, sl)

    finder._find = counting  # type: ignore[method-assign]
    first, second = an.accesses("rt_staff", normal), an.accesses("rt_staff", disaster)
    assert searched == (["normal", "disaster"] if modal else ["normal"])
    assert first == reference_accesses(an, "rt_staff", normal)
    assert second == reference_accesses(an, "rt_staff", disaster)
    assert first and (first != second) is (account_extra != "")
