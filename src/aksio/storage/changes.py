"""This device's changes read for sending, and another device's merged here: the SQL behind
``Aksio.changes_since`` and ``Aksio.apply_changes`` (the records are in ``aksio.changes``).

Outgoing, the change log says which rows changed after a cursor (it keeps which columns, not values): each is
sent once, with its current values and their stamps, however often it changed. Incoming, each row is merged
column by column (``storage/stamps.py``: the later stamp wins), parents before children; a row whose parent is
not here yet waits in ``held_change`` and is merged by the first merge that brings it. Nothing merged enters the
change log: those changes are their own device's to send (see the README's design notes on sync).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from graphlib import TopologicalSorter
from itertools import starmap
from typing import Any

from aksio.bulk import collector_paused
from aksio.changes import FORMAT, FUTURE_LIMIT_MS, STAMP, ChangeBatch, HeldChange, MergeReport, RowChange
from aksio.errors import AksioError, BadBatch
from aksio.records import Record
from aksio.storage import activity, documents, generation, stamps, tags
from aksio.storage.db import SYNCED, Database, Writer
from aksio.storage.queue import STATE_COLUMNS
from aksio.storage.search import index_text, scope_token
from aksio.storage.write_guard import stamping_path

# A row whose parent is deleted is deleted with it (the cascades of storage/courses.py and documents.py, and a
# note's of its cards), parents first. A row that arrives after its parent's delete, made on a device that had
# not seen it, is deleted here as it arrives (or as the delete does): see ``_settle_deletes``.
CASCADE = (
    ("document", "course_id", "course"),
    ("section", "document_id", "document"),
    ("chunk", "document_id", "document"),
    ("note", "course_id", "course"),
    ("card", "note_id", "note"),
    ("question", "course_id", "course"),
    ("card_import", "course_id", "course"),
)
_STAMPS = re.compile(f"(?:{STAMP.pattern}\n)*{STAMP.pattern}")  # stamps one a line
# the course columns a card's scheduling derives from: a change to them derives every card of the course again
_SCHEDULING = frozenset({"desired_retention", "srs"})
_PARENTS: dict[str, tuple[tuple[str, str], ...]] = {}
_ORDER: list[str] = []
_REVIEWS = ("review", "review_void")  # an answer and the marker of its undo: each changes its card's state


class Merged(Record, kw_only=True):
    """What a merge changed that the facade keeps up to date beyond the rows: the scheduling cache."""

    report: MergeReport
    cards: list[str]  # cards whose cached state must be derived again (their siblings with them)
    courses: list[str]  # courses whose scheduler changed: all their cards
    blobs: list[str]  # files the live documents merged refer to


def parents(db: Database, table: str) -> tuple[tuple[str, str], ...]:
    """``table``'s columns that name a parent row, with the parent's table (its foreign keys)."""
    known = _PARENTS.get(table)
    if known is None:
        rows = db.conn.execute(f"PRAGMA foreign_key_list({table})").fetchall()
        known = _PARENTS[table] = tuple((r["from"], r["table"]) for r in rows)
    return known


def merge_order(db: Database) -> tuple[str, ...]:
    """The synced tables, every parent's before its children's (a row refers to its parent by foreign key).
    Worked out once (the schema is this version's), as ``parents`` is."""
    if not _ORDER:
        graph = {t: sorted({p for _, p in parents(db, t) if p != t}) for t in sorted(SYNCED)}
        graph["tag_entry"] = sorted(tags.TAGGED)  # not a foreign key, but an entry's row is best merged before it
        _ORDER.extend(TopologicalSorter(graph).static_order())
    return tuple(_ORDER)


# -- outgoing -----------------------------------------------------------------------------------------------


def outgoing(db: Database, after: int, limit: int) -> ChangeBatch:
    """The rows this device changed after its change log's ``after``, with their current values and stamps: at
    most ``limit`` rows named by the log, with what travels with them (a note's cards, a row's tag entries).
    Read inside one read transaction. (The cyclic collector waits: a first transfer holds 50k rows of dicts.)"""
    with collector_paused():
        return _outgoing(db, after, limit)


def _outgoing(db: Database, after: int, limit: int) -> ChangeBatch:
    picked, upto = _logged_rows(db, after, limit)
    _add_carried(db, picked)
    tables: dict[str, list[RowChange]] = {}
    for table in merge_order(db):
        ids = list(picked.get(table, ()))
        if ids:
            rows = list(starmap(_row_change, stamps.stamped_rows(db, table, ids)))
            if [row.id for row in rows] != ids:  # in the log's order: a parent before its child
                found = {row.id: row for row in rows}
                rows = [found[i] for i in ids if i in found]
            tables[table] = rows
    blobs = sorted({r.values["sha256"] for r in tables.get("document", ()) if not r.values.get("deleted")})
    mark = db.conn.execute("SELECT stamp FROM hlc_mark WHERE id = 1").fetchone()
    return ChangeBatch(
        format=FORMAT,
        device=db.device,
        since=after,
        upto=upto,
        high=mark[0] if mark else None,
        tables=tables,
        blobs=blobs,
    )


def _row_change(row_id: str, values: dict[str, Any], stamp: str, stamps: dict[str, str]) -> RowChange:
    return RowChange(row_id, stamp, values, stamps)


def _logged_rows(db: Database, after: int, limit: int) -> tuple[dict[str, dict[str, None]], int]:
    """The rows the log names after ``after``, in the order first named, by table, at most ``limit`` of them;
    and the last entry read (every entry up to it names one of these rows)."""
    picked: dict[str, dict[str, None]] = {}
    count, upto = 0, after
    cursor = db.conn.cursor()
    cursor.row_factory = None  # plain tuples: no sqlite3.Row per entry (a first transfer reads a million)
    named, ids = "", {}  # the table of the entry before, and its rows: entries come in runs of one table
    for seq, table, row_id in cursor.execute(
        "SELECT seq, tbl, row_id FROM change_log WHERE seq > ? ORDER BY seq", (after,)
    ):
        if table != named:
            named, ids = table, picked.setdefault(table, {})
        if row_id not in ids:
            if count >= limit:
                break
            ids[row_id] = None
            count += 1
        upto = seq
    return picked, upto


def _add_carried(db: Database, picked: dict[str, dict[str, None]]) -> None:
    """Add the rows a log entry covers without entries of their own: the cards made with a note (its insert
    entry covers them) and a row's tag entries (its tags at insert are entries made with it)."""
    notes = list(picked.get("note", ()))
    if notes:
        cards = picked.setdefault("card", {})
        rows = db.conn.execute(
            "SELECT k.id FROM json_each(?) AS j JOIN card AS k ON k.note_id = j.value", (json.dumps(notes),)
        )
        cards.update((r[0], None) for r in rows)
    entries = picked.setdefault("tag_entry", {})
    for table in sorted(tags.TAGGED):
        entries.update(dict.fromkeys(tags.entries_of(db, list(picked.get(table, ())))))


# -- incoming -----------------------------------------------------------------------------------------------


def merge(w: Writer, batch: ChangeBatch) -> Merged:
    """Merge another device's batch, inside ``w``'s transaction: every row column by column, parents first, a
    row whose parent is missing held (and the rows held before merged if theirs came); rows arriving under a
    deleted parent deleted; the search index kept. A batch that cannot be merged raises ``BadBatch`` before
    or while writing: the caller's transaction then rolls back whole. (The cyclic collector waits, as a batch
    of 50k rows of dicts would set it off again and again to free nothing.)"""
    with collector_paused():
        return _merge(w, batch)


def _merge(w: Writer, batch: ChangeBatch) -> Merged:
    check(w.db, batch)
    run = _Merge(w, batch.name)
    if batch.high:
        w.receive(batch.high)
    for table in merge_order(w.db):
        rows = batch.tables.get(table)
        if rows:
            run.rows(table, [(row.id, row.values, row.stamp, row.stamps) for row in rows])
    run.release_held()
    run.report.deleted = _settle_deletes(w, run.touched, run.scheduled)
    run.report.chunks = _reindex_chunks(w, run.touched.get("chunk", set()))
    _forget_deleted(w, run.touched)
    run.report.held = int(w.conn.execute("SELECT count(*) FROM held_change").fetchone()[0])
    return Merged(
        report=run.report,
        cards=_cards_to_derive(w, run.scheduled, run.answered),
        courses=sorted(run.scheduling),
        blobs=batch.blobs,
    )


def check(db: Database, batch: ChangeBatch) -> None:
    """Refuse a batch this version cannot merge, naming it and why: a newer format, a table or column it does not
    know, a stamp or value that is not one (a damaged batch)."""
    name = batch.name
    if batch.format > FORMAT:
        raise BadBatch(f"{name} is of a newer format ({batch.format}; this Aksio reads {FORMAT}): upgrade Aksio")
    if batch.format < 1 or not batch.device or (batch.high is not None and not STAMP.fullmatch(batch.high)):
        raise BadBatch(f"{name} is damaged: it does not say its format, device or stamp")
    for table, rows in batch.tables.items():
        if table not in SYNCED:
            raise BadBatch(f"{name} changes a table this version of Aksio does not know ({table!r}): upgrade Aksio")
        known = set(stamps.value_columns(db, table)) | ({"tags"} if table in tags.TAGGED else set())
        if not _sound(rows, known):
            _refuse(name, table, rows, known)
    _not_from_the_future(db, batch)


def _not_from_the_future(db: Database, batch: ChangeBatch) -> None:
    """Refuse a batch stamped further ahead of this device's clock than any clock is wrong: merged, it would
    carry this device's clock (which moves past every stamp it sees) and every device's after it out there for
    good, and a forged stamp at the end of time would leave no stamp to write after it."""
    latest = batch.latest_stamp()
    if latest and int(latest[:13]) > db.clock.now().timestamp() * 1000 + FUTURE_LIMIT_MS:
        when = datetime.fromtimestamp(int(latest[:13]) / 1000, UTC).date().isoformat()
        raise BadBatch(
            f"{batch.name} is stamped {when}, more than {FUTURE_LIMIT_MS // 86_400_000} days ahead of this "
            "device's clock: check the date and time of the device that made it"
        )


def _sound(rows: Sequence[RowChange], known: set[str]) -> bool:
    """Whether every row is whole, of known columns and stamped, checked over all the rows at once (a first
    transfer's batch holds 50k): the columns as one set, the stamps as one string."""
    given: set[str] = set().union(*(row.values.keys() for row in rows))
    if not given <= known or not all(row.id and row.values for row in rows):
        return False
    if not all(row.stamps.keys() <= row.values.keys() for row in rows if row.stamps):
        return False
    given_stamps = [row.stamp for row in rows]
    given_stamps.extend(stamp for row in rows if row.stamps for stamp in row.stamps.values())
    lines = "\n".join(given_stamps)
    return lines.count("\n") == len(given_stamps) - 1 and _STAMPS.fullmatch(lines) is not None


def _refuse(name: str, table: str, rows: Sequence[RowChange], known: set[str]) -> None:
    """Raise, for the first row that is not sound, what is wrong with it."""
    for row in rows:
        if not row.values.keys() <= known:
            unknown = sorted(row.values.keys() - known)[0]
            raise BadBatch(
                f"{name} changes {table}.{unknown}, a column this version of Aksio does not know: upgrade Aksio"
            )
        if not row.id or not row.values or not row.stamps.keys() <= row.values.keys():
            raise BadBatch(f"{name} is damaged: a {table} row without an id or values")
        if not STAMP.fullmatch(row.stamp) or (row.stamps and not all(map(STAMP.fullmatch, row.stamps.values()))):
            raise BadBatch(f"{name} is damaged: {table} {row.id} has a stamp that is not one")
    raise BadBatch(f"{name} is damaged: a {table} row is not one")


class _Merge:
    """One batch being merged: what it has touched so far, for the caches kept after it."""

    def __init__(self, w: Writer, batch: str) -> None:
        self.w = w
        self.batch = batch
        self.report = MergeReport()
        self.touched: dict[str, set[str]] = {}  # rows inserted or changed, by table
        self.scheduled: dict[str, set[str]] = {}  # ... of those, the ones a card's scheduling state derives from
        self.answered: set[str] = set()  # cards of the reviews and void markers new here (their state derives again)
        self.scheduling: set[str] = set()  # courses whose scheduling options changed
        self.present: dict[str, set[str]] = {}  # rows known to be here, by table (parents looked up, rows merged)

    def rows(self, table: str, rows: Sequence[stamps.Stamped]) -> None:
        """Merge rows of one table, in order (a parent before the child that names it), holding those whose
        parent is not here."""
        ready, held = self._ready(table, rows)
        if held:
            self._check_held(table, [row for row, _ in held])
            for row, waits_for in held:
                _hold(self.w, table, row, waits_for, self.batch)
        if not ready:
            return
        self.present.setdefault(table, set()).update(row[0] for row in ready)
        taken = self._apply(table, ready)
        if taken is None:
            self._inserted(table, ready)
            return
        answers = []
        for row_id, values, _, _ in ready:
            if row_id not in taken:
                continue
            self.report.rows += 1
            self.touched.setdefault(table, set()).add(row_id)
            if table in _REVIEWS or not STATE_COLUMNS.get(table, frozenset()).isdisjoint(taken[row_id]):
                self.scheduled.setdefault(table, set()).add(row_id)
            # An insert takes every column given, created_at with them, which nothing writes again: a review
            # that takes it is new here (an answer to count; a marker voiding it would have waited for it), a
            # course that does has no card with a state yet.
            inserted = "created_at" in taken[row_id]
            if table == "course" and not inserted and _SCHEDULING.intersection(taken[row_id]):
                self.scheduling.add(row_id)
            elif inserted and table == "review" and not values.get("deleted"):
                answers.append((values["reviewed_at"], int(values.get("duration_ms") or 0)))
            elif inserted and table == "review_void":
                self._count_undo(values)
        activity.count_answers(self.w, answers)

    def _inserted(self, table: str, rows: Sequence[stamps.Stamped]) -> None:
        """Keep account of rows all new here, inserted whole (``rows`` above, in bulk): every one took every
        column, so a card's or a note's state derives from it, a review is an answer to count, a marker takes its
        answer out, and a course has no card with a state yet."""
        ids = [row[0] for row in rows]
        self.report.rows += len(ids)
        self.touched.setdefault(table, set()).update(ids)
        if table in _REVIEWS:  # the values are the rows as stored: their cards are known
            self.answered.update(values["card_id"] for _, values, _, _ in rows)
        elif table in STATE_COLUMNS:
            self.scheduled.setdefault(table, set()).update(ids)
        if table == "review":
            live = (values for _, values, _, _ in rows if not values.get("deleted"))
            activity.count_answers(self.w, [(v["reviewed_at"], int(v.get("duration_ms") or 0)) for v in live])
        elif table == "review_void":
            for _, values, _, _ in rows:
                self._count_undo(values)

    def _apply(self, table: str, rows: Sequence[stamps.Stamped]) -> dict[str, list[str]] | None:
        """``stamps.merge_rows``: the columns taken by row, or None when every row was new here and inserted whole;
        a row the schema refuses makes the batch a damaged one."""
        try:
            return stamps.merge_rows(self.w, table, rows)
        except (sqlite3.IntegrityError, sqlite3.InterfaceError, sqlite3.ProgrammingError) as exc:
            # a value the schema refuses, or one that is no value (a list): a damaged or forged batch
            raise BadBatch(f"{self.batch} is damaged: {table}: {exc}") from None
        except AksioError as exc:
            raise BadBatch(f"{self.batch}: {exc}") from None

    def _check_held(self, table: str, rows: Sequence[stamps.Stamped]) -> None:
        """Refuse the batch now if a row it holds could not be merged once its parent came (it would stop every
        later merge): the rows are written with the parent checks put off, then rolled back."""
        conn = self.w.conn
        conn.execute("SAVEPOINT held")
        conn.execute("PRAGMA defer_foreign_keys = ON")
        try:
            self._apply(table, rows)
        finally:
            conn.execute("ROLLBACK TO held")
            conn.execute("RELEASE held")
            conn.execute("PRAGMA defer_foreign_keys = OFF")

    def _count_undo(self, values: dict[str, Any]) -> None:
        """Take an answer out of the activity cache when the first live marker voiding it arrives."""
        row = self.w.conn.execute(
            "SELECT reviewed_at, duration_ms, deleted, (SELECT count(*) FROM review_void v "
            "WHERE v.review_id = r.id AND v.deleted = 0) FROM review r WHERE r.id = ?",
            (values["review_id"],),
        ).fetchone()
        reviewed_at, duration, deleted, voids = row
        if not deleted and voids == 1 and not values.get("deleted"):
            activity.count_answer(self.w, reviewed_at, duration, sign=-1)

    def _ready(
        self, table: str, rows: Sequence[stamps.Stamped]
    ) -> tuple[Sequence[stamps.Stamped], list[tuple[stamps.Stamped, str]]]:
        """The rows whose parents are here, in order, and the others with the parent each waits for."""
        if not self._look_up_parents(table, rows):
            return rows, []
        ready, held = [], []
        for row in rows:
            waits_for = self._missing_parent(table, row[1])
            if waits_for is None:
                ready.append(row)
                self.present.setdefault(table, set()).add(row[0])  # a row may be the parent of one after it
            else:
                held.append((row, waits_for))
        return ready, held

    def _look_up_parents(self, table: str, rows: Sequence[stamps.Stamped]) -> bool:
        """Find which of the parent rows these rows name are here (one query per parent table); whether any is
        not."""
        missing = False
        for column, parent in parents(self.w.db, table):
            have = self.present.setdefault(parent, set())
            wanted = {values.get(column) for _, values, _, _ in rows}
            wanted.discard(None)
            wanted -= have
            if wanted:
                found = self.w.conn.execute(
                    f"SELECT p.id FROM json_each(?) AS j JOIN {parent} AS p ON p.id = j.value",
                    (json.dumps(sorted(wanted)),),
                )
                have.update(r[0] for r in found)
                wanted -= have
                # (a parent in the same table may come earlier in these rows: each row is then looked at in turn)
                missing = missing or bool(wanted)
        return missing

    def _missing_parent(self, table: str, values: dict[str, Any]) -> str | None:
        """The parent row (``"<table> <id>"``) a row names that is not here, if any (``_look_up_parents`` first)."""
        for column, parent in parents(self.w.db, table):
            value = values.get(column)
            if value is not None and value not in self.present.get(parent, ()):
                return f"{parent} {value}"
        return None

    def release_held(self) -> None:
        """Merge the held rows whose parent is here now, until none is (a released row may be another's parent)."""
        while True:
            held = _held_rows(self.w)
            released = 0
            for table in merge_order(self.w.db):
                rows = [row for t, row in held if t == table]
                self._look_up_parents(table, rows)
                rows = [row for row in rows if self._missing_parent(table, row[1]) is None]
                self.w.conn.executemany(
                    "DELETE FROM held_change WHERE tbl = ? AND row_id = ?", [(table, row[0]) for row in rows]
                )
                if rows:
                    self.rows(table, rows)
                    released += len(rows)
            self.report.released += released
            if not released:
                return


def _hold(w: Writer, table: str, row: stamps.Stamped, waits_for: str, batch: str) -> None:
    """Keep a row until its parent arrives; a row held already keeps, column by column, the later version."""
    row_id, values, base, own = row
    kept = w.conn.execute("SELECT columns FROM held_change WHERE tbl = ? AND row_id = ?", (table, row_id)).fetchone()
    if kept is not None:
        old, new = _columns((row_id, *json.loads(kept[0]))), _columns(row)
        later = {c: vs for c, vs in new.items() if c not in old or vs[1] > old[c][1]}
        row_id, values, base, own = stamps.stamped(row_id, {**old, **later})
    w.conn.execute(
        "INSERT OR REPLACE INTO held_change (tbl, row_id, columns, waits_for, batch, held_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (table, row_id, json.dumps([values, base, own], ensure_ascii=False), waits_for, batch, w.now),
    )


def _columns(row: stamps.Stamped) -> stamps.Columns:
    _, values, base, own = row
    return {c: (v, own.get(c, base)) for c, v in values.items()}


def _held_rows(w: Writer) -> list[tuple[str, stamps.Stamped]]:
    rows = w.conn.execute("SELECT tbl, row_id, columns FROM held_change").fetchall()
    return [(r[0], (r[1], *json.loads(r[2]))) for r in rows]


def held(db: Database) -> list[HeldChange]:
    """The rows waiting for their parent, oldest first."""
    rows = db.conn.execute("SELECT tbl, row_id, waits_for, batch FROM held_change ORDER BY held_at, tbl, row_id")
    return [HeldChange(table=r[0], row_id=r[1], waits_for=r[2], batch=r[3]) for r in rows]


@stamping_path  # a merge's settled delete: derived the same way on every device, so unstamped and unlogged
def _settle_deletes(w: Writer, touched: dict[str, set[str]], scheduled: dict[str, set[str]]) -> int:
    """Delete the live rows this merge touched whose parent is deleted, and the live children of the parents it
    deleted: rows made on a device that had not seen their parent's delete. How many.

    The delete keeps the column's stamp and is not logged: every device that holds both rows settles it the same
    way, so they agree without sending it, and a delete made on purpose elsewhere (a later stamp) still wins."""
    settled = 0
    for child, column, parent in CASCADE:
        kids, elders = touched.get(child), touched.get(parent)
        found: set[str] = set()
        if kids:
            found.update(
                r[0]
                for r in w.conn.execute(
                    f"SELECT c.id FROM {child} c JOIN {parent} p ON p.id = c.{column} "
                    "WHERE c.deleted = 0 AND p.deleted = 1 AND c.id IN (SELECT value FROM json_each(?))",
                    (json.dumps(sorted(kids)),),
                )
            )
        if elders:
            found.update(
                r[0]
                for r in w.conn.execute(
                    f"SELECT id FROM {child} WHERE deleted = 0 AND {column} IN "
                    f"(SELECT id FROM {parent} WHERE deleted = 1 AND id IN (SELECT value FROM json_each(?)))",
                    (json.dumps(sorted(elders)),),
                )
            )
        if found:
            w.conn.executemany(
                f"UPDATE {child} SET deleted = 1, updated_at = ? WHERE id = ?", [(w.now, i) for i in sorted(found)]
            )
            touched.setdefault(child, set()).update(found)
            scheduled.setdefault(child, set()).update(found)
            settled += len(found)
    return settled


def _reindex_chunks(w: Writer, chunk_ids: Iterable[str]) -> int:
    """Put these chunks into the search index as they are now, or take them out (deleted, or their document is)."""
    ids = sorted(chunk_ids)
    if not ids:
        return 0
    rows = w.conn.execute(
        "SELECT k.rid, k.text, k.deleted OR d.deleted, d.course_id, d.id FROM chunk k "
        "JOIN document d ON d.id = k.document_id WHERE k.id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),),
    ).fetchall()
    w.conn.executemany("DELETE FROM chunk_fts WHERE rowid = ?", [(r[0],) for r in rows])
    w.conn.executemany(
        "INSERT INTO chunk_fts (rowid, body, scope) VALUES (?, ?, ?)",
        [(r[0], index_text(r[1]), scope_token(r[3])) for r in rows if not r[2]],
    )
    documents.reweigh(w, (r[4] for r in rows))
    return len(rows)


def _forget_deleted(w: Writer, touched: dict[str, set[str]]) -> None:
    """Drop what this device keeps of the deleted rows merged: cards' undo entries, courses' generation parts."""
    for card_id in _deleted(w, "card", touched.get("card", ())):
        w.conn.execute("DELETE FROM undo_log WHERE card_id = ?", (card_id,))
    for course_id in _deleted(w, "course", touched.get("course", ())):
        generation.forget_parts(w, course_id)


def _deleted(w: Writer, table: str, ids: Iterable[str]) -> list[str]:
    rows = w.conn.execute(
        f"SELECT id FROM {table} WHERE deleted = 1 AND id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(ids)),),
    )
    return [r[0] for r in rows]


def _cards_to_derive(w: Writer, touched: Mapping[str, set[str]], answered: Iterable[str] = ()) -> list[str]:
    """The cards whose scheduling state a merge may have changed: those merged, those of the notes merged and of
    the reviews merged (``answered``: the cards of those new here, known from their rows), and their siblings (an
    answer hides a card's siblings for the day)."""
    cards = set(touched.get("card", ()))
    cards.update(answered)
    for table in _REVIEWS:  # an answer, or its undo
        if touched.get(table):
            rows = w.conn.execute(
                f"SELECT card_id FROM {table} WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(touched[table])),),
            )
            cards.update(r[0] for r in rows)
    notes = set(touched.get("note", ()))
    if cards:
        rows = w.conn.execute(
            "SELECT note_id FROM card WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(sorted(cards)),)
        )
        notes.update(r[0] for r in rows)
    if notes:
        rows = w.conn.execute(
            "SELECT id FROM card WHERE note_id IN (SELECT value FROM json_each(?))", (json.dumps(sorted(notes)),)
        )
        cards.update(r[0] for r in rows)
    return sorted(cards)


# -- cursors ------------------------------------------------------------------------------------------------


def cursor(db: Database, peer: str, kind: str) -> int:
    """How far this home has pushed to (``push``: its own log's sequence number the peer has acknowledged) or
    pulled from (``pull``: the peer's) a peer; 0 when never."""
    row = db.conn.execute("SELECT seq FROM sync_cursor WHERE peer = ? AND kind = ?", (peer, kind)).fetchone()
    return int(row[0]) if row else 0


def set_cursor(w: Writer, peer: str, kind: str, seq: int) -> None:
    w.conn.execute(
        "INSERT INTO sync_cursor (peer, kind, seq, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (peer, kind) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at",
        (peer, kind, seq, w.now),
    )


def last_seq(db: Database) -> int:
    """The sequence number of this device's latest change (0: none yet)."""
    row = db.conn.execute("SELECT max(seq) FROM change_log").fetchone()
    return int(row[0] or 0)
