"""Studying against a careless user and a second Aksio on the same data: answers and undos racing another
process, a scheduling cache that lost or kept the wrong rows, times and numbers far out of range."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aksio.clock import FixedClock, iso
from aksio.errors import Conflict, InvalidInput
from aksio.generate.checks import DuplicateIndex, check_card
from aksio.generate.items import CardDraft
from aksio.service import Aksio
from aksio.storage.db import Writer
from tests.conftest import NOW, Cli


@pytest.fixture
def other(home: Path, aksio: Aksio) -> Iterator[Aksio]:
    """A second Aksio on the same data dir (another window, a script), at the same instant."""
    opened = Aksio.open(home, FixedClock(NOW), tz=UTC)
    yield opened
    opened.close()


def _cards(app: Aksio, n: int) -> list[str]:
    app.add_course("Bio")
    return [app.add_card("Bio", f"question {i}", f"answer {i}")[0].id for i in range(n)]


def _reviews(app: Aksio, card_id: str | None = None) -> int:
    """Reviews that count: an undo leaves the review and voids it."""
    where, params = (" AND card_id = ?", (card_id,)) if card_id else ("", ())
    voided = "id IN (SELECT review_id FROM review_void)"
    return int(app.db.query_one(f"SELECT count(*) FROM review WHERE NOT {voided}{where}", params)[0])  # type: ignore[index]


def _first_in(app: Aksio, before: Callable[[], object]) -> None:
    """Make ``before`` run (on its own connection) just before ``app``'s next write transaction begins: what
    another process committing between ``app``'s reads and its write looks like, without timing."""
    write = app.db.write

    @contextmanager
    def racing() -> Iterator[Writer]:
        app.db.write = write  # type: ignore[method-assign]
        before()
        with write() as w:
            yield w

    app.db.write = racing  # type: ignore[method-assign]


