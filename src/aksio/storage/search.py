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
_AROUND_CJK = re.compile(f"(?<=[{_CJK}])|(?=[{_CJK}])")
_WORD = re.compile(r"\w+", re.UNICODE)
_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")
RANK_CAP = 300


def index_text(text: str) -> str:
    """The form of a chunk's text that goes into the FTS index: every CJK character its own token, also next
    to Latin letters or digits ("CPU调度" -> CPU, 调, 度)."""
    if not _CJK_CHAR.search(text):
        return text
    return _AROUND_CJK.sub(SEP, text.replace(SEP, " "))


def match_terms(query: str) -> list[str]:
    """User text to FTS5 phrase strings. Every token is quoted, so no character of the query is syntax.
    A word mixing scripts becomes one phrase of its pieces, which the index holds as adjacent tokens."""
    terms: list[str] = []
    for word in _WORD.findall(query.replace(SEP, " ")):
        pieces = _TOKEN.findall(word)
        terms.append('"' + " ".join(pieces).replace('"', '""') + '"')
    return terms


def scope_token(course_id: str) -> str:
    """The token in the ``scope`` column that names a course (ids are hex and dashes)."""
    return "c" + course_id.replace("-", "")


def search(db: Database, query: str, course_id: str | None, limit: int) -> list[SearchHit]:
    """Chunks matching every word of ``query`` (or, if none does, any word), best first."""
    terms = match_terms(query)
    if not terms:
        return []
    words = _WORD.findall(query.replace(SEP, " "))
    hits = _run(db, " ".join(terms), words, course_id, limit)
    if not hits and len(terms) > 1:
        hits = _run(db, " OR ".join(terms), words, course_id, limit)
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


def _run(db: Database, terms: str, words: list[str], course_id: str | None, limit: int) -> list[SearchHit]:
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
    ids = list(score)
    rows = db.query(
        f"""
        SELECT k.rid, k.id AS chunk_id, k.page, k.section_id, k.text, s.title AS section_title,
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
            **snippet(r["text"], words),
            score=round(-score[r["rid"]], 4),
        )
        for r in sorted(rows, key=lambda r: score[r["rid"]])
    ]


_SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "ers", "er", "edly", "ed", "ly", "ment", "es", "s", "e")
SNIPPET_TOKENS = 16
SNIPPET_TOKENS_CJK = 40


def _stem(word: str) -> str:
    """A light English stem, enough to highlight what FTS5's porter stemmer matched (highlights are cosmetic:
    which chunks match is FTS5's decision). Two rounds: replacement -> replace -> replac."""
    for _ in range(2):
        if word.endswith("ss"):  # process, processes -> process
            return word[:-2] if word.endswith("sses") else word
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
        else:
            return word
    return word


def snippet(text: str, words: list[str]) -> dict[str, object]:
    """The passage of ``text`` (a window of tokens) holding the most query words, with their character spans.

    Done here rather than with FTS5's snippet(), which re-tokenizes every row with the porter stemmer and
    cost more than the ranking itself for common words.
    """
    tokens = [(m.start(), m.end(), m.group().lower()) for m in _TOKEN.finditer(text)]
    if not tokens:
        return {"snippet": "", "highlights": []}
    plain = {_stem(w.lower()) for w in words if not _CJK_CHAR.search(w)}
    prefixes = {p[:3] for p in plain}
    phrases = [_TOKEN.findall(w.lower()) for w in words if _CJK_CHAR.search(w)]
    hit: list[str | None] = [None] * len(tokens)  # the query word a token belongs to
    for i, (_, _, tok) in enumerate(tokens):
        if tok[:3] in prefixes:
            stem = tok if tok in plain else _stem(tok)
            if stem in plain:
                hit[i] = stem
    for pieces in phrases:
        size, key = len(pieces), "".join(pieces)
        for i in range(len(tokens) - size + 1):
            if tokens[i][2] == pieces[0] and [t[2] for t in tokens[i : i + size]] == pieces:
                hit[i : i + size] = [key] * size
    # the window of `width` tokens holding the most distinct query words (the first such), by sliding counts
    width = SNIPPET_TOKENS_CJK if phrases else SNIPPET_TOKENS
    counts: dict[str, int] = {}

    def add(key: str | None, delta: int) -> None:
        if key is not None:
            counts[key] = counts.get(key, 0) + delta
            if not counts[key]:
                del counts[key]

    for first in hit[:width]:
        add(first, 1)
    best, best_score = 0, len(counts)
    for i in range(1, max(len(tokens) - width, 0) + 1):
        add(hit[i - 1], -1)
        add(hit[i + width - 1], 1)
        if len(counts) > best_score:
            best, best_score = i, len(counts)
    end = min(best + width, len(tokens))
    lead = "…" if best > 0 else ""
    start_char, end_char = tokens[best][0], tokens[end - 1][1]
    body = text[start_char:end_char].replace("\n", " ").replace(SEP, " ")
    spans: list[tuple[int, int]] = []
    for i in range(best, end):
        if hit[i] is None:
            continue
        a = tokens[i][0] - start_char + len(lead)
        b = tokens[i][1] - start_char + len(lead)
        if spans and spans[-1][1] == a and hit[i] == hit[i - 1]:  # one CJK word, one highlight
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    return {"snippet": lead + body + ("…" if end < len(tokens) else ""), "highlights": spans}
