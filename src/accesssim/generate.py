"""Synthetic models for benchmarks and tests (``accesssim generate``).

One grid company (NW), its contractors, its affiliated retailer, the retailer's contractors and
a new retailer, over three NW systems (wheeling, smart meter, outage/disaster), with a Casbin
policy in the shipped ``accesssim.conf`` format and realistic defects planted, a handful of each
kind, so that ``analyze`` finds several failure types:

- non-public fields shown in clear on screens retail roles may open (one since a 2016 change,
  one shown temporarily, one missed by encoding), and a retail role that may unmask some;
- unchecked transitions from retail-openable screens into NW-only screens;
- NW terminals placed at retail offices or in a shared building, or handed to retail groups,
  some of them left logged in as an NW account;
- NW terminals lent for disaster response, or set up during an outage, still at retail offices;
- a retail disaster role whose rules are not gated to disaster mode;
- NW credentials known by retail staff who used to work at NW.

Everything else is meant to be sound: NW-only screens are closed to retail roles, retail screens
mask non-public data, retail offices are open only to staff posted there.

Only a few distinct dates occur (the engine analyses one slice per mode and date epoch). The
output is byte-identical for a given preset and seed: one ``random.Random(seed)`` drives every
choice, and elements are emitted in id order. The YAML is written by hand in flow style, one
element per line (screens and their field displays in block style, so every display has a line).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from accesssim.scaffold import shipped_conf_text

__all__ = ["PRESETS", "GenerateSummary", "Preset", "generate"]

MODEL_FILE = "model.yaml"
POLICY_FILE = "policy.csv"
CONF_FILE = "accesssim.conf"

# The few dates the model uses (each start, and each day after an end, cuts an epoch).
D_CHANGE = dt.date(2016, 4, 1)  # a system change lost some masking; a workaround was set up
D_BEFORE_CHANGE = dt.date(2016, 3, 31)
D_UNBUNDLING = dt.date(2020, 4, 1)  # legal unbundling: transfers, reorganised roles
D_BEFORE_UNBUNDLING = dt.date(2020, 3, 31)
D_TEMP_FROM = dt.date(2022, 7, 1)  # a field shown temporarily
D_TEMP_UNTIL = dt.date(2022, 12, 31)

NW, RT, NEWCO = "nw", "rt", "newco"
NW_CONTRACTORS = ("nw_c1", "nw_c2", "nw_c3")
RT_CONTRACTORS = ("rt_c1", "rt_c2")

ORGANIZATIONS = (
    (NW, "東和電力ネットワーク", "grid", None, ()),
    ("nw_c1", "東和検針サービス", "contractor", None, (NW,)),
    ("nw_c2", "東和設備工事", "contractor", None, (NW,)),
    ("nw_c3", "東和情報システムズ", "contractor", None, (NW,)),
    (RT, "東和電力エナジー", "retail", NW, ()),
    ("rt_c1", "東和コールセンター", "contractor", None, (RT,)),
    ("rt_c2", "東和営業サポート", "contractor", None, (RT,)),
    (NEWCO, "みらい新電力", "retail", None, ()),
)


@dataclass(frozen=True)
class SystemSpec:
    id: str
    prefix: str
    name: str
    areas: tuple[tuple[str, str], ...]  # NW-only areas: (code, Japanese name)
    field_names: tuple[str, ...]
    public_names: tuple[str, ...]


SYSTEMS = (
    SystemSpec(
        "takuso", "tk", "託送業務システム",
        (("reception", "受付"), ("contract", "契約管理"), ("switching", "スイッチング"),
         ("metering", "検針"), ("billing", "託送料金"), ("works", "工事"),
         ("customer", "需要家情報"), ("generation", "発電契約"), ("settlement", "精算"),
         ("interconnect", "系統連系")),
        ("需要者名", "需要場所住所", "連絡先電話番号", "供給地点特定番号", "使用電力量",
         "小売電気事業者名", "契約電力", "契約容量", "スイッチング申込日", "託送契約種別",
         "計器番号", "検針日", "法人番号", "需要家区分", "廃止予定日", "再点日", "発電量",
         "メールアドレス", "料金メニュー", "需要場所区分"),
        ("託送料金表", "託送供給等約款", "公開統計"),
    ),
    SystemSpec(
        "meter", "mt", "スマートメーター運用管理システム",
        (("measure", "計量"), ("comms", "通信"), ("install", "設置"), ("data", "データ管理"),
         ("analysis", "分析")),
        ("30分電力量", "計器ID", "通信経路", "設置場所", "需要者名", "需要場所住所", "検針値",
         "ロードプロファイル", "逆潮流量", "開閉器状態"),
        ("計器仕様", "公開統計"),
    ),
    SystemSpec(
        "outage", "ot", "停電・災害情報システム",
        (("outage", "停電管理"), ("restore", "復旧"), ("equipment", "設備"),
         ("contact", "顧客連絡")),
        ("停電地点", "需要者名", "連絡先電話番号", "要配慮者情報", "需要場所住所", "設備ID",
         "作業班情報", "復旧作業記録"),
        ("停電エリア (公開)", "復旧見込 (公開)", "お知らせ"),
    ),
)
#: Outage-system fields that retail disaster responders may see in disaster mode.
CONTACT_NAMES = ("需要者名", "連絡先電話番号")
SCREEN_KINDS = ("一覧", "詳細", "照会", "検索", "登録", "更新", "履歴")
NW_DEPTS = ("託送業務", "お客さま窓口", "検針", "配電保守", "系統運用", "料金", "工事",
            "情報システム", "計量", "設備計画")
NWC_DEPTS = ("検針員", "工事班", "保守要員", "システム運用")
RT_DEPTS = ("営業", "お客さま窓口", "法人営業", "料金", "電化推進", "契約")
RTC_DEPTS = ("コールセンター", "営業支援")

# Retail roles: system -> (role, share of the retail zone it opens).
RETAIL_ROLES = {
    "takuso": (("rt_inquiry", 0.7), ("rt_inquiry_senior", 0.25), ("rt_sales", 0.5),
               ("rt_backoffice", 0.5), ("rt_contract", 0.4), ("rt_manager", 0.2),
               ("rt_callcenter", 0.6)),
    "meter": (("rt_meter_inquiry", 0.7), ("rt_meter_install", 0.4)),
    "outage": (("rt_public_info", 1.0), ("rt_disaster", 1.0), ("rt_disaster_lead", 0.0)),
}
RETAIL_INHERITS = {
    "rt_inquiry_senior": ("rt_inquiry",),
    "rt_manager": ("rt_inquiry_senior", "rt_sales"),
    "rt_disaster_lead": ("rt_disaster", "rt_public_info"),
}
DISASTER_ROLE = "rt_disaster"


@dataclass(frozen=True)
class Preset:
    """How big a model to make; the defects planted are the same kinds at every size."""

    name: str
    nw_groups: int
    nw_contractor_groups: int
    retail_groups: int
    retail_contractor_groups: int
    newco_groups: int
    headcount: tuple[int, int]
    nw_offices: int
    nw_contractor_sites: int
    retail_offices: int
    retail_contractor_sites: int
    newco_offices: int
    shared_sites: int
    nw_accounts: int
    retail_accounts: int
    nw_terminals: int
    nw_contractor_terminals: int
    retail_terminals: int
    retail_contractor_terminals: int
    screens: tuple[int, int, int]
    retail_screens: tuple[int, int, int]  # retail-openable (outage: public + disaster each)
    fields: tuple[int, int, int]
    transitions: tuple[int, int, int]
    nw_roles: tuple[int, int, int]
    rows_per_role: tuple[int, int, int]  # NW role opens: home area, other areas, retail zone
    shows: tuple[int, int]
    plants: int  # how many of each repeatable defect


PRESETS = {
    "small": Preset(
        name="small", nw_groups=6, nw_contractor_groups=3, retail_groups=6,
        retail_contractor_groups=2, newco_groups=2, headcount=(2, 18),
        nw_offices=4, nw_contractor_sites=1, retail_offices=3, retail_contractor_sites=1,
        newco_offices=1, shared_sites=1, nw_accounts=24, retail_accounts=12,
        nw_terminals=12, nw_contractor_terminals=2, retail_terminals=8,
        retail_contractor_terminals=2, screens=(12, 8, 8), retail_screens=(4, 2, 2),
        fields=(10, 6, 6), transitions=(24, 14, 12), nw_roles=(4, 3, 3),
        rows_per_role=(3, 1, 1), shows=(2, 4), plants=1,
    ),
    "utility": Preset(
        name="utility", nw_groups=1000, nw_contractor_groups=240, retail_groups=520,
        retail_contractor_groups=160, newco_groups=60, headcount=(2, 18),
        nw_offices=269, nw_contractor_sites=30, retail_offices=150,
        retail_contractor_sites=20, newco_offices=6, shared_sites=25,
        nw_accounts=18800, retail_accounts=3200, nw_terminals=10800,
        nw_contractor_terminals=1000, retail_terminals=2900, retail_contractor_terminals=300,
        screens=(700, 500, 300), retail_screens=(60, 15, 15), fields=(150, 90, 60),
        transitions=(2800, 2000, 1200), nw_roles=(90, 55, 43), rows_per_role=(10, 3, 2),
        shows=(3, 8), plants=5,
    ),
}


# -- the model being built ---------------------------------------------------------------------
@dataclass
class _Field:
    id: str
    name: str
    public: bool = False
    concerns: tuple[str, ...] = ()
    contact: bool = False


@dataclass
class _Display:
    field: str
    masking: str
    purpose: str | None = None
    valid: tuple[dt.date | None, dt.date | None] | None = None
    note: str | None = None


@dataclass
class _Screen:
    id: str
    name: str
    area: str
    zone: str  # nw | retail | public | disaster
    menu: bool
    shows: list[_Display] = field(default_factory=list)


@dataclass
class _Transition:
    source: str
    target: str
    checked: bool = True
    note: str | None = None


@dataclass
class _System:
    spec: SystemSpec
    fields: list[_Field] = field(default_factory=list)
    screens: list[_Screen] = field(default_factory=list)
    transitions: list[_Transition] = field(default_factory=list)


@dataclass
class _Rule:
    sub: str
    dom: str
    obj: str
    act: str
    eft: str = "allow"
    mode: str = "*"
    valid_from: str = "*"
    valid_until: str = "*"
    comment: str | None = None


@dataclass
class _Person:
    id: str
    name: str
    org: str
    headcount: int
    locations: list[str]
    former: tuple[str, dt.date] | None = None
    note: str | None = None
    dept: str = ""


@dataclass
class _Location:
    id: str
    name: str
    owner: str
    open_to: tuple[str, ...]
    kind: str  # office | hq-floor | common | site | shared


@dataclass
class _Account:
    id: str
    holder: str
    systems: list[str]
    known_by: list[str] = field(default_factory=list)
    valid_until: dt.date | None = None
    note: str | None = None


@dataclass
class _Terminal:
    id: str
    location: str
    owner: str
    systems: list[str]
    assigned_to: list[str] = field(default_factory=list)
    open: bool = False
    accounts: list[str] | None = None  # None: any
    logged_in: list[str] = field(default_factory=list)
    purpose: str | None = None
    valid_from: dt.date | None = None
    note: str | None = None


@dataclass(frozen=True)
class GenerateSummary:
    """What was written, for the command's message and the benchmark's table."""

    out_dir: Path
    preset: str
    seed: int
    people: int
    headcount: int
    organizations: int
    locations: int
    accounts: int
    terminals: int
    systems: int
    screens: int
    transitions: int
    fields: int
    roles: int
    p_lines: int
    g_lines: int
    planted: dict[str, int]

    def lines(self) -> list[str]:
        planted = ", ".join(f"{k} {v}" for k, v in sorted(self.planted.items()))
        return [
            f"wrote {self.out_dir / MODEL_FILE}, {self.out_dir / POLICY_FILE}, "
            f"{self.out_dir / CONF_FILE} (preset {self.preset}, seed {self.seed})",
            f"  {self.organizations} organizations, {self.people} people entries "
            f"({self.headcount} people), {self.locations} locations, {self.accounts} accounts, "
            f"{self.terminals} terminals",
            f"  {self.systems} systems, {self.screens} screens, {self.transitions} transitions, "
            f"{self.fields} fields, {self.roles} roles, {self.p_lines} p and {self.g_lines} "
            "g lines",
            f"  planted defects: {planted}",
        ]


class _Builder:
    def __init__(self, preset: Preset, seed: int):
        self.p = preset
        self.seed = seed
        self.rng = random.Random(seed)
        self.systems: list[_System] = []
        self.rules: list[_Rule] = []
        self.role_links: list[tuple[str, str, str]] = []  # (role, parent role, system)
        self.account_links: list[tuple[str, str, str]] = []  # (account, role, system)
        self.nw_roles: dict[str, list[str]] = {}
        self.role_opens: dict[str, list[str]] = defaultdict(list)
        self.people: list[_Person] = []
        self.locations: list[_Location] = []
        self.accounts: list[_Account] = []
        self.terminals: list[_Terminal] = []
        self.trust: list[str] = []
        self.posted: dict[str, list[_Person]] = defaultdict(list)
        self.planted: dict[str, int] = defaultdict(int)
        self.disaster_groups: list[_Person] = []

    # -- helpers -----------------------------------------------------------------------------
    def sample(self, items: list[str], k: int) -> list[str]:
        return sorted(self.rng.sample(items, min(k, len(items))))

    def system(self, sid: str) -> _System:
        return next(s for s in self.systems if s.spec.id == sid)

    def screens_of(self, sid: str, *zones: str) -> list[_Screen]:
        return [x for x in self.system(sid).screens if x.zone in zones]

    def field_of(self, fid: str) -> _Field:
        return next(f for s in self.systems for f in s.fields if f.id == fid)

    def headcount(self) -> int:
        lo, hi = self.p.headcount
        return self.rng.randint(lo, hi)

    # -- systems -----------------------------------------------------------------------------
    def build_systems(self) -> None:
        for index, spec in enumerate(SYSTEMS):
            sysm = _System(spec)
            self.systems.append(sysm)
            self._fields(sysm, self.p.fields[index])
            self._screens(sysm, self.p.screens[index], self.p.retail_screens[index])
            self._transitions(sysm, self.p.transitions[index])

    def _fields(self, sysm: _System, count: int) -> None:
        spec = sysm.spec
        n_public = max(1, round(count * 0.08))
        n_concern = max(1, round(count * 0.03)) if spec.id == "takuso" else 0
        seen: dict[str, int] = defaultdict(int)

        def name_of(base: str) -> str:
            seen[base] += 1
            return base if seen[base] == 1 else f"{base} ({seen[base]})"

        for i in range(count):
            fid = f"{spec.prefix}_f{i + 1:03d}"
            if i < n_public:
                sysm.fields.append(_Field(fid, name_of(spec.public_names[i % len(
                    spec.public_names)]), public=True))
            elif i < n_public + n_concern:
                sysm.fields.append(_Field(fid, name_of("自社契約 申込状況"), concerns=(RT,)))
            else:
                base = spec.field_names[(i - n_public - n_concern) % len(spec.field_names)]
                sysm.fields.append(_Field(fid, name_of(base),
                                          contact=spec.id == "outage" and base in CONTACT_NAMES))

    def _screens(self, sysm: _System, count: int, n_retail: int) -> None:
        spec, rng = sysm.spec, self.rng
        if spec.id == "outage":
            zones = ["public"] * n_retail + ["disaster"] * n_retail
        else:
            zones = ["retail"] * n_retail
        zones += ["nw"] * (count - len(zones))
        rng.shuffle(zones)
        secret = [f for f in sysm.fields if not f.public and not f.concerns]
        public = [f for f in sysm.fields if f.public]
        concern = [f for f in sysm.fields if f.concerns]
        contact = [f for f in sysm.fields if f.contact]
        lo, hi = self.p.shows
        for i, zone in enumerate(zones):
            sid = f"{spec.prefix}_s{i + 1:04d}"
            if zone == "nw":
                code, area = spec.areas[rng.randrange(len(spec.areas))]
            else:
                code, area = zone, {"retail": "小売向け照会", "public": "公開情報",
                                    "disaster": "災害時連携"}[zone]
            screen = _Screen(sid, f"{area} {rng.choice(SCREEN_KINDS)} {i + 1}", code, zone,
                             menu=rng.random() < (0.35 if zone == "nw" else 0.5))
            n = rng.randint(lo, hi)
            if zone == "nw":
                for f in rng.sample(sysm.fields, min(n, len(sysm.fields))):
                    r = rng.random()
                    masking = ("clear" if f.public or r < 0.7
                               else "policy" if r < 0.95 else "masked")
                    screen.shows.append(_Display(f.id, masking))
            elif zone == "retail":
                pool = secret + public + concern
                for f in rng.sample(pool, min(n, len(pool))):
                    if f.public or f.concerns:
                        masking = "clear"
                    else:
                        masking = "masked" if rng.random() < 0.55 else "policy"
                    screen.shows.append(_Display(f.id, masking))
            elif zone == "public":
                for f in rng.sample(public, min(2, len(public))):
                    screen.shows.append(_Display(f.id, "clear"))
                for f in rng.sample(secret, 1):
                    screen.shows.append(_Display(f.id, "masked"))
            else:  # disaster: contact data masked unless the (disaster-mode) policy unmasks
                for f in rng.sample(contact, min(2, len(contact))):
                    screen.shows.append(_Display(f.id, "policy"))
                others = [f for f in secret if not f.contact]
                for f in rng.sample(others, min(2, len(others))):
                    screen.shows.append(_Display(f.id, "masked"))
            screen.shows.sort(key=lambda d: d.field)
            sysm.screens.append(screen)
        # Every zone needs an entry point.
        for zone in sorted({s.zone for s in sysm.screens}):
            members = [s for s in sysm.screens if s.zone == zone]
            if not any(s.menu for s in members):
                members[0].menu = True

    def _transitions(self, sysm: _System, count: int) -> None:
        rng = self.rng
        screens = sysm.screens
        by_area: dict[str, list[_Screen]] = defaultdict(list)
        for s in screens:
            by_area[s.area].append(s)
        seen: set[tuple[str, str]] = set()
        attempts = 0
        while len(sysm.transitions) < count and attempts < count * 20:
            attempts += 1
            src = screens[rng.randrange(len(screens))]
            pool = by_area[src.area] if rng.random() < 0.75 else screens
            dst = pool[rng.randrange(len(pool))]
            if dst.id == src.id or (src.id, dst.id) in seen:
                continue
            seen.add((src.id, dst.id))
            # Legacy navigation inside the NW-only area sometimes skips the check: harmless
            # while nobody outside can get into that area.
            checked = not (src.zone == "nw" and dst.zone == "nw" and rng.random() < 0.03)
            sysm.transitions.append(_Transition(src.id, dst.id, checked))

    # -- policy ------------------------------------------------------------------------------
    def build_policy(self) -> None:
        rng = self.rng
        levels = ("staff", "senior", "manager")
        for index, sysm in enumerate(self.systems):
            spec = sysm.spec
            roles: list[str] = []
            nw_screens = [s for s in sysm.screens if s.zone == "nw"]
            shared = [s.id for s in sysm.screens if s.zone in ("retail", "public")]
            by_area: dict[str, list[str]] = defaultdict(list)
            for s in nw_screens:
                by_area[s.area].append(s.id)
            home_k, other_k, shared_k = self.p.rows_per_role
            policy_fields = {s.id: [d.field for d in s.shows if d.masking == "policy"]
                             for s in sysm.screens}
            for i in range(self.p.nw_roles[index]):
                code = spec.areas[i % len(spec.areas)][0]
                level = levels[(i // len(spec.areas)) % len(levels)]
                role = f"{spec.prefix}_{code}_{level}{i // (len(spec.areas) * 3) + 1}"
                roles.append(role)
                home = by_area.get(code) or [s.id for s in nw_screens]
                others = [s.id for s in nw_screens if s.area != code]
                k_home = home_k if level != "manager" else max(1, home_k // 3)
                opens = sorted(set(self.sample(home, k_home) + self.sample(others, other_k)
                                   + self.sample(shared, shared_k)))
                unmask = sorted({f for s in opens for f in policy_fields[s]
                                 if rng.random() < 0.78})
                for obj, act in [(o, "open") for o in opens] + [(f, "unmask") for f in unmask]:
                    r = rng.random()
                    vf, vu = ("*", "*")
                    if r < 0.03:
                        vf = D_UNBUNDLING.isoformat()
                    elif r < 0.05:
                        vu = D_BEFORE_UNBUNDLING.isoformat()
                    self.rules.append(_Rule(role, spec.id, obj, act, valid_from=vf,
                                            valid_until=vu))
                self.role_opens[role] = opens
            # Managers inherit two roles of their area.
            for role in roles:
                if "_manager" in role:
                    code = role.split("_")[1]
                    peers = [r for r in roles if r.split("_")[1] == code and "_manager" not in r]
                    for parent in self.sample(peers, 2):
                        self.role_links.append((role, parent, spec.id))
            self.nw_roles[spec.id] = roles
            self._retail_policy(sysm)

    def _retail_policy(self, sysm: _System) -> None:
        spec = sysm.spec
        zone_ids = {z: [s.id for s in sysm.screens if s.zone == z]
                    for z in ("retail", "public", "disaster")}
        nw_only = [s.id for s in sysm.screens if s.zone == "nw"]
        concern = [f.id for f in sysm.fields if f.concerns]
        for role, share in RETAIL_ROLES[spec.id]:
            if role == DISASTER_ROLE:
                screens = [s for s in sysm.screens if s.zone == "disaster"]
                for s in screens:
                    self.rules.append(_Rule(role, spec.id, s.id, "open", mode="disaster"))
                contact = sorted({d.field for s in screens for d in s.shows
                                  if d.masking == "policy"})
                for fid in contact:
                    self.rules.append(_Rule(role, spec.id, fid, "unmask", mode="disaster"))
                self.role_opens[role] = [s.id for s in screens]
                continue
            zone = zone_ids["public"] if spec.id == "outage" else zone_ids["retail"]
            opens = self.sample(zone, max(1, round(len(zone) * share))) if share else []
            menu = [s.id for s in sysm.screens if s.id in zone and s.menu]
            if opens and not any(o in menu for o in opens) and menu:
                opens = sorted({*opens, menu[0]})
            for obj in opens:
                self.rules.append(_Rule(role, spec.id, obj, "open"))
            for fid in concern:
                self.rules.append(_Rule(role, spec.id, fid, "unmask"))
            if role == "rt_inquiry":
                # Explicit denies on the NW-only screens retail staff asked for in the past.
                for obj in self.sample(nw_only, max(1, len(nw_only) // 50)):
                    self.rules.append(_Rule(role, spec.id, obj, "open", eft="deny"))
            self.role_opens[role] = opens
        for role, parents in RETAIL_INHERITS.items():
            if any(role == r for r, _ in RETAIL_ROLES[spec.id]):
                for parent in parents:
                    self.role_links.append((role, parent, spec.id))

    # -- organizations, places, people --------------------------------------------------------
    def build_places(self) -> None:
        p, rng = self.p, self.rng

        def add(prefix: str, count: int, owner: str, label: str, open_to: tuple[str, ...],
                kind: str) -> None:
            start = sum(1 for loc in self.locations if loc.id.startswith(prefix + "_l"))
            for i in range(count):
                lid = f"{prefix}_l{start + i + 1:03d}"
                self.locations.append(_Location(lid, f"{label} {start + i + 1}", owner, open_to,
                                                kind))

        # Head offices are modelled floor by floor; only the common floor is open to all staff.
        hq_floors = max(1, p.nw_offices // 30)
        add("nw", 1, NW, "本店 共用フロア", (NW,), "common")
        add("nw", hq_floors, NW, "本店 執務フロア", (), "hq-floor")
        add("nw", p.nw_offices - hq_floors - 1, NW, "支社・営業所", (), "office")
        for i in range(max(p.nw_contractor_sites, len(NW_CONTRACTORS))):
            owner = NW_CONTRACTORS[i % len(NW_CONTRACTORS)]
            add(owner, 1, owner, f"{owner} 作業拠点", (owner,), "site")
        rt_floors = max(1, p.retail_offices // 30)
        add("rt", 1, RT, "本社 共用フロア", (RT,), "common")
        add("rt", rt_floors, RT, "本社 執務フロア", (), "hq-floor")
        add("rt", p.retail_offices - rt_floors - 1, RT, "支店・営業所", (), "office")
        for i in range(max(p.retail_contractor_sites, len(RT_CONTRACTORS))):
            owner = RT_CONTRACTORS[i % len(RT_CONTRACTORS)]
            add(owner, 1, owner, f"{owner} コールセンター", (owner,), "site")
        add(NEWCO, p.newco_offices, NEWCO, "みらい新電力 事業所", (NEWCO,), "office")
        # Buildings NW and retail share since before unbundling: the common floor is open to both.
        add("shared", p.shared_sites, NW, "共用ビル 共用部", (NW, RT), "shared")
        rng.shuffle(self.locations)
        self.locations.sort(key=lambda loc: loc.id)

    def _places_of(self, owner: str) -> list[_Location]:
        return [loc for loc in self.locations if loc.owner == owner and loc.kind != "shared"]

    def build_people(self) -> None:
        p, rng = self.p, self.rng
        specs = [
            (NW, p.nw_groups, NW_DEPTS, (NW,)),
            (None, p.nw_contractor_groups, NWC_DEPTS, NW_CONTRACTORS),
            (RT, p.retail_groups, RT_DEPTS, (RT,)),
            (None, p.retail_contractor_groups, RTC_DEPTS, RT_CONTRACTORS),
            (NEWCO, p.newco_groups, ("営業",), (NEWCO,)),
        ]
        names = dict((o[0], o[1]) for o in ORGANIZATIONS)
        for _, count, depts, orgs in specs:
            for i in range(count):
                org = orgs[i % len(orgs)]
                places = [loc for loc in self._places_of(org) if loc.kind != "common"]
                home = places[rng.randrange(len(places))]
                locs = [home.id]
                if len(places) > 1 and rng.random() < 0.15:
                    other = places[rng.randrange(len(places))]
                    if other.id != home.id:
                        locs.append(other.id)
                dept = depts[rng.randrange(len(depts))]
                n = sum(1 for q in self.people if q.org == org) + 1
                person = _Person(f"{org}_g{n:04d}", f"{names[org]} {dept} {n}", org,
                                 self.headcount(), sorted(locs), dept=dept)
                self.people.append(person)
                for lid in person.locations:
                    self.posted[lid].append(person)
        # Retail disaster responders: a few groups, posted at offices with an outage terminal.
        retail = [q for q in self.people if q.org == RT]
        for q in self.sample([q.id for q in retail], max(1, len(retail) // 35)):
            person = next(r for r in retail if r.id == q)
            person.name = f"{names[RT]} 災害対応班 {person.id.split('_g')[1].lstrip('0')}"
            person.dept = "災害対応"
            self.disaster_groups.append(person)
        self.trust.append(
            "{people: [" + ", ".join(g.id for g in self.disaster_groups) + "], systems: [outage], "
            "fields: [" + ", ".join(f.id for f in self.system("outage").fields if f.contact)
            + "], modes: [disaster], purpose: disaster, note: "
            + _q("in disaster mode, retail responders may see customers' contact data") + "}")

    # -- accounts ----------------------------------------------------------------------------
    def build_accounts(self) -> None:
        p, rng = self.p, self.rng
        systems = [s.spec.id for s in self.systems]
        primary = {"計量": "meter", "検針": "meter", "配電保守": "outage", "系統運用": "outage",
                   "工事班": "outage", "保守要員": "outage", "検針員": "meter"}
        nw_side = [q for q in self.people if q.org == NW or q.org in NW_CONTRACTORS]
        pools: dict[tuple[str, str], list[str]] = {}
        for q in nw_side:
            for sid in systems:
                pools[(q.id, sid)] = self.sample(self.nw_roles[sid], 3)
        holders = rng.choices(nw_side, weights=[q.headcount for q in nw_side], k=p.nw_accounts)
        for n, q in enumerate(holders, start=1):
            main = primary.get(q.dept, "takuso")
            first = main if rng.random() < 0.8 else systems[rng.randrange(3)]
            systems_of = [first]
            if rng.random() < 0.08:
                second = systems[rng.randrange(3)]
                if second != first:
                    systems_of.append(second)
            acc = _Account(f"nw_a{n:05d}", q.id, sorted(systems_of))
            if rng.random() < 0.04:
                acc.valid_until = D_BEFORE_UNBUNDLING
            self.accounts.append(acc)
            for sid in acc.systems:
                pool = pools[(q.id, sid)]
                roles = [pool[rng.randrange(len(pool))]]
                if rng.random() < 0.12:
                    roles.append(pool[rng.randrange(len(pool))])
                for role in sorted(set(roles)):
                    self.account_links.append((acc.id, role, sid))
        # Retail side: staff use the shared wheeling system; contractors its call-centre role.
        rt_side = [q for q in self.people if q.org == RT or q.org in RT_CONTRACTORS]
        weights = [("rt_inquiry", 40), ("rt_sales", 20), ("rt_backoffice", 15),
                   ("rt_contract", 10), ("rt_inquiry_senior", 10), ("rt_manager", 5)]
        holders = rng.choices(rt_side, weights=[q.headcount for q in rt_side],
                              k=p.retail_accounts - 2 * len(self.disaster_groups))
        links: list[tuple[_Account, list[tuple[str, str]]]] = []
        for q in holders:
            wanted: list[tuple[str, str]]
            if q.org in RT_CONTRACTORS:
                wanted = [("rt_callcenter", "takuso")]
            else:
                role = rng.choices([r for r, _ in weights], weights=[w for _, w in weights])[0]
                wanted = [(role, "takuso")]
                r = rng.random()
                if r < 0.08:
                    wanted.append(("rt_public_info", "outage"))
                elif r < 0.11:
                    meter_role = "rt_meter_inquiry" if rng.random() < 0.6 else "rt_meter_install"
                    wanted = [(meter_role, "meter")]
            links.append((_Account("", q.id, sorted({s for _, s in wanted})), wanted))
        for q in self.disaster_groups:
            links.append((_Account("", q.id, ["outage"]), [(DISASTER_ROLE, "outage")]))
            links.append((_Account("", q.id, ["outage", "takuso"]),
                          [("rt_disaster_lead", "outage"), ("rt_inquiry", "takuso")]))
        for n, (acc, wanted) in enumerate(links, start=1):
            acc.id = f"rt_a{n:05d}"
            self.accounts.append(acc)
            for role, sid in wanted:
                self.account_links.append((acc.id, role, sid))

    # -- terminals ---------------------------------------------------------------------------
    def build_terminals(self) -> None:
        p, rng = self.p, self.rng
        nw_sets = ((["takuso"], 40), (["meter"], 20), (["outage"], 10),
                   (["meter", "takuso"], 15), (["outage", "takuso"], 10),
                   (["meter", "outage", "takuso"], 5))
        nw_accounts: dict[str, list[str]] = defaultdict(list)
        for acc in self.accounts:
            nw_accounts[acc.holder].append(acc.id)

        def place(owner: str, count: int, kinds: tuple[str, ...],
                  systems_for: Callable[[_Location], list[str]], open_share: float) -> None:
            sites = [loc for loc in self._places_of(owner) if loc.kind in kinds]
            weights = [1 + sum(q.headcount for q in self.posted[loc.id]) for loc in sites]
            for loc in rng.choices(sites, weights=weights, k=count):
                term = _Terminal("", loc.id, owner, systems_for(loc))
                posted = self.posted[loc.id]
                if posted and rng.random() >= open_share:
                    term.assigned_to = [posted[rng.randrange(len(posted))].id]
                else:
                    term.open = True
                if owner == NW and term.assigned_to and rng.random() < 0.02:
                    own = nw_accounts[term.assigned_to[0]]
                    if own:
                        term.accounts = self.sample(own, 2)
                self.terminals.append(term)

        def nw_systems(_: _Location) -> list[str]:
            return list(rng.choices([s for s, _ in nw_sets], weights=[w for _, w in nw_sets])[0])

        place(NW, p.nw_terminals, ("office", "hq-floor", "common"), nw_systems, 0.4)
        per = p.nw_contractor_terminals // len(NW_CONTRACTORS)
        for org in NW_CONTRACTORS:
            place(org, per, ("site",), nw_systems, 0.5)
        disaster_sites = {lid for g in self.disaster_groups for lid in g.locations}

        def retail_systems(loc: _Location) -> list[str]:
            return ["outage", "takuso"] if rng.random() < 0.1 else ["takuso"]

        place(RT, p.retail_terminals, ("office", "hq-floor", "common"), retail_systems, 0.5)
        per = p.retail_contractor_terminals // len(RT_CONTRACTORS)
        for org in RT_CONTRACTORS:
            place(org, per, ("site",), lambda _: ["takuso"], 0.7)
        # Every retail office has an open terminal on the shared wheeling system, and disaster
        # desks also reach the outage system.
        for loc in self._places_of(RT):
            here = [t for t in self.terminals if t.location == loc.id]
            if loc.kind == "office" and not any(t.open for t in here):
                self.terminals.append(_Terminal("", loc.id, RT, ["takuso"], open=True))
            if loc.id in disaster_sites and not any(t.open and "outage" in t.systems
                                                    for t in here):
                self.terminals.append(_Terminal("", loc.id, RT, ["outage", "takuso"], open=True))

    # -- planted defects ---------------------------------------------------------------------
    def plant(self) -> None:
        n = self.p.plants
        tk = self.system("takuso")
        rt_opens = set(self.role_opens["rt_inquiry"])
        retail_entry = [s for s in tk.screens if s.id in rt_opens and s.menu]
        secret = [f for f in tk.fields if not f.public and not f.concerns]

        # Unchecked transitions from retail-openable screens into NW-only screens.
        nw_targets = [s for s in tk.screens if s.zone == "nw"
                      and any(d.masking == "clear" and not self.field_of(d.field).public
                              for d in s.shows)]
        existing = {(t.source, t.target) for t in tk.transitions}
        # Fields those targets show stay out of the other plants, so that each defect is the
        # best (fewest-defect) way to its fields and shows up as a finding of its own.
        reserved: set[str] = set()
        for src in self._pick(retail_entry, n):
            for dst in self._shuffled(nw_targets):
                if (src.id, dst.id) not in existing:
                    tk.transitions.append(_Transition(
                        src.id, dst.id, checked=False,
                        note="planted: this link does not check access to the target"))
                    existing.add((src.id, dst.id))
                    reserved |= {d.field for d in dst.shows if d.masking == "clear"}
                    self.planted["unchecked-transition"] += 1
                    break


        # Masking defects: non-public fields in clear on screens retail staff open.
        for screen in self._pick(retail_entry, n):
            shown = {d.field for d in screen.shows}
            f = next(f for f in self._preferred(secret, reserved) if f.id not in shown)
            screen.shows.append(_Display(f.id, "clear",
                                         note="planted: masking missing for this column"))
            screen.shows.sort(key=lambda d: d.field)
            self.planted["masking-defect (display)"] += 1
        screen = self._pick(retail_entry, 1)[0]
        shown = {d.field for d in screen.shows}
        f = next(f for f in self._preferred(secret, reserved) if f.id not in shown)
        screen.shows += [
            _Display(f.id, "masked", valid=(None, D_BEFORE_CHANGE)),
            _Display(f.id, "clear", valid=(D_CHANGE, None),
                     note="planted: masking lost in the 2016-04 system change"),
        ]
        self.planted["masking-defect (2016 change)"] += 1
        # A field shown temporarily, and new demand points whose encoding was missed.
        screen = self._pick(retail_entry, 1)[0]
        shown = {d.field for d in screen.shows}
        f = next(f for f in self._preferred(secret, reserved) if f.id not in shown)
        screen.shows.append(_Display(f.id, "clear", purpose="temporary-display",
                                     valid=(D_TEMP_FROM, D_TEMP_UNTIL),
                                     note="planted: FIT contract names shown for a period"))
        self.planted["temporary-display"] += 1
        new_point = _Field(f"tk_f{len(tk.fields) + 1:03d}", "新設需要場所 契約名義")
        tk.fields.append(new_point)
        screen = self._pick(retail_entry, 1)[0]
        screen.shows.append(_Display(new_point.id, "clear", purpose="encoding-omission",
                                     valid=(D_UNBUNDLING, D_TEMP_UNTIL),
                                     note="planted: encoding of new demand points missed"))
        self.planted["encoding-omission"] += 1
        for s in tk.screens:
            s.shows.sort(key=lambda d: (d.field, str(d.valid)))

        # A retail role that may unmask non-public fields (granted to every retail role once).
        cc_screens = [s for s in tk.screens if s.id in set(self.role_opens["rt_callcenter"])]
        candidates = sorted({d.field for s in cc_screens for d in s.shows
                             if d.masking == "policy" and d.field in {f.id for f in secret}})
        if not candidates:
            s = cc_screens[0]
            f = next(f for f in secret if f.id not in {d.field for d in s.shows})
            s.shows.append(_Display(f.id, "policy"))
            s.shows.sort(key=lambda d: (d.field, str(d.valid)))
            candidates = [f.id]
        free = [c for c in candidates if c not in reserved] or candidates
        for fid in self.sample(free, 2):
            self.rules.append(_Rule("rt_callcenter", "takuso", fid, "unmask",
                                    comment="planted: unmask right granted to a retail role"))
            self.planted["masking-defect (unmask rule)"] += 1

        # Emergency rights in normal time: some disaster-role rules lack the mode gate.
        ot = self.system("outage")
        disaster = [s for s in ot.screens if s.zone == "disaster"]
        menu_disaster = [s for s in disaster if s.menu] or disaster
        gated = self._pick(menu_disaster, max(1, n // 2))
        ungated = {s.id for s in gated} | {d.field for s in gated for d in s.shows
                                          if d.masking == "policy"}
        for rule in self.rules:
            if rule.sub == DISASTER_ROLE and rule.obj in ungated:
                rule.mode = "*"
                rule.comment = "planted: disaster-only right without the mode gate"
                self.planted["emergency-rights"] += 1

        self._plant_terminals(n)
        self._plant_credentials(max(1, n - 1))

    def _preferred(self, fields: list[_Field], reserved: set[str]) -> list[_Field]:
        """Fields in random order, those not in ``reserved`` first."""
        return (self._shuffled([f for f in fields if f.id not in reserved])
                + self._shuffled([f for f in fields if f.id in reserved]))

    def _pick(self, items: list, k: int) -> list:  # type: ignore[type-arg]
        return [items[i] for i in sorted(self.rng.sample(range(len(items)), min(k, len(items))))]

    def _shuffled(self, items: list) -> list:  # type: ignore[type-arg]
        copy = list(items)
        self.rng.shuffle(copy)
        return copy

    def _nw_account(self, system: str) -> str:
        """A live NW staff account on ``system`` (for sessions left logged in)."""
        nw_people = {q.id for q in self.people if q.org == NW}
        rich = self._rich_roles(system)
        roles_of: dict[str, set[str]] = defaultdict(set)
        for acc_id, role, dom in self.account_links:
            if dom == system:
                roles_of[acc_id].add(role)
        live = [a for a in self.accounts if a.holder in nw_people and a.valid_until is None
                and system in a.systems and not a.known_by and roles_of[a.id] & rich]
        if live:
            return live[self.rng.randrange(len(live))].id
        holder = sorted(nw_people)[self.rng.randrange(len(nw_people))]
        acc = _Account(f"nw_a{len(self.accounts) + 1:05d}x", holder, [system])
        self.accounts.append(acc)
        roles = sorted(rich) or self.nw_roles[system]
        self.account_links.append((acc.id, roles[self.rng.randrange(len(roles))], system))
        return acc.id

    def _rich_roles(self, system: str) -> set[str]:
        """NW roles of ``system`` that open a menu screen showing non-public data in clear."""
        menu = {s.id: any(d.masking == "clear" and not self.field_of(d.field).public
                          for d in s.shows)
                for s in self.system(system).screens if s.menu}
        return {r for r in self.nw_roles[system] if any(menu.get(o) for o in self.role_opens[r])}

    def _plant_terminals(self, n: int) -> None:
        rng = self.rng
        rt_offices = [loc for loc in self._places_of(RT) if loc.kind in ("office", "hq-floor")
                      and self.posted[loc.id]]
        disaster_sites = sorted({lid for g in self.disaster_groups for lid in g.locations})
        shared = [loc for loc in self.locations if loc.kind == "shared"]
        # Placement: NW terminals in retail offices (some left logged in), one in a shared building.
        for i, loc in enumerate(self._pick(rt_offices, n)):
            term = _Terminal("", loc.id, NW, ["meter", "takuso"], open=True,
                             note="planted: NW terminal placed where retail staff can use it")
            if i % 2 == 0:
                term.logged_in = [self._nw_account("takuso")]
            self.terminals.append(term)
            self.planted["terminal-placement"] += 1
        if shared:
            self.terminals.append(_Terminal(
                "", shared[rng.randrange(len(shared))].id, NW, ["meter"], open=True,
                note="planted: NW terminal on a floor shared with retail"))
            self.planted["terminal-placement"] += 1
        # Misdistribution: NW terminals handed to retail groups.
        groups = [q for q in self.people if q.org == RT and q not in self.disaster_groups]
        for i, q in enumerate(self._pick(groups, max(1, n - 1))):
            term = _Terminal("", q.locations[0], NW, ["takuso"], assigned_to=[q.id],
                             note="planted: NW terminal handed to retail staff")
            if i % 2 == 0:
                term.logged_in = [self._nw_account("takuso")]
            else:
                term.systems = ["meter", "takuso"]
            self.terminals.append(term)
            self.planted["terminal-misdistribution"] += 1
        # Disaster lending never returned; a workaround from an outage never removed.
        for i, lid in enumerate(self._pick(disaster_sites, max(1, n - 2))):
            term = _Terminal("", lid, NW, ["outage", "takuso"], open=True,
                             purpose="disaster-lending",
                             note="planted: lent for typhoon response, never returned")
            if i % 2 == 0:
                term.logged_in = [self._nw_account("outage")]
            self.terminals.append(term)
            self.planted["disaster-lending"] += 1
        for loc in self._pick(rt_offices, max(1, n - 3)):
            self.terminals.append(_Terminal(
                "", loc.id, NW, ["takuso"], open=True, purpose="outage-workaround",
                valid_from=D_CHANGE, logged_in=[self._nw_account("takuso")],
                note="planted: set up during the 2016 outage, never removed"))
            self.planted["outage-workaround"] += 1

    def _plant_credentials(self, n: int) -> None:
        rt_offices = [loc for loc in self._places_of(RT) if loc.kind == "office"]
        names = dict((o[0], o[1]) for o in ORGANIZATIONS)
        # The holders worked where much is visible: roles whose menu screens show most in clear.
        tk = self.system("takuso")
        visible = {s.id: sum(1 for d in s.shows if d.masking == "clear"
                             and not self.field_of(d.field).public)
                   for s in tk.screens if s.menu}
        roles = sorted(self.nw_roles["takuso"],
                       key=lambda r: (-sum(visible.get(o, 0) for o in self.role_opens[r]), r))[:3]
        for i in range(n):
            k = i + 1
            holder = _Person(f"nw_i{k:03d}", f"{names[NW]} 社員 {k}", NW, 1,
                             [self._places_of(NW)[-1 - i % 3].id])
            loc = rt_offices[self.rng.randrange(len(rt_offices))]
            transferee = _Person(f"rt_i{k:03d}", f"{names[RT]} 社員 {k} (元 NW)", RT, 1,
                                 [loc.id], former=(NW, D_BEFORE_UNBUNDLING))
            self.people += [holder, transferee]
            acc = _Account(f"nw_i{k:03d}_acc", holder.id, ["takuso"], known_by=[transferee.id],
                           note="planted: ID/password learned before the 2020-04 transfer, "
                                "never changed")
            self.accounts.append(acc)
            self.account_links.append((acc.id, roles[i % len(roles)], "takuso"))
            self.planted["credential-misuse"] += 1

    # -- finish ------------------------------------------------------------------------------
    def number_terminals(self) -> None:
        counts: dict[str, int] = defaultdict(int)
        for term in self.terminals:
            counts[term.owner] += 1
            term.id = f"{term.owner}_t{counts[term.owner]:05d}"


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


_PLAIN = re.compile(r"^[a-z][a-z0-9_]*$")
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _s(value: str) -> str:
    """A YAML scalar: plain when it is a safe identifier, JSON-quoted otherwise."""
    return value if _PLAIN.match(value) and value not in _RESERVED else _q(value)


def _list(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(_s(v) for v in values) + "]"


def _valid(start: dt.date | None, until: dt.date | None) -> str:
    parts = []
    if start is not None:
        parts.append(f"from: {start.isoformat()}")
    if until is not None:
        parts.append(f"until: {until.isoformat()}")
    return "{" + ", ".join(parts) + "}"


def _map(items: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"


DESCRIPTION = ("One grid company, its contractors, its affiliated retailer and a new retailer "
               "over three NW systems, with planted defects.")


def _render_model(b: _Builder) -> str:
    out: list[str] = [
        "# Synthetic model written by `accesssim generate` "
        f"(preset {b.p.name}, seed {b.seed}). Do not edit:",
        "# regenerate it. Defects are planted on purpose; elements marked 'planted:' are them.",
        "accesssim: 1",
        f"name: {_q(f'Synthetic utility model ({b.p.name}, seed {b.seed})')}",
        f"description: {_q(DESCRIPTION)}",
        "modes: [normal, disaster]",
        "",
        "organizations:",
    ]
    for oid, name, kind, affiliated, works_for in ORGANIZATIONS:
        items = [("id", oid), ("name", _q(name)), ("kind", kind)]
        if affiliated:
            items.append(("affiliated_with", affiliated))
        if works_for:
            items.append(("works_for", _list(works_for)))
        out.append(f"  - {_map(items)}")
    out += ["", "trust:"] + [f"  - {t}" for t in b.trust]
    out += ["", "people:"]
    for q in sorted(b.people, key=lambda q: q.id):
        items = [("id", q.id), ("name", _q(q.name)), ("org", q.org),
                 ("headcount", str(q.headcount)), ("locations", _list(q.locations))]
        if q.former:
            items.append(("former_orgs", f"[{{org: {q.former[0]}, until: "
                                         f"{q.former[1].isoformat()}}}]"))
        out.append(f"  - {_map(items)}")
    out += ["", "locations:"]
    for loc in b.locations:
        items = [("id", loc.id), ("name", _q(loc.name)), ("owner", loc.owner),
                 ("open_to", _list(loc.open_to))]
        out.append(f"  - {_map(items)}")
    out += ["", "accounts:"]
    for acc in sorted(b.accounts, key=lambda a: a.id):
        items = [("id", acc.id), ("holder", acc.holder), ("systems", _list(acc.systems))]
        if acc.known_by:
            items.append(("known_by", _list(acc.known_by)))
        if acc.valid_until:
            items.append(("valid", _valid(None, acc.valid_until)))
        if acc.note:
            items.append(("note", _q(acc.note)))
        out.append(f"  - {_map(items)}")
    out += ["", "terminals:"]
    for t in sorted(b.terminals, key=lambda t: t.id):
        items = [("id", t.id), ("location", t.location), ("owner", t.owner)]
        if t.assigned_to:
            items.append(("assigned_to", _list(t.assigned_to)))
        if t.open:
            items.append(("open", "true"))
        items.append(("systems", _list(t.systems)))
        if t.accounts is not None:
            items.append(("accounts", _list(t.accounts)))
        if t.logged_in:
            items.append(("logged_in", _list(t.logged_in)))
        if t.purpose:
            items.append(("purpose", t.purpose))
        if t.valid_from:
            items.append(("valid", _valid(t.valid_from, None)))
        if t.note:
            items.append(("note", _q(t.note)))
        out.append(f"  - {_map(items)}")
    out += ["", "systems:"]
    for sysm in b.systems:
        spec = sysm.spec
        out += [f"  - id: {spec.id}", f"    name: {_q(spec.name)}", f"    owner: {NW}",
                "    fields:"]
        for f in sorted(sysm.fields, key=lambda f: f.id):
            items = [("id", f.id), ("name", _q(f.name))]
            if f.public:
                items.append(("data_class", "public"))
            if f.concerns:
                items.append(("concerns", _list(f.concerns)))
            out.append(f"      - {_map(items)}")
        out.append("    screens:")
        for screen in sysm.screens:
            out += [f"      - id: {screen.id}", f"        name: {_q(screen.name)}"]
            if not screen.menu:
                out.append("        menu: false")
            if not screen.shows:
                out.append("        shows: []")
                continue
            out.append("        shows:")
            for d in screen.shows:
                items = [("field", d.field), ("masking", d.masking)]
                if d.purpose:
                    items.append(("purpose", d.purpose))
                if d.valid:
                    items.append(("valid", _valid(*d.valid)))
                if d.note:
                    items.append(("note", _q(d.note)))
                out.append(f"          - {_map(items)}")
        out.append("    transitions:")
        for tr in sorted(sysm.transitions, key=lambda t: (t.source, t.target)):
            items = [("from", tr.source), ("to", tr.target)]
            if not tr.checked:
                items.append(("checked", "false"))
            if tr.note:
                items.append(("note", _q(tr.note)))
            out.append(f"      - {_map(items)}")
    out += ["", "casbin:", f"  model: {CONF_FILE}", f"  policy: {POLICY_FILE}",
            f"  role_purposes: {{{DISASTER_ROLE}: disaster}}", ""]
    return "\n".join(out)


def _render_policy(b: _Builder) -> str:
    out = [f"# Synthetic policy written by `accesssim generate` (preset {b.p.name}, seed "
           f"{b.seed}).",
           "# Columns: p, sub, dom, obj, act, eft, mode, valid_from, valid_until / "
           "g, account-or-role, role, system"]
    for r in sorted(b.rules, key=lambda r: (r.dom, r.sub, r.act, r.obj, r.eft)):
        if r.comment:
            out.append(f"# {r.comment}")
        out.append(f"p, {r.sub}, {r.dom}, {r.obj}, {r.act}, {r.eft}, {r.mode}, "
                   f"{r.valid_from}, {r.valid_until}")
    for role, parent, dom in sorted(b.role_links, key=lambda x: (x[2], x[0], x[1])):
        out.append(f"g, {role}, {parent}, {dom}")
    for acc, role, dom in sorted(b.account_links):
        out.append(f"g, {acc}, {role}, {dom}")
    return "\n".join(out) + "\n"


def foreign_files(out_dir: Path) -> list[Path]:
    """Files ``generate`` would replace in ``out_dir`` that it did not write (someone's model)."""
    marks = {MODEL_FILE: "# Synthetic model written by `accesssim generate`",
             POLICY_FILE: "# Synthetic policy written by `accesssim generate`"}
    foreign = []
    for name in (MODEL_FILE, POLICY_FILE, CONF_FILE):
        path = out_dir / name
        if not path.exists() and not path.is_symlink():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        except OSError:
            text = ""
        ours = (text == shipped_conf_text() if name == CONF_FILE
                else text.startswith(marks[name]))
        if not ours:
            foreign.append(path)
    return foreign


def generate(out_dir: Path, preset: str = "small", seed: int = 0) -> GenerateSummary:
    """Write ``model.yaml``, ``policy.csv`` and ``accesssim.conf`` into ``out_dir``."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r} (known: {', '.join(sorted(PRESETS))})")
    b = _Builder(PRESETS[preset], seed)
    b.build_systems()
    b.build_policy()
    b.build_places()
    b.build_people()
    b.build_accounts()
    b.build_terminals()
    b.plant()
    b.number_terminals()
    model, policy = _render_model(b), _render_policy(b)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MODEL_FILE).write_text(model, encoding="utf-8")
    (out_dir / POLICY_FILE).write_text(policy, encoding="utf-8")
    (out_dir / CONF_FILE).write_text(shipped_conf_text(), encoding="utf-8")
    roles = ({r.sub for r in b.rules} | {x for link in b.role_links for x in link[:2]}
             | {role for _, role, _ in b.account_links})
    return GenerateSummary(
        out_dir=out_dir, preset=preset, seed=seed, people=len(b.people),
        headcount=sum(q.headcount for q in b.people), organizations=len(ORGANIZATIONS),
        locations=len(b.locations), accounts=len(b.accounts), terminals=len(b.terminals),
        systems=len(b.systems), screens=sum(len(s.screens) for s in b.systems),
        transitions=sum(len(s.transitions) for s in b.systems),
        fields=sum(len(s.fields) for s in b.systems), roles=len(roles), p_lines=len(b.rules),
        g_lines=len(b.role_links) + len(b.account_links), planted=dict(b.planted),
    )
