"""FSRS-6 scheduling through the ``fsrs`` package, made deterministic so the review log can be replayed.

``fsrs`` fuzzes intervals with the global ``random.random``. A state cache that must be rebuilt
*exactly* from the review log cannot depend on a global generator, so each review's fuzz is drawn from
a generator seeded by (card, review number): answering now and replaying later give the same due date.
Answers go through ``fsrs.Scheduler.review_card``; a whole log is replayed by ``aksio.srs.replay``, which does
the same arithmetic in one loop and is checked against ``review_card`` before it is trusted.
"""

from __future__ import annotations

import json
import math
import random
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring_ascii as _json_text
from typing import Any

import fsrs
import fsrs.scheduler as _fsrs_scheduler

from aksio.srs.replay import Replayer

# fsrs.Card wants an integer id only to tell cards apart in its own logs; ours are UUIDs, and passing
# any id avoids the constructor's 1 ms sleep.
_FSRS_CARD_ID = 1
_fuzz_lock = threading.Lock()

LEARNING, REVIEW, RELEARNING = int(fsrs.State.Learning), int(fsrs.State.Review), int(fsrs.State.Relearning)


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    desired_retention: float = 0.9
    maximum_interval: int = 36500
    learning_steps: Sequence[timedelta] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: Sequence[timedelta] = (timedelta(minutes=10),)
    enable_fuzzing: bool = True
    parameters: Sequence[float] | None = None


