"""Bad input through the `aksio` command: one line that names the file and the reason, no traceback, no rows left.

Also the database file itself as bad input (corrupt, from a newer Aksio), and the --json documents scripts read.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from aksio.service import Aksio
from tests import docmaker
from tests.docmaker import Docs

if TYPE_CHECKING:
    from tests.conftest import Cli

TABLES = ("course", "document", "section", "chunk", "chunk_fts", "change_log")


def row_counts(home: Path) -> dict[str, int]:
    """Rows in each content table, read with a connection of its own."""
    conn = sqlite3.connect(home / "aksio.db")
    try:
        return {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}
    finally:
        conn.close()


def blobs(home: Path) -> list[Path]:
    return sorted(p for p in (home / "blobs").rglob("*") if p.is_file()) if (home / "blobs").exists() else []


def error_lines(err: str) -> list[str]:
    """The lines of stderr that say something."""
    return [line for line in err.splitlines() if line.strip()]


@pytest.fixture
def course(cli: Cli) -> str:
    code, _, err = cli("course", "add", "Operating Systems", "--code", "OS")
    assert code == 0, err
    return "Operating Systems"


def _raw(data: bytes) -> Callable[[Path], Path]:
    def write(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return write


# name -> (maker, what the reason must say)
BAD_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "empty.pdf": (docmaker.empty_file, "empty file"),
    "empty.md": (docmaker.empty_file, "empty file"),
    "blank.txt": (_raw(b"\n\n   \n\t\n"), "no text in this file"),
    "truncated.pdf": (docmaker.truncated_pdf, "corrupt or truncated PDF"),
    "garbage.pdf": (_raw(b"%PDF-1.7\n" + bytes(range(256)) * 16), "corrupt"),
    "locked.pdf": (docmaker.encrypted_pdf, "password-protected"),
    "scan.pdf": (docmaker.textless_pdf, "OCR"),
    "photo.pdf": (docmaker.png_named_pdf, "not a PDF: it looks like a PNG image"),
    "random.txt": (docmaker.binary_txt, "binary file, not text"),
    "elf.md": (_raw(b"\x7fELF\x02\x01\x01" + bytes(200)), "binary file, not text"),
    "book.epub": (_raw(b"this is not a zip file"), "not an EPUB"),
    "mojibake.txt": (_raw(bytes([0x81, 0xFE, 0x9F, 0x80, 0xC0, 0xFF]) * 50), "encoding could not be detected"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_file_is_one_line_naming_it_and_leaves_nothing_behind(
    cli: Cli, course: str, docs: Docs, home: Path, name: str
) -> None:
    maker, reason = BAD_FILES[name]
    path = docs(name, maker)
    before = row_counts(home)
    code, out, err = cli("import", str(path), "--course", course)
    assert code == 1
    (line,) = error_lines(err)
    assert line.startswith(f"error: {path}: ") and reason in line
    assert "Traceback" not in err and "Traceback" not in out
    assert "imported" not in out
    assert row_counts(home) == before
    assert blobs(home) == []


@pytest.mark.parametrize("name", ["empty.md", "locked.pdf", "photo.pdf"])
def test_a_bad_file_is_reported_in_json_too(cli: Cli, course: str, docs: Docs, name: str) -> None:
    maker, reason = BAD_FILES[name]
    path = docs(name, maker)
    code, out, err = cli("import", str(path), "-c", course, "--json")
    report = json.loads(out)
    assert code == 1
    assert report["imported"] == [] and report["skipped"] == []
    assert [f["path"] for f in report["failed"]] == [str(path)] and reason in report["failed"][0]["reason"]
    assert err == f"error: {path}: {report['failed'][0]['reason']}\n"


def test_stderr_of_an_import_holds_only_the_error_lines(cli: Cli, course: str, docs: Docs) -> None:
    bad = docs("empty.md", docmaker.empty_file)
    good = docs("notes.md", docmaker.markdown)
    assert cli("import", str(bad), "-c", course)[2] == f"error: {bad}: empty file\n"
    assert cli("import", str(good), "-c", course)[2] == ""


def test_missing_path_folder_without_documents_and_unknown_course(
    cli: Cli, course: str, docs: Docs, home: Path, tmp_path: Path
) -> None:
    before = row_counts(home)
    missing = tmp_path / "nowhere" / "lecture9.pdf"
    code, out, err = cli("import", str(missing), "-c", course)
    assert code == 1 and error_lines(err) == [f"error: {missing}: no such file or folder"]
    folder = docs.folder / "photos"
    docs.raw("photos/cat.jpg", b"\xff\xd8\xff\xe0")
    docs.raw("photos/.hidden.md", b"# hidden notes\n")
    code, out, err = cli("import", str(folder), "-c", course)
    (line,) = error_lines(err)
    assert code == 1 and line.startswith(f"error: {folder}: no supported files in this folder (")
    slides = docs.raw("slides.pptx", b"PK\x03\x04")
    code, _, err = cli("import", str(slides), "-c", course)
    assert code == 1 and error_lines(err)[0].startswith(f"error: {slides}: unsupported file type .pptx")
    good = docs("notes.md", docmaker.markdown)
    code, out, err = cli("import", str(good), "-c", "Biology")
    assert code == 1 and out == ""
    assert err == "error: no course 'Biology'; `aksio course list` shows your courses\n"
    assert "Traceback" not in err
    assert row_counts(home) == before
    assert blobs(home) == []


def test_an_unreadable_file_is_refused_as_permission_denied(aksio: Aksio, docs: Docs, cli: Cli) -> None:
    aksio.add_course("OS")
    path = docs("private.pdf", docmaker.outline_pdf)
    path.chmod(0)
    try:
        with path.open("rb"):  # root reads anything: nothing to test then
            pytest.skip("running as root: permissions do not stop reading")
    except PermissionError:
        pass
    report = aksio.import_paths([path], "OS")
    assert report.imported == [] and [(f.path, f.reason) for f in report.failed] == [(str(path), "permission denied")]
    code, _, err = cli("import", str(path), "-c", "OS")  # not click's own usage error: ours, one line
    assert code == 1 and err == f"error: {path}: permission denied\n"


def test_a_folder_of_bad_files_reports_each_on_its_own_line(cli: Cli, course: str, docs: Docs, home: Path) -> None:
    empty = docs("week1/empty.md", docmaker.empty_file)
    locked = docs("week2/locked.pdf", docmaker.encrypted_pdf)
    code, _, err = cli("import", str(docs.folder), "-c", course)
    assert code == 1
    assert error_lines(err) == [
        f"error: {empty}: empty file",
        f"error: {locked}: password-protected PDF: remove the password (e.g. qpdf --decrypt) and retry",
    ]
    assert row_counts(home)["document"] == 0


def test_a_good_and_a_bad_file_import_the_good_one_and_exit_zero(cli: Cli, course: str, docs: Docs, home: Path) -> None:
    good = docs("lecture2.pdf", docmaker.outline_pdf)
    bad = docs("scan.pdf", docmaker.textless_pdf)
    code, out, err = cli("import", str(bad), str(good), "-c", course)
    assert code == 0
    (line,) = error_lines(err)
    assert line.startswith(f"error: {bad}: no text layer") and "OCR" in line
    said = " ".join(out.split())  # rich wraps long lines
    assert f"imported {good}: '{docmaker.OUTLINE_TITLE}', 7 pages, 8 sections" in said
    assert "1 imported into Operating Systems" in said
    assert row_counts(home)["document"] == 1 and len(blobs(home)) == 1
    code, out, _ = cli("search", "gazelle", "--json")
    assert code == 0 and [h["page"] for h in json.loads(out)["hits"]] == [7]


def test_a_duplicate_is_skipped_and_reported_without_failing(cli: Cli, course: str, docs: Docs, home: Path) -> None:
    path = docs("lecture2.pdf", docmaker.outline_pdf)
    assert cli("import", str(path), "-c", course)[0] == 0
    before = row_counts(home)
    code, out, err = cli("import", str(path), "-c", course)
    assert code == 0 and error_lines(err) == []
    assert f"skipped {path}: already imported as '{docmaker.OUTLINE_TITLE}'" in " ".join(out.split())
    assert row_counts(home) == before


# -- what is not a regular file ---------------------------------------------------------------------

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


@contextmanager
def opened_for_reading(fifo: Path) -> Iterator[list[Path]]:
    """Inside, whoever opens the named pipe ``fifo`` for reading is recorded and let through at once (it reads
    an empty file), so an import that opens the pipe fails its test instead of hanging it."""
    opened: list[Path] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.01):
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # fails (ENXIO) while nobody reads
            except OSError:
                continue
            opened.append(fifo)
            os.close(fd)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield opened
    finally:
        stop.set()
        watcher.join()


@needs_fifo
@pytest.mark.parametrize("name", ["pipe.txt", "pipe.pdf"])
def test_a_named_pipe_is_refused_without_being_opened(cli: Cli, course: str, docs: Docs, home: Path, name: str) -> None:
    fifo = docs.folder / name
    docs.folder.mkdir(parents=True, exist_ok=True)
    os.mkfifo(fifo)
    good = docs("notes.md", docmaker.markdown)
    before = row_counts(home)
    with opened_for_reading(fifo) as opened:
        code, _, err = cli("import", str(fifo), "-c", course)
        assert code == 1 and error_lines(err) == [f"error: {fifo}: not a regular file (a named pipe)"]
        assert row_counts(home) == before
        code, out, err = cli("import", str(fifo), str(good), "-c", course, "--json")
    assert opened == []
    report = json.loads(out)
    assert code == 0 and [f["path"] for f in report["imported"]] == [str(good)]
    assert report["failed"] == [{"path": str(fifo), "reason": "not a regular file (a named pipe)"}]


@pytest.mark.skipif(not Path(os.devnull).is_char_device(), reason="no character device to link to")
def test_a_device_under_a_documents_name_is_refused(cli: Cli, course: str, docs: Docs, home: Path) -> None:
    docs.folder.mkdir(parents=True, exist_ok=True)
    link = docs.folder / "null.txt"
    link.symlink_to(os.devnull)
    code, _, err = cli("import", str(link), "-c", course)
    assert code == 1 and error_lines(err) == [f"error: {link}: not a regular file (a device)"]
    assert row_counts(home)["document"] == 0


def test_a_symbolic_link_loop_is_one_line(cli: Cli, course: str, docs: Docs) -> None:
    docs.folder.mkdir(parents=True, exist_ok=True)
    loop = docs.folder / "loop.txt"
    loop.symlink_to(loop.name)
    code, _, err = cli("import", str(loop), "-c", course)
    assert code == 1 and error_lines(err) == [f"error: {loop}: a symbolic link loop"]


@needs_fifo
def test_a_folder_skips_pipes_devices_and_link_loops(cli: Cli, course: str, docs: Docs, tmp_path: Path) -> None:
    notes = docs("notes.md", docmaker.markdown)
    fifo = docs.folder / "week1" / "pipe.txt"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    (docs.folder / "loop.md").symlink_to("loop.md")
    (docs.folder / "week1" / "up").symlink_to("..", target_is_directory=True)  # a folder that contains itself
    (docs.folder / "gone.pdf").symlink_to("nowhere.pdf")
    if Path(os.devnull).is_char_device():
        (docs.folder / "null.txt").symlink_to(os.devnull)
    outside = tmp_path / "elsewhere" / "extra.md"
    outside.parent.mkdir()
    outside.write_text("# Extra\n\nA linked file is imported like any other.\n", encoding="utf-8")
    (docs.folder / "week1" / "linked.md").symlink_to(outside)
    with opened_for_reading(fifo) as opened:
        code, out, err = cli("import", str(docs.folder), "-c", course, "--json")
    assert opened == []
    report = json.loads(out)
    assert code == 0 and err == "" and report["failed"] == [] and report["skipped"] == []
    assert [f["path"] for f in report["imported"]] == [str(notes), str(docs.folder / "week1" / "linked.md")]


# -- text in other encodings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "encoding", "note", "query", "found"),
    [
        ("notes-gbk.txt", docmaker.GBK_TEXT * 8, "gbk", "decoded as gb18030", "死锁", "死锁的四个必要条件"),
        ("one-line-gbk.txt", "死锁：互斥、占有并等待、不可抢占。", "gbk", "decoded as gb18030", "死锁", "占有并等待"),
        ("latin1.txt", "Résumé très détaillé des leçons.\n" * 3, "cp1252", "decoded as cp1252", "leçons", "très"),
        (
            "cyrillic.txt",
            "Процесс — это программа в состоянии выполнения.\n",
            "cp1251",
            "decoded as cp1251",
            "программа",
            "Процесс",
        ),
        ("utf16.txt", "\ufeffDeadlock needs mutual exclusion.\n", "utf-16-le", None, "mutual", "exclusion"),
    ],
    ids=["gbk-notes", "gbk-one-line", "cp1252-french", "cp1251-russian", "utf16-with-bom"],
)
def test_text_in_another_encoding_is_decoded_and_searchable(
    cli: Cli, course: str, docs: Docs, name: str, text: str, encoding: str, note: str | None, query: str, found: str
) -> None:
    path = docs.text(name, text, encoding)
    code, out, err = cli("import", str(path), "-c", course, "--json")
    assert code == 0, err
    (imported,) = json.loads(out)["imported"]
    assert imported["warnings"] == ([note] if note else [])
    code, out, _ = cli("search", query, "--json")
    hits = json.loads(out)["hits"]
    assert code == 0 and [h["document_id"] for h in hits][:1] == [imported["document_id"]]
    assert found in hits[0]["snippet"]


# -- a bad database file ---------------------------------------------------------------------------


def _assert_refused(cli: Cli, db: Path, message: str) -> None:
    before = db.read_bytes()
    for args in (("course", "list"), ("search", "kernel"), ("doc", "list", "--json"), ("course", "add", "New")):
        code, out, err = cli(*args)
        assert code == 1, args
        assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
        assert "Traceback" not in err and out == ""
        assert db.read_bytes() == before, f"{args} changed the database file"


def test_a_corrupt_database_file_is_refused_and_left_alone(cli: Cli, home: Path) -> None:
    home.mkdir()
    db = home / "aksio.db"
    db.write_bytes(bytes(range(256)) * 64)
    _assert_refused(cli, db, f"{db} is corrupt or not a database")
    assert "restore it from a backup" in cli("course", "list")[2]


def test_a_truncated_database_is_refused_and_left_alone(cli: Cli, course: str, docs: Docs, home: Path) -> None:
    cli("import", str(docs("lecture2.pdf", docmaker.outline_pdf)), "-c", course)
    db = home / "aksio.db"
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    _assert_refused(cli, db, "is corrupt or not a database")


def test_a_database_from_a_newer_aksio_is_refused_and_left_alone(cli: Cli, course: str, home: Path) -> None:
    db = home / "aksio.db"
    conn = sqlite3.connect(db)
    known = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.execute(f"PRAGMA user_version = {known + 1}")
    conn.close()
    _assert_refused(cli, db, f"written by a newer Aksio (schema {known + 1}, this one knows up to {known})")


def test_another_programs_sqlite_file_is_refused_and_left_alone(cli: Cli, home: Path) -> None:
    home.mkdir()
    db = home / "aksio.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.execute("INSERT INTO recipes VALUES ('bread')")
    conn.commit()
    conn.close()
    _assert_refused(cli, db, "is an SQLite file but not an Aksio database")


def test_a_database_damaged_inside_a_table_is_one_line(cli: Cli, course: str, docs: Docs, home: Path) -> None:
    cli("import", str(docs("lecture2.pdf", docmaker.outline_pdf)), "-c", course)
    db = home / "aksio.db"
    conn = sqlite3.connect(db)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'document'").fetchone()
    conn.close()
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    with db.open("r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\xfe" * page_size)
    code, _, err = cli("doc", "list")
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1 and "corrupt" in err


# -- other bad input to commands -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("search", "   "), "nothing to search for"),
        (("search", "kernel", "-n", "-3"), "--limit must be at least 1"),
        (("search", "kernel", "-c", "Biology"), "no course 'Biology'"),
        (("doc", "show", "nothing-here"), "no document 'nothing-here'; `aksio doc list` shows your documents"),
        (("doc", "rm", "deadbeef"), "no document 'deadbeef'"),
        (("doc", "list", "-c", "Biology"), "no course 'Biology'"),
    ],
)
def test_bad_arguments_are_one_line(cli: Cli, course: str, args: tuple[str, ...], message: str) -> None:
    code, out, err = cli(*args)
    assert code == 1 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_a_zero_limit_is_refused_like_a_negative_one(cli: Cli, course: str) -> None:
    code, _, err = cli("search", "kernel", "-n", "0")
    assert code == 1 and "--limit must be at least 1" in err


def test_a_file_name_with_a_newline_still_gives_one_line(cli: Cli, course: str, docs: Docs) -> None:
    path = docs.raw("two\nlines.md", b"")
    code, _, err = cli("import", str(path), "-c", course, "--json")
    assert code == 1 and err.count("\n") == 1 and err.startswith("error: ")


def test_a_file_name_with_markup_characters_is_printed_as_is(cli: Cli, course: str, docs: Docs) -> None:
    path = docs.raw("notes [red]draft[/red] " + "x" * 150 + ".md", b"")
    code, _, err = cli("import", str(path), "-c", course)
    assert code == 1 and error_lines(err) == [f"error: {path}: empty file"]  # not styled, not wrapped


# -- JSON for scripts ------------------------------------------------------------------------------

COURSE_KEYS = {
    "id",
    "name",
    "code",
    "description",
    "exam_date",
    "desired_retention",
    "daily_new_limit",
    "tags",
    "metadata",
    "archived",
    "document_count",
    "page_count",
    "created_at",
    "updated_at",
}
DOCUMENT_KEYS = {
    "id",
    "course_id",
    "course_name",
    "title",
    "filename",
    "kind",
    "mime",
    "sha256",
    "size",
    "page_count",
    "section_count",
    "chunk_count",
    "tags",
    "metadata",
    "created_at",
}
SECTION_KEYS = {"id", "title", "level", "page_start", "page_end", "parent_id", "children"}
HIT_KEYS = {
    "chunk_id",
    "course_id",
    "course_name",
    "document_id",
    "document_title",
    "section_id",
    "section_title",
    "page",
    "snippet",
    "highlights",
    "score",
}


def _json(cli: Cli, *args: str) -> object:
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_json_output_has_the_documented_keys(cli: Cli, course: str, docs: Docs) -> None:
    good = docs("lecture2.pdf", docmaker.outline_pdf)
    bad = docs("empty.md", docmaker.empty_file)
    code, out, err = cli("import", str(good), str(bad), "-c", "OS", "--json")
    report = json.loads(out)
    assert code == 0 and err == f"error: {bad}: empty file\n"
    assert set(report) == {"course_id", "course_name", "imported", "skipped", "failed"}
    assert report["course_name"] == course
    (imported,) = report["imported"]
    assert set(imported) == {
        "path",
        "document_id",
        "title",
        "kind",
        "page_count",
        "section_count",
        "chunk_count",
        "warnings",
    }
    assert (imported["path"], imported["kind"], imported["page_count"], imported["section_count"]) == (
        str(good),
        "pdf",
        7,
        8,
    )
    assert report["failed"] == [{"path": str(bad), "reason": "empty file"}]
    skipped = _json(cli, "import", str(good), "-c", "OS")["skipped"]  # type: ignore[index]
    assert skipped == [
        {
            "path": str(good),
            "reason": f"already imported as '{docmaker.OUTLINE_TITLE}'",
            "document_id": imported["document_id"],
        }
    ]

    courses = _json(cli, "course", "list")
    assert set(courses) == {"courses"}  # type: ignore[arg-type]
    (listed,) = courses["courses"]  # type: ignore[index]
    assert set(listed) >= COURSE_KEYS and (listed["document_count"], listed["page_count"]) == (1, 7)
    assert listed["created_at"] == "2026-01-05T09:00:00.000Z"  # the CLI runs on the fixed clock

    documents = _json(cli, "doc", "list")
    assert set(documents) == {"documents"}  # type: ignore[arg-type]
    (doc,) = documents["documents"]  # type: ignore[index]
    assert set(doc) >= DOCUMENT_KEYS and doc["id"] == imported["document_id"] and doc["section_count"] == 8

    shown = _json(cli, "doc", "show", doc["id"][-8:])
    assert set(shown) >= DOCUMENT_KEYS | {"sections"}  # type: ignore[arg-type]
    processes = shown["sections"][1]  # type: ignore[index]
    assert set(processes) >= SECTION_KEYS and processes["children"][0]["title"] == "Process states"

    search = _json(cli, "search", "gazelle")
    assert set(search) == {"query", "hits"} and search["query"] == "gazelle"  # type: ignore[arg-type, index]
    (hit,) = search["hits"]  # type: ignore[index]
    assert set(hit) >= HIT_KEYS
    assert (hit["document_id"], hit["section_title"], hit["page"]) == (doc["id"], "Summary", 7)
    assert all(hit["snippet"][a:b].lower() == "gazelle" for a, b in hit["highlights"]) and hit["highlights"]
    assert isinstance(hit["score"], float) and hit["score"] > 0

    assert _json(cli, "search", "nothing matches this") == {"query": "nothing matches this", "hits": []}


@pytest.mark.parametrize(
    "args",
    [
        ("card", "add", "-c", "OS", "-f", "\udc9b", "-b", "back"),
        ("course", "add", "\udcffOS"),
        ("course", "edit", "OS", "--description", "caf\udce9"),
    ],
)
def test_text_arguments_that_are_not_utf8_are_one_line_and_change_nothing(cli: Cli, args: tuple[str, ...]) -> None:
    # how Python hands a shell's $'\x9b' (a byte that is not UTF-8) to the program: a lone surrogate
    assert cli("course", "add", "OS")[0] == 0
    code, _, err = cli(*args)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and "UTF-8" in err
    assert json.loads(cli("card", "list", "--json")[1])["cards"] == []
    assert [c["name"] for c in json.loads(cli("course", "list", "--json")[1])["courses"]] == ["OS"]
