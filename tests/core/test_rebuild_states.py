"""Rebuilding the scheduling cache from the review log gives, to the bit, the states answering gave."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from aksio.clock import FixedClock, iso
from aksio.service import Aksio
from aksio.srs.scheduler import Scheduler, SchedulerConfig
from aksio.storage.cards import QUEUE_LEARNING, QUEUE_NEW, QUEUE_PENDING, QUEUE_REVIEW, QUEUE_SUSPENDED

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
OTHER_OFFSET = timezone(timedelta(hours=-5))
FITTED = [0.5, 1.8, 4.0, 12.0, 6.0, 0.7, 2.5, 0.01, 1.6, 0.2, 0.9, 1.6, 0.08, 0.3, 1.7, 0.5, 2.2, 0.6, 0.1, 0.07, 0.25]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def app(tmp_path: Path, clock: FixedClock) -> Iterator[Aksio]:
    opened = Aksio.open(tmp_path / "home", clock, tz=UTC)
    yield opened
    opened.close()


def three_courses(app: Aksio, cards: int) -> dict[str, list[str]]:
    """Courses scheduled three ways (fuzz on and off, steps, caps, fitted weights), ``cards`` cards each."""
    app.add_course("Fuzzed")
    app.add_course("Plain")
    app.edit_course(
        "Plain",
        desired_retention=0.8,
        scheduling={"fuzz": False, "learning_steps": [5], "relearning_steps": [], "maximum_interval": 60},
    )
    app.add_course("Fitted")
    app.edit_course("Fitted", scheduling={"parameters": FITTED, "relearning_steps": [10, 60]})
    return {
        course: [app.add_card(course, f"{course} question {i}", "answer")[0].id for i in range(cards)]
        for course in ("Fuzzed", "Plain", "Fitted")
    }


def table(app: Aksio) -> dict[str, str]:
    """card_state by card, each row as the repr of its values: 1 and 1.0, or floats a bit apart, differ."""
    return {r[0]: repr(tuple(r)) for r in app.db.query("SELECT * FROM card_state")}


def test_a_rebuild_gives_the_states_answering_gave(app: Aksio, clock: FixedClock) -> None:
    ids = [card for cards in three_courses(app, 25).values() for card in cards]
    rng = random.Random(11)
    for _ in range(700):
        app.answer(rng.choice(ids), rng.choices([1, 2, 3, 4], [0.15, 0.15, 0.55, 0.15])[0])
        clock.advance(
            rng.choice([timedelta(0), timedelta(minutes=rng.randint(1, 50)), timedelta(hours=rng.randint(1, 100))])
        )
    for card in rng.sample(ids, 5):
        app.suspend(card)
    answered = table(app)
    report = app.doctor(rebuild=True)
    assert (report["rebuilt"], report["changed"], report["identical"]) == (75, 0, True)
    assert table(app) == answered

    # the reviewed cards' states wiped back to new: rebuilt to the same rows
    wiped = app.db.conn.execute(
        "UPDATE card_state SET queue = 0, due = 0, first_review = NULL, last_review = NULL, stability = NULL, "
        "difficulty = NULL, fsrs = NULL WHERE card_id IN (SELECT card_id FROM review)"
    ).rowcount
    assert wiped > 60
    assert app.rebuild_states() == (75, wiped)
    assert table(app) == answered


@pytest.mark.cache_damaged
def test_a_course_rebuild_touches_only_that_course(app: Aksio, clock: FixedClock) -> None:
    courses = three_courses(app, 4)
    for card in [c for cards in courses.values() for c in cards]:
        app.answer(card, 3)
        clock.advance(timedelta(minutes=7))
    answered = table(app)
    app.db.conn.execute("UPDATE card_state SET stability = 1.5")
    assert app.rebuild_states(app.course_id("Plain")) == (4, 4)
    rebuilt = table(app)
    assert {card: rebuilt[card] for card in courses["Plain"]} == {card: answered[card] for card in courses["Plain"]}
    assert all(rebuilt[card] != answered[card] for card in courses["Fuzzed"] + courses["Fitted"])


def reference_row(app: Aksio, card_id: str, scheduler: Scheduler) -> tuple[object, ...]:
    """The card's row from its log replayed answer by answer through fsrs's review_card (Scheduler.review)."""
    stored = app.db.query_one("SELECT * FROM card_state WHERE card_id = ?", (card_id,))
    assert stored is not None
    log = [
        (r[0], datetime.fromisoformat(r[1]))
        for r in app.db.query(
            "SELECT rating, reviewed_at FROM review WHERE card_id = ? AND deleted = 0 ORDER BY reviewed_at, id",
            (card_id,),
        )
    ]
    card = app.db.query_one(
        "SELECT k.suspended, n.status FROM card k JOIN note n ON n.id = k.note_id WHERE k.id = ?", (card_id,)
    )
    assert card is not None
    head = (card_id, stored["note_id"], stored["course_id"])
    tail = (stored["hidden_until"], stored["new_order"])
    if not log:
        queue = QUEUE_SUSPENDED if card[0] else QUEUE_PENDING if card[1] == "pending" else QUEUE_NEW
        return (*head, queue, stored["due"], *tail, None, None, None, None, None)
    memory = scheduler.new_state(card_id, log[0][1])
    for rating, at in log:
        memory = scheduler.review(memory, rating, at)
    queue = QUEUE_SUSPENDED if card[0] else QUEUE_REVIEW if memory.is_review else QUEUE_LEARNING
    return (
        *head,
        queue,
        int(memory.due.timestamp()),
        *tail,
        int(log[0][1].timestamp()),
        int(log[-1][1].timestamp()),
        memory.stability,
        memory.difficulty,
        json.dumps(memory.to_dict(), sort_keys=True),
    )


def test_a_rebuild_replays_the_log_as_stored_whatever_wrote_it(app: Aksio) -> None:
    """Reviews from elsewhere (sync): ids in any order, the same instant twice, other offsets, tombstones;
    held notes and suspended cards; cards never reviewed."""
    ids = three_courses(app, 12)["Fuzzed"]
    rng = random.Random(5)
    rows = []
    for card in ids[:10]:
        at = T0 - timedelta(days=400)
        for _ in range(rng.randint(1, 25)):
            at += rng.choice([timedelta(0), timedelta(minutes=10), timedelta(days=rng.randint(1, 60))])
            # the same instant with another offset sorts elsewhere as text, and the log is ordered as text
            text = iso(at) if rng.random() < 0.9 else at.astimezone(OTHER_OFFSET).isoformat()
            rows.append(
                {
                    "id": f"r{rng.getrandbits(64):016x}",
                    "card_id": card,
                    "rating": rng.randint(1, 4),
                    "reviewed_at": text,
                    "duration_ms": 0,
                    "device_id": "elsewhere",
                }
            )
    with app.db.write() as w:
        w.insert_many("review", rows)
        w.tombstone("review", [str(r["id"]) for r in rng.sample(rows, 8)])
    app.suspend(ids[3])
    app.suspend(ids[11])
    with app.db.write() as w:  # held, as generated notes are (the cards' states are left for the rebuild)
        for card in (ids[4], ids[10]):
            w.update("note", app.card(card).note_id, {"status": "pending"})
    app.rebuild_states()
    scheduler = Scheduler(SchedulerConfig())
    rebuilt = table(app)
    assert {card: rebuilt[card] for card in ids} == {card: repr(reference_row(app, card, scheduler)) for card in ids}
    assert app.doctor(rebuild=True)["identical"] is True
