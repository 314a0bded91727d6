"""split_system, the Kansai remedy: the retail side gets its own copy of the named screens.

On scenarios/incidents/01-kansai.yaml, splitting takuso for kansai_ep and kep_contractor with
menu, customer_search and contract_detail leaves switching_detail (NW only) behind: the
unchecked transition into it is no longer reachable by retail staff, while the masking defect
on contract_detail travels with the copy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from accesssim.changes.apply import loaded, patch
from accesssim.changes.spec import Change
from accesssim.engine import Project, load_project
from accesssim.errors import InputError
from accesssim.findings.report import build_report
from accesssim.findings.results import Finding
from accesssim.gate.check import analyse
from accesssim.model.provenance import Source
from helpers import REPO

KANSAI = REPO / "scenarios" / "incidents" / "01-kansai.yaml"
SPLIT = Change.make("split_system", Source("c.yaml", 3), system="takuso", into="kep_takuso",
                    screens=["menu", "customer_search", "contract_detail"],
                    **{"for": ["kansai_ep", "kep_contractor"]})


@pytest.fixture(scope="module")
def kansai() -> Project:
    return load_project(KANSAI, REPO)


def _findings(project: Project) -> list[Finding]:
    run = analyse(project)
    return list(build_report(run.engine.search, run.found).findings)


def _types(findings: list[Finding]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in findings:
        for t in f.failure_types:
            out.setdefault(t.value, set()).update(f.fields)
    return out


def test_split_removes_the_unchecked_transition_and_moves_the_masking_defect(
        kansai: Project) -> None:
    before = _types(_findings(kansai))
    assert "unchecked-transition" in before
    assert {"customer_name", "address"} <= before["masking-defect"]
    with loaded(kansai, patch(kansai, [SPLIT])) as split:
        model = split.loaded.model
        after = _findings(split)
        copy = next(s for s in model.systems if s.id == "kep_takuso")
        moved = {a.id: a.systems for a in model.accounts}
    types = _types(after)
    assert "unchecked-transition" not in types
    assert types["masking-defect"] == {"kep_takuso.customer_name", "kep_takuso.address"}
    assert [s.id for s in copy.screens] == ["kep_takuso.menu", "kep_takuso.customer_search",
                                           "kep_takuso.contract_detail"]
    assert "kep_takuso.switching_detail" not in {s.id for s in copy.screens}
    assert {f.id for f in copy.fields} == {"kep_takuso.customer_name", "kep_takuso.address",
                                           "kep_takuso.phone", "kep_takuso.supply_point_id",
                                           "kep_takuso.tariff_table"}
    assert [t.key for t in copy.transitions] == [
        "kep_takuso.menu->kep_takuso.customer_search",
        "kep_takuso.customer_search->kep_takuso.contract_detail"]
    assert copy.owner == "kansai_td"
    assert moved == {"acc_ktd_ops": ["takuso"], "acc_ktd_meter": ["takuso"],
                     "acc_kep_sales": ["kep_takuso"], "acc_kep_callcenter": ["kep_takuso"]}


def test_split_policy_lines(kansai: Project) -> None:
    csv = patch(kansai, [SPLIT]).texts["policies/incidents/01-kansai.csv"]
    lines = csv.splitlines()
    assert "g, acc_kep_sales, retail_user, kep_takuso" in lines
    assert "g, acc_kep_sales, retail_user, takuso" not in lines
    assert "g, acc_ktd_ops, nw_operator, takuso" in lines  # NW accounts stay
    assert "p, retail_user, kep_takuso, kep_takuso.contract_detail, open, allow, *, *, *" in lines
    assert "p, nw_operator, kep_takuso, kep_takuso.customer_name, unmask, allow, *, *, *" in lines
    assert not any("kep_takuso.switching_detail" in line for line in lines)
    original = (REPO / "policies/incidents/01-kansai.csv").read_text(encoding="utf-8")
    kept = [line for line in original.splitlines() if "acc_kep_" not in line]
    assert lines[:len(kept)] == kept  # every other line as it was, new ones appended


def test_split_then_mask_gives_no_finding(kansai: Project) -> None:
    masks = [Change.make("mask", None, screen="kep_takuso/kep_takuso.contract_detail",
                         field=f"kep_takuso.{f}") for f in ("customer_name", "address")]
    with loaded(kansai, patch(kansai, [SPLIT, *masks])) as fixed:
        assert _findings(fixed) == []


def test_split_copies_role_links_between_roles_and_trust(tmp_path: Path) -> None:
    fixture = REPO / "tests" / "data" / "changes"
    for name in ("model.yaml", "policy.csv", "accesssim.conf"):
        (tmp_path / name).write_bytes((fixture / name).read_bytes())
    with (tmp_path / "policy.csv").open("a", encoding="utf-8") as handle:
        handle.write("g, shop_role, staff, sys\n")
    model = (tmp_path / "model.yaml").read_text(encoding="utf-8")
    model = model.replace("people:\n", "trust:\n  - {orgs: [grid], systems: [sys], "
                                      "fields: [name, usage]}\n\npeople:\n", 1)
    (tmp_path / "model.yaml").write_text(model, encoding="utf-8")
    project = load_project(tmp_path / "model.yaml", tmp_path)
    change = Change.make("split_system", None, system="sys", into="shop_sys",
                         screens=["search"], **{"for": ["shop"]})
    texts = patch(project, [change]).texts
    assert "g, shop_role, staff, shop_sys" in texts["policy.csv"].splitlines()
    assert "g, shop_role, staff, sys" in texts["policy.csv"].splitlines()
    assert ("  - {orgs: [grid], systems: [sys, shop_sys], fields: [name, usage, "
            "shop_sys.name]}") in texts["model.yaml"].splitlines()


@pytest.mark.parametrize("params,message", [
    ({"system": "nope"}, r"no system 'nope' \(there are: takuso\)"),
    ({"into": "takuso"}, r"there is already a system 'takuso'"),
    ({"screens": ["menu", "detail"]},
     r"system takuso has no screen 'detail' \(there are: contract_detail, customer_search"),
    ({"for": ["kansai_epp"]}, r"no organization 'kansai_epp' \(there are: kansai_ep"),
])
def test_split_refusals(kansai: Project, params: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"system": "takuso", "into": "kep_takuso",
                               "screens": ["menu"], "for": ["kansai_ep"]}
    change = Change.make("split_system", Source("c.yaml", 9), **{**base, **params})
    with pytest.raises(InputError, match=rf"^c\.yaml:9: split_system: {message}"):
        patch(kansai, [change])


def test_a_second_split_for_the_same_orgs_moves_nothing(kansai: Project) -> None:
    again = Change.make("split_system", Source("c.yaml", 4), system="takuso", into="other",
                        screens=["menu"], **{"for": ["kansai_ep", "kep_contractor"]})
    with pytest.raises(InputError, match=r"^c\.yaml:4: split_system: no account of a person "
                                         r"of kansai_ep, kep_contractor uses takuso"):
        patch(kansai, [SPLIT, again])


def test_split_changes_only_the_lines_it_must(kansai: Project) -> None:
    """The model: five lines edited in place (two accounts, three terminals), the new system
    inserted as one block after takuso's last line; every other byte as it was."""
    import difflib

    shown = "scenarios/incidents/01-kansai.yaml"
    before = (REPO / shown).read_text(encoding="utf-8").splitlines()
    after = patch(kansai, [SPLIT]).texts[shown].splitlines()
    ops = [op for op in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes()
           if op[0] != "equal"]
    replaced = [(before[i1:i2], after[j1:j2]) for tag, i1, i2, j1, j2 in ops if tag == "replace"]
    inserted = [(i1, after[j1:j2]) for tag, i1, i2, j1, j2 in ops if tag == "insert"]
    assert {tag for tag, *_ in ops} == {"replace", "insert"}
    old = [line for lines, _ in replaced for line in lines]
    new = [line for _, lines in replaced for line in lines]
    moved = ("acc_kep_sales", "acc_kep_callcenter", "ktd_pc", "kep_pc", "kep_cc_pc")
    assert old == [line for line in before if line.startswith(tuple(
        f"  - {{id: {name}," for name in moved))]
    assert new == [line.replace("systems: [takuso]}", "systems: [kep_takuso]}")
                   if "holder" in line else
                   line.replace("systems: [takuso]}", "systems: [takuso, kep_takuso]}")
                   for line in old]
    (at, block), = inserted
    assert before[at - 1].endswith("checked: false}") and before[at] == ""
    assert block[0] == "  - id: kep_takuso" and block[1] == "    owner: kansai_td"
