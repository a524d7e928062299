"""Typed messages that workers post back to the app and its screens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from aksio_tui.sync import Outcome


class CoreError(Message):
    """A user-facing failure from the core (an ``AksioError``): shown as a notification."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class LocalChange(Message):
    """The app changed the home (a commit through its facade): a sync follows a few seconds after the last."""


class SyncDone(Message):
    """A background sync ended, however it ended (``aksio_tui.sync.Outcome``)."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome


class SyncMerged(Message):
    """Sent to the screen shown when a sync merged other devices' changes: what it shows may be out of date."""
