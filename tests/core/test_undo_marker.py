"""Reviews are never deleted: undo appends a marker that voids the answer, and a card's cached state is what its
card row, note, reviews that still count and course settings give, buried and new-card order included."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aksio.clock import FixedClock, iso
from aksio.errors import InvalidInput
from aksio.service import Aksio
from aksio.srs.scheduler import Scheduler, SchedulerConfig
from aksio.storage.migrations import MIGRATIONS
from tests.old_homes import old_home

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC; the study day starts at 04:00
OTHER_DEVICE = "0190aaaa-other-device"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def app(home: Path, clock: FixedClock) -> Iterator[Aksio]:
    opened = Aksio.open(home, clock, tz=UTC)
    yield opened
    opened.close()


def _cards(app: Aksio, n: int, kind: str = "basic") -> list[str]:
    if not app.courses():
        app.add_course("Bio")
    return [c.id for i in range(n) for c in app.add_card("Bio", f"question {i} {kind}", f"answer {i}", kind=kind)]


def _table(app: Aksio) -> dict[str, str]:
    """card_state by card, each row as the repr of its values (1 and 1.0, or floats a bit apart, differ)."""
    return {r[0]: repr(tuple(r)) for r in app.db.query("SELECT * FROM card_state")}


def _counting_log(app: Aksio, card_id: str) -> list[tuple[int, datetime]]:
    rows = app.db.query(
        "SELECT rating, reviewed_at FROM review WHERE card_id = ? AND id NOT IN (SELECT review_id FROM review_void) "
        "ORDER BY reviewed_at, id",
        (card_id,),
    )
    return [(int(r[0]), datetime.fromisoformat(r[1])) for r in rows]


def _reference(app: Aksio, card_id: str) -> tuple[Any, ...]:
    """The card's FSRS columns as fsrs's review_card gives them, answering its counting reviews one by one."""
    log = _counting_log(app, card_id)
    if not log:
        return (0, None, None, None, None, None)
    scheduler = Scheduler(SchedulerConfig())
    memory = scheduler.new_state(card_id, log[0][1])
    for rating, at in log:
        memory = scheduler.review(memory, rating, at)
    return (
        2 if memory.is_review else 1,
        int(memory.due.timestamp()),
        int(log[-1][1].timestamp()),
        memory.stability,
        memory.difficulty,
        json.dumps(memory.to_dict(), sort_keys=True),
    )


def _cached(app: Aksio, card_id: str) -> tuple[Any, ...]:
    row = app.db.query_one(
        "SELECT queue, CASE WHEN queue = 0 THEN NULL ELSE due END, last_review, stability, difficulty, fsrs "
        "FROM card_state WHERE card_id = ?",
        (card_id,),
    )
    assert row is not None
    return tuple(row)


def test_undo_keeps_the_review_and_its_log_entry_and_appends_a_marker_that_syncs(app: Aksio) -> None:
    card_id = _cards(app, 1)[0]
    review_id = app.answer(card_id, "good").review_id
    logged = app.db.query_one("SELECT hlc FROM change_log WHERE tbl = 'review' AND row_id = ?", (review_id,))
    assert logged is not None

    assert app.undo().review_id == review_id
    assert app.db.query_one("SELECT count(*) FROM review WHERE id = ?", (review_id,))[0] == 1  # type: ignore[index]
    assert app.db.query_one("SELECT hlc FROM change_log WHERE tbl = 'review' AND row_id = ?", (review_id,)) == logged
    marker = app.db.query_one("SELECT id, review_id, card_id, device_id, hlc FROM review_void")
    assert marker is not None and tuple(marker)[1:4] == (review_id, card_id, app.db.device)
    assert marker["id"] != review_id and marker["hlc"] > logged["hlc"]
    entry = app.db.query_one("SELECT op, hlc FROM change_log WHERE tbl = 'review_void' AND row_id = ?", (marker["id"],))
    assert entry is not None and tuple(entry) == ("insert", marker["hlc"])  # it travels as the review did
    assert app.card(card_id).state.queue == "new"
    assert app.doctor()["reviews"] == 0
    with pytest.raises(InvalidInput, match="nothing to undo"):
        app.undo()


def test_the_state_after_each_undo_is_a_replay_of_the_reviews_that_still_count(app: Aksio, clock: FixedClock) -> None:
    ids = _cards(app, 4)
    rng = random.Random(3)
    for step in range(60):
        if step % 4 == 3:
            undone = app.undo()
            assert _cached(app, undone.card.id) == _reference(app, undone.card.id)
        else:
            app.answer(rng.choice(ids), rng.choice([1, 3, 3, 4]))
        # days apart, so fuzz is drawn: its seed counts the reviews that still count
        clock.advance(rng.choice([timedelta(minutes=12), timedelta(days=rng.randint(3, 20))]))
    for card_id in ids:
        assert _cached(app, card_id) == _reference(app, card_id)
    assert app.db.query_one("SELECT count(*) FROM review_void")[0] == 15  # type: ignore[index]
    report = app.doctor(rebuild=True)
    assert (report["identical"], report["reviews"]) == (True, 30)


def test_an_undo_after_another_devices_review_was_merged_voids_the_answer_it_names(
    app: Aksio, clock: FixedClock
) -> None:
    card_id = _cards(app, 1)[0]
    first = app.answer(card_id, "good").review_id
    clock.advance(timedelta(minutes=15))
    second = app.answer(card_id, "good").review_id
    clock.advance(timedelta(days=3))
    with app.db.write() as w:  # merged from another device: the newest review of the card, not on our stack
        foreign = w.insert(
            "review",
            {"card_id": card_id, "rating": 1, "reviewed_at": iso(clock.now()), "device_id": OTHER_DEVICE},
        )
    app.rebuild_states()  # as a merge re-derives the cards it touched

    assert app.undo().review_id == second
    voided = [r[0] for r in app.db.query("SELECT review_id FROM review_void")]
    assert voided == [second]
    assert [r[0] for r in app.db.query("SELECT id FROM review ORDER BY reviewed_at")] == [first, second, foreign]
    state = app.card(card_id).state
    assert (state.reps, state.last_review) == (2, iso(clock.now()).replace(".000", ""))
    assert _cached(app, card_id) == _reference(app, card_id)
    assert app.undo().review_id == first  # then the one before; the other device's answer is not ours to undo
    with pytest.raises(InvalidInput, match="nothing to undo"):
        app.undo()
    assert _cached(app, card_id) == _reference(app, card_id) and app.card(card_id).state.reps == 1


def _bury_scene(app: Aksio, clock: FixedClock) -> dict[str, str]:
    """Cards hidden every way: by a sibling's answer, by hand, unburied, then hidden again by a later answer."""
    forward, backward = _cards(app, 1, "reverse")
    two, three = _cards(app, 2)
    app.answer(forward, "good")  # backward: hidden till the day ends
    app.bury(two)  # by hand
    clock.advance(timedelta(minutes=20))
    app.answer(forward, "good")
    app.bury_cards([three], False)  # never buried: an unbury changes nothing it shows
    return {"forward": forward, "backward": backward, "two": two, "three": three}


