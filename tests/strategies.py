"""Hypothesis strategies for small random accesssim projects, and helpers to load and analyse them.

A generated project is plain data (a YAML-ready dict and CSV rows), so metamorphic tests can
change it before it is written out. ``materialise`` writes it to a temporary directory and loads
it through the real loader (``accesssim.engine.load_project``), exactly as the CLI would.

Sizes are kept tiny (1-2 systems, 2-5 screens, 2-5 people, a handful of accounts and terminals,
dates from a set of three) so that one example loads, analyses and brute-forces in well under a
second.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from accesssim.engine import Analyzer, Project, load_project
from accesssim.findings.results import Report
from accesssim.time.slices import build_slices

REPO = Path(__file__).resolve().parents[1]
SHIPPED_CONF = REPO / "policies" / "accesssim.conf"

#: The tiny set of dates every validity window and Casbin date is drawn from.
DATES = (dt.date(2020, 1, 1), dt.date(2020, 7, 1), dt.date(2021, 1, 1))
MODES = ("normal", "disaster")
ROLES = ("r0", "r1", "r2")

#: Days on which to look at a model: around every date of ``DATES``, and far before/after.
PROBE_DAYS = tuple(sorted(
    {dt.date(2000, 1, 1), dt.date(2030, 1, 1)}
    | {d + dt.timedelta(days=k) for d in DATES for k in (-1, 0, 1)}
))

_VALIDITIES: list[dict[str, dt.date] | None] = [None, None, None, None]
_VALIDITIES += [{"from": d} for d in DATES] + [{"until": d} for d in DATES]
_VALIDITIES += [{"from": a, "until": b} for a in DATES for b in DATES if a <= b]
_MODE_SETS: list[list[str] | None] = [None, None, None, None, ["normal"], ["disaster"]]


class _PlainDumper(yaml.SafeDumper):
    """Writes a shared value out each time: the loader refuses aliases (``*name``)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


@dataclass
class Generated:
    """One project as data: the model mapping, the policy rows and the Casbin model text."""

    model: dict[str, Any]
    rows: list[list[str]]
    conf: str = field(default_factory=lambda: SHIPPED_CONF.read_text(encoding="utf-8"))

    def copy(self) -> Generated:
        return replace(self, model=copy.deepcopy(self.model), rows=[list(r) for r in self.rows])

    def yaml_text(self) -> str:
        return yaml.dump(self.model, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True)

    def csv_text(self) -> str:
        return "".join(", ".join(row) + "\n" for row in self.rows)

    def describe(self) -> str:
        """The project as a reader would write it (for hypothesis notes and bug reports)."""
        return f"# model.yaml\n{self.yaml_text()}\n# policy.csv\n{self.csv_text()}"


