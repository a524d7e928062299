"""The study queue is an object of its own: built once, kept while the database is unchanged, rebuilt after
any other change or a new study day, and kept right by an answer."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

from aksio.clock import FixedClock
from aksio.service import Aksio
from aksio.study_queue import StudyQueue
from tests.core.test_day_queue import LATER, app, clock

__all__ = ["app", "clock"]  # the day queue's fixtures: a facade over a clock the tests move


def _due(app: Aksio, clock: FixedClock, n: int) -> list[str]:
    app.add_course("Bio")
    app.edit_course("Bio", scheduling={"fuzz": False})
    ids = [app.add_card("Bio", f"question {i}", f"answer {i}")[0].id for i in range(n)]
    for card_id in ids:
        app.answer(card_id, "easy")  # a review card, due again within LATER
    clock.set(LATER)
    return ids


def _window(app: Aksio) -> tuple[int, int]:
    day = app.study_day()
    return int(app.now().timestamp()), int(day.end.timestamp())


def test_the_queue_is_built_once_and_kept_while_the_database_is_unchanged(app: Aksio, clock: FixedClock) -> None:
    ids = _due(app, clock, 5)
    queue = StudyQueue(app.db)
    built = queue.day(None, *_window(app))
    assert sorted(built.reviews) == sorted(ids)
    assert queue.day(None, *_window(app)) is built
    top, day = queue.next_due(None, *_window(app))
    assert day is built and top == built.reviews[-1]
    assert queue.card(built, top) is not None and queue.shown(top) is not None  # built for showing


def test_a_commit_by_another_process_rebuilds_the_queue(app: Aksio, home: Path, clock: FixedClock) -> None:
    _due(app, clock, 4)
    queue = StudyQueue(app.db)
    top, built = queue.next_due(None, *_window(app))
    assert built is not None and top is not None
    with Aksio.open(home, clock, tz=UTC) as other:
        other.answer(top, "good")
    assert queue.shown(top) is None  # the card it built is stale now
    rebuilt = queue.day(None, *_window(app))
    assert rebuilt is not built and top not in rebuilt.reviews


def test_an_answer_keeps_the_queue_without_a_rebuild(app: Aksio, clock: FixedClock) -> None:
    _due(app, clock, 4)
    built = app.study_queue.day(None, *_window(app))
    top = built.top()
    assert top is not None
    app.answer(top, "good")  # due again in days: out of today's queue
    assert app.study_queue.day(None, *_window(app)) is built
    assert built.top() not in (None, top) and len([c for c in built.reviews if c not in built.gone]) == 3


def test_an_answer_that_brings_the_card_back_today_rebuilds(app: Aksio, clock: FixedClock) -> None:
    _due(app, clock, 3)
    built = app.study_queue.day(None, *_window(app))
    top = built.top()
    assert top is not None
    app.answer(top, "again")  # relearning: a learning step today
    after = app.study_queue.day(None, *_window(app))
    assert after is built and after.learning_due is not None  # the step is known without a rebuild
    assert app.next_card() is not None


def test_a_new_study_day_rebuilds_the_queue(app: Aksio, clock: FixedClock) -> None:
    _due(app, clock, 3)
    queue = StudyQueue(app.db)
    today = queue.day(None, *_window(app))
    clock.set(LATER + timedelta(days=1))
    tomorrow = queue.day(None, *_window(app))
    assert tomorrow is not today and tomorrow.cutoff > today.cutoff


def test_changed_forgets_every_queue(app: Aksio, clock: FixedClock) -> None:
    _due(app, clock, 2)
    queue = StudyQueue(app.db)
    course = app.course("Bio").id
    first = queue.day(course, *_window(app))
    queue.changed()
    assert queue.day(course, *_window(app)) is not first


def test_a_course_name_is_resolved_once_while_nothing_changes(app: Aksio, clock: FixedClock) -> None:
    _due(app, clock, 1)
    asked: list[str] = []

    def resolve(ref: str) -> str:
        asked.append(ref)
        return app.course_id(ref)

    queue = StudyQueue(app.db)
    assert queue.course_id("Bio", resolve) == queue.course_id("Bio", resolve) == app.course("Bio").id
    assert asked == ["Bio"]
    app.add_course("Chem")
    queue.course_id("Bio", resolve)
    assert asked == ["Bio", "Bio"]
