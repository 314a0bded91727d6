"""The planted defects, a handful of each kind, that ``analyze`` must find."""

from __future__ import annotations

from collections import defaultdict

from accesssim.synth.spec import (
    D_BEFORE_CHANGE,
    D_BEFORE_UNBUNDLING,
    D_CHANGE,
    D_TEMP_FROM,
    D_TEMP_UNTIL,
    D_UNBUNDLING,
    DISASTER_ROLE,
    NW,
    ORGANIZATIONS,
    RT,
)
from accesssim.synth.state import (
    Account,
    Builder,
    Display,
    Field,
    Person,
    Rule,
    Terminal,
    Transition,
)


def plant(b: Builder) -> None:
    n = b.p.plants
    tk = b.system("takuso")
    rt_opens = set(b.role_opens["rt_inquiry"])
    retail_entry = [s for s in tk.screens if s.id in rt_opens and s.menu]
    secret = [f for f in tk.fields if not f.public and not f.concerns]

    # Unchecked transitions from retail-openable screens into NW-only screens.
    nw_targets = [s for s in tk.screens if s.zone == "nw"
                  and any(d.masking == "clear" and not b.field_of(d.field).public
                          for d in s.shows)]
    existing = {(t.source, t.target) for t in tk.transitions}
    # Fields those targets show stay out of the other plants, so that each defect is the
    # best (fewest-defect) way to its fields and shows up as a finding of its own.
    reserved: set[str] = set()
    for src in b.pick(retail_entry, n):
        for dst in b.shuffled(nw_targets):
            if (src.id, dst.id) not in existing:
                tk.transitions.append(Transition(
                    src.id, dst.id, checked=False,
                    note="planted: this link does not check access to the target"))
                existing.add((src.id, dst.id))
                reserved |= {d.field for d in dst.shows if d.masking == "clear"}
                b.planted["unchecked-transition"] += 1
                break


    # Masking defects: non-public fields in clear on screens retail staff open.
    for screen in b.pick(retail_entry, n):
        shown = {d.field for d in screen.shows}
        f = next(f for f in b.preferred(secret, reserved) if f.id not in shown)
        screen.shows.append(Display(f.id, "clear",
                                     note="planted: masking missing for this column"))
        screen.shows.sort(key=lambda d: d.field)
        b.planted["masking-defect (display)"] += 1
    screen = b.pick(retail_entry, 1)[0]
    shown = {d.field for d in screen.shows}
    f = next(f for f in b.preferred(secret, reserved) if f.id not in shown)
    screen.shows += [
        Display(f.id, "masked", valid=(None, D_BEFORE_CHANGE)),
        Display(f.id, "clear", valid=(D_CHANGE, None),
                 note="planted: masking lost in the 2016-04 system change"),
    ]
    b.planted["masking-defect (2016 change)"] += 1
    # A field shown temporarily, and new demand points whose encoding was missed.
    screen = b.pick(retail_entry, 1)[0]
    shown = {d.field for d in screen.shows}
    f = next(f for f in b.preferred(secret, reserved) if f.id not in shown)
    screen.shows.append(Display(f.id, "clear", purpose="temporary-display",
                                 valid=(D_TEMP_FROM, D_TEMP_UNTIL),
                                 note="planted: FIT contract names shown for a period"))
    b.planted["temporary-display"] += 1
    new_point = Field(f"tk_f{len(tk.fields) + 1:03d}", "新設需要場所 契約名義")
    tk.fields.append(new_point)
    screen = b.pick(retail_entry, 1)[0]
    screen.shows.append(Display(new_point.id, "clear", purpose="encoding-omission",
                                 valid=(D_UNBUNDLING, D_TEMP_UNTIL),
                                 note="planted: encoding of new demand points missed"))
    b.planted["encoding-omission"] += 1
    for s in tk.screens:
        s.shows.sort(key=lambda d: (d.field, str(d.valid)))

    # A retail role that may unmask non-public fields (granted to every retail role once).
    cc_screens = [s for s in tk.screens if s.id in set(b.role_opens["rt_callcenter"])]
    candidates = sorted({d.field for s in cc_screens for d in s.shows
                         if d.masking == "policy" and d.field in {f.id for f in secret}})
    if not candidates:
        s = cc_screens[0]
        f = next(f for f in secret if f.id not in {d.field for d in s.shows})
        s.shows.append(Display(f.id, "policy"))
        s.shows.sort(key=lambda d: (d.field, str(d.valid)))
        candidates = [f.id]
    free = [c for c in candidates if c not in reserved] or candidates
    for fid in b.sample(free, 2):
        b.rules.append(Rule("rt_callcenter", "takuso", fid, "unmask",
                                comment="planted: unmask right granted to a retail role"))
        b.planted["masking-defect (unmask rule)"] += 1

    # Emergency rights in normal time: some disaster-role rules lack the mode gate.
    ot = b.system("outage")
    disaster = [s for s in ot.screens if s.zone == "disaster"]
    menu_disaster = [s for s in disaster if s.menu] or disaster
    gated = b.pick(menu_disaster, max(1, n // 2))
    ungated = {s.id for s in gated} | {d.field for s in gated for d in s.shows
                                      if d.masking == "policy"}
    for rule in b.rules:
        if rule.sub == DISASTER_ROLE and rule.obj in ungated:
            rule.mode = "*"
            rule.comment = "planted: disaster-only right without the mode gate"
            b.planted["emergency-rights"] += 1

    _plant_terminals(b, n)
    _plant_credentials(b, max(1, n - 1))


def _nw_account(b: Builder, system: str) -> str:
    """A live NW staff account on ``system`` (for sessions left logged in)."""
    nw_people = {q.id for q in b.people if q.org == NW}
    rich = _rich_roles(b, system)
    roles_of: dict[str, set[str]] = defaultdict(set)
    for acc_id, role, dom in b.account_links:
        if dom == system:
            roles_of[acc_id].add(role)
    live = [a for a in b.accounts if a.holder in nw_people and a.valid_until is None
            and system in a.systems and not a.known_by and roles_of[a.id] & rich]
    if live:
        return live[b.rng.randrange(len(live))].id
    holder = sorted(nw_people)[b.rng.randrange(len(nw_people))]
    acc = Account(f"nw_a{len(b.accounts) + 1:05d}x", holder, [system])
    b.accounts.append(acc)
    roles = sorted(rich) or b.nw_roles[system]
    b.account_links.append((acc.id, roles[b.rng.randrange(len(roles))], system))
    return acc.id


def _rich_roles(b: Builder, system: str) -> set[str]:
    """NW roles of ``system`` that open a menu screen showing non-public data in clear."""
    menu = {s.id: any(d.masking == "clear" and not b.field_of(d.field).public
                      for d in s.shows)
            for s in b.system(system).screens if s.menu}
    return {r for r in b.nw_roles[system] if any(menu.get(o) for o in b.role_opens[r])}


def _plant_terminals(b: Builder, n: int) -> None:
    rng = b.rng
    rt_offices = [loc for loc in b.places_of(RT) if loc.kind in ("office", "hq-floor")
                  and b.posted[loc.id]]
    disaster_sites = sorted({lid for g in b.disaster_groups for lid in g.locations})
    shared = [loc for loc in b.locations if loc.kind == "shared"]
    # Placement: NW terminals in retail offices (some left logged in), one in a shared building.
    for i, loc in enumerate(b.pick(rt_offices, n)):
        term = Terminal("", loc.id, NW, ["meter", "takuso"], open=True,
                         note="planted: NW terminal placed where retail staff can use it")
        if i % 2 == 0:
            term.logged_in = [_nw_account(b, "takuso")]
        b.terminals.append(term)
        b.planted["terminal-placement"] += 1
    if shared:
        b.terminals.append(Terminal(
            "", shared[rng.randrange(len(shared))].id, NW, ["meter"], open=True,
            note="planted: NW terminal on a floor shared with retail"))
        b.planted["terminal-placement"] += 1
    # Misdistribution: NW terminals handed to retail groups.
    groups = [q for q in b.people if q.org == RT and q not in b.disaster_groups]
    for i, q in enumerate(b.pick(groups, max(1, n - 1))):
        term = Terminal("", q.locations[0], NW, ["takuso"], assigned_to=[q.id],
                         note="planted: NW terminal handed to retail staff")
        if i % 2 == 0:
            term.logged_in = [_nw_account(b, "takuso")]
        else:
            term.systems = ["meter", "takuso"]
        b.terminals.append(term)
        b.planted["terminal-misdistribution"] += 1
    # Disaster lending never returned; a workaround from an outage never removed.
    for i, lid in enumerate(b.pick(disaster_sites, max(1, n - 2))):
        term = Terminal("", lid, NW, ["outage", "takuso"], open=True,
                         purpose="disaster-lending",
                         note="planted: lent for typhoon response, never returned")
        if i % 2 == 0:
            term.logged_in = [_nw_account(b, "outage")]
        b.terminals.append(term)
        b.planted["disaster-lending"] += 1
    for loc in b.pick(rt_offices, max(1, n - 3)):
        b.terminals.append(Terminal(
            "", loc.id, NW, ["takuso"], open=True, purpose="outage-workaround",
            valid_from=D_CHANGE, logged_in=[_nw_account(b, "takuso")],
            note="planted: set up during the 2016 outage, never removed"))
        b.planted["outage-workaround"] += 1


def _plant_credentials(b: Builder, n: int) -> None:
    rt_offices = [loc for loc in b.places_of(RT) if loc.kind == "office"]
    names = dict((o[0], o[1]) for o in ORGANIZATIONS)
    # The holders worked where much is visible: roles whose menu screens show most in clear.
    tk = b.system("takuso")
    visible = {s.id: sum(1 for d in s.shows if d.masking == "clear"
                         and not b.field_of(d.field).public)
               for s in tk.screens if s.menu}
    roles = sorted(b.nw_roles["takuso"],
                   key=lambda r: (-sum(visible.get(o, 0) for o in b.role_opens[r]), r))[:3]
    for i in range(n):
        k = i + 1
        holder = Person(f"nw_i{k:03d}", f"{names[NW]} 社員 {k}", NW, 1,
                         [b.places_of(NW)[-1 - i % 3].id])
        loc = rt_offices[b.rng.randrange(len(rt_offices))]
        transferee = Person(f"rt_i{k:03d}", f"{names[RT]} 社員 {k} (元 NW)", RT, 1,
                             [loc.id], former=(NW, D_BEFORE_UNBUNDLING))
        b.people += [holder, transferee]
        acc = Account(f"nw_i{k:03d}_acc", holder.id, ["takuso"], known_by=[transferee.id],
                       note="planted: ID/password learned before the 2020-04 transfer, "
                            "never changed")
        b.accounts.append(acc)
        b.account_links.append((acc.id, roles[i % len(roles)], "takuso"))
        b.planted["credential-misuse"] += 1


# finish
def number_terminals(b: Builder) -> None:
    counts: dict[str, int] = defaultdict(int)
    for term in b.terminals:
        counts[term.owner] += 1
        term.id = f"{term.owner}_t{counts[term.owner]:05d}"
