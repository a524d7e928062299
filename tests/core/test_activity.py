"""The dashboard's numbers: answers per study day, the streak, today's totals, due counts, study sessions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aksio.clock import FixedClock
from aksio.errors import InvalidInput
from aksio.service import Aksio

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # the study day starts at 04:00


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def app(tmp_path: Path, clock: FixedClock) -> Iterator[Aksio]:
    opened = Aksio.open(tmp_path / "home", clock, tz=UTC)
    opened.add_course("Bio", code="BIO1")
    yield opened
    opened.close()


def _answer_on(app: Aksio, at: datetime, n: int = 1) -> None:
    for i in range(n):
        card = app.add_card("Bio", f"q {at.isoformat()} {i}", "a")[0]
        app.answer(card.id, "good", at=at, duration_ms=4000)


def test_answers_count_on_their_study_day_and_make_the_streak(app: Aksio) -> None:
    _answer_on(app, T0, 2)  # today
    _answer_on(app, T0 - timedelta(days=1))
    _answer_on(app, T0 - timedelta(days=1, hours=9))  # 03:00 yesterday: still the study day before it
    _answer_on(app, T0 - timedelta(days=5))  # after a gap
    board = app.dashboard(days=7)
    assert [n for _, n in board.days] == [0, 1, 0, 0, 1, 1, 2]
    assert board.days[-1][0] == T0.date() and len(board.days) == 7
    assert board.streak == 3 and board.today_reviews == 2 and board.today_seconds == 8


def test_the_streak_survives_a_day_not_yet_studied(app: Aksio, clock: FixedClock) -> None:
    _answer_on(app, T0 - timedelta(days=1))
    _answer_on(app, T0 - timedelta(days=2))
    assert app.dashboard().streak == 2  # nothing yet today
    clock.set(T0 + timedelta(days=1))
    assert app.dashboard().streak == 0  # a whole day missed


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
def test_a_streak_longer_than_the_days_shown_is_counted_to_its_first_missed_day(
    tmp_path: Path, clock: FixedClock, zone: str
) -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    with Aksio.open(tmp_path / "home", clock, tz=tz) as app:
        app.add_course("Bio")
        noon = T0.astimezone(tz).replace(hour=12)
        # today, then 40 days in a row from the day before yesterday, a missed day, and 7 more days
        studied = [0, *range(2, 42), *range(43, 50)]
        for back in studied:
            _answer_on(app, (noon - timedelta(days=back)).astimezone(UTC))
        # yesterday missed: the streak is today's alone
        assert app.dashboard(days=7).streak == 1
        _answer_on(app, (noon - timedelta(days=1)).astimezone(UTC))
        board = app.dashboard(days=7)  # 42 days in a row, 7 of them shown: the rest found further back
        assert board.streak == 42 and len(board.days) == 7 and all(n for _, n in board.days)
        assert app.dashboard(days=60).streak == 42  # the same whether the first missed day is shown or not
        assert app.dashboard(days=1).streak == 42


def test_the_streak_counts_study_days_across_a_clock_change(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    clock = FixedClock(datetime(2026, 4, 5, 12, tzinfo=berlin))  # a week after the clocks went forward
    with Aksio.open(tmp_path / "home", clock, tz=berlin) as app:
        app.add_course("Bio")
        for back in range(20):  # every day at 03:30 local, the end of each study day (they begin at 04:00)
            _answer_on(app, (datetime(2026, 4, 5, 3, 30, tzinfo=berlin) - timedelta(days=back)).astimezone(UTC))
        assert app.dashboard(days=3).streak == 20  # the study days before today's, each one answered
        # each on its own day, none doubled or missed; today's study day began at 04:00 and has no answer yet
        assert [n for _, n in app.dashboard(days=21).days] == [1] * 20 + [0]


def test_courses_carry_their_due_counts(app: Aksio) -> None:
    app.add_course("Chem")
    for i in range(3):
        app.add_card("Chem", f"c{i}", "x")
    board = app.dashboard()
    by_name = {c.name: c for c in board.courses}
    assert by_name["Chem"].new == 3 and by_name["Bio"].new == 0 and by_name["Bio"].code == "BIO1"
    with pytest.raises(InvalidInput):
        app.dashboard(days=0)


def test_a_study_session_is_recorded(app: Aksio) -> None:
    session = app.record_session("Bio", T0, T0 + timedelta(minutes=5), {1: 2, 3: 5})
    assert session.reviews == 7 and session.seconds == 300 and session.ratings["again"] == 2
    assert [s.id for s in app.sessions()] == [session.id]
    with pytest.raises(InvalidInput):
        app.record_session(None, T0, T0 - timedelta(seconds=1), {})


def test_undo_takes_an_answer_back_from_the_counts_and_a_rebuild_recounts(app: Aksio) -> None:
    _answer_on(app, T0, 3)
    app.undo()
    board = app.dashboard(days=1)
    assert board.today_reviews == 2 and board.today_seconds == 8
    app.db.conn.execute("DELETE FROM review_hour")  # a stale cache (e.g. reviews that arrived another way)
    assert app.dashboard(days=1).today_reviews == 0
    app.doctor(rebuild=True)
    assert app.dashboard(days=1).today_reviews == 2


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Kolkata", "America/St_Johns"])
def test_answers_go_to_the_study_day_their_hour_began_in_across_daylight_saving(tmp_path: Path, zone: str) -> None:
    from collections import Counter
    from random import Random
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    end = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    rng = Random(7)
    # two years back, so both ends of the 400-day window and two daylight-saving changes a year are crossed
    times = sorted(end - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)) for _ in range(600))
    times += [end - timedelta(hours=2, minutes=m) for m in range(0, 14 * 60, 7)]  # around today's start
    times.sort()
    with Aksio.open(tmp_path / "home", FixedClock(end), tz=tz) as app:
        app.add_course("Bio")
        cards = [card.id for card in app.import_cards(_table(tmp_path, 40), "Bio") and app.cards("Bio")]
        for i, at in enumerate(times):
            app.answer(cards[i % len(cards)], "good", at=at)
        board = app.dashboard(days=400)
        # the reference: each answer's UTC hour, and the study day that hour's first instant falls in
        expected: Counter[object] = Counter()
        for at in times:
            hour = at.replace(minute=0, second=0, microsecond=0)
            expected[app.study_day(hour).start.astimezone(tz).date()] += 1
        first = board.days[0][0]
        assert {day: n for day, n in board.days if n} == {d: n for d, n in expected.items() if d >= first}
        assert board.today_reviews == expected[board.days[-1][0]] > 0
        assert [day for day, _ in board.days] == sorted({day for day, _ in board.days})  # one entry per day


def _table(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "cards.csv"
    path.write_text("".join(f"q{i},a{i}\n" for i in range(n)), encoding="utf-8")
    return path
