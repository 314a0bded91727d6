"""The organisation: places, people entries (groups), accounts and terminals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from accesssim.synth.spec import (
    D_BEFORE_UNBUNDLING,
    DISASTER_ROLE,
    NEWCO,
    NW,
    NW_CONTRACTORS,
    NW_DEPTS,
    NWC_DEPTS,
    ORGANIZATIONS,
    RT,
    RT_CONTRACTORS,
    RT_DEPTS,
    RTC_DEPTS,
)
from accesssim.synth.state import (
    Account,
    Builder,
    Location,
    Person,
    Terminal,
)
from accesssim.synth.writer import quote


# organizations, places, people
def build_places(b: Builder) -> None:
    p, rng = b.p, b.rng

    def add(prefix: str, count: int, owner: str, label: str, open_to: tuple[str, ...],
            kind: str) -> None:
        start = sum(1 for loc in b.locations if loc.id.startswith(prefix + "_l"))
        for i in range(count):
            lid = f"{prefix}_l{start + i + 1:03d}"
            b.locations.append(Location(lid, f"{label} {start + i + 1}", owner, open_to,
                                            kind))

    # Head offices are modelled floor by floor; only the common floors are open to all staff
    # (one per ``scale``: a larger company has more of them, each open to everyone).
    hq_floors = max(1, p.nw_offices // 30)
    add("nw", b.scale, NW, "本店 共用フロア", (NW,), "common")
    add("nw", hq_floors, NW, "本店 執務フロア", (), "hq-floor")
    add("nw", p.nw_offices - hq_floors - b.scale, NW, "支社・営業所", (), "office")
    for i in range(max(p.nw_contractor_sites, len(NW_CONTRACTORS) * b.scale)):
        owner = NW_CONTRACTORS[i % len(NW_CONTRACTORS)]
        add(owner, 1, owner, f"{owner} 作業拠点", (owner,), "site")
    rt_floors = max(1, p.retail_offices // 30)
    add("rt", b.scale, RT, "本社 共用フロア", (RT,), "common")
    add("rt", rt_floors, RT, "本社 執務フロア", (), "hq-floor")
    add("rt", p.retail_offices - rt_floors - b.scale, RT, "支店・営業所", (), "office")
    for i in range(max(p.retail_contractor_sites, len(RT_CONTRACTORS) * b.scale)):
        owner = RT_CONTRACTORS[i % len(RT_CONTRACTORS)]
        add(owner, 1, owner, f"{owner} コールセンター", (owner,), "site")
    add(NEWCO, p.newco_offices, NEWCO, "みらい新電力 事業所", (NEWCO,), "office")
    # Buildings NW and retail share since before unbundling: the common floor is open to both.
    add("shared", p.shared_sites, NW, "共用ビル 共用部", (NW, RT), "shared")
    rng.shuffle(b.locations)
    b.locations.sort(key=lambda loc: loc.id)


def build_people(b: Builder) -> None:
    p, rng = b.p, b.rng
    specs = [
        (NW, p.nw_groups, NW_DEPTS, (NW,)),
        (None, p.nw_contractor_groups, NWC_DEPTS, NW_CONTRACTORS),
        (RT, p.retail_groups, RT_DEPTS, (RT,)),
        (None, p.retail_contractor_groups, RTC_DEPTS, RT_CONTRACTORS),
        (NEWCO, p.newco_groups, ("営業",), (NEWCO,)),
    ]
    names = dict((o[0], o[1]) for o in ORGANIZATIONS)
    postable = {org: [loc for loc in b.places_of(org) if loc.kind != "common"] for org in names}
    numbered: dict[str, int] = defaultdict(int)
    for _, count, depts, orgs in specs:
        for i in range(count):
            org = orgs[i % len(orgs)]
            places = postable[org]
            home = places[rng.randrange(len(places))]
            locs = [home.id]
            if len(places) > 1 and rng.random() < 0.15:
                other = places[rng.randrange(len(places))]
                if other.id != home.id:
                    locs.append(other.id)
            dept = depts[rng.randrange(len(depts))]
            numbered[org] += 1
            n = numbered[org]
            person = Person(f"{org}_g{n:04d}", f"{names[org]} {dept} {n}", org,
                             b.headcount(), sorted(locs), dept=dept)
            b.people.append(person)
            for lid in person.locations:
                b.posted[lid].append(person)
    # Retail disaster responders: a few groups, posted at offices with an outage terminal.
    retail = [q for q in b.people if q.org == RT]
    for q in b.sample([q.id for q in retail], max(1, len(retail) // 35)):
        person = next(r for r in retail if r.id == q)
        person.name = f"{names[RT]} 災害対応班 {person.id.split('_g')[1].lstrip('0')}"
        person.dept = "災害対応"
        b.disaster_groups.append(person)
    b.trust.append(
        "{people: [" + ", ".join(g.id for g in b.disaster_groups) + "], systems: [outage], "
        "fields: [" + ", ".join(f.id for f in b.system("outage").fields if f.contact)
        + "], modes: [disaster], purpose: disaster, note: "
        + quote("in disaster mode, retail responders may see customers' contact data") + "}")


# accounts
def build_accounts(b: Builder) -> None:
    p, rng = b.p, b.rng
    systems = [s.spec.id for s in b.systems]
    primary = {"計量": "meter", "検針": "meter", "配電保守": "outage", "系統運用": "outage",
               "工事班": "outage", "保守要員": "outage", "検針員": "meter"}
    nw_side = [q for q in b.people if q.org == NW or q.org in NW_CONTRACTORS]
    pools: dict[tuple[str, str], list[str]] = {}
    for q in nw_side:
        for sid in systems:
            pools[(q.id, sid)] = b.sample(b.nw_roles[sid], 3)
    holders = rng.choices(nw_side, weights=[q.headcount for q in nw_side], k=p.nw_accounts)
    for n, q in enumerate(holders, start=1):
        main = primary.get(q.dept, "takuso")
        first = main if rng.random() < 0.8 else systems[rng.randrange(3)]
        systems_of = [first]
        if rng.random() < 0.08:
            second = systems[rng.randrange(3)]
            if second != first:
                systems_of.append(second)
        acc = Account(f"nw_a{n:05d}", q.id, sorted(systems_of))
        if rng.random() < 0.04:
            acc.valid_until = D_BEFORE_UNBUNDLING
        b.accounts.append(acc)
        for sid in acc.systems:
            pool = pools[(q.id, sid)]
            roles = [pool[rng.randrange(len(pool))]]
            if rng.random() < 0.12:
                roles.append(pool[rng.randrange(len(pool))])
            for role in sorted(set(roles)):
                b.account_links.append((acc.id, role, sid))
    # Retail side: staff use the shared wheeling system; contractors its call-centre role.
    rt_side = [q for q in b.people if q.org == RT or q.org in RT_CONTRACTORS]
    weights = [("rt_inquiry", 40), ("rt_sales", 20), ("rt_backoffice", 15),
               ("rt_contract", 10), ("rt_inquiry_senior", 10), ("rt_manager", 5)]
    holders = rng.choices(rt_side, weights=[q.headcount for q in rt_side],
                          k=p.retail_accounts - 2 * len(b.disaster_groups))
    links: list[tuple[Account, list[tuple[str, str]]]] = []
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
        links.append((Account("", q.id, sorted({s for _, s in wanted})), wanted))
    for q in b.disaster_groups:
        links.append((Account("", q.id, ["outage"]), [(DISASTER_ROLE, "outage")]))
        links.append((Account("", q.id, ["outage", "takuso"]),
                      [("rt_disaster_lead", "outage"), ("rt_inquiry", "takuso")]))
    for n, (acc, wanted) in enumerate(links, start=1):
        acc.id = f"rt_a{n:05d}"
        b.accounts.append(acc)
        for role, sid in wanted:
            b.account_links.append((acc.id, role, sid))


# terminals
def build_terminals(b: Builder) -> None:
    p, rng = b.p, b.rng
    nw_sets = ((["takuso"], 40), (["meter"], 20), (["outage"], 10),
               (["meter", "takuso"], 15), (["outage", "takuso"], 10),
               (["meter", "outage", "takuso"], 5))
    nw_accounts: dict[str, list[str]] = defaultdict(list)
    for acc in b.accounts:
        nw_accounts[acc.holder].append(acc.id)

    def place(owner: str, count: int, kinds: tuple[str, ...],
              systems_for: Callable[[Location], list[str]], open_share: float) -> None:
        sites = [loc for loc in b.places_of(owner) if loc.kind in kinds]
        weights = [1 + sum(q.headcount for q in b.posted[loc.id]) for loc in sites]
        for loc in rng.choices(sites, weights=weights, k=count):
            term = Terminal("", loc.id, owner, systems_for(loc))
            posted = b.posted[loc.id]
            if posted and rng.random() >= open_share:
                term.assigned_to = [posted[rng.randrange(len(posted))].id]
            else:
                term.open = True
            if owner == NW and term.assigned_to and rng.random() < 0.02:
                own = nw_accounts[term.assigned_to[0]]
                if own:
                    term.accounts = b.sample(own, 2)
            b.terminals.append(term)

    def nw_systems(_: Location) -> list[str]:
        return list(rng.choices([s for s, _ in nw_sets], weights=[w for _, w in nw_sets])[0])

    place(NW, p.nw_terminals, ("office", "hq-floor", "common"), nw_systems, 0.4)
    per = p.nw_contractor_terminals // len(NW_CONTRACTORS)
    for org in NW_CONTRACTORS:
        place(org, per, ("site",), nw_systems, 0.5)
    disaster_sites = {lid for g in b.disaster_groups for lid in g.locations}

    def retail_systems(loc: Location) -> list[str]:
        return ["outage", "takuso"] if rng.random() < 0.1 else ["takuso"]

    place(RT, p.retail_terminals, ("office", "hq-floor", "common"), retail_systems, 0.5)
    per = p.retail_contractor_terminals // len(RT_CONTRACTORS)
    for org in RT_CONTRACTORS:
        place(org, per, ("site",), lambda _: ["takuso"], 0.7)
    # Every retail office has an open terminal on the shared wheeling system, and disaster
    # desks also reach the outage system.
    at: dict[str, list[Terminal]] = defaultdict(list)
    for term in b.terminals:
        at[term.location].append(term)
    for loc in b.places_of(RT):
        here = at[loc.id]
        if loc.kind == "office" and not any(t.open for t in here):
            b.terminals.append(Terminal("", loc.id, RT, ["takuso"], open=True))
        if loc.id in disaster_sites and not any(t.open and "outage" in t.systems
                                                for t in here):
            b.terminals.append(Terminal("", loc.id, RT, ["outage", "takuso"], open=True))
