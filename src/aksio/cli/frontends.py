"""Starting the app from the command line, without importing typer: `aksio` alone comes straight here."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def frontend(name: str) -> Any:
    """The app's launcher, found through its entry point: the core never imports the app's package."""
    from importlib.metadata import entry_points

    from aksio.errors import ConfigError

    found = entry_points(group="aksio.frontends", name=name)
    if not found:
        raise ConfigError(f"the {name} front end is not installed; reinstall Aksio (pip install -e .)")
    return next(iter(found)).load()


def open_app(home: Path | None, course: str | None = None, start: str = "dashboard") -> None:
    """Open the terminal app on the data in ``home`` (default: AKSIO_HOME or the user data dir)."""
    from aksio.service import Aksio

    run = frontend("tui")
    with Aksio.open(home) as aksio:
        run(aksio, aksio.course(course).id if course else None, start)
