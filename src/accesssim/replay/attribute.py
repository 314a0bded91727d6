"""The Python half of a replay: what the model says about one kind of recorded access.

A key is (slice, account, terminal, system, screen): every event with the same key gets the
same verdict, so the model is asked once per key however many events share it, and the events
themselves stay in the SQL engine (sql.py joins the verdicts back onto them).

The verdict follows analyze's own rules, read from the same compiled model: who could have
made the access (docs/replay.md), which non-public fields each of them saw that they must not
(the screen's displays for that account, as the walks of search/walks.py see them), and the
findings whose root cause lies on that path.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from accesssim.engine import Analyzer, Project
from accesssim.findings.report import build_report, finding_id
from accesssim.findings.results import Report
from accesssim.findings.roots import minimal_entries
from accesssim.graph.compile import active_edges, class_node
from accesssim.model.schema import Account, FieldDisplay, Person, Terminal
from accesssim.policy.decisions import OPEN, AccountClass
from accesssim.replay.result import VIOLATIONS
from accesssim.search.defects import Defect
from accesssim.search.exposures import find_exposures
from accesssim.time.slices import Slice

#: Row shapes of the tables handed to the SQL engine (docs/replay.md, "How it works").
KeyRow = tuple[int, str, str, str, str, str]
VerdictRow = tuple[int, str, str, str, str, str, str, str | None]
AttributionRow = tuple[int, str, str, str, str, str, str, str, int]
LinkRow = tuple[int, str, str, str, str, str, str, str, str]
SliceRow = tuple[int, str, dt.date | None, dt.date | None]


@dataclass(frozen=True, order=True)
class Key:
    """What an event's verdict depends on: its analysis slice, the four ids it names, and the
    screen of the event before it in the same session ("" when none: no session id, or the
    session's first event)."""

    slice: int
    account: str
    terminal: str
    system: str
    screen: str
    previous: str = ""

    def row(self) -> KeyRow:
        return (self.slice, self.account, self.terminal, self.system, self.screen,
                self.previous)


@dataclass(frozen=True)
class Verdict:
    """One key's class, the people it is attributed to and the findings that explain it."""

    status: str  # confirmed | suspected | legitimate | unexplained | bad
    reason: str | None = None  # why unexplained or bad
    people: tuple[str, ...] = ()  # attributed person groups, sorted
    findings: tuple[tuple[str, str], ...] = ()  # (finding id, failure type), sorted
    #: (person, finding id, failure type), sorted: which attributed person each finding
    #: explains, so a failure type's head count holds only the people it let through.
    links: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class KeyTables:
    """The verdicts of a set of keys as the rows of the tables the SQL half joins."""

    verdicts: tuple[VerdictRow, ...]
    attributions: tuple[AttributionRow, ...]
    links: tuple[LinkRow, ...]


#: (first slice, last slice, minimal root) of every exposure of a (person, field), from analyze.
_Roots = dict[tuple[str, str], list[tuple[int, int, frozenset[Defect]]]]
#: (person, way, location) of everyone who could have made an access.
_Candidate = tuple[str, str, str | None]
#: Per screen reached, the defect sets of its walks; opens; unmasks; holder outside.
_View = tuple[dict[str, list[frozenset[Defect]]], set[str], set[str], bool]


def _per_person(exposed: dict[str, set[tuple[str, str]]]) -> tuple[tuple[str, str, str], ...]:
    return tuple(sorted((p, f, t) for p, found in exposed.items() for f, t in found))


class Replayer:
    """One model compiled for replay: analyze's findings, and verdicts per key (memoised).

    The model is compiled as analyze compiles it (what outsiders can reach); an account only
    insiders can use has no decision class in the graph, so the screens it reaches are
    worked out here from the same Casbin decisions (``Decisions.allowed``): a recorded access
    by an insider must be recognised as legitimate, not as unexplained.
    """

    def __init__(self, project: Project, *, progress: Callable[[int, int], None] | None = None):
        model = project.loaded.model
        self.modes: tuple[str, ...] = tuple(model.modes)
        self.analyzer = Analyzer(project.loaded, project.policy, modes=self.modes,
                                 progress=progress)
        search = self.analyzer.search
        found = find_exposures(search)
        self.report: Report = build_report(search, found)
        roots: _Roots = defaultdict(list)
        for (person_id, field_id, first, last), root, _ in minimal_entries(found):
            roots[(person_id, field_id)].append((first, last, root))
        self._roots = roots
        self._systems = {s.id: {x.id for x in s.screens} for s in model.systems}
        self._locations = {loc.id: loc for loc in model.locations}
        self._at_location: dict[str, list[Person]] = defaultdict(list)
        self._in_org: dict[str, list[Person]] = defaultdict(list)
        for person in model.people:
            self._in_org[person.org].append(person)
            for loc_id in person.locations:
                self._at_location[loc_id].append(person)
        self._outsiders = {p.id for p in self.analyzer.compiled.outsiders}
        self._memo: dict[Key, Verdict] = {}
        self._views: dict[tuple[str, str, int], _View] = {}
        self._who: dict[tuple[str, str, int], list[_Candidate]] = {}
        self._roots_at: dict[tuple[str, str, str, int], dict[str, list[frozenset[Defect]]]] = {}
        self._steps: dict[tuple[str, int], dict[str, list[tuple[str, bool]]]] = {}
        self._class_views: dict[tuple[AccountClass, int], _View] = {}

    @property
    def slices(self) -> list[Slice]:
        return self.analyzer.slices

    def slice_rows(self) -> list[SliceRow]:
        """Every analysis slice: its mode and the dates it covers (None: open end)."""
        return [(sl.index, sl.mode, sl.epoch.start, sl.epoch.end) for sl in self.slices]

    def key_tables(self, keys: Iterable[Key]) -> KeyTables:
        """The verdicts of these keys as table rows (each key once, sorted)."""
        verdicts: list[VerdictRow] = []
        attributions: list[AttributionRow] = []
        links: list[LinkRow] = []
        people = self.analyzer.people
        for key in sorted(set(keys)):
            verdict = self.verdict(key)
            row = key.row()
            verdicts.append((*row, verdict.status, verdict.reason))
            for person_id in verdict.people if verdict.status in VIOLATIONS else ():
                person = people[person_id]
                attributions.append((*row, person_id, person.org, person.headcount))
            for person_id, finding, failure_type in verdict.links:
                links.append((*row, person_id, finding, failure_type))
        return KeyTables(tuple(verdicts), tuple(attributions), tuple(links))

    def verdict(self, key: Key) -> Verdict:
        """The class of every event with this key (memoised)."""
        cached = self._memo.get(key)
        if cached is None:
            if key.previous:
                cached = self.verdict(replace(key, previous=""))
                # Only a legitimate access is downgraded: a violation after a jump the model
                # lacks still showed the data, and must stay counted as one.
                if cached.status == "legitimate" and not self._navigable(key):
                    cached = Verdict("unexplained", f"no transition from {key.previous} to "
                                     f"{key.screen} for account {key.account}")
            else:
                cached = self._decide(key)
            self._memo[key] = cached
        return cached

    def _decide(self, key: Key) -> Verdict:
        c = self.analyzer.compiled
        acc, term = c.accounts.get(key.account), c.terminals.get(key.terminal)
        if acc is None:
            return Verdict("bad", f"unknown account {key.account}")
        if term is None:
            return Verdict("bad", f"unknown terminal {key.terminal}")
        if key.system not in self._systems:
            return Verdict("bad", f"unknown system {key.system}")
        if key.screen not in self._systems[key.system]:
            return Verdict("bad", f"unknown screen {key.screen} of system {key.system}")
        sl = self.slices[key.slice]
        why = self._impossible(acc, term, key, sl)
        if why is not None:
            return Verdict("unexplained", why)
        candidates = self._candidates(acc, term, sl)
        if not candidates:
            return Verdict("unexplained", f"no one in the model can use account {acc.id} on "
                           f"terminal {term.id}")
        exposed: dict[str, set[tuple[str, str]]] = {}
        for person_id, way, location in candidates:
            found = self._exposure(person_id, acc, term, key, way, location, sl)
            if found is not None:
                exposed.setdefault(person_id, set()).update(found)
        if acc.holder in exposed:
            mine = {acc.holder: exposed[acc.holder]}
            return Verdict("confirmed", None, (acc.holder,), tuple(sorted(mine[acc.holder])),
                           _per_person(mine))
        if exposed:
            return Verdict("suspected", None, tuple(sorted(exposed)),
                           tuple(sorted(set().union(*exposed.values()))), _per_person(exposed))
        return Verdict("legitimate", None, tuple(sorted({p for p, _, _ in candidates})))

    def _impossible(self, acc: Account, term: Terminal, key: Key, sl: Slice) -> str | None:
        """Why the model cannot produce this access at all, whoever made it (None: it can)."""
        mode = sl.mode
        if key.system not in acc.systems:
            return f"account {acc.id} is not an account of system {key.system}"
        if key.system not in term.systems:
            return f"terminal {term.id} does not reach system {key.system}"
        if not acc.active(mode, sl.day):
            return f"account {acc.id} is not valid in {mode} mode on that day"
        if not term.active(mode, sl.day):
            return f"terminal {term.id} is not in service in {mode} mode on that day"
        if key.screen not in self._labels(acc, key.system, sl)[0]:
            return f"account {acc.id} cannot reach screen {key.screen} of system {key.system}"
        return None

    def _candidates(self, acc: Account, term: Terminal, sl: Slice) -> list[_Candidate]:
        """Everyone who could have used the account on the terminal, and how (the rule of
        search/accesses.py: hold it, know its credential, or find it logged in; and have the
        terminal assigned, or find it open where one can be); memoised."""
        key = (acc.id, term.id, sl.index)
        found = self._who.get(key)
        if found is None:
            found = self._who[key] = self._find_candidates(acc, term, sl)
        return found

    def _find_candidates(self, acc: Account, term: Terminal, sl: Slice) -> list[_Candidate]:
        at: dict[str, str | None] = {}
        for person_id in term.assigned_to:
            at[person_id] = None
        loc = self._locations.get(term.location)
        if term.open and loc is not None and loc.active(sl.mode, sl.day):
            for person in self._at_location[loc.id]:
                at.setdefault(person.id, loc.id)
            for org_id in loc.open_to:
                for person in self._in_org[org_id]:
                    at.setdefault(person.id, loc.id)
        people = self.analyzer.people
        found: list[_Candidate] = []
        accepts = term.accounts == "any" or acc.id in term.accounts
        for person_id in sorted(at):
            who = people.get(person_id)
            if who is None or not who.active(sl.mode, sl.day):
                continue
            if accepts and person_id == acc.holder:
                found.append((person_id, "holds", at[person_id]))
            elif accepts and person_id in acc.known_by:
                found.append((person_id, "knows", at[person_id]))
            if acc.id in term.logged_in:
                found.append((person_id, "logged-in", at[person_id]))
        return found

    def _exposure(self, person_id: str, acc: Account, term: Terminal, key: Key, way: str,
                  location: str | None, sl: Slice) -> set[tuple[str, str]] | None:
        """The findings explaining what this person saw on the screen and must not see (None:
        nothing; an empty set would be an exposure analyze has no finding for)."""
        c = self.analyzer.compiled
        if person_id not in self._outsiders:
            return None
        person = c.people[person_id]
        access_defects = self.analyzer.search.accesses.access_defects(
            person, acc, term, key.system, way, location, sl)
        found: set[tuple[str, str]] | None = None
        for field_id, walk_roots in self._screen_roots(acc, key, sl).items():
            if c.boundary.trusted(person, field_id, sl.mode, sl.day):
                continue
            if found is None:
                found = set()
            for first, last, root in self._roots.get((person_id, field_id), ()):
                if first <= sl.index <= last and any(
                        root <= access_defects | r for r in walk_roots):
                    fid = finding_id((d.type, d.element) for d in root)
                    found.update((fid, t.value) for t in {d.type for d in root})
        return found

    def _labels(self, acc: Account, system: str, sl: Slice) -> _View:
        """Per screen the account's class reaches, its path defect sets; the screens it may
        open and fields it may unmask; whether its holder is outside the boundary (memoised
        per account, system and slice)."""
        key = (acc.id, system, sl.index)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = self._find_labels(acc, system, sl)
        return view

    def _find_labels(self, acc: Account, system: str, sl: Slice) -> _View:
        c = self.analyzer.compiled
        outside = not c.boundary.inside(acc.holder, system, sl.mode, sl.day)
        cnode = class_node(c.graph, acc.id, system)
        if cnode is not None:
            kept, opens, unmasks, _ = self.analyzer.search.walks.screen_labels(cnode, outside,
                                                                               sl)
            return ({screen: [d for _, _, d in labels] for screen, labels in kept.items()},
                    opens, unmasks, outside)
        # Only insiders can use this account (graph/compile.py leaves it out): no defect can
        # lie on its walks, only where they lead matters. Shared by the accounts of a class.
        cls = c.decisions.class_of(acc.id, system)
        shared = self._class_views.get((cls, sl.index))
        if shared is None:
            shared = self._class_views[(cls, sl.index)] = self._insider_view(cls, system, sl)
        return (*shared[:3], outside)

    def _insider_view(self, cls: AccountClass, system: str, sl: Slice) -> _View:
        c = self.analyzer.compiled
        screens = [x for x in self.analyzer.systems[system].screens]
        opens = {x.id for x in screens
                 if c.decisions.allowed(cls, x.id, OPEN, sl.mode, sl.day)}
        none: frozenset[Defect] = frozenset()
        reached = {x.id: [none] for x in screens
                   if x.menu and x.id in opens and x.active(sl.mode, sl.day)}
        todo = sorted(reached)
        while todo:
            here = todo.pop()
            for target, data in active_edges(c.graph, ("screen", here), "transition", sl):
                if target[1] in reached or not c.screens[target[1]].active(sl.mode, sl.day):
                    continue
                if target[1] in opens or not data["transition"].checked:
                    reached[target[1]] = [none]
                    todo.append(target[1])
        return reached, opens, set(), False

    def _screen_roots(self, acc: Account, key: Key, sl: Slice
                      ) -> dict[str, list[frozenset[Defect]]]:
        """Per non-public field the screen shows the account in clear, the defect sets of the
        walks that show it there (as ``WalkFinder.field_walks`` counts them for the holder);
        memoised."""
        memo_key = (acc.id, key.system, key.screen, sl.index)
        cached = self._roots_at.get(memo_key)
        if cached is None:
            cached = self._roots_at[memo_key] = self._find_screen_roots(acc, key, sl)
        return cached

    def _find_screen_roots(self, acc: Account, key: Key, sl: Slice
                           ) -> dict[str, list[frozenset[Defect]]]:
        c = self.analyzer.compiled
        labels, opens, unmasks, outside = self._labels(acc, key.system, sl)
        cnode = class_node(c.graph, acc.id, key.system)
        if cnode is None or key.screen not in labels:
            return {}
        holder = c.people[acc.holder]
        walks = self.analyzer.search.walks
        result: dict[str, list[frozenset[Defect]]] = {}
        for field_node, data in active_edges(c.graph, ("screen", key.screen), "shows", sl):
            field_id = field_node[1]
            if c.fields[field_id].data_class != "non-public":
                continue
            display: FieldDisplay = data["display"]
            shown = walks.shown_defects(cnode, key.screen, display, unmasks, opens, outside, sl)
            if shown is None:
                continue
            trusted_holder = outside and c.boundary.trusted(holder, field_id, sl.mode, sl.day)
            for path in labels[key.screen]:
                defects = path | shown
                if trusted_holder:  # as ``without_display_defects``
                    defects = frozenset(d for d in defects if not d.element.startswith(
                        ("display:", "unmask-role:")))
                result.setdefault(field_id, []).append(defects)
        return result

    def _navigable(self, key: Key) -> bool:
        """Whether the account may go to the screen after being on ``key.previous``: the
        screen is a menu screen it may open, or a transition leads there that it may take
        (checked: the policy must let it open the target; unchecked: nothing is checked), or
        it is the same screen again."""
        c = self.analyzer.compiled
        sl = self.slices[key.slice]
        _, opens, _, _ = self._labels(c.accounts[key.account], key.system, sl)
        screen = c.screens[key.screen]
        if key.previous == key.screen:  # shown again (a reload, the next page of a list)
            return True
        if key.screen in opens and screen.menu and screen.active(sl.mode, sl.day):
            return True
        if key.previous not in self._systems[key.system]:
            return True  # the row before was bad (a screen the model lacks): no evidence
        steps = self._steps.get((key.system, sl.index))
        if steps is None:
            steps = self._steps[(key.system, sl.index)] = self._find_steps(key.system, sl)
        return any(target == key.screen and (checked is False or target in opens)
                   for target, checked in steps.get(key.previous, ()))

    def _find_steps(self, system: str, sl: Slice) -> dict[str, list[tuple[str, bool]]]:
        """The system's transitions in the slice between active screens: source -> targets."""
        c = self.analyzer.compiled
        steps: dict[str, list[tuple[str, bool]]] = {}
        for source in sorted(self._systems[system]):
            if not c.screens[source].active(sl.mode, sl.day):
                continue
            for target, data in active_edges(c.graph, ("screen", source), "transition", sl):
                if c.screens[target[1]].active(sl.mode, sl.day):
                    steps.setdefault(source, []).append((target[1], data["transition"].checked))
        return steps
