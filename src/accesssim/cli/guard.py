"""What every command shares: library errors, interrupts and the time limit become exit codes.

Exit codes: 0 pass, 1 findings, 2 bad input or incomplete analysis, 130 interrupted (Ctrl-C).
An interrupted or timed-out run never exits 0 or 1: its answer would be incomplete.
"""

from __future__ import annotations

import functools
import math
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from types import FrameType
from typing import Any, TypeVar

import click

from accesssim.errors import AccessSimError, InputError
from accesssim.i18n import ENGLISH, Translator, default_lang, msg, translator

F = TypeVar("F", bound=Callable[..., Any])


class Exit(IntEnum):
    CLEAN = 0
    FINDINGS = 1
    ERROR = 2
    INTERRUPTED = 130  # 128 + SIGINT, what shells expect


class TimeLimitReached(BaseException):
    """Raised by the alarm; a BaseException so no ``except Exception`` in a library hides it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


#: When a raise from the alarm is swallowed (it can land in a finaliser or a garbage-collector
#: callback, whose exceptions Python only prints), the alarm fires again this much later.
RETRY_SECONDS = 0.05


class _Alarm:
    """The SIGALRM handler of one time limit; remembers that it fired."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.reached = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.reached = True
        signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)  # again, if this raise is lost
        raise TimeLimitReached(self.seconds)


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise TimeLimitReached in this (main) thread when ``seconds`` of wall time pass.

    The alarm repeats until the raise gets through, and ``analysis_done`` refuses to go on
    once it fired: a run past its limit never looks complete.
    """
    if not seconds:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _Alarm(seconds))
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Interrupt:
    """The SIGINT handler of one command; remembers that Ctrl-C came."""

    def __init__(self) -> None:
        self.received = False
        self.done = False  # ``analysis_done`` passed: what follows is writing a complete result

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received = True
        raise KeyboardInterrupt


@contextmanager
def interrupts() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt as usual, and ``analysis_done`` remembers it: a raise
    that lands in a finaliser or a garbage-collector callback is only printed by Python, and
    the run would go on to write its output as if nothing had happened. Such lost raises (of
    Ctrl-C or of the time limit) are not printed either: the exit message says what happened."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread (e.g. a test runner's worker)
        return
    previous = signal.signal(signal.SIGINT, _Interrupt())
    previous_hook = sys.unraisablehook

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        # Remembered by the handlers, reported by ``handles_errors``: no stray traceback.
        if unraisable.exc_type not in (KeyboardInterrupt, TimeLimitReached):
            previous_hook(unraisable)

    sys.unraisablehook = hook
    try:
        yield
        handler = signal.getsignal(signal.SIGINT)
        if isinstance(handler, _Interrupt) and handler.received and not handler.done:
            raise KeyboardInterrupt  # lost on the way, in a command with nothing to write
    finally:
        sys.unraisablehook = previous_hook
        signal.signal(signal.SIGINT, previous)


def analysis_done() -> None:
    """The analysis is complete: the writes that follow must not be cut off halfway.

    Raises TimeLimitReached if the limit was reached before, and KeyboardInterrupt if Ctrl-C
    came before (either raise lost on the way).
    """
    signal.setitimer(signal.ITIMER_REAL, 0)
    handler = signal.getsignal(signal.SIGALRM)
    if isinstance(handler, _Alarm) and handler.reached:
        raise TimeLimitReached(handler.seconds)
    if isinstance(interrupt := signal.getsignal(signal.SIGINT), _Interrupt):
        if interrupt.received:
            raise KeyboardInterrupt
        interrupt.done = True


#: The longest limit (a year): the system timer cannot hold inf, NaN or 1e308 seconds.
MAX_TIMEOUT = 365 * 24 * 3600.0


def finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """A float option's callback: FloatRange lets NaN through (every comparison is False)."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number", ctx, param)
    return value


TIMEOUT_OPT = click.option(
    "--timeout", type=click.FloatRange(min=0, min_open=True, max=MAX_TIMEOUT), default=None,
    metavar="SECONDS", callback=finite,
    help="Stop with exit 2 (nothing written) when the run takes longer than this.")


def _fail(message: str, code: Exit = Exit.ERROR) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def _errors_tr(kwargs: dict[str, Any]) -> Translator:
    """The language of a command's error lines: its ``--lang`` (or the locale) when it has the
    option, else English. What is wrong (the problem itself) stays in English."""
    if "lang" not in kwargs:
        return ENGLISH
    return translator(kwargs["lang"] or default_lang())


def handles_errors(fn: F) -> F:
    """The one place that turns errors, Ctrl-C and the time limit into a message and exit code.

    Adds ``--timeout`` to the command it wraps.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        try:
            with interrupts(), time_limit(timeout):
                return fn(*args, **kwargs)
        except (click.UsageError, click.exceptions.Exit):
            raise  # a usage mistake found in the body: click names it and exits 2
        except InputError as exc:
            tr = _errors_tr(kwargs)
            for problem in exc.problems:
                click.echo(tr(msg("error: {problem}", problem=str(problem))), err=True)
            _fail(tr(msg("{count} problem(s) found; stopped before writing anything",
                         count=len(exc.problems))))
        except AccessSimError as exc:
            _fail(_errors_tr(kwargs)(msg("error: {problem}", problem=str(exc))))
        except TimeLimitReached as exc:
            _fail(_errors_tr(kwargs)(msg(
                "error: analysis incomplete: time limit of {seconds} s reached; nothing written",
                seconds=f"{exc.seconds:g}")))
        except KeyboardInterrupt:
            _fail(_errors_tr(kwargs)(msg("interrupted: analysis incomplete, nothing written")),
                  Exit.INTERRUPTED)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(_errors_tr(kwargs)(msg("error: {problem}",
                                         problem=f"{where}{exc.strerror or exc}")))
        except Exception as exc:  # never let a crash look like exit 1 ("findings")
            _fail(f"internal error, analysis incomplete: {type(exc).__name__}: {exc}")

    return TIMEOUT_OPT(wrapper)  # type: ignore[return-value]


class PathArg(click.Path):
    """``click.Path`` that refuses a path no file can have (a NUL) as a usage error (exit 2).

    ``click.Path`` calls ``os.stat``, which raises ValueError on a NUL; that would escape as a
    traceback. Every path argument and option of the CLI uses this type.
    """

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = value if isinstance(value, str) else str(value)
        if not text:
            self.fail("an empty path names no file or folder", param, ctx)
        if "\0" in text:
            self.fail(f"{text!r} contains a NUL character, which no file name can hold",
                      param, ctx)
        try:
            return super().convert(value, param, ctx)
        except ValueError as exc:  # anything else os.stat cannot take
            self.fail(f"{text!r}: {exc}", param, ctx)


class Group(click.Group):
    """Outside a command's body (while parsing options): Ctrl-C exits 130, not click's 1, and
    an error a parameter type did not turn into a usage error exits 2, not 1 with a traceback.
    Every command's body is wrapped by ``handles_errors``, so only parsing can raise here."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("interrupted: nothing written", err=True)
            ctx.exit(Exit.INTERRUPTED)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            click.echo(f"error: cannot read the command line: {exc}", err=True)
            ctx.exit(Exit.ERROR)
