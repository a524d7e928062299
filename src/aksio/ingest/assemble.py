"""Turn blocks and section starts into nested sections and page-exact chunks (shared by every format)."""

from __future__ import annotations

from collections.abc import Sequence

from aksio.ingest.parsed import Block, ParsedChunk, ParsedSection, SectionStart


def assemble(
    starts: Sequence[SectionStart], blocks: Sequence[Block], chunk_chars: int, separator: str = "\n"
) -> tuple[list[ParsedSection], list[ParsedChunk]]:
    """Nest ``starts`` by level and cut ``blocks`` into chunks that never cross a page or a section.

    ``starts`` and ``blocks`` are in reading order. A block belongs to the last section that starts
    at or before its position; text before the first section belongs to no section. A chunk's blocks
    are joined by ``separator`` (see ``block_separator``).
    """
    sections: list[ParsedSection] = []
    stack: list[int] = []  # indexes of open ancestors
    for start in starts:
        while stack and sections[stack[-1]].level >= start.level:
            stack.pop()
        sections.append(
            ParsedSection(
                title=start.title,
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

    for block in blocks:
        while next_start < len(starts) and (starts[next_start].page, starts[next_start].y) <= (
            block.page,
            block.y,
        ):
            flush()
            current = next_start
            next_start += 1
        text = block.text.strip()
        if not text:
            continue
        if block.page != buf_page or buf_len + len(text) > chunk_chars:
            flush()
            buf_page = block.page
        for piece in _split_long(text, chunk_chars):
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
        section.page_end = max(section.page_end, page)
        index = section.parent


def _split_long(text: str, limit: int) -> list[str]:
    """Split a block longer than ``limit`` at sentence or word boundaries."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind(". ", 0, limit), text.rfind("。", 0, limit), text.rfind("\n", 0, limit))
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit - 1
        pieces.append(text[: cut + 1].strip())
        text = text[cut + 1 :].strip()
    if text:
        pieces.append(text)
    return pieces
