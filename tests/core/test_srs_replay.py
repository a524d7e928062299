"""The fast replay of a review log gives, bit for bit, what fsrs's own ``review_card`` gives answer by answer."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone

import fsrs
import fsrs.scheduler as fsrs_scheduler
import pytest

from aksio.srs.replay import Replayer
from aksio.srs.scheduler import MemoryState, Scheduler, SchedulerConfig

T0 = datetime(2024, 3, 1, 9, 30, 15, 250_000, tzinfo=UTC)
LOWER = fsrs_scheduler.LOWER_BOUNDS_PARAMETERS
UPPER = fsrs_scheduler.UPPER_BOUNDS_PARAMETERS


def random_parameters(rng: random.Random) -> tuple[float, ...]:
    return tuple(rng.uniform(low, high) for low, high in zip(LOWER, UPPER, strict=True))


def references() -> dict[str, fsrs.Scheduler]:
    """Schedulers with every kind of step list, retention, cap and parameters, fuzz on and off."""
    rng = random.Random(2024)
    minutes = [timedelta(minutes=m) for m in (1, 5, 10, 30)]
    kinds: dict[str, dict[str, object]] = {
        "defaults": {},
        "one step each": {"learning_steps": (timedelta(minutes=5),), "relearning_steps": (timedelta(minutes=5),)},
        "no steps": {"learning_steps": (), "relearning_steps": ()},
        "long steps": {
            "learning_steps": (timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)),
            "relearning_steps": (timedelta(minutes=10), timedelta(hours=6)),
        },
        "no relearning, short cap": {"relearning_steps": (), "maximum_interval": 60, "desired_retention": 0.8},
        # integers where fsrs allows them: a state must keep fsrs's types too (they show in the JSON)
        "integer parameters": {
            "parameters": (1, 2, 3, 8, 6, 1, 3, 0.001, 2, 0, 1, 2, 0.1, 0.5, 2, 1, 2, 1, 0, 0, 0.5),
            "desired_retention": 0.95,
        },
    }
    for k in range(4):
        kinds[f"random {k}"] = {
            "parameters": random_parameters(rng),
            "desired_retention": rng.uniform(0.7, 0.97),
            "learning_steps": tuple(rng.sample(minutes, rng.randint(0, 3))),
            "relearning_steps": tuple(rng.sample(minutes, rng.randint(0, 2))),
            "maximum_interval": rng.choice((30, 365, 36500)),
        }
    return {
        f"{name}, fuzz {'on' if fuzz else 'off'}": fsrs.Scheduler(**options, enable_fuzzing=fuzz)  # type: ignore[arg-type]
        for name, options in kinds.items()
        for fuzz in (False, True)
    }


REFERENCES = references()

GAPS = (
    lambda rng: timedelta(0),  # two answers at the same instant
    lambda rng: timedelta(seconds=rng.randint(1, 59), microseconds=rng.randint(0, 999_999)),
    lambda rng: timedelta(minutes=rng.randint(1, 90)),
    lambda rng: timedelta(hours=rng.randint(1, 23), minutes=rng.randint(0, 59)),  # same-day relearning
    lambda rng: timedelta(days=1) - timedelta(microseconds=rng.choice((1, 1000))),  # a day, all but a moment
    lambda rng: timedelta(days=1),
    lambda rng: timedelta(days=rng.randint(1, 40), seconds=rng.randint(0, 86_399)),
    lambda rng: timedelta(days=rng.randint(40, 2000)),
)


def random_log(rng: random.Random, n: int) -> list[tuple[int, datetime]]:
    """Ratings 1-4 in proportions that differ from log to log, at irregular gaps, some not in UTC."""
    weights = [rng.random() + 0.05 for _ in range(4)]
    plus_two = timezone(timedelta(hours=2))
    log = []
    at = T0
    for _ in range(n):
        log.append((rng.choices((1, 2, 3, 4), weights)[0], at.astimezone(plus_two) if rng.random() < 0.1 else at))
        at += rng.choice(GAPS)(rng)
    return log


@contextmanager
def seeded_fuzz(seed: str) -> Iterator[None]:
    """fsrs's fuzz drawn from ``random.Random(seed)``, as ``Scheduler.review`` draws it."""
    original = fsrs_scheduler.random  # type: ignore[attr-defined]
    fsrs_scheduler.random = random.Random(seed).random  # type: ignore[attr-defined]
    try:
        yield
    finally:
        fsrs_scheduler.random = original  # type: ignore[attr-defined]


