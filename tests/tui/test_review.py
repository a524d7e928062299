"""Studying in the app: what the review screen says after each key."""

from __future__ import annotations

from typing import Any

from aksio.service import Aksio
from aksio_tui.app import AksioApp
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
