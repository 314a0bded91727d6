"""``accesssim faults`` as a library call: the catalogue, the search, the re-verification of
every reported set, and each field's answer (exact or a stated bound)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from accesssim.changes.spec import Change
from accesssim.engine import Project, load_project
from accesssim.errors import AccessSimError
from accesssim.faults.analysis import analyses
from accesssim.faults.catalogue import CAP, Catalogue, Failure, catalogue
from accesssim.faults.result import Faults, FieldFaults, Status
from accesssim.faults.search import Evaluate, Found, Search
from accesssim.model.database import refuse_database

#: Told how many analyses are done of how many asked so far.
Progress = Callable[[int, int], None]


def secret_fields(project: Project) -> dict[str, str]:
    """Every non-public field and its system."""
    return {f.id: s.id for s in project.loaded.model.systems for f in s.fields
            if f.data_class == "non-public"}


def upper_bounds(project: Project, cat: Catalogue) -> dict[int, tuple[Change, ...]]:
    """Per move of a terminal: the terminal handed to everyone who can be at the place (they
    get it wherever it stands, so this opens all the move opens, and more); two moves of one
    terminal are then both bounded in one set, which no single place could be."""
    model = project.loaded.model
    places = {loc.id: loc for loc in model.locations}
    terminals = {t.id: t for t in model.terminals}
    out: dict[int, tuple[Change, ...]] = {}
    for i, f in enumerate(cat.failures):
        if f.kind != "move_terminal":
            continue
        term, loc = terminals[str(f.change.get("terminal"))], places[str(f.change.get("to"))]
        people = sorted(p.id for p in model.people
                        if (loc.id in p.locations or p.org in loc.open_to)
                        and p.id not in term.assigned_to)
        out[i] = tuple(Change.make("hand_terminal", terminal=term.id, person=p)
                       for p in people)
    return out


def run_search(project: Project, cat: Catalogue, k: int, evaluate: Evaluate
               ) -> tuple[Search, Found, int]:
    """The search and the re-verification of every set it reports (raises if one fails)."""
    search = Search(cat.failures, secret_fields(project), project.policy.p_tokens, evaluate,
                    upper_bounds(project, cat))
    found = search.run(k)
    pairs = [(fid, s) for fid, sets in found.minimal.items() for s in sets]
    wanted = [(s, True) for _, s in pairs] + [
        (tuple(i for i in s if i != x), True) for _, s in pairs for x in s]
    search.evaluate(wanted)  # one wave: the workers share it
    for key, opened in search.memo.items():  # monotone wherever it was looked at
        if not found.base <= opened:
            chosen = key[0]
            assert isinstance(chosen, tuple)
            names = ", ".join(cat.failures[i].id for i in chosen)
            raise AccessSimError(
                f"the failure set {{{names}}} closes a field the design exposes: the catalogue "
                "is not monotone on this design; please report it with the model")
    for fid, s in pairs:
        if not search.verify(fid, s):
            names = ", ".join(cat.failures[i].id for i in s)
            raise AccessSimError(
                f"the failure set {{{names}}} did not verify as minimal for {fid}: the "
                "catalogue is not monotone on this design; please report it with the model")
    return search, Found(found.base, found.openable, found.minimal, len(search.memo)), \
        len(pairs)


def faults(model: Path, root: Path | None = None, *, k: int = 3, jobs: int | None = None,
           cap: int = CAP, progress: Progress | None = None) -> Faults:
    """Every non-public field's resilience and minimal failure sets of up to ``k`` failures."""
    if k < 1:
        raise AccessSimError(f"--k must be at least 1, not {k}")
    project = load_project(model, root)
    refuse_database(project.loaded.policy_database, "faults",
                    project.loaded.at(project.loaded.model.casbin, "database"))
    cat = catalogue(project, cap)
    with analyses(project, model, root, jobs, progress) as evaluate:
        _, found, verified = run_search(project, cat, k, evaluate)
    return summarise(project, cat, k, found, verified)


def summarise(project: Project, cat: Catalogue, k: int, found: Found, verified: int
              ) -> Faults:
    fields = secret_fields(project)
    answers = []
    used: set[int] = set()
    for fid, system in sorted(fields.items(), key=lambda kv: (kv[1], kv[0])):
        sets = found.minimal.get(fid, ())
        used.update(i for s in sets for i in s)
        complete = cat.complete_for(system)
        status: Status
        number: int | None
        if fid in found.base:
            status, number, sets = "exposed", 0, ((),)
        elif sets:
            status, number = ("exact" if complete else "at-most"), len(sets[0])
        elif fid not in found.openable:
            status, number = ("none" if complete else "unknown"), None
        else:
            status, number = ("at-least", k + 1) if complete else ("unknown", None)
        counts = Counter(i for s in sets for i in s)
        top = max(counts.values(), default=0)
        weakest = tuple(sorted(cat.failures[i].id for i, n in counts.items() if n == top))
        answers.append(FieldFaults(fid, system, status, number,
                                   tuple(tuple(cat.failures[i].id for i in s) for s in sets),
                                   weakest))
    failures: tuple[Failure, ...] = tuple(cat.failures[i] for i in sorted(used))
    return Faults(project.loaded.display_path, k, tuple(answers),
                  tuple(sorted(failures, key=lambda f: f.id)),
                  dict(sorted(Counter(f.kind for f in cat.failures).items())),
                  dict(sorted(cat.capped.items())), found.analyses, verified,
                  tuple(project.inputs))
