"""A card's cached scheduling state (a ``card_state`` row) as a pure function of what syncs: the card row, its
note, its counting reviews (live, not voided), its siblings' reviews and the course's scheduler, with this
device's study-day rollover for the burial that follows a sibling's answer. Answering keeps the cache by the same
rules step by step; undo, bury and the doctor's rebuild write what these functions give."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from aksio.clock import parse_iso
from aksio.storage.cards import QUEUE_LEARNING, QUEUE_NEW, QUEUE_PENDING, QUEUE_REVIEW, QUEUE_SUSPENDED
from aksio.storage.queue import fsrs_value

if TYPE_CHECKING:
    from aksio.srs.scheduler import Scheduler


class CardFacts(NamedTuple):
    """What a card's state derives from besides reviews, in the order ``queue_rows.live_cards`` reads it."""

    card_id: str
    note_id: str
    course_id: str
    suspended: bool
    pending: bool  # its note is held (generated, not accepted yet)
    created: int  # unix seconds: a new card's due
    new_order: int  # its note's place among new cards
    buried_until: str | None  # set by hand: a bury's end, or an unbury's moment


def hidden_until(
    buried_until: str | None, sibling_reviews: Collection[datetime], day_end: Callable[[datetime], int]
) -> int:
    """Until when study hides a card, in unix seconds (a time past: it is not hidden). A bury hides it until
    ``buried_until``; an answer to a sibling until the end of that answer's study day, unless the card was
    buried or unburied by hand after that answer (an unbury sets ``buried_until`` to its own moment)."""
    if not buried_until and not sibling_reviews:  # most cards: a note of one card, never buried
        return 0
    hidden = 0
    since: datetime | None = None
    if buried_until:
        since = parse_iso(buried_until)
        hidden = int(since.timestamp())
    latest = max((at for at in sibling_reviews if since is None or at > since), default=None)
    if latest is not None:
        hidden = max(hidden, day_end(latest))
    return hidden


def derived_state(
    card: CardFacts, log: Sequence[tuple[int, datetime]] | None, scheduler: Scheduler, hidden: int
) -> tuple[Any, ...]:
    """The card's ``card_state`` row, in the form ``queue_rows.state_values`` reads it (fsrs as JSON text)."""
    if log:
        memory = scheduler.replay(log, card.card_id)
        queue = QUEUE_REVIEW if memory.is_review else QUEUE_LEARNING
        due = int(memory.due.timestamp())
        first, last = int(log[0][1].timestamp()), int(log[-1][1].timestamp())
        rest: tuple[Any, ...] = (first, last, memory.stability, memory.difficulty, memory.to_json())
    else:
        queue = QUEUE_NEW
        due = card.created
        rest = (None, None, None, None, None)
    if card.suspended:
        queue = QUEUE_SUSPENDED
    elif card.pending and queue == QUEUE_NEW:
        queue = QUEUE_PENDING
    return (card.card_id, card.note_id, card.course_id, queue, due, hidden, card.new_order, *rest)


_HIDDEN = 5  # hidden_until's place in a state row


def same_state(fresh: tuple[Any, ...], stored: tuple[Any, ...], now: int) -> bool:
    """Whether the stored row already holds ``fresh``, as StateRows compare: a ``hidden_until`` past ``now``
    hides nothing whatever its value (a home from before it was derived kept other past values); the fsrs
    column by the dict it holds (the same text, or else, for a row written some other way, the same values,
    its times to the millisecond the review log keeps: answers cached microseconds before they were cut to
    milliseconds)."""
    if fresh[:_HIDDEN] != stored[:_HIDDEN] or fresh[_HIDDEN + 1 : -1] != stored[_HIDDEN + 1 : -1]:
        return False
    if fresh[_HIDDEN] != stored[_HIDDEN] and max(fresh[_HIDDEN], stored[_HIDDEN]) > now:
        return False
    if fresh[-1] == stored[-1]:
        return True
    return _in_milliseconds(fsrs_value(fresh[-1])) == _in_milliseconds(fsrs_value(stored[-1]))


def _in_milliseconds(state: dict[str, Any] | None) -> dict[str, Any] | None:
    """A cached FSRS state with its times cut to whole milliseconds."""
    if not state:
        return state
    out = dict(state)
    for key in ("due", "last_review"):
        if out.get(key):
            when = datetime.fromisoformat(out[key])
            out[key] = when.replace(microsecond=when.microsecond // 1000 * 1000)
    return out
