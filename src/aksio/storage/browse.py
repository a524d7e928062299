"""The card browser's one query: every card matching a filter as a plain tuple, sorted, in one statement.

No ``Card`` models here: at 100k cards, building one per row would take seconds; a tuple per row takes
milliseconds and the browser only ever draws the few rows on screen. Numbers (the queue) rather than names
where it can: each string column costs ~10 ms more per 100k rows."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from itertools import compress
from operator import indexOf, itemgetter
from typing import Any, NamedTuple, SupportsIndex, cast, overload

from aksio.bulk import collector_paused
from aksio.storage.cards import QUEUE_NAMES, origin_condition
from aksio.storage.db import Database

# Not a card_state queue: the browser's code for a card the study queue hides until its bury ends.
QUEUE_BURIED = -3
_STATES = {**QUEUE_NAMES, QUEUE_BURIED: "buried"}


class BrowseRow(NamedTuple):
    """One card as the browser lists it. ``queue`` is the card_state queue, -1 (suspended) for any suspended
    card, -3 (buried) for a card buried until later than the listing's moment; ``front`` is the note text the
    card asks about (the back for the reverse card of a reverse note);
    ``due`` is unix seconds, None for a card never studied."""

    id: str
    course: str
    kind: str
    ord: int
    queue: int
    due: int | None
    flag: int
    front: str
    note_id: str

    @property
    def state(self) -> str:
        """new, learning, review, suspended, buried or pending."""
        return _STATES.get(self.queue, "new")


_ID, _NOTE_ID = BrowseRow._fields.index("id"), BrowseRow._fields.index("note_id")


class BrowseRows(list[BrowseRow]):
    """A listing: the plain tuples SQLite returns, each handed out as a ``BrowseRow`` when read (by index,
    slice, iteration, ``pop``, ``copy`` or ``sort``'s key).

    Python's cyclic collector stops tracking a plain tuple of strings and numbers the first time it meets one,
    but never an instance of a tuple subclass: 100k ``BrowseRow``s held by the browser made every full
    collection walk them all (~40 ms at 100k cards, a dropped frame every dozen page-downs), and making them
    cost another 25 ms per 100k rows. The methods below answer what a browser asks of all its rows without
    making a ``BrowseRow`` of each."""

    __slots__ = ()

    def __init__(self, rows: Iterable[tuple[Any, ...]] = ()) -> None:
        super().__init__(cast(Iterable[BrowseRow], rows))

    def _plain(self) -> Iterator[tuple[Any, ...]]:
        return super().__iter__()

    @overload
    def __getitem__(self, index: SupportsIndex) -> BrowseRow: ...

    @overload
    def __getitem__(self, index: slice) -> BrowseRows: ...

    def __getitem__(self, index: SupportsIndex | slice) -> BrowseRow | BrowseRows:
        if isinstance(index, slice):
            return BrowseRows(super().__getitem__(index))
        return BrowseRow._make(super().__getitem__(index))

    def __iter__(self) -> Iterator[BrowseRow]:
        return map(BrowseRow._make, self._plain())

    def __reversed__(self) -> Iterator[BrowseRow]:
        return map(BrowseRow._make, super().__reversed__())

    def pop(self, index: SupportsIndex = -1) -> BrowseRow:
        return BrowseRow._make(super().pop(index))

    def copy(self) -> BrowseRows:
        return BrowseRows(self._plain())

    def __add__(self, other: Iterable[BrowseRow]) -> BrowseRows:  # type: ignore[override]
        return BrowseRows([*self._plain(), *map(tuple, other)])

    def sort(self, *, key: Any = None, reverse: bool = False) -> None:
        super().sort(key=None if key is None else lambda row: key(BrowseRow._make(row)), reverse=reverse)

    def ids(self) -> list[str]:
        """The cards' ids, in order."""
        return list(map(itemgetter(_ID), self._plain()))

    def index_of(self, card_id: str) -> int | None:
        """Where the card is in the listing, if it is."""
        try:
            return indexOf(map(itemgetter(_ID), self._plain()), card_id)
        except ValueError:
            return None

    def of_cards(self, card_ids: Collection[str]) -> BrowseRows:
        """The rows of these cards, in listing order."""
        return self._where(_ID, card_ids)

    def of_notes(self, note_ids: Collection[str]) -> BrowseRows:
        """The rows of these notes' cards, in listing order."""
        return self._where(_NOTE_ID, note_ids)

    def _where(self, column: int, values: Collection[str]) -> BrowseRows:
        kept = map(values.__contains__, map(itemgetter(column), self._plain()))
        return BrowseRows(compress(self._plain(), kept))

    def updated(self, fresh: Iterable[BrowseRow], note_ids: Iterable[str]) -> BrowseRows:
        """The rows of these notes' cards replaced by their version in ``fresh``; one that ``fresh`` lacks
        (its card was deleted) is left out."""
        notes = set(note_ids)
        by_id = {row.id: tuple(row) for row in fresh}
        return BrowseRows(
            by_id[row[_ID]] if row[_NOTE_ID] in notes else row
            for row in self._plain()
            if row[_NOTE_ID] not in notes or row[_ID] in by_id
        )


SORTS = ("added", "due", "course", "front")

# Buried, as the study queue has it: hidden until a moment after the one given (a bury by hand or a sibling's
# answer); held and suspended cards are out of study anyway and listed as such.
_BURIED = "(k.suspended = 0 AND s.queue >= 0 AND s.hidden_until > ?)"
# its one parameter, the moment, comes first in a query's parameters
_COLUMNS = f"""
SELECT k.id, c.name, n.kind, k.ord,
       CASE WHEN k.suspended THEN -1 WHEN {_BURIED} THEN {QUEUE_BURIED} ELSE s.queue END,
       CASE WHEN s.last_review IS NULL THEN NULL ELSE s.due END,
       k.flag,
       CASE WHEN n.kind = 'reverse' AND k.ord = 1 THEN n.back ELSE n.front END,
       k.note_id
"""
_CARDS_FIRST = """
FROM card k
JOIN note n ON n.id = k.note_id
JOIN course c ON c.id = k.course_id
JOIN card_state s ON s.card_id = k.id
"""
# A word or tag filter is tested once per note, before any of its cards is looked up. Left to itself, SQLite
# goes through every card and looks up its note first: 66 ms at 100k cards for a word found nowhere, 21 ms
# this way. (CROSS JOIN is how SQLite is told the order of a join.)
_NOTES_FIRST = """
FROM note n
CROSS JOIN card k ON k.note_id = n.id
JOIN course c ON c.id = k.course_id
JOIN card_state s ON s.card_id = k.id
"""

# the key, then a tie-breaker that keeps a note's cards together in the order they were added
_ORDER = {
    "added": ("s.new_order", "k.ord"),
    "due": ("s.due", "s.new_order, k.ord"),
    "course": ("c.name COLLATE NOCASE", "s.new_order, k.ord"),
    "front": ("n.front COLLATE NOCASE", "s.new_order, k.ord"),
}


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def rows(
    db: Database,
    *,
    now: int,
    course_id: str | None = None,
    text: str = "",
    tags: Sequence[str] = (),
    due_before: int | None = None,
    suspended: bool | None = None,
    buried: bool | None = None,
    origin: str | None = None,
    pending: bool | None = None,
    sort: str = "added",
    descending: bool = False,
) -> BrowseRows:
    """Live cards matching every filter given (``tags``: all of them), sorted by ``sort``; buried is told as of
    ``now`` (unix seconds)."""
    note_where, params = _note_conditions(text, tags)
    params.insert(0, now)
    where = ["k.deleted = 0", *note_where]
    if course_id:
        where.append("k.course_id = ?")
        params.append(course_id)
    if due_before is not None:
        where.append("s.queue IN (1, 2) AND s.due <= ? AND k.suspended = 0")
        params.append(due_before)
    if suspended is not None:
        where.append("k.suspended = ?")
        params.append(int(suspended))
    if buried is not None:
        where.append(f"{_BURIED} = ?")
        params += [now, int(buried)]
    if origin:
        where.append(origin_condition("n.origin"))
        params += [origin, origin, origin]
    if pending is not None:
        where.append("n.status = ?")
        params.append("pending" if pending else "active")
    key, tie = _ORDER[sort]
    direction = " DESC" if descending else ""
    order = f"{key}{direction}, {tie}"
    if sort == "due":  # cards never studied have no due date: they go last either way
        order = f"s.last_review IS NULL, {order}"
    tables = _NOTES_FIRST if note_where else _CARDS_FIRST
    sql = _COLUMNS + tables + " WHERE " + " AND ".join(where) + " ORDER BY " + order
    return BrowseRows(_select(db, sql, params))


def notes_matching(db: Database, text: str, tags: Sequence[str]) -> set[str]:
    """The ids of the notes that hold every word of ``text`` in their front or back and carry every tag."""
    where, params = _note_conditions(text, tags)
    sql = "SELECT n.id FROM note n WHERE " + (" AND ".join(where) or "1")
    return set(map(itemgetter(0), _select(db, sql, params)))


def _note_conditions(text: str, tags: Sequence[str]) -> tuple[list[str], list[Any]]:
    """SQL conditions on the note ``n``, and their parameters: every word of ``text`` in its front or back (any
    case), every tag among its tags."""
    where: list[str] = []
    params: list[Any] = []
    for word in text.split():
        where.append("(n.front LIKE ? ESCAPE '\\' OR n.back LIKE ? ESCAPE '\\')")
        params += [_like(word), _like(word)]
    for tag in tags:
        # the LIKE is a cheap pre-check that skips parsing the JSON of the notes that cannot match
        where.append("n.tags LIKE ? AND EXISTS (SELECT 1 FROM json_each(n.tags) WHERE json_each.value = ?)")
        params += [_like(tag), tag]
    return where, params


def rows_of_notes(db: Database, note_ids: Sequence[str], now: int) -> BrowseRows:
    """The live cards of these notes (what an action on some cards changed: siblings share their note), buried
    as of ``now``."""
    found: list[Any] = []
    for start in range(0, len(note_ids), 500):  # under SQLite's limit on parameters
        part = list(note_ids[start : start + 500])
        marks = ",".join("?" * len(part))
        found += _select(db, _COLUMNS + _CARDS_FIRST + f" WHERE k.note_id IN ({marks}) AND k.deleted = 0", [now, *part])
    return BrowseRows(found)


def _select(db: Database, sql: str, params: Sequence[Any]) -> list[Any]:
    cursor = db.conn.cursor()
    cursor.row_factory = None  # plain tuples: sqlite3.Row objects would cost more, and be copied again here
    # 100k new tuples set off the cyclic collector dozens of times over a list it cannot free (a fifth of
    # the time at 100k cards): it waits until they are built
    with collector_paused():
        return cursor.execute(sql, params).fetchall()
