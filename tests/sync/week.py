"""A week on two devices, one of them offline, then a sync: the story every transport must tell the same way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from aksio.service import Aksio
from tests.core.test_merge import dump, geography


def a_week_apart(a: Aksio, b: Aksio, sync: Callable[[Aksio], object]) -> None:
    """A makes a course and both sync; for a week A studies, edits and syncs every day while B studies offline,
    then tags, deletes and adds; B syncs once, then A. Both must then hold the same courses, cards, tags, states
    and history, each review once, and a rebuild of the scheduling cache must change nothing."""
    cards = geography(a)
    sync(a)
    sync(b)
    for day in range(7):
        for home in (a, b):
            home.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
            for _ in range(8):  # a learning card answered Hard comes back the same day: a few rounds a day
                if (card := home.next_card()) is None:
                    break
                home.answer(card.id, 3 if day % 3 else 2)
        a.edit_card(cards[0], back=f"Paris (day {day})")
        sync(a)
    b.edit_card(cards[1], add_tags=["hard"])
    b.delete_card(cards[4])  # the cloze note, both its cards
    b.add_card("Geography", "Capital of Portugal?", "Lisbon", tags=["capitals"])
    sync(b)
    sync(a)
    assert dump(a) == dump(b)
    counted = [home.db.query_one("SELECT count(*), count(DISTINCT id) FROM review") for home in (a, b)]
    assert tuple(counted[0]) == tuple(counted[1]) and counted[0][0] == counted[0][1] > 7
    assert a.card(cards[0]).back == b.card(cards[0]).back == "Paris (day 6)"
    assert "hard" in a.card(cards[1]).tags and "Capital of Portugal?" in {c.front for c in a.cards()}
    for home in (a, b):
        assert home.doctor(rebuild=True)["identical"]
