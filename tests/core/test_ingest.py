"""Importing documents through the facade: sections and page ranges, page-exact chunks, search, dedupe, blobs."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pymupdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aksio.errors import InvalidInput, NotFound
from aksio.generate.checks import quote_on_page
from aksio.models import Section
from aksio.preview import section_text
from aksio.service import Aksio
from aksio.storage.generation import page_texts
from tests import docmaker
from tests.docmaker import Docs

COURSE = "Operating Systems"


@pytest.fixture
def os_course(aksio: Aksio) -> str:
    aksio.add_course(COURSE, code="CS162")
    return COURSE


def _import(aksio: Aksio, path: Path, course: str = COURSE) -> str:
    report = aksio.import_paths([path], course)
    assert report.failed == [] and report.skipped == [], report
    return report.imported[0].document_id


def _outline(sections: list[Section], depth: int = 0) -> list[tuple[int, int, str, int, int]]:
    """(depth, level, title, page_start, page_end) in document order."""
    out = []
    for s in sections:
        out.append((depth, s.level, s.title, s.page_start, s.page_end))
        out.extend(_outline(s.children, depth + 1))
    return out


def _squash(text: str) -> str:
    return "".join(text.split())


def _chunks(aksio: Aksio, doc_id: str) -> list[tuple[int, str | None, str]]:
    """(page, section title, text) of a document's live chunks, in order."""
    rows = aksio.db.query(
        "SELECT k.page, s.title, k.text FROM chunk k LEFT JOIN section s ON s.id = k.section_id "
        "WHERE k.document_id = ? AND k.deleted = 0 ORDER BY k.ord",
        (doc_id,),
    )
    return [(r[0], r[1], r[2]) for r in rows]


# -- PDF structure ----------------------------------------------------------------------------------


def test_pdf_outline_becomes_nested_sections_with_page_ranges(aksio: Aksio, os_course: str, docs: Docs) -> None:
    doc = aksio.document(_import(aksio, docs("lecture2.pdf", docmaker.outline_pdf)))
    assert (doc.kind, doc.page_count, doc.title) == ("pdf", 7, docmaker.OUTLINE_TITLE)
    assert doc.metadata["author"] == "A. Lecturer"
    flat = _outline(doc.sections)
    assert [(level, title, start, end) for _, level, title, start, end in flat] == docmaker.OUTLINE_SECTIONS
    assert [depth + 1 for depth, level, *_ in flat] == [level for _, level, *_ in flat]
    processes = doc.sections[1]
    assert [c.title for c in processes.children] == ["Process states", "Threads"]
    assert all(c.parent_id == processes.id for c in processes.children)
    assert processes.children[0].children[0].title == "Zombie processes"


@pytest.mark.parametrize(
    ("word", "page", "section"),
    [
        ("aardvark", 1, "Introduction"),
        ("orphan", 2, "Processes"),  # above "Process states" on the same page
        ("runnable", 2, "Process states"),
        ("cheetah", 3, "Process states"),  # page 3 opens with text that continues the previous section
        ("zombie exited", 3, "Zombie processes"),
        ("dingo", 4, "Threads"),
        ("flamingo", 6, "Paging"),
        ("gazelle", 7, "Summary"),
    ],
)
def test_a_search_hit_names_its_document_section_and_page(
    aksio: Aksio, os_course: str, docs: Docs, word: str, page: int, section: str
) -> None:
    doc_id = _import(aksio, docs("lecture2.pdf", docmaker.outline_pdf))
    hits = aksio.search(word)
    assert len(hits) == 1
    (hit,) = hits
    assert (hit.document_id, hit.document_title, hit.course_name) == (doc_id, docmaker.OUTLINE_TITLE, COURSE)
    assert (hit.page, hit.section_title) == (page, section)
    assert hit.highlights and all(0 <= a < b <= len(hit.snippet) for a, b in hit.highlights)