@contextlib.contextmanager
def materialise(gen: Generated) -> Iterator[Project]:
    """Write the project to a fresh directory and load it with the real loader."""
    directory = Path(tempfile.mkdtemp(prefix="accesssim-gen-"))
    try:
        (directory / "model.yaml").write_text(gen.yaml_text(), encoding="utf-8")
        (directory / "policy.csv").write_text(gen.csv_text(), encoding="utf-8")
        (directory / "accesssim.conf").write_text(gen.conf, encoding="utf-8")
        yield load_project(directory / "model.yaml", root=directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


# -- the engine side ---------------------------------------------------------------------------
def engine_report(project: Project, *, modes: list[str] | None = None,
                  at: dt.date | None = None) -> Report:
    """``accesssim analyze`` as a library call: ``Analyzer.run()``."""
    model = project.loaded.model
    return Analyzer(project.loaded, project.policy, modes=list(modes or model.modes),
                    at=at).run()


def exposed_pairs(report: Report) -> set[tuple[str, str]]:
    """Every (person, field) pair of every finding."""
    return {pair for finding in report.findings for pair in finding.exposures}


def engine_exposures(project: Project, *, modes: list[str] | None = None,
                     at: dt.date | None = None) -> set[tuple[str, str, int]]:
    """The engine's (person, field, slice index) exposures, through the public API only.

    A finding lists its exact (person, field) pairs but not the slice of each, so the engine is
    run once per slice of ``build_slices`` (``modes=[slice mode], at=slice day``: one slice
    each) and each run's pairs are tagged with that slice. The all-slices run is checked
    against the same oracle by ``test_oracle.test_report_*``.
    """
    model = project.loaded.model
    slices = build_slices(project.loaded, project.policy, list(modes or model.modes), at)
    return {(p, f, sl.index) for sl in slices
            for p, f in exposed_pairs(engine_report(project, modes=[sl.mode], at=sl.day))}


def by_day(triples: set[tuple[str, str, int]], slices: list[Any],
           days: tuple[dt.date, ...] = PROBE_DAYS) -> set[tuple[str, str, str, dt.date]]:
    """Spread (person, field, slice) over the probe days its slice's epoch covers.

    Exposure is constant inside an epoch, so this makes runs with different slicings (a rule
    added with a new date, say) comparable.
    """
    return {(p, f, slices[i].mode, day) for p, f, i in triples for day in days
            if slices[i].epoch.contains(day)}


def engine_by_day(project: Project) -> set[tuple[str, str, str, dt.date]]:
    """The engine's exposures over all modes, as (person, field, mode, probe day)."""
    slices = build_slices(project.loaded, project.policy, list(project.loaded.model.modes), None)
    return by_day(engine_exposures(project), slices)


# -- strategies --------------------------------------------------------------------------------
def _guard(draw: st.DrawFn, out: dict[str, Any], *, dates: bool = True,
           modes: bool = True) -> dict[str, Any]:
    if dates and (valid := draw(st.sampled_from(_VALIDITIES))) is not None:
        out["valid"] = dict(valid)
    if modes and (mode_set := draw(st.sampled_from(_MODE_SETS))) is not None:
        out["modes"] = list(mode_set)
    return out


def _subset(draw: st.DrawFn, items: list[str], max_size: int | None = None,
            min_size: int = 0) -> list[str]:
    if not items:
        return []
    return draw(st.lists(st.sampled_from(items), unique=True, min_size=min_size,
                         max_size=max_size if max_size is not None else len(items)))


@st.composite
def models(draw: st.DrawFn) -> dict[str, Any]:
    """A small model mapping in the YAML format (docs/model-format.md)."""
    orgs: list[dict[str, Any]] = [
        {"id": "nw", "name": "送配電", "kind": "grid"},
        {"id": "retail", "name": "小売", "kind": "retail", "affiliated_with": "nw"},
        {"id": "contractor", "name": "委託先", "kind": "contractor",
         "works_for": [draw(st.sampled_from(["retail", "nw"]))]},
    ]
    if draw(st.booleans()):
        orgs.append({"id": "other", "name": "他社", "kind": draw(st.sampled_from(
            ["retail", "government", "grid", "other"]))})
    org_ids = [o["id"] for o in orgs]

    systems: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 2))):
        sid = f"sys{i}"
        fields = []
        for k in range(draw(st.integers(2, 4))):
            f: dict[str, Any] = {"id": f"{sid}_f{k}"}
            if draw(st.integers(0, 3)) == 0:
                f["data_class"] = "public"
            if draw(st.integers(0, 6)) == 0:
                f["concerns"] = [draw(st.sampled_from(org_ids))]
            fields.append(f)
        field_ids = [f["id"] for f in fields]
        screens = []
        n_screens = draw(st.integers(2, 5))
        for j in range(n_screens):
            screen: dict[str, Any] = {"id": f"{sid}_s{j}"}
            if draw(st.integers(0, 3)) == 0:
                screen["menu"] = False
            if draw(st.integers(0, 3)) == 0:
                _guard(draw, screen)
            shows = []
            for _ in range(draw(st.integers(1, 3))):
                display: dict[str, Any] = {
                    "field": draw(st.sampled_from(field_ids)),
                    "masking": draw(st.sampled_from(["clear", "clear", "policy", "policy",
                                                     "masked"])),
                }
                if draw(st.integers(0, 3)) == 0:
                    _guard(draw, display)
                shows.append(display)
            screen["shows"] = shows
            screens.append(screen)
        transitions = []
        for _ in range(draw(st.integers(0, 5))):
            a, b = draw(st.integers(0, n_screens - 1)), draw(st.integers(0, n_screens - 1))
            tr: dict[str, Any] = {"from": f"{sid}_s{a}", "to": f"{sid}_s{b}",
                                  "checked": draw(st.booleans())}
            if draw(st.integers(0, 3)) == 0:
                _guard(draw, tr)
            transitions.append(tr)
        owner = "nw" if i == 0 else draw(st.sampled_from(org_ids))
        systems.append({"id": sid, "owner": owner, "fields": fields, "screens": screens,
                        "transitions": transitions})
    sys_ids = [s["id"] for s in systems]
    all_fields = [f["id"] for s in systems for f in s["fields"]]

    locations = []
    for i in range(draw(st.integers(1, 3))):
        loc: dict[str, Any] = {"id": f"loc{i}", "owner": draw(st.sampled_from(org_ids)),
                               "open_to": _subset(draw, org_ids, 2)}
        if draw(st.integers(0, 4)) == 0:
            _guard(draw, loc)
        locations.append(loc)
    loc_ids = [x["id"] for x in locations]

    people = []
    for i in range(draw(st.integers(2, 5))):
        org = draw(st.sampled_from(["retail", "contractor", *org_ids[::-1]]))
        person: dict[str, Any] = {"id": f"p{i}", "org": org,
                                  "locations": _subset(draw, loc_ids, 2, min_size=draw(
                                      st.sampled_from([0, 1, 1, 1])))}
        if draw(st.integers(0, 4)) == 0:
            _guard(draw, person)
        people.append(person)
    person_ids = [p["id"] for p in people]

    accounts = []
    for i in range(draw(st.integers(1, 4))):
        acc: dict[str, Any] = {"id": f"acc{i}", "holder": draw(st.sampled_from(person_ids)),
                               "systems": _subset(draw, sys_ids, min_size=1),
                               "known_by": _subset(draw, person_ids, 2)}
        if draw(st.integers(0, 4)) == 0:
            acc["issued_by"] = draw(st.sampled_from(org_ids))
        if draw(st.integers(0, 4)) == 0:
            acc["purpose"] = "disaster"
        if draw(st.integers(0, 3)) == 0:
            _guard(draw, acc)
        accounts.append(acc)
    acc_ids = [a["id"] for a in accounts]

    terminals = []
    for i in range(draw(st.integers(1, 4))):
        term: dict[str, Any] = {
            "id": f"t{i}", "location": draw(st.sampled_from(loc_ids)),
            "owner": draw(st.sampled_from(org_ids)),
            "assigned_to": _subset(draw, person_ids, 2),
            "open": draw(st.integers(0, 2)) > 0,
            "systems": _subset(draw, sys_ids, min_size=1),
            "accounts": "any" if draw(st.integers(0, 2)) > 0 else _subset(draw, acc_ids, 2),
            "logged_in": _subset(draw, acc_ids, 1) if draw(st.integers(0, 2)) == 0 else [],
        }
        purpose = draw(st.sampled_from([None, None, "disaster-lending", "outage-workaround"]))
        if purpose:
            term["purpose"] = purpose
        if draw(st.integers(0, 3)) == 0:
            _guard(draw, term)
        terminals.append(term)

    trust = []
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        grant: dict[str, Any] = {"systems": _subset(draw, sys_ids, min_size=1)}
        if draw(st.booleans()):
            grant["orgs"] = _subset(draw, org_ids, 1, min_size=1)
        else:
            grant["people"] = _subset(draw, person_ids, 2, min_size=1)
        if draw(st.booleans()):
            grant["fields"] = _subset(draw, all_fields, 2, min_size=1)
        _guard(draw, grant)
        trust.append(grant)

    casbin: dict[str, Any] = {"model": "accesssim.conf", "policy": "policy.csv"}
    if draw(st.integers(0, 3)) == 0:
        casbin["role_purposes"] = {draw(st.sampled_from(ROLES)): "disaster"}
    return {
        "accesssim": 1, "name": "generated", "modes": list(MODES),
        "organizations": orgs, "trust": trust, "people": people, "locations": locations,
        "accounts": accounts, "terminals": terminals, "systems": systems, "casbin": casbin,
    }


