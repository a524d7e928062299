"""Which files an import takes, and the parser for each."""

from __future__ import annotations

import os
from pathlib import Path

from aksio.errors import ImportFailed
from aksio.ingest.detect import SUPPORTED, check_content, decode_text, kind_of
from aksio.ingest.parsed import PageCallback, ParsedDocument


def collect(paths: list[Path]) -> tuple[list[Path], list[ImportFailed]]:
    """Expand folders recursively (sorted, hidden files skipped); a bad path is an error, not an exception."""
    files: list[Path] = []
    errors: list[ImportFailed] = []
    seen: set[Path] = set()
    for path in paths:
        if not path.exists():
            errors.append(ImportFailed(str(path), "no such file or folder"))
            continue
        if path.is_dir():
            found = [p for p in _walk(path) if kind_of(p)]
            if not found:
                errors.append(ImportFailed(str(path), f"no supported files in this folder ({SUPPORTED})"))
            candidates = found
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
    out: list[Path] = []
    for root, dirs, names in os.walk(folder, onerror=None):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out.extend(Path(root) / n for n in sorted(names) if not n.startswith("."))
    return out


def read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError:
        raise ImportFailed(str(path), "permission denied") from None
    except IsADirectoryError:
        raise ImportFailed(str(path), "is a folder") from None
    except OSError as exc:
        raise ImportFailed(str(path), f"cannot be read ({exc.strerror or exc})") from None


def parse(path: Path, data: bytes, chunk_chars: int, on_page: PageCallback | None = None) -> ParsedDocument:
    """Parse one file's bytes into a document; every failure is an ``ImportFailed`` naming the file."""
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
