"""Hypothesis profiles for the property tests (tests/strategies.py generates the models).

``ci`` (the default): derandomised, no example database, no deadline (one example loads Casbin
and analyses a model), and no shrinking, so a failure is reported in seconds; the hand-written
tests carry minimised counterexamples. ``explore``: random, with shrinking, for hunting bugs
(``HYPOTHESIS_PROFILE=explore pytest tests/test_oracle.py``).
"""

import os

from hypothesis import HealthCheck, Phase, settings

_quiet = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, suppress_health_check=_quiet,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
settings.register_profile("explore", database=None, deadline=None, suppress_health_check=_quiet)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
