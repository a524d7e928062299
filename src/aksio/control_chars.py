"""Characters in outside text (documents, cards, file names, a model's answers) that a terminal would obey rather
than show: C0 controls (ESC starts a terminal's escape sequences: retitle, clear the screen, rewrite a line), DEL,
C1 controls (U+009B and U+009D are one-character CSI and OSC to many terminals), the bidi embeddings, overrides
and isolates that reorder what is shown (U+202A-U+202E, U+2066-U+2069: text that reads otherwise than it is), and
lone surrogates (from undecodable file names: writing one to a UTF-8 stream raises).

On output they are shown as Python-style escapes (``\\x1b``, ``\\u202e``): plain ASCII that every font has, one
notation for C0, C1, bidi and surrogates alike (Unicode's control pictures, ␛, cover only C0 and DEL, and one
cannot be told from the same picture typed in a card), and what the errors showed already. A model's answer is
stored with them removed: an escape typed into a card is no use to anyone.
"""

from __future__ import annotations

import re

_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
CONTROL_CHARS = re.compile(f"[{_CONTROLS}]")
"""Any character shown escaped (newline and tab are not among them)."""
_WITH_LINES = re.compile(f"[\t\n{_CONTROLS}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    return _NAMED.get(ch) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: str, *, lines: bool = True) -> str:
    """``text`` with every character a terminal would act on shown as an escape (``\\x1b``); with ``lines``
    newlines and tabs stay (a Windows line end is a newline), else they are shown too (one-line output)."""
    if lines:
        if "\r\n" in text:
            text = text.replace("\r\n", "\n")
        return CONTROL_CHARS.sub(_escape, text)
    return _WITH_LINES.sub(_escape, text)


def without_controls(text: str) -> str:
    """``text`` without the characters ``printable`` shows escaped, newlines and tabs kept: what is stored of
    a model's answer."""
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return CONTROL_CHARS.sub("", text)
