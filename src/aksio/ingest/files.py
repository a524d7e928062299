"""Which files an import takes, and the parser for each."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from aksio.bulk import collector_paused
from aksio.errors import ImportFailed
from aksio.ingest.detect import SUPPORTED, check_content, decode_text, kind_of
from aksio.ingest.parsed import PageCallback, ParsedDocument


def collect(paths: list[Path]) -> tuple[list[Path], list[ImportFailed]]:
    """Expand folders recursively (sorted, hidden files skipped); a bad path is an error, not an exception.

    Only regular files are taken (symbolic links followed): a named pipe or a device under a document's
    name is refused when named, and passed over in a folder, without ever being opened.
    """
    files: list[Path] = []
    errors: list[ImportFailed] = []
    seen: set[Path] = set()
    for path in paths:
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            errors.append(ImportFailed(str(path), _unreachable(exc)))
            continue
        if stat.S_ISDIR(mode):
            found = [p for p in _walk(path) if kind_of(p) and _is_regular(p)]
            if not found:
                errors.append(ImportFailed(str(path), f"no supported files in this folder ({SUPPORTED})"))
            candidates = found
        elif not stat.S_ISREG(mode):
            errors.append(ImportFailed(str(path), _not_regular(mode)))
            continue
        elif kind_of(path) is None:
            errors.append(ImportFailed(str(path), f"unsupported file type {path.suffix or '(none)'} ({SUPPORTED})"))
            continue
        else:
            candidates = [path]
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                files.append(candidate)
    return files, errors


def _walk(folder: Path) -> list[Path]:
    """Every file name below ``folder``; linked folders are not entered, so a link loop cannot recur."""
    out: list[Path] = []
    for root, dirs, names in os.walk(folder, onerror=None):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out.extend(Path(root) / n for n in sorted(names) if not n.startswith("."))
    return out


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:  # a broken link or a link loop
        return False


def _unreachable(exc: OSError) -> str:
    """Why a path cannot be looked at."""
    if isinstance(exc, PermissionError):
        return "permission denied"
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop"
    if isinstance(exc, FileNotFoundError | NotADirectoryError):
        return "no such file or folder"
    return f"cannot be read ({exc.strerror or exc})"


def _not_regular(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "not a regular file (a named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "not a regular file (a device)"
    if stat.S_ISSOCK(mode):
        return "not a regular file (a socket)"
    return "not a regular file"


# Opening does not wait even if the path became a named pipe after it was looked at (its type is checked
# again on the open file); O_BINARY keeps Windows from translating line ends.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


# Text formats are read whole and cost ~5 bytes of memory per byte of text; no page of notes is this big.
MAX_TEXT_BYTES = 100 * 1024 * 1024
_TEXT_KINDS = frozenset(("markdown", "text", "html"))


def read(path: Path) -> bytes:
    """The bytes of a regular file; anything else (a folder, a pipe, a device) is refused before it is opened,
    and so is a text document over MAX_TEXT_BYTES."""
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise ImportFailed(str(path), "is a folder")
        if not stat.S_ISREG(mode):
            raise ImportFailed(str(path), _not_regular(mode))
        with open(os.open(path, _OPEN_FLAGS), "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise ImportFailed(str(path), _not_regular(mode))
            found = kind_of(path)
            if found and found[0] in _TEXT_KINDS:
                return _read_at_most(path, fh, MAX_TEXT_BYTES)
            return fh.read()
    except IsADirectoryError:
        raise ImportFailed(str(path), "is a folder") from None
    except OSError as exc:
        raise ImportFailed(str(path), _unreachable(exc)) from None


def readable_path(text: str) -> str:
    """A path as text that can be stored and printed: bytes of a file name that are not UTF-8 (which Python
    holds as lone surrogates, and SQLite, JSON and a UTF-8 terminal refuse) written as ``\\xe9``."""
    try:
        raw = os.fsencode(text)
    except UnicodeEncodeError:  # a surrogate that no file name decodes to: typed, not listed
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def _read_at_most(path: Path, fh: BinaryIO, limit: int) -> bytes:
    """The file's bytes, refused past ``limit`` (read one byte further: a file may grow after it is looked at)."""
    if os.fstat(fh.fileno()).st_size <= limit:
        data = fh.read(limit + 1)
        if len(data) <= limit:
            return data
    raise ImportFailed(str(path), f"too big for a text document (over {limit // 2**20} MB): split it into smaller ones")


def parse(path: Path, data: bytes, chunk_chars: int, on_page: PageCallback | None = None) -> ParsedDocument:
    """Parse one file's bytes into a document; every failure is an ``ImportFailed`` naming the file.

    ``path`` only names the document (messages, the title when the content has none): it is not read again."""
    path = Path(readable_path(str(path)))
    # a parser makes an object per block, token or line: the cyclic collector would walk them all again and
    # again (half the time of a Markdown file of short paragraphs) for nothing, as they hold no cycles
    with collector_paused():
        doc = _parse(path, data, chunk_chars, on_page)
    doc.scrub()
    return doc


def _parse(path: Path, data: bytes, chunk_chars: int, on_page: PageCallback | None) -> ParsedDocument:
    found = kind_of(path)
    if found is None:
        raise ImportFailed(str(path), f"unsupported file type ({SUPPORTED})")
    kind, mime = found
    check_content(path, kind, data)
    if kind in ("pdf", "epub"):
        from aksio.ingest.pdf import parse_paged

        return parse_paged(path, data, kind, mime, chunk_chars, on_page)
    text, note = decode_text(path, data)
    from aksio.ingest import markup

    parser = {"markdown": markup.parse_markdown, "html": markup.parse_html, "text": markup.parse_text}[kind]
    doc = parser(path, text, mime, chunk_chars)
    if note:
        doc.warnings.append(note)
    return doc
