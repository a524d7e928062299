"""Imports under hostile conditions: file names that are not UTF-8, a failure after the original was stored,
two imports of one file at once, temporary files a killed import left, and a card table imported twice."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import time
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from aksio.clock import FixedClock
from aksio.errors import ImportFailed
from aksio.service import Aksio
from aksio.storage import documents as document_rows
from tests.conftest import NOW, Cli

MARKDOWN = b"# Caches\n\nA cache keeps recently used data close to the processor.\n"


def _blobs(home: Path) -> set[str]:
    """Names of every file in the blob store, temporary ones included."""
    return {p.name for p in (home / "blobs").rglob("*") if p.is_file()}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- file names that are not UTF-8 ---------------------------------------------------------------------


def test_a_file_name_that_is_not_utf8_imports_beside_the_others(cli: Cli, home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    base = os.fsencode(folder)
    files = {
        b"a-first.md": b"# First\n\nThe first lecture.\n",
        b"caf\xe9.md": b"# Coffee\n\nCaffeine keeps a student awake.\n",  # Latin-1 bytes, as an old zip makes
        b"r\xe9sum\xe9.txt": b"A summary with no heading: its title is its file name.\n",
        b"vid\xe9.md": b"",  # refused (empty), and named readably
        b"z-last.md": b"# Last\n\nThe last lecture.\n",
    }
    for name, data in files.items():
        with open(base + b"/" + name, "wb") as fh:
            fh.write(data)
    cli("course", "add", "OS")
    code, out, err = cli("import", str(folder), "-c", "OS", "--json")
    assert code == 0
    report = json.loads(out)
    imported = {Path(f["path"]).name: f["title"] for f in report["imported"]}
    assert imported == {
        "a-first.md": "First",
        "caf\\xe9.md": "Coffee",
        "r\\xe9sum\\xe9.txt": "r\\xe9sum\\xe9",
        "z-last.md": "Last",
    }
    assert [(Path(f["path"]).name, f["reason"]) for f in report["failed"]] == [("vid\\xe9.md", "empty file")]
    assert "vid\\xe9.md: empty file" in err
    code, out, _ = cli("doc", "list", "--json")
    assert sorted(d["filename"] for d in json.loads(out)["documents"]) == sorted(imported)
    assert _blobs(home) == {_sha(data) for data in files.values() if data}
    # a name as the import wrote it finds the document
    code, out, _ = cli("doc", "show", "caf\\xe9.md", "--json")
    assert code == 0 and json.loads(out)["title"] == "Coffee"


def test_a_card_table_whose_name_is_not_utf8_imports(aksio: Aksio, tmp_path: Path) -> None:
    aksio.add_course("OS")
    path = os.fsencode(tmp_path) + b"/d\xe9ck.csv"
    with open(path, "wb") as fh:
        fh.write(b"Q1,A1\n")
    report = aksio.import_cards(Path(os.fsdecode(path)), "OS")
    assert report.cards == 1
    assert aksio.db.query_one("SELECT filename FROM card_import")[0] == "d\\xe9ck.csv"


# -- no blob left behind by a failed import -------------------------------------------------------------


def _failing_rows_for(monkeypatch: pytest.MonkeyPatch, title: str) -> None:
    """Make storing the rows of the document titled ``title`` fail, after its original was stored."""
    insert = document_rows.insert_parsed

    def insert_or_fail(w: Any, course_id: str, parsed: Any, *args: Any) -> tuple[str, int, int]:
        if parsed.title == title:
            raise ImportFailed(parsed.title, "cannot be stored (disk I/O error)")
        return insert(w, course_id, parsed, *args)

    monkeypatch.setattr(document_rows, "insert_parsed", insert_or_fail)


def test_a_file_whose_rows_cannot_be_stored_leaves_no_blob_and_the_others_import(
    aksio: Aksio, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    aksio.add_course("OS")
    texts = {name: f"# {name}\n\nNotes on {name}.\n".encode() for name in ("Alpha", "Beta", "Gamma")}
    paths = []
    for name, data in texts.items():
        paths.append(tmp_path / f"{name}.md")
        paths[-1].write_bytes(data)
    _failing_rows_for(monkeypatch, "Beta")
    report = aksio.import_paths(paths, "OS")
    assert [f.title for f in report.imported] == ["Alpha", "Gamma"]
    assert [f.reason for f in report.failed] == ["cannot be stored (disk I/O error)"]
    assert _blobs(home) == {_sha(texts["Alpha"]), _sha(texts["Gamma"])}


def test_a_failed_import_keeps_the_blob_another_document_uses(
    aksio: Aksio, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    aksio.add_course("OS")
    aksio.add_course("Networks")
    path = tmp_path / "caches.md"
    path.write_bytes(MARKDOWN)
    assert aksio.import_paths([path], "OS").imported
    _failing_rows_for(monkeypatch, "Caches")
    assert aksio.import_paths([path], "Networks").failed
    assert _blobs(home) == {_sha(MARKDOWN)}


# -- two imports of one file at once --------------------------------------------------------------------


def _import_in_a_process(home: Path, what: str, path: Path, start: Any, results: Any) -> None:
    """One racer: its own process and facade, released together with the other by ``start``; it reports
    (imported, skipped, failed), or the exception that ended it."""
    try:
        with Aksio.open(home, FixedClock(NOW), tz=UTC) as app:
            start.wait(timeout=30)
            if what == "document":
                report = app.import_paths([path], "OS")
                results.put((len(report.imported), len(report.skipped), len(report.failed)))
            else:
                cards = app.import_cards(path, "OS")
                results.put((cards.notes, int(cards.skipped is not None), 0))
    except BaseException as exc:
        results.put(repr(exc))
        raise


def _race(home: Path, what: str, path: Path) -> list[tuple[int, int, int]]:
    """Two processes import ``path`` at the same moment; what each reported, sorted."""
    ctx = multiprocessing.get_context("fork")  # no connection is open in this process while it forks
    start, results = ctx.Barrier(2), ctx.Queue()
    racers = [ctx.Process(target=_import_in_a_process, args=(home, what, path, start, results)) for _ in range(2)]
    for racer in racers:
        racer.start()
    outcomes = [results.get(timeout=60) for _ in racers]
    for racer in racers:
        racer.join(timeout=30)
        assert racer.exitcode == 0
    return sorted(outcomes)


@pytest.mark.parametrize("round_", range(3))
def test_two_processes_importing_one_file_at_once_make_one_document(tmp_path: Path, round_: int) -> None:
    home = tmp_path / "home"
    with Aksio.open(home, FixedClock(NOW), tz=UTC) as app:
        app.add_course("OS")
    # long enough that parsing it takes a while: both imports are past their first check before either stores
    paragraphs = "".join(f"## Part {i}\n\nPaging keeps page {i} of the process in memory.\n\n" for i in range(1000))
    path = tmp_path / "paging.md"
    path.write_text(f"# Paging {round_}\n\n{paragraphs}", encoding="utf-8")
    assert _race(home, "document", path) == [(0, 1, 0), (1, 0, 0)]
    with Aksio.open(home, FixedClock(NOW), tz=UTC) as app:
        assert len(app.documents("OS")) == 1


def test_two_processes_importing_one_card_table_at_once_add_its_cards_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Aksio.open(home, FixedClock(NOW), tz=UTC) as app:
        app.add_course("OS")
    path = tmp_path / "deck.csv"
    path.write_text("".join(f"Question {i},Answer {i}\n" for i in range(2000)), encoding="utf-8")
    assert _race(home, "cards", path) == [(0, 1, 0), (2000, 0, 0)]
    with Aksio.open(home, FixedClock(NOW), tz=UTC) as app:
        assert len(app.cards("OS")) == 2000


# -- temporary files of killed imports -----------------------------------------------------------------


def test_an_import_removes_a_stale_temporary_blob_and_keeps_a_fresh_one(
    aksio: Aksio, home: Path, tmp_path: Path
) -> None:
    aksio.add_course("OS")
    shard = home / "blobs" / "ab"
    shard.mkdir(parents=True)
    stale, fresh = shard / ".tmp-killed", shard / ".tmp-writing"
    stale.write_bytes(b"half of a PDF")
    fresh.write_bytes(b"a blob being written right now")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    path = tmp_path / "caches.md"
    path.write_bytes(MARKDOWN)
    assert aksio.import_paths([path], "OS").imported
    assert not stale.exists()
    assert fresh.exists()


def test_an_import_removes_an_old_blob_no_document_names_and_keeps_the_rest(
    aksio: Aksio, home: Path, tmp_path: Path
) -> None:
    # a kill -9 between storing an original and committing its rows leaves a whole blob nothing refers to
    aksio.add_course("OS")
    kept = tmp_path / "kept.md"
    kept.write_bytes(MARKDOWN)
    assert aksio.import_paths([kept], "OS").imported
    kept_blob = home / "blobs" / _sha(MARKDOWN)[:2] / _sha(MARKDOWN)
    deleted = tmp_path / "deleted.md"
    deleted.write_bytes(MARKDOWN + b"\n\nMore about caches.\n")
    doc = aksio.import_paths([deleted], "OS").imported[0]
    aksio.delete_document(doc.document_id)  # its tombstone may still sync: the original stays
    orphan_data, young_data = b"an import killed before its commit", b"an original a device is storing now"
    orphan, young = (home / "blobs" / _sha(d)[:2] / _sha(d) for d in (orphan_data, young_data))
    not_ours = home / "blobs" / "ab" / "notes.txt"
    for path, data in ((orphan, orphan_data), (young, young_data), (not_ours, b"the user's own file")):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    two_hours_ago = time.time() - 7200
    for path in (orphan, not_ours, kept_blob, *(home / "blobs").glob("*/*")):
        os.utime(path, (two_hours_ago, two_hours_ago))
    os.utime(young, None)
    third = tmp_path / "third.md"
    third.write_bytes(MARKDOWN + b"\n\nA third page.\n")
    assert aksio.import_paths([third], "OS").imported
    assert not orphan.exists()
    assert young.exists() and not_ours.exists() and kept_blob.exists()
    assert len([p for p in (home / "blobs").glob("*/*") if len(p.name) == 64]) == 4  # kept, deleted, third, young


# -- a card table imported twice ------------------------------------------------------------------------


def test_importing_one_card_table_twice_skips_it_the_second_time(cli: Cli, home: Path, tmp_path: Path) -> None:
    deck = tmp_path / "deck.csv"
    deck.write_text("front,back\nWhat does a TLB cache?,Page-table entries\nMutex,A lock\n", encoding="utf-8")
    cli("course", "add", "OS")
    code, out, _ = cli("card", "import", str(deck), "-c", "OS", "--json")
    assert code == 0
    assert json.loads(out) | {"course_id": ""} == {
        "course_id": "",
        "notes": 2,
        "cards": 2,
        "duplicates": 0,
        "skipped": None,
    }
    copy = tmp_path / "deck copy.csv"
    copy.write_bytes(deck.read_bytes())
    code, out, _ = cli("card", "import", str(copy), "-c", "OS", "--json")
    assert code == 0
    again = json.loads(out)
    assert (again["notes"], again["cards"]) == (0, 0)
    assert again["skipped"] == "already imported into OS on 2026-01-05 as 'deck.csv' (2 notes)"
    code, out, _ = cli("card", "import", str(deck), "-c", "OS")
    assert code == 0 and "skipped" in out and "--again" in out
    code, out, _ = cli("card", "list", "-c", "OS", "--json")
    assert len(json.loads(out)["cards"]) == 2
    code, out, _ = cli("card", "import", str(deck), "-c", "OS", "--again")
    assert code == 0 and "imported 2 note(s), 2 card(s)" in out
    code, out, _ = cli("card", "list", "-c", "OS", "--json")
    assert len(json.loads(out)["cards"]) == 4


def test_a_card_table_imported_into_another_course_or_as_another_kind_is_not_skipped(
    aksio: Aksio, tmp_path: Path
) -> None:
    aksio.add_course("OS")
    aksio.add_course("Networks")
    deck = tmp_path / "deck.csv"
    deck.write_text("Mutex,A lock\n", encoding="utf-8")
    assert aksio.import_cards(deck, "OS").cards == 1
    assert aksio.import_cards(deck, "Networks").cards == 1
    assert aksio.import_cards(deck, "OS", kind="reverse").cards == 2


def test_rows_whose_card_the_course_has_are_left_out(aksio: Aksio, tmp_path: Path) -> None:
    aksio.add_course("OS")
    aksio.add_card("OS", "Mutex", "A lock")
    deleted = aksio.add_card("OS", "Semaphore", "A counter")[0]
    aksio.delete_card(deleted.id)
    deck = tmp_path / "deck.csv"
    deck.write_text("Mutex,A lock\n Semaphore , A counter\nTLB,A cache of page-table entries\n", encoding="utf-8")
    report = aksio.import_cards(deck, "OS")
    assert (report.notes, report.cards, report.duplicates) == (2, 2, 1)
    assert sorted(c.front for c in aksio.cards("OS")) == ["Mutex", "Semaphore", "TLB"]


def test_a_card_import_is_remembered_in_a_synced_row(aksio: Aksio, tmp_path: Path) -> None:
    course = aksio.add_course("OS")
    deck = tmp_path / "deck.csv"
    deck.write_text("Mutex,A lock\n", encoding="utf-8")
    aksio.import_cards(deck, "OS")
    row = aksio.db.query_one("SELECT * FROM card_import")
    assert (row["course_id"], row["sha256"], row["kind"], row["filename"]) == (
        course.id,
        _sha(deck.read_bytes()),
        "basic",
        "deck.csv",
    )
    logged = aksio.db.query("SELECT row_id, op FROM change_log WHERE tbl = 'card_import'")
    assert [(r["row_id"], r["op"]) for r in logged] == [(row["id"], "insert")]


def test_a_card_table_over_the_size_cap_is_refused_before_it_is_read(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aksio.study

    monkeypatch.setattr(aksio.study, "CARD_TABLE_MAX_BYTES", 1000)
    deck = tmp_path / "deck.csv"
    deck.write_text("".join(f"Question {i},Answer {i}\n" for i in range(100)), encoding="utf-8")
    read: list[Path] = []
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or b"")
    cli("course", "add", "OS")
    code, _, err = cli("card", "import", str(deck), "-c", "OS")
    assert code != 0 and err.startswith("error: ") and err.count("\n") == 1
    assert "split it into smaller files" in err
    assert deck not in read
