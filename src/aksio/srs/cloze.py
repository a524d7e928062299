"""Cloze deletions: ``{{c1::answer}}`` or ``{{c1::answer::hint}}``, one card per number."""

from __future__ import annotations

import re

_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
MOST_DELETIONS = 999  # c1 to c999: a card per number, and a number is an SQLite integer (c99999999999999999999 is not)


def deletion_number(digits: str) -> int:
    """A deletion's number; one too long to be real is taken as one past the most (Python refuses to parse
    thousands of digits)."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= len(str(MOST_DELETIONS)) else MOST_DELETIONS + 1


def cloze_numbers(text: str) -> list[int]:
    """The deletion numbers in ``text``, sorted, without repeats (c1 twice is one card)."""
    numbers = {deletion_number(m.group(1)) for m in _CLOZE.finditer(text) if m.group(2).strip()}
    return sorted(n for n in numbers if n > 0)


def render(text: str, number: int) -> tuple[str, str]:
    """(question, answer) for deletion ``number``: it is hidden as [...] (or [hint]) in the question and
    shown in bold in the answer; every other deletion shows as plain text in both."""

    def question(m: re.Match[str]) -> str:
        if deletion_number(m.group(1)) == number:
            return f"[{m.group(3).strip()}]" if m.group(3) else "[...]"
        return m.group(2)

    def answer(m: re.Match[str]) -> str:
        return f"**{m.group(2)}**" if deletion_number(m.group(1)) == number else m.group(2)

    return _CLOZE.sub(question, text), _CLOZE.sub(answer, text)
