"""A section's text page by page, each page its own block so that a search hit can scroll to its page."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

# a whole document can run to hundreds of pages: show a window of them around the page asked for
WINDOW = 40


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

    async def show(self, title: str, pages: list[tuple[int, str]], page: int | None = None) -> None:
        """Show ``pages`` under ``title``; with ``page``, mark that page and scroll to it."""
        start = 0
        if page is not None:
            at = next((i for i, (number, _) in enumerate(pages) if number >= page), 0)
            start = max(0, min(at - WINDOW // 4, len(pages) - WINDOW))
        shown = pages[start : start + WINDOW]
        self.title = title
        self.pages = [number for number, _ in shown]
        self.marked = page if page in self.pages else None
        blocks: list[Static] = [Static(Text(title, style="bold"), classes="preview-title")]
        if start:
            blocks.append(Static(Text(f"… {start} page(s) before", style="dim"), classes="preview-note"))
        for number, body in shown:
            blocks.append(Static(_page(number, body, number == self.marked), id=f"page-{number}", classes="page"))
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
        parts = []
        for block in self.query(Static):
            rendered = block.render()
            parts.append(rendered.plain if isinstance(rendered, Text) else str(rendered))
        return "\n".join(parts)


def _page(number: int, body: str, marked: bool) -> Text:
    out = Text()
    if marked:
        out.append(f"▶ page {number} ", style="bold reverse")
    else:
        out.append(f"── page {number} ──", style="dim")
    out.append("\n")
    out.append(body.strip())
    return out
