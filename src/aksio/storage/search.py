"""Full-text search over chunks: FTS5 with bm25, safe for any user input, and for Chinese/Japanese text.

FTS5's unicode61 tokenizer keeps a run of CJK characters as one token, and SQLite 3.40's trigram
tokenizer cannot match words shorter than three characters (most Chinese words are two). So the
indexed text puts a separator (U+E000, declared to the tokenizer) between CJK characters, making each
one a token, and a CJK word in a query becomes a phrase of its characters: "进程" matches exactly the
two characters in a row. Snippets drop the separator again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property, lru_cache
from itertools import islice
from typing import NamedTuple, TypedDict

from aksio.models import SearchHit
from aksio.storage.db import Database

SEP = "\ue000"
_CJK = "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_WORD = re.compile(r"\w+", re.UNICODE)


class _Patterns:
    """The regexes with the big CJK class, each compiled on first use: one costs ~4 ms to compile, and the
    app's first frame (which imports this module) needs none of them."""

    @cached_property
    def cjk_char(self) -> re.Pattern[str]:
        return re.compile(f"([{_CJK}])")

    @cached_property
    def around_cjk(self) -> re.Pattern[str]:
        return re.compile(f"(?<=[{_CJK}])|(?=[{_CJK}])")

    @cached_property
    def token(self) -> re.Pattern[str]:
        return re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")

    @cached_property
    def latin_word_char(self) -> re.Pattern[str]:
        return re.compile(f"[^\\W_{_CJK}]")


_RE = _Patterns()
RANK_CAP = 300
# the scope column holds "c" + a course id's 32 hex digits; the body column is searched without a column
# filter (faster), so a query word of that shape is dropped: it would find a course's every chunk
_SCOPE_TOKEN = re.compile(r"c[0-9a-f]{32}", re.IGNORECASE)


def index_text(text: str) -> str:
    """The form of a chunk's text that goes into the FTS index: every CJK character its own token, also next
    to Latin letters or digits ("CPU调度" -> CPU, 调, 度)."""
    if not _RE.cjk_char.search(text):
        return text
    return _RE.around_cjk.sub(SEP, text.replace(SEP, " "))


# FTS5 ranks a query of 1000 OR'ed words in seconds (3000: 38 s), and a phrase of 1000 CJK characters (each a
# token) took 12 s; no one types more than a few words. The first MAX_WORDS tokens (a CJK character is one) of
# the query's first MAX_QUERY_CHARS characters are searched for, repeated words once.
MAX_WORDS = 32
MAX_QUERY_CHARS = 10_000


class QueryTerms(NamedTuple):
    terms: list[str]  # FTS5 phrase strings, distinct, of MAX_WORDS tokens in all at most
    words: list[str]  # the query's words in those terms (what snippets highlight)
    notice: str | None  # how the query was cut short, if it was


