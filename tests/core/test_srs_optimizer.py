"""Fitting FSRS-6 parameters to a review log, judged on held-out cards."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import fsrs
import pytest

from aksio.errors import InvalidInput
from aksio.srs.optimizer import MIN_REVIEWS, OptimizeResult, TooFewReviews, fit, fsrs_items
from aksio.srs.scheduler import Scheduler, SchedulerConfig

T0 = datetime(2024, 1, 1, 9, tzinfo=UTC)
Log = list[tuple[str, int, datetime]]

# A student who learns fast and forgets slowly: far from FSRS-6's defaults.
TRUE_PARAMETERS = list(fsrs.scheduler.DEFAULT_PARAMETERS)
TRUE_PARAMETERS[0:4] = [0.8, 2.5, 6.0, 20.0]
TRUE_PARAMETERS[8] = 1.2
TRUE_PARAMETERS[20] = 0.3


def simulate(n_cards: int, days: int, seed: int) -> Log:
    """Reviews of a student whose memory follows TRUE_PARAMETERS, studying when cards fall due (sometimes late)."""
    rng = random.Random(seed)
    scheduler = fsrs.Scheduler(parameters=TRUE_PARAMETERS, enable_fuzzing=False)
    end = T0 + timedelta(days=days)
    log: Log = []
    for number in range(n_cards):
        card = fsrs.Card(card_id=number + 1, due=T0 + timedelta(days=rng.randrange(days // 2)))
        at = card.due
        while at < end:
            if card.stability is None:
                rating = rng.choices([1, 2, 3, 4], [0.2, 0.1, 0.5, 0.2])[0]
            elif rng.random() < scheduler.get_card_retrievability(card, at):
                rating = rng.choices([2, 3, 4], [0.1, 0.8, 0.1])[0]
            else:
                rating = 1
            card, _ = scheduler.review_card(card, fsrs.Rating(rating), at)
            log.append((f"card-{number}", rating, at))
            at = card.due + timedelta(days=rng.choice([0, 0, 1, 3]), minutes=rng.randint(0, 600))
    return log


@pytest.fixture(scope="module")
def log() -> Log:
    return simulate(2000, 365, seed=7)


@pytest.fixture(scope="module")
def result(log: Log) -> OptimizeResult:
    return fit(log)


def test_fitted_parameters_predict_held_out_reviews_better_than_the_defaults(log: Log, result: OptimizeResult) -> None:
    assert result.n_reviews == len(log) > 20_000
    assert result.log_loss_fitted < result.log_loss_default
    assert result.improved
    assert len(result.parameters) == 21


def test_fitted_parameters_move_towards_the_students_memory(result: OptimizeResult) -> None:
    def distance(parameters: tuple[float, ...] | list[float]) -> float:
        return sum(abs(p - t) / t for p, t in zip(parameters[:4], TRUE_PARAMETERS[:4], strict=True))

    assert distance(result.parameters) < distance(fsrs.scheduler.DEFAULT_PARAMETERS) / 2


def test_the_scheduler_accepts_the_fitted_parameters(result: OptimizeResult) -> None:
    scheduler = Scheduler(SchedulerConfig(parameters=result.parameters, enable_fuzzing=False))
    assert scheduler.parameters == pytest.approx(result.parameters)
    assert scheduler.replay([(3, T0), (3, T0 + timedelta(days=2))], "x").stability is not None


def test_the_baseline_can_be_the_parameters_in_use(log: Log, result: OptimizeResult) -> None:
    again = fit(log, current=result.parameters)
    assert again.log_loss_default == pytest.approx(result.log_loss_fitted)


def test_fit_is_deterministic_and_ignores_the_order_of_the_log(log: Log, result: OptimizeResult) -> None:
    shuffled = list(log)
    random.Random(1).shuffle(shuffled)
    assert fit(shuffled) == result


def test_items_hold_the_history_up_to_each_review_a_day_or_more_after_the_previous() -> None:
    at = datetime(2024, 5, 1, 22, 0, tzinfo=UTC)
    log = [
        ("a", 3, at),
        ("a", 1, at + timedelta(minutes=10)),  # same day: history only
        ("a", 3, at + timedelta(hours=3)),  # the next calendar day (UTC): an item of 3 reviews
        ("a", 3, at + timedelta(hours=20)),  # same day as the previous: history only
        ("a", 4, at + timedelta(days=6)),  # an item of 5 reviews
        ("b", 3, at),  # a single review makes no item
    ]
    items = fsrs_items(reversed(log))  # order of the log does not matter
    assert list(items) == ["a"]
    assert [len(item.reviews) for item in items["a"]] == [3, 5]
    assert all(item.long_term_review_cnt() > 0 for item in items["a"])


def test_too_few_reviews_is_a_clear_error() -> None:
    log = simulate(20, 60, seed=1)
    assert len(log) < MIN_REVIEWS
    message = rf"too few reviews to optimize: {len(log)} \(need at least {MIN_REVIEWS}\)"
    with pytest.raises(TooFewReviews, match=message):
        fit(log)
    assert issubclass(TooFewReviews, InvalidInput)


def test_reviews_all_on_one_day_are_too_few() -> None:
    log = [(f"c{i}", 3, T0 + timedelta(minutes=k)) for i in range(200) for k in range(3)]
    with pytest.raises(TooFewReviews, match="too few reviews spread over several days to optimize: 0 usable"):
        fit(log)


def test_when_fsrs_silently_returns_its_defaults_it_is_an_error() -> None:
    # every card's first interval is different: fsrs-rs's outlier filter leaves it nothing to fit and it hands
    # back the default parameters without a word
    log = []
    for card in range(200):
        at = T0
        log.append((f"c{card}", 3, at))
        for gap in (card + 1, 3, 7):
            at += timedelta(days=gap)
            log.append((f"c{card}", 3, at))
    with pytest.raises(TooFewReviews, match="too uniform to fit parameters"):
        fit(log)
