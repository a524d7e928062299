"""What a parser produces, before it is stored: format-independent."""

from __future__ import annotations

import re
from collections.abc import Callable

from msgspec import field

from aksio.records import Record

# Called as pages are read: (pages done, page count).
PageCallback = Callable[[int, int], None]


def block_separator(kind: str) -> str:
    """What stands between two blocks of a page of a ``kind`` of document, in its chunks and between them."""
    # a Markdown page is stored as its source, and its blocks are a blank line apart there: without it, drawn as
    # Markdown, a paragraph runs into the heading or list before it
    return "\n\n" if kind == "markdown" else "\n"


MAX_TITLE_CHARS = 200


def short_title(text: str) -> str:
    """A document's or section's title, whitespace collapsed and cut (at a space, with "…") to MAX_TITLE_CHARS:
    a heading can be a whole line of a hostile file, and a title is shown in every list and search hit."""
    title = " ".join(text[: MAX_TITLE_CHARS * 4].split())
    if len(title) <= MAX_TITLE_CHARS:
        return title
    cut = title.rfind(" ", MAX_TITLE_CHARS // 2, MAX_TITLE_CHARS)
    return title[: cut if cut > 0 else MAX_TITLE_CHARS - 1] + "…"


class Block(Record):
    """A run of text on one page, in reading order. ``heading`` is its level (1 = top) if it is a heading."""

    page: int
    text: str
    y: float = 0.0
    heading: int | None = None


class SectionStart(Record):
    """A section begins at ``(page, y)``; from a PDF outline or from a heading block."""

    level: int
    title: str
    page: int
    y: float = 0.0


class ParsedSection(Record):
    title: str
    level: int
    page_start: int
    page_end: int
    parent: int | None  # index into ParsedDocument.sections


class ParsedChunk(Record):
    page: int
    section: int | None  # index into ParsedDocument.sections
    text: str


class ParsedDocument(Record):
    title: str
    kind: str  # pdf | epub | markdown | text | html
    mime: str
    page_count: int
    sections: list[ParsedSection] = field(default_factory=list)
    chunks: list[ParsedChunk] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)

    def scrub(self) -> None:
        """Replace every surrogate code point with U+FFFD: MuPDF hands on the bytes of an EPUB's title that are not
        UTF-8 as surrogates (and a file name can hold them), and SQLite cannot store them as text."""
        self.title = _unpaired(self.title)
        self.metadata = {_unpaired(k): _unpaired(v) for k, v in self.metadata.items()}
        for section in self.sections:
            section.title = _unpaired(section.title)
        for chunk in self.chunks:
            chunk.text = _unpaired(chunk.text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unpaired(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text