def test_pdf_outline_keeps_its_order_and_levels_where_its_titles_are_printed_otherwise(
    aksio: Aksio, os_course: str, docs: Docs
) -> None:
    # an entry whose title was not found was put at the top of its page: "1.2" was listed before "1.1" and
    # "2.1" (above "2 Processes") was nested under "1 Introduction"
    doc = aksio.document(_import(aksio, docs("numbered.pdf", docmaker.numbered_outline_pdf)))
    flat = _outline(doc.sections)
    assert [(depth, title, start, end) for depth, _, title, start, end in flat] == docmaker.NUMBERED_SECTIONS
    for word, page, section in docmaker.NUMBERED_WORDS:
        (hit,) = aksio.search(word)
        assert (word, hit.page, hit.section_title) == (word, page, section)


def test_an_outline_that_goes_back_a_page_keeps_its_order_and_nesting(aksio: Aksio, os_course: str, docs: Docs) -> None:
    path = docs("lecture2.pdf", docmaker.outline_pdf)
    with pymupdf.open(path) as pdf:
        pdf.set_toc([[1, "Processes", 2], [2, "Process states", 2], [1, "Introduction", 1]])
        data = pdf.tobytes()
    doc = aksio.document(_import(aksio, docs.raw("backwards.pdf", data)))
    assert [(depth, title, start, end) for depth, _, title, start, end in _outline(doc.sections)] == [
        (0, "Processes", 2, 7),
        (1, "Process states", 2, 7),
        (0, "Introduction", 1, 1),
    ]
    hits = {word: [(h.page, h.section_title) for h in aksio.search(word)] for word in ("aardvark", "orphan", "gazelle")}
    assert hits == {
        "aardvark": [(1, "Introduction")],
        "orphan": [(2, "Processes")],
        "gazelle": [(7, "Process states")],  # the last section by place runs to the end
    }


def test_pdf_without_outline_gets_sections_from_heading_font_sizes(aksio: Aksio, os_course: str, docs: Docs) -> None:
    doc = aksio.document(_import(aksio, docs("scheduling.pdf", docmaker.font_headings_pdf)))
    assert doc.title == "scheduling"  # no metadata title: the file name
    flat = _outline(doc.sections)
    assert [(level, title, start, end) for _, level, title, start, end in flat] == docmaker.FONT_SECTIONS
    assert [depth for depth, *_ in flat] == [0, 1, 1, 0, 1]
    (hit,) = aksio.search("safe sequence")
    assert (hit.page, hit.section_title) == (4, "Avoidance with the banker's algorithm")
    (hit,) = aksio.search("quantum trade-off")
    assert (hit.page, hit.section_title) == (1, "Round robin")
    assert {h.page for h in aksio.search("fair quantum")} == {2}
    assert {h.section_title for h in aksio.search("fair quantum")} == {"Round robin"}


@pytest.mark.parametrize("outline", [True, False])
def test_a_code_listings_line_numbers_stay_on_their_lines(
    aksio: Aksio, os_course: str, docs: Docs, outline: bool
) -> None:
    # MuPDF cuts a line at a wide gap: each number was read as a line of its own above its code
    doc_id = _import(aksio, docs("listing.pdf", lambda path: docmaker.code_listing_pdf(path, outline)))
    lines = "\n".join(text for _, _, text in _chunks(aksio, doc_id)).splitlines()
    numbered = [f"{number} {line}" for number, line in enumerate(docmaker.LISTING, start=1)]
    assert [line for line in lines if line[0].isdigit()] == numbered
    assert lines[-1] == "The child runs ls while the parent returns."


@pytest.mark.parametrize(
    ("name", "maker"),
    [
        ("outline.pdf", docmaker.outline_pdf),
        ("fonts.pdf", docmaker.font_headings_pdf),
        ("chinese.pdf", docmaker.chinese_pdf),
    ],
)
def test_every_chunk_is_text_of_its_own_page_and_no_text_is_lost(
    aksio: Aksio, os_course: str, docs: Docs, name: str, maker: docmaker.Maker
) -> None:
    path = docs(name, maker)
    doc_id = _import(aksio, path)
    with pymupdf.open(path) as pdf:
        pages = [page.get_text() for page in pdf]
    chunks = _chunks(aksio, doc_id)
    sections = {title: (start, end) for _, _, title, start, end in _outline(aksio.document(doc_id).sections)}
    for page, section, text in chunks:
        assert _squash(text) in _squash(pages[page - 1]), (page, text)
        if section is not None:
            start, end = sections[section]
            assert start <= page <= end, (section, page)
    for number, page_text in enumerate(pages, start=1):
        on_page = "".join(_squash(text) for page, _, text in chunks if page == number)
        assert sorted(on_page) == sorted(_squash(page_text)), f"text of page {number} lost or duplicated"


