"""The card list on its own: what a keypress redraws, what it finds drawn already, and what it announces."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip

from aksio.browse import BrowseRow, BrowseRows
from aksio_tui.widgets.card_list import CardList

HEIGHT = 12  # a header and 11 rows: a page is 11 rows


def row(n: int, front: str | None = None) -> BrowseRow:
    return BrowseRow(f"0190000{n:05d}", "Biology", "basic", 0, 0, None, 0, front or f"Question {n}?", f"note-{n}")


class ListApp(App[None]):
    def __init__(self, rows: list[BrowseRow]) -> None:
        super().__init__()
        self.rows = rows
        self.changes = 0

    def compose(self) -> ComposeResult:
        yield CardList(id="cards")

    def on_mount(self) -> None:
        cards = self.query_one(CardList)
        cards.focus()
        cards.set_rows(self.rows)

    def on_card_list_changed(self, message: CardList.Changed) -> None:
        self.changes += 1


def run(rows: list[BrowseRow], flow: Callable[[Any, CardList], Awaitable[None]]) -> None:
    app = ListApp(rows)

    async def main() -> None:
        async with app.run_test(size=(100, HEIGHT)) as pilot:
            await pilot.pause()
            await flow(pilot, app.query_one(CardList))

    asyncio.run(main())


def test_a_cursor_move_within_the_page_redraws_only_the_two_lines_it_touches(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[int] = []
    render_line = CardList.render_line

    def spy(self: CardList, y: int) -> Strip:
        drawn.append(y)
        return render_line(self, y)

    monkeypatch.setattr(CardList, "render_line", spy)

    async def flow(pilot: Any, cards: CardList) -> None:
        drawn.clear()
        await pilot.press("down")
        await pilot.pause()
        assert cards.cursor == 1 and sorted(drawn) == [1, 2]  # line 0 is the header

    run([row(n) for n in range(40)], flow)


def test_a_page_down_finds_its_rows_drawn_while_the_app_waited_for_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    in_frame: list[bool] = []
    framing = [False]
    render_lines, row_line = CardList.render_lines, CardList._row_line

    def frame(self: CardList, crop: Region) -> list[Strip]:
        framing[0] = True
        try:
            return render_lines(self, crop)
        finally:
            framing[0] = False

    def draw(self: CardList, *args: Any) -> Strip:
        in_frame.append(framing[0])
        return row_line(self, *args)

    monkeypatch.setattr(CardList, "render_lines", frame)
    monkeypatch.setattr(CardList, "_row_line", draw)

    async def flow(pilot: Any, cards: CardList) -> None:
        for page in range(1, 4):
            in_frame.clear()
            await pilot.press("pagedown")
            await pilot.pause()
            assert cards.cursor == page * (HEIGHT - 1)
            assert in_frame and not any(in_frame)  # the next page was drawn after the frame, none during it

    run([row(n) for n in range(100)], flow)


def test_a_row_whose_card_changed_is_drawn_anew() -> None:
    async def flow(pilot: Any, cards: CardList) -> None:
        assert "Question 1?" in cards.render_line(2).text
        cards.update_rows([row(1, front="Edited?")], ["note-1"])
        await pilot.pause()
        assert "Edited?" in cards.render_line(2).text

    run([row(n) for n in range(5)], flow)


def test_only_new_rows_or_a_new_selection_are_announced() -> None:
    app_changes: list[int] = []

    async def flow(pilot: Any, cards: CardList) -> None:
        app = pilot.app
        base = app.changes
        for key in ("down", "pagedown", "end", "up", "home"):
            await pilot.press(key)
        await pilot.pause()
        app_changes.append(app.changes - base)  # the cursor moved: the counts did not change
        cards.toggle_current()
        cards.move_to(4, extend=True)
        cards.clear_selection()
        await pilot.pause()
        app_changes.append(app.changes - base)

    run([row(n) for n in range(40)], flow)
    assert app_changes == [0, 3]


def test_rows_given_as_a_plain_list_are_kept_as_a_listing() -> None:
    async def flow(pilot: Any, cards: CardList) -> None:
        assert isinstance(cards.rows, BrowseRows) and [r.id for r in cards.rows] == [row(n).id for n in range(5)]
        cards.toggle_current()
        cards.toggle_current()
        assert [r.id for r in cards.targets()] == [row(0).id, row(1).id]
        cards.move_to(1)
        cards.set_rows([row(7), row(1)])  # the cursor stays on its card; the selection keeps what is still there
        assert cards.cursor == 1 and cards.current == row(1) and cards.selected == {row(1).id}

    run([row(n) for n in range(5)], flow)
