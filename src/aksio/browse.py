"""The card browser on the facade: every card matching a filter, as light rows, fast at 100k cards.

Functions rather than facade methods: they take the ``Aksio`` facade first and read through its database,
so the browser's needs stay in one module."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from aksio.errors import InvalidInput
from aksio.storage import browse as browse_rows_sql
from aksio.storage.browse import SORTS, BrowseRow, BrowseRows

if TYPE_CHECKING:
    from aksio.models import Card
    from aksio.service import Aksio
    from aksio.storage.db import Database

__all__ = ["SORTS", "BrowseRow", "BrowseRows", "browse_rows", "card_with_source", "rows_of_notes", "split_query"]

# By database, the last listing asked for without words or tags, and what it was asked with, while nothing has
# been committed since and the study day is the same (a bury lasts until a study day ends: only then, or with a
# commit, can a card listed as buried stop being so). Asked for again (clearing the filter box goes back to
# it), it is handed back as a copy sharing its rows: at 100k cards, ~2 ms instead of ~300. Words or tags with
# the same other filters pick its rows by note, and only the notes are searched: ~40 ms instead of ~55 for a
# word on 5% of 100k cards, ~80 instead of ~300 for one on all of them (the first letters typed).
_without_words: WeakKeyDictionary[Database, tuple[tuple[Any, ...], BrowseRows]] = WeakKeyDictionary()


def split_query(text: str) -> tuple[str, list[str]]:
    """Words to look for, and the tags that ``tag:NAME`` words of ``text`` ask for."""
    words, tags = [], []
    for word in text.split():
        if word.lower().startswith("tag:") and len(word) > 4:
            tags.append(word[4:])
        else:
            words.append(word)
    return " ".join(words), tags


def browse_rows(
    aksio: Aksio,
    *,
    course_id: str | None = None,
    text: str = "",
    tag: str | None = None,
    due: bool = False,
    suspended: bool | None = None,
    buried: bool | None = None,
    origin: str | None = None,
    leech: bool = False,
    pending: bool | None = None,
    sort: str = "added",
    descending: bool = False,
) -> BrowseRows:
    """Cards matching every filter, sorted (added, due, course or front). ``text`` matches the note's front or
    back (every word, any case) and may hold ``tag:NAME`` words; ``due``: due by the end of the study day;
    ``suspended``/``buried``/``pending``: only those (True) or none of them (False); ``leech``: tagged leech. A
    card is buried while the study queue hides it: from a bury (or a sibling's answer) to the next study day."""
    if sort not in SORTS:
        raise InvalidInput(f"cannot sort cards by {sort!r}: use {', '.join(SORTS)}")
    words, tags = split_query(text)
    if tag:
        tags.append(tag)
    if leech:
        tags.append("leech")
    day = aksio.study_day()
    query: dict[str, Any] = {
        "course_id": aksio.course_id(course_id) if course_id else None,
        "due_before": int(day.end.timestamp()) if due else None,
        "suspended": suspended,
        "buried": buried,
        "origin": origin,
        "pending": pending,
        "sort": sort,
        "descending": descending,
    }
    asked = (aksio.db.stamp(), day.start, *query.values())
    kept = _without_words.get(aksio.db)
    searching = bool(words.split() or tags)
    if kept is None or kept[0] != asked:
        now = int(aksio.now().timestamp())
        if searching:
            return browse_rows_sql.rows(aksio.db, now=now, text=words, tags=tags, **query)
        kept = asked, browse_rows_sql.rows(aksio.db, now=now, **query)
        _without_words[aksio.db] = kept
    if searching:
        return kept[1].of_notes(browse_rows_sql.notes_matching(aksio.db, words, tags))
    return kept[1].copy()


def rows_of_notes(aksio: Aksio, note_ids: Sequence[str]) -> BrowseRows:
    """The rows of these notes' live cards as they are now: to redraw what an action changed."""
    return browse_rows_sql.rows_of_notes(aksio.db, list(dict.fromkeys(note_ids)), int(aksio.now().timestamp()))


def card_with_source(aksio: Aksio, card_id: str) -> tuple[Card, str]:
    """The card, and the title of the document it cites ("" when it cites none)."""
    from aksio.preview import source_title

    card = aksio.card(card_id)
    title = ""
    if card.source and card.source.document_id:
        title = source_title(aksio, card.source.document_id)
    return card, title
