"""Which models the summary has rows for, and the remediated variant each row is judged by."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from accesssim.errors import AccessSimError
from accesssim.suite.suite import other_format
from accesssim.summary.variant import remediated_variant

#: The model files a folder argument stands for.
MODEL_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Planned:
    """One row to build: a model and its remediated variant (None: no variant)."""

    model: Path
    variant: Path | None


def plan(arguments: Iterable[Path], pairs: Mapping[Path, Path]) -> list[Planned]:
    """The rows for ``arguments`` (files, or folders standing for their ``*.yaml`` files), by
    file name; a file that is the remediated variant of another model given is that model's
    variant, not a row of its own. ``pairs`` (model -> variant, from ``--remediated``) override
    the ``NN-name-remediated.yaml`` convention."""
    models: list[Path] = []
    for argument in arguments:
        if argument.is_dir():
            models += sorted(p for p in argument.iterdir()
                             if p.suffix in MODEL_SUFFIXES and p.is_file() and not _other(p))
        else:
            models.append(argument)
    if not models:
        raise AccessSimError("no model to summarise: the folders given hold no *.yaml model "
                             "(change sets, keep, cost and waiver files are passed over)")
    for model in pairs:
        if not any(_same(model, m) for m in models):
            raise AccessSimError(f"--remediated names {model}, which is not among the models "
                                 "to summarise")
    variants = {m: _variant(m, pairs) for m in models}
    taken = [v for m, v in variants.items() if v is not None and not _same(m, v)]
    rows: dict[Path, Planned] = {}  # by resolved path: one file spelled twice is one row
    for model in models:
        if any(_same(model, v) for v in taken) or model.resolve() in rows:
            continue
        rows[model.resolve()] = Planned(model, variants[model])
    return sorted(rows.values(), key=lambda p: (p.model.name, str(p.model)))


def _variant(model: Path, pairs: Mapping[Path, Path]) -> Path | None:
    for named, variant in pairs.items():
        if _same(named, model):
            return variant
    return remediated_variant(model)


def _other(path: Path) -> bool:
    """A change set, keep, cost or waiver file a folder holds beside its models."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return other_format(handle)
    except OSError:
        return False  # the loader reports it, with its file name


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()
