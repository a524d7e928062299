"""How the CLI prints: rich for people, one JSON document for scripts, one line for errors."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from rich.console import Console

    from aksio.errors import AksioError

_console: Console | None = None
_err: Console | None = None


def console() -> Console:
    global _console  # noqa: PLW0603 - one console per process, made on first use
    if _console is None:
        from rich.console import Console

        _console = Console(highlight=False)
    return _console


def err_console() -> Console:
    global _err  # noqa: PLW0603
    if _err is None:
        from rich.console import Console

        _err = Console(stderr=True, highlight=False)
    return _err


def printable(text: str) -> str:
    """``text`` with control characters (a newline in a file name...) shown escaped, so one error stays one line."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on one line to stderr and exit."""
    text = " ".join(printable(message).split())
    sys.stderr.write(f"error: {text}\n")
    sys.stderr.flush()
    raise SystemExit(code)


def error_line(exc: AksioError) -> str:
    """An error as the command line says it: the core's message and, if it has one, the command that helps."""
    return f"{exc}; {exc.cli_hint}" if exc.cli_hint else str(exc)


def print_json(data: Any) -> None:
    """Print one JSON document to stdout (records and lists of them are dumped)."""
    from aksio.records import plain

    sys.stdout.write(json.dumps(plain(data), ensure_ascii=False, indent=2) + "\n")


def short(row_id: str) -> str:
    """The part of a UUIDv7 a person types: its random end, accepted wherever an id is."""
    return row_id[-8:]
