"""What reading a document may cost, checked before MuPDF reads it: an EPUB's archive, a PDF's pages.

An EPUB is a zip, and 4.5 MB of zip can expand to 1.5 GB (a "zip bomb"). Its central directory says how big each
entry is, and MuPDF inflates an entry into a buffer of exactly that size, failing on a stream that runs longer
(an entry declaring 5 KB that inflates to 4 MB is a zlib error, not 4 MB of text): so the declared sizes, read
here with ``zipfile`` from the same directory, bound what MuPDF reads, and they are capped before it opens the
file. A chapter is capped on its own because MuPDF lays a chapter out again for every page it draws: reading a
chapter takes time in proportion to the square of its size (2 MB: 5 s, 8 MB: over a minute).

A PDF page's drawing instructions are inflated by MuPDF as it reads the page, and its text costs ~70 bytes of
memory per byte of them: one page of 64 MB (a 230 KB file) took 4.4 GB. They are measured here first, inflated
piece by piece and never further than the cap, and a page over it is skipped with a warning. A form drawn many
times over is counted once a page: only a parse in a process of its own, with a memory limit, would bound that.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath
from typing import Any

from aksio.errors import ImportFailed

EPUB_MAX_ENTRIES = 10_000
EPUB_MAX_EXPANDED = 256 * 2**20  # all entries, inflated
EPUB_MAX_RATIO = 100  # inflated size / file size, once inflated past EPUB_RATIO_FLOOR
EPUB_RATIO_FLOOR = 16 * 2**20
EPUB_MAX_CHAPTER = 4 * 2**20  # one XHTML (or HTML, XML) entry, inflated
_CHAPTER_SUFFIXES = frozenset(("", ".xhtml", ".html", ".htm", ".xml"))

PDF_MAX_PAGES = 10_000
PDF_MAX_PAGE_CONTENT = 4 * 2**20  # a page's content streams and forms, inflated
PDF_MAX_CONTENT = 256 * 2**20  # the same, over all the pages read
_STEP = 2**20  # inflate this much at a time


def check_epub(path: str, data: bytes) -> None:
    """Refuse an EPUB whose archive is damaged or would expand past what a book needs."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except Exception as exc:  # BadZipFile mostly, but a damaged directory can raise struct.error, ValueError...
        why = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise ImportFailed(path, f"corrupt or truncated EPUB (not a readable zip: {why})") from None
    if len(entries) > EPUB_MAX_ENTRIES:
        raise ImportFailed(path, f"an EPUB of {len(entries):,} files (at most {EPUB_MAX_ENTRIES:,}): not a book")
    expanded = sum(entry.file_size for entry in entries)
    if expanded > EPUB_MAX_EXPANDED or (expanded > EPUB_RATIO_FLOOR and expanded > EPUB_MAX_RATIO * len(data)):
        raise ImportFailed(
            path,
            f"this EPUB would expand to {_size(expanded)} from {_size(len(data))} (at most {_size(EPUB_MAX_EXPANDED)}, "
            f"and {EPUB_MAX_RATIO} times its size): a zip bomb, not a book",
        )
    chapter = max(
        (e for e in entries if PurePosixPath(e.filename).suffix.lower() in _CHAPTER_SUFFIXES),
        key=lambda e: e.file_size,
        default=None,
    )
    if chapter is not None and chapter.file_size > EPUB_MAX_CHAPTER:
        raise ImportFailed(
            path,
            f"its chapter {chapter.filename!r} is {_size(chapter.file_size)} (at most {_size(EPUB_MAX_CHAPTER)}): "
            "too long to lay out in pages; split it into smaller chapters",
        )


def check_page_count(path: str, pages: int) -> None:
    if pages > PDF_MAX_PAGES:
        raise ImportFailed(path, f"{pages:,} pages (at most {PDF_MAX_PAGES:,}): split the document")


class PageBudget:
    """How much a PDF's pages may hold of drawing instructions (content streams and the forms they draw),
    inflated: PDF_MAX_PAGE_CONTENT on a page, PDF_MAX_CONTENT on all the pages read (MuPDF reads a stream
    again for each page that draws it: 10,000 pages can share one)."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.left = PDF_MAX_CONTENT

    def allows(self, page: Any) -> bool:
        """Whether ``page`` is within both budgets; if so it is counted. Once the document's is spent, no page
        with drawing instructions is."""
        xrefs = dict.fromkeys([*page.get_contents(), *(x[0] for x in self.doc.get_page_xobjects(page.number))])
        limit = min(PDF_MAX_PAGE_CONTENT, self.left)
        used = 0
        for xref in xrefs:
            used += _stream_size(self.doc, xref, limit - used + 1)
            if used > limit:
                if limit < PDF_MAX_PAGE_CONTENT:
                    self.left = 0
                return False
        self.left -= used
        return True


def _stream_size(doc: Any, xref: int, limit: int) -> int:
    """How big a stream is once decoded, counted no further than ``limit``. Flate (the filter of nearly every
    stream, and of every bomb) is inflated piece by piece; any other filter counts as the stream's raw size."""
    raw: bytes = doc.xref_stream_raw(xref) or b""
    kind, value = doc.xref_get_key(xref, "Filter")
    filters = value.strip("[]").split() if kind in ("name", "array") else []
    if not filters or any(f != "/FlateDecode" for f in filters):
        return len(raw)
    pieces: Iterable[bytes] = [raw]
    for _ in filters:
        pieces = _inflate(pieces)
    size = 0
    try:
        for piece in pieces:
            size += len(piece)
            if size >= limit:
                break
    except zlib.error:  # damaged: MuPDF reads what it can, at most what was inflated before the damage
        pass
    return max(size, len(raw))


def _inflate(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Inflate a zlib stream given in pieces (MuPDF also takes one without the zlib header), at most _STEP bytes
    of output at a time."""
    inflater = None
    for piece in pieces:
        if inflater is None:
            inflater = zlib.decompressobj(zlib.MAX_WBITS if _zlib_header(piece) else -zlib.MAX_WBITS)
        while piece and not inflater.eof:
            out = inflater.decompress(piece, _STEP)
            yield out
            if not out and inflater.unconsumed_tail == piece:
                return
            piece = inflater.unconsumed_tail


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _size(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 2**10:.0f} KB"
