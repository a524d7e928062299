"""A section's text page by page, each page its own block so that a search hit can scroll to its page.

Pages of a Markdown document are drawn as Markdown by rich (one cheap renderable per page, not a Textual
Markdown widget each); other pages as plain text. Neither is ever read as Rich markup, and the characters a
terminal would obey (a document may hold escape sequences) are shown escaped."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import ClassVar, NamedTuple

from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.markdown import Heading as MarkdownHeading
from rich.markdown import Markdown, MarkdownElement
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from aksio.control_chars import printable

# a whole document can run to hundreds of pages: show a window of them around the page asked for
WINDOW = 40
# text() draws Markdown this wide, so that a paragraph is one line of the text, not wrapped at the pane
PLAIN_WIDTH = 1000
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


class Heading(NamedTuple):
    """A section's heading as the import stored it: its title alone on a line of the page it starts on."""

    page: int
    title: str
    level: int


class LeftHeading(MarkdownHeading):
    """A heading at the left like the page's other lines (rich centres a top one)."""

    LEVEL_ALIGN: ClassVar[dict[str, JustifyMethod]] = dict.fromkeys(MarkdownHeading.LEVEL_ALIGN, "left")


class PageMarkdown(Markdown):
    """A page of a Markdown document, as the import stored it: its source, blocks a blank line apart. A page
    stored without a blank line in it (Markdown imported before they were kept) keeps each line break, so its
    paragraphs do not run into each other until it is imported again."""

    elements: ClassVar[dict[str, type[MarkdownElement]]] = {**Markdown.elements, "heading_open": LeftHeading}

    def __init__(self, markup: str, code_theme: str) -> None:
        super().__init__(markup, code_theme=code_theme, hyperlinks=False)
        if "\n\n" not in markup.strip() and "\n" in markup.strip():
            for token in self.parsed:
                for child in token.children or ():
                    if child.type == "softbreak":
                        child.type = "hardbreak"


class PagePreview(VerticalScroll):
    """Title, then one block per page headed by its number; a page asked for is marked (▶, reverse)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = ""
        self.pages: list[int] = []
        self.marked: int | None = None

    async def show_message(self, message: str) -> None:
        """Replace the text with one line of explanation."""
        self.title, self.pages, self.marked = "", [], None
        await self.remove_children()
        await self.mount(Static(Text(message), classes="preview-note"))

    async def show(
        self,
        title: str,
        pages: list[tuple[int, str]],
        page: int | None = None,
        *,
        markdown: bool = False,
        headings: Sequence[Heading] = (),
    ) -> None:
        """Show ``pages`` under ``title``; with ``page``, mark that page and scroll to it. With ``markdown``, the
        pages are drawn as Markdown, the lines that are ``headings`` as headings."""
        start = 0
        if page is not None:
            at = next((i for i, (number, _) in enumerate(pages) if number >= page), 0)
            start = max(0, min(at - WINDOW // 4, len(pages) - WINDOW))
        shown = pages[start : start + WINDOW]
        self.title = title
        self.pages = [number for number, _ in shown]
        self.marked = page if page in self.pages else None
        code_theme = "monokai" if self.app.current_theme.dark else "default"
        blocks: list[Static] = [Static(Text(printable(title), style="bold"), classes="preview-title")]
        if start:
            blocks.append(Static(Text(f"… {start} page(s) before", style="dim"), classes="preview-note"))
        for number, body in shown:
            head = _page_head(number, number == self.marked)
            content: RenderableType
            if markdown:
                on_page = [h for h in headings if h.page == number]
                content = Group(head, PageMarkdown(printable(page_markdown(body.strip(), on_page)), code_theme))
            else:
                content = head.append("\n").append(printable(body.strip()))
            blocks.append(Static(content, id=f"page-{number}", classes="page"))
        if not pages:
            blocks.append(Static(Text("No text in this section.", style="dim"), classes="preview-note"))
        if start + WINDOW < len(pages):
            rest = len(pages) - start - WINDOW
            blocks.append(Static(Text(f"… {rest} more page(s): pick a section", style="dim"), classes="preview-note"))
        await self.remove_children()
        await self.mount_all(blocks)
        if self.marked is not None:
            target = self.query_one(f"#page-{self.marked}")
            self.call_after_refresh(self.scroll_to_widget, target, animate=False)
        else:
            self.scroll_home(animate=False)

    def text(self) -> str:
        """Everything shown, as plain text (for tests and copying)."""
        return "\n".join(plain(block.content) for block in self.query(Static))


def plain(content: object) -> str:
    """The text a block shows: a Text's own, anything else (Markdown) drawn without styles."""
    if isinstance(content, Text):
        return content.plain
    if isinstance(content, str):
        return content
    console = Console(width=PLAIN_WIDTH, file=io.StringIO(), color_system=None, legacy_windows=False)
    with console.capture() as capture:
        console.print(content)
    return "\n".join(line.rstrip() for line in capture.get().rstrip("\n").split("\n"))


def page_markdown(body: str, headings: Sequence[Heading]) -> str:
    """A Markdown page's text for rich: the lines that are ``headings`` (the page's, in reading order) marked as
    such, as the import stores a heading as its title alone; code blocks left alone."""
    lines: list[str] = []
    pending = [h for h in headings if h.title.strip()]
    fence = ""
    for line in body.split("\n"):
        stripped = line.strip()
        if fence:
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                fence = ""
        elif opening := FENCE.match(line):
            fence = opening.group(1)
        elif pending and stripped == pending[0].title.strip():
            line = f"{'#' * min(pending.pop(0).level, 6)} {stripped}"
        lines.append(line)
    return "\n".join(lines)


def _page_head(number: int, marked: bool) -> Text:
    out = Text()
    if marked:
        out.append(f"▶ page {number} ", style="bold reverse")
    else:
        out.append(f"── page {number} ──", style="dim")
    return out


def readable(text: str, spans: Sequence[tuple[int, int]] = ()) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with runs of whitespace made one space, the ends trimmed, Markdown's ** left out (a Markdown
    page is stored, searched and quoted as its source) and control characters shown escaped; ``spans`` of it
    moved to where they fall in what is left. For passages shown as plain text: a search hit's, a card's quote."""
    stars = {i for m in re.finditer(r"\*\*", text) for i in (m.start(), m.start() + 1)}
    out: list[str] = []
    offsets: list[int] = []  # new offset of each old character
    length = 0  # of what is in ``out`` (an escaped character is several)
    in_space, started = False, False
    for i, ch in enumerate(text):
        offsets.append(length)
        if i in stars:
            continue
        if ch.isspace():
            in_space = started
            continue
        if in_space:
            out.append(" ")
            length += 1
            offsets[-1] = length
            in_space = False
        shown = ch if ch.isprintable() else printable(ch)
        out.append(shown)
        length += len(shown)
        started = True
    offsets.append(length)
    return "".join(out), [(offsets[a], offsets[b]) for a, b in spans if 0 <= a < b <= len(text)]
