"""Importing documents: sections with page ranges, page-exact chunks, search, dedupe, the blob store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pymupdf
import pytest

from aksio.clock import FixedClock
from aksio.models import Section
from aksio.service import Aksio
from tests.core import samples


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Aksio]:
    opened = Aksio.open(tmp_path / "home", FixedClock(datetime(2026, 1, 5, 9, tzinfo=UTC)), tz=UTC)
    opened.add_course("OS")
    yield opened
    opened.close()


def _flat(sections: list[Section], depth: int = 0) -> list[tuple[int, str, int, int]]:
    out = []
    for s in sections:
        out.append((depth, s.title, s.page_start, s.page_end))
        out.extend(_flat(s.children, depth + 1))
    return out


def _import_one(app: Aksio, path: Path) -> str:
    report = app.import_paths([path], "OS")
    assert not report.failed, report.failed
    return report.imported[0].document_id


def test_outline_becomes_nested_sections_with_page_ranges(app: Aksio, tmp_path: Path) -> None:
    doc_id = _import_one(app, samples.outline_pdf(tmp_path / "lecture1.pdf"))
    doc = app.document(doc_id)
    assert doc.title == "Operating Systems Lecture 1" and doc.page_count == 6
    assert _flat(doc.sections) == [
        (0, "Processes", 1, 2),
        (1, "Threads", 2, 2),
        (0, "Memory", 3, 5),
        (1, "Paging", 4, 5),
        (1, "Replacement", 5, 5),
        (0, "Appendix", 6, 6),
    ]
    # the text above "Replacement" on page 5 belongs to Paging, the text below it to Replacement
    (hit,) = app.search("LRU evicts")
    assert (hit.section_title, hit.page) == ("Replacement", 5)
    hit = next(h for h in app.search("translation lookaside page 5") if h.page == 5)
    assert hit.section_title == "Paging"


def test_headings_found_by_font_size_without_an_outline(app: Aksio, tmp_path: Path) -> None:
    doc_id = _import_one(app, samples.headings_pdf(tmp_path / "sched.pdf"))
    assert _flat(app.document(doc_id).sections) == [
        (0, "Scheduling", 1, 3),
        (1, "Round robin", 1, 2),
        (1, "Shortest job first", 3, 3),
        (0, "Synchronization", 4, 5),
        (1, "Semaphores", 5, 5),
    ]


def test_every_chunk_is_on_its_page(app: Aksio, tmp_path: Path) -> None:
    path = samples.headings_pdf(tmp_path / "sched.pdf")
    doc_id = _import_one(app, path)
    with pymupdf.open(path) as pdf:
        pages = [" ".join(p.get_text().split()) for p in pdf]
    chunks = app.db.query("SELECT page, text FROM chunk WHERE document_id = ?", (doc_id,))
    assert len(chunks) >= 5
    for chunk in chunks:
        for line in chunk["text"].splitlines():
            assert " ".join(line.split()) in pages[chunk["page"] - 1]


def test_chinese_words_of_one_and_two_characters_are_found(app: Aksio, tmp_path: Path) -> None:
    doc_id = _import_one(app, samples.chinese_pdf(tmp_path / "os-zh.pdf"))
    assert [s.title for s in app.document(doc_id).sections] == ["第一章 进程", "第二章 内存"]
    (hit,) = app.search("死锁")
    assert (hit.page, hit.section_title) == (2, "第二章 内存")
    start, end = hit.highlights[0]
    assert hit.snippet[start:end] == "死锁"
    assert {h.page for h in app.search("进程")} == {1, 2}
    assert {h.page for h in app.search("锁")} == {2}
    assert app.search("死锁 内存")[0].page == 2
    assert app.search("锁死") == []  # characters in the wrong order are not the word


@pytest.mark.parametrize("query", ['"', '"unbalanced', "proc*", "NEAR(a b)", "-process", "title:x", "(", "a AND", "*"])
def test_no_query_is_fts_syntax(app: Aksio, tmp_path: Path, query: str) -> None:
    _import_one(app, samples.outline_pdf(tmp_path / "l.pdf"))
    app.search(query)  # must not raise
    assert app.search(query + " scheduler") or query in ("*",)


def test_search_ranks_and_scopes_by_course(app: Aksio, tmp_path: Path) -> None:
    _import_one(app, samples.outline_pdf(tmp_path / "l.pdf"))
    app.add_course("Networks")
    md = tmp_path / "net.md"
    md.write_text(samples.MARKDOWN, encoding="utf-8")
    app.import_paths([md], "Networks")
    hits = app.search("congestion window")
    assert hits[0].document_title == "Networks" and hits[0].section_title == "Congestion control"
    assert app.search("congestion", course="OS") == []
    assert all(h.course_name == "OS" for h in app.search("page", course="OS"))
    assert len(app.search("page", limit=2)) == 2


def test_markdown_and_html_headings_become_sections(app: Aksio, tmp_path: Path) -> None:
    md = tmp_path / "net.md"
    md.write_text(samples.MARKDOWN, encoding="utf-8")
    html = tmp_path / "compilers.html"
    html.write_text(samples.HTML, encoding="utf-8")
    report = app.import_paths([md, html], "OS")
    md_doc, html_doc = (app.document(f.document_id) for f in report.imported)
    assert [(d, t) for d, t, _, _ in _flat(md_doc.sections)] == [
        (0, "Networks"),
        (1, "Transport layer"),
        (2, "Congestion control"),
        (1, "Link layer"),
    ]
    assert html_doc.title == "Compilers"
    assert [(d, t) for d, t, _, _ in _flat(html_doc.sections)] == [
        (0, "Parsing"),
        (1, "Lexing"),
        (1, "Code generation"),
    ]
    assert app.search("zyxwv") == [] and app.search("skip me")  # scripts dropped, nav text kept
    assert app.search("registers")[0].section_title == "Code generation"


def test_epub_chapters(app: Aksio, tmp_path: Path) -> None:
    doc_id = _import_one(app, samples.epub(tmp_path / "storage.epub"))
    doc = app.document(doc_id)
    assert doc.kind == "epub" and doc.title == "Storage Systems"
    assert [s.title for s in doc.sections] == ["Filesystems", "Journaling"]
    assert app.search("inode")[0].section_title == "Filesystems"


def test_text_pages_follow_form_feeds(app: Aksio, tmp_path: Path) -> None:
    txt = tmp_path / "notes.txt"
    txt.write_text("first page about kernels\n\fsecond page about drivers\n", encoding="utf-8")
    doc = app.document(_import_one(app, txt))
    assert doc.page_count == 2
    assert app.search("drivers")[0].page == 2


def test_same_file_is_skipped_in_a_course_but_imports_into_another(app: Aksio, tmp_path: Path) -> None:
    path = samples.outline_pdf(tmp_path / "l.pdf")
    first = app.import_paths([path], "OS")
    again = app.import_paths([path], "OS")
    assert again.imported == [] and again.skipped[0].document_id == first.imported[0].document_id
    app.add_course("Other")
    assert app.import_paths([path], "Other").imported
    digest = app.document(first.imported[0].document_id).sha256
    assert (app.paths.blobs / digest[:2] / digest).read_bytes() == path.read_bytes()


def test_folders_import_recursively_and_skip_hidden_and_unsupported(app: Aksio, tmp_path: Path) -> None:
    root = tmp_path / "course"
    (root / "week1").mkdir(parents=True)
    samples.outline_pdf(root / "week1" / "l1.pdf")
    (root / "week1" / "notes.md").write_text(samples.MARKDOWN, encoding="utf-8")
    (root / ".hidden.md").write_text("# hidden", encoding="utf-8")
    (root / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    report = app.import_paths([root], "OS")
    assert sorted(Path(f.path).name for f in report.imported) == ["l1.pdf", "notes.md"]
    assert report.failed == []


def test_deleting_a_document_removes_it_from_search(app: Aksio, tmp_path: Path) -> None:
    doc_id = _import_one(app, samples.outline_pdf(tmp_path / "l.pdf"))
    assert app.search("scheduler")
    app.delete_document(doc_id)
    assert app.search("scheduler") == []
    assert app.documents("OS") == []
    assert app.db.query_one("SELECT count(*) FROM chunk_fts")[0] == 0


def test_a_word_in_too_many_chunks_is_ranked_within_the_newest_ones(
    app: Aksio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aksio.storage import search

    for week in range(1, 5):
        notes = tmp_path / f"week{week}.md"
        notes.write_text(f"# Week {week}\n\nkernel notes for week {week}\n", encoding="utf-8")
        app.import_paths([notes], "OS")
    assert len(app.search("kernel")) == 4
    monkeypatch.setattr(search, "RANK_CAP", 2)
    assert sorted(h.document_title for h in app.search("kernel")) == ["Week 3", "Week 4"]
    assert [h.document_title for h in app.search("kernel week 1")] == ["Week 1"]  # a rarer word narrows it


def test_a_small_course_finds_its_hits_behind_a_big_one(app: Aksio, tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_text(
        "\n\n".join(f"# Part {i}\n\nkernel kernel kernel scheduling part {i}" for i in range(60)), encoding="utf-8"
    )
    app.import_paths([big], "OS")
    app.add_course("Small")
    small = tmp_path / "small.md"
    small.write_text("# Aside\n\nA long aside that mentions the kernel only once among many other words here.\n")
    app.import_paths([small], "Small")
    assert all(h.course_name == "OS" for h in app.search("kernel", limit=10))  # the big course wins globally
    (hit,) = app.search("kernel", course="Small")
    assert hit.course_name == "Small" and hit.section_title == "Aside"
    assert len(app.search("kernel", course="OS", limit=10)) == 10


def test_snippets_show_the_passage_with_the_query_words() -> None:
    from aksio.storage.search import snippet

    text = " ".join(["filler"] * 30) + " The scheduler picks processes by priority. " + " ".join(["tail"] * 30)
    result = snippet(text, ["process", "scheduling"])
    shown = result["snippet"]
    assert isinstance(shown, str) and shown.startswith("…") and shown.endswith("…")
    assert [shown[a:b] for a, b in result["highlights"]] == ["scheduler", "processes"]  # type: ignore[attr-defined]
    cjk = snippet("操作系统：死锁的四个必要条件。死", ["死锁"])
    assert [cjk["snippet"][a:b] for a, b in cjk["highlights"]] == ["死锁"]  # type: ignore[index, attr-defined]
    assert snippet("", ["x"]) == {"snippet": "", "highlights": []}
