"""Decide what a file is from its content, not only its name, and decode text files safely."""

from __future__ import annotations

import codecs
from pathlib import Path

from aksio.errors import ImportFailed

KINDS: dict[str, tuple[str, str]] = {
    ".pdf": ("pdf", "application/pdf"),
    ".epub": ("epub", "application/epub+zip"),
    ".md": ("markdown", "text/markdown"),
    ".markdown": ("markdown", "text/markdown"),
    ".txt": ("text", "text/plain"),
    ".text": ("text", "text/plain"),
    ".html": ("html", "text/html"),
    ".htm": ("html", "text/html"),
    ".xhtml": ("html", "application/xhtml+xml"),
}
SUPPORTED = ", ".join(sorted({k for k, _ in KINDS.values()}))

_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office/EPUB file)"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "a Windows executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"RIFF", "a RIFF media file"),
    (b"ID3", "an MP3 file"),
    (b"\x00\x00\x00", "a binary file"),
]


def kind_of(path: Path) -> tuple[str, str] | None:
    """``(kind, mime)`` for a supported extension, else None."""
    return KINDS.get(path.suffix.lower())


def sniff(data: bytes) -> str | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    return None


def check_content(path: Path, kind: str, data: bytes) -> None:
    """Refuse a file whose bytes do not match its extension (a PNG named .pdf, a binary named .txt)."""
    if not data:
        raise ImportFailed(str(path), "empty file")
    what = sniff(data)
    if kind == "pdf":
        if b"%PDF-" not in data[:1024]:
            raise ImportFailed(str(path), f"not a PDF: it looks like {what or 'something else'}")
    elif kind == "epub":
        if not data.startswith(b"PK\x03\x04"):
            raise ImportFailed(str(path), f"not an EPUB: it looks like {what or 'something else'}")
    elif what is not None and not data.startswith(codecs.BOM_UTF16_LE) and not data.startswith(codecs.BOM_UTF16_BE):
        raise ImportFailed(str(path), f"binary file, not text: it looks like {what}")


def decode_text(path: Path, data: bytes) -> tuple[str, str | None]:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with a BOM, else a detected encoding.

    Returns ``(text, note)`` where note names a non-UTF-8 encoding that was detected.
    """
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _decode(path, data, encoding), None
    head = data[:8192]
    if b"\x00" in head:
        raise ImportFailed(str(path), "binary file, not text (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        _refuse_control(path, text)
        return text, None
    found = _detect(data)
    if found is None or found[1] > 0.2:
        raise ImportFailed(
            str(path), "not UTF-8 and its encoding could not be detected; save it as UTF-8 and import again"
        )
    return _decode(path, data, found[0]), f"decoded as {found[0]}"


# charset_normalizer lists candidates it cannot tell apart in its own order, which puts cp1250 before cp1252
# and cp949 before gb18030: French notes came out with "trčs" for "très", short Chinese ones as Hangul.
# Among the candidates it rates (nearly) as good as its best, take the most widely used encoding.
_PREFERRED = ("cp1252", "gb18030", "cp932", "cp1251", "big5", "cp949")
_CLOSE_CHAOS = 0.02


def _detect(data: bytes) -> tuple[str, float] | None:
    """``(encoding, chaos)`` of the likeliest encoding of ``data``, or None."""
    from charset_normalizer import from_bytes

    results = from_bytes(data)
    best = results.best()
    if best is None or best.encoding is None:
        return None
    close = [m for m in results if m.chaos <= best.chaos + _CLOSE_CHAOS]
    for preferred in _PREFERRED:
        for match in close:
            if preferred == match.encoding or preferred in match.could_be_from_charset:
                return preferred, match.chaos
    return best.encoding, best.chaos


def _decode(path: Path, data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise ImportFailed(str(path), f"cannot be decoded as {encoding}; save it as UTF-8") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    _refuse_control(path, text)
    return text


def _refuse_control(path: Path, text: str) -> None:
    if _control_ratio(text) > 0.05:
        raise ImportFailed(str(path), "binary file, not text (too many control characters)")


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return bad / len(sample)