def _one_line_error(result: tuple[int, str, str], *expected: str) -> str:
    code, out, err = result
    assert code == 1 and out == "", (code, out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    for text in expected:
        assert text in err
    return err


# -- 4: a card answered elsewhere while it was shown ---------------------------------------------------------


def test_a_card_answered_elsewhere_since_it_was_shown_is_not_graded_again(aksio: Aksio, other: Aksio) -> None:
    ids = _cards(aksio, 3)
    shown = aksio.next_card()
    assert shown is not None
    other.answer(shown.id, "good")  # the CLI answers it while the app shows it
    with pytest.raises(Conflict, match="answered elsewhere"):
        aksio.answer(shown.id, "good", shown=shown)
    assert _reviews(aksio, shown.id) == 1
    following = aksio.next_card()  # the queue saw the other process's commit
    assert following is not None and following.id != shown.id and following.id in ids


def test_an_answer_undone_elsewhere_since_the_card_was_shown_is_refused_too(aksio: Aksio, other: Aksio) -> None:
    _cards(aksio, 2)
    card = aksio.next_card()
    assert card is not None
    shown = aksio.answer(card.id, "again").card  # shown again at once: a learning step of a minute
    other.undo()
    with pytest.raises(Conflict):
        aksio.answer(card.id, "good", shown=shown)
    assert _reviews(aksio) == 0


def test_an_answer_that_another_beats_between_its_read_and_its_write_is_refused(aksio: Aksio, other: Aksio) -> None:
    card_id = _cards(aksio, 1)[0]
    _first_in(aksio, lambda: other.answer(card_id, "easy"))
    with pytest.raises(Conflict):
        aksio.answer(card_id, "good")
    assert _reviews(aksio) == 1
    assert aksio.doctor(rebuild=True)["identical"] is True  # the cache holds the one answer given


def test_the_study_loop_moves_on_when_the_card_it_shows_is_answered_elsewhere(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("course", "add", "Bio")
    for i in range(2):
        cli("card", "add", "-c", "Bio", "-f", f"question {i}", "-b", f"answer {i}")
    keys = iter(["reveal", "3", "q"])

    def key() -> str:
        pressed = next(keys)
        if pressed == "reveal":  # while the card is shown, a script answers it
            with Aksio.open(home, FixedClock(NOW), tz=UTC) as script:
                card = script.next_card()
                assert card is not None
                script.answer(card.id, "easy")
            return " "
        return pressed

    monkeypatch.setattr("aksio.cli.study_loop._key", key)
    code, out, _ = cli("study")
    assert code == 0 and "answered elsewhere" in out and "Reviewed 0 card(s)" in out
    with Aksio.open(home, FixedClock(NOW), tz=UTC) as check:
        assert _reviews(check) == 1


# -- 6: the doctor finds and repairs the scheduling cache ----------------------------------------------------


def _raw(home: Path, sql: str) -> None:
    """Change the database behind Aksio's back, as damage or a foreign tool would."""
    conn = sqlite3.connect(home / "aksio.db")
    with conn:
        conn.execute(sql)
    conn.close()


def _json(cli: Cli, *args: str) -> tuple[int, Any]:
    code, out, _ = cli(*args, "--json")
    return code, json.loads(out)


def test_a_lost_card_state_is_reported_and_made_again(cli: Cli, home: Path) -> None:
    cli("course", "add", "Bio")
    card = _json(cli, "card", "add", "-c", "Bio", "-f", "What is a cell?", "-b", "A unit of life")[1]["cards"][0]
    cli("card", "add", "-c", "Bio", "-f", "What is DNA?", "-b", "A molecule")
    cli("answer", card["id"], "good")
    before = _json(cli, "card", "show", card["id"])[1]["card"]
    _raw(home, f"DELETE FROM card_state WHERE card_id = '{card['id']}'")
    assert card["id"] not in [c["id"] for c in _json(cli, "card", "list")[1]["cards"]]  # the symptom

    code, report = _json(cli, "doctor")
    assert code == 1 and report["missing_states"] == 1 and report["healthy"] is False
    code, report = _json(cli, "doctor", "--rebuild")
    assert code == 0 and report["missing_states"] == 1 and report["identical"] is False and report["healthy"]
    assert card["id"] in [c["id"] for c in _json(cli, "card", "list")[1]["cards"]]
    assert _json(cli, "card", "show", card["id"])[1]["card"] == before
    code, report = _json(cli, "doctor")
    assert code == 0 and report["healthy"] is True and report["missing_states"] == 0


@pytest.mark.cache_damaged
def test_doctor_says_in_one_line_what_to_run(cli: Cli, home: Path) -> None:
    cli("course", "add", "Bio")
    cli("card", "add", "-c", "Bio", "-f", "What is a cell?", "-b", "A unit of life")
    _raw(home, "DELETE FROM card_state")
    code, out, err = cli("doctor")
    assert code == 1 and "missing_states: 1" in out
    assert err.startswith("error: ") and err.count("\n") == 1 and "aksio doctor --rebuild" in err


def test_a_state_left_behind_by_a_deleted_card_is_reported_and_dropped(aksio: Aksio, home: Path) -> None:
    gone, kept = _cards(aksio, 2)
    _raw(home, f"UPDATE card SET deleted = 1 WHERE id = '{gone}'")  # deleted without its cache row
    report = aksio.doctor()
    assert (report["orphan_states"], report["healthy"]) == (1, False)
    report = aksio.doctor(rebuild=True)
    assert (report["orphan_states"], report["changed"], report["healthy"]) == (1, 1, True)
    assert [r[0] for r in aksio.db.query("SELECT card_id FROM card_state")] == [kept]
    assert aksio.doctor()["healthy"] is True


@pytest.mark.cache_damaged
def test_a_stale_state_is_found_without_rebuilding(aksio: Aksio) -> None:
    card_id = _cards(aksio, 1)[0]
    aksio.answer(card_id, "good")
    assert aksio.doctor()["healthy"] is True
    aksio.db.conn.execute("UPDATE card_state SET stability = 99 WHERE card_id = ?", (card_id,))
    report = aksio.doctor()
    assert (report["stale_states"], report["healthy"]) == (1, False)
    assert aksio.card(card_id).state.stability == 99  # a check alone changes nothing


def test_an_answer_at_the_clocks_microseconds_is_what_a_replay_of_the_log_gives(home: Path) -> None:
    clock = FixedClock(NOW + timedelta(microseconds=123_456))
    with Aksio.open(home, clock, tz=UTC) as app:
        ids = _cards(app, 2)
        for card_id in ids:
            app.answer(card_id, "good")  # no --at: the clock's time, microseconds and all
            clock.advance(timedelta(minutes=11, microseconds=654_321))
            app.answer(card_id, "good")
        report = app.doctor(rebuild=True)
        assert (report["identical"], report["changed"]) == (True, 0)


def test_a_state_cached_with_microseconds_before_answers_were_cut_to_milliseconds_is_not_stale(home: Path) -> None:
    with Aksio.open(home, FixedClock(NOW + timedelta(microseconds=123_456)), tz=UTC) as app:
        card_id = _cards(app, 1)[0]
        app.answer(card_id, "good")
        fsrs = json.loads(app.db.query_one("SELECT fsrs FROM card_state")[0])  # type: ignore[index]
        for key in ("due", "last_review"):  # as answers stored them before: the clock's microseconds
            fsrs[key] = datetime.fromisoformat(fsrs[key]).replace(microsecond=123_456).isoformat()
        app.db.conn.execute("UPDATE card_state SET fsrs = ?", (json.dumps(fsrs, sort_keys=True),))
        assert app.doctor()["healthy"] is True


# -- 7: undos at once ----------------------------------------------------------------------------------------


def test_two_undos_at_once_take_back_two_answers_not_one_twice(aksio: Aksio, other: Aksio) -> None:
    first, second = _cards(aksio, 2)
    answers = [aksio.answer(first, "good").review_id, aksio.answer(second, "good").review_id]
    undone: list[str] = []
    _first_in(aksio, lambda: undone.append(other.undo().review_id))
    undone.append(aksio.undo().review_id)
    assert undone == answers[::-1]  # the other took the last; this one the one before
    assert _reviews(aksio) == 0
    with pytest.raises(InvalidInput, match="nothing to undo"):
        other.undo()


def test_an_undo_beaten_to_the_last_answer_finds_nothing_left(aksio: Aksio, other: Aksio) -> None:
    card_id = _cards(aksio, 1)[0]
    aksio.answer(card_id, "good")
    _first_in(aksio, other.undo)
    with pytest.raises(InvalidInput, match="nothing to undo"):
        aksio.undo()
    assert _reviews(aksio) == 0


def _undo_in_process(home: str, start: Any, results: Any) -> None:
    start.wait(30)
    try:
        with Aksio.open(Path(home), FixedClock(NOW), tz=UTC) as app:
            results.put(app.undo().review_id)
    except InvalidInput as exc:
        results.put(str(exc))


def test_undos_from_several_processes_each_take_back_a_different_answer(home: Path) -> None:
    with Aksio.open(home, FixedClock(NOW), tz=UTC) as app:  # closed before the fork: no connection crosses it
        answers = {app.answer(card_id, "good").review_id for card_id in _cards(app, 3)}
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(4), context.Queue()
    workers = [context.Process(target=_undo_in_process, args=(str(home), start, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    said = sorted(results.get(timeout=5) for _ in workers)
    assert said == sorted([*answers, "nothing to undo"])
    with Aksio.open(home, FixedClock(NOW), tz=UTC) as app:
        assert _reviews(app) == 0


# -- 10: times far from now --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at",
    [
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z",
        "3000-01-01T00:00:00Z",
        "9999-12-31T23:59:59-05:00",  # past year 9999 in UTC
        "0001-01-01T00:00:00",  # local time
        "2026-01-07T09:00:00Z",  # two days ahead
        "1990-01-01T00:00:00Z",
    ],
)
def test_an_answer_time_far_from_now_is_refused_and_real_answers_still_work(cli: Cli, at: str) -> None:
    cli("course", "add", "Bio")
    card = _json(cli, "card", "add", "-c", "Bio", "-f", "What is a cell?", "-b", "A unit of life")[1]["cards"][0]
    _one_line_error(cli("answer", card["id"], "good", "--at", at), "--at")
    assert cli("answer", card["id"], "good")[0] == 0
    assert cli("answer", card["id"], "good", "--at", "2026-01-05T09:30:00Z")[0] == 0  # near now: fine


def test_an_answer_time_near_now_is_kept(aksio: Aksio) -> None:
    first, second = _cards(aksio, 2)
    for card_id, at in ((first, NOW - timedelta(days=3650)), (second, NOW + timedelta(hours=20))):
        assert aksio.answer(card_id, "good", at=at).reviewed_at == iso(at)


@pytest.mark.parametrize("when", ["9999-12-31", "0001-01-01", "2090-06-01"])
def test_an_exam_date_far_from_today_is_refused(cli: Cli, when: str) -> None:
    _one_line_error(cli("course", "add", "Bio", "--exam-date", when), "exam date", "years from today")
    cli("course", "add", "Bio", "--exam-date", "2027-01-20")
    _one_line_error(cli("course", "edit", "Bio", "--exam-date", when), "exam date")
    assert _json(cli, "course", "show", "Bio")[1]["course"]["exam_date"] == "2027-01-20"


# -- 11: numbers far out of range ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--learning-steps", "99999999999", "learning steps must be from 1 to 525600 minutes"),
        ("--learning-steps", "1,525601", "learning steps"),
        ("--learning-steps", ",".join(["1"] * 21), "at most 20 learning steps"),
        ("--relearning-steps", "99999999999", "relearning steps"),
        ("--max-interval", "99999999999999999999", "maximum_interval"),
        ("--max-interval", "36501", "less than or equal to 36500"),
    ],
)
def test_scheduling_options_out_of_range_are_refused_and_study_goes_on(
    cli: Cli, option: str, value: str, says: str
) -> None:
    cli("course", "add", "Bio")
    card = _json(cli, "card", "add", "-c", "Bio", "-f", "What is a cell?", "-b", "A unit of life")[1]["cards"][0]
    _one_line_error(cli("course", "edit", "Bio", option, value), says)
    assert cli("card", "show", card["id"])[0] == 0
    assert cli("answer", card["id"], "good")[0] == 0
    assert cli("course", "edit", "Bio", "--learning-steps", "1,10,1440", "--max-interval", "36500")[0] == 0


@pytest.mark.parametrize(
    "front",
    ["{{c99999999999999999999::x}} y", "{{c1000::x}} y", "{{c" + "9" * 5000 + "::x}} y"],
    ids=["c99999999999999999999", "c1000", "5000 digits"],
)
def test_a_cloze_numbered_past_c999_is_refused_in_one_line(cli: Cli, front: str) -> None:
    cli("course", "add", "Bio")
    _one_line_error(cli("card", "add", "-c", "Bio", "-k", "cloze", "-f", front), "c999")
    assert cli("card", "add", "-c", "Bio", "-k", "cloze", "-f", "{{c999::Cells}} are units")[0] == 0


def test_a_csv_of_cloze_cards_names_the_line_numbered_too_high(cli: Cli, tmp_path: Path) -> None:
    cli("course", "add", "Bio")
    table = tmp_path / "cards.csv"
    table.write_text("{{c1::Cells}} are units,\n{{c12345678901234567890::DNA}} holds genes,\n", encoding="utf-8")
    _one_line_error(cli("card", "import", str(table), "-c", "Bio", "-k", "cloze"), f"{table}:2", "c999")
    assert _json(cli, "card", "list")[1]["cards"] == []


def test_a_generated_cloze_numbered_too_high_is_a_bad_cloze() -> None:
    page = "A cell is the unit of life."
    for number in ("99999999999999999999", "1000"):
        front = f"A {{{{c{number}::cell}}}} is the unit of life."
        draft = CardDraft.model_validate({"kind": "cloze", "front": front, "back": "", "quote": page, "page": 1})
        assert check_card(draft, page, DuplicateIndex()) == "bad_cloze"


@pytest.mark.parametrize(
    "args",
    [
        ("card", "list", "--limit", "99999999999999999999"),
        ("card", "list", "--limit", "-5"),
        ("question", "list", "--limit", "99999999999999999999"),
        ("question", "list", "--limit", "0"),
        ("search", "cell", "--limit", "99999999999999999999"),
    ],
)
def test_a_list_limit_out_of_range_is_refused_in_one_line(cli: Cli, args: tuple[str, ...]) -> None:
    cli("course", "add", "Bio")
    _one_line_error(cli(*args), "--limit must be")
