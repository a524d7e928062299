"""The hybrid logical clock across connections, processes, restarts and devices whose clocks disagree."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from aksio.clock import FixedClock
from aksio.service import Aksio
from aksio.storage.db import Database
from aksio.storage.hlc import Stamp
from tests.old_homes import old_home

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _stamps(db: Database) -> list[str]:
    return [r[0] for r in db.query("SELECT hlc FROM change_log ORDER BY seq")]


def _mark(db: Database) -> str:
    return str(db.query_one("SELECT stamp FROM hlc_mark")[0])


def _newest(app: Aksio) -> str:
    return _stamps(app.db)[-1]


def _remote(at: datetime, counter: int = 0) -> str:
    """A stamp another device issued at ``at``."""
    return str(Stamp(int(at.timestamp() * 1000), counter, "0190aaaa-other-device"))


def test_two_connections_opened_together_never_issue_one_stamp(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Aksio.open(home, FixedClock(T0), tz=UTC) as setup:
        setup.add_course("Algebra")
    # the app and a CLI command, open at the same time with the wall clock standing still
    with Aksio.open(home, FixedClock(T0), tz=UTC) as app, Aksio.open(home, FixedClock(T0), tz=UTC) as cli:
        for i in range(5):
            app.edit_course("Algebra", description=f"app {i}")
            cli.edit_course("Algebra", description=f"cli {i}")
        stamps = _stamps(app.db)
    assert len(stamps) == 11
    assert all(a < b for a, b in pairwise(stamps))  # unique, and in the order the writes committed


def test_a_process_whose_clock_is_behind_still_stamps_after_another_processes_writes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ahead, behind = FixedClock(T0 + timedelta(hours=1)), FixedClock(T0)
    with Aksio.open(home, behind, tz=UTC) as slow, Aksio.open(home, ahead, tz=UTC) as fast:
        fast.add_course("Algebra")
        slow.add_course("History")
        assert _newest(slow) > _stamps(slow.db)[0]
        assert Stamp.parse(_newest(slow)).wall_ms == int(ahead.now().timestamp() * 1000)


def test_the_wall_clock_going_back_never_makes_stamps_go_back(tmp_path: Path) -> None:
    clock = FixedClock(T0)
    with Aksio.open(tmp_path / "home", clock, tz=UTC) as app:
        app.add_course("Algebra")
        for _ in range(3):
            clock.advance(timedelta(minutes=-10))
            app.edit_course("Algebra", description=str(clock.now()))
        stamps = _stamps(app.db)
        assert _mark(app.db) == stamps[-1]
    assert all(a < b for a, b in pairwise(stamps))
    assert {Stamp.parse(s).wall_ms for s in stamps} == {int(T0.timestamp() * 1000)}


def test_a_received_stamp_is_stored_and_orders_writes_after_a_restart_a_day_behind(tmp_path: Path) -> None:
    home, clock = tmp_path / "home", FixedClock(T0)
    seen = _remote(T0 + DAY, counter=7)  # from a device whose clock is a day ahead of ours
    with Aksio.open(home, clock, tz=UTC) as app:
        app.add_course("Algebra")
        with app.db.write() as w:
            w.receive(seen)
    with Aksio.open(home, clock, tz=UTC) as app:
        app.add_course("History")
        newest = _newest(app)
        app.edit_course("History", description="still after what was seen")
        later = _newest(app)
    assert seen < newest < later
    first = Stamp.parse(newest)  # the next stamp after the one seen, not our (day-behind) wall time
    assert (first.wall_ms, first.counter) == (Stamp.parse(seen).wall_ms, 8)


def test_a_stamp_received_by_one_process_orders_another_processes_writes_after_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    seen = _remote(T0 + DAY)
    with Aksio.open(home, FixedClock(T0), tz=UTC) as merging, Aksio.open(home, FixedClock(T0), tz=UTC) as app:
        with merging.db.write() as w:
            w.receive(seen)
        app.add_course("Algebra")
        assert _newest(app) > seen


def test_an_older_or_rolled_back_received_stamp_stores_nothing(tmp_path: Path) -> None:
    with Aksio.open(tmp_path / "home", FixedClock(T0), tz=UTC) as app:
        app.add_course("Algebra")
        mark = _mark(app.db)
        with app.db.write() as w:
            w.receive(_remote(T0 - DAY))
        assert _mark(app.db) == mark
        with pytest.raises(RuntimeError), app.db.write() as w:
            w.receive(_remote(T0 + DAY))
            raise RuntimeError("the merge failed halfway")
        assert _mark(app.db) == mark


def test_an_old_home_takes_its_mark_from_the_highest_stamp_in_its_log(tmp_path: Path) -> None:
    home = tmp_path / "home"
    high = _remote(T0 + DAY)
    with old_home(home, 6) as conn:  # a schema-6 home whose last log entry is not its highest stamp
        conn.execute(
            "INSERT INTO course (id, name, hlc, created_at, updated_at) VALUES ('x', 'Algebra', ?, '', '')",
            (_remote(T0),),
        )
        conn.executemany(
            "INSERT INTO change_log (tbl, row_id, op, cols, hlc) VALUES ('course', 'x', 'update', 'name', ?)",
            [(high,), (_remote(T0),)],
        )
    with Aksio.open(home, FixedClock(T0), tz=UTC) as app:
        assert _mark(app.db) == high
        app.edit_course("Algebra", description="after the migration")
        assert _newest(app) > high


def test_a_missing_mark_is_made_again_from_the_log(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Aksio.open(home, FixedClock(T0 + DAY), tz=UTC) as app:
        app.add_course("Algebra")
        high = _newest(app)
        app.db.conn.execute("DELETE FROM hlc_mark")
    with Aksio.open(home, FixedClock(T0), tz=UTC) as app:
        assert _mark(app.db) == high
        app.add_course("History")
        assert _newest(app) > high


# -- real processes writing at once ---------------------------------------------------------------------

PROCESSES, ROUNDS = 4, 50


def _write_in_a_loop(home: Path, course: str, start: Any) -> None:
    """One writer: its own process and facade, opened before the others write (as the app and a CLI command
    would be), its wall clock standing still so that only the HLC's counter separates the stamps."""
    with Aksio.open(home, FixedClock(T0), tz=UTC) as app:
        start.wait(timeout=30)
        for i in range(ROUNDS):
            if i % 2:
                app.add_card(course, f"{course} question {i}", "answer")
            else:
                app.edit_course(course, description=f"edit {i}")


