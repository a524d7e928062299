"""Numbered schema migrations. ``PRAGMA user_version`` holds the number of the last one applied.

Never edit a migration that has shipped: add a new one. Every syncable table carries ``id`` (UUIDv7),
``hlc`` (stamp of the last write), ``deleted`` (tombstone), ``created_at``, ``updated_at`` and, since 9,
``col_hlc`` (the stamps of columns written after the insert): a table made from now on takes ``STAMPED_COLUMNS``.
"""

from __future__ import annotations

SYNC_COLUMNS = """
    hlc TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
"""


def _course_children_deleted() -> str:
    """A course deleted before deletes cascaded left its notes, cards, questions and card imports alive: they get
    the course's own tombstone (its stamp is the delete's), logged so that the deletes sync, and the cards'
    cached states, undo entries and the course's finished generation parts go."""
    script = []
    for table in ("card", "note", "question", "card_import"):
        orphans = f"FROM {table} t JOIN course c ON c.id = t.course_id WHERE c.deleted = 1 AND t.deleted = 0"
        script.append(
            "INSERT INTO change_log (tbl, row_id, op, cols, hlc) "
            f"SELECT '{table}', t.id, 'delete', 'deleted', c.hlc {orphans} ORDER BY t.rowid;"
            f"UPDATE {table} SET deleted = 1, hlc = c.hlc, updated_at = c.updated_at FROM course c "
            f"WHERE c.id = {table}.course_id AND c.deleted = 1 AND {table}.deleted = 0;"
        )
    script.append(
        "DELETE FROM card_state WHERE card_id IN (SELECT id FROM card WHERE deleted = 1);"
        "DELETE FROM undo_log WHERE card_id IN (SELECT id FROM card WHERE deleted = 1);"
        "DELETE FROM generation_part WHERE course_id IN (SELECT id FROM course WHERE deleted = 1);"
    )
    return "\n".join(script)


# What a synced table made from migration 9 on carries (the older ones had col_hlc added by migration 9).
STAMPED_COLUMNS = SYNC_COLUMNS.rstrip() + ",\n    col_hlc TEXT\n"

# the tables that had tags (a JSON list) before the tags became sets of entries (migration 9)
_TAGGED = ("course", "document", "note")
_STAMPED_BEFORE_9 = (*_TAGGED, "section", "chunk", "card", "review", "question", "study_session", "card_import")

