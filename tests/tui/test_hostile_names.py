"""The new-course modal keeps the core's naming rules: a look-alike of a course's name or code is one notification."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from aksio.service import Aksio
from aksio_tui.app import AksioApp
from aksio_tui.screens.dashboard import DashboardScreen
from aksio_tui.screens.new_course import NewCourseScreen
from tests.tui.pilot import loaded as settle
from tests.tui.pilot import run


def test_a_look_alike_course_name_is_refused_in_the_app(core: Aksio) -> None:
    app = AksioApp(core)

    async def add(pilot: Any, name: str) -> None:
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NewCourseScreen)
        app.screen.query_one("#course-name", Input).value = name
        app.screen.query_one("#course-name", Input).focus()
        await pilot.press("enter")
        await settle(pilot)

    async def flow(pilot: Any) -> None:
        await add(pilot, "\u0412iology")  # a Cyrillic В
        assert isinstance(app.screen, DashboardScreen)
        assert any("looks like the course 'Biology'" in n.message for n in app._notifications)
        await add(pilot, "bio101")  # Biology's code
        assert any("'bio101' is the code of the course 'Biology'" in n.message for n in app._notifications)

    run(app, flow, size=(100, 30))
    assert [c.name for c in core.courses()] == ["Biology", "Chemistry"]