def test_chunks_stay_under_the_configured_size_and_inside_one_page(aksio: Aksio, os_course: str, docs: Docs) -> None:
    aksio.settings.ingest.chunk_chars = 200
    sentence = "Each page table entry holds a frame number and protection bits. "
    text = "# Memory\n\n" + "\n\n".join(sentence * 3 for _ in range(40)) + "\n\n## Swapping\n\nSwapping moves pages.\n"
    doc = aksio.document(_import(aksio, docs.text("memory.md", text)))
    chunks = _chunks(aksio, doc.id)
    assert doc.page_count >= 3  # ~7800 characters in virtual pages of ~3000
    assert len(chunks) > 30 and all(len(t) <= 200 for _, _, t in chunks)
    assert [p for p, _, _ in chunks] == sorted(p for p, _, _ in chunks)
    (memory,) = doc.sections
    assert (memory.page_start, memory.page_end) == (1, doc.page_count)
    assert memory.children[0].page_start == doc.page_count
    assert _squash("".join(t for _, _, t in chunks)) == _squash(text.replace("#", ""))


# -- markup -----------------------------------------------------------------------------------------


def test_markdown_headings_become_nested_sections(aksio: Aksio, os_course: str, docs: Docs) -> None:
    doc = aksio.document(_import(aksio, docs("networks.md", docmaker.markdown)))
    assert (doc.kind, doc.title, doc.page_count) == ("markdown", "Networks", 1)
    assert [(d, t) for d, _, t, _, _ in _outline(doc.sections)] == docmaker.MARKDOWN_SECTIONS
    (hit,) = aksio.search("congestion window")
    assert hit.section_title == "Congestion control"
    (hit,) = aksio.search("code block comment")  # the "# ..." line in a fence is text, not a heading
    assert hit.section_title == "Transport layer"
    (hit,) = aksio.search("longest prefix")
    assert hit.section_title == "Routing tables"


def test_html_headings_become_nested_sections(aksio: Aksio, os_course: str, docs: Docs) -> None:
    doc = aksio.document(_import(aksio, docs("compilers.html", docmaker.html)))
    assert (doc.kind, doc.title) == ("html", "Compilers, week 3")
    assert [(d, t) for d, _, t, _, _ in _outline(doc.sections)] == docmaker.HTML_SECTIONS
    assert aksio.search("qwxyzzy") == []  # script text is not document text
    assert aksio.search("color red") == []  # nor is style
    assert aksio.search("Kleene star")[0].section_title == "Regular expressions"
    assert aksio.search("registers")[0].section_title == "Code generation"


def test_html_navigation_text_is_kept(aksio: Aksio, os_course: str, docs: Docs) -> None:
    html = "<h1>Parsing</h1><nav>previous lecture</nav><p>An LR parser reads input left to right.</p>"
    _import(aksio, docs.text("nav.html", html))
    (hit,) = aksio.search("previous lecture")  # only script, style and the like are dropped
    assert hit.section_title == "Parsing"


def test_html_line_breaks_separate_words(aksio: Aksio, os_course: str, docs: Docs) -> None:
    _import(aksio, docs.text("br.html", "<h1>Notes</h1><p>first semaphore<br>second mutex<br/>third monitor</p>"))
    (hit,) = aksio.search("mutex")
    assert "first semaphore second mutex third monitor" in hit.snippet


