"""Casbin decisions for the engine, asked once per class of equivalent accounts.

Accounts with the same direct roles in a system get the same decisions when the policy names
neither of them directly (docs/architecture.md). For such a class we only ask about objects
that some allow rule of its roles names (with ``r.obj == p.obj`` in the matcher nothing else
can be allowed), and every answer comes from ``Enforcer.enforce`` itself, so deny rules,
modes, dates and the rest of the matcher apply exactly as Casbin applies them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import casbin

from accesssim.errors import IncompleteAnalysisError
from accesssim.model.provenance import Source
from accesssim.policy import regex as linear_regex
from accesssim.policy.load import LoadedPolicy
from accesssim.policy.rules import ANY, OPEN, UNMASK, PolicyLine
from accesssim.time.epochs import boundaries, epoch_index

__all__ = ["OPEN", "UNMASK", "AccountClass", "Decisions", "Grounds"]


@dataclass(frozen=True, order=True)
class AccountClass:
    """Accounts that Casbin cannot tell apart in one system."""

    system: str
    roles: tuple[str, ...]
    account: str | None  # set when the policy names this account directly (a class of one)


@dataclass(frozen=True)
class Grounds:
    """Why an allow holds: the allow rule and the g lines from the account to its subject."""

    rule: PolicyLine
    chain: tuple[PolicyLine, ...]
    roles: tuple[str, ...]

    def sources(self, policy_file: str) -> tuple[Source, ...]:
        """Every line the allow rests on, as cited: each g link of the chain, then the rule."""
        return tuple(Source(policy_file, line.line) for line in (*self.chain, self.rule))


def _date(value: str | None) -> dt.date | None:
    return None if value is None or value == ANY else dt.date.fromisoformat(value)


class Decisions:
    """Memoised, class-level access to ``Enforcer.enforce``; counts what it asks."""

    def __init__(self, policy: LoadedPolicy, objects: dict[str, dict[str, frozenset[str]]],
                 role_purposes: Mapping[str, str] | None = None):
        """``objects[system][act]``: the screens (open) or fields (unmask) of each system;
        ``role_purposes``: roles whose allows are defects (explanations avoid them)."""
        self.policy = policy
        self.role_purposes = dict(role_purposes or {})
        self.objects = objects
        self.enforce_calls = 0
        tokens = policy.p_tokens
        self._tok = {
            name: (tokens.index(name) if name in tokens else None)
            for name in ("sub", "dom", "obj", "act", "eft", "mode", "valid_from", "valid_until")
        }
        self._links: dict[str | None, dict[str, list[PolicyLine]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for g in policy.groupings:
            if g.ptype != "g":
                continue
            self._links[policy.link_domain(g)][g.values[0]].append(g)
        self._rules_by_sub: dict[str | None, list[PolicyLine]] = defaultdict(list)
        for r in policy.rules:
            self._rules_by_sub[self._val(r, "sub")].append(r)
        self._named_subjects = set(self._rules_by_sub)
        self._rules_by: dict[tuple[str | None, str | None], list[PolicyLine]]
        self._rules_by = defaultdict(list)
        dom_equal = policy.shape.dom_equal
        for r in policy.rules:
            self._rules_by[
                (self._val(r, "dom") if dom_equal else None, self._val(r, "obj"))
            ].append(r)
        self._cuts: dict[tuple[str | None, str | None], list[dt.date]] = {}
        self._class_cuts: dict[tuple[AccountClass, str], list[dt.date]] = {}
        self._named_on: set[tuple[str | None, str | None, str | None]] | None = None
        self._memo: dict[tuple[AccountClass, str, str, str, int], bool] = {}
        self._reach_memo: dict[AccountClass, dict[str, tuple[PolicyLine, ...]]] = {}
        self._candidates_memo: dict[tuple[AccountClass, str], frozenset[str]] = {}
        self._representative: dict[AccountClass, str] = {}
        self._account_reach: dict[tuple[str, str], dict[str, tuple[PolicyLine, ...]]] = {}
        self._probe_enforcer: casbin.Enforcer | None = None
        self._max_links = policy.max_links
        # Columns the matcher really reads: a rule's mode or dates limit it only then.
        matcher = policy.enforcer.model["m"]["m"].value
        self._read = {name for name in ("mode", "valid_from", "valid_until")
                      if re.search(rf"\bp[._]{name}\b", matcher)}

    def _val(self, rule: PolicyLine, name: str) -> str | None:
        index = self._tok[name]
        return None if index is None else rule.values[index]

    # -- classes ---------------------------------------------------------------------------
    def direct_links(self, account: str, system: str) -> list[PolicyLine]:
        return sorted(
            self._links[system].get(account, []) + self._links[None].get(account, []),
            key=lambda g: g.line,
        )

    def class_of(self, account: str, system: str) -> AccountClass:
        understood = self.policy.shape.understood
        roles = tuple(sorted({g.values[1] for g in self.direct_links(account, system)}))
        named = (not understood or not self.policy.shape.sub_only_in_g
                 or account in self._named_subjects)
        cls = AccountClass(system, roles, account if named else None)
        self._representative.setdefault(cls, account)
        return cls

    def representative(self, cls: AccountClass) -> str:
        """An account of the class: asking Casbin about it answers for all of them."""
        return self._representative[cls]

    def _reach(self, cls: AccountClass) -> dict[str, tuple[PolicyLine, ...]]:
        """Every subject the class inherits from, with the shortest g chain from its roles."""
        if cls not in self._reach_memo:
            self._reach_memo[cls] = self._reach_for_account(self._representative[cls], cls.system)
        return self._reach_memo[cls]

    def candidates(self, cls: AccountClass, act: str) -> frozenset[str]:
        """Objects that can possibly be allowed to this class for ``act``."""
        key = (cls, act)
        if key not in self._candidates_memo:
            known = self.objects.get(cls.system, {}).get(act, frozenset())
            if not self.policy.shape.understood:
                found = known
            else:
                subjects = self._reach(cls)
                found = frozenset(
                    obj
                    for sub in subjects
                    for r in self._rules_by_sub.get(sub, ())
                    if (obj := self._val(r, "obj")) in known
                    and (not self.policy.shape.act_equal or self._val(r, "act") in (act, None))
                    and (
                        not self.policy.shape.dom_equal or self._val(r, "dom") in (cls.system, None)
                    )
                    and self._val(r, "eft") in ("allow", None)
                )
            self._candidates_memo[key] = found
        return self._candidates_memo[key]

    # -- decisions -------------------------------------------------------------------------
    def _local_cuts(self, system: str, obj: str) -> list[dt.date]:
        """Days on which a rule that can affect (system, obj) starts or stops."""
        key = (system, obj) if self.policy.shape.understood else (None, None)
        if key not in self._cuts:
            if self.policy.shape.understood:
                rows: Iterable[PolicyLine] = self._rules_by.get(
                    (system, obj), []
                ) + self._rules_by.get((None, obj), [])
            else:
                rows = self.policy.rules
            windows = [(_date(self._val(r, "valid_from")), _date(self._val(r, "valid_until")))
                       for r in rows]
            windows += [(day, day) for day in self.policy.matcher_dates]
            self._cuts[key] = boundaries(windows)
        return self._cuts[key]

    def allowed(self, cls: AccountClass, obj: str, act: str, mode: str, day: dt.date) -> bool:
        """What ``Enforcer.enforce`` answers for this class's accounts (asked once per epoch)."""
        if obj not in self.candidates(cls, act):
            return False
        # An account named by rules, asked about an object none of its own rules names, is
        # decided by its roles alone: it shares the answers of its roles' class.
        key = (self.shared(cls, obj), obj, act, mode, epoch_index(self.local_cuts(cls, obj), day))
        answer = self._memo.get(key)
        if answer is None:
            self.enforce_calls += 1
            rep = self._representative[cls]
            try:
                answer = self.policy.enforce(rep, cls.system, obj, act, mode, day)
            except Exception as exc:  # a matcher can fail on some requests only
                raise IncompleteAnalysisError(
                    f"Casbin failed to decide ({rep}, {cls.system}, {obj}, {act}, {mode}, "
                    f"{day.isoformat()}): {exc}") from exc
            self._memo[key] = answer
        return answer

    def grounds(
        self,
        account: str,
        system: str,
        obj: str,
        act: str,
        mode: str,
        day: dt.date,
    ) -> Grounds | None:
        """The allow rule (and role chain) that best explains an allow; fewest purposes first."""
        best: tuple[tuple[int, int, int], Grounds] | None = None
        chains = self._reach_for_account(account, system)
        if not self.policy.shape.understood:
            return self._grounds_from_casbin(account, system, obj, act, mode, day, chains)
        for r in self._rules_by.get((system, obj), []) + self._rules_by.get((None, obj), []):
            sub = self._val(r, "sub")
            if sub not in chains or self._val(r, "act") not in (act, None):
                continue
            if self._val(r, "eft") not in ("allow", None) or not self._rule_active(r, mode, day):
                continue
            chain = chains[sub]
            roles = tuple(g.values[1] for g in chain)
            flagged = sum(1 for role in roles if role in self.role_purposes)
            rank = (flagged, len(chain), r.line)
            if best is None or rank < best[0]:
                best = (rank, Grounds(r, chain, roles))
        if best is None:  # the matcher reads a column otherwise: ask Casbin rule by rule
            return self._grounds_from_casbin(account, system, obj, act, mode, day, chains)
        return best[1]

    def _grounds_from_casbin(self, account: str, system: str, obj: str, act: str, mode: str,
                             day: dt.date, chains: dict[str, tuple[PolicyLine, ...]]
                             ) -> Grounds | None:
        """For a matcher we do not read (keyMatch, eval...): ask Casbin rule by rule.

        Each allow rule of a subject the account inherits from is tried alone (beside every
        deny rule and role link), in the documented order: fewest purpose roles, shortest
        chain, lowest line. The first that grants the request explains it, whatever the
        order of the lines in the file.
        """
        ranked: list[tuple[tuple[int, int, int], PolicyLine, tuple[PolicyLine, ...],
                           tuple[str, ...]]] = []
        unlinked = len(self.policy.rules) + 1  # after every rule a g chain leads to
        for rule in self.policy.rules:
            subject = self._val(rule, "sub")
            if self._val(rule, "eft") not in ("allow", None):
                continue
            if subject not in chains:  # linked otherwise (g2(r.sub, p.sub), keyMatch...)
                ranked.append(((unlinked, unlinked, rule.line), rule, (), ()))
                continue
            chain = chains[subject]
            roles = tuple(g.values[1] for g in chain)
            flagged = sum(1 for role in roles if role in self.role_purposes)
            ranked.append(((flagged, len(chain), rule.line), rule, chain, roles))
        probe = self._probe()
        request = self.policy.request(account, system, obj, act, mode, day)
        for _, rule, chain, roles in sorted(ranked, key=lambda item: item[0]):
            probe.add_named_policy(rule.ptype, list(rule.values))
            try:
                granted = bool(probe.enforce(*request))
            finally:
                probe.remove_named_policy(rule.ptype, list(rule.values))
            if granted:
                return Grounds(rule, chain, roles)
        return None

    def _probe(self) -> casbin.Enforcer:
        """The same Casbin model with every role link and deny rule, but no allow rule.

        Built as Casbin's own ``load_policy`` builds an enforcer (``add_named_grouping_policy``
        cannot be used: it fails for role definitions with condition columns).
        """
        if self._probe_enforcer is None:
            probe = casbin.Enforcer(str(self.policy.model_path), None)
            managers = [*probe.rm_map.values(), *probe.cond_rm_map.values()]
            for manager in managers:
                manager.matching_func = None
            linear_regex.install(probe)
            for g in self.policy.groupings:
                probe.model.add_policy("g", g.ptype, list(g.values))
            for rule in self.policy.rules:
                if self._val(rule, "eft") == "deny":
                    probe.model.add_policy("p", rule.ptype, list(rule.values))
            for manager in managers:
                manager.clear()
            if probe.rm_map:
                probe.model.build_role_links(probe.rm_map)
            if probe.cond_rm_map:
                probe.model.build_conditional_role_links(probe.cond_rm_map)
            self._probe_enforcer = probe
        return self._probe_enforcer

    def _reach_for_account(self, account: str, system: str) -> dict[str, tuple[PolicyLine, ...]]:
        """Every subject Casbin lets the account inherit from, each with its best g chain.

        Best: the fewest roles that have a purpose (so an allow is blamed on a disaster role
        only when no other chain grants it), then the fewest links. Only chains Casbin's role
        manager follows count (it stops after ``max_hierarchy_level - 1`` links).
        """
        key = (account, system)
        if key in self._account_reach:
            return self._account_reach[key]
        layer: dict[str, tuple[int, tuple[PolicyLine, ...]]] = {account: (0, ())}
        best: dict[str, tuple[int, int, tuple[PolicyLine, ...]]] = {account: (0, 0, ())}
        for depth in range(1, self._max_links + 1):
            following: dict[str, tuple[int, tuple[PolicyLine, ...]]] = {}
            for name, (flagged, chain) in layer.items():
                for g in self._links[system].get(name, []) + self._links[None].get(name, []):
                    role = g.values[1]
                    option = (flagged + (role in self.role_purposes), (*chain, g))
                    if role not in following or option[0] < following[role][0]:
                        following[role] = option
            for role, (flagged, chain) in following.items():
                if role not in best or (flagged, depth) < best[role][:2]:
                    best[role] = (flagged, depth, chain)
            layer = following
            if not layer:
                break
        chains = {name: chain for name, (_, _, chain) in best.items()}
        self._account_reach[key] = chains
        return chains

    def _rule_active(self, rule: PolicyLine, mode: str, day: dt.date) -> bool:
        """Whether the rule's mode and dates let it grant (only the columns the matcher reads)."""
        def column(name: str) -> str | None:
            return self._val(rule, name) if name in self._read else None

        rule_mode = column("mode")
        start, until = _date(column("valid_from")), _date(column("valid_until"))
        return (
            rule_mode in (None, ANY, mode)
            and (start is None or start <= day)
            and (until is None or day <= until)
        )

    # -- time --------------------------------------------------------------------------------
    def subjects(self, cls: AccountClass) -> frozenset[str]:
        """The class's account and every role it inherits from."""
        return frozenset(self._reach(cls))

    def shared(self, cls: AccountClass, obj: str) -> AccountClass:
        """The class whose answers about ``obj`` this class shares: its roles' class when
        no rule naming its account can match a request about ``obj``, else itself."""
        if cls.account is not None and self._decided_by_roles(cls, obj):
            return AccountClass(cls.system, cls.roles, None)
        return cls

    def _decided_by_roles(self, cls: AccountClass, obj: str) -> bool:
        """True when no rule naming this class's account can match a request about ``obj``."""
        shape = self.policy.shape
        if not (shape.understood and shape.sub_only_in_g):
            return False
        if self._named_on is None:
            self._named_on = {(dom, o, self._val(r, "sub"))
                              for (dom, o), rows in self._rules_by.items() for r in rows}
        return ((cls.system, obj, cls.account) not in self._named_on
                and (None, obj, cls.account) not in self._named_on)

    def local_cuts(self, cls: AccountClass, obj: str) -> list[dt.date]:
        """Days on which the class's decisions about ``obj`` may change (``allowed`` asks
        once per span between them).

        With a matcher we read, only rules of subjects the class inherits from can match its
        requests (``candidates`` rests on the same fact), so other subjects' dates do not cut.
        Every date that can change a decision must be cut here (decision memo keys, decision
        edges and the analysis's spans all rest on it).
        """
        if not self.policy.shape.understood:
            return self._local_cuts(cls.system, obj)
        key = (cls, obj)
        if key not in self._class_cuts:
            subjects = self._reach(cls)
            rows = [r for r in self._rules_by.get((cls.system, obj), [])
                    + self._rules_by.get((None, obj), []) if self._val(r, "sub") in subjects]
            windows = [(_date(self._val(r, "valid_from")), _date(self._val(r, "valid_until")))
                       for r in rows]
            windows += [(day, day) for day in self.policy.matcher_dates]
            self._class_cuts[key] = boundaries(windows)
        return self._class_cuts[key]
