"""The dashboard's course table: the cursor moves and scrolls under a header that stays, a click opens a course."""

from __future__ import annotations

from typing import Any

from aksio.service import Aksio
from aksio_tui.app import AksioApp
from aksio_tui.screens.course import CourseScreen
from aksio_tui.widgets.course_table import CourseTable
from tests.tui.pilot import loaded, run


def _lines(table: CourseTable) -> list[str]:
    return [table.render_line(y).text.rstrip() for y in range(table.size.height)]


def test_the_cursor_scrolls_through_many_courses_under_the_header(core: Aksio) -> None:
    for i in range(30):
        core.add_course(f"Extra {i:02d}")
    app = AksioApp(core)

    async def flow(pilot: Any) -> None:
        table = app.screen.query_one(CourseTable)
        assert len(table.rows) == 32 and table.current == core.course("Biology").id
        shown = table.size.height - 1  # under the header
        assert 3 < shown < 32
        await pilot.press("end")
        lines = _lines(table)
        assert lines[0].split() == ["course", "code", "exam", "learning", "review", "new"]
        assert lines[-1].split()[:2] == ["Extra", "29"] and table.current == core.course("Extra 29").id
        await pilot.press("home", "down")
        lines = _lines(table)
        assert lines[0].startswith(" course") and lines[1].startswith(" Biology") and lines[2].startswith(" Chem")
        assert table.current == core.course("Chemistry").id
        await pilot.press("up", "up")  # no further than the first
        assert table.cursor == 0

    run(app, flow, size=(100, 20))


def test_a_click_on_a_course_opens_it_and_enter_opens_the_one_under_the_cursor(core: Aksio) -> None:
    app = AksioApp(core)

    async def flow(pilot: Any) -> None:
        await pilot.click(CourseTable, offset=(3, 2))  # the second course, under the header
        await loaded(pilot)
        assert isinstance(app.screen, CourseScreen) and app.screen.course_id == core.course("Chemistry").id
        await pilot.press("escape")
        await loaded(pilot)
        table = app.screen.query_one(CourseTable)
        assert table.current == core.course("Chemistry").id  # back where it was
        await pilot.press("up", "enter")
        await loaded(pilot)
        assert isinstance(app.screen, CourseScreen) and app.screen.course_id == core.course("Biology").id

    run(app, flow, size=(100, 30))
