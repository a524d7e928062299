"""The header and the footer: the title follows the screen; the screen's keys on one line, a click presses a key,
the palette's key always shows."""

from __future__ import annotations

from typing import Any

from aksio.service import Aksio
from aksio_tui.app import AksioApp
from aksio_tui.screens.browser import CardBrowserScreen
from aksio_tui.screens.dashboard import DashboardScreen
from aksio_tui.widgets.key_bar import KeyBar
from aksio_tui.widgets.title_bar import TitleBar
from tests.tui.pilot import loaded, run


def _line(app: AksioApp) -> str:
    return str(app.screen.query_one(KeyBar).render())


def _offset_of(app: AksioApp, text: str) -> int:
    line = _line(app)
    assert text in line, line
    return line.index(text)


def test_a_click_on_a_key_presses_it(core: Aksio) -> None:
    app = AksioApp(core)

    async def flow(pilot: Any) -> None:
        assert isinstance(app.screen, DashboardScreen)
        line = _line(app)
        assert line.startswith("s Study all ") and "b Cards" in line and "? Help" in line
        assert "New course" not in line  # off the footer: the help screen and the palette list it
        await pilot.click(KeyBar, offset=(_offset_of(app, "Cards"), 0))  # on the description: the same key
        await loaded(pilot)
        assert isinstance(app.screen, CardBrowserScreen)
        assert "/ Filter" in _line(app) and "s Study all" not in _line(app)  # the browser's keys now
        await pilot.click(KeyBar, offset=(_offset_of(app, "^p palette") + 1, 0))
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"

    run(app, flow, size=(100, 30))


def test_the_palettes_key_stays_at_the_right_end_however_narrow(core: Aksio) -> None:
    app = AksioApp(core)

    async def flow(pilot: Any) -> None:
        line = _line(app)
        assert len(line) == 60 and line.endswith("▏^p palette ")
        assert line.startswith("s Study all c Study one")  # the keys that fit, the rest cut off
        await pilot.click(KeyBar, offset=(len(line) - 3, 0))  # on the palette's key, over a key cut off
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"

    run(app, flow, size=(60, 24))


def test_a_key_that_cannot_be_used_now_is_dimmed(core: Aksio) -> None:
    app = AksioApp(core, start="cards")

    async def flow(pilot: Any) -> None:
        bar = app.screen.query_one(KeyBar)
        spans = {span.style.dim for span in bar.render().spans if not isinstance(span.style, str)}
        assert spans <= {None, False}  # every key of the browser works with a card under the cursor
        screen = app.screen
        # None: shown but not usable now (False would hide it)
        screen.check_action = lambda action, parameters: None if action == "edit" else True  # type: ignore[method-assign]
        screen.refresh_bindings()
        await pilot.pause()
        text = bar.render()
        edit = text.plain.index("e Edit")
        assert any(s.start <= edit < s.end and getattr(s.style, "dim", False) for s in text.spans)

    run(app, flow, size=(120, 30))


def test_the_title_follows_the_screen_and_the_icon_opens_the_palette(core: Aksio) -> None:
    app = AksioApp(core)

    def title() -> str:
        return app.screen.query_one(TitleBar).render().plain

    async def flow(pilot: Any) -> None:
        line = title()
        assert len(line) == 100 and line.startswith(" ⭘ ")
        assert line.strip(" ⭘") == "Aksio — all courses · local only (sync not set up)"
        app.screen.sub_title = "a very long sub-title " * 5
        await pilot.pause()
        assert title().rstrip().endswith("…") and len(title()) == 100  # cut to its room, not wrapped
        app.screen.sub_title = "short"
        await pilot.pause()
        assert title().strip(" ⭘") == "Aksio — short · local only (sync not set up)"
        await pilot.click(TitleBar, offset=(40, 0))  # the title: nothing happens
        assert isinstance(app.screen, DashboardScreen)
        await pilot.click(TitleBar, offset=(1, 0))
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"

    run(app, flow, size=(100, 30))