def test_a_rebuild_derives_hidden_until_and_new_order(app: Aksio, clock: FixedClock) -> None:
    cards = _bury_scene(app, clock)
    cloze = app.add_card("Bio", "{{c1::Cells}} make {{c2::tissues}}", kind="cloze")
    app.answer(cloze[0].id, "again")
    app.bury_cards([cloze[1].id], False)  # unburied after its sibling's answer: shown today
    clock.advance(timedelta(minutes=5))
    now = clock.now().timestamp()
    hidden = {r[0] for r in app.db.query("SELECT card_id FROM card_state WHERE hidden_until > ?", (now,))}
    assert hidden == {cards["backward"], cards["two"]}
    answered = _table(app)

    app.db.conn.execute("UPDATE card_state SET hidden_until = 0, new_order = 0")
    report = app.doctor()
    assert report["stale_states"] == len(answered) and report["healthy"] is False
    assert app.rebuild_states() == (len(answered), len(answered))
    assert _table(app) == answered

    app.db.conn.execute("DELETE FROM card_state")  # every row lost: made again, each where it was
    assert app.rebuild_states() == (len(answered), len(answered))
    assert _table(app) == answered

    clock.advance(timedelta(minutes=5))
    app.answer(cloze[0].id, "good")  # after the unbury: hides its sibling again
    assert app.next_card() is not None and cloze[1].id not in {c.id for c in app.cards(due=True)}
    assert app.doctor(rebuild=True)["identical"] is True
    hidden_now = app.db.query_one("SELECT hidden_until FROM card_state WHERE card_id = ?", (cloze[1].id,))
    assert hidden_now is not None and hidden_now[0] > clock.now().timestamp()


def test_new_cards_keep_their_order_from_a_synced_field_of_the_note(app: Aksio) -> None:
    ids = _cards(app, 3) + _cards(app, 1, "reverse")
    order = app.db.query(
        "SELECT s.card_id, s.new_order, n.new_order FROM card_state s JOIN note n ON n.id = s.note_id "
        "JOIN card k ON k.id = s.card_id ORDER BY k.rowid"
    )
    assert [r[0] for r in order] == ids
    assert all(r[1] == r[2] for r in order)  # the cache holds the note's value
    assert [r[1] for r in order[:4]] == sorted({r[1] for r in order})  # in the order added; siblings share one
    entry = app.db.query_one("SELECT cols FROM change_log WHERE tbl = 'note' ORDER BY seq LIMIT 1")
    assert entry is not None and "new_order" in entry[0].split(",")  # it syncs with the note
    app.db.conn.execute("UPDATE card_state SET new_order = -1")
    app.rebuild_states()
    assert [app.next_card().id for _ in range(1)] == [ids[0]]  # type: ignore[union-attr]


