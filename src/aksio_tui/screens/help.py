"""Every binding a key press on the screen below can reach (its focused widget's and that widget's ancestors',
the screen's, the app's), with its id for remapping in the config file."""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static


class KeyRow(NamedTuple):
    """One line of the help: the keys as the config file spells them, what they do, the binding's id."""

    keys: str
    does: str
    id: str


def key_rows(screen: Screen[Any]) -> list[KeyRow]:
    """The bindings a key press on ``screen`` can reach, keymap applied, one row each: the screen's first, then
    its focused widget's and that widget's ancestors', the app's last. Textual's own bindings (those without an
    id) only if they say what they do."""
    # Textual's chain (focused widget up to the app, keymap applied, keys an Input takes removed) is what a key
    # press walks; past a modal screen only priority bindings are looked at (cf. Screen._modal_binding_chain).
    chain = screen._binding_chain
    modal_at = next((i for i, (node, _) in enumerate(chain) if node.is_modal), len(chain))
    reachable = [(node, bindings, i > modal_at) for i, (node, bindings) in enumerate(chain)]
    reachable.sort(key=lambda entry: (entry[0] is not screen, entry[0] is screen.app))  # stable: widgets in chain order
    rows: list[KeyRow] = []
    for _, bindings, priority_only in reachable:
        rows += [row for row in node_rows(bindings, priority_only=priority_only) if row not in rows]
    return rows


def node_rows(bindings: BindingsMap, *, priority_only: bool) -> list[KeyRow]:
    """One node's bindings, one row per binding (a binding bound to several keys shows them together): ours by
    id, then Textual's in the order the node declares them."""
    grouped: dict[tuple[str, ...], list[Binding]] = {}
    for binding in (b for same_key in bindings.key_to_bindings.values() for b in same_key):
        if (priority_only and not binding.priority) or not (binding.id or binding.description):
            continue
        group = (binding.id,) if binding.id else (binding.action, binding.description)
        grouped.setdefault(group, []).append(binding)
    rows = [
        KeyRow(",".join(b.key for b in same), same[0].description or same[0].action, same[0].id or "")
        for same in grouped.values()
    ]
    return sorted(rows, key=lambda row: (not row.id, row.id))


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
            yield Static(
                '[b]Keys[/b] — remap any of them in the config file: [tui.keymap] id = "keys"', id="help-title"
            )
            yield DataTable(id="keys", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "does", "id")
        table.add_rows(key_rows(self.below))