def test_markdown_form_feed_starts_a_new_page(aksio: Aksio, os_course: str, docs: Docs) -> None:
    text = "# Kernels\n\nMonolithic kernels.\n\f\n# Drivers\n\nDrivers probe devices.\fHotplug adds them later.\n"
    doc = aksio.document(_import(aksio, docs.text("ff.md", text)))
    assert doc.page_count == 3
    assert [(t, a, b) for _, _, t, a, b in _outline(doc.sections)] == [("Kernels", 1, 1), ("Drivers", 2, 3)]
    assert [(p, s, t) for p, s, t in _chunks(aksio, doc.id)] == [
        (1, "Kernels", "Kernels\n\nMonolithic kernels."),
        (2, "Drivers", "Drivers\n\nDrivers probe devices."),
        (3, "Drivers", "Hotplug adds them later."),
    ]


def test_a_markdown_page_keeps_a_blank_line_between_its_blocks(aksio: Aksio, os_course: str, docs: Docs) -> None:
    # a heading right above its paragraph, and small chunks: blocks meet inside a chunk and across two
    aksio.settings.ingest.chunk_chars = 200
    paragraphs = [f"Paragraph {n} says that the round robin scheduler\ngives job {n} a time slice." for n in range(6)]
    text = "# Scheduling\n" + "\n\n".join(paragraphs) + "\n\n- FCFS\n- SJF\n"
    doc_id = _import(aksio, docs.text("sched.md", text))
    assert len(_chunks(aksio, doc_id)) > 1
    expected = "Scheduling\n\n" + "\n\n".join(paragraphs) + "\n\n- FCFS\n- SJF"
    assert section_text(aksio, doc_id, None) == [(1, expected)]  # what the course screen shows
    assert page_texts(aksio.db, [doc_id]) == {(doc_id, 1): expected}  # what generated cards are checked against
    assert quote_on_page("the round robin scheduler gives job 3 a time slice", expected)
    assert [h.page for h in aksio.search("job 3 slice")][:1] == [1]


def test_plain_text_pages_follow_form_feeds(aksio: Aksio, os_course: str, docs: Docs) -> None:
    doc = aksio.document(_import(aksio, docs("boot.txt", docmaker.plain_txt)))
    assert (doc.kind, doc.title, doc.page_count, doc.sections) == ("text", "boot", 2, [])
    assert [(h.page, h.section_title) for h in aksio.search("drivers")] == [(2, None)]
    assert [h.page for h in aksio.search("root filesystem")] == [1]


@pytest.mark.parametrize(
    ("text", "pages", "page_count"),
    [
        ("alpha\f\fgamma\n", [1, 3], 3),  # two form feeds in a row: an empty page between
        ("alpha\f\f\fdelta\n", [1, 4], 4),
        ("\falpha\fbeta\n", [2, 3], 3),  # a form feed first: the first page is empty
        ("alpha\n\f\n  \n\fgamma\n", [1, 3], 3),  # a page of blank lines is an empty page too
        ("alpha\fbeta\f\n", [1, 2], 2),  # the last form feed ends the last page, it starts none
        ("alpha\f\f", [1], 2),
    ],
    ids=["empty-middle", "two-empty", "empty-first", "blank-middle", "final-form-feed", "empty-last"],
)
def test_plain_text_page_numbers_follow_every_form_feed(
    aksio: Aksio, os_course: str, docs: Docs, text: str, pages: list[int], page_count: int
) -> None:
    doc = aksio.document(_import(aksio, docs.text("printed.txt", text)))
    assert doc.page_count == page_count
    chunks = _chunks(aksio, doc.id)
    assert [p for p, _, _ in chunks] == pages  # an empty page has no chunk
    assert all(t.strip() for _, _, t in chunks)
    for page, _, chunk_text in chunks:
        assert text.split("\f")[page - 1].strip() == chunk_text