def query_terms(query: str) -> QueryTerms:
    """User text to FTS5 phrase strings. Every token is quoted, so no character of the query is syntax; words
    between a pair of double quotes make one phrase ("virtual memory"), an unpaired quote is just text.
    A word mixing scripts becomes one phrase of its pieces, which the index holds as adjacent tokens."""
    found: dict[str, list[str]] = {}  # term -> its words, in the order first met
    budget = MAX_WORDS
    notice = None
    for tokens, words in _phrases(_cut(query, MAX_QUERY_CHARS)):
        term = '"' + " ".join(tokens[:budget]) + '"'
        if term in found:
            continue
        if not budget or len(tokens) > budget:
            notice = f"only the first {MAX_WORDS} words of the query were searched for"
            if not budget:
                break
        found[term] = words
        budget -= min(len(tokens), budget)
    if notice is None and len(query) > MAX_QUERY_CHARS:
        notice = f"only the first {MAX_QUERY_CHARS} characters of the query were searched for"
    return QueryTerms(list(found), list(dict.fromkeys(w for words in found.values() for w in words)), notice)


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, at a space if there is one in the second half (not inside a word)."""
    if len(text) <= limit:
        return text
    space = text.rfind(" ", limit // 2, limit + 1)
    return text[: space if space > 0 else limit]


def _phrases(query: str) -> Iterator[tuple[list[str], list[str]]]:
    """(tokens, words) of each phrase of ``query``: a quoted run of words, or one word."""
    parts = query.replace(SEP, " ").split('"')
    if len(parts) % 2 == 0:  # an odd number of quotes: the last one pairs with nothing
        parts[-2:] = [parts[-2] + " " + parts[-1]]
    for i, part in enumerate(parts):
        words = [word for word in _WORD.findall(part) if not _SCOPE_TOKEN.fullmatch(word)]
        pieces = [_RE.token.findall(word) for word in words]
        if i % 2:  # inside quotes
            phrase = [p for word in pieces for p in word]
            if phrase:
                yield phrase, words
        else:
            yield from ((tokens, [word]) for word, tokens in zip(words, pieces, strict=True) if tokens)


def match_terms(query: str) -> list[str]:
    """The FTS5 phrase strings searched for in ``query`` (see ``query_terms``)."""
    return query_terms(query).terms


def scope_token(course_id: str) -> str:
    """The token in the ``scope`` column that names a course (ids are hex and dashes)."""
    return "c" + course_id.replace("-", "")


def search(db: Database, query: str, course_id: str | None, limit: int) -> list[SearchHit]:
    """Chunks matching every word of ``query`` (or, if none does, any word), best first."""
    terms, words, _ = query_terms(query)
    if not terms:
        return []
    hits = _run(db, " AND ".join(terms), words, course_id, limit)
    if not hits and len(terms) > 1:
        hits = _run(db, " OR ".join(terms), words, course_id, limit)
    return hits


def _rank(db: Database, match: str, limit: int) -> tuple[list[tuple[int, float]], bool]:
    """The best ``limit`` (rowid, bm25) for ``match``, and whether ranking was confined to the newest matches.

    bm25 costs a few microseconds per matching row (it reads each row's positions and length), so a word found
    in nearly every chunk of a big library would take tens of ms to rank. Walking the match list is far cheaper,
    so first see whether there are more than RANK_CAP matches; if so, rank only the newest RANK_CAP of them
    (the most recently imported material). A word that common carries almost no bm25 weight anyway; any rarer
    word in the query shrinks the match set below the cap.
    """
    floor = db.conn.execute(
        "SELECT rowid FROM chunk_fts WHERE chunk_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?", (match, RANK_CAP)
    ).fetchone()
    window = f" AND rowid > {int(floor[0])}" if floor else ""
    # An explicit bm25() with the scope column weighted 0 ranks twice as fast as FTS5's configurable `rank`.
    # No `body :` column filter: it costs a third more, and no word a user types is a scope token (c + 32 hex).
    # A chunk's weight (below 1 for page furniture, see ingest/boilerplate.py) scales its score.
    rows = db.conn.execute(
        "SELECT rowid, bm25(chunk_fts, 1.0, 0.0) "
        "* coalesce((SELECT weight FROM chunk_weight w WHERE w.rid = chunk_fts.rowid), 1.0) AS score "
        f"FROM chunk_fts WHERE chunk_fts MATCH ?{window} ORDER BY score LIMIT ?",
        (match, limit),
    ).fetchall()
    return [(int(r[0]), float(r[1])) for r in rows], floor is not None


def _is_common(db: Database, match: str) -> bool:
    """Whether more than RANK_CAP chunks match (cheap: it walks the match list, no ranking)."""
    return (
        db.conn.execute(
            "SELECT 1 FROM chunk_fts WHERE chunk_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?", (match, RANK_CAP)
        ).fetchone()
        is not None
    )


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


def _ranked(db: Database, match: str, course_id: str | None, limit: int) -> list[tuple[int, float]]:
    """The best ``limit`` (rowid, bm25), over everything or within one course."""
    if not course_id:
        return _rank(db, match, limit)[0]
    scoped = f'({match}) AND "{scope_token(course_id)}"'
    if _is_common(db, match):
        # Ranking the newest matches of the whole library would mostly find other courses' chunks (a course
        # imported long ago has none among them), so rank the course's own newest matches straight away.
        return _rank(db, scoped, limit)[0]
    # Few matches: rank them all and keep the course's. The scope token is in every chunk of the course, so
    # intersecting with it costs as much as the course is big; only when the course has too few of the best
    # rows (it is small next to the rest) does the scoped query run, and then it is cheap.
    wide, _ = _rank(db, match, limit * 4)
    mine = _in_course(db, wide, course_id)
    if len(mine) >= limit or len(wide) < limit * 4:
        return mine[:limit]
    return _rank(db, scoped, limit)[0]


def _run(db: Database, match: str, words: list[str], course_id: str | None, limit: int) -> list[SearchHit]:
    ranked = _ranked(db, match, course_id, limit)
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
SNIPPET_LEAD = 4  # tokens of context before the first matched word


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


@lru_cache(maxsize=1024)
def _hit_finder(words: tuple[str, ...]) -> tuple[re.Pattern[str] | None, frozenset[str], tuple[re.Pattern[str], ...]]:
    """For a query: one regex finding the words that may stem like a query word (checked afterwards), the
    stems themselves, and one regex per CJK word (its characters in a row, punctuation allowed between).
    The patterns avoid big Unicode classes: compiling one of those costs milliseconds."""
    plain = frozenset(_stem(w.lower()) for w in words if not _RE.cjk_char.search(w))
    prefixes = sorted({re.escape(p[:3]) for p in plain}, key=len, reverse=True)
    latin = re.compile(f"(?:{'|'.join(prefixes)})\\w*", re.IGNORECASE) if prefixes else None
    phrases = tuple(
        re.compile("[\\W_]*".join(re.escape(p) for p in _RE.token.findall(w)), re.IGNORECASE)
        for w in words
        if _RE.cjk_char.search(w)
    )
    return latin, plain, phrases


def _hits(text: str, words: list[str]) -> tuple[list[tuple[int, int, str]], bool]:
    """(start, end, query word) of every match of a query word in ``text``, in order; and whether any is CJK."""
    latin, plain, phrases = _hit_finder(tuple(words))
    found: list[tuple[int, int, str]] = []
    if latin is not None:
        for m in latin.finditer(text):
            start, tok = m.start(), m.group().lower()
            if start and _RE.latin_word_char.match(text, start - 1):
                continue  # the middle of a word
            cjk = _RE.cjk_char.search(tok)
            if cjk:  # a Latin token ends where CJK begins: "cpu调度"
                tok = tok[: cjk.start()]
            stem = tok if tok in plain else _stem(tok)
            if stem in plain:
                found.append((start, start + len(tok), stem))
    for phrase in phrases:
        found.extend((m.start(), m.end(), phrase.pattern) for m in phrase.finditer(text))
    if phrases and latin is not None:
        found.sort()
    return found, bool(phrases)


def _best_cluster(hits: list[tuple[int, int, str]], span: int) -> int:
    """Index of the first hit starting the ``span``-character stretch that holds the most distinct query words."""
    best, best_count, end = 0, 0, 0
    for first, (start, _, _) in enumerate(hits):
        end = max(end, first)
        while end < len(hits) and hits[end][0] < start + span:
            end += 1
        count = len({key for _, _, key in hits[first:end]})
        if count > best_count:
            best, best_count = first, count
    return best


class Snippet(TypedDict):
    snippet: str
    highlights: list[tuple[int, int]]


def snippet(text: str, words: list[str]) -> Snippet:
    """The passage of ``text`` (a window of tokens) holding the most query words, with their character spans.

    Done here rather than with FTS5's snippet(), which re-tokenizes every row with the porter stemmer and
    cost more than the ranking itself for common words. Only the query words are searched for (one regex,
    in C); the text is cut into tokens just around the chosen passage.
    """
    hits, cjk = _hits(text, words)
    width = SNIPPET_TOKENS_CJK if cjk else SNIPPET_TOKENS
    anchor = hits[_best_cluster(hits, 60 if cjk else 100)][0] if hits else 0
    # cut into tokens only around the anchor: the lead before it, the rest of the window after it
    region = max(anchor - 30 * SNIPPET_LEAD, 0)
    before = [(m.start(), m.end()) for m in _RE.token.finditer(text, region, anchor)]
    if before and region and before[0][0] == region:
        del before[0]  # it may be the tail of a word cut by the region
    tokens = before[-SNIPPET_LEAD:]
    tokens += [(m.start(), m.end()) for m in islice(_RE.token.finditer(text, anchor), width - len(tokens))]
    if not tokens:
        return {"snippet": "", "highlights": []}
    start_char, end_char = tokens[0][0], tokens[-1][1]
    lead = "…" if _RE.token.search(text, 0, start_char) else ""
    tail = "…" if _RE.token.search(text, end_char) else ""
    body = text[start_char:end_char].replace("\n", " ").replace(SEP, " ")
    spans = [
        (a - start_char + len(lead), b - start_char + len(lead))
        for a, b, _ in hits
        if start_char <= a and b <= end_char
    ]
    return {"snippet": lead + body + tail, "highlights": spans}
