"""Progress on stderr for long runs, shown only when a person is watching (a terminal):
one line naming the phase, with the search's percentage when it is known."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Phases:
    """The phases of one run; ``steps``: number them ``[n/steps]`` (analyze's three)."""

    def __init__(self, bar: Any, first: str, steps: int | None = None) -> None:
        self.bar = bar
        self.steps = steps
        self.number = 1
        self.task = bar.add_task(self._label(first), total=None) if bar else None

    def _label(self, text: str) -> str:
        return f"[{self.number}/{self.steps}] {text}" if self.steps else text

    def phase(self, text: str) -> None:
        self.number += 1
        if self.bar is not None:
            self.bar.update(self.task, description=self._label(text), completed=0, total=None)

    def update(self, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total)


@contextmanager
def phases(enabled: bool, first: str, steps: int | None = None) -> Iterator[Phases]:
    """A ``Phases`` drawing a transient bar on stderr, or drawing nothing (not enabled, or
    stderr is no terminal: a pipeline's log gets no control characters)."""
    if not enabled or not sys.stderr.isatty():
        yield Phases(None, first, steps)
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as bar:
        yield Phases(bar, first, steps)
