"""A rule's pattern matched on the UTF-8 bytes Spark holds (``jars/lakecore``'s ``BytePatterns``).

Spark's ``rlike`` decodes every value into a Java string and runs ``java.util.regex`` on it;
on the gate's benchmark its 8 patterns cost twice a bare scan of the table. Most quality
patterns are sequences of ASCII character classes with counts (``^SKU-\\d{5}$``,
``^[A-Z]{3}$``, ``\\.(jsonl|csv)$``); ``program`` compiles those into the byte program
``BytePatterns`` runs, and ``matches`` falls back to ``rlike`` on the rule's ``matcher`` for
any other pattern and for a session without lakecore's jar. The two give the same verdict
on every value: classes hold ASCII bytes only, so no byte of a multi-byte character matches
one, and a final ``$`` is the value's end, as ``Pattern.matcher`` makes it for ``rlike``.

The subset: literal ASCII characters and escaped punctuation, ``\\d \\w \\s \\t \\n \\r \\f``,
classes of those and of ranges (not negated), the counts ``? * + {n} {n,} {n,m}`` (greedy),
a group of alternatives without counts, ``^`` first and ``$`` last.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from itertools import product

from py4j.java_gateway import JavaClass
from pyspark import SparkContext
from pyspark.sql import Column

from lakecore.rules import Pattern

#: ``BytePatterns`` reads a count of 255 as "no bound"; the highest bound it can hold is 254.
_UNBOUNDED = 255
#: ... and a longest match of 0xffff as "no longest" (an unbounded count in it).
_NO_LONGEST = 0xFFFF
_MOST_ALTERNATIVES = 16
_CLASS_BYTES = 16

_DIGITS = frozenset(range(ord("0"), ord("9") + 1))
_LETTERS = frozenset(range(ord("a"), ord("z") + 1)) | frozenset(range(ord("A"), ord("Z") + 1))
_SHORTHANDS = {
    "d": _DIGITS,
    "w": _DIGITS | _LETTERS | {ord("_")},
    "s": frozenset(b" \t\n\x0b\f\r"),
}
_CONTROLS = {"t": 9, "n": 10, "r": 13, "f": 12}
_SPECIAL = frozenset("\\^$.|?*+()[]{}")


class _Outside(Exception):
    """The pattern is outside the subset: ``rlike`` matches it."""


@dataclass(frozen=True, slots=True)
class _Atom:
    bytes_: frozenset[int]
    least: int
    most: int


@dataclass(frozen=True, slots=True)
class _Alternative:
    starts: bool
    ends: bool
    atoms: tuple[_Atom, ...]


def program(regex: str) -> bytes | None:
    """``BytePatterns``' program for a rule's pattern, or None when it is outside the subset."""
    try:
        alternatives = _Parser(*Pattern("", regex).until_end).alternatives()
    except _Outside:
        return None
    code = bytearray([len(alternatives)])
    for alternative in alternatives:
        if len(alternative.atoms) > 255:
            return None
        least = sum(atom.least for atom in alternative.atoms)
        bounded = all(atom.most != _UNBOUNDED for atom in alternative.atoms)
        longest = sum(atom.most for atom in alternative.atoms) if bounded else _NO_LONGEST
        code += bytes([alternative.starts | alternative.ends << 1, len(alternative.atoms)])
        code += least.to_bytes(2, "big") + min(longest, _NO_LONGEST).to_bytes(2, "big")
        for atom in alternative.atoms:
            mask = bytearray(_CLASS_BYTES)
            for byte in atom.bytes_:
                mask[byte >> 3] |= 1 << (byte & 7)
            code += bytes([atom.least, atom.most]) + mask
    return bytes(code)


def matches(value: Column, rule: Pattern) -> Column:
    """True where ``value`` matches ``rule`` somewhere, null where it is null (``rlike``)."""
    code = program(rule.regex)
    context = SparkContext._active_spark_context
    if code is None or context is None or not _has_jar(context):
        return value.rlike(rule.matcher)
    byte_patterns = context._jvm.io.lakecore.spark.BytePatterns  # type: ignore[union-attr]
    return Column(byte_patterns.column(value._jc, code))


_JAR_LOADED: weakref.WeakKeyDictionary[SparkContext, bool] = weakref.WeakKeyDictionary()


def _has_jar(context: SparkContext) -> bool:
    """Whether the session's driver has lakecore's jar (``make jars``; not on EMR's images)."""
    if context not in _JAR_LOADED:
        found = context._jvm.io.lakecore.spark.BytePatterns  # type: ignore[union-attr]
        _JAR_LOADED[context] = isinstance(found, JavaClass)
    return _JAR_LOADED[context]


class _Parser:
    def __init__(self, body: str, ends: bool) -> None:
        self.text, self.ends = body, ends
        self.starts = self.text.startswith("^")
        self.at = 1 if self.starts else 0

    def alternatives(self) -> list[_Alternative]:
        sequences: list[tuple[_Atom, ...]] = [()]
        while self.at < len(self.text):
            if self._peek() == "(":
                group = self._group()
                if self._peek() in ("?", "*", "+", "{"):
                    raise _Outside
                sequences = [left + right for left, right in product(sequences, group)]
                if len(sequences) > _MOST_ALTERNATIVES:
                    raise _Outside
            else:
                atom = self._atom()
                sequences = [(*sequence, atom) for sequence in sequences]
        return [_Alternative(self.starts, self.ends, atoms) for atoms in sequences]

    def _group(self) -> list[tuple[_Atom, ...]]:
        self.at += 1
        if self.text.startswith("?:", self.at):
            self.at += 2
        elif self._peek() == "?":
            raise _Outside
        choices: list[tuple[_Atom, ...]] = [()]
        while (char := self._peek()) != ")":
            if char == "|":
                self.at += 1
                choices.append(())
            elif char in ("", "("):
                raise _Outside
            else:
                choices[-1] += (self._atom(),)
        self.at += 1
        return choices

    def _atom(self) -> _Atom:
        char = self._take()
        if char == "\\":
            bytes_ = self._escape()
        elif char == "[":
            bytes_ = self._class()
        elif char in _SPECIAL or not _plain(char):
            raise _Outside
        else:
            bytes_ = frozenset({ord(char)})
        least, most = self._count()
        return _Atom(bytes_, least, most)

    def _escape(self) -> frozenset[int]:
        char = self._take()
        if char in _SHORTHANDS:
            return _SHORTHANDS[char]
        if char in _CONTROLS:
            return frozenset({_CONTROLS[char]})
        if char.isascii() and not char.isalnum() and _plain(char):
            return frozenset({ord(char)})
        raise _Outside

    def _class(self) -> frozenset[int]:
        if self._peek() in ("^", "]"):
            raise _Outside
        members: set[int] = set()
        while (char := self._take()) != "]":
            if char == "\\":
                members |= self._escape()
                if self._peek() == "-" and self.text[self.at + 1 : self.at + 2] != "]":
                    raise _Outside
            elif char in ("", "[", "&") or not _plain(char):
                raise _Outside
            elif self._peek() == "-" and self.text[self.at + 1 : self.at + 2] not in ("]", ""):
                self.at += 1
                last = self._take()
                if last in ("\\", "[", "&") or not _plain(last) or ord(last) < ord(char):
                    raise _Outside
                members |= set(range(ord(char), ord(last) + 1))
            else:
                members.add(ord(char))
        return frozenset(members)

    def _count(self) -> tuple[int, int]:
        char = self._peek()
        if char == "?":
            bounds = (0, 1)
        elif char == "*":
            bounds = (0, _UNBOUNDED)
        elif char == "+":
            bounds = (1, _UNBOUNDED)
        elif char == "{":
            close = self.text.find("}", self.at)
            if close < 0:
                raise _Outside
            bounds = _bounds(self.text[self.at + 1 : close])
            self.at = close
        else:
            return 1, 1
        self.at += 1
        if self._peek() in ("?", "+"):
            raise _Outside
        return bounds

    def _peek(self) -> str:
        return self.text[self.at : self.at + 1]

    def _take(self) -> str:
        char = self._peek()
        self.at += 1
        return char


def _plain(char: str) -> bool:
    """A printable ASCII character (both regex dialects read it as itself)."""
    return len(char) == 1 and " " <= char <= "~"


def _bounds(text: str) -> tuple[int, int]:
    """``n``, ``n,`` or ``n,m`` of a ``{...}`` count."""
    least, comma, most = text.partition(",")
    if not _number(least) or (most and not _number(most)):
        raise _Outside
    low = int(least)
    high = int(most) if most else (_UNBOUNDED if comma else low)
    if low > high or low >= _UNBOUNDED or (most and high >= _UNBOUNDED):
        raise _Outside
    return low, high


def _number(text: str) -> bool:
    return text.isascii() and text.isdigit()
