"""Files and folders to pick from, hidden ones left out, the home folder shown as ~, a name's control characters
(a file can be named with an escape sequence) shown escaped."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.text import Text, TextType
from textual.widgets import DirectoryTree

from aksio.control_chars import printable


def shown_path(path: Path) -> str:
    """A path as the user would type it: ``~/…`` under the home folder (control characters shown escaped)."""
    home = Path.home()
    try:
        rest = path.relative_to(home)
    except ValueError:
        return printable(str(path), lines=False)
    return "~" if rest == Path() else printable(f"~/{rest}", lines=False)


class PathPicker(DirectoryTree):
    def process_label(self, label: TextType) -> Text:
        return super().process_label(printable(label, lines=False) if isinstance(label, str) else label)

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".")]

    async def watch_path(self) -> None:
        await super().watch_path()
        self.root.set_label(shown_path(Path(self.path)))
