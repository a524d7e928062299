"""PDF and EPUB through PyMuPDF: sections from the outline, else from heading font sizes."""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from aksio.errors import ImportFailed
from aksio.ingest import limits
from aksio.ingest.assemble import assemble
from aksio.ingest.parsed import Block, PageCallback, ParsedDocument, SectionStart, short_title

_MAX_HEADING_CHARS = 120
_HEADING_RATIO = 1.15


def parse_paged(
    path: Path, data: bytes, kind: str, mime: str, chunk_chars: int, on_page: PageCallback | None = None
) -> ParsedDocument:
    """Parse a PDF or EPUB; ``on_page(done, total)`` is called as pages are read."""
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)  # type: ignore[no-untyped-call]
    pymupdf.TOOLS.mupdf_display_warnings(False)  # type: ignore[no-untyped-call]
    if kind == "epub":
        limits.check_epub(str(path), data)
    try:
        doc = pymupdf.open(stream=data, filetype=kind)  # type: ignore[no-untyped-call]
    except Exception as exc:  # pymupdf raises several types for damaged files
        raise ImportFailed(str(path), f"corrupt or truncated {kind.upper()} ({_short(exc)})") from None
    with doc:
        skipped: list[int] = []  # pages too big to read
        try:
            if doc.needs_pass:
                raise ImportFailed(
                    str(path), "password-protected PDF: remove the password (e.g. qpdf --decrypt) and retry"
                )
            if doc.page_count == 0:
                raise ImportFailed(str(path), f"corrupt or truncated {kind.upper()}: no pages could be read")
            limits.check_page_count(str(path), doc.page_count)
            if kind == "pdf" and doc.is_repaired and _damaged(data):
                raise ImportFailed(str(path), "corrupt or truncated PDF: the file ends early; download it again")
            toc = doc.get_toc(simple=True)
            pages = _pages(doc, kind, on_page, skipped)
            if toc:
                blocks = _blocks(pages)
                starts = _starts_from_toc(toc, blocks, doc.page_count)
            else:
                blocks, starts = _blocks_with_headings(pages)
        except ImportFailed:
            raise
        except Exception as exc:  # MuPDF reads a damaged file lazily: the damage can surface at any call
            raise ImportFailed(str(path), f"corrupt {kind.upper()}: a page cannot be read ({_short(exc)})") from None
        if not any(b.text.strip() for b in blocks):
            raise ImportFailed(
                str(path),
                _too_big(skipped)
                if skipped
                else "no text layer (a scanned document?): run OCR first, e.g. `ocrmypdf in.pdf out.pdf`",
            )
        meta = {k: v for k, v in (doc.metadata or {}).items() if isinstance(v, str) and v}
        title = short_title(meta.get("title", "")) or path.stem
        sections, chunks = assemble(starts, blocks, chunk_chars)
        return ParsedDocument(
            title=title,
            kind=kind,
            mime=mime,
            page_count=doc.page_count,
            sections=sections,
            chunks=chunks,
            warnings=[_too_big(skipped)] if skipped else [],
            metadata={k: meta[k] for k in ("author", "subject", "keywords", "creationDate") if k in meta},
        )


def _damaged(data: bytes) -> bool:
    """A complete PDF ends with %%EOF (give or take trailing whitespace or an incremental update)."""
    return b"%%EOF" not in data[-2048:]


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


def _pages(doc: Any, kind: str, on_page: PageCallback | None, skipped: list[int]) -> Iterator[tuple[int, Any]]:
    """(number, page) of each page to read, reporting progress; a PDF page too big to read is left out, and its
    number added to ``skipped``."""
    budget = limits.PageBudget(doc)
    for number, page in enumerate(doc, start=1):
        if kind == "pdf" and not budget.allows(page):
            skipped.append(number)
        else:
            yield number, page
        if on_page and number % 10 == 0:
            on_page(number, doc.page_count)


def _too_big(skipped: list[int]) -> str:
    shown = ", ".join(map(str, skipped[:5])) + (", …" if len(skipped) > 5 else "")
    return (
        f"page{'s' if len(skipped) > 1 else ''} {shown} not read: too many drawing instructions (over "
        f"{limits.PDF_MAX_PAGE_CONTENT // 2**20} MB on a page, {limits.PDF_MAX_CONTENT // 2**20} MB in all)"
    )


