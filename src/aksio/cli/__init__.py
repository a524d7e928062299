"""The ``aksio`` command. Imports stay inside the commands so that ``aksio --help`` starts fast."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: runs the typer app, turning user errors into one line and an exit code."""
    from aksio.cli.app import app
    from aksio.cli.output import fail

    try:
        app(args=argv, prog_name="aksio", standalone_mode=True)
    except KeyboardInterrupt:
        fail("interrupted", code=130)
    except Exception as exc:
        import sqlite3

        from aksio.errors import AksioError

        if isinstance(exc, AksioError):
            fail(str(exc), code=exc.exit_code)
        if isinstance(exc, sqlite3.DatabaseError):  # damage found past the checks made when opening
            fail(f"the database is corrupt ({exc}); run `aksio doctor` and restore it from a backup", code=1)
        raise
    sys.exit(0)
