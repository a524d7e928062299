"""What the line-drawn lists (the card browser's, the dashboard's courses) share: a header on line 0, rows under it."""

from __future__ import annotations

from textual.scroll_view import ScrollView


def rows_shown(view: ScrollView) -> int:
    """How many rows fit under the header."""
    return max(view.size.height - 1, 1)


def show_row(view: ScrollView, row: int) -> bool:
    """Scroll ``view`` so that ``row`` is on screen under the header; whether that scrolled."""
    top = round(view.scroll_offset.y)
    if row < top:
        view.scroll_to(y=row, animate=False, immediate=True)
    elif row >= top + rows_shown(view):
        view.scroll_to(y=row - rows_shown(view) + 1, animate=False, immediate=True)
    else:
        return False
    return True
