"""A clock per column and tags that merge as sets: the storage a merge between devices reads and writes."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from aksio.browse import browse_rows
from aksio.clock import FixedClock
from aksio.errors import InvalidInput
from aksio.service import Aksio
from aksio.storage import stamps, tags
from aksio.storage.db import SYNCED
from aksio.storage.migrations import LATEST
from tests.conftest import NOW
from tests.old_homes import OLD_DEVICE, old_home

T0 = NOW
B_DEVICE = "0190bbbb-0000-7000-8000-0000000000bb"


@pytest.fixture
def clock(aksio: Aksio) -> FixedClock:
    assert isinstance(aksio.clock, FixedClock)
    return aksio.clock


def _card(aksio: Aksio, front: str = "Capital of France?", back: str = "Paris", **kw: object) -> str:
    if not aksio.courses():
        aksio.add_course("Geography")
    return aksio.add_card("Geography", front, back, **kw)[0].id  # type: ignore[arg-type]


def _columns(aksio: Aksio, table: str, row_id: str) -> stamps.Columns:
    return stamps.row_columns(aksio.db, table, [row_id])[row_id]


def _log_size(aksio: Aksio) -> int:
    return int(aksio.db.query_one("SELECT count(*) FROM change_log")[0])


def _two_homes(aksio: Aksio, tmp_path: Path) -> Aksio:
    """Home B: what A holds now, copied to a second device (its own device id), as if synced, with B's
    clock a minute ahead of A's."""
    aksio.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copytree(aksio.paths.home, tmp_path / "b")
    with closing(sqlite3.connect(tmp_path / "b" / "aksio.db")) as conn, conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'device_id'", (B_DEVICE,))
    return Aksio.open(tmp_path / "b", FixedClock(aksio.now() + timedelta(minutes=1)), tz=UTC)


def _send(source: Aksio, target: Aksio, table: str, row_ids: Sequence[str]) -> None:
    """Give ``target`` the rows' columns as ``source`` holds them, as a merge would."""
    rows = stamps.row_columns(source.db, table, row_ids)
    with target.db.write() as w:
        for row_id, columns in rows.items():
            stamps.apply_columns(w, table, row_id, columns)
    target.rebuild_states()  # and re-derives the states of the cards it touched (a suspend, say)


def _exchange(a: Aksio, b: Aksio, card_id: str) -> None:
    """Both homes send each other the card, its note and the note's tag entries."""
    note_id = a.card(card_id).note_id
    for source, target in ((a, b), (b, a)):
        _send(source, target, "note", [note_id])
        _send(source, target, "card", [card_id])
        _send(source, target, "tag_entry", tags.entry_ids(source.db, note_id))


# -- a stamp per column ---------------------------------------------------------------------------------------


def test_an_update_stamps_only_the_columns_it_changes(aksio: Aksio, clock: FixedClock) -> None:
    card_id = _card(aksio)
    note_id = aksio.card(card_id).note_id
    inserted = _columns(aksio, "card", card_id)["suspended"][1]
    clock.advance(timedelta(minutes=1))
    aksio.suspend(card_id)
    suspended = _columns(aksio, "card", card_id)["suspended"][1]
    clock.advance(timedelta(minutes=1))
    aksio.flag(card_id, 2)
    aksio.edit_card(card_id, front="Capital of France, please?")  # the back is given as it was: not a change

    card = _columns(aksio, "card", card_id)
    assert inserted < suspended < card["flag"][1]
    assert card["suspended"] == (1, suspended)  # the flag's later write did not restamp it
    assert card["ord"][1] == card["note_id"][1] == card["created_at"][1] == inserted
    note = _columns(aksio, "note", note_id)
    assert note["front"] == ("Capital of France, please?", note["front"][1])
    assert note["front"][1] > card["flag"][1]
    assert note["back"] == ("Paris", inserted)  # a card's note and the card share the insert's stamp
    assert "tags" not in note and "hlc" not in note and "updated_at" not in note  # tags travel as entries
    row = aksio.db.query_one("SELECT hlc FROM card WHERE id = ?", (card_id,))
    assert row[0] == card["flag"][1]  # the row's stamp is still its last write's


