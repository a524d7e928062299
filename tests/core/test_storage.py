"""The storage layer: migrations, HLC stamps, the change log, one transaction per user action."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from aksio.clock import FixedClock
from aksio.errors import DatabaseError
from aksio.service import Aksio
from aksio.storage.db import Database
from aksio.storage.hlc import HybridClock, Stamp
from aksio.storage.migrations import LATEST
from tests.docmaker import Docs

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def app(tmp_path: Path, clock: FixedClock) -> Aksio:
    opened = Aksio.open(tmp_path / "home", clock)
    yield opened
    opened.close()


def test_new_database_is_migrated_to_latest_with_wal_and_foreign_keys(app: Aksio) -> None:
    db = app.db
    assert db.query_one("PRAGMA user_version")[0] == LATEST
    assert db.query_one("PRAGMA journal_mode")[0] == "wal"
    assert db.query_one("PRAGMA foreign_keys")[0] == 1
    assert uuid.UUID(db.device).version == 7


def test_device_id_survives_reopening(tmp_path: Path, clock: FixedClock) -> None:
    first = Database.open(tmp_path / "a.db", clock)
    device = first.device
    first.close()
    again = Database.open(tmp_path / "a.db", clock)
    assert again.device == device
    again.close()


def test_every_write_is_stamped_and_logged_in_its_transaction(app: Aksio, clock: FixedClock) -> None:
    course = app.add_course("Algebra", code="MATH101")
    row = app.db.query_one("SELECT hlc, created_at, updated_at FROM course WHERE id = ?", (course.id,))
    log = app.db.query("SELECT tbl, row_id, op, cols, hlc FROM change_log ORDER BY seq")
    assert [(r["tbl"], r["row_id"], r["op"]) for r in log] == [("course", course.id, "insert")]
    assert log[0]["hlc"] == row["hlc"]
    assert "name" in log[0]["cols"].split(",") and "rid" not in log[0]["cols"].split(",")
    assert row["created_at"] == "2026-01-05T09:00:00.000Z"

    clock.advance(timedelta(minutes=5))
    app.edit_course(course.id, description="Linear algebra")
    log = app.db.query("SELECT op, cols, hlc FROM change_log ORDER BY seq")
    assert [r["op"] for r in log] == ["insert", "update"]
    assert log[1]["cols"] == "description"
    assert log[1]["hlc"] > log[0]["hlc"]
    updated = app.db.query_one("SELECT hlc, updated_at FROM course WHERE id = ?", (course.id,))
    assert updated["hlc"] == log[1]["hlc"]
    assert updated["updated_at"] == "2026-01-05T09:05:00.000Z"


def test_a_failed_action_leaves_no_row_and_no_log(app: Aksio) -> None:
    before = app.db.query_one("SELECT count(*) FROM change_log")[0]
    with pytest.raises(RuntimeError), app.db.write() as w:
        w.insert("course", {"name": "Half", "tags": [], "metadata": {}})
        raise RuntimeError("crash in the middle of the action")
    assert app.db.query_one("SELECT count(*) FROM course")[0] == 0
    assert app.db.query_one("SELECT count(*) FROM change_log")[0] == before


def test_deleting_a_course_keeps_tombstones_for_sync(app: Aksio, docs: Docs) -> None:
    course = app.add_course("History")
    note = docs.text("notes.md", "# Rome\n\nRome was founded, the story goes, in 753 BC.\n")
    report = app.import_paths([note], course.id)
    doc_id = report.imported[0].document_id
    app.delete_course(course.id)
    assert app.courses() == []
    assert app.db.query_one("SELECT deleted FROM course WHERE id = ?", (course.id,))[0] == 1
    assert app.db.query_one("SELECT deleted FROM document WHERE id = ?", (doc_id,))[0] == 1
    assert app.db.query_one("SELECT count(*) FROM section WHERE deleted = 0")[0] == 0
    assert app.db.query_one("SELECT count(*) FROM chunk WHERE deleted = 0")[0] == 0
    deletes = {r[0] for r in app.db.query("SELECT tbl FROM change_log WHERE op = 'delete'")}
    assert deletes == {"course", "document", "section", "chunk"}
    assert app.search("Rome") == []


def test_hlc_orders_writes_within_one_millisecond_and_after_remote_stamps(clock: FixedClock) -> None:
    hlc = HybridClock(clock, "dev-a")
    first, second = hlc.tick(), hlc.tick()
    assert first < second
    assert Stamp.parse(second).counter == 1
    remote = str(Stamp(int(T0.timestamp() * 1000) + 60_000, 3, "dev-b"))  # a device whose clock runs ahead
    hlc.receive(remote)
    after = hlc.tick()
    assert after > remote
    assert Stamp.parse(after).device == "dev-a"


def test_a_batch_of_stamps_stays_increasing_past_the_counter_limit(clock: FixedClock) -> None:
    hlc = HybridClock(clock, "dev-a")
    one = hlc.tick()
    batch = hlc.tick_many(70_000)  # more than one millisecond's 65536 counter values, clock standing still
    after = hlc.tick()
    stamps = [one, *batch, after]
    assert all(a < b for a, b in pairwise(stamps))
    walls = {Stamp.parse(s).wall_ms for s in stamps}
    assert walls == {int(T0.timestamp() * 1000), int(T0.timestamp() * 1000) + 1}  # borrowed the next ms once
    assert Stamp.parse(batch[0]).counter == 1 and hlc.tick_many(0) == []


def test_hlc_never_goes_back_when_the_wall_clock_does(clock: FixedClock) -> None:
    hlc = HybridClock(clock, "dev-a")
    late = hlc.tick()
    clock.advance(timedelta(hours=-1))
    assert hlc.tick() > late


def test_hlc_resumes_after_reopen(tmp_path: Path, clock: FixedClock) -> None:
    with Aksio.open(tmp_path / "h", clock) as first:
        first.add_course("One")
        last = first.db.query_one("SELECT max(hlc) FROM change_log")[0]
    clock.advance(timedelta(hours=-2))  # the machine's clock was set back
    with Aksio.open(tmp_path / "h", clock) as again:
        again.add_course("Two")
        newest = again.db.query_one("SELECT hlc FROM change_log ORDER BY seq DESC LIMIT 1")[0]
    assert newest > last


def test_a_foreign_sqlite_file_is_refused_untouched(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="not an Aksio database"):
        Database.open(path, clock)
    assert path.read_bytes() == before


def test_ids_are_time_ordered_uuid7(app: Aksio, clock: FixedClock) -> None:
    a = app.add_course("A")
    clock.advance(timedelta(seconds=1))
    b = app.add_course("B")
    assert uuid.UUID(a.id).version == 7
    assert a.id < b.id
