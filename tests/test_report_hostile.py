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


def test_a_right_to_left_override_in_a_name_cannot_reverse_the_citation(tmp_path: Path) -> None:
    """A display name holding U+202E (right-to-left override) without its terminator reversed
    the rest of its line, so the ``file:line`` after the sentence read backwards: each
    sentence built from model names is isolated (``<bdi>``) from its citations."""
    from helpers import make_project

    project = make_project(tmp_path)
    project.edit_model("name: 需要場所住所}", "name: \"需要場所住所\\u202e\"}")
    out = tmp_path / "r.html"
    done = project.cli("report", "--quiet", "-o", str(out))
    assert done.exit_code == 1, done.stderr
    page = out.read_text(encoding="utf-8")
    items = re.findall(r"<li[^>]*>(.*?)</li>", page)
    spoofable = [i for i in items if "\u202e" in i]
    assert spoofable
    for item in spoofable:
        isolated = re.sub(r"<bdi>[^<]*</bdi>", "", item)
        assert "\u202e" not in isolated, item
        assert "<cite>" in isolated
