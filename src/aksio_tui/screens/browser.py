"""Cards: browse, filter and edit cards (being built)."""

from __future__ import annotations

from aksio_tui.screens.placeholder import ComingScreen


class CardBrowserScreen(ComingScreen):
    def __init__(self, course_id: str | None) -> None:
        super().__init__("Cards", "browse, filter and edit cards")
        self.course_id = course_id
