"""The course screen's preview draws a Markdown document's pages as Markdown (headings, lists, emphasis, code
blocks), never reading its text as Rich markup, and every other document's pages as the plain text they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from aksio.service import Aksio
from aksio_tui.app import AksioApp
from aksio_tui.widgets.page_preview import Heading, PageMarkdown, PagePreview, page_markdown, readable
from tests.tui.pilot import run

NOTE = """# Cell biology

Cells are the *unit* of life, see [b] and [bold red]not markup[/].

## Parts of a cell

- the **nucleus** holds DNA
- ribosomes make proteins

```python
def divide(cell):
    return [cell, cell]
```
"""


def course_with(core: Aksio, path: Path, text: str) -> AksioApp:
    """The course screen of Chemistry (no documents before) with ``text`` imported from ``path``."""
    path.write_text(text, encoding="utf-8")
    assert core.import_paths([path], "Chemistry").imported
    return AksioApp(core, course=core.course("Chemistry").id, start="course")


def page_blocks(app: AksioApp) -> list[Static]:
    return list(app.screen.query_one(PagePreview).query(".page").results(Static))


def markdown_of(app: AksioApp) -> PageMarkdown:
    """The Markdown drawn for the preview's one page."""
    [block] = page_blocks(app)
    assert isinstance(block.content, Group)
    return next(r for r in block.content.renderables if isinstance(r, PageMarkdown))


def test_a_markdown_note_is_drawn_as_markdown(core: Aksio, tmp_path: Path) -> None:
    app = course_with(core, tmp_path / "cells.md", NOTE)

    async def flow(pilot: Any) -> None:
        text = app.screen.query_one(PagePreview).text()
        lines = text.splitlines()
        assert "Parts of a cell" in lines and not any(line.startswith("#") for line in lines)
        assert "• the nucleus holds DNA" in text and "**" not in text  # a list, bold without its stars
        assert "Cells are the unit of life, see [b] and [bold red]not markup[/]." in lines  # markup stays literal
        assert "    return [cell, cell]" in text and "```" not in text  # the fenced code, without its fences
        headings = [t for t in markdown_of(app).parsed if t.type == "heading_open"]
        assert [t.tag for t in headings] == ["h1", "h2"]

    run(app, flow)


def test_a_text_file_stays_plain_text(core: Aksio, tmp_path: Path) -> None:
    app = course_with(core, tmp_path / "cells.txt", NOTE)

    async def flow(pilot: Any) -> None:
        text = app.screen.query_one(PagePreview).text()
        assert "# Cell biology" in text and "- the **nucleus** holds DNA" in text and "```python" in text
        assert "[bold red]not markup[/]" in text
        assert all(isinstance(block.content, Text) for block in page_blocks(app))

    run(app, flow)


def test_only_the_lines_that_are_headings_on_their_page_become_headings_and_never_in_code() -> None:
    body = "Intro\nSummary of the intro\n```\nSummary\n```\nSummary\nMore"
    headings = [Heading(1, "Summary", 2), Heading(2, "Intro", 1)]  # "Intro" starts on page 2: not this one
    marked = page_markdown(body, [h for h in headings if h.page == 1])
    assert marked == "Intro\nSummary of the intro\n```\nSummary\n```\n## Summary\nMore"


def test_a_rule_under_a_paragraph_stays_a_rule_not_a_heading(core: Aksio, tmp_path: Path) -> None:
    # the import keeps the blank line between "Done." and "---": without it, "Done." would be a setext heading
    app = course_with(core, tmp_path / "rule.md", "# Notes\n\nDone.\n\n---\n\nNext\n")

    async def flow(pilot: Any) -> None:
        tokens = [t.type for t in markdown_of(app).parsed]
        assert tokens.count("heading_open") == 1 and "hr" in tokens

    run(app, flow)


def test_a_paragraph_after_a_list_is_not_drawn_inside_its_last_item(core: Aksio, tmp_path: Path) -> None:
    # the import keeps the blank line before "Starvation": without it, CommonMark reads it as the last item's text
    note = "\n".join(
        [
            "# Scheduling",
            "",
            "- **FCFS** runs jobs in order.",
            "  It suffers from the convoy effect.",
            "- RR takes turns.",
            "",
            "Starvation is waiting.",
            "Nobody should wait for ever.",
        ]
    )
    app = course_with(core, tmp_path / "sched.md", note)

    async def flow(pilot: Any) -> None:
        lines = app.screen.query_one(PagePreview).text().splitlines()
        assert " • FCFS runs jobs in order. It suffers from the convoy effect." in lines
        # at the left margin, a paragraph of its own: its source lines make one line (a pane wraps it as it fits)
        assert "Starvation is waiting. Nobody should wait for ever." in lines

    run(app, flow)


def test_a_page_stored_before_blank_lines_were_kept_still_shows_its_lines_apart() -> None:
    from rich.console import Console

    def drawn(markup: str) -> list[str]:
        console = Console(width=60, record=True, color_system=None)
        console.print(PageMarkdown(markup, "default"))
        return [line.strip() for line in console.export_text().splitlines() if line.strip()]

    # as Markdown was stored before session 5: a line each, no blank line between the blocks
    old = "Starvation is waiting.\nNobody should wait for ever.\nA new paragraph."
    assert drawn(old) == ["Starvation is waiting.", "Nobody should wait for ever.", "A new paragraph."]
    # as it is stored now: a paragraph's lines flow, blocks a blank line apart
    now = "Starvation is waiting.\nNobody should wait for ever.\n\nA new paragraph."
    assert drawn(now) == ["Starvation is waiting. Nobody should wait for ever.", "A new paragraph."]


def test_a_passage_reads_without_markdown_stars_and_its_marks_follow_the_words() -> None:
    text = "  …and signal. A **deadlock** is\n   a set "
    start = text.index("deadlock")
    passage, [(a, b)] = readable(text, [(start, start + len("deadlock"))])
    assert passage == "…and signal. A deadlock is a set"
    assert passage[a:b] == "deadlock"
