"""Generate: generate cards and questions (being built)."""

from __future__ import annotations

from aksio_tui.screens.placeholder import ComingScreen


class GenerateScreen(ComingScreen):
    def __init__(self, course_id: str | None) -> None:
        super().__init__("Generate", "generate cards and questions")
        self.course_id = course_id
