"""The cases docs/model-format.md settles for a second implementer (issue 6, F), pinned.

Each test builds a small model in which the documented answer and the plausible other answers
give different results.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from accesssim.engine import analyze, load_project
from accesssim.findings.results import Report
from helpers import REPO

BASE = """\
accesssim: 1
name: semantics
organizations:
  - {id: nw, name: NW, kind: grid}
  - {id: rt, name: Retail, kind: retail}
  - {id: rt2, name: Other retail, kind: retail}
people:
  - {id: nw_staff, org: nw, locations: [nw_office]}
  - {id: rt_staff, org: rt, headcount: 10, locations: [rt_office]}
  - {id: rt2_staff, org: rt2, headcount: 3, locations: [rt_office]}
%(people)s
locations:
  - {id: nw_office, owner: nw, open_to: [nw]}
  - {id: rt_office, owner: rt, open_to: [rt]}
accounts:
  - {id: acc_nw, holder: nw_staff, systems: [sys]%(nw_extra)s}
  - {id: acc_rt, holder: rt_staff, systems: [sys]%(rt_extra)s}
%(accounts)s
terminals:
  - {id: rt_pc, location: rt_office, owner: rt, open: true, systems: [sys]%(pc_extra)s}
systems:
  - id: sys
    owner: nw
    fields:
      - {id: name}
      - {id: phone}
    screens:
      - id: a
        shows:
          - {field: name, masking: policy}
          - {field: phone, masking: masked}
casbin:
  model: accesssim.conf
  policy: policy.csv
  role_purposes: {%(purposes)s}
%(trust)s
"""

POLICY = """\
p, nw_role, sys, a, open, allow, *, *, *
p, nw_role, sys, name, unmask, allow, *, *, *
p, retail, sys, a, open, allow, *, *, *
g, acc_nw, nw_role, sys
g, acc_rt, retail, sys
"""


def _report(tmp_path: Path, *, policy_extra: str = "", at: dt.date | None = None,
            **parts: str) -> Report:
    keys = ("people", "nw_extra", "rt_extra", "accounts", "pc_extra", "purposes", "trust")
    model = BASE % {key: parts.get(key, "") for key in keys}
    (tmp_path / "model.yaml").write_text(model, encoding="utf-8")
    (tmp_path / "policy.csv").write_text(POLICY + policy_extra, encoding="utf-8")
    shutil.copyfile(REPO / "policies" / "accesssim.conf", tmp_path / "accesssim.conf")
    return analyze(load_project(tmp_path / "model.yaml", tmp_path), modes=("normal",), at=at)


def _elements(report: Report) -> list[set[str]]:
    return sorted(({d.element for d in f.defects} for f in report.findings), key=sorted)


def test_open_session_is_used_when_the_terminal_refuses_the_password(tmp_path: Path) -> None:
    """Knows the password, but the terminal lists only acc_rt: the open session is the way in,
    so the defect is the session, not the credential."""
    report = _report(tmp_path, nw_extra=", known_by: [rt_staff]",
                     pc_extra=", accounts: [acc_rt], logged_in: [acc_nw]")
    assert _elements(report) == [{"session:rt_pc:acc_nw"}]
    project = load_project(tmp_path / "model.yaml", tmp_path)
    assert [w.message for w in project.loaded.warnings] == [
        "terminal 'rt_pc' has 'acc_nw' logged in but does not list it in accounts: "
        "the open session is used all the same"]


def test_several_disaster_roles_are_named_by_the_first_in_alphabetical_order(
        tmp_path: Path) -> None:
    """acc_rt -> m_resp -> a_resp -> z_resp (the rule's subject), all disaster roles: a_resp,
    neither the first link (m_resp) nor the subject (z_resp)."""
    report = _report(tmp_path, purposes="m_resp: disaster, a_resp: disaster, z_resp: disaster",
                     policy_extra="p, z_resp, sys, name, unmask, allow, *, *, *\n"
                                  "g, acc_rt, m_resp, sys\ng, m_resp, a_resp, sys\n"
                                  "g, a_resp, z_resp, sys\n")
    assert _elements(report) == [{"disaster-role:sys:a_resp"}]


def test_role_defects_stay_on_fields_the_holder_is_trusted_for(tmp_path: Path) -> None:
    """rt2_staff uses acc_rt, whose holder is trusted for name (not for phone, so the holder is
    not inside). The unmask-role defect is dropped (field-bound); a disaster role's defect stays
    (it is on the way in)."""
    common = {"rt_extra": ", known_by: [rt2_staff]",
              "trust": "trust:\n  - {people: [rt_staff], systems: [sys], fields: [name]}"}
    plain = _report(tmp_path, **common,
                    policy_extra="p, unmasker, sys, name, unmask, allow, *, *, *\n"
                                 "g, acc_rt, unmasker, sys\n")
    assert _elements(plain) == [{"credential:acc_rt"}]
    disaster = _report(tmp_path, **common, purposes="responder: disaster",
                       policy_extra="p, responder, sys, name, unmask, allow, *, *, *\n"
                                    "g, acc_rt, responder, sys\n")
    assert _elements(disaster) == [{"credential:acc_rt", "disaster-role:sys:responder"}]


def test_outage_workaround_role_is_a_defect_in_disaster_mode_too(tmp_path: Path) -> None:
    """Unlike a disaster role, an outage-workaround role is a defect in every mode."""
    _report(tmp_path, purposes="outage_temp: outage-workaround",
            policy_extra="p, outage_temp, sys, name, unmask, allow, *, *, *\n"
                         "g, acc_rt, outage_temp, sys\n")
    path = tmp_path / "model.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("name: semantics", "name: semantics\nmodes: [normal, disaster]"),
                    encoding="utf-8")
    report = analyze(load_project(tmp_path / "model.yaml", tmp_path), modes=("disaster",))
    assert _elements(report) == [{"outage-role:sys:outage_temp"}]


def test_never_active_people_count_as_untrusted_staff(tmp_path: Path) -> None:
    """A group with modes: [] is in the denominator (10 + 3 + 5) but in no finding."""
    report = _report(tmp_path, people="  - {id: ghosts, org: rt, headcount: 5, modes: []}",
                     policy_extra="p, retail, sys, name, unmask, allow, *, *, *\n")
    assert report.untrusted_headcount == 18
    assert all("ghosts" not in {g.person for g in f.people} for f in report.findings)
    assert report.findings


def test_account_outlives_its_holder(tmp_path: Path) -> None:
    """The holder left at the end of 2019; the account has no validity of its own, so in 2021
    those who know its password still use it."""
    report = _report(tmp_path, at=dt.date(2021, 1, 1),
                     people="  - {id: leaver, org: nw, valid: {until: 2019-12-31}}",
                     accounts="  - {id: acc_leaver, holder: leaver, systems: [sys], "
                              "known_by: [rt_staff]}",
                     policy_extra="g, acc_leaver, nw_role, sys\n")
    assert _elements(report) == [{"credential:acc_leaver"}]