def test_markdown_page_numbers_follow_every_form_feed(aksio: Aksio, os_course: str, docs: Docs) -> None:
    text = "# Kernels\n\nMonolithic kernels.\n\f\f\n# Drivers\n\nDrivers probe devices.\n\f\n\f\nHotplug.\n"
    doc = aksio.document(_import(aksio, docs.text("ff.md", text)))
    assert doc.page_count == 5
    assert [(t, a, b) for _, _, t, a, b in _outline(doc.sections)] == [("Kernels", 1, 1), ("Drivers", 3, 5)]
    assert [(p, s) for p, s, _ in _chunks(aksio, doc.id)] == [(1, "Kernels"), (3, "Drivers"), (5, "Drivers")]
    assert [h.page for h in aksio.search("hotplug")] == [5]


@pytest.mark.parametrize("ncx", [True, False], ids=["nav-and-ncx", "nav-only"])
def test_epub_chapters_become_sections(aksio: Aksio, os_course: str, docs: Docs, ncx: bool) -> None:
    doc = aksio.document(_import(aksio, docs("storage.epub", lambda p: docmaker.epub(p, ncx=ncx))))
    assert (doc.kind, doc.title) == ("epub", "Storage Systems")
    assert [s.title for s in doc.sections] == [title for title, _ in docmaker.EPUB_CHAPTERS]
    (hit,) = aksio.search("journal intended changes")
    assert (hit.section_title, hit.page) == ("Journaling", doc.sections[1].page_start)


# -- search -----------------------------------------------------------------------------------------


def test_chinese_words_of_two_characters_and_single_characters_are_found(
    aksio: Aksio, os_course: str, docs: Docs
) -> None:
    doc = aksio.document(_import(aksio, docs("os-zh.pdf", docmaker.chinese_pdf)))
    assert [s.title for s in doc.sections] == [title for title, _ in docmaker.CHINESE_PAGES]
    assert {h.page for h in aksio.search("进程")} == {1, 2}
    (hit,) = aksio.search("死锁")
    assert (hit.page, hit.section_title) == (2, "第二章 内存")
    assert {hit.snippet[a:b] for a, b in hit.highlights} == {"死锁"}
    assert {h.page for h in aksio.search("锁")} == {2}
    assert {h.page for h in aksio.search("内存")} == {2}
    assert [h.page for h in aksio.search("死锁 内存")] == [2]  # both on page 2: only there
    assert sorted(h.page for h in aksio.search("死锁 地址空间")) == [1, 2]  # no chunk has both: any of them
    assert aksio.search("锁死") == []  # the same characters in another order are another word
    assert aksio.search("进程死锁") == []  # a word is its characters in a row


def test_chinese_next_to_latin_letters_or_digits_is_found(aksio: Aksio, os_course: str, docs: Docs) -> None:
    _import(aksio, docs.text("mixed.txt", "CPU调度算法决定下一个运行的进程。第3章介绍malloc分配内存。\n"))
    for query in ("调度", "CPU", "章", "malloc", "分配"):
        assert len(aksio.search(query)) == 1, query


QUERIES = [
    '"',
    '"unbalanced quote',
    'say "kernel',
    "kern*",
    "*",
    "NEAR(kernel trap)",
    "NEAR",
    "kernel - trap",
    "-kernel",
    "body:kernel",
    "scope:c0",
    ":",
    "(",
    ")",
    "(kernel",
    "kernel AND",
    "AND",
    "OR NOT",
    "kernel OR",
    "^kernel",
    "{body scope}: kernel",
    "kernel\x00trap",
    "\ue000",
    "'; DROP TABLE chunk; --",
    "🙂",
]


@pytest.mark.parametrize("query", QUERIES)
def test_no_character_of_a_query_is_search_syntax(aksio: Aksio, os_course: str, docs: Docs, query: str) -> None:
    _import(aksio, docs("lecture2.pdf", docmaker.outline_pdf))
    aksio.search(query)  # never raises
    words = re.findall(r"\w+", query.replace("\ue000", " "))
    if words:
        # operators are plain words: the query finds what its words (all of them, else any) find
        assert [h.chunk_id for h in aksio.search(query)] == [h.chunk_id for h in aksio.search(" ".join(words))]
    else:
        assert aksio.search(query) == []
    assert len(aksio.search("dingo")) == 1  # and nothing was harmed


