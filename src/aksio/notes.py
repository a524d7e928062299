"""What cards a note makes, and how each card shows its note."""

from __future__ import annotations

from aksio.errors import InvalidInput

KINDS = ("basic", "reverse", "cloze")


def ords_for(kind: str, front: str, back: str) -> list[int]:
    """The card ordinals a note of ``kind`` produces: one, two for reverse, one per cloze deletion."""
    if kind not in KINDS:
        raise InvalidInput(f"unknown card kind {kind!r}: use basic, reverse or cloze")
    if not front.strip():
        raise InvalidInput("the front of a card cannot be empty")
    if kind == "cloze":
        from aksio.srs.cloze import MOST_DELETIONS, cloze_numbers

        numbers = cloze_numbers(front)
        if not numbers:
            raise InvalidInput("cloze text has no deletion: mark one like {{c1::answer}}")
        if numbers[-1] > MOST_DELETIONS:
            raise InvalidInput(f"a cloze deletion is numbered past c{MOST_DELETIONS}: number them from c1")
        return numbers
    if not back.strip():
        raise InvalidInput("the back of a card cannot be empty")
    return [0, 1] if kind == "reverse" else [0]


def render_card(kind: str, ord_: int, front: str, back: str) -> tuple[str, str]:
    """(question, answer) as the student sees them."""
    if kind == "cloze":
        from aksio.srs.cloze import render

        question, answer = render(front, ord_)
        return question, (answer + "\n\n" + back).strip() if back.strip() else answer
    if kind == "reverse" and ord_ == 1:
        return back, front
    return front, back