MIGRATIONS: list[str] = [
    # 1: courses, documents, sections, chunks, full-text search, the change log
    f"""
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE change_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        tbl TEXT NOT NULL,
        row_id TEXT NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
        cols TEXT NOT NULL,
        hlc TEXT NOT NULL
    );

    CREATE TABLE course (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        code TEXT,
        description TEXT NOT NULL DEFAULT '',
        exam_date TEXT,
        desired_retention REAL NOT NULL DEFAULT 0.9,
        daily_new_limit INTEGER NOT NULL DEFAULT 20,
        daily_minutes INTEGER,
        tags TEXT NOT NULL DEFAULT '[]',
        metadata TEXT NOT NULL DEFAULT '{{}}',
        archived INTEGER NOT NULL DEFAULT 0,
        {SYNC_COLUMNS}
    );
    CREATE INDEX course_name ON course (name COLLATE NOCASE);

    CREATE TABLE document (
        id TEXT PRIMARY KEY,
        course_id TEXT NOT NULL REFERENCES course (id),
        title TEXT NOT NULL,
        filename TEXT NOT NULL,
        kind TEXT NOT NULL,
        mime TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        page_count INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'ready',
        tags TEXT NOT NULL DEFAULT '[]',
        metadata TEXT NOT NULL DEFAULT '{{}}',
        {SYNC_COLUMNS}
    );
    CREATE INDEX document_course ON document (course_id, sha256);

    CREATE TABLE section (
        id TEXT PRIMARY KEY,
        document_id TEXT NOT NULL REFERENCES document (id),
        parent_id TEXT REFERENCES section (id),
        title TEXT NOT NULL,
        level INTEGER NOT NULL,
        ord INTEGER NOT NULL,
        page_start INTEGER NOT NULL,
        page_end INTEGER NOT NULL,
        {SYNC_COLUMNS}
    );
    CREATE INDEX section_document ON section (document_id, ord);

    -- rid is local (it keys the FTS index); id is the sync identity
    CREATE TABLE chunk (
        rid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        document_id TEXT NOT NULL REFERENCES document (id),
        section_id TEXT REFERENCES section (id),
        page INTEGER NOT NULL,
        ord INTEGER NOT NULL,
        text TEXT NOT NULL,
        {SYNC_COLUMNS}
    );
    CREATE INDEX chunk_document ON chunk (document_id, page, ord);
    CREATE INDEX chunk_section ON chunk (section_id);

    -- A local index, never synced. CJK runs are indexed one character per token (see storage/search.py)
    -- because SQLite 3.40's trigram tokenizer cannot match two-character Chinese words.
    -- scope holds one token naming the chunk's course, so a course filter is an index intersection inside
    -- FTS5 rather than a join per matching row; ranking ignores it (bm25 weight 0).
    CREATE VIRTUAL TABLE chunk_fts USING fts5 (
        body, scope, tokenize = "porter unicode61 remove_diacritics 2 separators '\ue000'"
    );
    """,
    # 2: notes, cards, the append-only review log, and the local scheduling cache
    f"""
    -- per-course scheduling options (JSON): maximum_interval, learning_steps, relearning_steps, parameters
    ALTER TABLE course ADD COLUMN srs TEXT NOT NULL DEFAULT '{{}}';
    CREATE TABLE note (
        id TEXT PRIMARY KEY,
        course_id TEXT NOT NULL REFERENCES course (id),
        section_id TEXT REFERENCES section (id),
        kind TEXT NOT NULL CHECK (kind IN ('basic', 'reverse', 'cloze')),
        front TEXT NOT NULL,
        back TEXT NOT NULL DEFAULT '',
        source_document_id TEXT REFERENCES document (id),
        source_page INTEGER,
        source_quote TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        origin TEXT NOT NULL DEFAULT 'manual',
        quality REAL,
        {SYNC_COLUMNS}
    );
    CREATE INDEX note_course ON note (course_id);

    -- ord: 0 = front->back, 1 = back->front (reverse), n = cloze deletion n
    CREATE TABLE card (
        id TEXT PRIMARY KEY,
        note_id TEXT NOT NULL REFERENCES note (id),
        course_id TEXT NOT NULL REFERENCES course (id),
        ord INTEGER NOT NULL,
        suspended INTEGER NOT NULL DEFAULT 0,
        buried_until TEXT,
        flag INTEGER NOT NULL DEFAULT 0,
        {SYNC_COLUMNS}
    );
    CREATE INDEX card_note ON card (note_id);
    CREATE INDEX card_course ON card (course_id);

    -- append-only: a row is never updated, and deleted only by undoing an answer not yet synced
    CREATE TABLE review (
        id TEXT PRIMARY KEY,
        card_id TEXT NOT NULL REFERENCES card (id),
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
        reviewed_at TEXT NOT NULL,
        duration_ms INTEGER NOT NULL DEFAULT 0,
        device_id TEXT NOT NULL,
        {SYNC_COLUMNS}
    ) WITHOUT ROWID;  -- one b-tree keyed by the (time-ordered) id instead of a rowid table plus its key index
    CREATE INDEX review_card ON review (card_id, reviewed_at);

    -- Local cache of each live card's FSRS memory state and queue position; rebuilt from the review log.
    -- Times are unix seconds so that the due queue is served by plain integer indexes.
    -- queue: 0 new, 1 learning/relearning, 2 review, -1 suspended
    CREATE TABLE card_state (
        card_id TEXT PRIMARY KEY REFERENCES card (id),
        note_id TEXT NOT NULL,
        course_id TEXT NOT NULL,
        queue INTEGER NOT NULL,
        due INTEGER NOT NULL,
        hidden_until INTEGER NOT NULL DEFAULT 0,
        new_order INTEGER NOT NULL,
        first_review INTEGER,
        last_review INTEGER,
        stability REAL,
        difficulty REAL,
        fsrs TEXT
    ) WITHOUT ROWID;
    -- Partial indexes, one per queue: a card is in exactly the indexes of its queue, so adding 10k new
    -- cards maintains two small indexes instead of six.
    CREATE INDEX card_state_learning ON card_state (due) WHERE queue = 1;
    CREATE INDEX card_state_course_learning ON card_state (course_id, due) WHERE queue = 1;
    CREATE INDEX card_state_review ON card_state (due) WHERE queue = 2;
    CREATE INDEX card_state_course_review ON card_state (course_id, due) WHERE queue = 2;
    CREATE INDEX card_state_new ON card_state (new_order) WHERE queue = 0;
    CREATE INDEX card_state_course_new ON card_state (course_id, new_order) WHERE queue = 0;
    CREATE INDEX card_state_first_review ON card_state (first_review) WHERE first_review IS NOT NULL;

    -- Undo stack: the cached state a card (and its buried siblings) had before an answer.
    CREATE TABLE undo_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        review_id TEXT NOT NULL,
        card_id TEXT NOT NULL,
        before TEXT NOT NULL,
        siblings TEXT NOT NULL DEFAULT '[]'
    );
    """,
    # 3: generation: pending notes, quiz questions, the LLM response cache and usage, finished generation parts
    f"""
    -- pending: generated and held for the student to accept; its cards are in no study queue until then
    ALTER TABLE note ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'pending'));

    CREATE TABLE question (
        id TEXT PRIMARY KEY,
        course_id TEXT NOT NULL REFERENCES course (id),
        section_id TEXT REFERENCES section (id),
        kind TEXT NOT NULL CHECK (kind IN ('multiple_choice', 'true_false', 'short_answer')),
        prompt TEXT NOT NULL,
        choices TEXT NOT NULL DEFAULT '[]',
        answer TEXT NOT NULL,
        explanation TEXT NOT NULL DEFAULT '',
        difficulty INTEGER NOT NULL DEFAULT 1 CHECK (difficulty BETWEEN 1 AND 5),
        source_document_id TEXT REFERENCES document (id),
        source_page INTEGER,
        source_quote TEXT,
        origin TEXT NOT NULL DEFAULT 'manual',
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'pending')),
        {SYNC_COLUMNS}
    );
    CREATE INDEX question_course ON question (course_id);

    -- local: answers already paid for, keyed by sha256 of (provider, model, messages, schema)
    CREATE TABLE llm_cache (
        key TEXT PRIMARY KEY,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        text TEXT NOT NULL,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    ) WITHOUT ROWID;

    -- local: tokens spent, one row per generation part (for usage tracking)
    CREATE TABLE llm_usage (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        purpose TEXT NOT NULL,
        calls INTEGER NOT NULL,
        cached INTEGER NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL
    );

    -- local: parts of sections a generation finished; a rerun with the same settings skips them (resume)
    CREATE TABLE generation_part (
        course_id TEXT NOT NULL,
        key TEXT NOT NULL,
        kept INTEGER NOT NULL,
        rejected TEXT NOT NULL,
        done_at TEXT NOT NULL,
        PRIMARY KEY (course_id, key)
    ) WITHOUT ROWID;
    """,
    # 4: study sessions (synced) and reviews by time (the activity heatmap and streak read a range of them)
    f"""
    CREATE INDEX review_time ON review (reviewed_at);

    CREATE TABLE study_session (
        id TEXT PRIMARY KEY,
        course_id TEXT REFERENCES course (id),
        started_at TEXT NOT NULL,
        ended_at TEXT NOT NULL,
        reviews INTEGER NOT NULL,
        again INTEGER NOT NULL DEFAULT 0,
        hard INTEGER NOT NULL DEFAULT 0,
        good INTEGER NOT NULL DEFAULT 0,
        easy INTEGER NOT NULL DEFAULT 0,
        seconds INTEGER NOT NULL DEFAULT 0,
        device_id TEXT NOT NULL,
        {SYNC_COLUMNS}
    );
    CREATE INDEX study_session_time ON study_session (started_at);
    """,
    # 5: answers per UTC hour, a local cache of the review log for the dashboard (kept by answer and undo,
    # rebuilt with the scheduling cache); a year of a heavy user's reviews is ~9k rows instead of ~400k
    """
    CREATE TABLE review_hour (
        hour TEXT PRIMARY KEY,
        answers INTEGER NOT NULL,
        ms INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO review_hour (hour, answers, ms)
        SELECT substr(reviewed_at, 1, 13), count(*), sum(duration_ms) FROM review WHERE deleted = 0 GROUP BY 1;
    """,
    # 6: card tables imported into a course, known by their content, so that importing one again is skipped
    # on every device (synced)
    f"""
    CREATE TABLE card_import (
        id TEXT PRIMARY KEY,
        course_id TEXT NOT NULL REFERENCES course (id),
        sha256 TEXT NOT NULL,
        kind TEXT NOT NULL,
        filename TEXT NOT NULL,
        notes INTEGER NOT NULL,
        cards INTEGER NOT NULL,
        {SYNC_COLUMNS}
    );
    CREATE INDEX card_import_course ON card_import (course_id, sha256);
    """,
    # 7: the hybrid logical clock's high-water mark, local: the highest stamp this home has issued or received.
    # Every process on the home reads it under the write lock and stores it back before committing, so two
    # processes never issue one stamp. Seeded from the change log's highest stamp (not its last row's).
    """
    CREATE TABLE hlc_mark (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        stamp TEXT
    );
    INSERT INTO hlc_mark (id, stamp) SELECT 1, max(hlc) FROM change_log;
    """,
    # 8: deletes cascade (storage/courses.py ``tombstone``): what an earlier course delete left alive goes now
    _course_children_deleted(),
    # 9: a clock per column, and tags as sets that merge. col_hlc is a JSON map from a column to the stamp of its
    # last write, for the columns written after the insert ("*": the insert's stamp); NULL (every row here so
    # far): each column's stamp is the row's hlc. tag_entry holds one row per tag added to a course, document or
    # note (an observed-remove set: a remove tombstones the entries it saw); the rows' tags column is what is
    # left of them, in the order added. An entry's id begins with its row's id and a slash (the table's one
    # b-tree finds a row's entries); the tags a row already has get <row id>/<position> at the row's stamp.
    "".join(f"ALTER TABLE {table} ADD COLUMN col_hlc TEXT;\n" for table in _STAMPED_BEFORE_9)
    + f"""
    CREATE TABLE tag_entry (
        id TEXT PRIMARY KEY,
        tbl TEXT NOT NULL,
        row_id TEXT NOT NULL,
        tag TEXT NOT NULL,
        {STAMPED_COLUMNS}
    ) WITHOUT ROWID;
    """
    + "".join(
        "INSERT INTO tag_entry (id, tbl, row_id, tag, hlc, created_at, updated_at) "
        f"SELECT printf('%s/%04d', t.id, j.key), '{table}', t.id, j.value, t.hlc, t.created_at, t.updated_at "
        f"FROM {table} AS t, json_each(t.tags) AS j WHERE j.type = 'text';\n"
        for table in _TAGGED
    ),
    # 10: reviews are never deleted: undo appends a void marker (synced) and the card is replayed from its
    # non-voided reviews; the undo stack (local) holds answers' ids only. A note's place among new cards is a
    # synced column, kept from the scheduling cache where a home had one.
    f"""
    CREATE TABLE review_void (
        id TEXT PRIMARY KEY,
        review_id TEXT NOT NULL REFERENCES review (id),
        card_id TEXT NOT NULL,
        device_id TEXT NOT NULL,
        {STAMPED_COLUMNS}
    ) WITHOUT ROWID;
    CREATE INDEX review_void_review ON review_void (review_id);

    ALTER TABLE note ADD COLUMN new_order INTEGER NOT NULL DEFAULT 0;
    UPDATE note SET new_order = kept.position
        FROM (SELECT note_id, min(new_order) AS position FROM card_state GROUP BY note_id) AS kept
        WHERE kept.note_id = note.id;

    -- this device's answers that undo may take back, newest last, and what each did besides the review
    CREATE TABLE undo_stack (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        review_id TEXT NOT NULL,
        card_id TEXT NOT NULL,
        leech INTEGER NOT NULL DEFAULT 0,
        suspended INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO undo_stack (seq, review_id, card_id, leech, suspended)
        SELECT seq, review_id, card_id, coalesce(json_extract(before, '$.leech'), 0),
               coalesce(json_extract(before, '$.suspended'), 0)
        FROM undo_log WHERE review_id IN (SELECT id FROM review WHERE deleted = 0) ORDER BY seq;
    DROP TABLE undo_log;
    ALTER TABLE undo_stack RENAME TO undo_log;
    """,
    # 11: merging another device's changes (storage/changes.py), local: rows from another device waiting for
    # their parent row (their columns as JSON {column: [value, stamp]}, the latest version of each row), and how
    # far this home has pushed its own changes to, and pulled another's from, each peer (a transport's name).
    """
    CREATE TABLE held_change (
        tbl TEXT NOT NULL,
        row_id TEXT NOT NULL,
        columns TEXT NOT NULL,
        waits_for TEXT NOT NULL,
        batch TEXT NOT NULL,
        held_at TEXT NOT NULL,
        PRIMARY KEY (tbl, row_id)
    ) WITHOUT ROWID;

    CREATE TABLE sync_cursor (
        peer TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('push', 'pull')),
        seq INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (peer, kind)
    ) WITHOUT ROWID;
    """,
    # 12: no index of the reviews by time. The heatmap and streak read the review_hour cache (migration 5), and
    # nothing else reads reviews by time; every review inserted paid for a place in it, at a random spot for
    # reviews merged from another device or imported with their history: a first transfer of 1M reviews spent
    # more time on it (~14 s) than on everything else it wrote.
    "DROP INDEX IF EXISTS review_time;",
    # 13: a weight per chunk for search (ingest/boilerplate.py), local like chunk_fts and made from the synced
    # chunks: below 1 for a chunk that is mostly page furniture (agenda slides, repeated headers); no row means 1.
    # Documents imported before get theirs when they are imported again.
    "CREATE TABLE chunk_weight (rid INTEGER PRIMARY KEY, weight REAL NOT NULL);",
]


LATEST = len(MIGRATIONS)
