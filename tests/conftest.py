"""Test profiles: a quick default run and a thorough one (.ci/run), over the same tests.

``ACCESSSIM_TEST_PROFILE`` picks the profile:

- ``default`` (unset): each property test runs a fifth of the examples its ``@settings`` asks for
  (at least 3), and tests marked ``thorough`` (slow commands of the docs, utility-scale runs) are
  deselected. A run takes well under two minutes on a busy 2-core machine.
- ``thorough``: every property test runs the examples its ``@settings`` asks for, and every test
  runs. Nothing is weaker than in the default profile; CI uses this one.

Hypothesis itself: derandomised, no example database, no deadline (one example loads Casbin and
analyses a model), and no shrinking, so a failure is reported in seconds; the hand-written tests
carry minimised counterexamples. ``HYPOTHESIS_PROFILE=explore`` is random, with shrinking, for
hunting bugs (``HYPOTHESIS_PROFILE=explore pytest tests/test_oracle.py``).
"""

import math
import os

import pytest
from hypothesis import HealthCheck, Phase, settings

PROFILES = ("default", "thorough")
PROFILE = os.environ.get("ACCESSSIM_TEST_PROFILE", "") or "default"
if PROFILE not in PROFILES:
    raise pytest.UsageError(
        f"ACCESSSIM_TEST_PROFILE={PROFILE!r}: expected one of {', '.join(PROFILES)}")
THOROUGH = PROFILE == "thorough"
DEFAULT_SHARE = 5  # the default profile runs 1/DEFAULT_SHARE of each property test's examples
DEFAULT_MIN_EXAMPLES = 3

_quiet = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, suppress_health_check=_quiet,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
settings.register_profile("explore", database=None, deadline=None, suppress_health_check=_quiet)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def default_examples(asked: int) -> int:
    """How many examples the default profile runs for a test whose settings ask for `asked`."""
    return min(asked, max(DEFAULT_MIN_EXAMPLES, math.ceil(asked / DEFAULT_SHARE)))


def _scale_examples(item: pytest.Item) -> None:
    """Lower a property test's example count for the default profile.

    ``@settings`` on a test overrides any profile, so the count is changed on the test itself:
    Hypothesis reads ``_hypothesis_internal_use_settings`` when the test is called.
    """
    test = getattr(item, "obj", None)
    current = getattr(test, "_hypothesis_internal_use_settings", None)
    if not isinstance(current, settings) or getattr(test, "_accesssim_scaled", False):
        return  # not a property test, or one already scaled (parametrised tests share it)
    test._hypothesis_internal_use_settings = settings(
        current, max_examples=default_examples(current.max_examples))
    test._accesssim_scaled = True


def pytest_report_header(config: pytest.Config) -> str:
    return f"accesssim test profile: {PROFILE} (ACCESSSIM_TEST_PROFILE=default|thorough)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if THOROUGH:
        return
    deselected = [item for item in items if item.get_closest_marker("thorough")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("thorough")]
    for item in items:
        _scale_examples(item)
