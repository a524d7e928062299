"""The ``aksio`` command. Imports stay inside the commands so that ``aksio --help`` starts fast."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: runs the typer app, turning user errors into one line and an exit code."""
    from aksio.cli.output import error_line, fail

    args = sys.argv[1:] if argv is None else argv
    try:
        if not args and sys.stdin.isatty() and sys.stdout.isatty():
            # `aksio` alone opens the terminal app (in a pipe it prints the help as before), without loading
            # the command line's parser first: the app's first frame comes that much sooner
            from aksio.cli.frontends import open_app

            open_app(None)
        else:
            from aksio.cli.app import app

            app(args=args, prog_name="aksio", standalone_mode=True)
    except KeyboardInterrupt:
        fail("interrupted", code=130)
    except Exception as exc:
        import sqlite3

        from aksio.errors import AksioError

        if isinstance(exc, AksioError):
            fail(error_line(exc), code=exc.exit_code)
        if isinstance(exc, sqlite3.Error):  # met past the core's own checks (a read): damage, a full disk...
            from aksio.cli.app import _state
            from aksio.service import database_failure

            fail(error_line(database_failure(exc, _state["home"])), code=1)
        if isinstance(exc, UnicodeEncodeError) and "surrogates" in exc.reason:
            # an argument with bytes that are not UTF-8 (a shell's $'\x9b'): fine as a file's path, not as text
            fail("an argument is not valid UTF-8 text; type it again or give it as UTF-8", code=2)
        raise
    sys.exit(0)
