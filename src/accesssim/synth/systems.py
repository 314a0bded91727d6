"""The three NW systems: fields, screens (what each shows, masked or not) and transitions."""

from __future__ import annotations

from collections import defaultdict

from accesssim.synth.spec import CONTACT_NAMES, RT, SCREEN_KINDS, SYSTEMS
from accesssim.synth.state import (
    Builder,
    Display,
    Field,
    Screen,
    System,
    Transition,
)


def build_systems(b: Builder) -> None:
    for index, spec in enumerate(SYSTEMS):
        sysm = System(spec)
        b.systems.append(sysm)
        _fields(b, sysm, b.p.fields[index])
        _screens(b, sysm, b.p.screens[index], b.p.retail_screens[index])
        _transitions(b, sysm, b.p.transitions[index])


def _fields(b: Builder, sysm: System, count: int) -> None:
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
            sysm.fields.append(Field(fid, name_of(spec.public_names[i % len(
                spec.public_names)]), public=True))
        elif i < n_public + n_concern:
            sysm.fields.append(Field(fid, name_of("自社契約 申込状況"), concerns=(RT,)))
        else:
            base = spec.field_names[(i - n_public - n_concern) % len(spec.field_names)]
            sysm.fields.append(Field(fid, name_of(base),
                                      contact=spec.id == "outage" and base in CONTACT_NAMES))


def _screens(b: Builder, sysm: System, count: int, n_retail: int) -> None:
    spec, rng = sysm.spec, b.rng
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
    lo, hi = b.p.shows
    for i, zone in enumerate(zones):
        sid = f"{spec.prefix}_s{i + 1:04d}"
        if zone == "nw":
            code, area = spec.areas[rng.randrange(len(spec.areas))]
        else:
            code, area = zone, {"retail": "小売向け照会", "public": "公開情報",
                                "disaster": "災害時連携"}[zone]
        screen = Screen(sid, f"{area} {rng.choice(SCREEN_KINDS)} {i + 1}", code, zone,
                         menu=rng.random() < (0.35 if zone == "nw" else 0.5))
        n = rng.randint(lo, hi)
        if zone == "nw":
            for f in rng.sample(sysm.fields, min(n, len(sysm.fields))):
                r = rng.random()
                masking = ("clear" if f.public or r < 0.7
                           else "policy" if r < 0.95 else "masked")
                screen.shows.append(Display(f.id, masking))
        elif zone == "retail":
            pool = secret + public + concern
            for f in rng.sample(pool, min(n, len(pool))):
                if f.public or f.concerns:
                    masking = "clear"
                else:
                    masking = "masked" if rng.random() < 0.55 else "policy"
                screen.shows.append(Display(f.id, masking))
        elif zone == "public":
            for f in rng.sample(public, min(2, len(public))):
                screen.shows.append(Display(f.id, "clear"))
            for f in rng.sample(secret, 1):
                screen.shows.append(Display(f.id, "masked"))
        else:  # disaster: contact data masked unless the (disaster-mode) policy unmasks
            for f in rng.sample(contact, min(2, len(contact))):
                screen.shows.append(Display(f.id, "policy"))
            others = [f for f in secret if not f.contact]
            for f in rng.sample(others, min(2, len(others))):
                screen.shows.append(Display(f.id, "masked"))
        screen.shows.sort(key=lambda d: d.field)
        sysm.screens.append(screen)
    # Every zone needs an entry point.
    for zone in sorted({s.zone for s in sysm.screens}):
        members = [s for s in sysm.screens if s.zone == zone]
        if not any(s.menu for s in members):
            members[0].menu = True


def _transitions(b: Builder, sysm: System, count: int) -> None:
    rng = b.rng
    screens = sysm.screens
    by_area: dict[str, list[Screen]] = defaultdict(list)
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
        sysm.transitions.append(Transition(src.id, dst.id, checked))
