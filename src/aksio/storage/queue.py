"""The due queue and the scheduling cache writes. Every 'next card' is one indexed query per queue."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from aksio.errors import DatabaseError
from aksio.records import FrozenRecord
from aksio.storage.cards import CREATED_SECONDS, QUEUE_LEARNING, QUEUE_NEW, QUEUE_REVIEW
from aksio.storage.db import Database, Writer
from aksio.storage.reviews import VOIDED_REVIEWS


class StateRow(FrozenRecord, frozen=True):
    """A card's row in ``card_state``."""

    card_id: str
    note_id: str
    course_id: str
    queue: int
    due: int
    hidden_until: int
    new_order: int
    first_review: int | None
    last_review: int | None
    stability: float | None
    difficulty: float | None
    fsrs: dict[str, Any] | None


_COLS = (
    "card_id, note_id, course_id, queue, due, hidden_until, new_order, first_review, last_review, "
    "stability, difficulty, fsrs"
)

_STATE_COLUMNS = tuple(c.strip() for c in _COLS.split(","))


def _row(r: Any) -> StateRow:
    values = list(r)
    values[-1] = json.loads(values[-1]) if values[-1] else None
    return StateRow(*values)


def state(db: Database | Writer, card_id: str) -> StateRow | None:
    r = db.conn.execute(f"SELECT {_COLS} FROM card_state WHERE card_id = ?", (card_id,)).fetchone()
    return _row(r) if r else None


def states(db: Database | Writer, card_ids: Sequence[str]) -> list[StateRow]:
    out = []
    for card_id in card_ids:
        row = state(db, card_id)
        if row:
            out.append(row)
    return out


def write_state(w: Writer, row: StateRow, before: StateRow | None = None) -> None:
    """Overwrite a card's cached state; its row exists (made with the card). An UPDATE, like
    ``update_state_values``: a third of what INSERT OR REPLACE's delete and insert cost an answer. With ``before``
    (the row as read before), only the columns that changed are written: an UPDATE moves its row in every index
    over a column it sets, even to the value it held (the first review's index, at every answer)."""
    changed = [c for c in _STATE_COLUMNS[1:] if before is None or getattr(row, c) != getattr(before, c)] or list(
        _STATE_COLUMNS[1:]
    )
    values = [getattr(row, c) for c in changed]
    if "fsrs" in changed:
        values[changed.index("fsrs")] = json.dumps(row.fsrs, sort_keys=True) if row.fsrs is not None else None
    sets = ", ".join(f"{c} = ?" for c in changed)
    if w.execute(f"UPDATE card_state SET {sets} WHERE card_id = ?", (*values, row.card_id)).rowcount != 1:
        raise DatabaseError(f"card {row.card_id} has no cached state", cli_hint="run `aksio doctor --rebuild`")


def review_mark(db: Database | Writer, card_id: str) -> tuple[int | None, int] | None:
    """A card's last review time and number of reviews as cached: they change with every answer and undo."""
    r = db.conn.execute(
        "SELECT last_review, coalesce(json_extract(fsrs, '$.reps'), 0) FROM card_state WHERE card_id = ?", (card_id,)
    ).fetchone()
    return (r[0], int(r[1])) if r else None


def set_queue(w: Writer, card_ids: Sequence[str], queue: int) -> None:
    w.executemany("UPDATE card_state SET queue = ? WHERE card_id = ?", [(queue, c) for c in card_ids])


def hide_until(w: Writer, card_ids: Sequence[str], until: int) -> None:
    w.executemany(
        "UPDATE card_state SET hidden_until = max(hidden_until, ?) WHERE card_id = ?", [(until, c) for c in card_ids]
    )


def set_hidden(w: Writer, hidden: Sequence[tuple[str, int]]) -> None:
    """Set cards' ``hidden_until``, given as (card id, until)."""
    w.executemany("UPDATE card_state SET hidden_until = ? WHERE card_id = ?", [(h, c) for c, h in hidden])


def _scope(course_id: str | None) -> tuple[str, list[Any]]:
    return (" AND course_id = ?", [course_id]) if course_id else ("", [])


def next_learning(db: Database, now: int, course_id: str | None) -> str | None:
    """The learning card whose step is due first (only those due by ``now``)."""
    scope, params = _scope(course_id)
    r = db.conn.execute(
        f"SELECT card_id FROM card_state WHERE queue = {QUEUE_LEARNING} AND due <= ? AND hidden_until <= ?{scope} "
        "ORDER BY due LIMIT 1",
        [now, now, *params],
    ).fetchone()
    return r[0] if r else None