@dataclass(frozen=True, slots=True)
class MemoryState:
    """Everything needed to schedule a card's next review; round-trips through ``to_dict``/``from_dict``."""

    card_key: str
    state: int = LEARNING
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    due: datetime = field(default_factory=lambda: datetime(1970, 1, 1, tzinfo=UTC))
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0

    @property
    def is_review(self) -> bool:
        return self.state == REVIEW

    def to_dict(self) -> dict[str, Any]:
        # by hand: dataclasses.asdict deep-copies every field, a fifth of an answer's time
        return {
            "card_key": self.card_key,
            "state": self.state,
            "step": self.step,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "due": self.due.isoformat(),
            "last_review": self.last_review.isoformat() if self.last_review else None,
            "reps": self.reps,
            "lapses": self.lapses,
        }

    def to_json(self) -> str:
        """``json.dumps(self.to_dict(), sort_keys=True)`` (how the state cache stores it), written out directly:
        json.dumps takes 5 us, half a second of a 100k-card rebuild. (ISO times need no escaping.)"""
        last_review = f'"{self.last_review.isoformat()}"' if self.last_review else "null"
        return (
            f'{{"card_key": {_json_text(self.card_key)}, "difficulty": {_json_number(self.difficulty)}, '
            f'"due": "{self.due.isoformat()}", "lapses": {self.lapses:d}, "last_review": {last_review}, '
            f'"reps": {self.reps:d}, "stability": {_json_number(self.stability)}, "state": {self.state:d}, '
            f'"step": {_json_number(self.step)}}}'
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MemoryState:
        values = dict(data)
        values["due"] = datetime.fromisoformat(values["due"])
        values["last_review"] = datetime.fromisoformat(values["last_review"]) if values.get("last_review") else None
        return cls(**values)


def _json_number(value: float | None) -> str:
    """A number (or None) as json.dumps writes it."""
    if value is None:
        return "null"
    if (type(value) is float and -math.inf < value < math.inf) or type(value) is int:
        return repr(value)
    return json.dumps(value)  # NaN, infinities, and whatever else a state should not hold


class Scheduler:
    """One course's scheduler: review, preview each rating, replay a log, retrievability."""

    def __init__(self, config: SchedulerConfig | None = None) -> None:
        self.config = config or SchedulerConfig()
        kwargs: dict[str, Any] = {
            "desired_retention": self.config.desired_retention,
            "learning_steps": tuple(self.config.learning_steps),
            "relearning_steps": tuple(self.config.relearning_steps),
            "maximum_interval": self.config.maximum_interval,
            "enable_fuzzing": self.config.enable_fuzzing,
        }
        if self.config.parameters is not None:
            kwargs["parameters"] = tuple(self.config.parameters)
        self._fsrs = fsrs.Scheduler(**kwargs)
        self._replayer: Replayer | None = None
        self._replayer_checked = False

    @property
    def parameters(self) -> tuple[float, ...]:
        return tuple(self._fsrs.parameters)

    def new_state(self, card_key: str, now: datetime) -> MemoryState:
        return MemoryState(card_key=card_key, due=now.astimezone(UTC))

    def review(self, memory: MemoryState, rating: int, at: datetime) -> MemoryState:
        """The state after answering ``rating`` (1 again .. 4 easy) at ``at``."""
        at = at.astimezone(UTC)
        card = _fsrs_card(memory)
        with _seeded_fuzz(_fuzz_seed(memory.card_key, memory.reps)):
            after, _log = self._fsrs.review_card(card, fsrs.Rating(rating), at)
        lapse = rating == 1 and memory.state == REVIEW
        return replace(
            memory,
            state=int(after.state),
            step=after.step,
            stability=after.stability,
            difficulty=after.difficulty,
            due=after.due,
            last_review=after.last_review,
            reps=memory.reps + 1,
            lapses=memory.lapses + int(lapse),
        )

    def preview(self, memory: MemoryState, at: datetime) -> dict[int, datetime]:
        """When the card would next be due after each rating (the same fuzz the real answer will get)."""
        return {rating: self.review(memory, rating, at).due for rating in (1, 2, 3, 4)}

    def replay(self, log: Sequence[tuple[int, datetime]], card_key: str) -> MemoryState:
        """Rebuild a card's state from its review log (ratings with times, oldest first): the state ``review``
        gives answering them one by one, from a new card."""
        replayer = self._checked_replayer()
        if replayer is None:
            return self._review_all(log, card_key)
        return _replayed(replayer, log, card_key)

    def _review_all(self, log: Sequence[tuple[int, datetime]], card_key: str) -> MemoryState:
        if not log:
            raise ValueError("an empty log has no state to replay")
        memory = self.new_state(card_key, log[0][1])
        for rating, at in log:
            memory = self.review(memory, rating, at)
        return memory

    def _checked_replayer(self) -> Replayer | None:
        """The fast replay, once it has given ``review``'s state after every answer of a few varied logs with
        this configuration; None (answer one by one) if it has not, as after an fsrs update changing its maths."""
        if not self._replayer_checked:
            replayer = Replayer(self._fsrs)
            self._replayer = replayer if self._replays_like_review(replayer) else None
            self._replayer_checked = True
        return self._replayer

    def _replays_like_review(self, replayer: Replayer) -> bool:
        for seed in range(_CHECK_LOGS):
            log = _check_log(random.Random(seed))
            memory = self.new_state("check", log[0][1])
            for reps, (rating, at) in enumerate(log, start=1):
                memory = self.review(memory, rating, at)
                if _replayed(replayer, log[:reps], "check") != memory:
                    return False
        return True

    def retrievability(self, memory: MemoryState, at: datetime) -> float:
        """Predicted probability of recall at ``at`` (0 for a card never reviewed)."""
        if memory.stability is None or memory.last_review is None:
            return 0.0
        return float(self._fsrs.get_card_retrievability(_fsrs_card(memory), at.astimezone(UTC)))


def _fsrs_card(memory: MemoryState) -> fsrs.Card:
    return fsrs.Card(
        card_id=_FSRS_CARD_ID,
        state=fsrs.State(memory.state),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due,
        last_review=memory.last_review,
    )


_CHECK_LOGS = 4


def _check_log(rng: random.Random, n: int = 30) -> list[tuple[int, datetime]]:
    """Answers of every kind at gaps from a minute to months: every branch of a review within a few logs."""
    at = datetime(2024, 1, 1, 8, tzinfo=UTC)
    log = []
    for _ in range(n):
        log.append((rng.choices((1, 2, 3, 4), (0.25, 0.15, 0.45, 0.15))[0], at))
        at += rng.choice(
            (
                timedelta(minutes=rng.randint(1, 90)),
                timedelta(hours=rng.randint(1, 30), minutes=rng.randint(0, 59)),
                timedelta(days=rng.randint(1, 200), seconds=rng.randint(0, 86399)),
            )
        )
    return log


def _replayed(replayer: Replayer, log: Sequence[tuple[int, datetime]], card_key: str) -> MemoryState:
    done = replayer.run(log, _fuzz_seed(card_key, len(log) - 1))
    return MemoryState(
        card_key=card_key,
        state=done.state,
        step=done.step,
        stability=done.stability,
        difficulty=done.difficulty,
        due=done.due,
        last_review=done.last_review,
        reps=len(log),
        lapses=done.lapses,
    )


def _fuzz_seed(card_key: str, reps: int) -> str:
    """The seed of the fuzz of a card's answer after ``reps`` earlier ones."""
    return f"{card_key}:{reps}"


@contextmanager
def _seeded_fuzz(seed: str) -> Iterator[None]:
    """Make fsrs draw its fuzz from a generator seeded by ``seed`` for the duration of one review."""
    with _fuzz_lock:
        original = _fsrs_scheduler.random  # type: ignore[attr-defined]
        _fsrs_scheduler.random = random.Random(seed).random  # type: ignore[attr-defined]
        try:
            yield
        finally:
            _fsrs_scheduler.random = original  # type: ignore[attr-defined]
