"""Cards and reviews on the facade: adding and curating cards, the due queue, answering, undo, leeches."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec.structs import replace

from aksio.bulk import collector_paused
from aksio.card_states import CardFacts, derived_state, hidden_until, same_state
from aksio.clock import iso, parse_iso
from aksio.errors import Conflict, InvalidInput, NotFound, list_limit, one_of
from aksio.models import Card, CardState, Course
from aksio.notes import ords_for
from aksio.records import FrozenRecord, Record, plain
from aksio.storage import activity as activity_rows
from aksio.storage import cards as card_rows
from aksio.storage import queue as queue_rows
from aksio.storage import reviews as review_rows
from aksio.storage.cards import QUEUE_LEARNING, QUEUE_NEW, QUEUE_PENDING, QUEUE_REVIEW, QUEUE_SUSPENDED
from aksio.storage.queue import StateRow

if TYPE_CHECKING:
    from aksio.config import Settings
    from aksio.srs.scheduler import MemoryState, Scheduler
    from aksio.storage.db import Database, Writer
    from aksio.study_queue import StudyQueue

RATINGS = {"again": 1, "hard": 2, "good": 3, "easy": 4}
RATING_NAMES = {v: k for k, v in RATINGS.items()}
_UNDO_DEPTH = 50
# A merge that touches more cards than this, and more than half of all, derives every state in one pass over the
# cards and reviews, rather than card by card (a few queries each).
_DERIVED_ONE_BY_ONE = 2000
# How far from now an answer given a time may be: a day ahead (a clock or a time zone a little off), twenty years
# back (a history replayed from another app). Beyond is a typo: a time far ahead would refuse every real answer
# after it (none may come before the card's last), and past year 9999 the dates overflow.
_AT_AHEAD = timedelta(days=1)
_AT_BEHIND = timedelta(days=20 * 365)


class DueCounts(Record, kw_only=True):
    learning: int
    review: int
    new: int  # new cards that may still be introduced today (after daily limits)


class DueSummary(Record, kw_only=True):
    course_id: str | None
    counts: DueCounts
    next_card: Card | None


class Preview(Record, kw_only=True):
    rating: int
    name: str
    due: str
    interval: str  # human form of the time until due, e.g. 10m, 3d, 2.1mo


class AnswerResult(Record, kw_only=True):
    review_id: str
    card: Card
    rating: int
    reviewed_at: str
    became_leech: bool = False


class UndoResult(Record, kw_only=True):
    review_id: str
    card: Card
    rating: int
    reviewed_at: str


class OptimizeReport(Record, kw_only=True):
    course_id: str
    n_reviews: int
    log_loss_default: float  # log loss of the current parameters on held-out reviews
    log_loss_fitted: float  # log loss of the fitted parameters on the same reviews
    applied: bool
    parameters: list[float]


class CardImportReport(Record, kw_only=True):
    course_id: str
    notes: int
    cards: int
    duplicates: int = 0  # rows left out: the course has their card already
    skipped: str | None = None  # why the whole file was not imported (it was before)


class StateCheck(Record, kw_only=True):
    """The scheduling cache checked against the live cards and their review logs."""

    cards: int  # live cards
    stale: int  # cached states that are not what replaying the card's reviews gives
    missing: int  # live cards without a cached state: they drop out of lists and study
    orphans: int  # cached states of deleted cards

    @property
    def wrong(self) -> int:
        return self.stale + self.missing + self.orphans


class StudyDay(FrozenRecord, frozen=True):
    start: datetime
    end: datetime


def parse_rating(value: str | int) -> int:
    """1-4 or again/hard/good/easy (any case)."""
    text = str(value).strip().lower()
    if text in RATINGS:
        return RATINGS[text]
    if text in ("1", "2", "3", "4"):
        return int(text)
    raise InvalidInput(f"rating {value!r} is not one of 1-4 or again, hard, good, easy")


def human_interval(delta: timedelta) -> str:
    seconds = max(delta.total_seconds(), 0)
    if seconds < 3600:
        return f"{max(round(seconds / 60), 1)}m"
    if seconds < 86400:
        return f"{seconds / 3600:.0f}h"
    days = seconds / 86400
    if days < 30:
        return f"{days:.0f}d"
    if days < 365:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"


def _ts(dt: datetime) -> int:
    return int(dt.timestamp())


class StudyMixin:
    """Mixed into ``aksio.service.Aksio``; relies on its ``db``, ``settings``, ``clock`` and ``course()``."""

    db: Database
    settings: Settings
    tz: tzinfo | None
    study_queue: StudyQueue

    if TYPE_CHECKING:

        def course(self, ref: str) -> Course: ...
        def course_id(self, ref: str) -> str: ...
        def now(self) -> datetime: ...

    # -- time ---------------------------------------------------------------------------------------

    def study_day(self, at: datetime | None = None) -> StudyDay:
        """The study day containing ``at``: it rolls over at ``study.day_starts_at`` local time."""
        at = at or self.now()
        rollover = (self.settings.study.day_starts_at, self.tz)
        last: tuple[tuple[int, tzinfo | None], StudyDay] | None = self.__dict__.get("_last_day")
        if last is not None and last[0] == rollover and last[1].start <= at < last[1].end:
            return last[1]  # asked for every card: mostly the same day
        day = self._study_day(at)
        self.__dict__["_last_day"] = (rollover, day)
        return day

    def _study_day(self, at: datetime) -> StudyDay:
        local = at.astimezone(self.tz)
        start = local.replace(hour=self.settings.study.day_starts_at, minute=0, second=0, microsecond=0)
        if local < start:
            start -= timedelta(days=1)
        end = (start + timedelta(days=1)).replace(hour=self.settings.study.day_starts_at)
        return StudyDay(start.astimezone(UTC), end.astimezone(UTC))

    # -- scheduling helpers -------------------------------------------------------------------------

    def _scheduler_for(self, course_id: str) -> tuple[Scheduler, Course]:
        """The course's scheduler, rebuilt only when its options change (one small indexed read per call)."""
        options = queue_rows.scheduling_options(self.db, course_id)
        cache: dict[str, tuple[tuple[Any, ...], Scheduler, Course]] = self.__dict__.setdefault("_schedulers", {})
        hit = cache.get(course_id)
        if hit is None or hit[0] != options:
            course = self.course(course_id)
            hit = (options, self._scheduler(course), course)
            cache[course_id] = hit
        return hit[1], hit[2]

    def _scheduler(self, course: Course) -> Scheduler:
        from aksio.srs.scheduler import Scheduler, SchedulerConfig

        cache: dict[tuple[str, str], Scheduler] = self.__dict__.setdefault("_scheduler_configs", {})
        key = (course.id, repr((course.desired_retention, course.srs)))
        if key not in cache:
            cache[key] = Scheduler(
                SchedulerConfig(
                    desired_retention=course.desired_retention,
                    maximum_interval=course.srs.maximum_interval,
                    learning_steps=[timedelta(minutes=m) for m in course.srs.learning_steps],
                    relearning_steps=[timedelta(minutes=m) for m in course.srs.relearning_steps],
                    enable_fuzzing=course.srs.fuzz,
                    parameters=course.srs.parameters,
                )
            )
        return cache[key]

    def _memory(self, course: Course, row: StateRow) -> MemoryState:
        """The card's FSRS state; a new card gets a fresh one."""
        return self._memory_or_none(row) or self._scheduler(course).new_state(row.card_id, self.now())

    @staticmethod
    def _queue_of(memory: MemoryState | None) -> int:
        if memory is None:
            return QUEUE_NEW
        return QUEUE_REVIEW if memory.is_review else QUEUE_LEARNING

    # -- cards --------------------------------------------------------------------------------------

    def add_card(
        self,
        course: str,
        front: str,
        back: str = "",
        *,
        kind: str = "basic",
        tags: Sequence[str] = (),
        origin: str = "manual",
        section_id: str | None = None,
        source: dict[str, Any] | None = None,
    ) -> list[Card]:
        """Add a note and the cards it makes (one; two for reverse; one per cloze deletion)."""
        target = self.course(course)
        ords = ords_for(kind, front, back)
        note = _note_values(kind, front, back, tags, origin, section_id, source)
        with self.db.write() as w:
            ids = card_rows.insert_notes(w, target.id, [note], [ords])[1][0]
        return [self._card(i) for i in ids]

    def import_cards(
        self, path: Path, course: str, *, kind: str = "basic", tags: Sequence[str] = (), again: bool = False
    ) -> CardImportReport:
        """Import a CSV or TSV of front, back[, tags] rows as one transaction: all rows or none.

        A file already imported into the course (same bytes, same kind) is skipped, and rows whose card the
        course has already (same kind, front and back) are left out; ``again`` imports every row regardless."""
        from aksio.blobs import sha256

        target = self.course(course)
        data = _read_bytes(path)
        digest = sha256(data)
        report = CardImportReport(course_id=target.id, notes=0, cards=0)
        if not again and self._earlier_card_import(target, digest, kind, report):
            return report
        with collector_paused():
            notes: list[dict[str, Any]] = []
            ords: list[list[int]] = []
            for line_no, front, back, row_tags in _card_table(path, data):
                try:
                    ords.append(ords_for(kind, front, back))
                except InvalidInput as exc:
                    raise InvalidInput(f"{_shown(path)}:{line_no}: {exc}") from None
                notes.append(_note_values(kind, front, back, [*tags, *row_tags], "import", None, None))
            if not notes:
                raise InvalidInput(f"{_shown(path)}: no cards in this file")
            # checked again under the write lock: the same file may have been imported meanwhile
            with self.db.write() as w:
                if not again:
                    if self._earlier_card_import(target, digest, kind, report):
                        return report
                    known = card_rows.note_texts(self.db, target.id, kind)
                    keep = [i for i, n in enumerate(notes) if (n["front"], n["back"]) not in known]
                    report.duplicates = len(notes) - len(keep)
                    notes, ords = [notes[i] for i in keep], [ords[i] for i in keep]
                ids = card_rows.insert_notes(w, target.id, notes, ords)[1] if notes else []
                report.notes, report.cards = len(notes), sum(len(i) for i in ids)
                filename = _shown(path.name)
                card_rows.record_import(w, target.id, digest, kind, filename, report.notes, report.cards)
        return report

    def _earlier_card_import(self, course: Course, digest: str, kind: str, report: CardImportReport) -> bool:
        """Whether these bytes were imported into the course as ``kind`` already (the report then says when)."""
        earlier = card_rows.earlier_import(self.db, course.id, digest, kind)
        if earlier is not None:
            report.skipped = (
                f"already imported into {course.name} on {earlier['created_at'][:10]} as {earlier['filename']!r} "
                f"({earlier['notes']} notes)"
            )
        return earlier is not None

    def card(self, ref: str) -> Card:
        found = card_rows.find(self.db, ref.strip())
        return one_of(found, ref, "card", [c.id for c in found], "use more of the id")

    def _card(self, card_id: str) -> Card:
        card = card_rows.get(self.db, card_id)
        if card is None:
            raise NotFound(f"no card {card_id!r}")
        return card

    def cards(
        self,
        course: str | None = None,
        *,
        due: bool = False,
        tag: str | None = None,
        origin: str | None = None,
        suspended: bool | None = None,
        pending: bool | None = None,
        limit: int | None = None,
    ) -> list[Card]:
        course_id = self.course_id(course) if course else None
        limit = list_limit(limit)
        due_before = _ts(self.study_day().end) if due else None
        return card_rows.list_cards(
            self.db,
            course_id=course_id,
            due_before=due_before,
            tag=tag,
            origin=origin,
            suspended=suspended,
            status=None if pending is None else "pending" if pending else "active",
            limit=limit,
        )

    def edit_card(
        self,
        ref: str,
        *,
        front: str | None = None,
        back: str | None = None,
        add_tags: Sequence[str] = (),
        remove_tags: Sequence[str] = (),
    ) -> Card:
        """Edit the card's note (all its sibling cards show the change). A cloze edit must keep its deletions."""
        card = self.card(ref)
        changes: dict[str, Any] = {}
        new_front = card.note_front if front is None else front
        new_back = card.note_back if back is None else back
        if front is not None or back is not None:
            ords = ords_for(card.kind, new_front, new_back)
            if card.kind == "cloze" and card.ord not in ords:
                raise InvalidInput(f"the edit removes deletion c{card.ord} that this card tests")
            changes.update(front=new_front, back=new_back)
        if add_tags or remove_tags:
            drop = set(remove_tags)
            tags = [t for t in dict.fromkeys([*card.tags, *_split_tags(add_tags)]) if t not in drop]
            changes["tags"] = tags
        if changes:
            with self.db.write() as w:
                card_rows.update_note(w, card.note_id, changes)
        return self._card(card.id)

    def _cards_of(self, refs: Sequence[str]) -> list[Card]:
        """The cards ``refs`` name, each once, in order: full ids in a few queries, anything else one by one.
        An unknown one fails before anything is written."""
        if not refs:
            raise InvalidInput("no cards given")
        exact = card_rows.get_many(self.db, refs)
        found: dict[str, Card] = {}
        for ref in refs:
            card = exact.get(ref) or self.card(ref)
            found.setdefault(card.id, card)
        return list(found.values())

    def delete_card(self, ref: str) -> list[str]:
        """Delete a card's note and all its cards. Reviews are kept (append-only). Returns the card ids."""
        return self.delete_cards([ref])

    def delete_cards(self, refs: Sequence[str]) -> list[str]:
        """Delete these cards' notes and all their cards, in one transaction. Returns the card ids deleted."""
        notes = dict.fromkeys(card.note_id for card in self._cards_of(refs))
        with self.db.write() as w:
            return card_rows.tombstone_notes(w, list(notes))

    def suspend(self, ref: str, suspended: bool = True) -> Card:
        self.suspend_cards([ref], suspended)
        return self.card(ref)

    def suspend_cards(self, refs: Sequence[str], suspended: bool = True) -> list[str]:
        """Suspend (or unsuspend) these cards in one transaction. Returns the ids of the cards it changed."""
        changing = [card for card in self._cards_of(refs) if card.suspended != suspended]
        if not changing:
            return []
        self.study_queue.changed()
        with self.db.write() as w:
            for card in changing:
                card_rows.update_card(w, card.id, {"suspended": suspended})
                if suspended:
                    queue = QUEUE_SUSPENDED
                elif card_rows.note_status(w, card.note_id) == "pending":  # held: back to held, not to study
                    queue = QUEUE_PENDING
                else:
                    row = queue_rows.state(w, card.id)
                    assert row is not None
                    queue = self._queue_of(self._memory_or_none(row))
                queue_rows.set_queue(w, [card.id], queue)
        return [card.id for card in changing]

    def _memory_or_none(self, row: StateRow) -> MemoryState | None:
        if row.fsrs is None:
            return None
        from aksio.srs.scheduler import MemoryState

        return MemoryState.from_dict(row.fsrs)

    def bury(self, ref: str, bury: bool = True) -> Card:
        """Hide a card until the next study day (``bury=False``: back in today's study now)."""
        self.bury_cards([ref], bury)
        return self.card(ref)

    def bury_cards(self, refs: Sequence[str], bury: bool = True) -> list[str]:
        """Hide these cards until the next study day, or with ``bury=False`` put them back in today's study
        (buried by hand or by a sibling's answer), in one transaction. Returns their ids."""
        ids = [card.id for card in self._cards_of(refs)]
        now = self.now()
        # an unbury keeps its moment: a sibling answered before it no longer hides the card, one answered after does
        until = iso(self.study_day(now).end if bury else now)
        with self.db.write() as w:
            for card_id in ids:
                card_rows.update_card(w, card_id, {"buried_until": until})
            times = review_rows.sibling_review_times(w, ids)
            queue_rows.set_hidden(w, [(c, hidden_until(until, times[c], self._day_end)) for c in ids])
        return ids

    def flag(self, ref: str, flag: int) -> Card:
        self.flag_cards([ref], flag)
        return self.card(ref)

    def flag_cards(self, refs: Sequence[str], flag: int) -> list[str]:
        """Set the flag (0 clears it, 1-7 colours) of these cards in one transaction. Returns the ids changed."""
        if not 0 <= flag <= 7:
            raise InvalidInput("flag must be 0 (none) to 7")
        changing = [card.id for card in self._cards_of(refs) if card.flag != flag]
        with self.db.write() as w:
            for card_id in changing:
                card_rows.update_card(w, card_id, {"flag": flag})
        return changing

    # -- the due queue ------------------------------------------------------------------------------

    def next_card(self, course: str | None = None) -> Card | None:
        """The card to study now: due learning steps, then due reviews (most forgotten first), then new cards."""
        stamp = self.db.stamp()
        course_id = self.study_queue.course_id(course, self.course_id, stamp) if course else None
        now = self.now()
        now_ts = _ts(now)
        day = self.study_day(now)
        card_id, day_queue = self.study_queue.next_due(course_id, now_ts, _ts(day.end), stamp)
        if day_queue is not None and card_id is not None:
            return self.study_queue.card(day_queue, card_id) or self._card(card_id)
        if card_id is None:
            card_id = queue_rows.next_new(self.db, now_ts, self._courses_open_for_new(course_id, day))
        if card_id is None:
            ahead = now_ts + self.settings.study.learn_ahead_minutes * 60
            card_id = queue_rows.next_learning(self.db, ahead, course_id)
        return None if card_id is None else self._card(card_id)

    def _courses_open_for_new(self, course_id: str | None, day: StudyDay) -> list[str]:
        """Courses that have new cards and have not reached their own or the global daily new limit."""
        introduced = queue_rows.new_per_course(self.db, _ts(day.start))
        if sum(introduced.values()) >= self.settings.study.new_per_day:
            return []
        limits = queue_rows.new_limits(self.db)
        return [
            cid
            for cid in queue_rows.courses_with_new(self.db, _ts(self.now()), course_id)
            if introduced.get(cid, 0) < limits.get(cid, 0)
        ]

    def due(self, course: str | None = None) -> DueSummary:
        course_id = self.course_id(course) if course else None
        return DueSummary(course_id=course_id, counts=self.due_counts(course_id), next_card=self.next_card(course_id))

    def due_counts(self, course_id: str | None) -> DueCounts:
        """Learning and review cards due today and new cards still allowed today, over one course or all."""
        now = self.now()
        day = self.study_day(now)
        raw = queue_rows.counts(self.db, _ts(now), _ts(day.end), course_id)
        introduced = queue_rows.new_per_course(self.db, _ts(day.start))
        global_left = max(self.settings.study.new_per_day - sum(introduced.values()), 0)
        limits = queue_rows.new_limits(self.db)
        new = 0
        for cid in queue_rows.courses_with_new(self.db, _ts(now), course_id):
            left = max(limits.get(cid, 0) - introduced.get(cid, 0), 0)
            new += queue_rows.new_available(self.db, _ts(now), cid, left) if left else 0
        return DueCounts(learning=raw["learning"], review=raw["review"], new=min(new, global_left))

    # -- answering ----------------------------------------------------------------------------------

    def preview(self, ref: str, at: datetime | None = None) -> list[Preview]:
        """When the card would be due again after each rating."""
        card = self.card(ref)
        at = at or self.now()
        row = queue_rows.state(self.db, card.id)
        assert row is not None
        course = self.course(card.course_id)
        memory = self._memory(course, row)
        out = []
        for rating, due in sorted(self._scheduler(course).preview(memory, at).items()):
            out.append(
                Preview(rating=rating, name=RATING_NAMES[rating], due=iso(due), interval=human_interval(due - at))
            )
        return out

    def answer(
        self,
        ref: str,
        rating: str | int,
        *,
        at: datetime | None = None,
        duration_ms: int = 0,
        shown: Card | None = None,
    ) -> AnswerResult:
        """Grade a card: append a review, advance its FSRS state, bury its siblings for the day. One transaction.

        ``shown``: the card as the caller showed it. If it has been answered (or an answer undone) since, by
        another window or a script, nothing is written: ``Conflict``, rather than a second review of one sight."""
        grade = parse_rating(rating)
        card = self.study_queue.shown(ref) or self.card(ref)
        if card.suspended:
            raise InvalidInput(f"card {card.id[-8:]} is suspended; unsuspend it to study it")
        at = self._answer_time(at)
        row = queue_rows.state(self.db, card.id)
        assert row is not None
        mark = (row.last_review, int((row.fsrs or {}).get("reps", 0)))
        if shown is not None and _answer_mark(shown.state) != _answer_mark(card_rows.card_state(row)):
            raise _answered_elsewhere(card.id)
        if row.last_review is not None and _ts(at) < row.last_review:
            raise InvalidInput(
                f"--at {iso(at)} is before the card's last review ({iso(datetime.fromtimestamp(row.last_review, UTC))})"
            )
        scheduler, course = self._scheduler_for(card.course_id)
        before = self._memory(course, row)
        after = scheduler.review(before, grade, at)
        lapsed = grade == 1 and before.is_review
        became_leech = lapsed and after.lapses >= self.settings.study.leech_threshold and "leech" not in card.tags
        new_row = self._state_row(row, after, at)
        with self.db.write() as w:
            if queue_rows.review_mark(w, card.id) != mark:  # answered between the read above and this transaction
                raise _answered_elsewhere(card.id)
            stamp_before = self.db.stamp()  # inside the transaction: no other connection can commit now
            review_id = w.insert(
                "review",
                {
                    "card_id": card.id,
                    "rating": grade,
                    "reviewed_at": iso(at),
                    "duration_ms": max(int(duration_ms), 0),
                    "device_id": self.db.device,
                },
            )
            queue_rows.write_state(w, new_row, row)
            # a basic note has one card: no query for siblings it cannot have
            hidden = [] if card.kind == "basic" else self._bury_siblings(w, card, at)
            activity_rows.count_answer(w, iso(at), max(int(duration_ms), 0))
            suspend = became_leech and self.settings.study.leech_suspend
            if became_leech:
                card_rows.update_note(w, card.note_id, {"tags": [*card.tags, "leech"]})
                if suspend:
                    card_rows.update_card(w, card.id, {"suspended": True})
                    queue_rows.set_queue(w, [card.id], QUEUE_SUSPENDED)
            review_rows.push_undo(w, review_id, card.id, leech=became_leech, suspended=suspend, depth=_UNDO_DEPTH)
        if became_leech:
            self.study_queue.changed()
            updated = self._card(card.id)  # tags and maybe suspension changed too
        else:  # the answer changed only the state: no need to read the card back
            updated = replace(card, state=card_rows.card_state(new_row))
            self.study_queue.answered(stamp_before, self.db.stamp(), new_row, hidden)
        return AnswerResult(
            review_id=review_id, card=updated, rating=grade, reviewed_at=iso(at), became_leech=became_leech
        )

    def _answer_time(self, at: datetime | None) -> datetime:
        """When an answer happens: now, or the time given if it is near enough to now to be an answer's. In whole
        milliseconds, as the review log keeps it, so the state cached now is the one a replay of the log gives."""
        now = self.now()
        try:
            when = (at or now).astimezone(UTC)
            if at is not None and not now - _AT_BEHIND <= when <= now + _AT_AHEAD:
                raise InvalidInput(
                    f"--at {iso(when)} is too far from now: give a time at most a day ahead and at most 20 years back"
                )
        except OverflowError:  # a time zone offset that pushes the date past year 1 or 9999
            raise InvalidInput(f"--at {at} is not a time Aksio can use") from None
        return when.replace(microsecond=when.microsecond // 1000 * 1000)

    def _state_row(self, row: StateRow, memory: MemoryState, at: datetime) -> StateRow:
        return StateRow(
            card_id=row.card_id,
            note_id=row.note_id,
            course_id=row.course_id,
            queue=QUEUE_SUSPENDED if row.queue == QUEUE_SUSPENDED else self._queue_of(memory),
            due=_ts(memory.due),
            hidden_until=row.hidden_until,
            new_order=row.new_order,
            first_review=row.first_review if row.first_review is not None else _ts(at),
            last_review=_ts(at),
            stability=memory.stability,
            difficulty=memory.difficulty,
            fsrs=memory.to_dict(),
        )

    def _bury_siblings(self, w: Writer, card: Card, at: datetime) -> list[str]:
        """Hide the card's siblings until the end of the answer's study day, as ``hidden_until`` derives it: each
        one not buried or unburied by hand after ``at`` (its hidden time, right before, can only grow). Their ids."""
        hide = [s for s, buried in card_rows.siblings(w, card.note_id, card.id) if not buried or parse_iso(buried) < at]
        if hide:
            queue_rows.hide_until(w, hide, self._day_end(at))
        return hide

    def _day_end(self, at: datetime) -> int:
        """When the study day of ``at`` ends, in unix seconds."""
        return _ts(self.study_day(at).end)

    def undo(self) -> UndoResult:
        """Take back this device's last answer that still counts: a marker that voids it is appended (the review
        stays, and both sync), and the card's state is replayed from its reviews that still count, others'
        merged ones included; its siblings are hidden as those reviews say.

        The answer is chosen inside the transaction that voids it: two undos at once (two windows, two scripts)
        take back two answers, or one finds nothing left, and never both report the same one."""
        self.study_queue.changed()
        with self.db.write() as w:
            last = review_rows.last_undoable(w)
            if last is None:
                raise InvalidInput("nothing to undo")
            review_rows.void(w, last["review_id"], last["card_id"], self.db.device)
            review_rows.drop_undo_from(w, last["seq"])
            activity_rows.count_answer(w, last["reviewed_at"], last["duration_ms"], sign=-1)
            card = self._card(last["card_id"])
            if last["leech"]:
                card_rows.update_note(w, card.note_id, {"tags": [t for t in card.tags if t != "leech"]})
            if last["suspended"]:
                card_rows.update_card(w, card.id, {"suspended": False})
            self._rederive(w, card_rows.card_ids_of_note(w, card.note_id))
        return UndoResult(
            review_id=last["review_id"],
            card=self._card(last["card_id"]),
            rating=last["rating"],
            reviewed_at=last["reviewed_at"],
        )

    def _rederive(self, w: Writer, card_ids: Sequence[str]) -> int:
        """Write these cards' states as their rows and counting reviews give them (a few cards: a note's, or a
        merge's): a live card's made if it has none, a deleted or unknown card's dropped, one already right left
        as it is. How many are live."""
        logs = review_rows.note_logs(w, card_ids)
        schedulers: dict[str, Scheduler] = {}
        rows = []
        for facts in map(CardFacts._make, queue_rows.card_facts(w, card_ids)):
            scheduler = schedulers.get(facts.course_id) or self._scheduler_for(facts.course_id)[0]
            schedulers[facts.course_id] = scheduler
            note = logs.get(facts.note_id, {})
            siblings = [at for card, log in note.items() if card != facts.card_id for _, at in log]
            hidden = hidden_until(facts.buried_until, siblings, self._day_end)
            rows.append(derived_state(facts, note.get(facts.card_id), scheduler, hidden))
        stored = queue_rows.state_values(w, [row[0] for row in rows])
        queue_rows.update_changed_states(w, [row for row in rows if row[0] in stored], stored)
        queue_rows.insert_state_values(w, [row for row in rows if row[0] not in stored])
        live = {row[0] for row in rows}
        queue_rows.delete_states(w, [c for c in card_ids if c not in live])
        return len(rows)

    def _derive_states(self, w: Writer, card_ids: Sequence[str], course_ids: Sequence[str] = ()) -> int:
        """Bring the cached states of these cards, and of every card of these courses (their scheduling changed),
        up to date inside ``w``'s transaction: after a merge. How many cards were derived."""
        derived = sum(self._repair_states(w, course_id).cards for course_id in course_ids)
        if len(card_ids) > _DERIVED_ONE_BY_ONE and len(card_ids) > queue_rows.state_count(w) // 2:
            return derived + self._repair_states(w, None).cards  # most cards (a first transfer): one pass
        with collector_paused():  # a first transfer's batch of reviews: the logs of thousands of cards
            return derived + (self._rederive(w, card_ids) if card_ids else 0)

    def leeches(self, course: str | None = None) -> list[Card]:
        return self.cards(course, tag="leech")

    def optimize(self, course: str, *, force: bool = False) -> OptimizeReport:
        """Fit FSRS parameters to the course's reviews; apply them if they predict held-out reviews better."""
        from aksio.srs.optimizer import fit

        target = self.course(course)
        result = fit(review_rows.course_log(self.db, target.id), current=target.srs.parameters)
        apply = force or result.improved
        if apply:
            srs = replace(target.srs, parameters=list(result.parameters))
            with self.db.write() as w:
                from aksio.storage import courses as course_rows

                course_rows.update(w, target.id, {"srs": plain(srs)})
                self._repair_states(w, target.id)
        return OptimizeReport(
            course_id=target.id,
            n_reviews=result.n_reviews,
            log_loss_default=result.log_loss_default,
            log_loss_fitted=result.log_loss_fitted,
            applied=apply,
            parameters=list(result.parameters),
        )

    def doctor(self, *, rebuild: bool = False) -> dict[str, Any]:
        """Integrity check, and the scheduling cache checked against the cards and the review log: a live card
        without a cached state (it drops out of lists and study), a cached state of a deleted card, a state that
        is not what replaying the card's reviews gives. ``rebuild`` repairs them all and says whether any needed
        it. ``healthy``: nothing is wrong (after the repair, with ``rebuild``)."""
        report: dict[str, Any] = {"integrity": self.db.quick_check()}
        report["cards"] = card_rows.live_count(self.db)
        report["reviews"] = review_rows.counted_total(self.db)
        found = self._check_states(repair=rebuild)
        report.update(missing_states=found.missing, orphan_states=found.orphans, stale_states=found.stale)
        if rebuild:
            report.update(rebuilt=found.cards, changed=found.wrong, identical=found.wrong == 0)
        report["healthy"] = report["integrity"] == "ok" and (rebuild or found.wrong == 0)
        return report

    # -- the review log -----------------------------------------------------------------------------

    def rebuild_states(self, course_id: str | None = None) -> tuple[int, int]:
        """Recompute every card's cached state by replaying its review log; a lost one is made again and a
        deleted card's goes. Returns (cards, cached states that changed)."""
        found = self._check_states(course_id, repair=True)
        return found.cards, found.wrong

    def _check_states(self, course_id: str | None = None, *, repair: bool) -> StateCheck:
        """The scheduling cache against the live cards and their review logs, all read in one transaction (the
        repair's, so that no answer can come between the log read and the states written)."""
        # A million reviews held as tuples: the cyclic collector would walk them all again and again for nothing.
        if not repair:
            with collector_paused(), self.db.read():
                return self._replayed_states(self.db, course_id)[0]
        with self.db.write() as w:
            return self._repair_states(w, course_id)

    def _repair_states(self, w: Writer, course_id: str | None) -> StateCheck:
        """``_check_states`` with the repair, inside the caller's transaction (a course's scheduling options
        changed in it: its states follow, as they derive from them)."""
        self.study_queue.changed()
        with collector_paused():
            # the whole log's pass counts the review-hour cache too (a second pass over a million reviews in SQL
            # took as long as the replay's own)
            hours: dict[str, list[int]] | None = {} if course_id is None else None
            found, stale, missing, orphans, stored = self._replayed_states(w, course_id, hours)
            if hours is not None:
                activity_rows.replace_hours(w, hours)
            queue_rows.update_changed_states(w, stale, stored)
            queue_rows.insert_state_values(w, missing)
            queue_rows.delete_states(w, orphans)
        return found

    def _replayed_states(
        self, db: Database | Writer, course_id: str | None, hours: dict[str, list[int]] | None = None
    ) -> tuple[StateCheck, list[tuple[Any, ...]], list[tuple[Any, ...]], list[str], dict[str, tuple[Any, ...]]]:
        """What is wrong in the cache, and the rows that right it: (check, stale rows' replayed values, missing
        rows' values, card ids whose rows should go, the rows as stored). ``hours``: see ``review_logs``."""
        cards = [CardFacts._make(c) for c in queue_rows.live_cards(db, course_id)]
        logs = queue_rows.review_logs(db, course_id, hours)
        stored = queue_rows.stored_states(db, course_id)
        schedulers = {c: self._scheduler(self.course(c)) for c in {card.course_id for card in cards}}
        shared = queue_rows.notes_with_siblings(db, course_id)
        now = _ts(self.now())
        stale: list[tuple[Any, ...]] = []
        missing: list[tuple[Any, ...]] = []
        for card in cards:
            note = shared.get(card.note_id)
            if note is None and not card.buried_until:  # most cards: nothing hides them
                hidden = 0
            else:
                siblings = [at for s in note or () if s != card.card_id for _, at in logs.get(s, ())]
                hidden = hidden_until(card.buried_until, siblings, self._day_end)
            fresh = derived_state(card, logs.get(card.card_id), schedulers[card.course_id], hidden)
            row = stored.get(card.card_id)
            if row is None:  # lost: made again
                missing.append(fresh)
            elif not same_state(fresh, row, now):
                stale.append(fresh)
        orphans = queue_rows.orphan_states(db, course_id)
        found = StateCheck(cards=len(cards), stale=len(stale), missing=len(missing), orphans=len(orphans))
        return found, stale, missing, orphans, stored


def _answered_elsewhere(card_id: str) -> Conflict:
    return Conflict(
        f"card {card_id[-8:]} was just answered elsewhere (another window or a script); this answer was not recorded"
    )


def _answer_mark(state: CardState) -> tuple[str | None, int]:
    """What every answer (and undo) of a card changes: its last review and number of reviews."""
    return state.last_review, state.reps


def _split_tags(values: Sequence[str]) -> list[str]:
    return [t.strip() for v in values for t in v.split(",") if t.strip()]


def _note_values(
    kind: str,
    front: str,
    back: str,
    tags: Sequence[str],
    origin: str,
    section_id: str | None,
    source: dict[str, Any] | None,
) -> dict[str, Any]:
    source = source or {}
    return {
        "kind": kind,
        "front": front.strip(),
        "back": back.strip(),
        # stored as JSON text; an import of 10k untagged rows should not call json.dumps 10k times
        "tags": json.dumps(list(dict.fromkeys(_split_tags(tags))), ensure_ascii=False) if tags else "[]",
        "origin": origin,
        "section_id": section_id,
        "source_document_id": source.get("document_id"),
        "source_page": source.get("page"),
        "source_quote": source.get("quote"),
    }


def _shown(path: str | Path) -> str:
    from aksio.ingest.files import readable_path

    return readable_path(str(path))


# A card table is typed text: 64 MB is over half a million cards. A larger file is refused before it is read
# (a 100 MB field was read whole, ~750 MB of memory, only for the csv module to refuse it).
CARD_TABLE_MAX_BYTES = 64 * 2**20


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > CARD_TABLE_MAX_BYTES:
            raise InvalidInput(
                f"{_shown(path)}: {size / 2**20:.0f} MB is more than a card table can be "
                f"({CARD_TABLE_MAX_BYTES // 2**20} MB); split it into smaller files"
            )
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{_shown(path)}: cannot be read ({exc.strerror or exc})") from None


def _card_table(path: Path, data: bytes) -> list[tuple[int, str, str, list[str]]]:
    """Rows of (line, front, back, tags) from a CSV/TSV. Header optional; every problem names its line."""
    name = _shown(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInput(f"{name}:{line}: not UTF-8 text; save the file as UTF-8") from None
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: list[tuple[int, str, str, list[str]]] = []
    width: int | None = None
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if not out and width is None and [c.strip().lower() for c in record[:2]] == ["front", "back"]:
                width = len(record)
                continue
            if len(record) < 2:
                raise InvalidInput(f"{name}:{line}: expected front and back columns, found {len(record)}")
            if width is None:
                width = len(record)
            elif len(record) != width:
                raise InvalidInput(f"{name}:{line}: {len(record)} columns where the file has {width}")
            if len(record) > 3:
                raise InvalidInput(f"{name}:{line}: at most 3 columns (front, back, tags), found {len(record)}")
            tags = record[2].replace(";", ",").replace(" ", ",").split(",") if len(record) > 2 else []
            out.append((line, record[0], record[1], [t for t in tags if t]))
    except csv.Error as exc:
        raise InvalidInput(f"{name}:{reader.line_num}: {exc}") from None
    return out
