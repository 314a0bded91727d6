"""Hostile checks of what a replay tells an auditor: the figures per failure type, organisation,
account and month must count each person under what actually let them through."""

from __future__ import annotations

from pathlib import Path

from accesssim.engine import load_project
from accesssim.replay.attribute import Key, Replayer
from accesssim.replay.config import build_config
from accesssim.replay.run import run_replay

REPO = Path(__file__).resolve().parent.parent
HEADER = "timestamp,account,terminal,system,screen,customer,session"


def _tohoku_one_terminal_two_ways(tmp_path: Path) -> Path:
    """Tohoku with the shared-space PC also handed to the PC holders: one key (account,
    terminal, screen) reached by 30 people through its placement and by 100 others through
    its misdistribution."""
    text = (REPO / "scenarios" / "incidents" / "02-tohoku.yaml").read_text("utf-8")
    text = text.replace("../../policies", str(REPO / "policies"))
    placed = "    logged_in: [acc_nw_desk]\n"
    assert text.count(placed) == 1
    text = text.replace(placed, placed + "    assigned_to: [ep_pc_holders]\n")
    model = tmp_path / "tohoku-two-ways.yaml"
    model.write_text(text, "utf-8")
    return model


def test_failure_type_head_count_holds_only_the_people_it_let_through(tmp_path: Path) -> None:
    model = _tohoku_one_terminal_two_ways(tmp_path)
    replayer = Replayer(load_project(model, root=Path("/")))
    log = tmp_path / "log.csv"
    log.write_text(f"{HEADER}\n2022-11-28 10:15:00,acc_nw_desk,nw_pc_shared_space,takuso,"
                   "contract_detail,C1,\n", "utf-8")
    key = Key(0, "acc_nw_desk", "nw_pc_shared_space", "takuso", "contract_detail")
    verdict = replayer.verdict(key)
    assert verdict.status == "suspected"
    assert verdict.people == ("ep_pc_holders", "ep_shared_office")
    assert {(p, t) for p, _, t in verdict.links} == {
        ("ep_pc_holders", "terminal-misdistribution"), ("ep_shared_office", "terminal-placement")}
    result = run_replay(replayer, [log], ["log.csv"], build_config())
    people = {(g.dimension, g.key): g.people for g in result.groups}
    assert people == {("org", "tohoku_ep"): 130,
                      ("failure_type", "terminal-misdistribution"): 100,
                      ("failure_type", "terminal-placement"): 30,
                      ("account", "acc_nw_desk"): 130, ("month", "2022-11"): 130}
    views = {(g.dimension, g.key): g.views for g in result.groups}
    assert set(views.values()) == {1}


INCIDENTS = sorted((REPO / "scenarios" / "incidents").glob("*.yaml"))


def test_every_attributed_person_of_a_violation_has_a_finding() -> None:
    """Each person a violation is attributed to is explained by a finding of their own (so a
    failure type's head count can hold them), over every key of every incident."""
    violations = 0
    for path in INCIDENTS:
        replayer = Replayer(load_project(path))
        model = replayer.analyzer.model
        for sl in replayer.slices:
            for acc in model.accounts:
                for term in model.terminals:
                    for system in model.systems:
                        for screen in system.screens:
                            verdict = replayer.verdict(Key(sl.index, acc.id, term.id,
                                                           system.id, screen.id))
                            if verdict.status not in ("confirmed", "suspected"):
                                assert not verdict.links, (path.name, verdict)
                                continue
                            violations += 1
                            assert {p for p, _, _ in verdict.links} == set(verdict.people)
                            assert {(f, t) for _, f, t in verdict.links} == set(
                                verdict.findings)
    assert violations > 20


def test_a_bad_row_or_a_jump_never_hides_a_violation(tmp_path: Path) -> None:
    """A row naming a screen the model lacks, then the Kansai retail account on the screen that
    shows names in clear, in one session: the view is still a confirmed violation (the typo's
    screen made it unexplained before, and the run said nothing crossed the boundary). A
    violation after a jump the model lacks stays a violation; a legitimate view after such a
    jump is unexplained."""
    replayer = Replayer(load_project(REPO / "scenarios" / "incidents" / "01-kansai.yaml"))
    log = tmp_path / "log.csv"
    log.write_text(f"{HEADER}\n"
                   "2020-05-01 10:00,acc_kep_sales,kep_pc,takuso,contract_detal,C1,S1\n"
                   "2020-05-01 10:01,acc_kep_sales,kep_pc,takuso,contract_detail,C1,S1\n"
                   "2020-05-01 10:02,acc_kep_sales,kep_pc,takuso,menu,C1,S2\n"
                   "2020-05-01 10:03,acc_kep_sales,kep_pc,takuso,switching_detail,C1,S2\n",
                   "utf-8")
    result = run_replay(replayer, [log], ["log.csv"], build_config())
    assert dict(result.counts) == {"confirmed": 2, "suspected": 0, "legitimate": 1,
                                   "unexplained": 0, "bad": 1}