def test_doctor_rebuild_changes_nothing_after_a_mixed_session(app: Aksio, clock: FixedClock) -> None:
    app.settings.study.leech_threshold = 2
    app.settings.study.leech_suspend = True
    _bury_scene(app, clock)
    ids = [r[0] for r in app.db.query("SELECT id FROM card ORDER BY rowid")]
    ids += _cards(app, 2, "reverse") + _cards(app, 3)
    rng = random.Random(17)
    for _ in range(150):
        card_id = rng.choice(ids)
        action = rng.choices(["answer", "undo", "bury", "unbury", "suspend", "unsuspend"], [12, 4, 1, 1, 1, 1])[0]
        try:
            if action == "answer":
                app.answer(card_id, rng.choice([1, 1, 2, 3, 4]))
            elif action == "undo":
                app.undo()
            elif action in ("bury", "unbury"):
                app.bury(card_id, action == "bury")
            else:
                app.suspend(card_id, action == "suspend")
        except InvalidInput:  # a suspended card, or nothing left to undo
            pass
        clock.advance(rng.choice([timedelta(minutes=3), timedelta(hours=5), timedelta(days=rng.randint(1, 9))]))
    assert app.db.query_one("SELECT count(*) FROM review_void")[0] > 10  # type: ignore[index]
    assert app.db.query_one("SELECT count(*) FROM card_state WHERE hidden_until > 0")[0] > 3  # type: ignore[index]
    report = app.doctor(rebuild=True)
    assert (report["changed"], report["identical"]) == (0, True)
    session = _table(app)
    app.db.conn.execute("DELETE FROM card_state")  # the cache is a pure function of the log: made again whole
    app.rebuild_states()
    assert _table(app) == session


def test_a_change_to_a_courses_scheduling_re_derives_its_cards_states(app: Aksio, clock: FixedClock) -> None:
    ids = _cards(app, 3)
    for card_id in ids:
        app.answer(card_id, "good")
        clock.advance(timedelta(days=3))
        app.answer(card_id, "easy")
    answered = _table(app)
    app.edit_course("Bio", desired_retention=0.8, scheduling={"maximum_interval": 30})
    assert app.doctor()["healthy"] is True  # the states are what the new settings give
    assert all(_table(app)[card_id] != answered[card_id] for card_id in ids)


def test_undo_reads_through_indexes_and_never_the_change_log(app: Aksio, clock: FixedClock) -> None:
    ids = _cards(app, 3, "reverse")
    for card_id in ids * 3:
        app.answer(card_id, "good")
        clock.advance(timedelta(minutes=11))
    statements: list[str] = []
    app.db.conn.set_trace_callback(statements.append)
    app.undo()
    app.db.conn.set_trace_callback(None)
    plans = {}
    with app.db.guard.stamping():  # explaining a stamped write prepares it as the writer did
        for sql in statements:
            if sql.lstrip().split(" ", 1)[0].upper() in ("SELECT", "UPDATE", "DELETE", "INSERT"):
                plans[sql] = [r[3] for r in app.db.query(f"EXPLAIN QUERY PLAN {sql}")]
    assert not [s for s in plans if "change_log" in s and not s.startswith("INSERT INTO change_log")]
    # the one scan is of the undo stack, newest entry first (it holds at most ~50); the rest are index searches
    # (and a look at the schema, once per connection; a walk along ids given as one JSON list is no table's scan)
    scans = [(s, step) for s, p in plans.items() for step in p if step.startswith("SCAN")]
    scans = [(s, step) for s, step in scans if not step.startswith("SCAN j VIRTUAL TABLE")]
    assert [step for s, step in scans if not (step == "SCAN u" and "FROM undo_log u" in s)] in (
        [],
        ["SCAN sqlite_schema"],
    )
    assert len(scans) >= 1


# the migration that brought void markers (an Aksio without them: the schema it has)
_MARKERS = next((i for i, sql in enumerate(MIGRATIONS, 1) if "CREATE TABLE review_void" in sql), len(MIGRATIONS) + 1)


