"""Replay verdicts (replay/attribute.py) equal a brute-force oracle (tests/replay_oracle.py) on
every possible event of generated models and of every shipped scenario, and every violation is
linked to findings of analyze that expose the same people to fields the screen shows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, note, settings

from accesssim.engine import Analyzer, load_project
from accesssim.findings.results import Report
from accesssim.replay.attribute import Key, Replayer
from profiles import examples
from replay_oracle import EventOracle
from strategies import REPO, Generated, materialise, projects

SCENARIOS = sorted((REPO / "scenarios" / "incidents").glob("*.yaml"))


def _every_key(replayer: Replayer) -> list[Key]:
    """Every event the model could name, plus one unknown id of each kind."""
    model = replayer.analyzer.model
    keys = []
    for sl in replayer.slices:
        for acc in model.accounts:
            for term in model.terminals:
                for system in model.systems:
                    for screen in system.screens:
                        keys.append(Key(sl.index, acc.id, term.id, system.id, screen.id))
            # After each screen of a session (on the account's first terminal, enough for
            # the rule, which does not read the terminal).
            if model.terminals:
                for system in model.systems:
                    for screen in system.screens:
                        keys += [Key(sl.index, acc.id, model.terminals[0].id, system.id,
                                     screen.id, before.id) for before in system.screens]
        first = model.systems[0]
        shown = first.screens[0].id if first.screens else "none"
        if model.accounts and model.terminals:
            a, t = model.accounts[0].id, model.terminals[0].id
            keys += [Key(sl.index, "no-such-account", t, first.id, shown),
                     Key(sl.index, a, "no-such-terminal", first.id, shown),
                     Key(sl.index, a, t, "no-such-system", shown),
                     Key(sl.index, a, t, first.id, "no-such-screen")]
    return keys


def _check(replayer: Replayer, truth: EventOracle, keys: list[Key]) -> int:
    """Compare every key; return how many violations were checked."""
    by_id = {f.id: f for f in replayer.report.findings}
    violations = 0
    for key in keys:
        sl = replayer.slices[key.slice]
        got = replayer.verdict(key)
        want = truth.event(sl, key.account, key.terminal, key.system, key.screen, key.previous)
        assert (got.status, got.people) == (want.status, want.people), (key, got, want)
        assert (got.reason is None) == (got.status not in ("bad", "unexplained")), (key, got)
        if got.status in ("confirmed", "suspected"):
            violations += 1
            assert got.findings, f"violation {key} linked to no finding"
            seen = {(p, f) for p, f in want.exposed if p in got.people}
            for finding_id, failure_type in got.findings:
                finding = by_id[finding_id]  # a finding analyze reports
                assert failure_type in {t.value for t in finding.failure_types}
                assert seen & set(finding.exposures), (key, finding_id, seen)
                assert any(w.mode == sl.mode and (w.start is None or w.start <= sl.day)
                           and (w.end is None or sl.day <= w.end) for w in finding.windows)
        else:
            assert not got.findings
    return violations


def _same_findings(a: Report, b: Report) -> None:
    assert [(f.id, f.exposures, f.windows) for f in a.findings] == \
        [(f.id, f.exposures, f.windows) for f in b.findings]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_event_of_each_scenario_matches_the_oracle(path: Path) -> None:
    project = load_project(path)
    replayer = Replayer(project)
    # Compiling everyone (insiders too) leaves analyze's findings as they are.
    _same_findings(replayer.report,
                   Analyzer(project.loaded, project.policy, modes=replayer.modes).run())
    violations = _check(replayer, EventOracle(project), _every_key(replayer))
    assert violations > 0 or not replayer.report.findings


def test_kansai_verdicts_read_as_the_case_file() -> None:
    """The Kansai case by hand: retail's own account on the unchecked screen is confirmed and
    linked to the unchecked-transition finding; NW staff on it is legitimate."""
    replayer = Replayer(load_project(REPO / "scenarios/incidents/01-kansai.yaml"))
    later = next(sl.index for sl in replayer.slices
                 if sl.mode == "normal" and sl.epoch.start is not None)
    sales = replayer.verdict(Key(later, "acc_kep_sales", "kep_pc", "takuso", "switching_detail"))
    assert sales.status == "confirmed" and sales.people == ("kep_sales",)
    assert [t for _, t in sales.findings] == ["unchecked-transition"]
    masked = replayer.verdict(Key(later, "acc_kep_sales", "kep_pc", "takuso", "contract_detail"))
    assert [t for _, t in masked.findings] == ["masking-defect"]
    staff = replayer.verdict(Key(later, "acc_ktd_ops", "ktd_pc", "takuso", "switching_detail"))
    assert staff.status == "legitimate" and staff.people == ("ktd_staff",)
    jumped = replayer.verdict(Key(later, "acc_kep_sales", "kep_pc", "takuso", "switching_detail",
                                  "menu"))
    assert jumped == sales  # a violation after a jump the model lacks is still one
    walked = replayer.verdict(Key(later, "acc_kep_sales", "kep_pc", "takuso", "switching_detail",
                                  "contract_detail"))
    assert walked == sales
    nobody = replayer.verdict(Key(later, "acc_kep_sales", "ktd_pc", "takuso", "menu"))
    assert nobody.status == "unexplained"
    assert nobody.reason == "no one in the model can use account acc_kep_sales on terminal ktd_pc"


@settings(max_examples=examples(120), deadline=None)
@given(projects())
def test_every_event_of_generated_models_matches_the_oracle(gen: Generated) -> None:
    note(gen.describe())
    with materialise(gen) as project:
        replayer = Replayer(project)
        _check(replayer, EventOracle(project), _every_key(replayer))


def _witness_key(replayer: Replayer, finding_path: tuple[str, ...], mode: str,
                 day: dt.date) -> tuple[str, Key]:
    steps = dict(node.split(":", 1) for node in finding_path if not node.startswith("screen:"))
    screens = [node.split(":", 1)[1] for node in finding_path if node.startswith("screen:")]
    sl = next(s for s in replayer.slices if s.mode == mode and s.epoch.contains(day))
    return steps["person"], Key(sl.index, steps["account"], steps["terminal"], steps["system"],
                                screens[-1])


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_replaying_a_findings_witness_links_that_finding(path: Path) -> None:
    """The event a finding's witness describes (its account on its terminal, on its last
    screen, in its first window) is a violation linked to that finding, unless the account's
    holder is exposed there too (then the event is the holder's, confirmed, and a finding about
    someone else using that account is not what the log shows)."""
    replayer = Replayer(load_project(path))
    accounts = {a.id: a for a in replayer.analyzer.model.accounts}
    for finding in replayer.report.findings:
        window = finding.windows[0]
        day = window.start or window.end or dt.date(2000, 1, 1)
        person, key = _witness_key(replayer, tuple(s.node for s in finding.path), window.mode,
                                   day)
        verdict = replayer.verdict(key)
        if person != accounts[key.account].holder and verdict.status == "confirmed":
            continue
        assert verdict.status in ("confirmed", "suspected"), (finding.id, key, verdict)
        assert person in verdict.people, (finding.id, key, verdict)
        assert finding.id in {f for f, _ in verdict.findings}, (finding.id, key, verdict)
