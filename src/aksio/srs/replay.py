"""A whole review log replayed in one loop, with ``fsrs.Scheduler.review_card``'s arithmetic.

``review_card`` copies a Card, wraps the rating in an enum and goes through a dozen keyword-argument calls
per review: about 20 us, most of a 1M-review rebuild. This module does the same floating-point operations,
in the same order and on the same constants (so the results are bit-identical), on plain locals. Only the
last review's interval is worked out, since a review never reads the due date the previous one set: it is
the only one that needs its fuzz drawn. ``Scheduler.replay`` checks it against ``review_card`` before use.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import fsrs
from fsrs.scheduler import FUZZ_RANGES, MAX_DIFFICULTY, MIN_DIFFICULTY, STABILITY_MIN

_LEARNING, _REVIEW, _RELEARNING = int(fsrs.State.Learning), int(fsrs.State.Review), int(fsrs.State.Relearning)
_RATINGS = (1, 2, 3, 4)


class Replayed(NamedTuple):
    """A card's state after the last review of its log."""

    state: int
    step: int | None
    stability: float
    difficulty: float
    due: datetime
    last_review: datetime
    lapses: int


class Replayer:
    """Replays logs as ``reference.review_card`` would review them one by one, from a new card."""

    def __init__(self, reference: fsrs.Scheduler) -> None:
        p = reference.parameters
        e = math.e
        self._learning_steps = reference.learning_steps
        self._relearning_steps = reference.relearning_steps
        self._maximum_interval = reference.maximum_interval
        self._fuzzing = reference.enable_fuzzing
        self._fuzz_ranges = tuple((r["start"], r["end"], r["factor"]) for r in FUZZ_RANGES)
        self._decay: float = reference._DECAY
        self._factor: float = reference._FACTOR
        # Each constant below is a sub-expression of fsrs's formulas that depends on the parameters (and the
        # rating) only: computed once, it is the same float fsrs computes on every review.
        self._retention_term: float = (reference.desired_retention ** (1 / self._decay)) - 1
        # _initial_stability, _initial_difficulty(clamp=True)
        self._initial = {
            r: (
                max(p[r - 1], STABILITY_MIN),
                min(max(p[4] - (e ** (p[5] * (r - 1))) + 1, MIN_DIFFICULTY), MAX_DIFFICULTY),
            )
            for r in _RATINGS
        }
        # _next_difficulty: mean reversion towards _initial_difficulty(Easy, clamp=False)
        self._reversion_target = p[7] * (p[4] - (e ** (p[5] * (4 - 1))) + 1)
        self._reversion_keep = 1 - p[7]
        self._difficulty_delta = {r: -(p[6] * (r - 3)) for r in _RATINGS}
        # _short_term_stability
        self._short_term_gain = {r: e ** (p[17] * (r - 3 + p[18])) for r in _RATINGS}
        self._short_term_power = -p[19]
        # _next_forget_stability
        self._forget_scale = p[11]
        self._forget_power = -p[12]
        self._forget_exponent = p[13]
        self._forget_retrievability = p[14]
        self._forget_short_term = e ** (p[17] * p[18])
        # _next_recall_stability
        self._recall_scale = e ** (p[8])
        self._recall_power = -p[9]
        self._recall_retrievability = p[10]
        # ``* hard_penalty * easy_bonus``, one of them 1 whatever the rating: x * p * 1 == x * p exactly
        self._recall_bonus = {r: p[15] if r == 2 else p[16] if r == 4 else 1 for r in _RATINGS}

    def run(self, log: Sequence[tuple[int, datetime]], fuzz_seed: str) -> Replayed:
        """The state after ``log`` (ratings with times, oldest first); ``fuzz_seed`` seeds the last review's fuzz."""
        learning_steps, relearning_steps = self._learning_steps, self._relearning_steps
        factor, decay = self._factor, self._decay
        reversion_target, reversion_keep = self._reversion_target, self._reversion_keep
        difficulty_delta = self._difficulty_delta
        short_term_gain, short_term_power = self._short_term_gain, self._short_term_power
        forget_scale, forget_power, forget_exponent = self._forget_scale, self._forget_power, self._forget_exponent
        forget_retrievability, forget_short_term = self._forget_retrievability, self._forget_short_term
        recall_scale, recall_power, recall_retrievability = (
            self._recall_scale,
            self._recall_power,
            self._recall_retrievability,
        )
        recall_bonus = self._recall_bonus
        e = math.e
        learning, review, relearning = _LEARNING, _REVIEW, _RELEARNING

        # max(a, b) and min(a, b) are written out as ``b if a < b else a`` and ``b if a > b else a``: what the
        # builtins return (the first argument unless the second is larger or smaller), without a call.
        state = learning
        step: int | None = 0
        lapses = 0
        last: datetime | None = None
        for rating, at in log:
            if at.tzinfo is not UTC:
                at = at.astimezone(UTC)
            if last is None:  # a new card: _initial_stability, _initial_difficulty
                try:
                    s, d = self._initial[rating]
                except KeyError:
                    raise ValueError(f"Unknown rating: {rating}") from None
            else:
                try:
                    delta = difficulty_delta[rating]
                except KeyError:
                    raise ValueError(f"Unknown rating: {rating}") from None
                days = (at - last).days
                if days < 1:  # _short_term_stability
                    increase = short_term_gain[rating] * (s**short_term_power)
                    if rating != 1 and increase < 1.0:
                        increase = 1.0
                    s = s * increase
                elif rating == 1:  # _next_forget_stability, at get_card_retrievability
                    retrievability = (1 + factor * days / s) ** decay
                    long_term = (
                        forget_scale
                        * (d**forget_power)
                        * (((s + 1) ** (forget_exponent)) - 1)
                        * (e ** ((1 - retrievability) * forget_retrievability))
                    )
                    short_term = s / forget_short_term
                    s = short_term if short_term < long_term else long_term
                else:  # _next_recall_stability
                    retrievability = (1 + factor * days / s) ** decay
                    s = s * (
                        1
                        + recall_scale
                        * (11 - d)
                        * (s**recall_power)
                        * ((e ** ((1 - retrievability) * recall_retrievability)) - 1)
                        * recall_bonus[rating]
                    )
                s = STABILITY_MIN if s < STABILITY_MIN else s
                # _next_difficulty
                d = reversion_target + reversion_keep * (d + (10.0 - d) * delta / 9.0)
                d = MIN_DIFFICULTY if d < MIN_DIFFICULTY else d
                d = MAX_DIFFICULTY if d > MAX_DIFFICULTY else d
            last = at
            if state == review:
                if rating == 1:
                    lapses += 1
                    if relearning_steps:
                        state, step = relearning, 0
            else:
                # One scheduler throughout, so step < len(steps): fsrs's case of a card left on a step past
                # the end of a list since shortened never arises.
                steps = learning_steps if state == learning else relearning_steps
                assert step is not None
                if not steps or rating == 4 or (rating == 3 and step + 1 == len(steps)):
                    state, step = review, None
                elif rating == 1:
                    step = 0
                elif rating == 3:
                    step += 1
        if last is None:
            raise ValueError("an empty log has no state to replay")
        return Replayed(state, step, s, d, last + self._interval(state, step, rating, s, fuzz_seed), last, lapses)

    def _interval(self, state: int, step: int | None, rating: int, stability: float, fuzz_seed: str) -> timedelta:
        """The interval ``review_card`` gives the review that left the card in ``state`` at ``step``."""
        if state == _REVIEW:
            days = self._next_interval(stability)
            if self._fuzzing and days >= 2.5:  # _get_fuzzed_interval leaves shorter ones alone
                days = self._fuzzed(days, fuzz_seed)
            return timedelta(days=days)
        assert step is not None
        steps = self._learning_steps if state == _LEARNING else self._relearning_steps
        if rating == 2 and step == 0:
            return steps[0] * 1.5 if len(steps) == 1 else (steps[0] + steps[1]) / 2.0
        return steps[step]

    def _next_interval(self, stability: float) -> int:
        interval = round((stability / self._factor) * self._retention_term)
        return min(max(interval, 1), self._maximum_interval)

    def _fuzzed(self, interval_days: int, seed: str) -> int:
        """``_get_fuzzed_interval`` in days, drawing from ``random.Random(seed)`` as ``Scheduler.review`` has it."""
        delta = 1.0
        for start, end, factor in self._fuzz_ranges:
            delta += factor * max(min(float(interval_days), end) - start, 0.0)
        min_ivl = max(2, round(interval_days - delta))
        max_ivl = min(round(interval_days + delta), self._maximum_interval)
        min_ivl = min(min_ivl, max_ivl)
        fuzzed_days = (random.Random(seed).random() * (max_ivl - min_ivl + 1)) + min_ivl
        return min(round(fuzzed_days), self._maximum_interval)
