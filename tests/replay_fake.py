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
        verdicts, attributions, links = [], [], []
        for key in sorted(set(keys)):
            self.asked.append(key)
            row = key.row()
            status, reason, people, found = self._decide(key)
            if key.previous and status not in ("bad", "unexplained") and not (
                    key.previous == key.screen or key.screen == "menu"
                    or (key.previous, key.screen) in STEPS):
                status, reason, people, found = "unexplained", (
                    f"no transition from {key.previous} to {key.screen} for account "
                    f"{key.account}"), [], []
            verdicts.append((*row, status, reason))
            attributions.extend((*row, p, *PEOPLE[p]) for p in people)
            links.extend((*row, p, f, t) for p in people for f, t in found)
        return KeyTables(tuple(verdicts), tuple(attributions), tuple(links))

    @staticmethod
    def _decide(key: Key) -> tuple[str, str | None, list[str], list[tuple[str, str]]]:
        mode = SLICES[key.slice][1]
        if key.account not in ACCOUNTS:
            return "bad", f"unknown account {key.account}", [], []
        if key.terminal not in TERMINALS:
            return "bad", f"unknown terminal {key.terminal}", [], []
        if key.system != "crm":
            return "bad", f"unknown system {key.system}", [], []
        if key.screen not in SCREENS:
            return "bad", f"unknown screen {key.screen} of system {key.system}", [], []
        if key.account == "a-shared" and key.screen == "detail":
            return "unexplained", "account a-shared cannot reach screen detail", [], []
        if key.account == "a-retail":
            return "confirmed", None, ["p-retail"], [("F-0002", "masking-defect"),
                                                     ("F-0002", "temporary-display")]
        if key.account == "a-grid" and key.terminal == "t-retail" and mode == "normal":
            return "suspected", None, ["p-retail", "p-vendor"], [("F-0001", "credential-misuse")]
        return "legitimate", None, [ACCOUNTS[key.account]], []


#: The transitions every account may take (menu is the one menu entry).
STEPS = {("menu", "list"), ("list", "detail"), ("detail", "list")}


HEADER = "timestamp,account,terminal,system,screen,customer,session"


def write_csv(path: Path, lines: list[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path
