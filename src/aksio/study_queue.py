"""The study queue: what ``next_card`` serves, kept between calls so that a study loop does not sort the due
cards again for every card."""

from __future__ import annotations

from collections.abc import Callable

from msgspec import field

from aksio.models import Card
from aksio.records import Record
from aksio.storage import cards as card_rows
from aksio.storage import queue as queue_rows
from aksio.storage.cards import QUEUE_LEARNING, QUEUE_REVIEW
from aksio.storage.db import Database
from aksio.storage.queue import StateRow

_PREFETCH = 4  # cards built ahead from the top of the day's review queue (more: a slower p99)
Stamp = tuple[int, int]


class DayQueue(Record):
    """One scope's due reviews for the study day, most forgotten on top, and the next cards already built."""

    course_id: str | None
    cutoff: int
    stamp: Stamp
    learning_due: int | None  # the first visible learning step's due time, a lower bound
    reviews: list[str]
    gone: set[str] = field(default_factory=set)
    ready: dict[str, Card] = field(default_factory=dict)

    def top(self) -> str | None:
        while self.reviews:
            if self.reviews[-1] not in self.gone:
                return self.reviews[-1]
            self.gone.discard(self.reviews.pop())
        return None


class StudyQueue:
    """The day queue of each scope (one course, or all) and the course names a study loop asks for.

    Valid while the database stamp (``Database.stamp``) is unchanged and the study day is the same: any commit,
    here or by another process, rebuilds a queue at its next use, except an answer given through ``answered``,
    which keeps the queues right itself (the answered card and the siblings it buried are gone)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._days: dict[str | None, DayQueue] = {}
        self._scopes: dict[str, tuple[Stamp, str]] = {}

    def course_id(self, ref: str, resolve: Callable[[str], str], stamp: Stamp | None = None) -> str:
        """``resolve(ref)``, remembered while the database is unchanged (a study loop asks it every card).
        ``stamp``: the database's, if the caller has it (reading it costs a query)."""
        stamp = stamp or self._db.stamp()
        hit = self._scopes.get(ref)
        if hit is None or hit[0] != stamp:
            hit = self._scopes[ref] = (stamp, resolve(ref))
        return hit[1]

    def next_due(
        self, course_id: str | None, now: int, cutoff: int, stamp: Stamp | None = None
    ) -> tuple[str | None, DayQueue | None]:
        """A due learning step (with None), else the top due review of the day (with its queue), else nothing."""
        queue = self.day(course_id, now, cutoff, stamp)
        if queue.learning_due is not None and queue.learning_due <= now:
            found = queue_rows.next_learning(self._db, now, course_id)
            if found:
                return found, None
            queue.learning_due = queue_rows.first_learning_due(self._db, now, course_id)
        found = queue.top()
        return (found, queue) if found else (None, None)

    def day(self, course_id: str | None, now: int, cutoff: int, stamp: Stamp | None = None) -> DayQueue:
        """The scope's day queue, built by one sorted query when the day turns or the database changed."""
        stamp = stamp or self._db.stamp()
        queue = self._days.get(course_id)
        if queue is None or queue.cutoff != cutoff or queue.stamp != stamp:
            queue = self._days[course_id] = DayQueue(
                course_id=course_id,
                cutoff=cutoff,
                stamp=stamp,
                learning_due=queue_rows.first_learning_due(self._db, now, course_id),
                reviews=queue_rows.due_reviews(self._db, now, cutoff, course_id)[::-1],
            )
        return queue

    def card(self, queue: DayQueue, card_id: str) -> Card | None:
        """The queue's top card, built with the next few in one query (the loop will ask for them next)."""
        card = queue.ready.get(card_id)
        if card is None:
            upcoming = [c for c in reversed(queue.reviews[-_PREFETCH:]) if c not in queue.gone]
            queue.ready = card_rows.get_many(self._db, upcoming)
            card = queue.ready.get(card_id)
        return card

    def shown(self, card_id: str) -> Card | None:
        """The card as a still-valid queue built it for showing, if one did (an answer then needs no query)."""
        stamp = self._db.stamp()
        for queue in self._days.values():
            if queue.stamp == stamp and card_id in queue.ready:
                return queue.ready[card_id]
        return None

    def answered(self, before: Stamp, after: Stamp, row: StateRow, hidden: list[str]) -> None:
        """Keep the queues right after an answer that was the only change between two stamps: ``row`` is the
        card's new state, ``hidden`` the siblings it buried."""
        for course_id, queue in list(self._days.items()):
            mine = course_id is None or course_id == row.course_id
            back_today = row.queue == QUEUE_REVIEW and row.due <= queue.cutoff
            if queue.stamp != before or (mine and back_today):
                del self._days[course_id]
                continue
            queue.gone.add(row.card_id)
            queue.gone.update(hidden)
            queue.ready.pop(row.card_id, None)
            if mine and row.queue == QUEUE_LEARNING:
                queue.learning_due = row.due if queue.learning_due is None else min(queue.learning_due, row.due)
            queue.stamp = after

    def changed(self) -> None:
        """Forget every queue: called before a change that a stamp might not tell apart from an answer."""
        self._days.clear()
