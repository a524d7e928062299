"""The day's review queue is cached between cards: it must always serve what a fresh read would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aksio.clock import FixedClock
from aksio.service import Aksio

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=40)  # every card answered at T0 is due again by then


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def app(home: Path, clock: FixedClock) -> Iterator[Aksio]:
    opened = Aksio.open(home, clock, tz=UTC)
    yield opened
    opened.close()


def _due_reviews(app: Aksio, clock: FixedClock, n: int, kind: str = "basic") -> list[str]:
    """``n`` notes answered at T0 (ratings spread so stabilities differ), all due at LATER."""
    app.add_course("Bio")
    app.edit_course("Bio", scheduling={"fuzz": False})
    ids = [c.id for i in range(n) for c in app.add_card("Bio", f"question {i}", f"answer {i}", kind=kind)]
    for i, card_id in enumerate(ids):
        for rating, at in ((4 if i % 2 else 3, T0 + timedelta(days=i % 3)), (3, T0 + timedelta(days=3 + i % 4))):
            clock.set(at)  # an answer's time is now, or not far from it
            app.answer(card_id, rating, at=at)
    clock.set(LATER)
    return ids


def test_the_cached_queue_serves_what_a_fresh_read_serves(app: Aksio, home: Path, clock: FixedClock) -> None:
    _due_reviews(app, clock, 12)
    served: list[str] = []
    while (card := app.next_card()) is not None and len(served) < 30:
        with Aksio.open(home, clock, tz=UTC) as fresh:  # no cache at all
            expected = fresh.next_card()
        assert expected is not None and card == expected
        served.append(card.id)
        app.answer(card.id, "good")
    assert len(served) == len(set(served)) == 12


def test_an_edit_shows_in_the_next_card(app: Aksio, clock: FixedClock) -> None:
    _due_reviews(app, clock, 4)
    first = app.next_card()
    assert first is not None
    app.edit_card(first.id, front="rewritten question")
    again = app.next_card()
    assert again is not None and again.id == first.id and again.front == "rewritten question"


def test_a_card_answered_elsewhere_is_not_served_again(app: Aksio, home: Path, clock: FixedClock) -> None:
    _due_reviews(app, clock, 4)
    shown = app.next_card()
    assert shown is not None
    with Aksio.open(home, clock, tz=UTC) as other:  # another process on the same data dir
        other.answer(shown.id, "good")
    following = app.next_card()
    assert following is not None and following.id != shown.id
    assert app.due().counts.review == 3


def test_a_sibling_is_not_served_after_its_note_was_answered(app: Aksio, clock: FixedClock) -> None:
    _due_reviews(app, clock, 3, kind="reverse")
    seen_notes: list[str] = []
    while (card := app.next_card()) is not None:
        assert card.note_id not in seen_notes, "a sibling came back the same day"
        seen_notes.append(card.note_id)
        app.answer(card.id, "good")
    assert len(seen_notes) == 3


def test_a_lapsed_card_returns_when_its_relearning_step_is_due(app: Aksio, clock: FixedClock) -> None:
    _due_reviews(app, clock, 5)
    lapsed = app.next_card()
    assert lapsed is not None
    app.answer(lapsed.id, "again")  # relearning: due again in 10 minutes
    following = app.next_card()
    assert following is not None and following.id != lapsed.id
    clock.set(LATER + timedelta(minutes=11))
    back = app.next_card()
    assert back is not None and back.id == lapsed.id and back.state.queue == "learning"


def test_undo_puts_the_card_back_on_top(app: Aksio, clock: FixedClock) -> None:
    _due_reviews(app, clock, 4)
    first = app.next_card()
    assert first is not None
    app.answer(first.id, "good")
    assert (following := app.next_card()) is not None and following.id != first.id
    app.undo()
    again = app.next_card()
    assert again is not None and again.id == first.id and again.state == first.state
