"""Property: the one patcher's one-pass mode (``Patcher.patch``: the changes that edit
different places made at once on the same texts) gives byte for byte what applying the changes
one after the other gives (``Patcher.sequential``), refusals included, on small generated models
and random change sets drawn from the whole vocabulary (repeats drawn on purpose, so that
changes meet on one element, one list, one policy line)."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from accesssim.changes.apply import Patched, Patcher
from accesssim.changes.load import describe
from accesssim.changes.spec import Change
from accesssim.errors import InputError
from profiles import examples
from strategies import Generated, materialise, projects
from test_whatif_oracle import accepted, draw_change


def _outcome(run: object, changes: list[Change]) -> tuple[str, object]:
    assert callable(run)
    try:
        done = run(changes)
    except InputError as exc:
        return "refused", str(exc)
    assert isinstance(done, Patched)
    return "patched", (dict(done.texts), done.policy_changed, done.changes)


@settings(max_examples=examples(200), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(projects(), st.data())
def test_one_pass_equals_sequential(gen: Generated, data: st.DataObject) -> None:
    note(gen.describe())
    with materialise(gen) as project:
        drawn = [draw_change(data, gen) for _ in range(data.draw(st.integers(1, 10)))]
        changes = [c for c in drawn if c is not None]
        if changes and data.draw(st.booleans()):  # the same change twice, later on
            changes.append(changes[data.draw(st.integers(0, len(changes) - 1))])
        if data.draw(st.booleans()):  # only what the applier accepts: every change made
            changes = accepted(project, changes)
        for change in changes:
            note(describe(change))
        for cut in (None, False):
            patcher = Patcher(project, cut=cut)
            fast = _outcome(patcher.patch, changes)
            slow = _outcome(patcher.sequential, changes)
            assert fast == slow
            event(f"{fast[0]}, {len(changes)} change(s)")
            # the patcher keeps nothing of one set for the next but what is exact
            assert _outcome(patcher.patch, changes) == fast