def test_a_delete_stamps_the_deleted_column(aksio: Aksio, clock: FixedClock) -> None:
    card_id = _card(aksio)
    inserted = _columns(aksio, "card", card_id)["ord"][1]
    clock.advance(timedelta(minutes=1))
    aksio.delete_card(card_id)
    card = _columns(aksio, "card", card_id)
    assert card["deleted"][0] == 1 and card["deleted"][1] > inserted
    assert card["ord"][1] == inserted


def test_a_write_that_changes_nothing_stamps_and_logs_nothing(aksio: Aksio) -> None:
    card_id = _card(aksio)
    before, size = _columns(aksio, "note", _note(aksio, card_id)), _log_size(aksio)
    aksio.edit_card(card_id, front="Capital of France?", back="Paris")
    assert _columns(aksio, "note", _note(aksio, card_id)) == before
    assert _log_size(aksio) == size


def _note(aksio: Aksio, card_id: str) -> str:
    return aksio.card(card_id).note_id


def test_two_homes_editing_different_columns_of_one_card_both_keep_both_edits(aksio: Aksio, tmp_path: Path) -> None:
    card_id = _card(aksio)
    with _two_homes(aksio, tmp_path) as b:
        # offline on both: A edits the front and suspends; B, later, edits the back and flags
        aksio.edit_card(card_id, front="Which city is the capital of France?")
        aksio.suspend(card_id)
        b.edit_card(card_id, back="Paris (since 987)")
        b.flag(card_id, 3)
        _exchange(aksio, b, card_id)
        for home in (aksio, b):
            card = home.card(card_id)
            assert (card.note_front, card.note_back) == ("Which city is the capital of France?", "Paris (since 987)")
            assert (card.suspended, card.flag) == (True, 3)
        assert _columns(aksio, "card", card_id) == _columns(b, "card", card_id)
        assert _columns(aksio, "note", _note(aksio, card_id)) == _columns(b, "note", _note(b, card_id))


def test_a_merge_is_idempotent_order_independent_and_not_logged_again(aksio: Aksio, tmp_path: Path) -> None:
    card_id = _card(aksio)
    with _two_homes(aksio, tmp_path) as b:
        aksio.flag(card_id, 1)
        older = _columns(aksio, "card", card_id)
        aksio.flag(card_id, 5)
        newer = _columns(aksio, "card", card_id)
        size = _log_size(b)
        with b.db.write() as w:
            assert stamps.apply_columns(w, "card", card_id, newer) == ["flag"]
            assert stamps.apply_columns(w, "card", card_id, older) == []  # an older write arriving late
            assert stamps.apply_columns(w, "card", card_id, newer) == []  # a batch sent twice
        assert b.card(card_id).flag == 5
        assert _columns(b, "card", card_id) == newer
        assert _log_size(b) == size
        b.suspend(card_id)  # B's next write orders after every stamp it has seen
        assert _columns(b, "card", card_id)["suspended"][1] > newer["flag"][1]


def test_a_row_new_to_a_home_arrives_whole_with_its_stamps(aksio: Aksio, tmp_path: Path, clock: FixedClock) -> None:
    with Aksio.open(tmp_path / "b", FixedClock(T0), tz=UTC) as b:
        aksio.add_course("Geography", tags=["fall"])
        course_id = aksio.courses()[0].id
        clock.advance(timedelta(minutes=1))
        aksio.edit_course(course_id, description="Capitals", add_tags=["exam"])
        _send(aksio, b, "course", [course_id])
        _send(aksio, b, "tag_entry", tags.entry_ids(aksio.db, course_id))
        assert _columns(b, "course", course_id) == _columns(aksio, "course", course_id)
        assert b.course(course_id).tags == ["fall", "exam"]
        assert b.course(course_id).description == "Capitals"


