"""The help lists every binding a key press on the screen below can reach: the screen's, its focused widget's and
that widget's ancestors', the app's last, each once, with the keys the keymap gives it."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.widgets import DataTable

from aksio.service import Aksio
from aksio_tui.app import AksioApp
from aksio_tui.screens.help import HelpScreen, KeyRow
from aksio_tui.screens.review import SourceScreen
from tests.tui.pilot import loaded, run


async def press(pilot: Any, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await loaded(pilot)


async def open_help(pilot: Any) -> None:
    """Open the help the way the palette does, whatever the keys (and a focused input) would do."""
    pilot.app.action_help()
    await loaded(pilot)


def help_rows(app: AksioApp) -> list[KeyRow]:
    """The help's rows as shown."""
    screen = app.screen
    assert isinstance(screen, HelpScreen)
    table = screen.query_one(DataTable)
    return [KeyRow(*table.get_row_at(i)) for i in range(table.row_count)]


def by_id(rows: list[KeyRow]) -> dict[str, KeyRow]:
    return {row.id: row for row in rows if row.id}


def test_on_the_browser_the_card_lists_keys_are_listed_between_the_screens_and_the_apps(core: Aksio) -> None:
    app = AksioApp(core, start="cards")

    async def flow(pilot: Any) -> None:
        await press(pilot, "question_mark")
        rows = help_rows(app)
        ids = [row.id for row in rows]
        found = by_id(rows)  # the screen's, the focused card list's, the app's
        assert found["browser.page_down"] == KeyRow("pagedown", "Page down", "browser.page_down")
        assert found["browser.cursor_up"].keys == "up,k"  # one row for both keys
        assert found["browser.delete"].keys == "delete,x"
        assert ids.index("browser.suspend") < ids.index("browser.page_down") < ids.index("app.help")
        assert all(i.startswith("app.") or not i for i in ids[ids.index("app.help") :])
        assert found["browser.back"].does == "Back"  # hidden bindings too

    run(app, flow)


def test_on_the_dashboard_there_are_no_browser_keys_but_the_course_tables(core: Aksio) -> None:
    app = AksioApp(core)

    async def flow(pilot: Any) -> None:
        await press(pilot, "question_mark")
        rows = help_rows(app)
        assert not any(row.id.startswith("browser.") for row in rows)
        assert {"dashboard.study_all", "dashboard.refresh", "app.help", "app.quit"} <= by_id(rows).keys()
        assert by_id(rows)["dashboard.cursor_down"].does == "Cursor down"  # the focused course table's
        assert "help_quit" not in {row.does for row in rows}  # Textual's own without a description: left out
        assert all(row.does for row in rows)

    run(app, flow)


def test_no_binding_is_listed_twice(core: Aksio) -> None:
    app = AksioApp(core, start="cards")

    async def flow(pilot: Any) -> None:
        await press(pilot, "question_mark")
        rows = help_rows(app)
        ids = [row.id for row in rows if row.id]
        assert len(ids) == len(set(ids))
        assert len(rows) == len(set(rows))
        assert [row.does for row in rows].count("Copy selected text") == 1  # ctrl+c and super+c: one row

    run(app, flow)


def test_remapped_keys_show_their_new_keys(core: Aksio) -> None:
    core.settings.tui.keymap = {"browser.page_down": "ctrl+d,n", "app.help": "f1"}
    app = AksioApp(core, start="cards")

    async def flow(pilot: Any) -> None:
        await press(pilot, "f1")
        rows = help_rows(app)
        found = by_id(rows)
        assert found["browser.page_down"].keys == "ctrl+d,n"
        assert found["app.help"].keys == "f1"
        assert "pagedown" not in {row.keys for row in rows}

    run(app, flow)


def test_keys_the_focused_input_takes_are_not_listed(core: Aksio) -> None:
    app = AksioApp(core, start="cards")

    async def flow(pilot: Any) -> None:
        await press(pilot, "slash")  # into the filter, where "?" would be typed
        await open_help(pilot)
        found = by_id(help_rows(app))
        assert "browser.suspend" not in found  # "s" is typed
        assert found["browser.delete"].keys == "delete"  # "x" is typed, delete still reaches the screen
        assert found["browser.back"].keys == "escape"

    run(app, flow)


def test_over_a_modal_only_its_keys_and_the_apps_priority_ones_are_listed(core: Aksio) -> None:
    app = AksioApp(core)

    async def flow(pilot: Any) -> None:
        await press(pilot, "s", "o")  # study, then a card's source: a modal, which "?" does not reach
        assert isinstance(app.screen, SourceScreen)
        await open_help(pilot)
        found = by_id(help_rows(app))
        assert "source.close" in found and "app.quit" in found
        assert "app.help" not in found and not any(i.startswith("review.") for i in found)

    run(app, flow)


def test_in_80x24_every_row_and_column_of_the_help_can_be_seen(core: Aksio) -> None:
    app = AksioApp(core, start="cards")

    async def main() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(pilot)
            await press(pilot, "question_mark")
            table = app.screen.query_one(DataTable)
            box = table.parent
            assert box is not None
            assert table.region.bottom <= box.content_region.bottom  # not cut off by the box's edge
            assert table.virtual_size.width <= table.size.width  # the id column whole, no sideways scrolling
            for _ in range(table.row_count):
                await pilot.press("down")
            await loaded(pilot)
            assert table.cursor_row == table.row_count - 1
            assert table.is_valid_row_index(table.cursor_row)
            assert table.scroll_y + table.size.height - 1 > table.cursor_row  # the last row scrolled into view

    asyncio.run(main())
