"""Typed messages that workers post back to the app and its screens."""

from __future__ import annotations

from textual.message import Message


class CoreError(Message):
    """A user-facing failure from the core (an ``AksioError``): shown as a notification."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
