"""The card browser's list: one line per card drawn on demand (Line API), so 100k cards cost what the
visible few do. A header line stays on top; a cursor row; a selection of many rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

if TYPE_CHECKING:
    from aksio.browse import BrowseRow

STATE_STYLES = {
    "new": Style(color="cyan"),
    "learning": Style(color="yellow"),
    "review": Style(color="green"),
    "suspended": Style(dim=True),
    "pending": Style(color="magenta"),
}
DIM = Style(dim=True)


def fit(text: str, width: int) -> str:
    """``text`` on one line in exactly ``width`` cells: padded, or cut with an ellipsis."""
    if width <= 0:
        return ""
    text = " ".join(text.split())
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def kind_label(row: BrowseRow) -> str:
    if row.kind == "cloze":
        return f"cloze c{row.ord}"
    if row.kind == "reverse":
        return "reverse" if row.ord == 0 else "rev·back"
    return row.kind


def due_label(due: int | None) -> str:
    return datetime.fromtimestamp(due, UTC).strftime("%Y-%m-%d") if due is not None else ""


class CardList(ScrollView, can_focus=True):
    """Cards as rows: id, course, kind, state, due, flag, front. Only the lines on screen are ever built."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"card-list--header", "card-list--cursor", "card-list--selected"}
    DEFAULT_CSS = """
    CardList {
        overflow-x: hidden;
        & > .card-list--header { text-style: bold; color: $text-muted; background: $panel; }
        & > .card-list--cursor { background: $block-cursor-blurred-background; }
        &:focus > .card-list--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
        & > .card-list--selected { background: $primary 30%; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", id="browser.cursor_up", show=False),
        Binding("down,j", "move(1)", "Down", id="browser.cursor_down", show=False),
        Binding("pageup", "page(-1)", "Page up", id="browser.page_up", show=False),
        Binding("pagedown", "page(1)", "Page down", id="browser.page_down", show=False),
        Binding("home", "jump(0)", "First card", id="browser.first", show=False),
        Binding("end", "jump(-1)", "Last card", id="browser.last", show=False),
    ]

    class Changed(Message):
        """The cursor or the selection moved: whatever shows counts should redraw."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[BrowseRow] = []
        self.cursor = 0
        self.selected: set[str] = set()
        self.show_course = True

    # -- data -----------------------------------------------------------------------------------------

    def set_rows(self, rows: list[BrowseRow]) -> None:
        """Show new rows, keeping the cursor on the same card if it is still there, and only the selected
        cards that still are."""
        current = self.current
        self.rows = rows
        if self.selected:
            self.selected &= {r.id for r in rows}
        self.cursor = 0
        if current is not None:
            self.cursor = next((i for i, r in enumerate(rows) if r.id == current.id), 0)
        self._resized()
        self._show_cursor()
        self.refresh()
        self.post_message(self.Changed())

    def update_rows(self, fresh: Iterable[BrowseRow], note_ids: Sequence[str]) -> None:
        """Redraw the cards of ``note_ids`` as ``fresh`` has them now; those missing from it were deleted."""
        by_id = {r.id: r for r in fresh}
        notes = set(note_ids)
        kept: list[BrowseRow] = []
        for row in self.rows:
            if row.note_id in notes:
                if row.id in by_id:
                    kept.append(by_id[row.id])
                else:
                    self.selected.discard(row.id)
                    continue
            else:
                kept.append(row)
        self.rows = kept
        self.cursor = min(self.cursor, max(len(kept) - 1, 0))
        self._resized()
        self.refresh()
        self.post_message(self.Changed())

    @property
    def current(self) -> BrowseRow | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def targets(self) -> list[BrowseRow]:
        """What an action applies to: the selected cards (in list order), else the one under the cursor."""
        if self.selected:
            return [r for r in self.rows if r.id in self.selected]
        return [self.current] if self.current is not None else []

    # -- cursor and selection -------------------------------------------------------------------------

    @property
    def page_rows(self) -> int:
        return max(self.size.height - 1, 1)  # the header takes a line

    def move_to(self, index: int, *, extend: bool = False) -> None:
        if not self.rows:
            return
        index = max(0, min(index, len(self.rows) - 1))
        if extend:
            low, high = sorted((self.cursor, index))
            self.selected.update(r.id for r in self.rows[low : high + 1])
        self.cursor = index
        self._show_cursor()
        self.refresh()
        self.post_message(self.Changed())

    def _show_cursor(self) -> None:
        top = round(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + self.page_rows:
            self.scroll_to(y=self.cursor - self.page_rows + 1, animate=False, immediate=True)

    def action_move(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * self.page_rows)

    def action_jump(self, where: int) -> None:
        self.move_to(len(self.rows) - 1 if where < 0 else where)

    def toggle_current(self) -> None:
        row = self.current
        if row is None:
            return
        if row.id in self.selected:
            self.selected.discard(row.id)
        else:
            self.selected.add(row.id)
        self.move_to(self.cursor + 1)

    def select_all(self) -> None:
        self.selected = {r.id for r in self.rows}
        self.refresh()
        self.post_message(self.Changed())

    def clear_selection(self) -> None:
        self.selected.clear()
        self.refresh()
        self.post_message(self.Changed())

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        self.focus()
        self.move_to(round(self.scroll_offset.y) + offset.y - 1)

    # -- drawing ----------------------------------------------------------------------------------------

    def on_resize(self) -> None:
        self._resized()

    def _resized(self) -> None:
        self.virtual_size = Size(0, len(self.rows) + 1)

    def _widths(self, width: int) -> list[int]:
        """Cells for: mark, id, course, kind, state, due, flag; the front takes the rest."""
        course = (14 if width >= 110 else 10) if self.show_course else 0
        return [1, 8, course, 8, 9, 10, 1]

    def _cells(self, values: Sequence[tuple[str, Style | None]], width: int, base: Style) -> Strip:
        """One line: each value in its column (a column of width 0 is hidden), the last one taking the rest."""
        segments: list[Segment] = []
        used = 0
        for (text, style), cells in zip(values[:-1], self._widths(width), strict=True):
            if cells:
                segments.append(Segment(fit(text, cells) + " ", base + style if style else base))
                used += cells + 1
        text, style = values[-1]
        if width > used:
            segments.append(Segment(fit(text, width - used), base + style if style else base))
        return Strip(segments).crop(0, width).adjust_cell_length(width, base)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            header = base + self.get_component_rich_style("card-list--header")
            names = ("", "id", "course", "kind", "state", "due", "⚑", "front")
            return self._cells([(n, None) for n in names], width, header)
        index = round(self.scroll_offset.y) + y - 1
        if index >= len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[index]
        chosen = row.id in self.selected
        style = base
        if chosen:
            style += self.get_component_rich_style("card-list--selected")
        if index == self.cursor:
            style += self.get_component_rich_style("card-list--cursor")
        state = row.state
        values: list[tuple[str, Style | None]] = [
            ("✓" if chosen else " ", None),
            (row.id[-8:], DIM),
            (row.course, None),
            (kind_label(row), None),
            (state, STATE_STYLES.get(state)),
            (due_label(row.due), None),
            (str(row.flag) if row.flag > 1 else "⚑" if row.flag else "", Style(color="red")),
            (row.front, None),
        ]
        return self._cells(values, width, style)
