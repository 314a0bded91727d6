"""What a replay returns: counts, findings used or latent, the regulator's summaries, the
events the model cannot explain and the rows that could not be read. Both engines (DuckDB and
Spark) must return equal results; every tuple is sorted so that equality is meaningful."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: The classes of an event, most serious first. ``bad``: a row that cannot be replayed (it
#: cannot be read, or names an account, terminal, system or screen the model lacks).
STATUSES = ("confirmed", "suspected", "legitimate", "unexplained", "bad")
#: The classes that are boundary violations (written to the evidence file, exit code 1).
VIOLATIONS = ("confirmed", "suspected")
#: The dimensions of the summaries, in the order they are printed.
DIMENSIONS = ("org", "failure_type", "account", "month")


def printable(text: str) -> str:
    """A reason as one line of a report: a log value's line break or other control
    character written as an escape (``\\n``), so it cannot start a line of its own."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


@dataclass(frozen=True, order=True)
class Group:
    """One summary row: the violations of one status in one group (an organisation, a failure
    type, an account or a month ``YYYY-MM``), counted the way the regulator counts them."""

    dimension: str  # one of DIMENSIONS
    key: str
    status: str  # confirmed | suspected
    people: int  # head count of the distinct person groups the events are attributed to
    accounts: int  # distinct accounts
    views: int  # events
    customers: int  # distinct customer ids (events without one are not counted)
    first: dt.date
    last: dt.date


@dataclass(frozen=True, order=True)
class FindingUse:
    """One finding of ``analyze``: used when some recorded violation is linked to it."""

    id: str
    failure_types: tuple[str, ...]
    confirmed: int  # events linked to it, by status
    suspected: int
    first: dt.date | None
    last: dt.date | None

    @property
    def used(self) -> bool:
        return self.confirmed + self.suspected > 0


@dataclass(frozen=True, order=True)
class Row:
    """Where a row is: the log's path as given on the command line, and its line (CSV and
    JSON Lines: the physical line, the header being line 1; Parquet: the record, from 1)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, order=True)
class Problem:
    """Rows of one kind that could not be replayed or explained: how many, and where the first
    ones are (at most ``EXAMPLES``, in file and line order)."""

    reason: str
    count: int
    rows: tuple[Row, ...]


#: Rows listed per problem; the count is always complete.
EXAMPLES = 20


@dataclass(frozen=True)
class ReplayResult:
    """Everything one replay found (independent of the engine that ran it)."""

    model_name: str
    model_file: str
    logs: tuple[str, ...]
    counts: tuple[tuple[str, int], ...]  # (status, events) for every status in STATUSES order
    findings: tuple[FindingUse, ...]  # every finding of analyze, by id
    groups: tuple[Group, ...]  # sorted: dimension order of DIMENSIONS, then key, then status
    unexplained: tuple[Problem, ...]  # by reason
    bad: tuple[Problem, ...]  # by reason

    def count(self, status: str) -> int:
        return dict(self.counts)[status]

    @property
    def violations(self) -> int:
        return sum(self.count(s) for s in VIOLATIONS)