def test_a_column_or_table_this_version_does_not_know_is_refused(aksio: Aksio) -> None:
    card_id = _card(aksio)
    columns = _columns(aksio, "card", card_id)
    with aksio.db.write() as w:
        with pytest.raises(InvalidInput, match=r"card\.colour, a column this version"):
            stamps.apply_columns(w, "card", card_id, {**columns, "colour": ("red", columns["flag"][1])})
        with pytest.raises(InvalidInput, match="not a table Aksio syncs"):
            stamps.apply_columns(w, "card_state", card_id, columns)


def test_every_synced_table_keeps_column_stamps(aksio: Aksio) -> None:
    for table in SYNCED:
        assert "col_hlc" in aksio.db.columns(table), table


# -- tags as sets ---------------------------------------------------------------------------------------------


def test_a_leech_tag_and_a_tag_added_elsewhere_both_survive(aksio: Aksio, tmp_path: Path, clock: FixedClock) -> None:
    card_id = _card(aksio, tags=["geo"])
    with _two_homes(aksio, tmp_path) as b:
        aksio.settings.study.leech_threshold = 1
        aksio.answer(card_id, "easy")
        clock.advance(timedelta(days=5))
        assert aksio.answer(card_id, "again").became_leech  # tags the note leech
        b.edit_card(card_id, add_tags=["exam"])
        _exchange(aksio, b, card_id)
        assert aksio.card(card_id).tags == b.card(card_id).tags == ["geo", "exam", "leech"]  # in the order added
        for home in (aksio, b):
            assert [c.id for c in home.cards(tag="leech")] == [card_id]
            assert [c.id for c in home.cards(tag="exam")] == [card_id]


def test_a_remove_wins_only_over_the_adds_it_saw(aksio: Aksio, tmp_path: Path) -> None:
    kept, dropped = _card(aksio, "A?", "a", tags=["exam"]), _card(aksio, "B?", "b", tags=["exam"])
    with _two_homes(aksio, tmp_path) as b:
        aksio.edit_card(kept, remove_tags=["exam"])
        b.edit_card(kept, remove_tags=["exam"])
        b.edit_card(kept, add_tags=["exam"])  # B adds it again: an add A's remove never saw
        aksio.edit_card(dropped, remove_tags=["exam"])  # B had it and kept it: the remove saw that add
        _exchange(aksio, b, kept)
        _exchange(aksio, b, dropped)
        for home in (aksio, b):
            assert home.card(kept).tags == ["exam"]
            assert home.card(dropped).tags == []
            assert [c.id for c in home.cards(tag="exam")] == [kept]


def test_the_same_tag_added_on_two_homes_is_shown_once_and_removed_by_a_remove_that_saw_both(
    aksio: Aksio, tmp_path: Path
) -> None:
    card_id = _card(aksio)
    with _two_homes(aksio, tmp_path) as b:
        aksio.edit_card(card_id, add_tags=["exam"])
        b.edit_card(card_id, add_tags=["exam"])
        _exchange(aksio, b, card_id)
        assert aksio.card(card_id).tags == b.card(card_id).tags == ["exam"]
        b.edit_card(card_id, remove_tags=["exam"])
        _exchange(aksio, b, card_id)
        assert aksio.card(card_id).tags == b.card(card_id).tags == []


def test_tags_keep_their_order_and_the_browser_filters_by_them(aksio: Aksio) -> None:
    card_id = _card(aksio, tags=["b", "a"])
    aksio.edit_card(card_id, add_tags=["c"])
    aksio.edit_card(card_id, remove_tags=["b"])
    aksio.edit_card(card_id, add_tags=["b"])
    assert aksio.card(card_id).tags == ["a", "c", "b"]
    assert [c.id for c in aksio.cards(tag="b")] == [card_id]
    assert [r.id for r in browse_rows(aksio, text="tag:b tag:c")] == [card_id]
    assert [r.id for r in browse_rows(aksio, text="tag:a tag:d")] == []


