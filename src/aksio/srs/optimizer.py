"""Fit FSRS-6 parameters to a review log with fsrs-rs-python (no torch), judged on held-out cards."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aksio.errors import InvalidInput

MIN_REVIEWS = 400  # below this the fit is noise, and fsrs-rs quietly returns its defaults
_HOLDOUT = 0.2


class TooFewReviews(InvalidInput):
    """Not enough review history to fit parameters."""


@dataclass(frozen=True, slots=True)
class OptimizeResult:
    parameters: tuple[float, ...]
    n_reviews: int
    n_items: int
    log_loss_default: float
    log_loss_fitted: float

    @property
    def improved(self) -> bool:
        return self.log_loss_fitted < self.log_loss_default


def fsrs_items(log: Iterable[tuple[str, int, datetime]]) -> dict[str, list[Any]]:
    """One FSRSItem per review after a card's first, holding the history up to it (delta_t in whole days)."""
    from fsrs_rs_python import FSRSItem, FSRSReview

    by_card: dict[str, list[tuple[int, datetime]]] = {}
    for card, rating, at in log:
        by_card.setdefault(card, []).append((rating, at))
    items: dict[str, list[Any]] = {}
    for card, reviews in by_card.items():
        reviews.sort(key=lambda r: r[1])
        history: list[Any] = []
        previous: datetime | None = None
        out = []
        for rating, at in reviews:
            delta = 0 if previous is None else (at.date() - previous.date()).days
            history.append(FSRSReview(rating, delta))
            previous = at
            if delta > 0:
                item = FSRSItem(list(history))
                if item.long_term_review_cnt() > 0:
                    out.append(item)
        if out:
            items[card] = out
    return items


def fit(
    log: Iterable[tuple[str, int, datetime]], *, current: Sequence[float] | None = None, seed: int = 2023
) -> OptimizeResult:
    """Fit on 80% of the cards and compare log loss against ``current`` (default parameters) on the rest."""
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

    rows = list(log)
    if len(rows) < MIN_REVIEWS:
        raise TooFewReviews(f"too few reviews to optimize: {len(rows)} (need at least {MIN_REVIEWS})")
    items = fsrs_items(rows)
    cards = sorted(items)
    random.Random(seed).shuffle(cards)
    cut = max(1, int(len(cards) * _HOLDOUT))
    held = [i for c in cards[:cut] for i in items[c]]
    train = [i for c in cards[cut:] for i in items[c]]
    if len(train) < MIN_REVIEWS // 4 or not held:
        raise TooFewReviews(
            f"too few reviews spread over several days to optimize: {len(train) + len(held)} usable "
            f"(need at least {MIN_REVIEWS // 4} reviews a day or more after the previous one)"
        )
    baseline = list(current) if current is not None else list(DEFAULT_PARAMETERS)
    fitted = FSRS(baseline).compute_parameters(train)
    if list(fitted) == list(DEFAULT_PARAMETERS):
        raise TooFewReviews("the review history is too uniform to fit parameters; keep studying and retry later")
    return OptimizeResult(
        parameters=tuple(fitted),
        n_reviews=len(rows),
        n_items=len(train) + len(held),
        log_loss_default=float(FSRS(baseline).evaluate(held).log_loss),
        log_loss_fitted=float(FSRS(list(fitted)).evaluate(held).log_loss),
    )
