"""A read-only data dir and a full disk: each is told as what it is (never "corrupt"), nothing is changed, the file is
left alone, and the next write works once the cause is gone.

Tests may run as root, whom permissions do not stop: SQLite's own limits make the errors for real (``max_page_count``
a full disk, ``query_only`` a read-only file), and the read-only home runs the command in a process that lost the
capability to override permissions.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from aksio.errors import DiskFull, ReadOnly
from aksio.service import Aksio
from aksio.storage import db as db_module
from tests import docmaker
from tests.docmaker import Docs

if TYPE_CHECKING:
    from tests.conftest import Cli


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def deck(folder: Path, rows: int, name: str = "deck.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(f"front {name} {i},back {i}\n" for i in range(rows)), encoding="utf-8")
    return path


@contextmanager
def no_room_to_grow() -> Iterator[None]:
    """Every database opened meanwhile cannot grow by a single page: SQLite's real "database or disk is full"."""
    real = db_module._connect

    def cramped(path: Path, writable: bool) -> sqlite3.Connection:
        conn = real(path, writable)
        conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
        return conn

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(db_module, "_connect", cramped)
        yield


def test_a_card_import_on_a_full_disk_says_so_and_changes_nothing(cli: Cli, home: Path, tmp_path: Path) -> None:
    assert cli("course", "add", "OS")[0] == 0
    csv = deck(tmp_path / "in", 2000)
    db = home / "aksio.db"
    before = digest(db)
    with no_room_to_grow():
        code, out, err = cli("card", "import", str(csv), "-c", "OS")
    assert code == 1 and out == ""
    assert err.startswith("error: the disk is full (") and err.count("\n") == 1, err
    assert "free some space and try again; nothing was changed" in err
    assert "corrupt" not in err and "rollback" not in err and "Traceback" not in err
    assert digest(db) == before
    assert not list(home.glob("aksio.db-*"))  # closed cleanly: no WAL left to replay
    code, out, err = cli("card", "import", str(csv), "-c", "OS", "--json")
    assert code == 0, err
    assert json.loads(out)["cards"] == 2000


def test_a_full_disk_mid_session_rolls_back_cleanly_and_the_next_write_works(aksio: Aksio, tmp_path: Path) -> None:
    aksio.add_course("OS")
    csv = deck(tmp_path / "in", 500)
    pages = aksio.db.conn.execute("PRAGMA page_count").fetchone()[0]
    aksio.db.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(DiskFull, match=r"^the disk is full \([0-9.]+ MB free at .*\): free some space"):
        aksio.import_cards(csv, "OS")
    assert not aksio.db.conn.in_transaction
    assert aksio.cards() == []
    aksio.db.conn.execute("PRAGMA max_page_count = 1073741823")  # room again
    assert aksio.import_cards(csv, "OS").cards == 500


def test_a_write_sqlite_refuses_as_read_only_is_reported_as_read_only(aksio: Aksio) -> None:
    aksio.add_course("OS")
    aksio.db.conn.execute("PRAGMA query_only = 1")  # SQLite now answers every write with SQLITE_READONLY
    with pytest.raises(ReadOnly, match=r"^cannot write to .*: the data dir is read-only; nothing was changed$"):
        aksio.add_course("Biology")
    assert not aksio.db.conn.in_transaction
    aksio.db.conn.execute("PRAGMA query_only = 0")
    assert aksio.add_course("Biology").name == "Biology"
    assert [c.name for c in aksio.courses()] == ["Biology", "OS"]


