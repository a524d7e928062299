"""Studying in the app: what the review screen says after each key."""

from __future__ import annotations

from typing import Any

from textual.widgets import TextArea

from aksio.service import Aksio
from aksio_tui.app import AksioApp
from aksio_tui.screens.review import ReviewScreen
from tests.tui.test_app import run, settle


def _notes(app: AksioApp) -> list[str]:
    return [n.message for n in app._notifications]


def test_burying_and_suspending_say_what_happened_in_words(core: Aksio) -> None:
    app = AksioApp(core, course="Biology", start="review")

    async def flow(pilot: Any) -> None:
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        said = _notes(app)
        assert said[0].startswith("buried until tomorrow: ")
        assert said[1].startswith("suspended: ")
        assert not any("buryed" in n for n in said)

    run(app, flow)


def test_editing_a_card_keeps_the_lines_of_its_back(core: Aksio) -> None:
    card = core.add_card("Chemistry", "Name two noble gases", "- helium\n- neon")[0]
    app = AksioApp(core, course="Chemistry", start="review")

    def shown() -> str | None:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        return screen.card.id if screen.card else None

    async def flow(pilot: Any) -> None:
        while shown() != card.id:
            await pilot.press("b")  # bury the others until this one shows
            await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        back = app.screen.query_one("#edit-back", TextArea)
        assert back.text == "- helium\n- neon"  # both lines, each on its own
        back.focus()
        back.move_cursor(back.document.end)
        await pilot.press("enter", *"- argon")  # enter starts a new line: it does not save
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)

    run(app, flow)
    assert core.card(card.id).back == "- helium\n- neon\n- argon"