def _blocks(pages: Iterable[tuple[int, Any]]) -> list[Block]:
    import pymupdf

    flags = pymupdf.TEXT_DEHYPHENATE | pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
    out: list[Block] = []
    for number, page in pages:
        found = [
            (y0, text) for _x0, y0, _x1, _y1, text, _no, btype in page.get_text("blocks", flags=flags) if btype == 0
        ]
        if any(_LONE_NUMBER.search(text) for _, text in found):  # a listing's line numbers, perhaps: see _rows
            rows = ((block["bbox"][1], _rows(block)) for block in page.get_text("dict", flags=flags)["blocks"])
            found = [(y0, "\n".join(row.text for row in block_rows)) for y0, block_rows in rows]
        out.extend(Block(page=number, text=_clean(text), y=y0) for y0, text in found if text.strip())
    return out


# a line that is only a number, with more lines after it in its block
_LONE_NUMBER = re.compile(r"(?m)^[ \t]*\d{1,5}[ \t]*\n[ \t]*\S")


class _Row(NamedTuple):
    y: float  # top
    size: float  # the largest font's
    bold: bool
    text: str


def _rows(block: dict[str, Any]) -> list[_Row]:
    """The lines of a block of ``get_text("dict")`` as printed: MuPDF cuts a line at a wide gap into lines of one
    baseline (a code listing's line number and its code), shown one above the other unless joined again here."""
    rows: list[tuple[float, float, bool, list[str]]] = []  # the pieces of a row joined at the end: a hostile
    last: tuple[float, float] | None = None  # page's thousands of pieces on one baseline would copy it each time
    for line in block.get("lines", ()):
        spans = [s for s in line["spans"] if s["text"].strip()]
        if not spans:
            continue
        text = "".join(s["text"] for s in line["spans"])
        size, bold, base = max(s["size"] for s in spans), all(s["flags"] & 16 for s in spans), spans[0]["origin"][1]
        if rows and last and abs(base - last[0]) < 1 and line["bbox"][0] >= last[1] - 1:
            y, size_before, bold_before, pieces = rows[-1]
            rows[-1] = (y, max(size_before, size), bold_before and bold, pieces)
            pieces.append(text)
        else:
            rows.append((line["bbox"][1], size, bold, [text]))
        last = (base, line["bbox"][2])
    return [_Row(y, size, bold, " ".join(pieces)) for y, size, bold, pieces in rows]


def _starts_from_toc(toc: list[list[Any]], blocks: list[Block], page_count: int) -> list[SectionStart]:
    """Outline entries become sections, in the outline's order and at its levels.

    Each starts at the first block of its page below the previous entry that bears its title (with or without
    its number: "1 Introduction" finds a printed "Introduction"). A title printed some other way keeps its place
    right after the previous entry: put at the top of its page, it was sorted before its parent ("1.1" before
    "1 Introduction") or nested under the section before ("2.1" under "1")."""
    starts: list[SectionStart] = []
    min_level = min(int(entry[0]) for entry in toc)
    find = _TitleFinder(blocks)
    after = (0, -1.0, -1)  # (page, y, block order) of the previous entry
    for level, title, page, *_ in toc:
        title = " ".join(str(title).split())
        if not title:
            continue
        page = min(max(int(page), 1), page_count)  # outlines sometimes point nowhere (-1) or past the end
        floor = after[1:] if after[0] == page else (-1.0, -1)
        y, order = find(page, title, floor)
        if order < 0:  # not printed as in the outline: just below the previous entry, whose block stays its own
            y = max(floor[0] + _UNFOUND_STEP, 0.0)
        starts.append(SectionStart(level=int(level) - min_level + 1, title=title, page=page, y=y))
        after = (page, y, max(order, floor[1]))
    return starts


_TITLE_KEY = 40  # normalized characters of a title that a block must begin with
_UNFOUND_STEP = 0.01  # how far below the previous entry a title not found on its page starts
# a title's number, which an outline and the page often write differently: "1.2", "Chapter 3:", "IV.", "第二章"
_NUMBERING = re.compile(
    r"^\s*(?:(?:(?:chapter|section|part|lecture|unit|appendix)\s+)?(?:\d+(?:\.\d+)*\.?|[ivxlc]+\.)[:)]?\s+"
    r"|第[\d一二三四五六七八九十百零]+[章节讲部课]\s*)",
    re.IGNORECASE,
)


