"""A fast reader for the plain subset of YAML that models are written in.

PyYAML builds every value in Python even with its C parser, which made loading a large model
about 28 times slower than ``json.loads`` of the same data. This module reads the common
shapes (block mappings and lists, one-line flow mappings and lists, quoted and plain scalars,
comments) line by line with regular expressions, and builds exactly what the careful loader
builds: the same dicts in the same key order with the same ``__line__`` and ``__keys__``
records, and scalars resolved by PyYAML's own resolver and constructors.

It never reports a problem itself: anything outside its subset, and anything the careful loader
would refuse or question (duplicate keys, reserved keys, tags, anchors, yes/no, octal, bad dates,
control characters...), raises ``Unsupported``, and the caller reads the file again with the
careful loader, which owns every error message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import accumulate
from typing import Any

import yaml

LINE_KEY = "__line__"
KEYS_KEY = "__keys__"
FILE_KEY = "__file__"  # set by the loader on mappings read from an included file
_RESERVED = frozenset((LINE_KEY, KEYS_KEY, FILE_KEY))

# Characters that are line breaks, tabs, byte order marks or non-printable to some YAML reader:
# the fast path leaves any text holding one to the careful loader.
_OUTSIDE = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_.\-]*):(?: +(.*))?\Z")
_FLOW_KEY = re.compile(r" *([A-Za-z_][A-Za-z0-9_.\-]*): +")
_DELIM = re.compile(r" *([,\]}])")
_INDICATORS = "-?:,[]{}#&*!|>'\"%@`"
_FLOW_SCALAR = re.compile(
    r""" *(?:"([^"\\]*)"|'((?:[^']|'')*)'|((?:-[^\s,\[\]{}#:"']|[^\s,\[\]{}#:"'\-?&*!|>%@`])"""
    r"""[^,\[\]{}#:"']*?)) *([,\]}])"""
)
_PLAIN = r"""(?:-[^\s,\[\]{}#:"']|[^\s,\[\]{}#:"'\-?&*!|>%@`])[^,\[\]{}#:"']*?"""
_PAIR = rf"""([A-Za-z_][A-Za-z0-9_.\-]*): +("[^"\\]*"|\[[^\[\]{{}}"'#:]*\]|{_PLAIN}) *"""
#: A one-line flow mapping of words, quoted words and flat lists: most lines of a big model.
_SIMPLE_MAP = re.compile(rf"\{{ *(?:{_PAIR}, *)*{_PAIR}\}}(?= +#|\Z)")
_SIMPLE_PAIR = re.compile(rf" *{_PAIR}[,}}]")
_DOUBLE = re.compile(r'"([^"\\]*)"(?: +#.*)?\Z')
_SINGLE = re.compile(r"'((?:[^']|'')*)'(?: +#.*)?\Z")
_END = re.compile(r"(?: +#.*)?\Z")
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_STR = "tag:yaml.org,2002:str"


class Unsupported(Exception):
    """The text is outside the fast subset, or holds something to report: use the careful loader."""


def load(text: str, progress: Callable[[int, int], None] | None = None) -> Any:
    """The data the careful loader would return for ``text``; raise Unsupported if unsure.

    ``progress(done, total)`` is told how many characters have been read, every thousand
    list items (a large model is mostly long lists), as the careful loader tells it.
    """
    if _OUTSIDE.search(text) is not None:
        raise Unsupported
    try:
        return _Reader(text, progress).document()
    except RecursionError:  # thousands of levels deep: the careful loader says what to do
        raise Unsupported from None


def never_back(progress: Callable[[int, int], None]) -> Callable[[int, int], None]:
    """``progress`` that is never told less than before: the careful loader starts again from
    the top when the fast path gives up half-way, and a progress bar should not jump back."""
    most = 0

    def tell(done: int, total: int) -> None:
        nonlocal most
        most = max(most, done)
        progress(most, total)

    return tell


def _plain_start(text: str) -> bool:
    """Whether a plain scalar may start as ``text`` does (no indicator, not empty)."""
    if not text:
        return False
    return text[0] not in _INDICATORS or (text[0] == "-" and text[1:2] not in ("", " "))


def _is_dash(content: str) -> bool:
    return content == "-" or content.startswith("- ")


class _Reader:
    """One reading of one text: the content lines and a memo of resolved plain scalars."""

    def __init__(self, text: str, progress: Callable[[int, int], None] | None) -> None:
        self.items: list[tuple[int, int, str]] = []
        lines = text.split("\n")
        self.progress = progress
        self.total = max(len(text), 1)
        #: Where each line starts in the text (only to tell ``progress``).
        self.starts = [0, *accumulate(len(line) + 1 for line in lines)] if progress else []
        for number, raw in enumerate(lines, start=1):
            content = raw.lstrip(" ")
            if not content or content[0] == "#":
                continue
            if raw.startswith(("---", "...", "%")):
                raise Unsupported  # documents and directives
            self.items.append((number, len(raw) - len(content), content.rstrip(" ")))
        self.plain: dict[str, Any] = {}
        self.words: set[str] = set()
        self.lists: dict[str, list[Any]] = {}
        self.resolver = yaml.resolver.Resolver()
        self.constructor = yaml.constructor.SafeConstructor()

    def document(self) -> Any:
        items = self.items
        if not items or items[0][1] != 0:
            raise Unsupported
        value, end = self.block(0, 0)
        if end != len(items) or not isinstance(value, dict):
            raise Unsupported
        return value

    def block(self, i: int, indent: int) -> tuple[Any, int]:
        content = self.items[i][2]
        if _is_dash(content):
            return self.sequence(i, indent)
        return self.mapping(i, indent)

    def mapping(self, i: int, indent: int) -> tuple[dict[str, Any], int]:
        items, count = self.items, len(self.items)
        result: dict[str, Any] = {}
        keys: dict[str, int] = {}
        first = items[i][0]
        while i < count:
            number, at, content = items[i]
            if at < indent:
                break
            match = _KEY.match(content)
            if at > indent or match is None:
                raise Unsupported
            key, rest = match.group(1), match.group(2)
            if key in keys or (key not in self.words and not self.word(key)):
                raise Unsupported
            keys[key] = number
            i += 1
            if rest is not None and rest[0] != "#":
                result[key] = self.inline(rest, number)
                if i < count and items[i][1] > indent:
                    raise Unsupported
            elif i < count and items[i][1] > indent:
                result[key], i = self.block(i, items[i][1])
            elif i < count and items[i][1] == indent and _is_dash(items[i][2]):
                result[key], i = self.sequence(i, indent)
            else:
                result[key] = None
        result[LINE_KEY] = first
        result[KEYS_KEY] = keys
        return result, i

    def sequence(self, i: int, indent: int) -> tuple[list[Any], int]:
        items, count = self.items, len(self.items)
        result: list[Any] = []
        while i < count:
            number, at, content = items[i]
            if at < indent:
                break
            if at > indent:
                raise Unsupported
            if self.progress is not None and len(result) % 1000 == 999:
                self.progress(self.starts[number - 1], self.total)
            if content.startswith("- {") and (simple := _SIMPLE_MAP.match(content, 2)):
                result.append(self.simple_map(simple, number))  # most lines of a model
                i += 1
                if i < count and items[i][1] > indent:
                    raise Unsupported
                continue
            if not _is_dash(content):
                break  # the next key of the mapping holding an indentless list
            rest = content[2:].lstrip(" ")
            if not rest or rest[0] == "#":
                i += 1
                if i < count and items[i][1] > indent:
                    value, i = self.block(i, items[i][1])
                else:
                    value = None
            elif rest == "-" or rest.startswith("- ") or _KEY.match(rest):
                items[i] = (number, at + len(content) - len(rest), rest)
                value, i = self.block(i, items[i][1])
            else:
                value = self.inline(rest, number)
                i += 1
                if i < count and items[i][1] > indent:
                    raise Unsupported
            result.append(value)
        return result, i

    def inline(self, text: str, number: int) -> Any:
        """A value written on its key's or dash's line."""
        first = text[0]
        if first == "{" and (simple := _SIMPLE_MAP.match(text)):
            return self.simple_map(simple, number)
        if first in "{[":
            value, end = self.flow(text, 0, number)
            if _END.match(text, end) is None:
                raise Unsupported
            return value
        if first == '"':
            match = _DOUBLE.match(text)
            if match is None:
                raise Unsupported
            return match.group(1)
        if first == "'":
            match = _SINGLE.match(text)
            if match is None:
                raise Unsupported
            return match.group(1).replace("''", "'")
        if not _plain_start(text):
            raise Unsupported
        cut = text.find(" #")
        if cut >= 0:
            text = text[:cut].rstrip(" ")
        if ": " in text or text.endswith(":") or any(c in text for c in "#[]{}"):
            raise Unsupported
        return self.scalar(text)

    def simple_map(self, simple: re.Match[str], number: int) -> dict[str, Any]:
        """A flow mapping that matched ``_SIMPLE_MAP``: split it (not the comment after it)."""
        mapping: dict[str, Any] = {}
        keys: dict[str, int] = {}
        plain, words = self.plain, self.words
        for key, value in _SIMPLE_PAIR.findall(simple.string, simple.start() + 1, simple.end()):
            if key in keys or (key not in words and not self.word(key)):
                raise Unsupported
            keys[key] = number
            first = value[0]
            if first == '"':
                mapping[key] = value[1:-1]
            elif first == "[":
                mapping[key] = self.simple_list(value[1:-1])
            elif value in plain:
                mapping[key] = plain[value]
            else:
                mapping[key] = self.scalar(value)
        mapping[LINE_KEY] = number
        mapping[KEYS_KEY] = keys
        return mapping

    def simple_list(self, listed: str) -> list[Any]:
        """A flat flow list of plain scalars (memoised: the same lists recur a lot)."""
        known = self.lists.get(listed)
        if known is not None:
            return known.copy()
        values = []
        if listed.strip(" "):
            for part in listed.split(","):
                item = part.strip(" ")
                if not _plain_start(item):
                    raise Unsupported
                values.append(self.scalar(item))
        self.lists[listed] = values
        return values.copy()

    def word(self, key: str) -> bool:
        """Whether ``key`` may be a mapping key: a plain word, not a number or the like."""
        if key in _RESERVED or type(self.scalar(key)) is not str:
            return False
        self.words.add(key)
        return True

    def flow(self, text: str, pos: int, number: int) -> tuple[Any, int]:
        """A flow mapping or list starting at ``text[pos]``, and the position after it."""
        close = "}" if text[pos] == "{" else "]"
        pos += 1
        mapping: dict[str, Any] = {}
        keys: dict[str, int] = {}
        values: list[Any] = []
        end = _DELIM.match(text, pos)
        if end is not None and end.group(1) == close:
            pos = end.end()
        else:
            while True:
                if close == "}":
                    match = _FLOW_KEY.match(text, pos)
                    if match is None:
                        raise Unsupported
                    key = match.group(1)
                    if key in keys or (key not in self.words and not self.word(key)):
                        raise Unsupported
                    keys[key] = number
                    pos = match.end()
                value, pos, delimiter = self.flow_value(text, pos, number)
                if close == "}":
                    mapping[key] = value
                else:
                    values.append(value)
                if delimiter == close:
                    break
                if delimiter != ",":
                    raise Unsupported
        if close == "]":
            return values, pos
        mapping[LINE_KEY] = number
        mapping[KEYS_KEY] = keys
        return mapping, pos

    def flow_value(self, text: str, pos: int, number: int) -> tuple[Any, int, str]:
        """One value inside a flow collection, the position after its delimiter, the delimiter."""
        while text[pos : pos + 1] == " ":
            pos += 1
        if text[pos : pos + 1] in ("{", "["):
            value, pos = self.flow(text, pos, number)
            end = _DELIM.match(text, pos)
            if end is None:
                raise Unsupported
            return value, end.end(), end.group(1)
        match = _FLOW_SCALAR.match(text, pos)
        if match is None:
            raise Unsupported
        double, single, plain, delimiter = match.groups()
        if plain is not None:
            value = self.scalar(plain.rstrip(" "))
        elif double is not None:
            value = double
        else:
            value = single.replace("''", "'")
        return value, match.end(), delimiter

    def scalar(self, text: str) -> Any:
        """A plain scalar, resolved as the careful loader does (memoised: ids repeat a lot)."""
        try:
            return self.plain[text]
        except KeyError:
            pass
        tag = self.resolver.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
        value: Any
        if tag == _STR:
            value = text
        elif tag == "tag:yaml.org,2002:int" and _DECIMAL.fullmatch(text):
            try:
                value = int(text)
            except ValueError:  # more digits than Python converts: the careful loader says so
                raise Unsupported from None
        elif tag == "tag:yaml.org,2002:bool" and text.lower() in ("true", "false"):
            value = text.lower() == "true"
        elif tag == "tag:yaml.org,2002:null":
            value = None
        elif tag in ("tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"):
            try:
                value = self.constructor.construct_object(yaml.ScalarNode(tag, text))
            except (ValueError, OverflowError, yaml.YAMLError):
                raise Unsupported from None
        else:
            raise Unsupported
        self.plain[text] = value
        return value
