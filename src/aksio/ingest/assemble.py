"""Turn blocks and section starts into nested sections and page-exact chunks (shared by every format)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from aksio.ingest.parsed import Block, ParsedChunk, ParsedSection, SectionStart, short_title


def assemble(
    starts: Sequence[SectionStart], blocks: Sequence[Block], chunk_chars: int, separator: str = "\n"
) -> tuple[list[ParsedSection], list[ParsedChunk]]:
    """Nest ``starts`` by level and cut ``blocks`` into chunks that never cross a page or a section.

    ``blocks`` are in reading order; ``starts`` in the order of the sections (a PDF outline may go back a page),
    which also gives their nesting. A block belongs to the last section that starts at or before its position (of
    those starting at one place, the last); text before the first section belongs to no section. A chunk's blocks
    are joined by ``separator`` (see ``block_separator``).
    """
    sections: list[ParsedSection] = []
    stack: list[int] = []  # indexes of open ancestors
    for start in starts:
        while stack and sections[stack[-1]].level >= start.level:
            stack.pop()
        sections.append(
            ParsedSection(
                title=short_title(start.title),
                level=start.level,
                page_start=start.page,
                page_end=start.page,
                parent=stack[-1] if stack else None,
            )
        )
        _extend(sections, sections[-1].parent, start.page)
        stack.append(len(sections) - 1)

    chunks: list[ParsedChunk] = []
    current: int | None = None
    next_start = 0
    buf: list[str] = []
    buf_len = 0
    buf_page = -1

    def flush() -> None:
        nonlocal buf, buf_len
        if buf:
            chunks.append(ParsedChunk(page=buf_page, section=current, text=separator.join(buf)))
        buf = []
        buf_len = 0

    places = sorted((start.page, start.y, i) for i, start in enumerate(starts))  # at one place, in their order
    for block in blocks:
        while next_start < len(places) and places[next_start][:2] <= (block.page, block.y):
            flush()
            current = places[next_start][2]
            next_start += 1
        text = block.text.strip()
        if not text:
            continue
        if block.page != buf_page or buf_len + len(text) > chunk_chars:
            flush()
            buf_page = block.page
        for piece in split_long(text, chunk_chars):
            if buf_len and buf_len + len(piece) > chunk_chars:
                flush()
            buf.append(piece)
            buf_len += len(piece) + len(separator)
        if current is not None:
            _extend(sections, current, block.page)
    flush()
    return sections, chunks


def _extend(sections: list[ParsedSection], index: int | None, page: int) -> None:
    """A section (and every ancestor) ends at least on the page of its last text."""
    while index is not None:
        section = sections[index]
        if section.page_end >= page:
            return  # so do its ancestors: they were extended with it (an outline 10k levels deep stays linear)
        section.page_end = page
        index = section.parent


def split_long(text: str, limit: int) -> list[str]:
    """Split a block longer than ``limit`` into stripped pieces of at most ``limit`` characters, at a sentence end
    or a line break, else at a space, else anywhere but inside a character's combining sequence.

    Each cut costs the length of its piece: the rest of the text is never copied (copying it at every cut made a
    16 MB line take minutes).
    """
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    pos, end = 0, len(text)
    while end - pos > limit:
        stop = pos + limit  # the piece is text[pos : cut + 1], so cut < stop
        cut = max(text.rfind(". ", pos, stop), text.rfind("。", pos, stop), text.rfind("\n", pos, stop))
        if cut < pos + limit // 2:
            cut = text.rfind(" ", pos, stop)
        if cut < pos + limit // 2:
            cut = _hard_cut(text, pos, stop)
        piece = text[pos : cut + 1].strip()
        if piece:
            pieces.append(piece)
        skipped = _SPACE.match(text, cut + 1)  # the spaces between two pieces
        pos = skipped.end() if skipped else cut + 1
    if pos < end:
        pieces.append(text[pos:].strip())
    return pieces


_SPACE = re.compile(r"\s+")
_BINDING = frozenset(("Mn", "Mc", "Me", "Cs"))  # marks, and a surrogate (half of a pair read from a bad file)
_JOINER = "\u200d"
_MAX_BACKOFF = 32  # a "character" longer than this (stacked diacritics) is not one a reader sees


def _hard_cut(text: str, pos: int, stop: int) -> int:
    """The last index of a piece of ``text[pos:stop]`` that has no space to cut at: moved back so that the next
    piece does not begin with a combining mark, a skin tone or half a surrogate pair, nor follow a joiner."""
    cut = stop - 1
    floor = max(pos, cut - _MAX_BACKOFF)
    while cut > floor and _inside_character(text, cut):
        cut -= 1
    return stop - 1 if _inside_character(text, cut) else cut


def _inside_character(text: str, cut: int) -> bool:
    """Whether cutting after ``text[cut]`` splits what a reader sees as one character."""
    after = text[cut + 1]
    return (
        unicodedata.category(after) in _BINDING
        or text[cut] == _JOINER
        or after == _JOINER
        or "\U0001f3fb" <= after <= "\U0001f3ff"  # skin tone modifiers
    )
