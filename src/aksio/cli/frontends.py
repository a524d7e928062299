"""Starting the app from the command line, without importing typer: `aksio` alone comes straight here."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

GROUP = "aksio.frontends"


def frontend(name: str) -> Any:
    """The app's launcher, found through its entry point: the core never imports the app's package."""
    import importlib

    from aksio.errors import ConfigError

    target = _declared(name)
    if target is None:  # not read from our own metadata (an unusual install): ask importlib.metadata
        from importlib.metadata import entry_points

        found = entry_points(group=GROUP, name=name)
        if not found:
            raise ConfigError(f"the {name} front end is not installed; reinstall Aksio (pip install -e .)")
        return next(iter(found)).load()
    module, _, attrs = target.partition(":")
    loaded: Any = importlib.import_module(module.strip())
    for attr in attrs.strip().split("."):
        loaded = getattr(loaded, attr)
    return loaded


def _declared(name: str) -> str | None:
    """Entry point ``name`` of our group ("module:attr") as Aksio's installed metadata declares it, read straight
    from its entry_points.txt (an INI file): importlib.metadata would import email, zipfile and csv first, ~10 ms
    of every start of the app. None where no such file says (then importlib.metadata looks)."""
    for folder in sys.path:
        try:
            entries = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in entries:
            if not (entry.startswith("aksio-") and entry.endswith(".dist-info")):
                continue
            try:
                text = (Path(folder or ".") / entry / "entry_points.txt").read_text(encoding="utf-8")
            except OSError:
                continue
            section = ""
            for line in text.splitlines():
                line = line.strip()
                if line.startswith("[") and line.endswith("]"):
                    section = line[1:-1].strip()
                    continue
                key, sep, value = line.partition("=")
                if section == GROUP and sep and key.strip() == name:
                    return value.strip()
    return None


def open_app(home: Path | None, course: str | None = None, start: str = "dashboard") -> None:
    """Open the terminal app on the data in ``home`` (default: AKSIO_HOME or the user data dir)."""
    import gc

    # No cyclic collections while the app loads: its imports set the collector off dozens of times, each pass
    # walking the growing heap of modules to free next to nothing (~20 ms of the start). The app turns it back
    # on once its first frame is drawn (``AksioApp.on_mount``), as ``gc.freeze``'s documentation advises.
    gc.disable()
    from aksio.service import Aksio

    run = frontend("tui")
    with Aksio.open(home) as aksio:
        run(aksio, aksio.course(course).id if course else None, start)
