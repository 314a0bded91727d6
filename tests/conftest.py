"""Test profiles (tests/profiles.py) and Hypothesis settings.

Hypothesis itself: derandomised, no example database, no deadline (one example loads Casbin and
analyses a model), and no shrinking, so a failure is reported in seconds; the hand-written tests
carry minimised counterexamples. ``HYPOTHESIS_PROFILE=explore`` is random, with shrinking, for
hunting bugs (``HYPOTHESIS_PROFILE=explore pytest tests/test_oracle.py``).
"""

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

from profiles import PROFILE, PROFILES, THOROUGH

if PROFILE not in PROFILES:
    raise pytest.UsageError(
        f"ACCESSSIM_TEST_PROFILE={PROFILE!r}: expected one of {', '.join(PROFILES)}")

_quiet = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, suppress_health_check=_quiet,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
settings.register_profile("explore", database=None, deadline=None, suppress_health_check=_quiet)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_report_header(config: pytest.Config) -> str:
    return f"accesssim test profile: {PROFILE} (ACCESSSIM_TEST_PROFILE=default|thorough)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if THOROUGH:
        return
    deselected = [item for item in items if item.get_closest_marker("thorough")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("thorough")]
