"""What the app's screens share: the way to the running app (its core gate and navigation)."""

from __future__ import annotations

from textual.message_pump import MessagePump
from textual.screen import Screen

from aksio_tui.app import AksioApp


def app_of(node: MessagePump) -> AksioApp:
    """The running ``AksioApp`` of a screen or widget."""
    app = node.app
    assert isinstance(app, AksioApp)
    return app


class AppScreen(Screen[None]):
    """A full screen of the app."""

    @property
    def aksio_app(self) -> AksioApp:
        return app_of(self)
