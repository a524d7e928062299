"""Where the tutor, quiz, plan and stats screens of the next issues will go."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from aksio_tui.widgets.key_bar import KeyBar
from aksio_tui.widgets.title_bar import TitleBar


class ComingScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back", id="coming.back")]

    def __init__(self, title: str, what: str) -> None:
        super().__init__()
        self.title_text = title
        self.what = what

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(f"{self.title_text}: {self.what}.\n\nNot built yet; it comes with a later release.", id="summary")
        yield KeyBar()
