"""Hostile inputs for ``accesssim drift``: trust grants whose guards changed, policies held
in a database against the same rows as CSV, rows reordered or written twice."""

from __future__ import annotations

import shutil
from pathlib import Path

from accesssim.drift.run import drift
from accesssim.engine import load_project
from helpers import REPO

INCIDENTS = REPO / "scenarios" / "incidents"


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "policies", tmp_path / "policies")
    shutil.copytree(REPO / "scenarios", tmp_path / "scenarios")
    return tmp_path / "scenarios" / "incidents"


def test_trust_grant_guards_are_compared(tmp_path: Path) -> None:
    """The design trusts the Kyushu responders in every mode, the deployed model only in
    disaster mode: the normal-mode exposures it opens rest on that grant's changed modes
    (the grant used to be compared by who and what only: 'Differences: 0')."""
    incidents = _copy(tmp_path)
    deployed = incidents / "03-kyushu.yaml"
    text = deployed.read_text(encoding="utf-8")
    guarded = "fields: [customer_name, address, phone], modes: [disaster]}"
    assert text.count(guarded) == 1
    design = incidents / "03-design.yaml"
    design.write_text(text.replace(guarded, "fields: [customer_name, address, phone]}"),
                      encoding="utf-8")
    result = drift(load_project(design, root=tmp_path), load_project(deployed, root=tmp_path),
                   modes=["normal", "disaster"])
    key = "trust:ep_responders->address,customer_name,phone,takuso"
    assert [d.key for d in result.differences] == [key]
    grant = result.differences[0]
    assert grant.status == "changed" and grant.evidence == "exercised"
    assert [(c.attribute, c.design, c.deployed) for c in grant.changes] == [
        ("modes", "null", '["disaster"]')]
    assert result.opened and all(e.differences == (key,) and e.mode == "normal"
                                 for e in result.opened)


def test_an_organisation_leaving_the_core_is_what_exposures_rest_on(tmp_path: Path) -> None:
    """The design has the Okinawa retail division work for the NW division (a contractor,
    inside the boundary); the deployed model drops ``works_for``: the exposures it opens rest
    on that organisation (they used to rest on 'no cited difference')."""
    incidents = _copy(tmp_path)
    deployed = incidents / "08-okinawa.yaml"
    text = deployed.read_text(encoding="utf-8")
    plain = "kind: retail, affiliated_with: okinawa_nw_division}"
    assert text.count(plain) == 1
    design = incidents / "08-design.yaml"
    design.write_text(text.replace(plain, plain[:-1] + ", works_for: [okinawa_nw_division]}"),
                      encoding="utf-8")
    result = drift(load_project(design, root=tmp_path), load_project(deployed, root=tmp_path),
                   modes=["normal", "disaster"])
    key = "organization:okinawa_retail_division"
    assert [d.key for d in result.differences] == [key]
    assert result.differences[0].evidence == "exercised"
    assert result.opened and all(e.differences == (key,) for e in result.opened)


def test_casbin_model_is_compared(tmp_path: Path) -> None:
    """The deployed Casbin model drops the matcher's mode check: disaster rights open in
    normal time. The .conf is an element (``casbin-model:conf``, compared as Casbin reads
    it) and the exposures rest on it (they used to come with 'Differences: 0')."""
    incidents = _copy(tmp_path)
    conf = (tmp_path / "policies" / "accesssim.conf").read_text(encoding="utf-8")
    gate = ' && (p.mode == "*" || p.mode == r.mode)'
    assert conf.count(gate) == 1
    (tmp_path / "policies" / "loose.conf").write_text(
        "# the same model, reworded comments\n" + conf.replace(gate, ""), encoding="utf-8")
    (tmp_path / "policies" / "same.conf").write_text("# only a comment differs\n" + conf,
                                                   encoding="utf-8")
    design = incidents / "04-shikoku-remediated.yaml"
    text = design.read_text(encoding="utf-8")
    assert text.count("policies/accesssim.conf") == 1
    loose, same = incidents / "04-loose.yaml", incidents / "04-same.yaml"
    loose.write_text(text.replace("policies/accesssim.conf", "policies/loose.conf"), "utf-8")
    same.write_text(text.replace("policies/accesssim.conf", "policies/same.conf"), "utf-8")
    ours = load_project(design, root=tmp_path)
    result = drift(ours, load_project(loose, root=tmp_path), modes=["normal", "disaster"])
    assert [(d.key, [c.attribute for c in d.changes], d.evidence)
            for d in result.differences] == [("casbin-model:conf", ["m"], "exercised")]
    assert result.opened and all(e.differences == ("casbin-model:conf",)
                                 for e in result.opened)
    unchanged = drift(ours, load_project(same, root=tmp_path), modes=["normal", "disaster"])
    assert unchanged.differences == () and unchanged.opened == ()
