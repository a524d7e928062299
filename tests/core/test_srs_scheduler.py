"""The FSRS scheduling layer: the same maths as the fsrs package, made replayable."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone

import fsrs
import pytest

from aksio.srs.scheduler import LEARNING, RELEARNING, REVIEW, MemoryState, Scheduler, SchedulerConfig

T0 = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
CUSTOM_PARAMETERS = (
    0.5,
    1.8,
    4.0,
    12.0,
    6.0,
    0.7,
    2.5,
    0.01,
    1.6,
    0.2,
    0.9,
    1.6,
    0.08,
    0.3,
    1.7,
    0.5,
    2.2,
    0.6,
    0.1,
    0.07,
    0.25,
)


def random_log(rng: random.Random, n: int = 40, start: datetime = T0) -> list[tuple[int, datetime]]:
    """Ratings at gaps from minutes to months, sometimes early, sometimes late."""
    log = []
    at = start
    for _ in range(n):
        log.append((rng.choices([1, 2, 3, 4], [0.2, 0.15, 0.5, 0.15])[0], at))
        kind = rng.random()
        if kind < 0.3:
            at += timedelta(minutes=rng.randint(1, 90))
        elif kind < 0.5:
            at += timedelta(hours=rng.randint(1, 30), minutes=rng.randint(0, 59))
        else:
            at += timedelta(days=rng.randint(1, 120), seconds=rng.randint(0, 86399))
    return log


def reference_for(config: SchedulerConfig) -> fsrs.Scheduler:
    return fsrs.Scheduler(
        parameters=tuple(config.parameters) if config.parameters else fsrs.scheduler.DEFAULT_PARAMETERS,
        desired_retention=config.desired_retention,
        learning_steps=tuple(config.learning_steps),
        relearning_steps=tuple(config.relearning_steps),
        maximum_interval=config.maximum_interval,
        enable_fuzzing=False,
    )


CONFIGS = {
    "defaults": SchedulerConfig(enable_fuzzing=False),
    "custom": SchedulerConfig(
        desired_retention=0.85,
        maximum_interval=200,
        learning_steps=(timedelta(minutes=5),),
        relearning_steps=(timedelta(minutes=5), timedelta(hours=1)),
        enable_fuzzing=False,
        parameters=CUSTOM_PARAMETERS,
    ),
    "no steps": SchedulerConfig(learning_steps=(), relearning_steps=(), enable_fuzzing=False),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.parametrize("seed", range(6))
def test_states_equal_the_reference_fsrs_scheduler_with_fuzz_off(name: str, seed: int) -> None:
    config = CONFIGS[name]
    ours = Scheduler(config)
    reference = reference_for(config)
    memory = ours.new_state("card", T0)
    card = fsrs.Card(card_id=1, due=T0)
    for rating, at in random_log(random.Random(seed)):
        assert ours.retrievability(memory, at) == reference.get_card_retrievability(card, at)
        memory = ours.review(memory, rating, at)
        card, _ = reference.review_card(card, fsrs.Rating(rating), at)
        assert memory.state == int(card.state)
        assert memory.step == card.step
        assert memory.stability == card.stability
        assert memory.difficulty == card.difficulty
        assert memory.due == card.due
        assert memory.last_review == card.last_review == at


def test_reps_count_every_answer_and_lapses_only_forgotten_review_cards() -> None:
    scheduler = Scheduler(SchedulerConfig(enable_fuzzing=False))
    memory = scheduler.new_state("7", T0)
    memory = scheduler.review(memory, 1, T0)  # learning: not a lapse
    memory = scheduler.review(memory, 4, T0 + timedelta(minutes=1))
    assert memory.state == REVIEW
    memory = scheduler.review(memory, 1, memory.due)  # forgotten in review: a lapse
    assert memory.state == RELEARNING
    memory = scheduler.review(memory, 1, memory.due)  # again while relearning: not another lapse
    memory = scheduler.review(memory, 3, memory.due)
    assert memory.state == REVIEW
    assert (memory.reps, memory.lapses) == (5, 1)


@pytest.mark.parametrize("seed", range(5))
def test_replay_of_the_log_equals_the_answers_given_one_by_one_with_fuzz_on(seed: int) -> None:
    rng = random.Random(seed)
    config = SchedulerConfig(enable_fuzzing=True)
    log = random_log(rng, n=60)
    live = Scheduler(config)
    memory = live.new_state("c-1", T0)
    for rating, at in log:
        # the state goes through the cache row between answers, as in the app
        memory = live.review(MemoryState.from_dict(json.loads(json.dumps(memory.to_dict()))), rating, at)
    random.random()  # other users of the global generator change nothing
    assert Scheduler(config).replay(log, "c-1") == memory
    assert Scheduler(config).replay(list(log), "c-1") == live.replay(log, "c-1")


def test_fuzz_is_applied_and_differs_between_cards() -> None:
    fuzzed, plain = Scheduler(SchedulerConfig()), Scheduler(SchedulerConfig(enable_fuzzing=False))
    log = [(3, T0), (3, T0 + timedelta(minutes=1)), (3, T0 + timedelta(minutes=11)), (3, T0 + timedelta(days=3))]
    unfuzzed = plain.replay(log, "card").due
    dues = {fuzzed.replay(log, f"card-{i}").due for i in range(30)}
    assert len(dues) > 1
    assert all(abs(due - unfuzzed) <= timedelta(days=3) for due in dues)


def test_scheduling_leaves_the_global_random_generator_alone() -> None:
    scheduler = Scheduler()
    random.seed(1234)
    expected = [random.random() for _ in range(3)]
    random.seed(1234)
    first = random.random()
    scheduler.replay(random_log(random.Random(9)), "x")
    assert [first, random.random(), random.random()] == expected
    assert fsrs.scheduler.random is random.random  # type: ignore[attr-defined]


def test_fsrs_cards_are_built_with_an_id(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sleep(_seconds: float) -> None:
        raise AssertionError("fsrs.Card() without card_id sleeps 1 ms")

    monkeypatch.setattr("fsrs.card.time.sleep", no_sleep)
    scheduler = Scheduler()
    memory = scheduler.replay(random_log(random.Random(3), n=10), "x")
    scheduler.preview(memory, memory.due)
    scheduler.retrievability(memory, memory.due)


def test_preview_shows_what_each_answer_would_do() -> None:
    scheduler = Scheduler()
    memory = scheduler.replay(random_log(random.Random(4), n=15), "p")
    at = memory.due + timedelta(hours=3)
    preview = scheduler.preview(memory, at)
    assert sorted(preview) == [1, 2, 3, 4]
    assert preview == {rating: scheduler.review(memory, rating, at).due for rating in (1, 2, 3, 4)}


@pytest.mark.parametrize("fuzz", [False, True])
def test_preview_intervals_grow_from_again_to_easy_for_review_cards(fuzz: bool) -> None:
    scheduler = Scheduler(SchedulerConfig(enable_fuzzing=fuzz))
    rng = random.Random(11)
    checked = 0
    for card in range(150):
        memory = scheduler.new_state(f"card-{card}", T0)
        at = T0
        for _ in range(10):
            memory = scheduler.review(memory, rng.choice([1, 2, 3, 3, 3, 4]), at)
            at = max(memory.due + timedelta(days=rng.randint(-2, 5)), at)
            if memory.is_review:
                preview = scheduler.preview(memory, at)
                assert preview[1] <= preview[2] <= preview[3] <= preview[4]
                assert preview[3] - at >= timedelta(days=1)
                checked += 1
    assert checked > 500


def test_higher_desired_retention_gives_shorter_intervals() -> None:
    log = random_log(random.Random(5), n=20)
    intervals = []
    for retention in (0.75, 0.85, 0.9, 0.95, 0.99):
        scheduler = Scheduler(SchedulerConfig(desired_retention=retention, enable_fuzzing=False))
        memory = scheduler.replay(log, "r")
        at = log[-1][1] + timedelta(days=30)
        intervals.append(scheduler.preview(memory, at)[3] - at)
    assert intervals == sorted(intervals, reverse=True)
    assert intervals[0] > intervals[-1]


def test_maximum_interval_caps_every_interval() -> None:
    scheduler = Scheduler(SchedulerConfig(maximum_interval=30))
    memory = scheduler.new_state("m", T0)
    at = T0
    for _ in range(12):
        memory = scheduler.review(memory, 4, at)
        assert memory.due - at <= timedelta(days=30)
        last, at = at, memory.due
    assert at - last >= timedelta(days=25)  # at the cap, less fuzz


def test_without_learning_steps_a_new_card_goes_straight_to_review() -> None:
    scheduler = Scheduler(SchedulerConfig(learning_steps=(), enable_fuzzing=False))
    memory = scheduler.review(scheduler.new_state("n", T0), 3, T0)
    assert memory.state == REVIEW
    assert memory.step is None
    assert memory.due - T0 >= timedelta(days=1)


def test_retrievability_starts_at_zero_then_decays_from_one() -> None:
    scheduler = Scheduler(SchedulerConfig(enable_fuzzing=False))
    memory = scheduler.new_state("r", T0)
    assert scheduler.retrievability(memory, T0) == 0.0
    memory = scheduler.replay([(3, T0), (3, T0 + timedelta(minutes=1)), (3, T0 + timedelta(minutes=11))], "r")
    assert memory.state == REVIEW
    last = memory.last_review
    assert last is not None
    values = [scheduler.retrievability(memory, last + timedelta(days=d)) for d in (0, 1, 5, 30, 300)]
    assert values[0] == pytest.approx(1.0)
    assert values == sorted(values, reverse=True)
    assert scheduler.retrievability(memory, memory.due) == pytest.approx(0.9, abs=0.03)


def test_memory_state_round_trips_through_a_plain_dict() -> None:
    scheduler = Scheduler()
    for memory in (scheduler.new_state("a", T0), scheduler.replay(random_log(random.Random(6), n=25), "a")):
        data = memory.to_dict()
        assert json.loads(json.dumps(data)) == data  # plain JSON types only
        assert MemoryState.from_dict(data) == memory
    assert MemoryState.from_dict(scheduler.new_state("a", T0).to_dict()).state == LEARNING


def test_other_time_zones_are_converted_to_utc() -> None:
    scheduler = Scheduler(SchedulerConfig(enable_fuzzing=False))
    plus_two = T0.astimezone(timezone(timedelta(hours=2)))
    memory = scheduler.review(scheduler.new_state("z", plus_two), 3, plus_two)
    assert memory.last_review == T0
    assert memory.last_review.tzinfo is UTC


def test_replay_needs_at_least_one_review() -> None:
    with pytest.raises(ValueError, match="empty log"):
        Scheduler().replay([], "x")
