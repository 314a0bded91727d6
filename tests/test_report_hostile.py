"""Hostile runs of ``accesssim report``: what the page says must be the whole truth."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import REPO, run

KANSAI = REPO / "scenarios" / "incidents" / "01-kansai.yaml"


def test_a_conflicting_keep_file_names_the_items_in_conflict(tmp_path: Path) -> None:
    """Keeping retail's view of usage conflicts with closing every finding; the page said
    "these items" without saying which."""
    keep = tmp_path / "keep.yaml"
    keep.write_text("accesssim-keep: 1\nkeep:\n  - id: retail-sees-usage\n"
                    "    who_can_see: {field: usage_kwh, people: [kep_sales]}\n"
                    "  - id: nw-opens-switching-screen\n"
                    "    decision: {account: acc_ktd_ops, system: takuso, "
                    "object: switching_detail, action: open, expect: allow}\n",
                    encoding="utf-8")
    out = tmp_path / "r.html"
    done = run("report", str(KANSAI), "--root", str(REPO), "--quiet", "--keep", str(keep),
               "-o", str(out))
    assert done.exit_code == 1, done.stderr
    page = out.read_text(encoding="utf-8")
    verified = re.search(r'<p class="verified">(.*?)</p>', page, re.DOTALL)
    assert verified is not None
    assert "retail-sees-usage" in verified.group(1)
    assert "nw-opens-switching-screen" not in verified.group(1)
