"""The header: the icon that opens the command palette, and the screen's title and sub-title (and the app's
sync state after them), in one widget.

Textual's ``Header`` is four widgets (icon, title, clock space and itself), each styled and laid out when a
screen opens: ~7 ms of the app's start. This draws the same line (the same cells as a ``Header()`` without
its clock) in one ``render``.
"""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.widget import Widget

ICON = "⭘"
ICON_WIDTH = 8  # as Textual's header: the icon and its padding on the left...
CLOCK_WIDTH = 10  # ...and the room of its (hidden) clock on the right, so the title is centred the same


class TitleBar(Widget):
    """The screen's title (or the app's) and sub-title, centred; a click on the icon opens the palette."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def on_mount(self) -> None:
        for owner in (self.app, self.screen):
            self.watch(owner, "title", self._retitle, init=False)
            self.watch(owner, "sub_title", self._retitle, init=False)
        self.watch(self.app, "sync_line", self._retitle, init=False)  # the line ends with the sync's state

    def _retitle(self) -> None:
        self.refresh()

    def render(self) -> Content:
        screen = self.screen
        title = screen.title if screen.title is not None else self.app.title
        sub_title = screen.sub_title if screen.sub_title is not None else self.app.sub_title
        room = max(self.size.width - ICON_WIDTH - CLOCK_WIDTH, 0)
        line = self.app.format_title(title, sub_title)
        if line.cell_length > room:
            line = line.truncate(room, ellipsis=True)
        left = (room - line.cell_length) // 2  # (Content.center pads the right by the line's length too much)
        line = line.pad(left, room - line.cell_length - left)
        return Content.assemble(Content(f" {ICON}").pad_right(ICON_WIDTH - 2), line, Content(" " * CLOCK_WIDTH))

    async def on_click(self, event: events.Click) -> None:
        if event.x < ICON_WIDTH and self.app.ENABLE_COMMAND_PALETTE:
            event.stop()
            await self.run_action("app.command_palette")
