"""Which patterns ``adapters.spark.patterns`` compiles for byte matching, and into what.
(That the programs give ``rlike``'s verdicts is tested on Spark: test_byte_patterns.)"""

from __future__ import annotations

import pytest

from adapters.spark.patterns import program

ATOM = 18


def _alternatives(code: bytes) -> list[tuple[int, list[tuple[int, int, set[int]]]]]:
    """The program read back: each alternative's flags and atoms (least, most, bytes); its
    shortest and longest match are checked against its atoms on the way."""
    found, at = [], 1
    for _ in range(code[0]):
        flags, count = code[at], code[at + 1]
        least, longest = (int.from_bytes(code[i : i + 2], "big") for i in (at + 2, at + 4))
        at += 6
        atoms = []
        for _ in range(count):
            mask = code[at + 2 : at + ATOM]
            members = {b for b in range(128) if mask[b >> 3] >> (b & 7) & 1}
            atoms.append((code[at], code[at + 1], members))
            at += ATOM
        assert least == sum(a[0] for a in atoms)
        unbounded = any(a[1] == 255 for a in atoms)
        assert longest == (0xFFFF if unbounded else sum(a[1] for a in atoms))
        found.append((flags, atoms))
    assert at == len(code)
    return found


DIGITS = set(range(ord("0"), ord("9") + 1))


def test_an_anchored_pattern_is_a_sequence_of_counted_classes() -> None:
    ((flags, atoms),) = _alternatives(program(r"^SKU-\d{5}$") or b"")
    assert flags == 3
    assert atoms == [
        (1, 1, {ord("S")}), (1, 1, {ord("K")}), (1, 1, {ord("U")}), (1, 1, {ord("-")}),
        (5, 5, DIGITS),
    ]  # fmt: skip


def test_a_group_of_choices_is_one_alternative_per_choice() -> None:
    found = _alternatives(program(r"\.(jsonl|csv)$") or b"")
    assert [flags for flags, _ in found] == [2, 2]
    assert ["".join(chr(min(b)) for _, _, b in atoms) for _, atoms in found] == [".jsonl", ".csv"]


@pytest.mark.parametrize(
    ("regex", "least", "most"),
    [("a?", 0, 1), ("a*", 0, 255), ("a+", 1, 255), ("a{3}", 3, 3), ("a{2,}", 2, 255),
     ("a{0,254}", 0, 254)],
)  # fmt: skip
def test_counts(regex: str, least: int, most: int) -> None:
    ((_, [(got_least, got_most, _)]),) = _alternatives(program(regex) or b"")
    assert (got_least, got_most) == (least, most)


def test_classes_and_escapes() -> None:
    ((_, atoms),) = _alternatives(program(r"[a-c_\d][-x]\s\w\.\\") or b"")
    assert [members for _, _, members in atoms] == [
        {ord("a"), ord("b"), ord("c"), ord("_")} | DIGITS,
        {ord("-"), ord("x")},
        {ord(c) for c in " \t\n\x0b\f\r"},
        DIGITS | set(range(ord("a"), ord("z") + 1)) | set(range(ord("A"), ord("Z") + 1)) | {ord("_")},
        {ord(".")},
        {ord("\\")},
    ]  # fmt: skip


def test_only_a_final_unescaped_dollar_is_the_end() -> None:
    assert _alternatives(program(r"a\$") or b"")[0][0] == 0
    assert _alternatives(program(r"a\\$") or b"")[0][0] == 2


@pytest.mark.parametrize(
    "regex",
    [
        "a.b", "[^a]", "(ab)+", "(a(b))", "a+?", "a++", "(?i)a", "a|b", r"\bx", r"\D", r"\x41",
        "a{255}", "a{1,255}", "a{2,1}", "a{,3}", "a{x}", "é", "[é]", "[a-\\d]", r"[\d-z]",
        "[a&&b]", "[[a]]", "[]", "a^", "$a", "a$$", "[z-a]", "(a", "\\",
    ],
)  # fmt: skip
def test_anything_else_stays_rlike(regex: str) -> None:
    assert program(regex) is None
