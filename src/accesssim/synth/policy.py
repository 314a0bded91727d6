"""The Casbin policy: NW roles over their areas, retail roles over the retail zone, links."""

from __future__ import annotations

from collections import defaultdict

from accesssim.synth.spec import (
    D_BEFORE_UNBUNDLING,
    D_UNBUNDLING,
    DISASTER_ROLE,
    RETAIL_INHERITS,
    RETAIL_ROLES,
)
from accesssim.synth.state import (
    Builder,
    Rule,
    System,
)


def build_policy(b: Builder) -> None:
    rng = b.rng
    levels = ("staff", "senior", "manager")
    for index, sysm in enumerate(b.systems):
        spec = sysm.spec
        roles: list[str] = []
        nw_screens = [s for s in sysm.screens if s.zone == "nw"]
        shared = [s.id for s in sysm.screens if s.zone in ("retail", "public")]
        by_area: dict[str, list[str]] = defaultdict(list)
        for s in nw_screens:
            by_area[s.area].append(s.id)
        home_k, other_k, shared_k = b.p.rows_per_role
        policy_fields = {s.id: [d.field for d in s.shows if d.masking == "policy"]
                         for s in sysm.screens}
        for i in range(b.p.nw_roles[index]):
            code = spec.areas[i % len(spec.areas)][0]
            level = levels[(i // len(spec.areas)) % len(levels)]
            role = f"{spec.prefix}_{code}_{level}{i // (len(spec.areas) * 3) + 1}"
            roles.append(role)
            home = by_area.get(code) or [s.id for s in nw_screens]
            others = [s.id for s in nw_screens if s.area != code]
            k_home = home_k if level != "manager" else max(1, home_k // 3)
            opens = sorted(set(b.sample(home, k_home) + b.sample(others, other_k)
                               + b.sample(shared, shared_k)))
            unmask = sorted({f for s in opens for f in policy_fields[s]
                             if rng.random() < 0.78})
            for obj, act in [(o, "open") for o in opens] + [(f, "unmask") for f in unmask]:
                r = rng.random()
                vf, vu = ("*", "*")
                if r < 0.03:
                    vf = D_UNBUNDLING.isoformat()
                elif r < 0.05:
                    vu = D_BEFORE_UNBUNDLING.isoformat()
                b.rules.append(Rule(role, spec.id, obj, act, valid_from=vf,
                                        valid_until=vu))
            b.role_opens[role] = opens
        # Managers inherit two roles of their area.
        for role in roles:
            if "_manager" in role:
                code = role.split("_")[1]
                peers = [r for r in roles if r.split("_")[1] == code and "_manager" not in r]
                for parent in b.sample(peers, 2):
                    b.role_links.append((role, parent, spec.id))
        b.nw_roles[spec.id] = roles
        _retail_policy(b, sysm)


def _retail_policy(b: Builder, sysm: System) -> None:
    spec = sysm.spec
    zone_ids = {z: [s.id for s in sysm.screens if s.zone == z]
                for z in ("retail", "public", "disaster")}
    nw_only = [s.id for s in sysm.screens if s.zone == "nw"]
    concern = [f.id for f in sysm.fields if f.concerns]
    for role, share in RETAIL_ROLES[spec.id]:
        if role == DISASTER_ROLE:
            screens = [s for s in sysm.screens if s.zone == "disaster"]
            for s in screens:
                b.rules.append(Rule(role, spec.id, s.id, "open", mode="disaster"))
            contact = sorted({d.field for s in screens for d in s.shows
                              if d.masking == "policy"})
            for fid in contact:
                b.rules.append(Rule(role, spec.id, fid, "unmask", mode="disaster"))
            b.role_opens[role] = [s.id for s in screens]
            continue
        zone = zone_ids["public"] if spec.id == "outage" else zone_ids["retail"]
        opens = b.sample(zone, max(1, round(len(zone) * share))) if share else []
        menu = [s.id for s in sysm.screens if s.id in zone and s.menu]
        if opens and not any(o in menu for o in opens) and menu:
            opens = sorted({*opens, menu[0]})
        for obj in opens:
            b.rules.append(Rule(role, spec.id, obj, "open"))
        for fid in concern:
            b.rules.append(Rule(role, spec.id, fid, "unmask"))
        if role == "rt_inquiry":
            # Explicit denies on the NW-only screens retail staff asked for in the past.
            for obj in b.sample(nw_only, max(1, len(nw_only) // 50)):
                b.rules.append(Rule(role, spec.id, obj, "open", eft="deny"))
        b.role_opens[role] = opens
    for role, parents in RETAIL_INHERITS.items():
        if any(role == r for r, _ in RETAIL_ROLES[spec.id]):
            for parent in parents:
                b.role_links.append((role, parent, spec.id))
