"""The dashboard's courses: a header and a row per course with its counts, a cursor row, a click chooses one.

Drawn line by line like the card browser's list, not with Textual's ``DataTable``: a DataTable's import, style
sheet and per-cell rendering were ~25 ms of the app's first frame, for a handful of rows. It looks the same
(header on the panel colour, zebra rows, the block cursor, dimmed when not focused).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from aksio.control_chars import printable
from aksio_tui.widgets.rows import show_row

HEADERS = ("course", "code", "exam", "learning", "review", "new")


class CourseTable(ScrollView, can_focus=True):
    """Rows of cells under a header that stays put; ``cursor`` is the row chosen, ``keys`` name the rows."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "course-table--header",
        "course-table--even-row",
        "course-table--cursor",
    }
    DEFAULT_CSS = """
    CourseTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        &:focus {
            background-tint: $foreground 5%;
            & > .course-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .course-table--header {
                background-tint: $foreground 5%;
            }
        }
        & > .course-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .course-table--even-row {
            background: $surface-lighten-1 50%;
        }
        &:dark > .course-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .course-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Cursor up", id="dashboard.cursor_up", show=False),
        Binding("down,j", "move(1)", "Cursor down", id="dashboard.cursor_down", show=False),
        Binding("home", "jump(0)", "First course", id="dashboard.first", show=False),
        Binding("end", "jump(-1)", "Last course", id="dashboard.last", show=False),
    ]

    class Selected(Message):
        """A row was clicked: ``key`` names it. (Enter is the screen's to bind.)"""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[tuple[str, ...]] = []
        self.keys: list[str] = []
        self.cursor = 0
        self._widths = [cell_len(h) for h in HEADERS]

    @property
    def current(self) -> str | None:
        """The key of the row under the cursor, None if there are no rows."""
        return self.keys[self.cursor] if self.keys else None

    def set_rows(self, rows: Sequence[tuple[str, ...]], keys: Sequence[str]) -> None:
        """Show these rows (cells as text, in HEADERS' order; a course's name with its control characters shown
        escaped), the cursor kept on the same row number."""
        self.rows, self.keys = [tuple(printable(cell, lines=False) for cell in r) for r in rows], list(keys)
        self._widths = [max([cell_len(h), *(cell_len(r[i]) for r in self.rows)]) for i, h in enumerate(HEADERS)]
        self.cursor = min(self.cursor, max(len(self.rows) - 1, 0))
        self.virtual_size = Size(sum(self._widths) + 2 * len(HEADERS), len(self.rows) + 1)
        self.refresh(layout=True)
        show_row(self, self.cursor)

    # -- keys and mouse -------------------------------------------------------------------------------

    def action_move(self, by: int) -> None:
        self._go(self.cursor + by)

    def action_jump(self, row: int) -> None:
        self._go(row if row >= 0 else len(self.rows) - 1)

    def on_click(self, event: events.Click) -> None:
        row = event.y - 1 + int(self.scroll_y)
        if event.y >= 1 and 0 <= row < len(self.rows):  # a click on a course chooses it, as Enter does
            self._go(row)
            self.post_message(self.Selected(self.keys[row]))

    def _go(self, row: int) -> None:
        if self.rows:
            self.cursor = max(0, min(row, len(self.rows) - 1))
            show_row(self, self.cursor)
            self.refresh()

    # -- drawing --------------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            return self._line(HEADERS, base + self.get_component_rich_style("course-table--header"), width)
        row = y - 1 + int(self.scroll_y)
        if row >= len(self.rows):
            return Strip.blank(width, base)
        style = base
        if row == self.cursor:
            style += self.get_component_rich_style("course-table--cursor")
        elif row % 2 == 0:  # zebra rows: the even ones (from 0) shaded, as a DataTable does
            style += self.get_component_rich_style("course-table--even-row")
        return self._line(self.rows[row], style, width)

    def _line(self, cells: Sequence[str], style: Style, width: int) -> Strip:
        """The cells, each padded to its column with a space either side; the rest of the line blank."""
        text = "".join(f" {cell}{' ' * (w - cell_len(cell))} " for cell, w in zip(cells, self._widths, strict=True))
        strip = Strip([Segment(text, style)], cell_len(text))
        return strip.crop_extend(0, width, self.rich_style)
