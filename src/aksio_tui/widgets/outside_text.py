"""Text from outside the app as its widgets draw it: written by anyone (an imported deck, a document, a model's
answer), so shown as text, never read as markup, with the characters a terminal would obey shown escaped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markdown import Markdown
from rich.text import Text

from aksio.control_chars import printable

if TYPE_CHECKING:
    from aksio.models import Course


def card_markdown(text: str) -> Markdown:
    """A card's front or back, drawn as Markdown; a link is shown with its address (as the page preview draws
    them), not as a link that could say one place and open another."""
    return Markdown(printable(text), hyperlinks=False)


def course_label(course: Course) -> Text:
    """A course as a choice in a list: its name and code (a plain string there would be read as markup)."""
    return Text(printable(course.name + (f" ({course.code})" if course.code else ""), lines=False))