def due_reviews(db: Database, now: int, cutoff: int, course_id: str | None) -> list[str]:
    """Visible review cards due by ``cutoff``, most forgotten first: the largest elapsed time over stability.

    FSRS retrievability falls monotonically with elapsed/stability, so ordering by that ratio is
    ordering by predicted recall, lowest first, without a function call per row.
    """
    scope, params = _scope(course_id)
    rows = db.conn.execute(
        f"SELECT card_id FROM card_state WHERE queue = {QUEUE_REVIEW} AND due <= ? AND hidden_until <= ?{scope} "
        "ORDER BY (? - last_review) / stability DESC",
        [cutoff, now, *params, now],
    )
    return [r[0] for r in rows]


def first_learning_due(db: Database, now: int, course_id: str | None) -> int | None:
    """When the first visible learning step falls due (None: no card is learning)."""
    scope, params = _scope(course_id)
    r = db.conn.execute(
        f"SELECT min(due) FROM card_state WHERE queue = {QUEUE_LEARNING} AND hidden_until <= ?{scope}",
        [now, *params],
    ).fetchone()
    return None if r[0] is None else int(r[0])


def next_new(db: Database, now: int, course_ids: Sequence[str]) -> str | None:
    """The first new card (in the order added) among the courses that may still introduce new cards today.

    One indexed probe per course: an ``IN`` over courses would sort every new card of all of them. Two notes
    made on two devices at one stamp share a place: the card id decides (the index holds it: no sort).
    """
    best: tuple[int, str] | None = None
    for course_id in course_ids:
        r = db.conn.execute(
            f"SELECT new_order, card_id FROM card_state WHERE queue = {QUEUE_NEW} AND course_id = ? "
            "AND hidden_until <= ? ORDER BY new_order, card_id LIMIT 1",
            (course_id, now),
        ).fetchone()
        if r and (best is None or (r[0], r[1]) < best):
            best = (r[0], r[1])
    return best[1] if best else None


def new_available(db: Database, now: int, course_id: str, cap: int) -> int:
    """Visible new cards of a course, counted up to ``cap`` (the rest cannot be studied today anyway)."""
    r = db.conn.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM card_state WHERE queue = {QUEUE_NEW} AND course_id = ? "
        "AND hidden_until <= ? LIMIT ?)",
        (course_id, now, cap),
    ).fetchone()
    return int(r[0])


def counts(db: Database, now: int, cutoff: int, course_id: str | None) -> dict[str, int]:
    """Cards due: learning (due by now) and review (due by the end of the day)."""
    scope, params = _scope(course_id)
    out = {}
    for name, queue, bound in (("learning", QUEUE_LEARNING, now), ("review", QUEUE_REVIEW, cutoff)):
        out[name] = db.conn.execute(
            f"SELECT count(*) FROM card_state WHERE queue = {queue} AND due <= ? AND hidden_until <= ?{scope}",
            [bound, now, *params],
        ).fetchone()[0]
    return out


def new_per_course(db: Database, new_counts_since: int) -> dict[str, int]:
    """How many new cards each course introduced since a moment (the start of the study day)."""
    rows = db.conn.execute(
        # without INDEXED BY the planner walks the course index for the GROUP BY: every card instead of today's
        "SELECT course_id, count(*) FROM card_state INDEXED BY card_state_first_review WHERE first_review >= ? "
        "GROUP BY course_id",
        (new_counts_since,),
    )
    return {r[0]: r[1] for r in rows}


def courses_with_new(db: Database, now: int, course_id: str | None) -> list[str]:
    """Live courses that have a visible new card (one indexed probe per course)."""
    scope = " AND c.id = ?" if course_id else ""
    rows = db.conn.execute(
        "SELECT c.id FROM course c WHERE c.deleted = 0" + scope + " AND EXISTS (SELECT 1 FROM card_state s "
        f"WHERE s.course_id = c.id AND s.queue = {QUEUE_NEW} AND s.hidden_until <= ?)",
        [*([course_id] if course_id else []), now],
    )
    return [r[0] for r in rows]


def new_limits(db: Database) -> dict[str, int]:
    """Each live course's daily new-card limit."""
    return {r[0]: r[1] for r in db.conn.execute("SELECT id, daily_new_limit FROM course WHERE deleted = 0")}


def scheduling_options(db: Database, course_id: str) -> tuple[Any, ...]:
    """What a course's scheduler depends on, to tell whether a cached one is still right."""
    r = db.conn.execute("SELECT desired_retention, srs, hlc FROM course WHERE id = ?", (course_id,)).fetchone()
    return tuple(r) if r else ()


