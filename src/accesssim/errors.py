"""One exception root for everything accesssim refuses; only the CLI turns them into exit codes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class AccessSimError(Exception):
    """Root of all errors accesssim raises on purpose."""


@dataclass
class InputError(AccessSimError):
    """The model, policy or a file reference is wrong; carries every problem found."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.problems = sorted(set(self.problems))
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, file: str, line: int, message: str) -> InputError:
        return cls([Problem(file, line, message)])


class IncompleteAnalysisError(AccessSimError):
    """The analysis could not cover everything it was asked to; never report this as a pass."""
