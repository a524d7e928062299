"""The card browser's list: one line per card drawn on demand (Line API), so 100k cards cost what the
visible few do. A header line stays on top; a cursor row; a selection of many rows."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from aksio.browse import BrowseRows
from aksio.control_chars import printable
from aksio_tui.widgets.rows import rows_shown, show_row

if TYPE_CHECKING:
    from aksio.browse import BrowseRow

STATE_STYLES = {
    "new": Style(color="cyan"),
    "learning": Style(color="yellow"),
    "review": Style(color="green"),
    "suspended": Style(dim=True),
    "buried": Style(dim=True, italic=True),
    "pending": Style(color="magenta"),
}
DIM = Style(dim=True)
FLAG = Style(color="red")


class _Palette(NamedTuple):
    """What a frame draws with: lines drawn with another palette are drawn again."""

    width: int
    show_course: bool
    base: Style
    header: Style
    selected: Style
    cursor: Style


def fit(text: str, width: int) -> str:
    """``text`` on one line in exactly ``width`` cells (control characters shown escaped): padded, or cut with an
    ellipsis."""
    if width <= 0:
        return ""
    text = " ".join(text.split())
    if text.isascii() and text.isprintable():  # a cell a character: no need to measure
        return text[: width - 1] + "…" if len(text) > width else text.ljust(width)
    text = printable(text)
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
        """The rows or the selection changed: whatever shows counts should redraw. (Not sent for a cursor that
        only moved: redrawing the counts would cost every keypress a layout of the screen.)"""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = BrowseRows()
        self.cursor = 0
        self.selected: set[str] = set()
        self.show_course = True
        self._palette: _Palette | None = None
        # drawn rows by (row, selected, under the cursor): a row's tuple is replaced when its card changes
        self._drawn: LRUCache[tuple[BrowseRow, bool, bool], Strip] = LRUCache(256)
        self._after_frame_due = False
        # the rows last replaced, let go once the new ones are painted: freeing 100k rows takes ~12 ms
        self._replaced = BrowseRows()

    # -- data -----------------------------------------------------------------------------------------

    def set_rows(self, rows: list[BrowseRow]) -> None:
        """Show new rows, keeping the cursor on the same card if it is still there, and only the selected
        cards that still are."""
        current = self.current
        self._replaced = self.rows
        self.rows = rows if isinstance(rows, BrowseRows) else BrowseRows(map(tuple, rows))
        if self.selected:
            self.selected.intersection_update(self.rows.ids())
        self.cursor = 0
        if current is not None:
            self.cursor = self.rows.index_of(current.id) or 0
        self._resized()
        self._show_cursor()
        self.refresh()
        self.post_message(self.Changed())

    def update_rows(self, fresh: Iterable[BrowseRow], note_ids: Sequence[str]) -> None:
        """Redraw the cards of ``note_ids`` as ``fresh`` has them now; those missing from it were deleted."""
        self._replaced = self.rows
        self.rows = self.rows.updated(fresh, note_ids)
        if self.selected:
            self.selected.intersection_update(self.rows.ids())
        self.cursor = min(self.cursor, max(len(self.rows) - 1, 0))
        self._resized()
        self.refresh()
        self.post_message(self.Changed())

    @property
    def current(self) -> BrowseRow | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def targets(self) -> list[BrowseRow]:
        """What an action applies to: the selected cards (in list order), else the one under the cursor."""
        if self.selected:
            return self.rows.of_cards(self.selected)
        return [self.current] if self.current is not None else []

    # -- cursor and selection -------------------------------------------------------------------------

    @property
    def page_rows(self) -> int:
        return rows_shown(self)

    def move_to(self, index: int, *, extend: bool = False) -> None:
        if not self.rows:
            return
        index = max(0, min(index, len(self.rows) - 1))
        before = self.cursor
        self.cursor = index
        if extend:
            low, high = sorted((before, index))
            self.selected.update(self.rows[low : high + 1].ids())
            self.post_message(self.Changed())
        if self._show_cursor() or extend:
            self.refresh()
        else:  # the same rows on screen: only the two lines the cursor left and reached are drawn again
            self.refresh_line(before + 1)  # virtual lines: the header is line 0
            self.refresh_line(index + 1)

    def _show_cursor(self) -> bool:
        """Scroll so that the cursor's row is on screen; whether that scrolled."""
        return show_row(self, self.cursor)

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
        self.post_message(self.Changed())
        self.move_to(self.cursor + 1)

    def select_all(self) -> None:
        self.selected = set(self.rows.ids())
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
        self._drawn.maxsize = 4 * self.page_rows + 8  # the page on screen and those above and below it

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
        if width > used:  # every column fits, each in exactly its cells: the line need not be measured again
            segments.append(Segment(fit(text, width - used), base + style if style else base))
            return Strip(segments, width)
        return Strip(segments).crop(0, width).adjust_cell_length(width, base)

    def _current_palette(self) -> _Palette:
        return _Palette(
            self.size.width,
            self.show_course,
            self.rich_style,
            self.get_component_rich_style("card-list--header"),
            self.get_component_rich_style("card-list--selected"),
            self.get_component_rich_style("card-list--cursor"),
        )

    def render_lines(self, crop: Region) -> list[Strip]:
        # the styles are worked out once a frame rather than once a line (``rich_style`` walks up the DOM);
        # rows drawn with other styles or at another width are forgotten
        palette = self._current_palette()
        if palette != self._palette:
            self._drawn.clear()
            self._palette = palette
        if not self._after_frame_due:
            self._after_frame_due = self.call_after_refresh(self._after_frame)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        palette = self._palette or self._current_palette()
        if y == 0:
            names = ("", "id", "course", "kind", "state", "due", "⚑", "front")
            return self._cells([(n, None) for n in names], palette.width, palette.base + palette.header)
        index = round(self.scroll_offset.y) + y - 1
        if index >= len(self.rows):
            return Strip.blank(palette.width, palette.base)
        return self._row_strip(self.rows[index], index == self.cursor, palette)

    def _after_frame(self) -> None:
        """Once a frame is painted, while the user has yet to press the next key: let the replaced rows go, run
        a full collection that is due, and draw the rows that a page up or down would bring on screen and the
        row the cursor would land on, so that the key finds them drawn (a page of new rows was most of its cost).
        """
        self._after_frame_due = False
        self._replaced = BrowseRows()
        # Python runs a full collection of its cyclic garbage on the first allocation once enough younger
        # collections have passed (more than the third threshold: a dozen page-downs or so), mostly amid a
        # keypress's frame, where it took 10-25 ms (Textual's objects made since start): most of the slowest
        # page-downs. One younger collection short of that, it is run here, between keys, instead.
        full_after = gc.get_threshold()[2]
        if gc.isenabled() and full_after and gc.get_count()[2] >= full_after:
            gc.collect()
        palette, rows, page = self._palette, self.rows, self.page_rows
        if palette is None:
            return
        top = round(self.scroll_offset.y)
        for index in (*range(top + page, top + 2 * page), *range(max(top - page, 0), top)):
            if index < len(rows):
                self._row_strip(rows[index], False, palette)
        for index in (self.cursor + page, self.cursor - page):
            if 0 <= index < len(rows):
                self._row_strip(rows[index], True, palette)

    def _row_strip(self, row: BrowseRow, under_cursor: bool, palette: _Palette) -> Strip:
        key = (row, row.id in self.selected, under_cursor)
        strip = self._drawn.get(key)
        if strip is None:
            strip = self._row_line(row, key[1], under_cursor, palette)
            self._drawn.set(key, strip)
        return strip

    def _row_line(self, row: BrowseRow, chosen: bool, under_cursor: bool, palette: _Palette) -> Strip:
        style = palette.base
        if chosen:
            style += palette.selected
        if under_cursor:
            style += palette.cursor
        state = row.state
        values: list[tuple[str, Style | None]] = [
            ("✓" if chosen else " ", None),
            (row.id[-8:], DIM),
            (row.course, None),
            (kind_label(row), None),
            (state, STATE_STYLES.get(state)),
            (due_label(row.due), None),
            (str(row.flag) if row.flag > 1 else "⚑" if row.flag else "", FLAG),
            (row.front, None),
        ]
        return self._cells(values, palette.width, style)
