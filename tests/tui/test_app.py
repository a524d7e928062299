"""Whole flows through the app with Textual's pilot: the dashboard, a study session with grades and undo,
the help screen, remapped keys, errors as notifications."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from aksio.activity import Dashboard
from aksio.service import Aksio
from aksio_tui.app import AksioApp
from aksio_tui.screens.dashboard import DashboardScreen
from aksio_tui.screens.help import HelpScreen
from aksio_tui.screens.review import ReviewScreen, SummaryScreen
from aksio_tui.widgets.course_table import CourseTable
from tests.tui.pilot import loaded as settle
from tests.tui.pilot import run as run_app

run = partial(run_app, size=(100, 30))

Flow = Callable[[AksioApp, object], Awaitable[None]]


def text_of(app: AksioApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def test_the_dashboard_lists_courses_with_their_counts(core: Aksio) -> None:
    app = AksioApp(core)

    async def flow(pilot: object) -> None:
        assert isinstance(app.screen, DashboardScreen)
        table = app.screen.query_one(CourseTable)
        rows = {row[0]: row[3:] for row in table.rows}
        assert rows == {"Biology": ("0", "4", "2"), "Chemistry": ("0", "0", "3")}
        assert table.keys == [core.course("Biology").id, core.course("Chemistry").id]
        summary = text_of(app, "#summary")
        assert "4 reviewed" not in summary and "4 due" in summary and "5 new" in summary

    run(app, flow)


def test_the_counts_read_while_the_app_starts_are_in_its_first_frame_and_read_once(core: Aksio) -> None:
    calls: list[int] = []
    dashboard = core.dashboard

    def counted(days: int = 182) -> Dashboard:
        calls.append(days)
        return dashboard(days)

    core.dashboard = counted  # type: ignore[method-assign]
    app = AksioApp(core)
    first = app._first_board
    assert first is not None
    first.result(timeout=30)  # read on its own thread from the moment the app was built

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert "4 due" in text_of(app, "#summary")  # no worker round trip: there from the start
            assert not [w for w in app.workers if w.group == "dashboard"]
            await pilot.press("s")
            await settle(pilot)
            await pilot.press("escape")  # back home: counted again
            await settle(pilot)

    asyncio.run(main())
    assert len(calls) == 2


def test_a_study_session_grades_undoes_and_is_recorded(core: Aksio) -> None:
    app = AksioApp(core)

    async def flow(pilot: object) -> None:
        await pilot.press("s")  # type: ignore[attr-defined]
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None
        first = screen.card.id
        assert not screen.query_one("#back").display
        await pilot.press("3")  # type: ignore[attr-defined]  # grading before the answer shows does nothing
        await settle(pilot)
        assert screen.card.id == first
        await pilot.press("space")  # type: ignore[attr-defined]
        assert screen.query_one("#back").display and "good" in text_of(app, "#grades")
        await pilot.press("3")  # type: ignore[attr-defined]
        await settle(pilot)
        assert screen.card is not None and screen.card.id != first
        await pilot.press("u")  # type: ignore[attr-defined]
        await settle(pilot)
        assert screen.card.id == first and sum(screen.ratings.values()) == 0
        for _ in range(3):
            await pilot.press("space", "1")  # type: ignore[attr-defined]
            await settle(pilot)
        await pilot.press("q")  # type: ignore[attr-defined]
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)

    run(app, flow)
    (session,) = core.sessions()
    assert session.reviews == 3 and session.ratings["again"] == 3
    assert sum(c.state.queue == "learning" for c in core.cards("Biology")) == 3  # the lapsed cards relearn


def test_studying_a_course_to_the_end(core: Aksio) -> None:
    chemistry = core.course("Chemistry").id
    app = AksioApp(core, course=chemistry, start="review")

    async def flow(pilot: object) -> None:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        seen = []
        while screen.card is not None and len(seen) < 10:
            seen.append(screen.card.front)
            await pilot.press("space", "4")  # type: ignore[attr-defined]
            await settle(pilot)
        assert sorted(seen) == [f"Symbol of element {i}?" for i in range(3)]
        assert "Nothing due" in text_of(app, "#front")

    run(app, flow)


def test_help_lists_every_binding_with_its_id(core: Aksio) -> None:
    app = AksioApp(core)

    async def flow(pilot: object) -> None:
        await pilot.press("question_mark")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        ids = {table.get_row_at(i)[2] for i in range(table.row_count)}
        assert {"dashboard.study_all", "dashboard.refresh", "app.help", "app.quit"} <= ids

    run(app, flow)


def test_a_remapped_key_from_the_config_works(core: Aksio) -> None:
    core.settings.tui.keymap = {"dashboard.study_all": "x"}
    app = AksioApp(core)

    async def flow(pilot: object) -> None:
        await pilot.press("s")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("x")  # type: ignore[attr-defined]
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)

    run(app, flow)


def test_a_core_error_is_a_notification_not_a_crash(core: Aksio) -> None:
    app = AksioApp(core, course="no-such-course-id", start="review")

    async def flow(pilot: object) -> None:
        await settle(pilot)
        assert app.is_running
        # the core's message as it is: no `aksio course list` to type in the app
        assert [n.message for n in app._notifications] == ["no course 'no-such-course-id'"]

    run(app, flow)


def test_an_unexpected_failure_in_the_core_is_a_notification_too(core: Aksio, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(core, "suspend_cards", broken)
    app = AksioApp(core, start="cards")

    async def flow(pilot: object) -> None:
        await settle(pilot)
        await pilot.press("s")  # type: ignore[attr-defined]
        await settle(pilot)
        assert app.is_running
        assert any("RuntimeError: disk on fire" in n.message for n in app._notifications)

    run(app, flow)


def test_the_palette_offers_what_fits_the_screen(core: Aksio) -> None:
    app = AksioApp(core, start="review")

    async def flow(pilot: object) -> None:
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None and not screen.revealed
        await pilot.press("ctrl+p")  # type: ignore[attr-defined]
        await pilot.press(*"show the answer")  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("enter")  # type: ignore[attr-defined]
        await settle(pilot)
        assert app.screen is screen and screen.revealed
        assert "all courses" in screen.sub_title  # the session's scope; the card's course is on its line
        assert "Biology" in text_of(app, "#progress")

    run(app, flow)


def test_the_command_line_finds_the_app_through_its_entry_points() -> None:
    import pytest

    from aksio.cli.frontends import frontend
    from aksio.errors import ConfigError
    from aksio_tui import launch

    assert frontend("tui") is launch.run and frontend("web") is launch.serve
    with pytest.raises(ConfigError, match="not installed"):
        frontend("nope")


def test_entry_points_read_from_our_metadata_file_are_the_ones_importlib_metadata_finds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from importlib.metadata import entry_points

    from aksio.cli import frontends

    declared = {e.name: e.value for e in entry_points(group=frontends.GROUP)}
    assert set(declared) >= {"tui", "web"}
    assert {name: frontends._declared(name) for name in declared} == declared
    assert frontends._declared("nope") is None
    monkeypatch.setattr(frontends, "_declared", lambda name: None)  # no metadata file found: the slow way
    assert frontends.frontend("tui").__name__ == "run"


LAUNCH = """
import sys

