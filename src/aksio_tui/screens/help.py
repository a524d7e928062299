"""Every binding of the screen below (and the app's), with its id for remapping in the config file."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static


class HelpScreen(ModalScreen[None]):
    DEFAULT_CLASSES = "modal"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, below: Screen[Any]) -> None:
        super().__init__()
        self.below = below

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static('[b]Keys[/b] — remap any of them in the config file: [tui.keymap] id = "keys"')
            yield DataTable(id="keys", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "does", "id")
        seen: set[str] = set()
        for _, binding in self._bindings_below():
            if binding.id and binding.id not in seen and binding.action != "dismiss":
                seen.add(binding.id)
                table.add_row(self.app.get_key_display(binding), binding.description or binding.action, binding.id)

    def _bindings_below(self) -> list[tuple[Any, Binding]]:
        out: list[tuple[Any, Binding]] = []
        for node in (self.below, self.app):
            for bindings in node._bindings.key_to_bindings.values():
                out += [(node, b) for b in bindings]
        return sorted(out, key=lambda nb: (nb[0] is self.app, nb[1].id or ""))