def test_the_course_scope_column_is_not_searchable(aksio: Aksio, os_course: str, docs: Docs) -> None:
    from aksio.storage.search import scope_token

    _import(aksio, docs("lecture2.pdf", docmaker.outline_pdf))
    token = scope_token(aksio.course(COURSE).id)  # in every chunk of the course, in the index's scope column
    assert aksio.search(token) == []
    assert aksio.search(f"scope:{token}") == [] and aksio.search(f"{{scope}}: {token}") == []


def test_operator_words_are_searched_as_words(aksio: Aksio, os_course: str, docs: Docs) -> None:
    _import(aksio, docs.text("ops.md", "# Logic\n\nThe gate is NOT an AND gate.\n\n# Other\n\nkernel trap\n"))
    (hit,) = aksio.search("NOT AND")
    assert hit.section_title == "Logic"
    assert aksio.search("kernel NOT trap")[0].section_title == "Other"  # NOT is a word here, not an operator


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(min_size=1, max_size=40))
def test_any_text_is_a_valid_query(aksio: Aksio, os_course: str, docs: Docs, query: str) -> None:
    if not aksio.documents():
        _import(aksio, docs("lecture2.pdf", docmaker.outline_pdf))
    try:
        hits = aksio.search(query)
    except InvalidInput:
        assert not query.strip()
    else:
        assert all(1 <= h.page <= 7 for h in hits)


def test_search_is_scoped_to_a_course(aksio: Aksio, os_course: str, docs: Docs) -> None:
    _import(aksio, docs("lecture2.pdf", docmaker.outline_pdf))
    aksio.add_course("Networks")
    _import(aksio, docs("networks.md", docmaker.markdown), "Networks")
    assert {h.course_name for h in aksio.search("kernel")} == {COURSE}
    assert aksio.search("kernel", course="Networks") == []
    assert [h.document_title for h in aksio.search("congestion", course="networks")] == ["Networks"]
    assert aksio.search("congestion", course="CS162") == []
    with pytest.raises(NotFound, match="no course 'Biology'"):
        aksio.search("kernel", course="Biology")
    with pytest.raises(InvalidInput, match="nothing to search for"):
        aksio.search("   ")


