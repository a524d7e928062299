"""Numbered schema migrations. ``PRAGMA user_version`` holds the number of the last one applied.

Never edit a migration that has shipped: add a new one. Every syncable table carries ``id`` (UUIDv7),
``hlc`` (stamp of the last write), ``deleted`` (tombstone), ``created_at`` and ``updated_at``.
"""

from __future__ import annotations

SYNC_COLUMNS = """
    hlc TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
"""

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
    CREATE VIRTUAL TABLE chunk_fts USING fts5 (
        body, tokenize = "porter unicode61 remove_diacritics 2 separators '\ue000'"
    );
    """,
]

LATEST = len(MIGRATIONS)
