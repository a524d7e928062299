"""What a parser produces, before it is stored: format-independent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# Called as pages are read: (pages done, page count).
PageCallback = Callable[[int, int], None]


@dataclass(slots=True)
class Block:
    """A run of text on one page, in reading order. ``heading`` is its level (1 = top) if it is a heading."""

    page: int
    text: str
    y: float = 0.0
    heading: int | None = None


@dataclass(slots=True)
class SectionStart:
    """A section begins at ``(page, y)``; from a PDF outline or from a heading block."""

    level: int
    title: str
    page: int
    y: float = 0.0


@dataclass(slots=True)
class ParsedSection:
    title: str
    level: int
    page_start: int
    page_end: int
    parent: int | None  # index into ParsedDocument.sections


@dataclass(slots=True)
class ParsedChunk:
    page: int
    section: int | None  # index into ParsedDocument.sections
    text: str


@dataclass(slots=True)
class ParsedDocument:
    title: str
    kind: str  # pdf | epub | markdown | text | html
    mime: str
    page_count: int
    sections: list[ParsedSection] = field(default_factory=list)
    chunks: list[ParsedChunk] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
