"""MERGE semantics on the reference implementation: idempotent, order-independent, deduplicating."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from lakecore.merge import MergeSpec, dedupe, merge

SPEC = MergeSpec(keys=("id",), order_by=("v",), tiebreak=("payload",))

rows = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.integers(0, 5),
            "v": st.none() | st.integers(0, 3),
            "payload": st.none() | st.sampled_from(["a", "b", "c"]),
        }
    ),
    max_size=30,
)


def _content(result: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((r["id"], r["v"] or -1, r["payload"] or "") for r in result)


@given(rows, rows)
def test_merging_a_batch_twice_equals_merging_it_once(
    target: list[dict[str, Any]], batch: list[dict[str, Any]]
) -> None:
    once = merge(dedupe(target, SPEC), batch, SPEC)
    twice = merge(once.rows, batch, SPEC)
    assert _content(twice.rows) == _content(once.rows)
    assert twice.inserted == 0
    assert twice.updated == 0


@given(rows, st.randoms())
def test_the_winner_does_not_depend_on_arrival_order(batch: list[dict[str, Any]], rnd: Any) -> None:
    shuffled = list(batch)
    rnd.shuffle(shuffled)
    half = len(shuffled) // 2
    in_two_batches = merge(merge([], shuffled[:half], SPEC).rows, shuffled[half:], SPEC)
    assert _content(in_two_batches.rows) == _content(merge([], batch, SPEC).rows)


@given(rows)
def test_dedupe_keeps_one_row_per_key_with_the_greatest_version(
    batch: list[dict[str, Any]],
) -> None:
    result = dedupe(batch, SPEC)
    assert sorted(r["id"] for r in result) == sorted({r["id"] for r in batch})
    for row in result:
        same_key = [r for r in batch if r["id"] == row["id"]]
        best_v = max((r["v"] for r in same_key if r["v"] is not None), default=None)
        assert row["v"] == best_v


def test_a_newer_version_updates_and_an_older_one_does_not() -> None:
    start = merge([], [{"id": 1, "v": 2, "payload": "x"}], SPEC)
    older = merge(start.rows, [{"id": 1, "v": 1, "payload": "z"}], SPEC)
    newer = merge(start.rows, [{"id": 1, "v": 3, "payload": "a"}], SPEC)
    assert (older.updated, older.rows[0]["payload"]) == (0, "x")
    assert (newer.updated, newer.rows[0]["payload"]) == (1, "a")
