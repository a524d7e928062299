"""Files and folders to pick from, hidden ones left out, the home folder shown as ~."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.widgets import DirectoryTree


def shown_path(path: Path) -> str:
    """A path as the user would type it: ``~/…`` under the home folder."""
    home = Path.home()
    try:
        rest = path.relative_to(home)
    except ValueError:
        return str(path)
    return "~" if rest == Path() else f"~/{rest}"


class PathPicker(DirectoryTree):
    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".")]

    async def watch_path(self) -> None:
        await super().watch_path()
        self.root.set_label(shown_path(Path(self.path)))
