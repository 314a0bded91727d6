"""``accesssim generate``: build a synthetic model and write its three files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from accesssim.synth.people import build_accounts, build_people, build_places, build_terminals
from accesssim.synth.plant import number_terminals, plant
from accesssim.synth.policy import build_policy
from accesssim.synth.scaffold import shipped_conf_text
from accesssim.synth.spec import (
    CONF_FILE,
    MODEL_FILE,
    ORGANIZATIONS,
    POLICY_FILE,
    PRESETS,
    scaled,
)
from accesssim.synth.state import Builder
from accesssim.synth.systems import build_systems
from accesssim.synth.writer import render_model, render_policy


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
    scale: int = 1

    def _scale(self) -> str:
        return f", scale {self.scale}" if self.scale != 1 else ""

    def lines(self) -> list[str]:
        planted = ", ".join(f"{k} {v}" for k, v in sorted(self.planted.items()))
        return [
            f"wrote {self.out_dir / MODEL_FILE}, {self.out_dir / POLICY_FILE}, "
            f"{self.out_dir / CONF_FILE} (preset {self.preset}, seed {self.seed}{self._scale()})",
            f"  {self.organizations} organizations, {self.people} people entries "
            f"({self.headcount} people), {self.locations} locations, {self.accounts} accounts, "
            f"{self.terminals} terminals",
            f"  {self.systems} systems, {self.screens} screens, {self.transitions} transitions, "
            f"{self.fields} fields, {self.roles} roles, {self.p_lines} p and {self.g_lines} "
            "g lines",
            f"  planted defects: {planted}",
        ]


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


def generate(out_dir: Path, preset: str = "small", seed: int = 0, scale: int = 1
             ) -> GenerateSummary:
    """Write ``model.yaml``, ``policy.csv`` and ``accesssim.conf`` into ``out_dir``.

    ``scale`` multiplies the organisation (people, places, accounts, terminals); scale 1 writes
    exactly the files earlier versions wrote for the same preset and seed.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r} (known: {', '.join(sorted(PRESETS))})")
    b = Builder(scaled(PRESETS[preset], scale), seed, scale)
    for step in (build_systems, build_policy, build_places, build_people, build_accounts,
                 build_terminals, plant, number_terminals):
        step(b)
    model, policy = render_model(b), render_policy(b)
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
        g_lines=len(b.role_links) + len(b.account_links), planted=dict(b.planted), scale=scale,
    )
