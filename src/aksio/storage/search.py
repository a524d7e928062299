"""Full-text search over chunks: FTS5 with bm25, safe for any user input, and for Chinese/Japanese text.

FTS5's unicode61 tokenizer keeps a run of CJK characters as one token, and SQLite 3.40's trigram
tokenizer cannot match words shorter than three characters (most Chinese words are two). So the
indexed text puts a separator (U+E000, declared to the tokenizer) between CJK characters, making each
one a token, and a CJK word in a query becomes a phrase of its characters: "进程" matches exactly the
two characters in a row. Snippets drop the separator again.
"""

from __future__ import annotations

import re

from aksio.models import SearchHit
from aksio.storage.db import Database

SEP = "\ue000"
_CJK = "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK_CHAR = re.compile(f"([{_CJK}])")
_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}])(?=[{_CJK}])")
_WORD = re.compile(r"\w+", re.UNICODE)
_OPEN, _CLOSE = "\x02", "\x03"
RANK_CAP = 300


def index_text(text: str) -> str:
    """The form of a chunk's text that goes into the FTS index."""
    if not _CJK_CHAR.search(text):
        return text
    return _BETWEEN_CJK.sub(SEP, text.replace(SEP, " "))


def match_terms(query: str) -> list[str]:
    """User text to FTS5 phrase strings. Every token is quoted, so no character of the query is syntax."""
    terms: list[str] = []
    for word in _WORD.findall(query.replace(SEP, " ")):
        if _CJK_CHAR.search(word):
            word = _BETWEEN_CJK.sub(" ", word)
        terms.append('"' + word.replace('"', '""') + '"')
    return terms


def scope_token(course_id: str) -> str:
    """The token in the ``scope`` column that names a course (ids are hex and dashes)."""
    return "c" + course_id.replace("-", "")


def search(db: Database, query: str, course_id: str | None, limit: int) -> list[SearchHit]:
    """Chunks matching every word of ``query`` (or, if none does, any word), best first."""
    terms = match_terms(query)
    if not terms:
        return []
    hits = _run(db, " ".join(terms), course_id, limit)
    if not hits and len(terms) > 1:
        hits = _run(db, " OR ".join(terms), course_id, limit)
    return hits


def _rank(db: Database, match: str, limit: int) -> tuple[list[tuple[int, float]], bool]:
    """The best ``limit`` (rowid, bm25) for ``match``, and whether ranking was confined to the newest matches.

    bm25 costs about a microsecond per matching row (it reads each row's length), so a word found in nearly
    every chunk of a big library would take tens of ms to rank. Walking the match list is far cheaper, so
    first see whether there are more than RANK_CAP matches; if so, rank only the newest RANK_CAP of them (the
    most recently imported material). A word that common carries almost no bm25 weight anyway; any rarer
    word in the query shrinks the match set below the cap.
    """
    floor = db.conn.execute(
        "SELECT rowid FROM chunk_fts WHERE chunk_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?", (match, RANK_CAP)
    ).fetchone()
    window = f" AND rowid > {int(floor[0])}" if floor else ""
    # an explicit bm25() with the scope column weighted 0 ranks twice as fast as FTS5's configurable `rank`
    rows = db.conn.execute(
        f"SELECT rowid, bm25(chunk_fts, 1.0, 0.0) AS score FROM chunk_fts WHERE chunk_fts MATCH ?{window} "
        "ORDER BY score LIMIT ?",
        (match, limit),
    ).fetchall()
    return [(int(r[0]), float(r[1])) for r in rows], floor is not None


def _in_course(db: Database, ranked: list[tuple[int, float]], course_id: str) -> list[tuple[int, float]]:
    """The ranked rows whose chunk belongs to the course, in rank order."""
    if not ranked:
        return []
    marks = ",".join("?" * len(ranked))
    # CROSS JOIN keeps chunk as the outer loop: otherwise SQLite may walk the course's documents first
    rows = db.conn.execute(
        f"SELECT k.rid, d.course_id FROM chunk k CROSS JOIN document d ON d.id = k.document_id "
        f"WHERE k.rid IN ({marks})",
        [r for r, _ in ranked],
    )
    keep = {rid for rid, owner in rows if owner == course_id}
    return [pair for pair in ranked if pair[0] in keep]


def _run(db: Database, terms: str, course_id: str | None, limit: int) -> list[SearchHit]:
    match = f"body : ({terms})"
    ranked: list[tuple[int, float]] | None = None
    if course_id:
        # A course's scope token is in every one of its chunks, so intersecting with it costs as much as the
        # course is big. Rank over everything first and keep the course's rows; only when that leaves too few
        # does the scoped query run, and then the course is small next to the rest, so it is cheap.
        wide, capped = _rank(db, match, limit * 4)
        mine = _in_course(db, wide, course_id)
        if len(mine) >= limit or (not capped and len(wide) < limit * 4):
            ranked = mine[:limit]
        else:
            match += f' AND scope : "{scope_token(course_id)}"'
    if ranked is None:
        ranked, _ = _rank(db, match, limit)
    if not ranked:
        return []
    score = {r[0]: r[1] for r in ranked}
    marks = ",".join("?" * len(ranked))
    # a snippet is counted in tokens, and a CJK character is a token: give CJK queries a longer window
    tokens = 40 if _CJK_CHAR.search(terms) else 16
    ids = list(score)
    # two plain queries: joined to the chunk tables, the planner may walk every match instead of these ids
    snippets = dict(
        db.conn.execute(
            f"SELECT rowid, snippet(chunk_fts, 0, '{_OPEN}', '{_CLOSE}', '…', {tokens}) FROM chunk_fts "
            f"WHERE chunk_fts MATCH ? AND rowid IN ({marks})",
            [match, *ids],
        ).fetchall()
    )
    rows = db.query(
        f"""
        SELECT k.rid, k.id AS chunk_id, k.page, k.section_id, s.title AS section_title,
               d.id AS document_id, d.title AS document_title, c.id AS course_id, c.name AS course_name
        FROM chunk k
        JOIN document d ON d.id = k.document_id
        JOIN course c ON c.id = d.course_id
        LEFT JOIN section s ON s.id = k.section_id
        WHERE k.rid IN ({marks}) AND k.deleted = 0 AND d.deleted = 0
        """,
        ids,
    )
    return [
        SearchHit(
            chunk_id=r["chunk_id"],
            course_id=r["course_id"],
            course_name=r["course_name"],
            document_id=r["document_id"],
            document_title=r["document_title"],
            section_id=r["section_id"],
            section_title=r["section_title"],
            page=r["page"],
            **_snippet(snippets.get(r["rid"], "")),
            score=round(-score[r["rid"]], 4),
        )
        for r in sorted(rows, key=lambda r: score[r["rid"]])
    ]


def _snippet(raw: str) -> dict[str, object]:
    """Plain snippet text plus the [start, end) character spans of the matched terms."""
    raw = " ".join(raw.replace(SEP, "").split())
    raw = raw.replace(_CLOSE + _OPEN, "")  # adjacent highlighted CJK characters form one highlight
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    start = 0
    for ch in raw:
        if ch == _OPEN:
            start = pos
        elif ch == _CLOSE:
            spans.append((start, pos))
        else:
            text.append(ch)
            pos += 1
    return {"snippet": "".join(text), "highlights": spans}
