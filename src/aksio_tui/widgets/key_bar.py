"""The footer: the screen's bindings on one line, drawn as one piece of text.

Textual's ``Footer`` makes a widget per key (styled, laid out and mounted one by one) and builds them all again
whenever the bindings change, as they do when a screen opens or the focus moves: ~20 ms of the app's start and
of every screen opened. This draws the same keys as the compact footer in one ``render``; a click on a key
presses it, the command palette's key stays at the right end, and a key that cannot be used now is dimmed.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    """The current screen's shown bindings, ``key description`` each, one line at the bottom."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--description", "key-bar--rule"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-bar--rule {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        # where each key was drawn: (first cell, cell after its description, key), for a click
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen:
            self.refresh()

    def render(self) -> Text:
        active = self.screen.active_bindings
        palette_key = self.app.COMMAND_PALETTE_BINDING if self.app.ENABLE_COMMAND_PALETTE else None
        keys = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, str]] = []
        shown: set[str] = set()
        for key, (_node, binding, enabled, _tooltip) in active.items():
            if not binding.show or binding.action in shown or key == palette_key:
                continue  # a second key for the same action is listed by the help screen, not here
            shown.add(binding.action)
            start = keys.cell_len
            self._append(keys, self.app.get_key_display(binding), binding.description, enabled)
            spans.append((start, keys.cell_len - 1, key))
        self._spans = spans
        if palette_key is None or palette_key not in active:
            return keys
        _node, binding, enabled, _tooltip = active[palette_key]
        palette = Text("▏", style=self.get_component_rich_style("key-bar--rule"), end="")
        self._append(palette, self.app.get_key_display(binding), binding.description, enabled)
        room = max(self.size.width - palette.cell_len, 0)
        keys.truncate(room, pad=True)  # the palette's key stays in sight however many keys there are
        # keys cut off by the palette's are not clicked through it
        self._spans = [(start, min(end, room), key) for start, end, key in spans if start < room]
        self._spans.append((room, room + palette.cell_len, palette_key))
        return keys + palette

    def _append(self, line: Text, display: str, description: str, enabled: bool) -> None:
        """``display description`` and a space; dimmed if the key does nothing now."""
        dim = Style(dim=None if enabled else True)
        line.append(display, self.get_component_rich_style("key-bar--key") + dim)
        if description:
            line.append(f" {description}", self.get_component_rich_style("key-bar--description") + dim)
        line.append(" ")

    def on_click(self, event: events.Click) -> None:
        """A click on a key (or its description) presses it."""
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
