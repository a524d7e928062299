"""Cards and the FSRS review engine, at a fixed clock in UTC."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs
import pytest

from aksio.clock import FixedClock
from aksio.errors import InvalidInput, NotFound
from aksio.service import Aksio

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC; the study day starts at 04:00


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def app(tmp_path: Path, clock: FixedClock) -> Iterator[Aksio]:
    opened = Aksio.open(tmp_path / "home", clock, tz=UTC)
    yield opened
    opened.close()


@pytest.fixture
def course(app: Aksio) -> str:
    app.add_course("Biology")
    app.edit_course("Biology", scheduling={"fuzz": False})
    return "Biology"


def _basic(app: Aksio, course: str, n: int) -> list[str]:
    return [app.add_card(course, f"question {i}", f"answer {i}")[0].id for i in range(n)]


def test_states_equal_the_reference_fsrs_scheduler(app: Aksio, course: str, clock: FixedClock) -> None:
    rng = random.Random(7)
    card_id = _basic(app, course, 1)[0]
    reference = fsrs.Scheduler(enable_fuzzing=False)
    ref_card = fsrs.Card(card_id=1, due=T0)
    at = T0
    for _ in range(12):
        rating = rng.choice([1, 2, 3, 3, 3, 4])
        clock.set(at)  # an answer's time is now, or not far from it
        answered = app.answer(card_id, rating, at=at).card
        assert answered == app.card(card_id)  # what answer returns is what a fresh read gives
        ref_card, _ = reference.review_card(ref_card, fsrs.Rating(rating), at)
        state = app.card(card_id).state
        assert state.stability == pytest.approx(ref_card.stability, rel=1e-12)
        assert state.difficulty == pytest.approx(ref_card.difficulty, rel=1e-12)
        assert state.due == ref_card.due.isoformat(timespec="seconds").replace("+00:00", "Z")
        assert state.queue == ("review" if ref_card.state == fsrs.State.Review else "learning")
        at = ref_card.due + timedelta(hours=rng.choice([0, 3, 30]))
    clock.set(at)


def test_queue_serves_learning_then_most_forgotten_review_then_new(app: Aksio, course: str, clock: FixedClock) -> None:
    a, b, c, d = _basic(app, course, 4)
    # a and b become review cards with different stabilities, c a learning card, d stays new
    app.answer(a, "easy", at=T0)
    app.answer(b, "easy", at=T0)
    clock.set(T0 + timedelta(days=10))  # an answer's time is now, or not far from it
    app.answer(b, "easy", at=T0 + timedelta(days=10))
    later = T0 + timedelta(days=400)  # both a and b are overdue by then
    clock.set(later)
    app.answer(c, "again", at=later)
    clock.set(later + timedelta(minutes=2))
    assert app.next_card(course).id == c  # the learning step is due
    app.answer(c, "good")
    # a (lower stability, reviewed longer ago) is more forgotten than b
    assert app.next_card(course).id == a
    app.answer(a, "good")
    assert app.next_card(course).id == b
    app.answer(b, "good")
    assert app.next_card(course).id == d


def test_daily_new_limits_per_course_and_global(app: Aksio, course: str, clock: FixedClock) -> None:
    app.edit_course(course, daily_new_limit=2)
    ids = _basic(app, course, 5)
    assert app.due(course).counts.new == 2
    for _ in range(2):
        card = app.next_card(course)
        assert card is not None and card.state.queue == "new"
        app.answer(card.id, "easy")
    assert app.due(course).counts.new == 0
    nxt = app.next_card(course)
    assert nxt is None or nxt.state.queue != "new"
    app.settings.study.new_per_day = 1
    app.add_course("Chemistry")
    app.add_card("Chemistry", "H2O?", "water")
    assert app.due("Chemistry").counts.new == 0  # the global limit of 1 is already used up
    assert len(ids) == 5


def test_the_study_day_rolls_over_at_the_configured_hour(app: Aksio, course: str, clock: FixedClock) -> None:
    app.edit_course(course, daily_new_limit=1)
    _basic(app, course, 2)
    app.answer(app.next_card(course).id, "easy")
    clock.set(datetime(2026, 1, 6, 3, 59, tzinfo=UTC))  # still Monday's study day
    assert app.due(course).counts.new == 0
    clock.set(datetime(2026, 1, 6, 4, 0, tzinfo=UTC))
    assert app.due(course).counts.new == 1
    app.settings.study.day_starts_at = 6
    assert app.study_day(datetime(2026, 1, 6, 5, 0, tzinfo=UTC)).start == datetime(2026, 1, 5, 6, tzinfo=UTC)


def test_siblings_are_buried_until_the_next_day(app: Aksio, course: str, clock: FixedClock) -> None:
    forward, backward = (c.id for c in app.add_card(course, "ATP", "energy currency", kind="reverse"))
    app.answer(forward, "good")
    clock.advance(timedelta(minutes=15))
    nxt = app.next_card(course)
    assert nxt is not None and nxt.id == forward  # the learning step, never the buried sibling
    app.answer(forward, "easy")
    assert app.next_card(course) is None
    clock.set(datetime(2026, 1, 6, 4, 0, tzinfo=UTC))
    assert app.next_card(course).id == backward


def test_undo_restores_the_exact_previous_state_several_times(app: Aksio, course: str, clock: FixedClock) -> None:
    card_id, sibling = (c.id for c in app.add_card(course, "ATP", "energy currency", kind="reverse"))
    snapshots = [app.card(card_id)]
    sibling_before = app.db.query_one("SELECT hidden_until FROM card_state WHERE card_id = ?", (sibling,))[0]
    for rating in ("good", "good", "again"):
        app.answer(card_id, rating)
        snapshots.append(app.card(card_id))
        clock.advance(timedelta(days=2))
    reviews = app.db.query_one("SELECT count(*) FROM review")[0]
    for expected in reversed(snapshots[:-1]):
        app.undo()
        assert app.card(card_id) == expected
    # the reviews stay, each voided by a marker of its own
    assert app.db.query_one("SELECT count(*) FROM review")[0] == reviews
    assert app.db.query_one("SELECT count(*) FROM review_void")[0] == 3
    assert app.db.query_one("SELECT hidden_until FROM card_state WHERE card_id = ?", (sibling,))[0] == sibling_before
    with pytest.raises(InvalidInput, match="nothing to undo"):
        app.undo()


def test_a_card_that_keeps_lapsing_becomes_a_leech(app: Aksio, course: str, clock: FixedClock) -> None:
    app.settings.study.leech_threshold = 3
    app.settings.study.leech_suspend = True
    card_id = _basic(app, course, 1)[0]
    became = []
    at = T0
    for _ in range(4):
        clock.set(at)  # an answer's time is now, or not far from it
        app.answer(card_id, "easy", at=at)  # graduate to review
        at += timedelta(days=5)
        clock.set(at)
        became.append(app.answer(card_id, "again", at=at).became_leech)  # lapse
        at += timedelta(hours=1)
        if became[-1]:
            assert app.card(card_id).suspended
            app.suspend(card_id, False)
    card = app.card(card_id)
    assert became == [False, False, True, False]
    assert card.state.lapses == 4 and "leech" in card.tags
    assert [c.id for c in app.leeches(course)] == [card_id]


def test_rebuild_from_the_review_log_is_identical(app: Aksio, clock: FixedClock) -> None:
    app.add_course("History")  # fuzz on: replay must still give the same due dates
    rng = random.Random(3)
    ids = _basic(app, "History", 30)
    for _ in range(200):
        card_id = rng.choice(ids)
        app.answer(card_id, rng.choice([1, 2, 3, 3, 4]))
        clock.advance(timedelta(hours=rng.choice([1, 12, 30, 200])))
    before = app.db.query("SELECT * FROM card_state ORDER BY card_id")
    report = app.doctor(rebuild=True)
    assert report["identical"] is True and report["rebuilt"] == 30
    assert [tuple(r) for r in app.db.query("SELECT * FROM card_state ORDER BY card_id")] == [tuple(r) for r in before]
    app.db.conn.execute("UPDATE card_state SET stability = 99 WHERE card_id = ?", (ids[0],))
    assert app.doctor(rebuild=True)["changed"] >= 1
    assert [tuple(r) for r in app.db.query("SELECT * FROM card_state ORDER BY card_id")] == [tuple(r) for r in before]


def test_answer_rejects_bad_ratings_and_times_in_the_past(app: Aksio, course: str) -> None:
    card_id = _basic(app, course, 1)[0]
    with pytest.raises(InvalidInput, match="rating"):
        app.answer(card_id, "great")
    with pytest.raises(InvalidInput, match="rating"):
        app.answer(card_id, 5)
    app.answer(card_id, "good", at=T0 + timedelta(hours=1))
    with pytest.raises(InvalidInput, match="before the card's last review"):
        app.answer(card_id, "good", at=T0)
    assert app.db.query_one("SELECT count(*) FROM review")[0] == 1


def test_cloze_and_reverse_notes_make_their_cards(app: Aksio, course: str) -> None:
    cards = app.add_card(course, "The {{c1::heart}} pumps {{c2::blood::fluid}}.", kind="cloze")
    assert [(c.front, c.back) for c in cards] == [
        ("The [...] pumps blood.", "The **heart** pumps blood."),
        ("The heart pumps [fluid].", "The heart pumps **blood**."),
    ]
    with pytest.raises(InvalidInput, match="no deletion"):
        app.add_card(course, "no deletion here", kind="cloze")
    fwd, rev = app.add_card(course, "Hund", "dog", kind="reverse")
    assert (rev.front, rev.back) == ("dog", "Hund") and fwd.note_id == rev.note_id


def test_csv_import_is_all_or_nothing_and_names_the_bad_line(app: Aksio, course: str, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text('front,back,tags\n"Q, with comma",A1,bio cell\nQ2,A2,\n', encoding="utf-8")
    report = app.import_cards(good, course)
    assert (report.notes, report.cards) == (2, 2)
    assert app.cards(course, tag="cell")[0].front == "Q, with comma"
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("Q1,A1\nQ2,A2,t,extra\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"ragged.csv:2"):
        app.import_cards(ragged, course)
    missing = tmp_path / "missing.tsv"
    missing.write_text("Q1\tA1\nonly-front\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"missing.tsv:2: expected front and back"):
        app.import_cards(missing, course)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Q1,A1\nQ2,caf\xe9\n".encode("latin-1"))
    with pytest.raises(InvalidInput, match=r"latin.csv:2: not UTF-8"):
        app.import_cards(latin, course)
    assert len(app.cards(course)) == 2


def test_a_bulk_import_logs_each_note_once_and_queues_the_new_cards_in_file_order(
    app: Aksio, course: str, tmp_path: Path
) -> None:
    first = app.add_card(course, "already here", "yes")[0]
    table = tmp_path / "words.csv"
    table.write_text("".join(f"word {i},Wort {i}\n" for i in range(5)), encoding="utf-8")
    app.import_cards(table, course, kind="reverse")
    notes = app.db.query("SELECT id, hlc FROM note ORDER BY rowid")
    log = app.db.query("SELECT tbl, row_id, op, hlc FROM change_log WHERE tbl IN ('note', 'card') ORDER BY seq")
    # one insert entry per note, in insertion order with each note's own stamp; the cards travel with it
    assert [(r["tbl"], r["row_id"], r["op"], r["hlc"]) for r in log] == [
        ("note", n["id"], "insert", n["hlc"]) for n in notes
    ]
    assert [r["hlc"] for r in log] == sorted(r["hlc"] for r in log)
    cards = app.db.query(
        "SELECT c.hlc AS card_hlc, n.hlc AS note_hlc, s.new_order, s.queue, n.front "
        "FROM card c JOIN note n ON n.id = c.note_id JOIN card_state s ON s.card_id = c.id ORDER BY c.rowid"
    )
    assert len(cards) == 11 and all(r["card_hlc"] == r["note_hlc"] for r in cards)
    assert {r["queue"] for r in cards} == {0}
    # both cards of a note share its position; positions follow the file, after the card already there
    positions = {r["front"]: r["new_order"] for r in cards}
    in_order = [positions["already here"], *(positions[f"word {i}"] for i in range(5))]
    assert in_order == sorted(set(in_order))
    assert len({(r["front"], r["new_order"]) for r in cards}) == 6
    served = app.next_card(course)
    assert served is not None and served.id == first.id


def test_suspend_bury_flag_and_delete(app: Aksio, course: str, clock: FixedClock) -> None:
    a, b = _basic(app, course, 2)
    app.suspend(a)
    assert app.next_card(course).id == b
    app.bury(b)
    assert app.next_card(course) is None
    app.suspend(a, False)
    assert app.next_card(course).id == a
    assert app.flag(a, 3).flag == 3
    app.delete_card(a)
    assert [c.id for c in app.cards(course)] == [b]
    clock.set(datetime(2026, 1, 6, 4, 0, tzinfo=UTC))
    assert app.next_card(course).id == b


def test_buried_cards_are_listed_as_buried_until_the_day_ends_or_they_are_unburied(
    app: Aksio, course: str, clock: FixedClock
) -> None:
    from aksio.browse import browse_rows

    a, b = _basic(app, course, 2)
    forward, backward = (c.id for c in app.add_card(course, "ATP", "energy currency", kind="reverse"))

    def states() -> dict[str, str]:
        return {r.id: r.state for r in browse_rows(app)}

    app.bury(a)
    app.answer(forward, "good")  # its sibling is buried by the answer, not by hand
    assert states() == {a: "buried", b: "new", forward: "learning", backward: "buried"}
    assert [r.id for r in browse_rows(app, buried=True)] == [a, backward]
    assert {r.id for r in browse_rows(app, buried=False)} == {b, forward}

    assert app.bury_cards([a, backward], False) == [a, backward]
    assert app.card(a).buried_until == "2026-01-05T09:00:00.000Z"  # the unbury's moment: buried until now
    assert states()[a] == states()[backward] == "new"
    assert app.next_card(course).id in {a, b, backward}  # back in today's study

    app.bury(b)
    assert states()[b] == "buried"
    clock.set(datetime(2026, 1, 6, 4, 0, tzinfo=UTC))  # a new study day: nothing kept from yesterday's listing
    assert states()[b] == "new" and not browse_rows(app, buried=True)


def test_actions_on_many_cards_are_one_transaction_and_all_or_nothing(
    app: Aksio, course: str, clock: FixedClock
) -> None:
    a, b, c = _basic(app, course, 3)
    fwd, rev = (card.id for card in app.add_card(course, "Hund", "dog", kind="reverse"))
    before = app.db.query_one("SELECT count(*) FROM change_log")[0]
    with pytest.raises(NotFound):
        app.suspend_cards([a, b, "no-such-card"])
    with pytest.raises(InvalidInput, match="flag must be"):
        app.flag_cards([a], 9)
    assert app.db.query_one("SELECT count(*) FROM change_log")[0] == before
    assert not any(card.suspended for card in app.cards(course))

    assert app.suspend_cards([a, b, a]) == [a, b]  # each card once
    assert app.suspend_cards([a, c]) == [c]  # a was suspended already: only c changes
    assert [card.id for card in app.cards(course, suspended=True)] == [a, b, c]
    assert app.next_card(course).id == fwd
    assert app.suspend_cards([a, b], False) == [a, b]
    assert app.flag_cards([a, b], 2) == [a, b] and app.card(a).flag == app.card(b).flag == 2
    assert app.flag_cards([a, c], 2) == [c]
    assert app.bury_cards([a, b]) == [a, b]
    assert app.next_card(course).id == fwd

    deleted = app.delete_cards([fwd, rev, a])  # a note's two cards go together, once
    assert sorted(deleted) == sorted([fwd, rev, a])
    assert {card.id for card in app.cards(course)} == {b, c}
    with pytest.raises(InvalidInput, match="no cards"):
        app.delete_cards([])


def _simulate(n_cards: int, seed: int) -> list[tuple[str, int, datetime]]:
    """Reviews of cards whose recall follows FSRS with non-default parameters."""
    true = list(fsrs.scheduler.DEFAULT_PARAMETERS)
    true[0], true[1], true[2], true[3] = 1.0, 3.0, 8.0, 30.0
    truth = fsrs.Scheduler(parameters=true, enable_fuzzing=False, learning_steps=(), relearning_steps=())
    rng = random.Random(seed)
    log = []
    for n in range(n_cards):
        card = fsrs.Card(card_id=n + 1, due=T0)
        at = T0 + timedelta(days=rng.randint(0, 30))
        for _ in range(rng.randint(3, 8)):
            recall = truth.get_card_retrievability(card, at) if card.last_review else 0.0
            rating = (3 if rng.random() < 0.8 else 4) if (card.last_review is None or rng.random() < recall) else 1
            if card.last_review is None:
                rating = rng.choice([1, 2, 3, 3, 4])
            log.append((f"card-{n}", rating, at))
            card, _ = truth.review_card(card, fsrs.Rating(rating), at)
            at = card.due + timedelta(days=rng.randint(0, 3))
    return log


def test_optimizer_fits_parameters_that_predict_held_out_reviews_better() -> None:
    from aksio.srs.optimizer import TooFewReviews, fit

    result = fit(_simulate(1500, seed=11))
    assert result.log_loss_fitted < result.log_loss_default
    assert result.improved and len(result.parameters) == 21
    with pytest.raises(TooFewReviews, match="too few reviews"):
        fit(_simulate(10, seed=1))


def test_memory_state_round_trips_through_its_dict() -> None:
    from dataclasses import fields

    from aksio.srs.scheduler import MemoryState, Scheduler

    memory = Scheduler().review(Scheduler().new_state("card-1", T0), 3, T0)
    data = memory.to_dict()
    assert set(data) == {f.name for f in fields(MemoryState)}
    assert MemoryState.from_dict(data) == memory