def exact(*values: object) -> str:
    """repr tells 1 from 1.0 and shows every bit of a float: equal reprs, identical states."""
    return repr(values)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_replay_equals_review_card_after_every_answer(name: str) -> None:
    reference = REFERENCES[name]
    replayer = Replayer(reference)
    rng = random.Random(name)
    for log_no in range(12):
        log = random_log(rng, rng.randint(1, 45))
        card = fsrs.Card(card_id=1, due=T0)
        lapses = 0
        for k, (rating, at) in enumerate(log):
            lapses += rating == 1 and card.state == fsrs.State.Review
            with seeded_fuzz(f"card-{log_no}:{k}"):
                card, _ = reference.review_card(card, fsrs.Rating(rating), at.astimezone(UTC))
            done = replayer.run(log[: k + 1], f"card-{log_no}:{k}")
            assert exact(*done) == exact(
                int(card.state), card.step, card.stability, card.difficulty, card.due, card.last_review, lapses
            ), f"log {log_no}, answer {k}"


def test_the_bench_history_replays_exactly() -> None:
    """Long histories of growing gaps, mostly good, an again now and then followed by its relearning step."""
    reference = REFERENCES["defaults, fuzz on"]
    replayer = Replayer(reference)
    rng = random.Random(5)
    for log_no in range(40):
        at = T0
        log = [(rng.choice((1, 3, 3, 4)), at)]
        for k in range(1, 30):
            at += timedelta(minutes=10) if log[-1][0] == 1 else timedelta(days=rng.uniform(0.6, 1.4) * 2.1 ** (k % 12))
            log.append((1 if rng.random() < 0.08 else rng.choice((2, 3, 3, 3, 4)), at))
        card = fsrs.Card(card_id=1, due=T0)
        for k, (rating, when) in enumerate(log):
            with seeded_fuzz(f"b{log_no}:{k}"):
                card, _ = reference.review_card(card, fsrs.Rating(rating), when)
        done = replayer.run(log, f"b{log_no}:{len(log) - 1}")
        assert exact(*done[:6]) == exact(
            int(card.state), card.step, card.stability, card.difficulty, card.due, card.last_review
        )


def test_scheduler_replay_equals_answering_one_by_one() -> None:
    config = SchedulerConfig(relearning_steps=(timedelta(minutes=10), timedelta(hours=1)))
    scheduler = Scheduler(config)
    rng = random.Random(8)
    for card in range(20):
        log = random_log(rng, 30)
        memory = scheduler.new_state(f"c{card}", log[0][1])
        for rating, at in log:
            memory = scheduler.review(memory, rating, at)
        replayed = scheduler.replay(log, f"c{card}")
        assert replayed == memory
        assert exact(*replayed.to_dict().values()) == exact(*memory.to_dict().values())


def test_a_replay_that_disagrees_with_review_card_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """As after an fsrs update that changes its maths: replay answers one by one instead."""
    log = random_log(random.Random(3), 20)
    expected = Scheduler().replay(log, "x")
    real_run = Replayer.run

    def off_by_a_bit(self: Replayer, log: list[tuple[int, datetime]], fuzz_seed: str) -> object:
        done = real_run(self, log, fuzz_seed)
        return done._replace(stability=done.stability * (1 + 1e-15)) if len(log) > 5 else done

    monkeypatch.setattr(Replayer, "run", off_by_a_bit)
    assert Scheduler().replay(log, "x") == expected


def test_unknown_ratings_and_empty_logs_are_refused() -> None:
    replayer = Replayer(REFERENCES["defaults, fuzz off"])
    with pytest.raises(ValueError, match="empty log"):
        replayer.run([], "x")
    for bad in (0, 5):
        with pytest.raises(ValueError, match="Unknown rating"):
            replayer.run([(bad, T0)], "x")
        with pytest.raises(ValueError, match="Unknown rating"):
            replayer.run([(3, T0), (bad, T0 + timedelta(days=2))], "x")


def test_memory_state_of_a_replay_round_trips() -> None:
    memory = Scheduler().replay(random_log(random.Random(4), 25), "k")
    assert MemoryState.from_dict(memory.to_dict()) == memory


def test_to_json_is_json_dumps_with_sorted_keys() -> None:
    rng = random.Random(6)
    states = [Scheduler().new_state("new", T0), MemoryState('quote " and ü', stability=float("nan"), step=None)]
    for name, reference in sorted(REFERENCES.items()):
        scheduler = Scheduler(
            SchedulerConfig(
                desired_retention=reference.desired_retention,
                maximum_interval=reference.maximum_interval,
                learning_steps=reference.learning_steps,
                relearning_steps=reference.relearning_steps,
                enable_fuzzing=reference.enable_fuzzing,
                parameters=reference.parameters,
            )
        )
        states += [
            scheduler.replay(random_log(rng, 1 if k == 0 else rng.randint(2, 30)), f"{name}-{k}") for k in range(5)
        ]
    assert any(type(state.stability) is int for state in states)  # the integer parameters' first answers
    for state in states:
        assert state.to_json() == json.dumps(state.to_dict(), sort_keys=True)
