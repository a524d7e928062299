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


def search(db: Database, query: str, course_id: str | None, limit: int) -> list[SearchHit]:
    """Chunks matching every word of ``query`` (or, if none does, any word), best first."""
    terms = match_terms(query)
    if not terms:
        return []
    hits = _run(db, " ".join(terms), course_id, limit)
    if not hits and len(terms) > 1:
        hits = _run(db, " OR ".join(terms), course_id, limit)
    return hits


def _run(db: Database, match: str, course_id: str | None, limit: int) -> list[SearchHit]:
    scope = " AND d.course_id = ?" if course_id else ""
    # a snippet is counted in tokens, and a CJK character is a token: give CJK queries a longer window
    tokens = 40 if _CJK_CHAR.search(match) else 16
    params: list[object] = [match]
    if course_id:
        params.append(course_id)
    params.append(limit)
    rows = db.query(
        f"""
        SELECT k.id AS chunk_id, k.page, k.section_id, s.title AS section_title,
               d.id AS document_id, d.title AS document_title, c.id AS course_id, c.name AS course_name,
               snippet(chunk_fts, 0, '{_OPEN}', '{_CLOSE}', '…', {tokens}) AS snippet,
               bm25(chunk_fts) AS score
        FROM chunk_fts
        JOIN chunk k ON k.rid = chunk_fts.rowid
        JOIN document d ON d.id = k.document_id
        JOIN course c ON c.id = d.course_id
        LEFT JOIN section s ON s.id = k.section_id
        WHERE chunk_fts MATCH ? AND k.deleted = 0 AND d.deleted = 0 {scope}
        ORDER BY score
        LIMIT ?
        """,
        params,
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
            **_snippet(r["snippet"]),
            score=round(-r["score"], 4),
        )
        for r in rows
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
