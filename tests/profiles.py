"""Test profiles: a quick default run and a thorough one (.ci/run), over the same tests.

``ACCESSSIM_TEST_PROFILE`` picks the profile:

- ``default`` (unset): each property test runs a tenth of its thorough example count (at least
  3), and tests marked ``thorough`` (slow commands of the docs, utility-scale runs) are
  deselected. In two pytest-xdist workers a run should take under two minutes on an idle
  2-core machine (docs/performance.md#test-suite).
- ``thorough``: every property test runs its full example count, and every test runs. Nothing
  is weaker than in the default profile; CI uses this one.
"""

from __future__ import annotations

import math
import os

PROFILES = ("default", "thorough")
PROFILE = os.environ.get("ACCESSSIM_TEST_PROFILE", "") or "default"
THOROUGH = PROFILE == "thorough"
DEFAULT_SHARE = 10  # the default profile runs 1/DEFAULT_SHARE of each property test's examples
DEFAULT_MIN_EXAMPLES = 3


def examples(thorough: int) -> int:
    """Examples a property test runs: ``thorough`` in the thorough profile, a tenth otherwise."""
    if THOROUGH:
        return thorough
    return min(thorough, max(DEFAULT_MIN_EXAMPLES, math.ceil(thorough / DEFAULT_SHARE)))