def state_values(db: Database | Writer, card_ids: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """These cards' ``card_state`` rows as stored, in ``StateRow`` order with fsrs as JSON text, by card id:
    one query (the ids as one JSON parameter, so its text is the same for any number and stays prepared)."""
    cursor = db.conn.cursor()
    cursor.row_factory = None  # plain tuples: no sqlite3.Row per row
    rows = cursor.execute(_STATES_OF, (json.dumps(list(card_ids)),))
    return {r[0]: r for r in rows}


def stored_states(db: Database | Writer, course_id: str | None = None) -> dict[str, tuple[Any, ...]]:
    """Every cached state (of one course, or all) as ``state_values`` reads them, by card id: one pass."""
    scope, params = (" WHERE course_id = ?", (course_id,)) if course_id else ("", ())
    cursor = db.conn.cursor()
    cursor.row_factory = None
    return {r[0]: r for r in cursor.execute(f"SELECT {_COLS} FROM card_state{scope}", params)}


def update_state_values(w: Writer, rows: Sequence[tuple[Any, ...]]) -> None:
    """Overwrite existing rows with values in the form ``state_values`` reads them (the fsrs column as JSON text,
    as ``write_state`` stores it). An UPDATE: a third of what INSERT OR REPLACE's delete and insert cost."""
    w.executemany(_UPDATE_STATE, [(*row[1:], row[0]) for row in rows])


def update_changed_states(w: Writer, rows: Sequence[tuple[Any, ...]], stored: dict[str, tuple[Any, ...]]) -> None:
    """``update_state_values`` for rows read before (``stored``, as ``state_values`` gives them), writing only the
    columns whose values changed: an UPDATE moves its row in every index over a column it sets, even to the value
    it held, and a merge of 100 changes dirtied a third more pages for that."""
    by_columns: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
    for row in rows:
        old = stored[row[0]]
        changed = tuple(i for i in range(1, len(row)) if row[i] != old[i])
        if changed:
            by_columns.setdefault(changed, []).append((*(row[i] for i in changed), row[0]))
    for changed, params in by_columns.items():
        sets = ", ".join(f"{_STATE_COLUMNS[i]} = ?" for i in changed)
        w.executemany(f"UPDATE card_state SET {sets} WHERE card_id = ?", params)


def insert_state_values(w: Writer, rows: Sequence[tuple[Any, ...]]) -> None:
    """Add rows in the form ``state_values`` reads them (for cards whose row was lost)."""
    marks = ", ".join("?" * len(_COLS.split(",")))
    w.executemany(f"INSERT INTO card_state ({_COLS}) VALUES ({marks})", rows)


def state_count(db: Database | Writer) -> int:
    """How many cards have a cached state (every live card)."""
    return int(db.conn.execute("SELECT count(*) FROM card_state").fetchone()[0])


def delete_states(w: Writer, card_ids: Sequence[str]) -> None:
    w.executemany("DELETE FROM card_state WHERE card_id = ?", [(c,) for c in card_ids])


# The columns of a card and of its note that its cached state derives from (``_FACTS`` reads them), with the
# tombstone: a merge that changes none of them leaves the state as it is.
STATE_COLUMNS = {
    "card": frozenset({"note_id", "course_id", "suspended", "created_at", "buried_until", "deleted"}),
    "note": frozenset({"status", "new_order", "deleted"}),
}
_FACT_COLUMNS = (
    "k.id, k.note_id, k.course_id, k.suspended, n.status = 'pending', "
    f"{CREATED_SECONDS.format('k.created_at')}, n.new_order, k.buried_until"
)
_FACTS = f"SELECT {_FACT_COLUMNS} FROM card k JOIN note n ON n.id = k.note_id WHERE k.deleted = 0"
# ... of the cards given as a JSON list, in its order
_FACTS_OF = (
    f"SELECT {_FACT_COLUMNS} FROM json_each(?) AS j JOIN card k ON k.id = j.value JOIN note n ON n.id = k.note_id "
    "WHERE k.deleted = 0 ORDER BY j.key"
)


def live_cards(db: Database | Writer, course_id: str | None = None) -> list[tuple[Any, ...]]:
    """Every live card (of one course, or all), by id, as what its cached state derives from besides its
    reviews: (id, note id, course id, suspended, pending, created (unix seconds), the note's new order,
    buried_until), the fields of ``card_states.CardFacts``."""
    scope, params = (" AND k.course_id = ?", (course_id,)) if course_id else ("", ())
    cursor = db.conn.cursor()
    cursor.row_factory = None  # plain tuples: no sqlite3.Row per row
    return cursor.execute(f"{_FACTS}{scope} ORDER BY k.id", params).fetchall()


def notes_with_siblings(db: Database | Writer, course_id: str | None = None) -> dict[str, list[str]]:
    """The live cards of each note that has more than one (of one course, or all), by note id."""
    scope, params = (" AND course_id = ?", (course_id,)) if course_id else ("", ())
    live = f"FROM card WHERE deleted = 0{scope}"
    rows = db.conn.execute(
        f"SELECT note_id, id {live} AND note_id IN (SELECT note_id {live} GROUP BY note_id HAVING count(*) > 1)",
        params * 2,
    )
    out: dict[str, list[str]] = {}
    for note_id, card_id in rows:
        out.setdefault(note_id, []).append(card_id)
    return out


def card_facts(db: Database | Writer, card_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """``live_cards`` for a few cards, in the order given (one query)."""
    cursor = db.conn.cursor()
    cursor.row_factory = None
    return cursor.execute(_FACTS_OF, (json.dumps(list(card_ids)),)).fetchall()


def orphan_states(db: Database | Writer, course_id: str | None = None) -> list[str]:
    """Cards with a cached state but deleted (or unknown): their rows should have gone with them."""
    scope, params = _scope(course_id)
    rows = db.conn.execute(
        "SELECT card_id FROM card_state WHERE NOT EXISTS "
        f"(SELECT 1 FROM card k WHERE k.id = card_state.card_id AND k.deleted = 0){scope}",
        params,
    )
    return [r[0] for r in rows]


_UPDATE_STATE = (
    "UPDATE card_state SET note_id = ?, course_id = ?, queue = ?, due = ?, hidden_until = ?, new_order = ?, "
    "first_review = ?, last_review = ?, stability = ?, difficulty = ?, fsrs = ? WHERE card_id = ?"
)


_STATES_OF = (
    f"SELECT {', '.join(f's.{c.strip()}' for c in _COLS.split(','))} FROM json_each(?) AS j "
    "JOIN card_state AS s ON s.card_id = j.value"
)


def fsrs_value(text: str | None) -> dict[str, Any] | None:
    """The state dict a stored fsrs column holds, as ``state`` reads it."""
    return json.loads(text) if text else None


def review_logs(
    db: Database | Writer, course_id: str | None = None, hours: dict[str, list[int]] | None = None
) -> dict[str, list[tuple[int, datetime]]]:
    """Every card's counting reviews (live, not voided) as (rating, time), in ``reviewed_at, id`` order, by card
    id (of one course, or all). ``hours``, if given, gets the counting answers and their milliseconds by hour
    (``YYYY-MM-DDTHH``: the ``review_hour`` cache, counted in the same pass rather than in a second one).

    One pass over the table in id order, then a stable sort of each card's reviews by time: ordering by card
    and time in SQL walks the (card_id, reviewed_at) index and looks each of a million rows up in the table,
    which takes three times as long. The voided reviews, a few, are read apart and taken out of their cards'
    lists (one of equal time and rating is as good as another for a replay): filtering them out in SQL costs
    every review a probe, a sixth of the pass.
    """
    join, params = (" JOIN card k ON k.id = r.card_id AND k.course_id = ?", (course_id,)) if course_id else ("", ())
    cursor = db.conn.cursor()
    cursor.row_factory = None
    rows = cursor.execute(
        f"SELECT r.card_id, r.reviewed_at, r.rating, r.duration_ms FROM review r{join} WHERE r.deleted = 0 "
        "ORDER BY r.id",
        params,
    )
    found: dict[str, list[tuple[str, int]]] = {}
    if hours is None:
        for card_id, reviewed_at, rating, _ in rows:
            reviews = found.get(card_id)
            if reviews is None:
                found[card_id] = reviews = []
            reviews.append((reviewed_at, rating))
    else:
        for card_id, reviewed_at, rating, duration_ms in rows:
            reviews = found.get(card_id)
            if reviews is None:
                found[card_id] = reviews = []
            reviews.append((reviewed_at, rating))
            hour = hours.get(reviewed_at[:13])
            if hour is None:
                hours[reviewed_at[:13]] = [1, duration_ms]
            else:
                hour[0] += 1
                hour[1] += duration_ms
    voided = cursor.execute(
        f"SELECT r.card_id, r.reviewed_at, r.rating, r.duration_ms FROM {VOIDED_REVIEWS}{join} WHERE r.deleted = 0",
        params,
    ).fetchall()
    for card_id, reviewed_at, rating, duration_ms in voided:
        found[card_id].remove((reviewed_at, rating))
        if not found[card_id]:
            del found[card_id]
        if hours is not None:
            hour = hours[reviewed_at[:13]]
            hour[0] -= 1
            hour[1] -= duration_ms
    parse = datetime.fromisoformat
    by_time = itemgetter(0)  # the text, as SQL orders it; stable, so the same time keeps the id order
    return {
        card_id: [(rating, parse(at)) for at, rating in sorted(reviews, key=by_time)]
        for card_id, reviews in found.items()
    }
