"""The rule a server keeps its users' rows by (``aksio.changes.merge_columns``, in Python) against the one a device
merges with (``aksio.storage.stamps``, in SQL): any versions of a row, merged in any order, come to the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aksio.changes import FORMAT, ChangeBatch, RowChange, merge_columns
from aksio.storage import stamps
from tests.conftest import NOW, open_home

_MS = int(NOW.timestamp() * 1000)
DEVICES = ("01a2-aaaa", "01a2-bbbb", "01a2-cccc")
EDITABLE = {
    "description": st.text(max_size=20),
    "archived": st.sampled_from([0, 1]),
    "daily_new_limit": st.integers(0, 99),
}

stamp = st.builds(
    lambda ms, counter, device: f"{ms:013d}-{counter:04x}-{device}",
    st.integers(_MS - 3, _MS + 3),  # about the first version's own (made at NOW): older and newer alike
    st.integers(0, 3),
    st.sampled_from(DEVICES),
)
edit = st.dictionaries(st.sampled_from(sorted(EDITABLE)), st.just(None), min_size=1).flatmap(
    lambda keys: st.fixed_dictionaries({k: st.tuples(EDITABLE[k], stamp) for k in keys})
)


@settings(max_examples=60, deadline=None)
@given(edits=st.lists(edit, min_size=1, max_size=6), order=st.randoms(use_true_random=False))
def test_the_servers_rule_and_a_devices_merge_agree(
    tmp_path_factory: Any, edits: list[dict[str, Any]], order: Any
) -> None:
    source = open_home(Path(tmp_path_factory.mktemp("a")))
    target = open_home(Path(tmp_path_factory.mktemp("b")))
    try:
        course = source.add_course("Geography")
        (first,) = source.changes_since(0)[0].tables["course"]
        versions = [first.columns(), *({**first.columns(), **e} if i == 0 else e for i, e in enumerate(edits))]
        sequence = [versions[0], *order.sample(versions[1:] * 2, k=len(versions[1:]) * 2)]
        held: dict[str, tuple[Any, str]] | None = None
        for version in sequence:
            held = merge_columns(held, version) or held
            batch = ChangeBatch(
                format=FORMAT,
                device="01a2-dddd",
                since=0,
                upto=1,
                high=None,
                tables={"course": [RowChange.of(course.id, version)]},
            )
            target.apply_changes(batch)
        assert held is not None
        taken = sum(held[c] != versions[0][c] for c in EDITABLE)
        assert taken or all(v[1] < versions[0][c][1] for e in edits for c, v in e.items())  # or every edit was older
        assert stamps.row_columns(target.db, "course", [course.id])[course.id] == held
    finally:
        source.close()
        target.close()


def test_a_row_given_by_its_columns_carries_them_back() -> None:
    columns = {"a": (1, "s2"), "b": ("x", "s1"), "c": (None, "s2")}
    row = RowChange.of("id", columns)
    assert row.stamp == "s2" and row.stamps == {"b": "s1"} and row.columns() == columns
    assert merge_columns(columns, {"a": (5, "s1")}) is None  # older: nothing changes
    assert merge_columns(columns, {"a": (5, "s3"), "d": (0, "s0")}) == {**columns, "a": (5, "s3"), "d": (0, "s0")}
