"""A stand-in for replay/attribute.py's Replayer with hand-written verdicts, so the SQL half of
a replay (sql.py, run.py) is tested against tables whose every row is known."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace

from accesssim.replay.attribute import Key, KeyTables

#: (slice, mode, first, last): one normal and one disaster slice per half of 2024.
SLICES = [(0, "normal", None, dt.date(2024, 6, 30)), (1, "disaster", None, dt.date(2024, 6, 30)),
          (2, "normal", dt.date(2024, 7, 1), None), (3, "disaster", dt.date(2024, 7, 1), None)]
#: Person -> (org, headcount).
PEOPLE = {"p-grid": ("grid", 1), "p-retail": ("retail", 3), "p-vendor": ("vendor", 2)}
#: Account -> holder.
ACCOUNTS = {"a-grid": "p-grid", "a-retail": "p-retail", "a-shared": "p-grid"}
TERMINALS = {"t-grid", "t-retail", "t-dc"}
SCREENS = {"menu", "list", "detail"}


class FakeReplayer:
    """Verdicts by rule: a-retail is confirmed (its holder is outside); a-grid on t-retail is
    suspected (p-retail may use it there) except in disaster mode, where lending is declared
    and legitimate; a-shared cannot reach detail; everything else is legitimate."""

    def __init__(self) -> None:
        finding = SimpleNamespace(id="F-0001", failure_types=(
            SimpleNamespace(value="credential-misuse"),))
        finding2 = SimpleNamespace(id="F-0002", failure_types=(
            SimpleNamespace(value="masking-defect"), SimpleNamespace(value="temporary-display")))
        latent = SimpleNamespace(id="F-0003", failure_types=(
            SimpleNamespace(value="encoding-omission"),))
        self.report = SimpleNamespace(model_name="fake", model_file="fake.yaml",
                                      findings=(finding, finding2, latent))
        self.asked: list[Key] = []

    def slice_rows(self) -> list[tuple[int, str, dt.date | None, dt.date | None]]:
        return list(SLICES)

    def key_tables(self, keys: Iterable[Key]) -> KeyTables:
        verdicts, attributions, links, entries, steps = [], [], [], [], []
        navigation = set()
        for key in sorted(set(keys)):
            self.asked.append(key)
            row = (key.slice, key.account, key.terminal, key.system, key.screen)
            mode = SLICES[key.slice][1]
            status, reason, people, found = "legitimate", None, [], []
            if key.account not in ACCOUNTS:
                status, reason = "bad", f"unknown account {key.account}"
            elif key.terminal not in TERMINALS:
                status, reason = "bad", f"unknown terminal {key.terminal}"
            elif key.system != "crm":
                status, reason = "bad", f"unknown system {key.system}"
            elif key.screen not in SCREENS:
                status, reason = "bad", f"unknown screen {key.screen} of system {key.system}"
            elif key.account == "a-shared" and key.screen == "detail":
                status, reason = "unexplained", "account a-shared cannot reach screen detail"
            elif key.account == "a-retail":
                status, people = "confirmed", ["p-retail"]
                found = [("F-0002", "masking-defect"), ("F-0002", "temporary-display")]
            elif key.account == "a-grid" and key.terminal == "t-retail" and mode == "normal":
                status, people = "suspected", ["p-retail", "p-vendor"]
                found = [("F-0001", "credential-misuse")]
            else:
                people = [ACCOUNTS[key.account]]
            verdicts.append((*row, status, reason))
            attributions.extend((*row, p, *PEOPLE[p]) for p in people)
            links.extend((*row, f, t) for f, t in found)
            if status != "bad":
                navigation.add((key.slice, key.account, key.system))
        for slice_index, account, system in sorted(navigation):
            entries.append((slice_index, account, system, "menu"))
            steps.extend([(slice_index, account, system, "menu", "list"),
                          (slice_index, account, system, "list", "detail"),
                          (slice_index, account, system, "detail", "list")])
        return KeyTables(tuple(verdicts), tuple(attributions), tuple(links), tuple(entries),
                         tuple(steps))


HEADER = "timestamp,account,terminal,system,screen,customer,session"


def write_csv(path: Path, lines: list[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path
