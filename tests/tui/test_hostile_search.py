"""A search in the app of more words than are searched for says how it was cut."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Static

from aksio.service import Aksio
from aksio_tui.app import AksioApp
from tests.tui.pilot import loaded as settle
from tests.tui.pilot import run
from tests.tui.test_course import course_screen, with_lecture


def test_a_query_of_too_many_words_says_it_was_cut(core: Aksio) -> None:
    app = AksioApp(core, course=with_lecture(core), start="course")

    async def flow(pilot: Any) -> None:
        screen = course_screen(app)
        await pilot.press("slash")
        screen.query_one("#course-search", Input).value = "thrashing " + " ".join(f"w{i}" for i in range(40))
        await pilot.press("enter")
        await settle(pilot)
        status = str(screen.query_one("#hits-status", Static).render())
        assert "hit(s) for 'thrashing w0" in status
        assert "(only the first 32 words of the query were searched for)" in status

    run(app, flow)