def test_processes_writing_at_once_on_one_home_never_share_a_stamp(tmp_path: Path) -> None:
    home = tmp_path / "home"
    courses = [f"Course {k}" for k in range(PROCESSES)]
    with Aksio.open(home, FixedClock(T0), tz=UTC) as app:
        ids = [app.add_course(name).id for name in courses]
    ctx = multiprocessing.get_context("fork")  # no connection is open in this process while it forks
    start = ctx.Barrier(PROCESSES)
    writers = [ctx.Process(target=_write_in_a_loop, args=(home, name, start)) for name in courses]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
        assert writer.exitcode == 0
    with Aksio.open(home, FixedClock(T0), tz=UTC) as app:
        log = app.db.query("SELECT hlc, row_id, tbl FROM change_log ORDER BY seq")
        notes = {r[0]: r[1] for r in app.db.query("SELECT id, course_id FROM note")}
    stamps = [r["hlc"] for r in log]
    assert len(stamps) == PROCESSES * (1 + ROUNDS)
    assert len(set(stamps)) == len(stamps)
    assert all(a < b for a, b in pairwise(stamps))  # in commit order: each process's own stamps increase too
    writer_of = [notes[r["row_id"]] if r["tbl"] == "note" else r["row_id"] for r in log]
    assert sorted(writer_of) == sorted(ids * (1 + ROUNDS))  # every write of every process is there
