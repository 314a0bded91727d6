"""Words for people, in their language.

A sentence a person reads is built as a :class:`Msg` (an English template with named arguments)
and stays one until an output format prints it, so each report can be printed in English or in
Japanese from the same frozen results. Translations live in gettext catalogues
(``data/locale/<lang>/*.po``, read with babel): one standard file a translator can edit, not
dictionaries scattered in code. ``N_`` and ``msg`` mark the English templates for extraction
(tests/test_i18n.py fails when one has no translation).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from string import Formatter
from types import MappingProxyType
from typing import Union

#: The languages a report can be printed in; English is the source language of every template.
LANGS = ("en", "ja")

Arg = Union[str, int, "Msg"]


@dataclass(frozen=True)
class Msg:
    """An English template (``{name}`` placeholders) and its arguments, translated late."""

    template: str
    args: tuple[tuple[str, Arg], ...] = ()

    def __str__(self) -> str:
        return ENGLISH(self)


def msg(template: str, /, **args: Arg) -> Msg:
    """A message to translate at print time; ``template`` is its msgid (a literal string)."""
    return Msg(template, tuple(sorted(args.items())))


def N_(template: str) -> str:
    """Mark a literal as a msgid without translating it now (gettext's ``N_``)."""
    return template


class MissingTranslation(LookupError):
    """A strict translator met a template its catalogue does not translate."""


@dataclass(frozen=True)
class Translator:
    """Turns a message into text in ``lang``; untranslated templates fall back to English
    unless ``strict`` (the tests run strict, so a missing translation fails there)."""

    lang: str
    catalogue: Mapping[str, str] = field(default_factory=dict)
    strict: bool = False

    def __call__(self, message: Msg | str) -> str:
        if isinstance(message, str):
            return self.word(message)
        text = self.word(message.template)
        if not message.args:
            return text
        values = {k: v if isinstance(v, str | int) else self(v) for k, v in message.args}
        return text.format(**values)

    def word(self, template: str) -> str:
        """The translation of one template, without formatting it."""
        if self.lang == "en":
            return template
        found = self.catalogue.get(template)
        if found:
            return found
        if self.strict:
            raise MissingTranslation(f"no {self.lang} translation for {template!r}")
        return template


ENGLISH = Translator("en")


def translator(lang: str, *, strict: bool = False) -> Translator:
    """The translator for ``lang``, with every catalogue of ``data/locale/<lang>/`` merged."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; known: {', '.join(LANGS)}")
    if lang == "en":
        return Translator("en", strict=strict)
    return Translator(lang, catalogue(lang), strict)


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """msgid -> msgstr of every ``.po`` file shipped for ``lang`` (empty msgstr left out).

    Parsed once per process and language (the files ship with the package and do not change
    while it runs) and returned read-only, so every translator shares one mapping. No locale is
    given to babel: reading msgids and msgstrs does not use the language's CLDR data, which
    babel would otherwise load."""
    from babel.messages.pofile import read_po  # imported here: only a translated run pays

    merged: dict[str, str] = {}
    folder = resources.files("accesssim") / "data" / "locale" / lang
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as handle:
            for message in read_po(handle):
                if message.id and isinstance(message.id, str) and message.string:
                    merged[message.id] = str(message.string)
    return MappingProxyType(merged)


def default_lang(environ: Mapping[str, str] | None = None) -> str:
    """The language the locale asks for (LC_ALL, then LC_MESSAGES, then LANG, as POSIX
    orders them): Japanese for ``ja_JP.UTF-8`` and the like, English otherwise."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


def placeholders(template: str) -> frozenset[str]:
    """The ``{name}`` fields of a template (a translation must use exactly the same)."""
    return frozenset(name for _, name, _, _ in Formatter().parse(template) if name)
