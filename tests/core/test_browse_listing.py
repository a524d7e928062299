"""The browser's listing: rows handed out as ``BrowseRow``s however they are read, held where the cyclic collector
does not walk them, found by word and tag whichever way the query runs, and the listing without words kept until
something changes."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from aksio.browse import BrowseRow, BrowseRows, browse_rows
from aksio.service import Aksio
from aksio.storage import browse as browse_sql


def row(n: int, note: str | None = None, front: str | None = None) -> BrowseRow:
    return BrowseRow(f"card-{n}", "Biology", "basic", 0, 0, None, 0, front or f"Question {n}?", note or f"note-{n}")


def listing(*rows: BrowseRow) -> BrowseRows:
    return BrowseRows(tuple(r) for r in rows)


def test_a_listing_hands_out_browse_rows_however_it_is_read() -> None:
    rows = listing(row(1), row(2), row(3))

    assert isinstance(rows[0], BrowseRow) and rows[0].front == "Question 1?" and rows[-1].id == "card-3"
    assert isinstance(rows[1:], BrowseRows) and [r.id for r in rows[1:]] == ["card-2", "card-3"]
    assert [r.id for r in rows] == ["card-1", "card-2", "card-3"]
    assert [r.id for r in reversed(rows)] == ["card-3", "card-2", "card-1"]
    assert all(isinstance(r, BrowseRow) for r in [*rows, *list(rows), *sorted(rows)])
    more = [row(4)]
    both = rows + more
    assert isinstance(both, BrowseRows) and both[3].id == "card-4" and len(both) == 4

    copied = rows.copy()
    assert isinstance(copied, BrowseRows) and copied == rows and copied is not rows
    assert copied.pop().id == "card-3" and len(copied) == 2 and len(rows) == 3
    rows.sort(key=lambda r: r.front, reverse=True)
    assert rows.ids() == ["card-3", "card-2", "card-1"]
    assert row(2) in rows and rows.index(row(2)) == 1


def test_a_listing_finds_cards_and_updates_notes_without_a_row_object_for_each() -> None:
    rows = listing(row(1, "a"), row(2, "b"), row(3, "b"), row(4, "c"))

    assert rows.ids() == ["card-1", "card-2", "card-3", "card-4"]
    assert rows.index_of("card-3") == 2 and rows.index_of("card-9") is None
    assert [r.id for r in rows.of_cards({"card-4", "card-2"})] == ["card-2", "card-4"]

    # note b: card 2 edited, card 3 deleted; the other notes' rows stay as they were
    updated = rows.updated([row(2, "b", front="Edited?")], ["b"])
    assert isinstance(updated, BrowseRows)
    assert [(r.id, r.front) for r in updated] == [
        ("card-1", "Question 1?"),
        ("card-2", "Edited?"),
        ("card-4", "Question 4?"),
    ]


def test_the_cyclic_collector_stops_tracking_a_listings_rows(aksio: Aksio) -> None:
    aksio.add_course("Biology")
    for i in range(5):
        aksio.add_card("Biology", f"Question {i}?", f"Answer {i}")

    rows = browse_rows(aksio)
    gc.collect()

    held = [r for r in gc.get_referents(rows) if isinstance(r, tuple)]  # what the list holds (and its class)
    assert len(held) == 5 and not any(gc.is_tracked(r) for r in held)


@pytest.mark.parametrize(
    ("text", "tag", "course", "expected"),
    [
        ("mitosis", None, None, {"Mitosis splits?", "Cell cycle?", "Mitosis/back", "Meiosis?"}),
        ("MITOSIS splits", None, None, {"Mitosis splits?"}),
        ("mitosis", "exam", None, {"Mitosis splits?", "Meiosis?"}),
        ("mitosis", None, "Chemistry", {"Meiosis?"}),
        ("", "exam", None, {"Mitosis splits?", "Meiosis?", "Bonds?"}),
        ("zzyzx", None, None, set()),
    ],
)
def test_words_and_tags_find_a_notes_cards_by_its_front_or_back(
    aksio: Aksio, text: str, tag: str | None, course: str | None, expected: set[str]
) -> None:
    aksio.add_course("Biology")
    aksio.add_course("Chemistry")
    aksio.add_card("Biology", "Mitosis splits?", "into two cells", tags=["exam"])
    aksio.add_card("Biology", "Cell cycle?", "ends with mitosis")
    aksio.add_card("Biology", "Mitosis/front", "Mitosis/back", kind="reverse")  # both of its cards
    aksio.add_card("Chemistry", "Meiosis?", "unlike mitosis, halves", tags=["exam"])
    aksio.add_card("Chemistry", "Bonds?", "covalent", tags=["exam"])

    found = browse_rows(aksio, text=text, tag=tag, course_id=course)

    fronts = [r.front for r in found]
    want = expected | ({"Mitosis/front"} if "Mitosis/back" in expected else set())
    assert set(fronts) == want and len(fronts) == len(want)
    everything = [r.id for r in browse_rows(aksio)]
    assert [r.id for r in found] == [i for i in everything if i in {r.id for r in found}]  # the listing's order
    # the same, picked out of the listing just kept (for all courses) rather than queried
    assert browse_rows(aksio, text=text, tag=tag, course_id=course) == found


def test_the_listing_without_words_is_queried_again_only_once_something_changed(
    aksio: Aksio, monkeypatch: pytest.MonkeyPatch
) -> None:
    aksio.add_course("Biology")
    cards = [aksio.add_card("Biology", f"Question {i}?", f"Answer {i}")[0] for i in range(3)]
    aksio.add_card("Biology", "Other?", "Answer")
    asked: list[str] = []
    query, search = browse_sql.rows, browse_sql.notes_matching

    def listed(*args: Any, **kwargs: Any) -> BrowseRows:
        asked.append(f"cards {kwargs.get('sort', 'added')} {kwargs.get('text', '')}".strip())
        return query(*args, **kwargs)

    def searched(*args: Any, **kwargs: Any) -> set[str]:
        asked.append("notes")
        return search(*args, **kwargs)

    monkeypatch.setattr(browse_sql, "rows", listed)
    monkeypatch.setattr(browse_sql, "notes_matching", searched)

    first = browse_rows(aksio)
    first.pop()  # a caller's list is its own
    assert len(browse_rows(aksio)) == 4 and asked == ["cards added"]
    assert [r.front for r in browse_rows(aksio, text="question")] == [f"Question {i}?" for i in range(3)]
    assert asked == ["cards added", "notes"]  # picked out of the kept listing

    browse_rows(aksio, sort="front")  # other filters: queried, and kept instead
    aksio.suspend(cards[0].id)  # a commit: nothing kept is used any more
    assert browse_rows(aksio, sort="front", text="question")[0].state == "suspended"
    assert browse_rows(aksio, sort="front")[1].state == "suspended"
    assert asked == ["cards added", "notes", "cards front", "cards front question", "cards front"]