def _objects(model: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Per system: (object id, the act it is asked with)."""
    return {s["id"]: [(x["id"], "open") for x in s["screens"]]
            + [(f["id"], "unmask") for f in s["fields"]] for s in model["systems"]}


def _date_token(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(["*"] * 5 + [d.isoformat() for d in DATES]))


@st.composite
def allow_rules(draw: st.DrawFn, model: dict[str, Any], *, wildcard_objects: bool = False,
                eft: str | None = None) -> list[str]:
    """One ``p`` row of the shipped model: sub, dom, obj, act, eft, mode, from, until."""
    objects = _objects(model)
    acc_ids = [a["id"] for a in model["accounts"]]
    sub = draw(st.sampled_from([*ROLES, *ROLES, *acc_ids]))
    dom = draw(st.sampled_from(sorted(objects)))
    screens = [(o, a) for o, a in objects[dom] if a == "open"]
    obj, act = draw(st.sampled_from(screens + objects[dom]))
    if draw(st.integers(0, 7)) == 0:  # a rule about another system's object, or the wrong act
        other = draw(st.sampled_from(sorted(objects)))
        obj, act = draw(st.sampled_from(objects[other]))
        act = draw(st.sampled_from(["open", "unmask"]))
    if wildcard_objects and draw(st.integers(0, 2)) == 0:
        obj = obj.rsplit("_", 1)[0] + "_*"
    start, until = _date_token(draw), _date_token(draw)
    if "*" not in (start, until) and start > until:
        start, until = until, start
    effect = eft or draw(st.sampled_from(["allow", "allow", "allow", "deny"]))
    mode = draw(st.sampled_from(["*", "*", "*", *MODES]))
    return ["p", sub, dom, obj, act, effect, mode, start, until]


@st.composite
def policies(draw: st.DrawFn, model: dict[str, Any], *, wildcard_objects: bool = False,
             two_arg_g: bool = False) -> list[list[str]]:
    """A policy over the shipped Casbin model: allow/deny rows, g lines, a role hierarchy.

    Rows are unique: Casbin keeps one copy of a duplicated row and the loader refuses files
    in which Casbin dropped lines.
    """
    acc_ids = [a["id"] for a in model["accounts"]]
    links: list[list[str]] = []

    def g(sub: str, role: str, system: str) -> None:
        line = ["g", sub, role] if two_arg_g else ["g", sub, role, system]
        if line not in links:
            links.append(line)

    given: dict[str, list[str]] = {s["id"]: [] for s in model["systems"]}
    for acc in model["accounts"]:
        for system in acc["systems"]:
            for role in _subset(draw, list(ROLES), 2, min_size=draw(st.sampled_from([0, 1, 1]))):
                g(acc["id"], role, system)
                given[system].append(role)
    sys_ids = [s["id"] for s in model["systems"]]
    for _ in range(draw(st.integers(0, 3))):  # role hierarchy, sometimes onto an account
        sub = draw(st.sampled_from([*ROLES, *acc_ids]))
        role = draw(st.sampled_from([*ROLES, *ROLES, *acc_ids]))
        if sub != role:
            g(sub, role, draw(st.sampled_from(sys_ids)))

    rows = draw(st.lists(allow_rules(model, wildcard_objects=wildcard_objects),
                         min_size=0, max_size=12, unique_by=tuple))
    for system in model["systems"]:  # usually a role someone has may open a menu screen...
        roles = given[system["id"]]
        if roles and draw(st.integers(0, 3)) > 0:
            screens = [x["id"] for x in system["screens"] if x.get("menu", True)] or [
                x["id"] for x in system["screens"]]
            row = ["p", draw(st.sampled_from(roles)), system["id"],
                   draw(st.sampled_from(screens)), "open", "allow", "*", "*", "*"]
            if row not in rows:
                rows.append(row)
        if roles and draw(st.booleans()):  # ...and unmask a field
            fld = draw(st.sampled_from([f["id"] for f in system["fields"]]))
            row = ["p", draw(st.sampled_from(roles)), system["id"], fld, "unmask", "allow",
                   "*", "*", "*"]
            if row not in rows:
                rows.append(row)
    return rows + links


@st.composite
def projects(draw: st.DrawFn) -> Generated:
    """A model and a policy over the shipped ``policies/accesssim.conf``."""
    model = draw(models())
    return Generated(model, draw(policies(model)))


# -- Casbin model variants (test_casbin_equivalence) ------------------------------------------
_SHIPPED_M = SHIPPED_CONF.read_text(encoding="utf-8")
_MATCHER = next(line for line in _SHIPPED_M.splitlines() if line.startswith("m ="))


def conf_with_matcher(matcher: str) -> str:
    """The shipped Casbin model with another matcher."""
    return _SHIPPED_M.replace(_MATCHER, f"m = {matcher}")


_REST = (' && r.act == p.act && (p.mode == "*" || p.mode == r.mode)'
         ' && (p.valid_from == "*" || p.valid_from <= r.date)'
         ' && (p.valid_until == "*" || r.date <= p.valid_until)')

#: keyMatch on the object: not the shape the engine understands, so it must ask the whole grid.
KEYMATCH_CONF = conf_with_matcher(
    "g(r.sub, p.sub, r.dom) && r.dom == p.dom && keyMatch(r.obj, p.obj)" + _REST)

#: Roles without domains (``g = _, _``): understood (arity 2), domains still compared.
TWO_ARG_CONF = conf_with_matcher(
    "g(r.sub, p.sub) && r.dom == p.dom && r.obj == p.obj" + _REST
).replace("g = _, _, _", "g = _, _")


def _swap_dom_obj(rows: list[list[str]]) -> list[list[str]]:
    return [[r[0], r[1], r[3], r[2], *r[4:]] if r[0] == "p" else r for r in rows]


#: Other Casbin models a user may bring: name -> (conf text, how to lay out the generated rows).
VARIANTS: dict[str, tuple[str, Any]] = {
    "keyMatch objects (grid fallback)": (KEYMATCH_CONF, None),
    "domain-less roles": (TWO_ARG_CONF, None),
    "request tokens in reverse order": (
        _SHIPPED_M.replace("r = sub, dom, obj, act, mode, date",
                           "r = date, mode, act, obj, dom, sub"), None),
    "policy columns reordered": (
        _SHIPPED_M.replace("p = sub, dom, obj, act, eft, mode, valid_from, valid_until",
                           "p = sub, obj, dom, act, eft, mode, valid_from, valid_until"),
        _swap_dom_obj),
    "no domain equality in the matcher": (
        conf_with_matcher("g(r.sub, p.sub, r.dom) && r.obj == p.obj" + _REST), None),
    "deny-only effect (allow unless denied)": (
        _SHIPPED_M.replace("e = some(where (p.eft == allow)) && !some(where (p.eft == deny))",
                           "e = !some(where (p.eft == deny))"), None),
    "allow-only effect (deny rows ignored)": (
        _SHIPPED_M.replace("e = some(where (p.eft == allow)) && !some(where (p.eft == deny))",
                           "e = some(where (p.eft == allow))"), None),
}


@st.composite
def variant_projects(draw: st.DrawFn, name: str) -> Generated:
    """A generated project over one of ``VARIANTS`` (keyMatch rules may name ``sys0_*``)."""
    conf, layout = VARIANTS[name]
    model = draw(models())
    rows = draw(policies(model, wildcard_objects="keyMatch" in name,
                         two_arg_g="domain-less" in name))
    return Generated(model, layout(rows) if layout else rows, conf)


@st.composite
def exposed_projects(draw: st.DrawFn, *, timeless: bool = False) -> Generated:
    """A random project in which, most of the time, someone outside sees something: p0 is
    retail, holds acc0 on sys0 through terminal t0, and acc0 may open menu screen sys0_s0
    (random projects alone rarely expose anyone, and a diff of two empty sets tests little).
    Guards, dates, masking, trust and deny rows stay random; ``timeless``: p0, acc0 and t0
    hold in every mode and on every day."""
    gen: Generated = draw(projects())
    m = gen.model
    m["people"][0]["org"] = "retail"
    account = m["accounts"][0]
    account["holder"] = "p0"
    account["systems"] = sorted({*account["systems"], "sys0"})
    terminal = m["terminals"][0]
    terminal["assigned_to"] = sorted({*terminal["assigned_to"], "p0"})
    terminal["systems"] = sorted({*terminal["systems"], "sys0"})
    terminal["accounts"] = "any"
    m["systems"][0]["screens"][0].pop("menu", None)
    if timeless:
        for element in (m["people"][0], account, terminal):
            element.pop("valid", None)
            element.pop("modes", None)
    row = ["p", "acc0", "sys0", "sys0_s0", "open", "allow", "*", "*", "*"]
    if row not in gen.rows:
        gen.rows.insert(0, row)
    return gen
