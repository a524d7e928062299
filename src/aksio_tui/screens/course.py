"""Course: documents, sections, import, search (being built)."""

from __future__ import annotations

from aksio_tui.screens.placeholder import ComingScreen


class CourseScreen(ComingScreen):
    def __init__(self, course_id: str | None) -> None:
        super().__init__("Course", "documents, sections, import, search")
        self.course_id = course_id
