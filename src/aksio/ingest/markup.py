"""Markdown, HTML and plain text: sections from headings, pages cut at form feeds or every few thousand characters.

These formats have no pages of their own. A citation still needs a page, so the text is cut into
virtual pages of about ``PAGE_CHARS`` characters at paragraph boundaries, and the page number means the
same thing on every device. Form feeds count as on a printer: each one ends its page, so two in a row
leave an empty page between, and only a final one (with nothing but blank text after it) starts no page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from aksio.errors import ImportFailed
from aksio.ingest.assemble import assemble, split_long
from aksio.ingest.parsed import Block, ParsedDocument, SectionStart, block_separator, short_title

PAGE_CHARS = 3000
# markdown-it costs up to ~50 microseconds and ~2 KB of memory per line (249k one-line list items: 8 s, 480 MB),
# so a Markdown file of more lines than this is refused; as plain text it has no such limit
MAX_MARKDOWN_LINES = 250_000


def parse_markdown(path: Path, text: str, mime: str, chunk_chars: int) -> ParsedDocument:
    from markdown_it import MarkdownIt

    # line numbers must be markdown-it's: str.splitlines() also breaks at \f, \v, \x85, \u2028...
    text = re.sub(r"\r\n?", "\n", text)
    n_lines = text.count("\n") + 1
    if n_lines > MAX_MARKDOWN_LINES:
        raise ImportFailed(
            str(path),
            f"too many lines for Markdown ({n_lines:,}, at most {MAX_MARKDOWN_LINES:,}): "
            "split it, or rename it .txt to import it as plain text",
        )
    lines = text.split("\n")
    # only the block structure is wanted (where headings are): inline parsing made a token per line break and
    # emphasis mark, 300 bytes of memory per byte of a page of short lines
    tokens = MarkdownIt("commonmark").disable("inline").parse(text)
    headings: dict[int, tuple[int, int, str]] = {}  # first line -> (level, last line, title)
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            inline = tokens[i + 1]
            title = _strip_inline_markup(inline.content)
            headings[token.map[0]] = (int(token.tag[1]), token.map[1], title)
    items: list[tuple[str, int | None]] = []  # (text, heading level)
    para: list[str] = []
    n = 0
    while n < len(lines):
        if n in headings:
            _flush_para(items, para)
            level, end, title = headings[n]
            items.append((title, level))
            items.extend(("\f", None) for _ in range(sum(line.count("\f") for line in lines[n:end])))
            n = end
            continue
        line = lines[n]
        for k, piece in enumerate(line.split("\f")):
            if k:  # a form feed starts a new page, even in the middle of a line
                _flush_para(items, para)
                items.append(("\f", None))
            if piece.strip():
                para.append(piece)
        if not line.strip():
            _flush_para(items, para)
        n += 1
    _flush_para(items, para)
    return _build(path, items, "markdown", mime, chunk_chars)


def parse_text(path: Path, text: str, mime: str, chunk_chars: int) -> ParsedDocument:
    items: list[tuple[str, int | None]] = []
    for page_no, page in enumerate(text.split("\f")):
        if page_no:
            items.append(("\f", None))
        items.extend((p, None) for p in re.split(r"\n\s*\n", page) if p.strip())
    return _build(path, items, "text", mime, chunk_chars)


def parse_html(path: Path, text: str, mime: str, chunk_chars: int) -> ParsedDocument:
    from aksio.ingest.htmltext import html_blocks

    items, title = html_blocks(text)
    doc = _build(path, items, "html", mime, chunk_chars)
    if title:
        doc.title = short_title(title)
    return doc


def _flush_para(items: list[tuple[str, int | None]], para: list[str]) -> None:
    if para:
        items.append(("\n".join(para), None))
        para.clear()


def _strip_inline_markup(text: str) -> str:
    # no bracket inside a link's text: "[[[[..." fails at once at each "[", where "[^\]]*" rescanned to the end
    text = re.sub(r"!?\[([^\][]*)\]\([^()]*\)", r"\1", text)
    return " ".join(re.sub(r"[*_`]", "", text).split())


def _paginate(items: Iterable[tuple[str, int | None]]) -> tuple[list[Block], int]:
    """Blocks with their pages, and the page count: a page between two form feeds exists even if it is empty.

    A paragraph longer than a page is cut (at a sentence, else a space) over as many pages as it needs."""
    blocks: list[Block] = []
    page, used = 1, 0
    form_feed_last = False
    for text, heading in items:
        form_feed_last = text == "\f"
        if form_feed_last:
            page, used = page + 1, 0
            continue
        for piece in split_long(text, PAGE_CHARS):
            if used and used + len(piece) > PAGE_CHARS:
                page, used = page + 1, 0
            blocks.append(Block(page=page, text=piece, y=float(len(blocks)), heading=heading))
            heading = None  # a heading cut in pieces: only the first starts its section
            used += len(piece)
    return blocks, page - 1 if form_feed_last else page


def _build(path: Path, items: list[tuple[str, int | None]], kind: str, mime: str, chunk_chars: int) -> ParsedDocument:
    blocks, page_count = _paginate(items)
    if not any(b.text.strip() for b in blocks):
        raise ImportFailed(str(path), "no text in this file")
    starts = [SectionStart(level=b.heading, title=b.text, page=b.page, y=b.y) for b in blocks if b.heading]
    if starts:
        top = min(s.level for s in starts)
        for s in starts:
            s.level -= top - 1
    sections, chunks = assemble(starts, blocks, chunk_chars, block_separator(kind))
    title = short_title(next((s.title for s in starts if s.level == 1), path.stem) if kind != "text" else path.stem)
    return ParsedDocument(title=title, kind=kind, mime=mime, page_count=page_count, sections=sections, chunks=chunks)
