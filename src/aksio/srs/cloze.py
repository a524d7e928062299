"""Cloze deletions: ``{{c1::answer}}`` or ``{{c1::answer::hint}}``, one card per number."""

from __future__ import annotations

import re

_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)


def cloze_numbers(text: str) -> list[int]:
    """The deletion numbers in ``text``, sorted, without repeats (c1 twice is one card)."""
    return sorted({int(m.group(1)) for m in _CLOZE.finditer(text) if int(m.group(1)) > 0 and m.group(2).strip()})


def render(text: str, number: int) -> tuple[str, str]:
    """(question, answer) for deletion ``number``: it is hidden as [...] (or [hint]) in the question and
    shown in bold in the answer; every other deletion shows as plain text in both."""

    def question(m: re.Match[str]) -> str:
        if int(m.group(1)) == number:
            return f"[{m.group(3).strip()}]" if m.group(3) else "[...]"
        return m.group(2)

    def answer(m: re.Match[str]) -> str:
        return f"**{m.group(2)}**" if int(m.group(1)) == number else m.group(2)

    return _CLOZE.sub(question, text), _CLOZE.sub(answer, text)
