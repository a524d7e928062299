"""How the CLI prints: rich for people, one JSON document for scripts, one line for errors."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.console import Console

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


def print_json(data: Any) -> None:
    """Print one JSON document to stdout (pydantic models and lists of them are dumped)."""
    sys.stdout.write(json.dumps(_plain(data), ensure_ascii=False, indent=2) + "\n")


def _plain(data: Any) -> Any:
    from pydantic import BaseModel

    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, list | tuple):
        return [_plain(x) for x in data]
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    return data


def short(row_id: str) -> str:
    """The part of a UUIDv7 a person types: its random end, accepted wherever an id is."""
    return row_id[-8:]


def model_dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