class _TitleFinder:
    """Where on a page a title is printed: the topmost block below a given place whose normalized text begins
    with the title's key, first as written, then both without their numbers.

    Each page's block beginnings are sorted once and searched by bisection, and each (page, key)'s matches are
    listed once: comparing every outline entry with every block of its page took 12 s for 3000 entries on one
    page."""

    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = blocks
        self.heads = self._index(lambda text: text)
        self.bare_heads: dict[int, list[tuple[str, int, float]]] | None = None  # made when first needed
        self.found: dict[tuple[bool, int, str], list[tuple[float, int]]] = {}

    def _index(self, strip: Callable[[str], str]) -> dict[int, list[tuple[str, int, float]]]:
        """page -> (key of a block's text, its order, its y), sorted."""
        heads: dict[int, list[tuple[str, int, float]]] = {}
        for order, block in enumerate(self.blocks):
            head = _norm(strip(block.text[: _TITLE_KEY * 10]))[:_TITLE_KEY]
            heads.setdefault(block.page, []).append((head, order, block.y))
        for page_heads in heads.values():
            page_heads.sort()
        return heads

    def __call__(self, page: int, title: str, below: tuple[float, int]) -> tuple[float, int]:
        """(y, order) of the title's block on ``page`` after ``below`` (a (y, order)), or (0.0, -1)."""
        found = self._lookup(False, page, _norm(title)[:_TITLE_KEY], below)
        if found is None:  # numbered in the outline and not on the page, or the other way round
            found = self._lookup(True, page, _norm(_NUMBERING.sub("", title, count=1))[:_TITLE_KEY], below)
        return found or (0.0, -1)

    def _lookup(self, bare: bool, page: int, key: str, below: tuple[float, int]) -> tuple[float, int] | None:
        if not key:
            return None
        if (bare, page, key) not in self.found:
            if bare and self.bare_heads is None:
                self.bare_heads = self._index(lambda text: _NUMBERING.sub("", text, count=1))
            heads = (self.bare_heads if bare and self.bare_heads is not None else self.heads).get(page, [])
            first = bisect.bisect_left(heads, (key,))
            after = (heads[i] for i in range(first, len(heads)))  # not islice: it would step over the first ones
            heading = itertools.takewhile(lambda h: h[0].startswith(key), after)
            self.found[bare, page, key] = sorted((y, order) for _, order, y in heading)
        matches = self.found[bare, page, key]
        index = bisect.bisect_right(matches, below)
        return matches[index] if index < len(matches) else None


def _blocks_with_headings(pages: Iterable[tuple[int, Any]]) -> tuple[list[Block], list[SectionStart]]:
    """No outline: find headings by font size relative to the body text."""
    import pymupdf

    flags = pymupdf.TEXT_DEHYPHENATE | pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
    lines: list[tuple[int, float, float, bool, str]] = []  # page, y, size, bold, text
    sizes: Counter[float] = Counter()
    for number, page in pages:
        for block in page.get_text("dict", flags=flags)["blocks"]:
            for row in _rows(block):
                size = round(row.size, 1)
                sizes[size] += len(row.text)
                lines.append((number, row.y, size, row.bold, row.text))
    if not sizes:
        return [], []
    body = sizes.most_common(1)[0][0]
    heading_sizes = sorted(
        {size for _, _, size, _, text in lines if size >= body * _HEADING_RATIO and len(text) <= _MAX_HEADING_CHARS},
        reverse=True,
    )[:4]
    level_of = {size: i + 1 for i, size in enumerate(heading_sizes)}

    blocks: list[Block] = []
    starts: list[SectionStart] = []
    para: list[str] = []
    para_page, para_y, last_y = 0, 0.0, 0.0
    prev_heading = False

    def flush() -> None:
        nonlocal para
        if para:
            blocks.append(Block(page=para_page, text=_clean("\n".join(para)), y=para_y))
        para = []

    for page, y, size, _bold, text in lines:
        level = level_of.get(size)
        if level is not None and len(text.strip()) <= _MAX_HEADING_CHARS and re.search(r"\w", text):
            flush()
            title = " ".join(text.split())
            # a heading wrapped over two lines of the same size continues the previous one (up to a few lines:
            # a page of a thousand lines at a heading's size would grow one title a line at a time, copying it)
            wrapped = prev_heading and starts[-1].page == page and starts[-1].level == level
            wrapped = wrapped and len(starts[-1].title) < 4 * _MAX_HEADING_CHARS
            if wrapped and 0 < y - last_y < size * 1.6:
                starts[-1].title += " " + title
                blocks[-1].text += " " + title
            else:
                starts.append(SectionStart(level=level, title=title, page=page, y=y))
                blocks.append(Block(page=page, text=title, y=y, heading=level))
            last_y = y
            prev_heading = True
            continue
        prev_heading = False
        if para and (page != para_page or y - last_y > size * 1.9):
            flush()
        if not para:
            para_page, para_y = page, y
        para.append(text)
        last_y = y
    flush()
    return blocks, starts


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _norm(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())
