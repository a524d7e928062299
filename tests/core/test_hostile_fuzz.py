"""Fuzzed PDF, EPUB, HTML, Markdown and CSV files through the facade: each is imported or refused with one line,
within a time cap; nothing else escapes, the database stays sound, and a refused file leaves no row and no blob.

Inputs are random bytes, valid documents made here with a few bytes changed, and text or markup built from the
pieces each format is made of. The examples are derandomized (the same on every run); set AKSIO_FUZZ_EXAMPLES
to explore more (and differently: random then) for as long as you like. Each crash this found is an @example.
"""

from __future__ import annotations

import functools
import io
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pymupdf
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aksio.clock import FixedClock
from aksio.errors import AksioError
from aksio.service import Aksio
from tests import docmaker
from tests.hang_guard import assert_nothing_left, time_cap

COURSE = "Fuzz"
TIME_CAP = 30  # seconds for one import: each takes well under a second
_EXAMPLES = int(os.environ.get("AKSIO_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=_EXAMPLES or 50,
    derandomize=not _EXAMPLES,
    deadline=timedelta(seconds=TIME_CAP),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@contextmanager
def fresh_home() -> Iterator[tuple[Aksio, Path]]:
    """A new data dir and facade for one example (a fixture would be shared by all of them)."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        aksio = Aksio.open(home, FixedClock(datetime(2026, 1, 5, 9, tzinfo=UTC)), tz=UTC)
        try:
            aksio.add_course(COURSE)
            yield aksio, home
        finally:
            aksio.close()


def check_import(name: str, data: bytes) -> None:
    """Import ``data`` as a file called ``name``: imported, or refused in one line leaving nothing behind."""
    with fresh_home() as (aksio, home):
        path = home.parent / "in" / name
        path.parent.mkdir()
        path.write_bytes(data)
        try:
            with time_cap(TIME_CAP):
                report = aksio.import_paths([path], COURSE)
        except AksioError as exc:  # the whole command refused: one line
            assert "\n" not in str(exc)
            assert_nothing_left(aksio, home)
            return
        assert report.skipped == []
        if report.failed:
            (failed,) = report.failed
            assert report.imported == [] and failed.reason and "\n" not in failed.reason, report
            assert_nothing_left(aksio, home)
            return
        (imported,) = report.imported
        assert imported.page_count >= 1 and imported.chunk_count >= 1
        assert aksio.db.query("PRAGMA integrity_check")[0][0] == "ok"
        assert aksio.document(imported.document_id).page_count == imported.page_count


@functools.cache
def seed(maker: Callable[[Path], Path], name: str) -> bytes:
    """The bytes of a document made by ``maker``."""
    with tempfile.TemporaryDirectory() as tmp:
        return maker(Path(tmp) / name).read_bytes()


def plain_pdf() -> bytes:
    """The outline PDF with every stream uncompressed, so changed bytes land in its drawing instructions too."""
    with pymupdf.open(stream=seed(docmaker.outline_pdf, "seed.pdf"), filetype="pdf") as doc:
        return bytes(doc.tobytes(expand=255, garbage=0))


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with a few bytes set, inserted, deleted or repeated, or cut short."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(out)))
        match draw(st.sampled_from(("set", "insert", "delete", "repeat", "cut"))):
            case "set" if out:
                out[min(at, len(out) - 1)] = draw(st.integers(0, 255))
            case "insert":
                out[at:at] = draw(st.binary(min_size=1, max_size=16))
            case "delete":
                del out[at : at + draw(st.integers(1, 64))]
            case "repeat":
                out[at:at] = out[at : at + draw(st.integers(1, 32))] * draw(st.integers(1, 64))
            case "cut":
                del out[at:]
    return bytes(out)


def pieces(*parts: str, max_size: int = 80) -> st.SearchStrategy[str]:
    """Text made of ``parts`` and any characters."""
    return st.lists(st.one_of(st.sampled_from(parts), st.text(max_size=8)), max_size=max_size).map("".join)


MARKDOWN = pieces(
    "# ", "## ", "\n", "\n\n", "```", "~~~", "    ", "> ", "- ", "1. ", "* ", "[", "](", ")", "<div>", "\f", "===",
    "---", "`", "*", "_", "\\", "&amp;", "<!--", "-->", "|", "\r\n", "\t", "\u0301", "进程", "😀",
)  # fmt: skip
HTML = pieces(
    "<p>", "</p>", "<h1>", "</h1>", "<h3>", "<div>", "</div>", "<br>", "<pre>", "</pre>", "<script>", "</script>",
    "<style>", "<title>", "</title>", "<head>", "<body>", "<svg>", "</svg>", "<!--", "-->", "<![CDATA[", "]]>",
    "<a href='>'>", "<", ">", "&", "&#x1F600;", "&#99999999;", "=\"", "'", "<!DOCTYPE html>", "<?xml ?>", "\n",
)  # fmt: skip
CSV = pieces(",", '"', '""', "\n", "\r\n", "\t", ";", "front,back", "{{c1::", "}}", " ", "\x00", "\ufeff")


def bytes_of(text: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        text.map(lambda t: t.encode("utf-8", "surrogatepass")),
        text.map(lambda t: t.encode("utf-16")),
        st.binary(max_size=512),
    )


def epub_with(entry: str, data: bytes) -> bytes:
    """The seed EPUB with one entry's bytes replaced."""
    base = zipfile.ZipFile(io.BytesIO(seed(docmaker.epub, "seed.epub")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in base.infolist():
            z.writestr(info, data if info.filename == entry else base.read(info))
    return out.getvalue()


@st.composite
def epubs(draw: st.DrawFn) -> bytes:
    """An EPUB changed in one of its entries (chapter, package, container or navigation), or as bytes."""
    how = draw(st.sampled_from(("chapter", "entry", "bytes")))
    if how == "bytes":
        return draw(mutated(seed(docmaker.epub, "seed.epub")))
    if how == "chapter":
        return epub_with("OEBPS/ch1.xhtml", draw(HTML).encode("utf-8", "surrogatepass"))
    name = draw(st.sampled_from(("OEBPS/content.opf", "META-INF/container.xml", "OEBPS/nav.xhtml", "OEBPS/toc.ncx")))
    base = zipfile.ZipFile(io.BytesIO(seed(docmaker.epub, "seed.epub")))
    return epub_with(name, draw(mutated(base.read(name))))


# the base-14 font's widths are looked up to the highest character drawn: a character past U+FFFF cost seconds
PDF_TEXT = st.text(st.characters(max_codepoint=0x52F), max_size=60)


@st.composite
def made_pdfs(draw: st.DrawFn) -> bytes:
    """A PDF made of drawn text in any size and place, with an outline of any levels, titles and pages."""
    doc = pymupdf.open()
    for _ in range(draw(st.integers(1, 3))):
        page = doc.new_page()
        for _ in range(draw(st.integers(0, 6))):
            point = (draw(st.floats(-50, 700)), draw(st.floats(-50, 900)))
            page.insert_text(point, draw(PDF_TEXT), fontsize=draw(st.floats(0.5, 80)))
    toc: list[list[object]] = []
    for level in draw(st.lists(st.integers(1, 6), max_size=12)):  # each at most one deeper than the one before
        level = min(level, int(toc[-1][0]) + 1 if toc else 1)  # type: ignore[call-overload]
        toc.append([level, draw(st.text(max_size=30)), draw(st.sampled_from([-1, *range(1, doc.page_count + 1)]))])
    doc.set_toc(toc)
    doc.set_metadata({"title": draw(st.text(max_size=30)), "author": draw(st.text(max_size=10))})
    return bytes(doc.tobytes())


@FUZZ
@given(data=st.one_of(made_pdfs(), mutated(plain_pdf()), mutated(seed(docmaker.font_headings_pdf, "seed.pdf"))))
def test_fuzzed_pdfs_import_or_fail_in_one_line(data: bytes) -> None:
    check_import("fuzzed.pdf", data)


def bad_utf8_in(entry: str) -> bytes:
    """The seed EPUB with a byte that is not UTF-8 in the book's title or its chapters' titles, in ``entry``."""
    base = zipfile.ZipFile(io.BytesIO(seed(docmaker.epub, "seed.epub")))
    text = base.read(entry).replace(b"Storage Systems", b"Storage \xff Systems").replace(b"Journal", b"Jour\xffnal")
    return epub_with(entry, text)


@FUZZ
@given(data=epubs())
# MuPDF hands on a title's bytes that are not UTF-8 as surrogates, which SQLite refused: a traceback
@example(data=bad_utf8_in("OEBPS/content.opf"))
@example(data=bad_utf8_in("OEBPS/toc.ncx"))
def test_fuzzed_epubs_import_or_fail_in_one_line(data: bytes) -> None:
    check_import("fuzzed.epub", data)


@FUZZ
@given(data=st.one_of(bytes_of(HTML), mutated(docmaker.HTML.encode())))
def test_fuzzed_html_imports_or_fails_in_one_line(data: bytes) -> None:
    check_import("fuzzed.html", data)


@FUZZ
@given(data=st.one_of(bytes_of(MARKDOWN), mutated(docmaker.MARKDOWN.encode())))
def test_fuzzed_markdown_imports_or_fails_in_one_line(data: bytes) -> None:
    check_import("fuzzed.md", data)


@FUZZ
@given(data=st.one_of(bytes_of(CSV), mutated(b"front,back,tags\nWhat is a TLB?,A cache of page-table entries,os\n")))
def test_fuzzed_card_tables_import_or_fail_in_one_line(data: bytes) -> None:
    with fresh_home() as (aksio, home):
        path = home.parent / "cards.csv"
        path.write_bytes(data)
        try:
            with time_cap(TIME_CAP):
                report = aksio.import_cards(path, COURSE)
        except AksioError as exc:
            assert "\n" not in str(exc)
            assert aksio.db.query("SELECT count(*) FROM note")[0][0] == 0  # all or nothing
        else:
            assert report.notes >= 1 and report.cards >= report.notes
        assert aksio.db.query("PRAGMA integrity_check")[0][0] == "ok"