def test_a_blob_store_on_a_full_disk_says_disk_full(
    cli: Cli, home: Path, docs: Docs, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("course", "add", "OS")[0] == 0
    path = docs("notes.md", docmaker.markdown)

    def no_room(self: object, data: bytes, digest: str | None = None) -> str:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("aksio.blobs.BlobStore.put", no_room)
    code, _, err = cli("import", str(path), "-c", "OS")
    assert code == 1
    assert err.startswith(f"error: {path}: the disk is full (") and "nothing was changed" in err, err
    assert cli("doc", "list", "--json")[1].count('"id"') == 0


def test_the_wal_restarts_before_it_grows_large(aksio: Aksio, tmp_path: Path) -> None:
    """Imports one after another in one session (the app stays open): the WAL is copied into the database and
    starts over every 4000 pages (16 MB) instead of growing to 40 MB first, which a nearly full disk may not have."""
    aksio.add_course("OS")
    wal = Path(f"{aksio.db.path}-wal")
    frame = aksio.db.conn.execute("PRAGMA page_size").fetchone()[0] + 24  # a page and its frame header
    aksio.import_cards(deck(tmp_path / "in", 2000, "first.csv"), "OS")
    per_import = wal.stat().st_size // frame
    bound = db_module.WAL_CHECKPOINT_PAGES + 2 * per_import  # the mark, crossed by at most one import
    sizes = []
    for n in range(bound // per_import + 1):  # more than the bound written in all
        aksio.import_cards(deck(tmp_path / "in", 2000, f"part{n}.csv"), "OS")
        sizes.append(wal.stat().st_size // frame)
    assert max(sizes) <= bound < (len(sizes) + 1) * per_import


# -- a read-only data dir, for real ------------------------------------------------------------------------

# Runs the CLI commands given as JSON on stdin, in this process, and prints [exit code, stdout, stderr] for each.
RUN_COMMANDS = """
import contextlib, io, json, sys
from aksio.cli import main
results = []
for args in json.load(sys.stdin):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    results.append([code, out.getvalue(), err.getvalue()])
print(json.dumps(results))
"""

# Root may write anywhere: the commands run in a process that lost the capabilities overriding file permissions.
_OVERRIDE = "-dac_override,-dac_read_search"
WITHOUT_OVERRIDE = ["setpriv", "--bounding-set", _OVERRIDE, "--inh-caps", _OVERRIDE]


def _as_a_student() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None or subprocess.run([*WITHOUT_OVERRIDE, "true"], check=False).returncode != 0:
        pytest.skip("running as root, and capabilities cannot be dropped here")
    return WITHOUT_OVERRIDE


def run_commands(home: Path, *commands: list[str]) -> list[tuple[int, str, str]]:
    env = {**os.environ, "AKSIO_HOME": str(home), "COLUMNS": "120", "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [*_as_a_student(), sys.executable, "-c", RUN_COMMANDS],
        input=json.dumps(commands),
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    return [tuple(r) for r in json.loads(done.stdout)]


@pytest.mark.parametrize("locked", ["dir and file", "dir", "file"])
def test_a_read_only_home_reads_and_refuses_writes_with_one_line(cli: Cli, home: Path, docs: Docs, locked: str) -> None:
    assert cli("course", "add", "OS", "--code", "CS162")[0] == 0
    assert cli("import", str(docs("notes.md", docmaker.markdown)), "-c", "OS")[0] == 0
    assert cli("card", "add", "-c", "OS", "-f", "What does a TLB cache?", "-b", "Page-table entries")[0] == 0
    card_id = json.loads(cli("card", "list", "--json")[1])["cards"][0]["id"]
    db = home / "aksio.db"
    before = digest(db)
    if "file" in locked:
        db.chmod(0o444)
    if "dir" in locked:
        home.chmod(0o555)
    try:
        due, cards, search, add, answer = run_commands(
            home,
            ["due", "--json"],
            ["card", "list", "-c", "CS162"],
            ["search", "kernel"],
            ["course", "add", "Biology"],
            ["answer", card_id, "good"],
        )
    finally:
        home.chmod(0o755)
        db.chmod(0o644)
    assert due[0] == 0 and json.loads(due[1])["counts"]["new"] == 1, due
    assert cards[0] == 0 and "What does a TLB cache?" in cards[1], cards
    assert search[0] == 0 and "kernel" in search[1].lower(), search
    refused = f"{home}: the data dir" if "dir" in locked else f"{db}: the database file"
    for code, out, err in (add, answer):
        assert code == 1 and out == ""
        assert err == f"error: cannot write to {refused} is read-only; nothing was changed\n", err
    assert digest(db) == before
    assert sorted(p.name for p in home.iterdir()) == ["aksio.db", "blobs"]  # no -wal or -shm left behind
    code, _, err = cli("course", "add", "Biology")
    assert code == 0, err
    assert cli("answer", card_id, "good")[0] == 0
