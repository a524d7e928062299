"""A synced table is written only through the writer that stamps and logs: any other write path fails."""

from __future__ import annotations

import sqlite3

import pytest

from aksio.service import Aksio
from aksio.storage.db import SYNCED


def _card(aksio: Aksio) -> str:
    course = aksio.add_course("OS").id
    return aksio.add_card(course, "What does a TLB cache?", "Page-table entries")[0].id


def test_a_raw_update_of_a_synced_table_through_the_writer_fails(aksio: Aksio) -> None:
    card = _card(aksio)
    with pytest.raises(sqlite3.DatabaseError, match="not authorized"), aksio.db.write() as w:
        w.execute("UPDATE card SET flag = 3 WHERE id = ?", (card,))
    assert aksio.db.query_one("SELECT flag FROM card WHERE id = ?", (card,))[0] == 0  # type: ignore[index]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE card SET suspended = 1",
        "DELETE FROM review",
        "INSERT INTO course (id, name, hlc, created_at, updated_at) VALUES ('c', 'x', 'h', 'n', 'n')",
        "INSERT INTO tag_entry (id, tbl, row_id, tag, hlc) VALUES ('n/1', 'note', 'n', 't', 'h')",
        "UPDATE note SET tags = '[\"x\"]'",
        "REPLACE INTO card (id, note_id, course_id, ord) SELECT id, note_id, course_id, ord FROM card",
        "DELETE FROM review_hour; UPDATE chunk SET text = ''",
    ],
)
def test_a_raw_write_on_the_connection_fails_before_it_runs(aksio: Aksio, sql: str) -> None:
    _card(aksio)
    before = aksio.db.query_one("SELECT count(*) FROM change_log")
    with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
        aksio.db.conn.executescript(sql) if ";" in sql else aksio.db.conn.execute(sql)
    if aksio.db.conn.in_transaction:
        aksio.db.conn.execute("ROLLBACK")
    assert aksio.db.query_one("SELECT count(*) FROM change_log")[0] == before[0]  # type: ignore[index]
    assert aksio.db.query_one("SELECT count(*) FROM card WHERE suspended = 1")[0] == 0  # type: ignore[index]


def test_the_stamping_paths_still_write_and_local_tables_stay_writable(aksio: Aksio) -> None:
    card = _card(aksio)
    aksio.suspend(card)  # Writer.update
    aksio.delete_card(card)  # tombstones
    with aksio.db.write() as w:
        w.execute("DELETE FROM review_hour")  # a local cache: not guarded
    assert aksio.db.query_one("SELECT suspended, deleted FROM card WHERE id = ?", (card,))[:] == (1, 1)  # type: ignore[index]


def test_every_synced_table_is_guarded(aksio: Aksio) -> None:
    for table in sorted(SYNCED):
        with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
            aksio.db.conn.execute(f"DELETE FROM {table} WHERE 0")
