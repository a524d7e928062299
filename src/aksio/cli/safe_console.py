"""The CLI's rich console, made for printing outside text (card fronts, document titles, file names, a model's
answers): a string is shown as it is, never read as markup (a card's ``[/]`` would end in a traceback, its
``[link=...]`` would be a link) or as emoji codes, and no character a terminal would obey (ESC, C1 controls, bidi
overrides) reaches the terminal from any renderable, however it was built."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

from aksio.control_chars import CONTROL_CHARS, printable


class SafeConsole(Console):
    """A ``Console`` that reads no markup in strings and shows control characters escaped (``\\x1b``)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **options)

    def render_str(self, text: str, **options: Any) -> Text:
        # escaped before rich measures the text, so a table's columns are as wide as what is shown
        return super().render_str(printable(text), **options)

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
        # every renderable's text passes here (nested ones too): a Text or Markdown built from outside text
        # without ``printable`` is still shown escaped, only measured a little short
        for segment in super().render(renderable, options):
            if segment.control is None and CONTROL_CHARS.search(segment.text):
                yield Segment(printable(segment.text), segment.style)
            else:
                yield segment
