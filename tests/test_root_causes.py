"""Root causes on small hand-made models: which defects, how many findings, which types."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from accesssim.engine import analyze, load_project
from accesssim.findings.results import Report
from accesssim.search.defects import FailureType
from helpers import REPO

BASE = """\
accesssim: 1
name: small
organizations:
  - {id: nw, name: NW, kind: grid}
  - {id: rt, name: Retail, kind: retail}
people:
  - {id: nw_staff, org: nw, locations: [nw_office]}
  - {id: rt_staff, org: rt, headcount: 10, locations: [rt_office]}
locations:
  - {id: nw_office, owner: nw, open_to: [nw]}
  - {id: rt_office, owner: rt, open_to: [rt]}
accounts:
  - {id: acc_nw, holder: nw_staff, systems: [sys]}
  - {id: acc_rt, holder: rt_staff, systems: [sys]%(account_extra)s}
terminals:
  - {id: rt_pc, location: rt_office, owner: rt, open: true, systems: [sys]}
%(terminals)s
systems:
  - id: sys
    owner: nw
    fields:
      - {id: phone}
      - {id: name}
    screens:
      - id: a
        shows:
          - {field: phone, masking: %(a_phone)s}
          - {field: name, masking: policy}
      - id: b
        shows:
          - {field: phone, masking: clear}
    transitions:
      - {from: a, to: b, checked: %(checked)s}
casbin:
  model: accesssim.conf
  policy: policy.csv
  role_purposes: {%(purposes)s}
%(trust)s
"""

POLICY = """\
p, nw_role, sys, a, open, allow, *, *, *
p, nw_role, sys, b, open, allow, *, *, *
p, nw_role, sys, name, unmask, allow, *, *, *
p, retail, sys, a, open, allow, *, *, *
g, acc_nw, nw_role, sys
g, acc_rt, retail, sys
"""


def _report(tmp_path: Path, *, a_phone: str = "masked", checked: str = "true",
            terminals: str = "", purposes: str = "", account_extra: str = "",
            policy_extra: str = "", trust: str = "", modes: tuple[str, ...] = ("normal",)
            ) -> Report:
    model = BASE % {"a_phone": a_phone, "checked": checked, "terminals": terminals,
                    "purposes": purposes, "account_extra": account_extra, "trust": trust}
    (tmp_path / "model.yaml").write_text(model, encoding="utf-8")
    (tmp_path / "policy.csv").write_text(POLICY + textwrap.dedent(policy_extra),
                                         encoding="utf-8")
    shutil.copyfile(REPO / "policies" / "accesssim.conf", tmp_path / "accesssim.conf")
    return analyze(load_project(tmp_path / "model.yaml", tmp_path), modes=modes)


def _types(report: Report) -> list[set[FailureType]]:
    return sorted((set(f.failure_types) for f in report.findings), key=sorted)


def test_clean_small_model_has_no_finding(tmp_path: Path) -> None:
    """The base model (masked, checked, no extra rights) is clean."""
    assert _report(tmp_path).findings == ()


def test_independent_causes_are_both_reported(tmp_path: Path) -> None:
    """A masking gap on a and an unchecked a -> b both expose phone: two findings, not one."""
    report = _report(tmp_path, a_phone="clear", checked="false")
    assert _types(report) == [{FailureType.MASKING_DEFECT}, {FailureType.UNCHECKED_TRANSITION}]
    assert all(f.fields == ("phone",) for f in report.findings)


def test_superset_root_cause_is_dropped(tmp_path: Path) -> None:
    """An NW terminal next to the retail PC adds nothing to a masking gap: one finding."""
    terminal = "  - {id: nw_pc, location: rt_office, owner: nw, open: true, systems: [sys]}"
    report = _report(tmp_path, a_phone="clear", terminals=terminal)
    assert _types(report) == [{FailureType.MASKING_DEFECT}]


def test_outage_workaround_role(tmp_path: Path) -> None:
    """Rights given through a role marked outage-workaround are named so."""
    report = _report(tmp_path, purposes="outage_temp: outage-workaround",
                     policy_extra="p, outage_temp, sys, name, unmask, allow, *, *, *\n"
                                  "g, acc_rt, outage_temp, sys\n")
    assert _types(report) == [{FailureType.OUTAGE_WORKAROUND}]


def test_outage_workaround_account(tmp_path: Path) -> None:
    """An account marked outage-workaround that still reaches data is named so (with the cause)."""
    report = _report(tmp_path, a_phone="clear", account_extra=", purpose: outage-workaround")
    assert _types(report) == [{FailureType.MASKING_DEFECT, FailureType.OUTAGE_WORKAROUND}]


def test_disaster_role_is_a_defect_only_outside_disaster_mode(tmp_path: Path) -> None:
    """A disaster role's unmask right: emergency rights in normal mode; masking in disaster mode."""
    kwargs = {"purposes": "responder: disaster",
              "policy_extra": "p, responder, sys, name, unmask, allow, *, *, *\n"
                              "g, acc_rt, responder, sys\n"}
    normal = _report(tmp_path, **kwargs, modes=("normal",))
    assert _types(normal) == [{FailureType.EMERGENCY_RIGHTS}]
    disaster = _report(tmp_path, **kwargs, modes=("disaster",))
    assert _types(disaster) == [{FailureType.MASKING_DEFECT}]


def test_disaster_grant_covers_disaster_mode(tmp_path: Path) -> None:
    """With a trust grant for disaster mode, the disaster role leaks only in normal mode."""
    report = _report(tmp_path, purposes="responder: disaster",
                     policy_extra="p, responder, sys, name, unmask, allow, *, *, *\n"
                                  "g, acc_rt, responder, sys\n",
                     trust="trust:\n  - {orgs: [rt], systems: [sys], fields: [name], "
                           "modes: [disaster]}",
                     modes=("normal", "disaster"))
    assert [w.mode for f in report.findings for w in f.windows] == ["normal"]


def test_holder_trusted_for_the_field_is_not_a_masking_defect(tmp_path: Path) -> None:
    """A retail holder granted the phone field sees it clear without any finding."""
    report = _report(tmp_path, a_phone="clear",
                     trust="trust:\n  - {orgs: [rt], systems: [sys], fields: [phone]}")
    assert report.findings == ()


def test_credential_misuse_of_an_inside_account(tmp_path: Path) -> None:
    """Retail staff knowing the NW password is the only defect (the NW screens may show data)."""
    report = _report(tmp_path)
    assert report.findings == ()
    text = (tmp_path / "model.yaml").read_text(encoding="utf-8").replace(
        "{id: acc_nw, holder: nw_staff, systems: [sys]}",
        "{id: acc_nw, holder: nw_staff, systems: [sys], known_by: [rt_staff]}")
    (tmp_path / "model.yaml").write_text(text, encoding="utf-8")
    report = analyze(load_project(tmp_path / "model.yaml", tmp_path), modes=("normal",))
    assert _types(report) == [{FailureType.CREDENTIAL_MISUSE}]
    assert report.findings[0].fields == ("name", "phone")
