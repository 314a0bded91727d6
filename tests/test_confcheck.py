"""The structural pass over a Casbin .conf reads the file as pycasbin's own reader does."""

from __future__ import annotations

import pytest
from casbin.config import Config
from casbin.effect import get_effector

from accesssim.errors import InputError
from accesssim.policy.conf import SECTIONS, SUPPORTED_EFFECTS, check_conf, check_effect

ACCEPTED = {
    "plain": "[request_definition]\nr = sub, obj\n[matchers]\nm = r.sub == r.obj\n",
    "continuation": ("[request_definition]\nr = sub, \\\n  obj\n\n[matchers]\n"
                     "m = r.sub == p.sub \\\n  && r.obj == p.obj\n"),
    "comments-and-repeated-header": ("; a comment\n[role_definition]\ng = _, _\n# more\n"
                                     "[role_definition]\ng2 = _, _, _\n"),
    "numbered-keys": "[policy_definition]\np = sub\np2 = sub, obj\np3 = obj\n",
}


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_accepted_files_give_the_keys_casbin_reads(case: str) -> None:
    """Every key recorded is one Casbin's reader stores, in the same section, and vice versa."""
    text = ACCEPTED[case]
    layout = check_conf(text, "m.conf")
    stored = Config.new_config_from_text(text)._data
    casbin_keys = {key for section, keys in stored.items() for key in keys
                   if SECTIONS.get(section) == key.rstrip("0123456789")}
    assert set(layout.lines) == casbin_keys


def test_a_continued_entry_is_cited_at_its_first_line() -> None:
    text = "[matchers]\nm = r.sub == p.sub \\\n  && r.obj == p.obj\nm = r.sub == p.sub\n"
    with pytest.raises(InputError) as info:
        check_conf(text, "m.conf")
    assert [str(p) for p in info.value.problems] == [
        "m.conf:4: m defined twice, first at line 2: Casbin keeps only the last"]


def test_casbin_keeps_the_last_of_a_key_written_twice() -> None:
    """Why a repeated key is refused: Casbin reads the second value, not the first."""
    text = "[matchers]\nm = first\n[matchers]\nm = second\n"
    assert Config.new_config_from_text(text).get("matchers::m") == "second"
    with pytest.raises(InputError, match=r"m\.conf:4: m defined twice, first at line 2"):
        check_conf(text, "m.conf")


def test_a_line_that_is_no_entry_is_cited_where_it_starts() -> None:
    with pytest.raises(InputError) as info:
        check_conf("[matchers]\nm = a\n\nhello \\\nworld\n", "m.conf")
    assert [str(p) for p in info.value.problems] == [
        "m.conf:4: broken Casbin model: 'hello world' is neither a [section] header nor "
        "'key = value'"]


def test_supported_effects_are_exactly_those_casbin_builds() -> None:
    for effect in SUPPORTED_EFFECTS:
        get_effector(effect.replace("p.eft", "p_eft"))  # no error
        check_effect(effect.replace("p.eft", "p_eft"), "m.conf", 9)
    with pytest.raises(InputError, match=r"m.conf:9: unsupported policy effect 'x \|\| y'"):
        check_effect("x || y", "m.conf", 9)
