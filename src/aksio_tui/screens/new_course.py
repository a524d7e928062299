"""A new course from the app: its name, and optionally a code and an exam date."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class NewCourseScreen(ModalScreen[dict[str, str] | None]):
    """Returns the fields typed (empty ones left out), or None if cancelled; the core checks them."""

    DEFAULT_CLASSES = "modal"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Cancel", id="new_course.cancel"),
    ]

    DEFAULT_CSS = """
    NewCourseScreen Label { margin-top: 1; }
    NewCourseScreen Button { margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        # compact fields: with bordered ones the box outgrew 24 rows and cut off its last line
        with Vertical() as box:
            box.border_title = "New course"
            yield Label("Name")
            yield Input(placeholder="e.g. Operating Systems", id="course-name", compact=True)
            yield Label("Code (optional)")
            yield Input(placeholder="e.g. CS301", id="course-code", compact=True)
            yield Label("Exam date (optional, YYYY-MM-DD)")
            yield Input(placeholder="e.g. 2027-01-20", id="course-exam", compact=True)
            yield Button("Add", id="add", variant="primary", compact=True)
            yield Static("enter adds · tab moves · escape cancels", classes="modal-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.add()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.add()

    def add(self) -> None:
        fields = {
            "name": self.query_one("#course-name", Input).value.strip(),
            "code": self.query_one("#course-code", Input).value.strip(),
            "exam_date": self.query_one("#course-exam", Input).value.strip(),
        }
        if not fields["name"]:
            self.notify("a course needs a name", severity="warning")
            self.query_one("#course-name", Input).focus()
            return
        self.dismiss({key: value for key, value in fields.items() if value})

    def action_dismiss(self, result: Any = None) -> None:  # type: ignore[override]
        self.dismiss(None)