import aksio.cli.frontends


class Terminal:
    def isatty(self) -> bool:
        return True

    def flush(self) -> None:
        pass


def launcher(aksio, course_id, start):
    print(aksio.courses()[0].name, course_id, start, "typer" in sys.modules, file=sys.__stdout__)


aksio.cli.frontends.frontend = lambda name: launcher
sys.argv, sys.stdin, sys.stdout = ["aksio"], Terminal(), Terminal()
from aksio.cli import main

main()
"""


def test_aksio_alone_in_a_terminal_opens_the_app_without_loading_the_command_parser(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from aksio.clock import SystemClock

    with Aksio.open(tmp_path, SystemClock()) as core:
        core.add_course("Biology")
    env = {**os.environ, "AKSIO_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", LAUNCH], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["Biology", "None", "dashboard", "False"]


def test_the_launcher_reads_the_counts_before_loading_the_app(core: Aksio, monkeypatch: pytest.MonkeyPatch) -> None:
    from aksio_tui import launch

    seen: dict[str, object] = {}

    def started(self: AksioApp) -> None:  # instead of taking over the terminal
        seen["board"], seen["start"] = self.take_first_board(), self.start

    monkeypatch.setattr(AksioApp, "run", started)
    launch.run(core, None, "cards")
    board = seen["board"]
    assert isinstance(board, Dashboard) and [c.name for c in board.courses] == ["Biology", "Chemistry"]
    assert seen["start"] == "cards"


def test_a_new_course_is_added_from_the_dashboard_and_opened_for_its_notes(core: Aksio) -> None:
    from textual.widgets import Input

    from aksio_tui.screens.course import CourseScreen
    from aksio_tui.screens.new_course import NewCourseScreen

    app = AksioApp(core)

    async def add(pilot: Any, name: str, exam: str = "") -> None:
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NewCourseScreen)
        app.screen.query_one("#course-name", Input).value = name
        app.screen.query_one("#course-exam", Input).value = exam
        app.screen.query_one("#course-name", Input).focus()
        await pilot.press("enter")
        await settle(pilot)

    async def flow(pilot: Any) -> None:
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("enter")  # no name: stays open and says so
        await settle(pilot)
        assert isinstance(app.screen, NewCourseScreen)
        assert any("needs a name" in n.message for n in app._notifications)
        await pilot.press("escape")
        await settle(pilot)
        await add(pilot, "Biology")  # taken: one line, nothing added
        assert isinstance(app.screen, DashboardScreen)
        assert any("already exists" in n.message for n in app._notifications)
        await add(pilot, "Physics", exam="20-01-2027")  # not a date: one line, nothing added
        assert isinstance(app.screen, DashboardScreen)
        assert any("is not a date: use YYYY-MM-DD" in n.message for n in app._notifications)
        await add(pilot, "Physics", exam="2027-01-20")
        assert isinstance(app.screen, CourseScreen)
        assert "Physics" in app.screen.sub_title

    run(app, flow)
    physics = core.course("Physics")
    assert physics.exam_date is not None and physics.exam_date.isoformat() == "2027-01-20"
    assert [c.name for c in core.courses()] == ["Biology", "Chemistry", "Physics"]


def test_the_palette_offers_our_help_and_not_textuals_keys_panel(core: Aksio) -> None:
    app = AksioApp(core)

    async def flow(pilot: Any) -> None:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Help" in titles and "Keys" not in titles
        assert "Theme" in titles and "New course" in titles

    run(app, flow)


def test_the_app_starts_on_the_configured_theme_and_can_switch_from_it(core: Aksio) -> None:
    core.settings.tui.theme = "aksio-light"
    app = AksioApp(core)

    async def flow(pilot: Any) -> None:
        theme = app.current_theme
        assert app.theme == "aksio-light" and not theme.dark
        assert {"-theme-aksio-light", "-light-mode"} <= app.classes and "-dark-mode" not in app.classes
        assert app.screen.styles.background.hex.lower() == theme.background.lower()  # painted in its colours
        app.theme = "aksio-dark"
        await pilot.pause()
        assert "-theme-aksio-light" not in app.classes and "-dark-mode" in app.classes
        assert app.screen.styles.background.hex.lower() == app.current_theme.background.lower()

    run(app, flow)


def test_the_collector_paused_by_the_launcher_runs_again_once_the_app_is_drawn(core: Aksio) -> None:
    import gc

    app = AksioApp(core)
    enabled: list[bool] = []

    async def flow(pilot: Any) -> None:
        enabled.append(gc.isenabled())

    gc.disable()  # as `aksio` does before loading the app (aksio.cli.frontends.open_app)
    try:
        run(app, flow)
    finally:
        gc.enable()
    assert enabled == [True]