def _old_home(home: Path) -> dict[str, Any]:
    """A home as the Aksio before void markers left it, written row by row as that version wrote them: two
    notes (places 1 and 2 among new cards), three answers on its undo stack (the middle one made the card a
    leech), and a fourth stack entry whose review an undo of that version had deleted."""
    with old_home(home, _MARKERS - 1) as old:
        stamp = iter(f"{int(T0.timestamp() * 1000):013d}-{n:04x}-old" for n in range(100))
        at = iso(T0 - timedelta(days=30))
        old.execute(
            "INSERT INTO course (id, name, hlc, created_at, updated_at) VALUES ('course', 'Bio', ?, ?, ?)",
            (next(stamp), at, at),
        )
        scheduler = Scheduler(SchedulerConfig())
        answers = {"card-a": [(3, T0 - timedelta(days=20)), (1, T0 - timedelta(days=2))], "card-b": [(4, T0)]}
        stack = [("gone", "card-b", False)]
        for place, (card_id, log) in enumerate(answers.items(), start=1):
            note_id = f"note-{card_id}"
            tags = '["leech"]' if card_id == "card-a" else "[]"
            old.execute(
                "INSERT INTO note (id, course_id, kind, front, tags, hlc, created_at, updated_at) "
                "VALUES (?, 'course', 'basic', ?, ?, ?, ?, ?)",
                (note_id, f"question {place}", tags, next(stamp), at, at),
            )
            if tags != "[]" and old.execute("SELECT 1 FROM sqlite_schema WHERE name = 'tag_entry'").fetchone():
                old.execute(  # tags as a set (since migration 9): one entry per tag
                    "INSERT INTO tag_entry (id, tbl, row_id, tag, hlc, created_at, updated_at) "
                    "VALUES (?, 'note', ?, 'leech', ?, ?, ?)",
                    (f"{note_id}/0000", note_id, next(stamp), at, at),
                )
            old.execute(
                "INSERT INTO card (id, note_id, course_id, ord, hlc, created_at, updated_at) "
                "VALUES (?, ?, 'course', 0, ?, ?, ?)",
                (card_id, note_id, next(stamp), at, at),
            )
            memory = scheduler.new_state(card_id, log[0][1])
            for n, (rating, when) in enumerate(log):
                memory = scheduler.review(memory, rating, when)
                review_id = f"review-{card_id}-{n}"
                old.execute(
                    "INSERT INTO review (id, card_id, rating, reviewed_at, device_id, hlc, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, 'old', ?, ?, ?)",
                    (review_id, card_id, rating, iso(when), next(stamp), iso(when), iso(when)),
                )
                stack.append((review_id, card_id, rating == 1))
            old.execute(
                "INSERT INTO card_state (card_id, note_id, course_id, queue, due, new_order, first_review, "
                "last_review, stability, difficulty, fsrs) VALUES (?, ?, 'course', ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    card_id,
                    note_id,
                    2 if memory.is_review else 1,
                    int(memory.due.timestamp()),
                    place,
                    int(log[0][1].timestamp()),
                    int(log[-1][1].timestamp()),
                    memory.stability,
                    memory.difficulty,
                    json.dumps(memory.to_dict(), sort_keys=True),
                ),
            )
        for review_id, card_id, leech in stack:
            before = json.dumps({"row": {"card_id": card_id}, "leech": leech, "suspended": False})
            old.execute(
                "INSERT INTO undo_log (review_id, card_id, before) VALUES (?, ?, ?)", (review_id, card_id, before)
            )
    return {"stack": [s[0] for s in stack if s[0] != "gone"]}


def test_a_home_from_before_void_markers_keeps_its_undo_stack_and_new_card_order(home: Path) -> None:
    old = _old_home(home)
    with Aksio.open(home, FixedClock(T0 + timedelta(minutes=1)), tz=UTC) as app:
        assert app.doctor()["healthy"] is True  # the cached states, kept, are what the log gives
        assert [tuple(r) for r in app.db.query("SELECT id, new_order FROM note ORDER BY id")] == [
            ("note-card-a", 1),
            ("note-card-b", 2),
        ]
        undone = [app.undo().review_id for _ in old["stack"]]
        assert undone == old["stack"][::-1]
        with pytest.raises(InvalidInput, match="nothing to undo"):
            app.undo()
        assert app.card("card-a").tags == []  # the answer that made it a leech was taken back
        assert app.db.query_one("SELECT count(*) FROM review")[0] == 3  # type: ignore[index]
        assert [app.card(c).state.queue for c in ("card-a", "card-b")] == ["new", "new"]
        assert app.next_card().id == "card-a"  # type: ignore[union-attr]
        assert app.doctor(rebuild=True)["identical"] is True


def test_undo_passes_over_the_answer_of_a_card_deleted_since(app: Aksio) -> None:
    kept, gone = _cards(app, 2)
    first = app.answer(kept, "good").review_id
    app.answer(gone, "good")
    app.delete_card(gone)
    assert app.undo().review_id == first
    with pytest.raises(InvalidInput, match="nothing to undo"):
        app.undo()
