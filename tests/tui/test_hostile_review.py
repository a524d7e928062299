"""Studying in the app while another Aksio (a script, a second window) answers the same cards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aksio.clock import FixedClock
from aksio.service import Aksio
from aksio_tui.app import AksioApp
from aksio_tui.screens.review import ReviewScreen
from tests.tui.test_app import run, settle


def _reviews(core: Aksio, card_id: str) -> int:
    return int(core.db.query_one("SELECT count(*) FROM review WHERE card_id = ?", (card_id,))[0])  # type: ignore[index]


def test_grading_a_card_answered_elsewhere_meanwhile_adds_no_second_review(
    core: Aksio, tmp_path: Path, clock: FixedClock
) -> None:
    app = AksioApp(core, course="Biology", start="review")

    async def flow(pilot: Any) -> None:
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None
        shown = screen.card
        before = _reviews(core, shown.id)
        with Aksio.open(tmp_path / "home", clock, tz=core.tz) as script:  # the CLI answers the card on screen
            script.answer(shown.id, "good")
        await pilot.press("space", "3")
        await settle(pilot)
        assert _reviews(core, shown.id) == before + 1  # the script's answer only
        assert screen.card is not None and screen.card.id != shown.id  # on to the next card
        assert any("answered elsewhere" in n.message for n in app._notifications)
        assert sum(screen.ratings.values()) == 0  # the session did not count it

    run(app, flow)
