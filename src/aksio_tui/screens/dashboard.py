"""Home: every course with its due, learning and new cards, today's totals, the streak, a review heatmap."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static

from aksio_tui.messages import SyncMerged
from aksio_tui.screens.base import AppScreen
from aksio_tui.widgets.course_table import CourseTable
from aksio_tui.widgets.heatmap import Heatmap
from aksio_tui.widgets.key_bar import KeyBar
from aksio_tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from aksio.activity import Dashboard


class DashboardScreen(AppScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "study_all", "Study all", id="dashboard.study_all"),
        # off the footer, as it always was (a DataTable's own enter hid it): a course opens as it is chosen
        Binding("enter", "open_course", "Open", id="dashboard.open_course", show=False),
        Binding("c", "study_course", "Study one", id="dashboard.study_course"),
        Binding("b", "browse", "Cards", id="dashboard.browse"),
        Binding("g", "generate", "Generate", id="dashboard.generate"),
        Binding("comma", "settings", "Settings", id="dashboard.settings"),
        # off the footer (no room at 80 columns): the empty dashboard says to press it; ? and the palette list it
        Binding("n", "new_course", "New course", id="dashboard.new_course", show=False),
        Binding("r", "refresh", "Refresh", id="dashboard.refresh", show=False),
    ]

    class Loaded(Message):
        def __init__(self, board: Dashboard) -> None:
            super().__init__()
            self.board = board

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static("loading…", id="summary")
        yield CourseTable(id="courses")
        yield Heatmap(id="heatmap")
        yield KeyBar()

    def screen_commands(self) -> Iterable[SystemCommand]:
        """What the command palette offers on this screen."""
        yield SystemCommand("Study the selected course", "Its due cards, then new ones", self.action_study_course)
        yield SystemCommand("Open the selected course", "Documents, sections, search, import", self.action_open_course)
        yield SystemCommand("New course", "Name it, then import your notes into it", self.action_new_course)
        yield SystemCommand("Refresh", "Count due cards again", self.action_refresh)

    def on_mount(self) -> None:
        self.sub_title = "all courses"

    def on_screen_resume(self) -> None:
        """Shown (first, or back from studying: the counts changed): count again, unless the counts read while
        the app started are ready, which the first frame then shows."""
        # a first frame without the counts and a second with them 30 ms later is worse than one frame with
        # them a few ms later: wait a little for the read started with the app (the wait frees the GIL for it)
        board = self.aksio_app.take_first_board(wait=0.1)
        if board is not None:
            self.show(board)
        else:
            self.action_refresh()

    def action_refresh(self) -> None:
        self.load()

    def on_sync_merged(self, _: SyncMerged) -> None:
        """Another device's changes came in: count again."""
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard")
    def load(self) -> None:
        app = self.aksio_app
        board = app.take_first_board() or app.call_core(lambda a: a.dashboard())
        self.post_message(self.Loaded(board))

    def on_dashboard_screen_loaded(self, message: Loaded) -> None:
        self.show(message.board)

    def show(self, board: Dashboard) -> None:
        """Fill the table, the summary line and the heatmap."""
        rows = []
        for c in board.courses:
            exam = c.exam_date.isoformat() if c.exam_date else ""
            rows.append((c.name, c.code or "", exam, str(c.learning), str(c.review), str(c.new)))
        self.query_one(CourseTable).set_rows(rows, [c.course_id for c in board.courses])
        due = sum(c.learning + c.review for c in board.courses)
        new = sum(c.new for c in board.courses)
        minutes = board.today_seconds // 60
        self.query_one("#summary", Static).update(
            f"Today: {board.today_reviews} reviewed in {minutes} min · {due} due · {new} new · "
            f"streak {board.streak} day{'s' if board.streak != 1 else ''}"
            + ("" if board.courses else " · no courses yet: press n to add one, then i there to import your notes")
        )
        self.query_one(Heatmap).show(board.days)

    def action_new_course(self) -> None:
        from aksio_tui.screens.new_course import NewCourseScreen

        def added(fields: dict[str, str] | None) -> None:
            if fields:
                self.add_course(fields)

        self.app.push_screen(NewCourseScreen(), added)

    @work(thread=True, exit_on_error=False, group="dashboard-add")
    def add_course(self, fields: dict[str, str]) -> None:
        """Add it in the core (a bad date or a taken name is a notification), then open it to import notes."""
        course = self.aksio_app.call_core(lambda a: a.add_course(**fields))
        self.app.call_from_thread(self.aksio_app.action_go, "course", course=course.id)

    def action_study_all(self) -> None:
        self.aksio_app.action_go("review", course=None)

    def _selected(self) -> str | None:
        return self.query_one(CourseTable).current

    def action_study_course(self) -> None:
        if (course := self._selected()) is not None:
            self.aksio_app.action_go("review", course=course)

    def action_open_course(self) -> None:
        if (course := self._selected()) is not None:
            self.aksio_app.action_go("course", course=course)

    def action_browse(self) -> None:
        self.aksio_app.action_go("cards", course=self._selected())

    def action_generate(self) -> None:
        self.aksio_app.action_go("generate", course=self._selected())

    def action_settings(self) -> None:
        self.aksio_app.action_go("settings")

    def on_course_table_selected(self, event: CourseTable.Selected) -> None:
        event.stop()
        self.action_open_course()