def test_a_bulk_import_adds_tag_entries_with_its_notes_and_no_log_of_their_own(aksio: Aksio, tmp_path: Path) -> None:
    table = tmp_path / "deck.csv"
    table.write_text("front 1,back 1,x y\nfront 2,back 2,\n")
    aksio.add_course("Geography")
    aksio.import_cards(table, "Geography", tags=["imported"])
    entries = aksio.db.query(
        "SELECT n.front, e.tag, e.id, n.id, e.hlc = n.hlc FROM tag_entry e JOIN note n ON n.id = e.row_id "
        "ORDER BY n.front, e.id"
    )
    assert [(r[0], r[1]) for r in entries] == [
        ("front 1", "imported"),
        ("front 1", "x"),
        ("front 1", "y"),
        ("front 2", "imported"),
    ]
    positions = {"imported": 0, "x": 1, "y": 2}  # each entry made with its note: its id, the note's stamp
    assert all(r[2] == f"{r[3]}/{positions[r[1]]:04d}" and r[4] for r in entries)
    assert aksio.db.query_one("SELECT count(*) FROM change_log WHERE tbl = 'tag_entry'")[0] == 0


# -- an older home ---------------------------------------------------------------------------------------------


def test_a_schema_8_home_gets_column_stamps_and_tag_entries_from_its_rows(tmp_path: Path) -> None:
    home, stamp = tmp_path / "old", f"{int(T0.timestamp() * 1000):013d}-0003-{OLD_DEVICE}"
    with old_home(home, 8) as conn:
        conn.execute(
            "INSERT INTO course (id, name, tags, hlc, created_at, updated_at) VALUES ('c1', 'Geography', ?, ?, '', '')",
            ('["fall", "core"]', stamp),
        )
        conn.execute(
            "INSERT INTO note (id, course_id, kind, front, back, tags, hlc, created_at, updated_at) "
            "VALUES ('n1', 'c1', 'basic', 'Capital of France?', 'Paris', '[\"exam\"]', ?, '', '')",
            (stamp,),
        )
        conn.execute(
            "INSERT INTO card (id, note_id, course_id, ord, suspended, hlc, created_at, updated_at) "
            "VALUES ('k1', 'n1', 'c1', 0, 1, ?, '', '')",
            (stamp,),
        )
        conn.execute(
            "INSERT INTO card_state (card_id, note_id, course_id, queue, due, new_order) "
            "VALUES ('k1', 'n1', 'c1', -1, 0, 1)"
        )
    with Aksio.open(home, FixedClock(T0 + timedelta(days=1)), tz=UTC) as aksio:
        assert aksio.db.query_one("PRAGMA user_version")[0] == LATEST
        assert {stamp} == {s for _, s in _columns(aksio, "card", "k1").values()}
        assert _columns(aksio, "card", "k1")["suspended"] == (1, stamp)
        assert aksio.course("c1").tags == ["fall", "core"] and aksio.card("k1").tags == ["exam"]
        assert [tuple(r) for r in aksio.db.query("SELECT id, tag, hlc FROM tag_entry ORDER BY id")] == [
            ("c1/0000", "fall", stamp),
            ("c1/0001", "core", stamp),
            ("n1/0000", "exam", stamp),
        ]
        aksio.edit_card("k1", remove_tags=["exam"], add_tags=["leech"])
        aksio.edit_course("c1", remove_tags=["fall"])
        aksio.suspend("k1", False)
        assert aksio.card("k1").tags == ["leech"] and aksio.course("c1").tags == ["core"]
        assert _columns(aksio, "card", "k1")["suspended"][1] > stamp
        assert _columns(aksio, "card", "k1")["ord"][1] == stamp
        assert aksio.doctor(rebuild=True)["healthy"]