def test_a_word_in_too_many_chunks_is_ranked_within_the_newest_ones(
    aksio: Aksio, os_course: str, docs: Docs, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aksio.storage import search

    for week in range(1, 5):
        _import(aksio, docs.text(f"week{week}.md", f"# Week {week}\n\nkernel notes for week {week}\n"))
    assert len(aksio.search("kernel")) == 4
    monkeypatch.setattr(search, "RANK_CAP", 2)
    assert sorted(h.document_title for h in aksio.search("kernel")) == ["Week 3", "Week 4"]
    assert [h.document_title for h in aksio.search("kernel week 1")] == ["Week 1"]  # a rarer word narrows it


def test_a_small_course_finds_its_hits_behind_a_big_one(aksio: Aksio, os_course: str, docs: Docs) -> None:
    parts = (f"# Part {i}\n\nkernel kernel kernel scheduling part {i}" for i in range(60))
    _import(aksio, docs.text("big.md", "\n\n".join(parts)))
    aksio.add_course("Small")
    aside = "# Aside\n\nA long aside that mentions the kernel only once among many other words here.\n"
    _import(aksio, docs.text("small.md", aside), "Small")
    assert all(h.course_name == COURSE for h in aksio.search("kernel", limit=10))  # the big course wins globally
    (hit,) = aksio.search("kernel", course="Small")
    assert hit.course_name == "Small" and hit.section_title == "Aside"
    assert len(aksio.search("kernel", course=COURSE, limit=10)) == 10


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


# -- folders, duplicates, blobs, deletion -----------------------------------------------------------


def test_a_folder_imports_recursively_and_skips_hidden_and_unsupported_files(
    aksio: Aksio, os_course: str, docs: Docs
) -> None:
    docs("week1/lecture2.pdf", docmaker.outline_pdf)
    docs("week1/notes.md", docmaker.markdown)
    docs.raw(".hidden.md", b"# hidden notes\n")
    docs.raw(".drafts/draft.md", b"# draft\n")
    docs.raw("photo.jpg", b"\xff\xd8\xff")
    report = aksio.import_paths([docs.folder], COURSE)
    assert sorted(Path(f.path).name for f in report.imported) == ["lecture2.pdf", "notes.md"]
    assert report.failed == [] and report.skipped == []


def test_the_same_file_is_skipped_in_its_course_and_reported(aksio: Aksio, os_course: str, docs: Docs) -> None:
    path = docs("lecture2.pdf", docmaker.outline_pdf)
    first = _import(aksio, path)
    copy = docs.raw("copy-of-lecture2.pdf", path.read_bytes())
    again = aksio.import_paths([path, copy], COURSE)
    assert again.imported == [] and again.failed == []
    assert [(Path(s.path).name, s.document_id) for s in again.skipped] == [
        ("lecture2.pdf", first),
        ("copy-of-lecture2.pdf", first),
    ]
    assert all(s.reason == f"already imported as {docmaker.OUTLINE_TITLE!r}" for s in again.skipped)
    assert len(aksio.documents(COURSE)) == 1
    assert len(aksio.search("gazelle")) == 1


def test_the_same_file_imports_into_another_course(aksio: Aksio, os_course: str, docs: Docs) -> None:
    path = docs("lecture2.pdf", docmaker.outline_pdf)
    first = _import(aksio, path)
    aksio.add_course("Systems Seminar")
    second = _import(aksio, path, "Systems Seminar")
    assert first != second
    assert sorted(h.course_name for h in aksio.search("gazelle")) == [COURSE, "Systems Seminar"]
    assert [h.document_id for h in aksio.search("gazelle", course="Systems Seminar")] == [second]


def test_the_original_is_kept_in_the_blob_store(aksio: Aksio, os_course: str, docs: Docs, home: Path) -> None:
    path = docs("lecture2.pdf", docmaker.outline_pdf)
    doc = aksio.document(_import(aksio, path))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (doc.sha256, doc.size, doc.filename) == (digest, path.stat().st_size, "lecture2.pdf")
    blob = home / "blobs" / digest[:2] / digest
    assert blob.read_bytes() == path.read_bytes()
    aksio.add_course("Other")
    _import(aksio, path, "Other")
    assert [p for p in (home / "blobs").rglob("*") if p.is_file()] == [blob]  # one copy per content


def test_deleting_a_document_removes_it_from_search(aksio: Aksio, os_course: str, docs: Docs) -> None:
    lecture = _import(aksio, docs("lecture2.pdf", docmaker.outline_pdf))
    notes = _import(aksio, docs("networks.md", docmaker.markdown))
    fts_before = aksio.db.query_one("SELECT count(*) FROM chunk_fts")[0]
    n_chunks = len(_chunks(aksio, lecture))
    assert aksio.search("gazelle") and aksio.search("kernel")
    deleted = aksio.delete_document(lecture[-8:])
    assert deleted.id == lecture
    assert aksio.search("gazelle") == [] and aksio.search("kernel") == []
    assert [h.document_id for h in aksio.search("congestion")] == [notes]
    assert aksio.db.query_one("SELECT count(*) FROM chunk_fts")[0] == fts_before - n_chunks
    assert [d.id for d in aksio.documents()] == [notes]
    with pytest.raises(NotFound):
        aksio.document(lecture)
    assert _import(aksio, docs("lecture2.pdf", docmaker.outline_pdf)) != lecture  # a deleted file imports again


def test_deleting_a_course_removes_its_documents_from_search(aksio: Aksio, os_course: str, docs: Docs) -> None:
    _import(aksio, docs("lecture2.pdf", docmaker.outline_pdf))
    course, n_docs = aksio.delete_course("CS162")
    assert (course.name, n_docs) == (COURSE, 1)
    assert aksio.search("gazelle") == []
    assert aksio.db.query_one("SELECT count(*) FROM chunk_fts")[0] == 0
