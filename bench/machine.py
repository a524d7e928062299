"""What every bench reports of the machine and the libraries its figures came from."""

from __future__ import annotations

import os
import platform
import sqlite3
from importlib.metadata import version
from typing import Any


def machine(*packages: str) -> dict[str, Any]:
    """Cores, platform, Python and SQLite, and the version of each installed package named."""
    return {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        **{name: version(name) for name in packages},
    }
