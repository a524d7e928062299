"""Bad input to `aksio import`: one line naming the file and the reason, no traceback, no rows left behind."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.core import samples
from tests.core.cli_runner import Run, make_runner

TABLES = ("document", "section", "chunk", "chunk_fts", "change_log")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def run(home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    invoke = make_runner(home, monkeypatch, capsys)
    assert invoke("course", "add", "OS")[0] == 0
    return invoke


def _counts(home: Path) -> dict[str, int]:
    conn = sqlite3.connect(home / "aksio.db")
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def _gbk(path: Path) -> Path:
    path.write_bytes("操作系统笔记：进程调度与内存管理。死锁的四个必要条件。\n".encode("gbk") * 20)
    return path


def _bytes(data: bytes) -> Callable[[Path], Path]:
    def write(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return write


BAD: dict[str, tuple[Callable[[Path], Path], str]] = {
    "empty.pdf": (_bytes(b""), "empty file"),
    "empty.md": (_bytes(b""), "empty file"),
    "truncated.pdf": (lambda p: samples.truncated_pdf(p, samples.outline_pdf(p.with_suffix(".src"))), "truncated"),
    "garbage.pdf": (_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40), "corrupt"),
    "locked.pdf": (samples.encrypted_pdf, "password-protected"),
    "scan.pdf": (samples.image_only_pdf, "OCR"),
    "image.pdf": (_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "looks like a PNG image"),
    "binary.txt": (_bytes(bytes(range(256)) * 8), "binary file"),
    "fake.epub": (_bytes(b"not a zip"), "not an EPUB"),
    "slides.pptx": (_bytes(b"PK\x03\x04"), "unsupported file type .pptx"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_file_gets_one_line_and_leaves_nothing(run: Run, home: Path, tmp_path: Path, name: str) -> None:
    make, reason = BAD[name]
    path = make(tmp_path / name)
    before = _counts(home)
    code, out, err = run("import", str(path), "--course", "OS")
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert name in lines[0] and reason in lines[0]
    assert "Traceback" not in err + out
    assert _counts(home) == before


def test_missing_path_empty_folder_and_unknown_course(run: Run, home: Path, tmp_path: Path) -> None:
    before = _counts(home)
    code, _, err = run("import", str(tmp_path / "nope.pdf"), "-c", "OS")
    assert code == 1 and "nope.pdf: no such file or folder" in err
    folder = tmp_path / "pictures"
    folder.mkdir()
    (folder / "cat.jpg").write_bytes(b"\xff\xd8\xff")
    code, _, err = run("import", str(folder), "-c", "OS")
    assert code == 1 and "pictures: no supported files" in err
    good = samples.outline_pdf(tmp_path / "l.pdf")
    code, _, err = run("import", str(good), "-c", "Biology")
    assert code == 1 and err == "error: no course 'Biology'; `aksio course list` shows your courses\n"
    assert _counts(home) == before


def test_unreadable_file(run: Run, home: Path, tmp_path: Path) -> None:
    path = samples.outline_pdf(tmp_path / "private.pdf")
    path.chmod(0)
    try:
        if path.open("rb").readable():  # root reads anything: nothing to test then
            pytest.skip("running as root: permissions do not stop reading")
    except PermissionError:
        pass
    code, _, err = run("import", str(path), "-c", "OS")
    assert code == 1 and "private.pdf: permission denied" in err


def test_a_good_and_a_bad_file_import_the_good_one(run: Run, home: Path, tmp_path: Path) -> None:
    good = samples.outline_pdf(tmp_path / "good.pdf")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"")
    code, out, err = run("import", str(good), str(bad), "-c", "OS", "--json")
    report = json.loads(out)
    assert code == 0 and err == f"error: {bad}: empty file\n"
    assert [Path(f["path"]).name for f in report["imported"]] == ["good.pdf"]
    assert report["failed"] == [{"path": str(bad), "reason": "empty file"}]
    assert _counts(home)["document"] == 1


def test_gbk_text_is_detected_and_searchable(run: Run, tmp_path: Path) -> None:
    code, out, _ = run("import", str(_gbk(tmp_path / "notes-gbk.txt")), "-c", "OS", "--json")
    imported = json.loads(out)["imported"][0]
    assert code == 0 and "decoded as" in imported["warnings"][0]
    code, out, _ = run("search", "死锁", "--json")
    assert json.loads(out)["hits"][0]["document_id"] == imported["document_id"]


def test_undetectable_encoding_is_refused(run: Run, home: Path, tmp_path: Path) -> None:
    path = tmp_path / "weird.txt"
    path.write_bytes(bytes([0x81, 0xFE, 0x9F, 0x80, 0xC0, 0xFF] * 50))
    before = _counts(home)
    code, _, err = run("import", str(path), "-c", "OS")
    assert code == 1 and "weird.txt" in err and ("UTF-8" in err or "binary" in err)
    assert _counts(home) == before


def test_duplicate_is_skipped_and_reported_without_error(run: Run, tmp_path: Path) -> None:
    path = samples.outline_pdf(tmp_path / "l.pdf")
    run("import", str(path), "-c", "OS")
    code, out, _ = run("import", str(path), "-c", "OS", "--json")
    report = json.loads(out)
    assert code == 0 and report["imported"] == [] and "already imported" in report["skipped"][0]["reason"]


def test_a_corrupt_database_is_refused_and_left_alone(home: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    home.mkdir()
    db = home / "aksio.db"
    db.write_bytes(b"this is not a database" * 100)
    run = make_runner(home, monkeypatch, capsys)
    code, _, err = run("course", "list")
    assert code == 1 and err.startswith("error: ") and "corrupt or not a database" in err and err.count("\n") == 1
    assert db.read_bytes() == b"this is not a database" * 100


def test_a_newer_database_is_refused_and_left_alone(run: Run, home: Path) -> None:
    conn = sqlite3.connect(home / "aksio.db")
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    before = (home / "aksio.db").read_bytes()
    code, _, err = run("course", "list")
    assert code == 1 and "newer Aksio (schema 999" in err
    assert (home / "aksio.db").read_bytes() == before


def test_json_outputs_have_their_documented_keys(run: Run, tmp_path: Path) -> None:
    path = samples.outline_pdf(tmp_path / "l.pdf")
    report = json.loads(run("import", str(path), "-c", "OS", "--json")[1])
    assert set(report) == {"course_id", "course_name", "imported", "skipped", "failed"}
    doc = report["imported"][0]
    assert set(doc) == {
        "path",
        "document_id",
        "title",
        "kind",
        "page_count",
        "section_count",
        "chunk_count",
        "warnings",
    }
    courses = json.loads(run("course", "list", "--json")[1])["courses"]
    assert courses[0]["document_count"] == 1 and courses[0]["page_count"] == 6
    docs = json.loads(run("doc", "list", "--json")[1])["documents"]
    assert docs[0]["id"] == doc["document_id"] and docs[0]["section_count"] == 6
    shown = json.loads(run("doc", "show", doc["document_id"][-8:], "--json")[1])
    assert shown["sections"][1]["children"][0]["title"] == "Paging"
    hits = json.loads(run("search", "scheduler", "-n", "1", "--json")[1])["hits"]
    assert set(hits[0]) >= {"document_id", "section_title", "page", "snippet", "highlights", "score"}
