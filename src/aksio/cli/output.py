"""How the CLI prints: rich for people, one JSON document for scripts, one line for errors. Text from outside
(cards, documents, file names, a model's answers) is shown, never obeyed: the consoles read no markup in strings
and escape control characters (``aksio.cli.safe_console``); a styled line is ``markup(template, *values)``."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, NoReturn

from aksio.control_chars import CONTROL_CHARS, printable

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from aksio.errors import AksioError

_console: Console | None = None
_err: Console | None = None


def console() -> Console:
    global _console  # noqa: PLW0603 - one console per process, made on first use
    if _console is None:
        from aksio.cli.safe_console import SafeConsole

        _console = SafeConsole()
    return _console


def err_console() -> Console:
    global _err  # noqa: PLW0603
    if _err is None:
        from aksio.cli.safe_console import SafeConsole

        _err = SafeConsole(stderr=True)
    return _err


def markup(template: str, *values: object) -> Text:
    """Rich markup ``template`` with its ``{}`` fields filled by ``values`` as plain text: a card's ``[red]``
    or escape sequence is shown as typed. The one way to style a line (the consoles read no markup in strings)."""
    from rich.markup import escape
    from rich.text import Text

    return Text.from_markup(template.format(*(escape(printable(str(v))) for v in values)), emoji=False)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on one line to stderr and exit."""
    text = " ".join(printable(message, lines=False).split())
    sys.stderr.write(f"error: {text}\n")
    sys.stderr.flush()
    raise SystemExit(code)


def error_line(exc: AksioError) -> str:
    """An error as the command line says it: the core's message and, if it has one, the command that helps."""
    return f"{exc}; {exc.cli_hint}" if exc.cli_hint else str(exc)


def print_json(data: Any) -> None:
    """Print one JSON document to stdout (records and lists of them are dumped)."""
    from aksio.records import plain

    text = json.dumps(plain(data), ensure_ascii=False, indent=2)
    # json escapes C0 controls itself, not DEL, C1, bidi controls or lone surrogates: escaped alike here
    sys.stdout.write(CONTROL_CHARS.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def short(row_id: str) -> str:
    """The part of a UUIDv7 a person types: its random end, accepted wherever an id is."""
    return row_id[-8:]
