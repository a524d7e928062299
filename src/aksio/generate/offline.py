"""Cards and quiz questions without a model: extracted from the sentences of the notes.

Definitions ("X is a Y", "X refers to Y", "X: Y"), acronyms with their expansion, sentences whose subject is a
term ("Aging prevents starvation by ...") and key statements (signal words, numbers) become cards; terms are
bold text, acronyms, defined words and repeated phrases. Every card quotes the sentence it came from, copied
from the page (whitespace collapsed as the checker does), and goes through ``checks`` before it is returned.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from aksio.generate.checks import STOPWORDS, DuplicateIndex, check_card, check_question, quote_on_page
from aksio.generate.furniture import Furniture, is_reference, strip_furniture
from aksio.generate.items import CardDraft, QuestionDraft
from aksio.models import SectionInput

CardKind = Literal["basic", "cloze", "mixed"]

MIN_WORDS = 5
MAX_WORDS = 60
MIN_CJK_CHARS = 8
MAX_SENTENCE_CHARS = 280  # leaves room for "True or false: " and stays under the checker's 300
MAX_PAGE_CHARS = 200_000  # a page this long is not prose; reading its start is enough

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
# the validator's stopwords, and words that never make a term worth asking about on their own
_STOP = STOPWORDS | frozenset(
    """able about above after although always bad because before below between certain different during e.g etc even
    example fast few first following free full given good high however i.e if instead just large last least less
    likely long longer longest low main many more most much never new next often old oldest only own per possible
    rather recent same second several short shorter shortest since slow small still therefore though thus unless
    until use used useful uses using usually various via whereas while whole within without""".split()  # noqa: SIM905 - a word list reads best as words
)
_PRONOUN_START = frozenset(
    [
        "it",
        "this",
        "that",
        "these",
        "those",
        "they",
        "he",
        "she",
        "we",
        "you",
        "there",
        "here",
        "its",
        "their",
        "such",
        "which",
        "what",
        "who",
        "each",
        "every",
        "both",
        "one",
        "some",
        "any",
        "all",
        "none",
        "either",
        "neither",
    ]
)


# --- sentences ----------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Sentence:
    page: int
    order: int
    quote: str  # the page's own text, whitespace collapsed: what the card cites
    text: str  # the same without markup: what the card shows
    bold: list[str] = field(default_factory=list)
    cjk: bool = False


_BULLET = re.compile(r"^\s*(?:[-*+•‣◦▪●]|\d{1,3}[.)]|\(?[a-zA-Z]\))\s+")
_HEADING_MARK = re.compile(r"^\s*#{1,6}\s")
_TOC = re.compile(r"(?:\.\s*){3,}\s*\d+\s*$|\s\d{1,4}\s*$")
_END = re.compile(r"[.!?。！？:;；：]['\"”’)\]*_]*$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)|`")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]*_]*\s+(?=[\"'“‘(\[*_]*[A-Z0-9])|(?<=[。！？；])")
_ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "etc",
        "vs",
        "cf",
        "fig",
        "figs",
        "eq",
        "eqs",
        "no",
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "st",
        "al",
        "approx",
        "resp",
        "sec",
        "ch",
        "p",
        "pp",
        "vol",
        "ed",
    ]
)
_CODE = re.compile(r"[{}<>=]|->|=>|::|\(\)|;\s*$|^\s*(?:def|class|return|import|int|void|for|while|if)\b")


_BREAK = "\u00ad"  # marks where a word was broken at a line end; checks.normalise drops it, as it joins the word


def _clean_lines(text: str) -> list[str]:
    """The page's lines, with words broken at line ends joined the way ``checks.normalise`` joins them (a soft
    hyphen left at the break: whether the word had a hyphen of its own is decided when it is shown)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    out: list[str] = []
    for line in lines:
        line = " ".join(line.split())
        if out and re.search(r"\w-$", out[-1]) and line[:1].isalpha():
            out[-1] = (out[-1][:-1] + _BREAK if line[:1].islower() else out[-1]) + line
            continue
        out.append(line)
    return out


def _is_heading(line: str, next_line: str) -> bool:
    if _HEADING_MARK.match(line):
        return True
    if _END.search(line) or _BULLET.match(line):
        return False
    words = line.split()
    # a short line without a full stop, followed by a capitalised line, is a title (or a caption, a header)
    return 0 < len(words) <= 10 and len(line) <= 70 and (not next_line or next_line[:1].isupper() or next_line == "")


def _units(text: str, titles: frozenset[str] = frozenset()) -> Iterator[tuple[str, bool]]:
    """(paragraph or list item, whether it is a heading), whitespace collapsed. A line that is one of ``titles``
    (the section's and document's, as imported) is a heading even when it looks like a numbered list item."""
    lines = _clean_lines(text[:MAX_PAGE_CHARS])
    unit: list[str] = []
    for i, line in enumerate(lines):
        nxt = next((x for x in lines[i + 1 : i + 2]), "")
        if not line:
            if unit:
                yield " ".join(unit), False
                unit = []
            continue
        if _BULLET.match(line) and unit:
            yield " ".join(unit), False
            unit = []
        if not unit and (line.casefold() in titles or _is_heading(line, nxt)):
            yield line, True
            continue
        unit.append(line)
        if _CJK.search(line[-1:]) and _END.search(line) and len(line) < 40:
            continue
    if unit:
        yield " ".join(unit), False


def _split_sentences(unit: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(unit):
        end = m.start()
        piece = unit[start:end]
        last = re.search(r"(\S+?)[.!?][\"'”’)\]*_]*$", piece)
        if last and not _CJK.search(piece[-1:]):
            word = last.group(1).casefold().strip("([\"'*_")
            # "e.g. The", "Fig. 3", "J. Smith", "1. Intro": not the end of a sentence
            if word in _ABBREVIATIONS or len(word) == 1 or (word.isdigit() and len(piece.split()) == 1):
                continue
        parts.append(piece.strip())
        start = m.end()
    parts.append(unit[start:].strip())
    return [p for p in parts if p]


_HYPHENATED = re.compile(r"([A-Za-z]+)(?:\u00ad|- )([a-z]+)")


def _join_hyphenated(m: re.Match[str]) -> str:
    """ "pro-|cess" is "process", but "self-|explanatory" keeps its hyphen: the joined form must be a word at least
    as common as the hyphenated one."""
    from wordfreq import zipf_frequency

    first, rest = m.group(1), m.group(2)
    joined = zipf_frequency(first + rest, "en")
    if joined > 0 and joined >= zipf_frequency(f"{first}-{rest}", "en"):
        return first + rest
    return f"{first}-{rest}" if "\u00ad" in m.group(0) else m.group(0)


def _display(text: str) -> str:
    text = _LINK.sub(r"\1", text)
    if _BREAK in text or "- " in text:
        text = _HYPHENATED.sub(_join_hyphenated, text)
    return " ".join(_MARKUP.sub("", text.replace(_BREAK, "")).split())


def _word_count(text: str) -> int:
    return len(_WORD.findall(text)) + len(_CJK.findall(text))


def _sentence_ok(quote: str, text: str) -> bool:
    if len(text) > MAX_SENTENCE_CHARS or "{{" in text or "}}" in text or "http" in text:
        return False
    cjk = len(_CJK.findall(text))
    if cjk:
        if cjk < MIN_CJK_CHARS:
            return False
    else:
        words = _LATIN_WORD.findall(text)
        if not MIN_WORDS <= len(words) <= MAX_WORDS or (not text[:1].isupper() and not text[:1].isdigit()):
            return False
        if not _END.search(quote):
            return False  # cut at the end of the page: the rest is on the next one
    letters = sum(c.isalpha() for c in text)
    return not (letters < 0.6 * len(text.replace(" ", "")) or _CODE.search(text) or _TOC.search(text))


def _sentences(section: SectionInput, furniture: Furniture | None = None) -> tuple[list[_Sentence], list[str]]:
    """The usable sentences of a section, in reading order, and its headings; page furniture (``furniture`` is
    the document's, else what the section's own pages repeat) is left out."""
    sentences: list[_Sentence] = []
    headings: list[str] = []
    order = 0
    titles = frozenset(" ".join(t.split()).casefold() for t in (section.section_title, section.document_title))
    for page, text in strip_furniture(section.pages, furniture):
        for unit, heading in _units(text, titles):
            if heading:
                headings.append(_display(re.sub(r"^[#\s]*(?:\d+(?:\.\d+)*\.?\s+)?", "", unit)))
                continue
            unit = _BULLET.sub("", unit, count=1)
            for quote in _split_sentences(unit):
                shown = _display(quote)
                quote = quote.replace(_BREAK, "")
                if not _sentence_ok(quote, shown) or is_reference(shown):
                    continue
                bold = [_display(a or b) for a, b in _BOLD.findall(quote)]
                sentences.append(_Sentence(page, order, quote, shown, [b for b in bold if b], bool(_CJK.search(shown))))
                order += 1
    return sentences, headings


# --- terms --------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Term:
    text: str
    weight: float
    acronym: str | None = None  # "TLB" for "translation lookaside buffer"


def _is_acronym(word: str) -> bool:
    core = word[:-1] if word.endswith("s") else word
    return 2 <= len(core) <= 8 and core.isupper() and core.isalpha()


def _initials(words: list[str]) -> list[str]:
    """Initial letters of each word and of each hyphenated part ("First-come" gives f, c)."""
    out: list[str] = []
    for w in words:
        out.extend(p[0].lower() for p in w.split("-") if p)
    return out


def _acronyms(text: str) -> Iterator[tuple[str, str]]:
    """(expansion, acronym) pairs written "Long Name (LN)" or "LN (Long Name)"."""
    for m in re.finditer(r"\(([A-Za-z][A-Za-z0-9]{1,9})\)", text):
        acr = m.group(1)
        if not any(c.isupper() for c in acr[1:]) and not acr.isupper():
            continue
        letters = [c.lower() for c in acr.rstrip("s") if c.isalpha()]
        before = re.findall(r"[A-Za-z][A-Za-z'-]*", text[: m.start()])[-8:]
        for n in range(1, len(before) + 1):
            words = before[-n:]
            if words[0].casefold() in _STOP:
                continue
            signif = [w for w in words if w.casefold() not in _STOP]
            if _initials(words) == letters or _initials(signif) == letters:
                yield " ".join(words), acr
                break
            if n == 1 and len(letters) >= 2 and words[0].lower().startswith("".join(letters)):
                yield words[0], acr
                break
    for m in re.finditer(r"\b([A-Z][A-Z0-9]{1,7}s?)\s+\(([A-Za-z][A-Za-z' -]{3,60})\)", text):
        words = m.group(2).split()
        letters = [c.lower() for c in m.group(1).rstrip("s") if c.isalpha()]
        if _initials(words) == letters or _initials([w for w in words if w.casefold() not in _STOP]) == letters:
            yield m.group(2), m.group(1)


_NOT_A_TERM = re.compile(
    r"^[\W\d_]+$|^(?:lecture|slide|page|chapter|week|part|section|unit|lab|exercise|figure|table|fig)\.?\s*[\dIVX]+\b"
    r"|^第\s*[\d一二三四五六七八九十百]+\s*[章节讲课页部分篇]",
    re.IGNORECASE,
)


def _phrase_ok(phrase: str) -> bool:
    words = phrase.split()
    if not words or len(words) > 6 or len(phrase) > 60 or len(phrase) < 2 or _NOT_A_TERM.search(phrase):
        return False
    if _CJK.search(phrase):
        return len(phrase) <= 12 and not re.search(r"[，。！？；：、]", phrase)
    first = words[0].casefold()
    return first not in _PRONOUN_START and first not in _STOP and not re.search(r"[.;:!?\"]", phrase)


class _Terms:
    """The section's terms, by case-folded text."""

    def __init__(self) -> None:
        self.by_key: dict[str, _Term] = {}

    def add(self, text: str, weight: float, acronym: str | None = None) -> None:
        text = " ".join(text.strip(" ,.;:\"'").split())
        # "(FCFS)" keeps both its brackets or loses both: never a half
        while (text.endswith(")") and text.count("(") < text.count(")")) or (text.startswith("(") and ")" not in text):
            text = text[:-1] if text.endswith(")") else text[1:]
        if text.count("(") > text.count(")"):
            text = text.split("(", 1)[0].strip()
        base = re.sub(r"\s*\([^)]*\)$", "", text)
        if base != text and len(base.split()) == 1 and "-" not in base:
            text = text[len(base) :].strip(" ()")  # "Optimal (OPT)": only the acronym is a term
        if not _phrase_ok(text):
            return
        key = text.casefold()
        known = self.by_key.get(key)
        if known is None:
            self.by_key[key] = _Term(text, weight, acronym)
        else:
            known.weight = max(known.weight, weight) + 0.5
            known.acronym = known.acronym or acronym

    def found_in(self, text: str) -> list[_Term]:
        """Terms occurring exactly once in ``text`` (a term seen twice would show through its own deletion)."""
        out: list[_Term] = []
        folded = text.casefold()
        for key, term in self.by_key.items():
            if _CJK.search(key):
                count = folded.count(key)
            else:
                count = len(re.findall(rf"(?<![\w-]){re.escape(key)}(?![\w-])", folded))
            if count == 1:
                out.append(term)
        # "paging" inside "demand paging" is not a term of its own there
        keys = [t.text.casefold() for t in out]
        return [t for t in out if not any(t.text.casefold() != k and t.text.casefold() in k for k in keys)]


def _collect_terms(sentences: list[_Sentence], headings: list[str]) -> _Terms:
    terms = _Terms()
    for s in sentences:
        for b in s.bold:
            terms.add(b, 3.0)
        for expansion, acr in _acronyms(s.text):
            if len(expansion.split()) > 1 or "-" in expansion:  # "Optimal (OPT)": the adjective is no term
                terms.add(expansion, 3.0, acr)
            terms.add(acr, 2.5)
    for d in _definitions_all(sentences):
        terms.add(d.term, 3.0)
    # repeated phrases: two or three content words in a row, or capitalised names not at a sentence start
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for s in sentences:
        if s.cjk:
            continue
        words = _WORD.findall(s.text)
        for n in (2, 3):
            for i in range(len(words) - n + 1):
                gram = words[i : i + n]
                if any(w.casefold() in _STOP or len(w) < 3 or w.isdigit() for w in gram):
                    continue
                key = " ".join(gram).casefold()
                counts[key] += 1
                shown.setdefault(key, " ".join(gram) if i else " ".join([gram[0].lower(), *gram[1:]]))
        for w in words:
            if _is_acronym(w):
                counts[w] += 1
                shown.setdefault(w, w)
    for key, n in counts.items():
        if n >= 2 and not _everyday(shown[key]):
            terms.add(shown[key], 1.0 + 0.5 * min(n, 4))
    for h in headings:
        if 1 <= len(h.split()) <= 3 and not _CJK.search(h) and not re.search(r"\band\b|&|,", h):
            term = " ".join(w if _is_acronym(w) else w.lower() for w in h.split())
            if not _everyday(term):
                terms.add(term, 1.5)
    return terms


EVERYDAY_WORD = 4.0  # wordfreq's Zipf scale: "summary" 4.4, "overview" 4.1 are everyday; "paging" 3.0 is not
EVERYDAY_PHRASE = 5.5  # every word of a phrase this common: "next time", "first step"


def _everyday(term: str) -> bool:
    """Whether a term found only by repetition or as a heading is everyday words, not a term of the subject
    (one defined, bolded or expanded from an acronym is kept whatever its words)."""
    from wordfreq import zipf_frequency

    words = [w for w in _WORD.findall(term) if not _is_acronym(w)]
    if not words or _CJK.search(term):
        return False
    if len(words) == 1:
        return zipf_frequency(words[0], "en") >= EVERYDAY_WORD
    return all(zipf_frequency(w, "en") >= EVERYDAY_PHRASE for w in words)


def extract_terms(section: SectionInput, furniture: Furniture | None = None) -> list[str]:
    """The section's key terms, most important first: for distractors across a course."""
    sentences, headings = _sentences(section, furniture)
    terms = _collect_terms(sentences, headings)
    ranked = sorted(terms.by_key.values(), key=lambda t: (-t.weight, t.text.casefold()))
    return [t.text for t in ranked]


# --- definitions --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Definition:
    sentence: _Sentence
    subject: str  # as written, with its article: "A thread"
    term: str  # "thread"
    definition: str  # "the unit of CPU scheduling inside a process"
    style: str  # is | refers | means | defined | when | also | called | glossary | cjk


_ARTICLE = r"(?:(?P<art>A|An|The|a|an|the)\s+)?"
_TERM = r"(?P<term>[^\s,;:()][^,;:()]{0,58}?(?:\s*\([^)]{1,20}\))?)"
_DEF_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("is", re.compile(rf"^{_ARTICLE}{_TERM}\s+(?P<verb>is|are)\s+(?P<def>(?:a|an|the|any|one)\s+.+)$")),
    ("refers", re.compile(rf"^{_ARTICLE}{_TERM}\s+(?:refers|refer)\s+to\s+(?P<def>.+)$")),
    ("means", re.compile(rf"^{_ARTICLE}{_TERM}\s+(?:means|mean)\s+(?P<def>.+)$")),
    ("defined", re.compile(rf"^{_ARTICLE}{_TERM}\s+(?:is|are)\s+defined\s+as\s+(?P<def>.+)$")),
    ("defined", re.compile(rf"^(?:We|we)\s+define\s+{_ARTICLE}{_TERM}\s+as\s+(?P<def>.+)$")),
    ("when", re.compile(rf"^{_ARTICLE}{_TERM}\s+(?P<verb>occurs|happens|occur|happen)\s+(?P<def>(?:when|if)\s+.+)$")),
    (
        "also",
        re.compile(rf"^{_ARTICLE}{_TERM},\s+(?:also\s+)?(?:called|known\s+as)\s+(?P<def>[^,;]{{2,60}}),\s+.+$"),
    ),
]
_CALLED = re.compile(r"^(?P<def>(?:A|An|The)\s+.{8,120}?)\s+(?:is|are)\s+(?:called\s+)?(?P<term>(?:the|a|an)\s+.+)$")
_GLOSSARY = re.compile(r"^(?P<term>[^:：]{2,50})[:：]\s*(?P<def>.{8,})$")
_CJK_DEF = re.compile(r"^(?P<term>[^，。！？；：、“”]{1,12}?)(?:就是|是指|指的是|是|指)(?P<def>[^。！？；]{3,80})")
_DEF_CUT = re.compile(
    r"\s*(?:;|:| - | — | – |\(e\.g\.|,\s*(?:which|that|so|but|and|while|because|whereas|although|as|since|"
    r"e\.g\.|i\.e\.|for example|such as|holding|using|where)\b|\s+because\b|\s+so that\b|\s+for example\b)"
)
_CJK_DEF_CUT = re.compile(r"[，；：,;]")


def _trim_definition(text: str, cjk: bool) -> str:
    text = (_CJK_DEF_CUT if cjk else _DEF_CUT).split(text, maxsplit=1)[0]
    return text.strip(" .。!！?？\"'”")


def _term_ok(term: str, sentence: _Sentence) -> bool:
    if not _phrase_ok(term):
        return False
    if sentence.bold:
        # with bold text in the sentence the writer has told us what the term is
        return any(term.casefold().startswith(b.casefold()) or b.casefold() in term.casefold() for b in sentence.bold)
    words = re.sub(r"\([^)]*\)", "", term).split()
    return len(words) <= 4 and not any(w.casefold() in _STOP and w.casefold() not in ("of", "and") for w in words)


# parts of speech (jieba's tags) a Chinese term never holds: pronouns, adverbs, conjunctions, prepositions,
# particles, interjections, onomatopoeia, punctuation; and what it never ends with: verbs, numerals, directions
_CJK_NEVER = ("r", "d", "c", "p", "u", "y", "e", "o", "x", "w", "z", "q")
_CJK_HEAD = ("n", "vn", "eng", "l", "j", "i", "an", "g")
CJK_RARE_WORD = 4.5  # a word rarer than this (wordfreq Zipf) is taken as a term whatever jieba tags it (死锁 3.4)
_CJK_SECTION = re.compile(r"^(?:第\s*[\d一二三四五六七八九十百]+\s*[章节讲课部分篇]|[\d一二三四五六七八九十]+[、.．])")


def _cjk_words(clause: str) -> list[tuple[str, str]]:
    """(word, part of speech) of a Chinese clause, by jieba (its dictionary ships in the package)."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)  # it logs the building of its dictionary at INFO level, on stderr
    return [(p.word, p.flag) for p in jieba.posseg.cut(clause)]


def _cjk_term_ok(clause: str, end: int) -> bool:
    """Whether ``clause[:end]`` is a term for "X是Y": 是 is a word of its own there (not the end of 还是, 就是, 也是,
    可是, 于是 ...), and X is a noun phrase, not a pronoun, an adverb, a particle or a section title."""
    from wordfreq import zipf_frequency

    term = clause[:end]
    if _CJK_SECTION.match(term.strip()):
        return False
    words: list[tuple[str, str]] = []
    at = 0
    for word, flag in _cjk_words(clause):
        if at >= end:
            if at > end or not word.startswith(("是", "指", "就是")):
                return False  # the connective is part of a longer word
            break
        words.append((word, flag))
        at += len(word)
    if at != end or not words:
        return False  # the term ends inside a word
    words = [(w, f) for w, f in words if w.strip()]
    if not words:
        return False

    def rare(word: str) -> bool:
        return len(word) >= 2 and zipf_frequency(word, "zh") < CJK_RARE_WORD

    if any(flag.startswith(_CJK_NEVER) and not rare(word) for word, flag in words):
        return False
    word, flag = words[-1]
    return flag.startswith(_CJK_HEAD) or rare(word)


def _definitions(sentence: _Sentence) -> list[_Definition]:
    out: list[_Definition] = []
    if sentence.cjk:
        for clause in re.split(r"[；;]", sentence.text):
            m = _CJK_DEF.match(clause.strip())
            if m and _CJK.search(m.group("term")) and _cjk_term_ok(clause.strip(), m.end("term")):
                term, definition = m.group("term").strip(), _trim_definition(m.group("def"), True)
                if len(definition) >= 3 and term not in definition:
                    out.append(_Definition(sentence, term, term, definition, "cjk"))
        return out
    # a definition may be one clause of a longer sentence: "A mutex gives X; a semaphore is Y."
    clauses = [sentence.text, *[c.strip() for c in re.split(r";\s+", sentence.text)[1:]]]
    for clause in clauses:
        clause = clause.rstrip(" .!")
        for style, pattern in _DEF_PATTERNS:
            m = pattern.match(clause)
            if not m:
                continue
            term = m.group("term").strip()
            definition = m.group("def") if style == "also" else _trim_definition(m.group("def"), False)
            if not _term_ok(term, sentence) or not 2 <= len(definition.split()) <= 22:
                continue
            if term.casefold() in definition.casefold():
                continue
            art = m.group("art")
            subject = f"{art.lower()} {term}" if art else term
            out.append(_Definition(sentence, subject, term, definition, style))
            break
        else:
            m = _CALLED.match(clause)
            if m:
                term = re.sub(r"^(?:the|a|an)\s+", "", m.group("term"), flags=re.IGNORECASE)
                definition = m.group("def")
                if len(term.split()) <= 4 and _term_ok(term, sentence) and len(definition.split()) >= 4:
                    out.append(_Definition(sentence, m.group("term"), term, definition, "called"))
    if not out and sentence.order >= 0:
        m = _GLOSSARY.match(sentence.text)
        if m:
            term, definition = m.group("term").strip(), _trim_definition(m.group("def"), False)
            if _term_ok(term, sentence) and len(term.split()) <= 4 and 2 <= len(definition.split()) <= 22:
                out.append(_Definition(sentence, term, term, definition, "glossary"))
    return out


def _definitions_all(sentences: list[_Sentence]) -> list[_Definition]:
    return [d for s in sentences for d in _definitions(s)]


# --- building cards -----------------------------------------------------------------------------------------------


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_start(text: str, source: str) -> str:
    """ "A Thread" at a sentence start is "a thread" mid-question, but "Belady's anomaly" keeps its capital."""
    first = text.split(" ", 1)[0]
    if _is_acronym(first) or any(c.isupper() for c in first[1:]) or "'" in first or "’" in first:
        return text
    if first[:1].isupper() and re.search(rf"(?<![.!?:]\s)(?<=\s){re.escape(first)}\b", source):
        return text  # capitalised mid-sentence too: a name
    return text[:1].lower() + text[1:]


def _mid_sentence(term: str) -> str:
    """How a term reads inside a sentence: "Journaling" -> "journaling", but "TLB", "Belady's anomaly" stay."""
    first = term.split(" ", 1)[0]
    if _is_acronym(first) or any(c.isupper() for c in first[1:]) or "'" in first or "’" in first:
        return term
    return term[:1].lower() + term[1:]


def _answer(text: str) -> str:
    text = text.strip(" .")
    return _cap(text) + ("" if _CJK.search(text[-1:]) else ".") if text else ""


def _strip_paren(term: str) -> str:
    return re.sub(r"\s*\([^)]*\)", "", term).strip() or term


def _cloze_of(sentence: _Sentence, term: str) -> str | None:
    """The sentence with its (single) occurrence of ``term`` as deletion c1."""
    if _CJK.search(term):
        i = sentence.text.find(term)
        if i < 0:
            return None
        j = i + len(term)
    else:
        m = re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", sentence.text, re.IGNORECASE)
        if not m:
            return None
        i, j = m.span()
    hidden = sentence.text[i:j]
    if _word_count(hidden) * 2 > _word_count(sentence.text):
        return None
    return f"{sentence.text[:i]}{{{{c1::{hidden}}}}}{sentence.text[j:]}"


def _blank_of(cloze: str) -> tuple[str, str]:
    """A cloze as a basic card: (sentence with a blank, hidden text)."""
    m = re.search(r"\{\{c1::(.*?)\}\}", cloze)
    assert m is not None
    return "Fill in the blank: " + cloze[: m.start()] + "_____" + cloze[m.end() :], m.group(1)


@dataclass(slots=True)
class _Candidate:
    score: float
    sentence: _Sentence
    family: str  # definition | acronym | subject | statement
    basic: tuple[str, str] | None  # (front, back) as a basic card
    cloze: str | None  # the same fact as a cloze, if it has one
    term: str = ""  # the term the card asks for (for questions)


_SIGNALS = re.compile(
    r"\b(?:is responsible for|consists? of|because|therefore|thus|hence|the main|the most|must|requires?|prevents?|"
    r"causes?|leads? to|results? in|in contrast|unlike|allows?|ensures?|avoids?|removes?|minimi[sz]es|"
    r"maximi[sz]es|called|known as|defined|depends? on|determines?|guarantees?|cannot|only when|always|never|"
    r"first|largest|smallest|key|essential|important)\b|因为|所以|因此|主要|必须|导致|称为|包括|决定|保证",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s?%|\s?(?:[KMGT]i?B|ms|ns|µs|s|Hz|GHz|MHz|bits?|bytes?))?(?![\w.])|"
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred|thousand|million|billion)\b",
    re.IGNORECASE,
)
_VERB = re.compile(
    r"^(?:[a-z]+[^s\W]s|[a-z]+ses|can|cannot|must|may|will|does|has|holds|lets|keeps|gives|needs|takes|makes|uses|"
    r"did|had|was|were|became)$"
)


def _candidates(sentences: list[_Sentence], terms: _Terms, rng: random.Random) -> list[_Candidate]:
    out: list[_Candidate] = []
    sentences = [s for s in sentences if not _refers_back(s)]
    defined: set[int] = set()
    for d in _definitions_all(sentences):
        s = d.sentence
        subject = _lower_start(d.subject, s.text)
        if d.style == "cjk":
            front = f"什么是{d.term}？"
        elif d.style == "refers":
            front = f"What does {subject} refer to?"
        elif d.style == "means":
            front = f"What does {subject} mean?"
        elif d.style == "defined":
            front = f"How is {subject} defined?"
        elif d.style == "when":
            verb = "happen" if "happen" in s.text.casefold() else "occur"
            plural = re.search(rf"{re.escape(d.term)}\s+(?:occur|happen)\b", s.text) is not None
            front = f"When {'do' if plural else 'does'} {subject} {verb}?"
        elif d.style == "also":
            front = f"What is another name for {subject}?"
        elif d.style == "called":
            front = f"What is {d.definition[:1].lower() + d.definition[1:]} called?"
        else:
            front = f"What is {subject}?" if " are " not in s.text else f"What are {subject}?"
        back = _answer(d.term if d.style == "called" else d.definition)
        if d.style == "called":
            back = _answer(_strip_paren(d.subject))
        cloze_term = d.definition if d.style == "also" else d.term
        cloze = _cloze_of(s, cloze_term) if d.style != "called" else _cloze_of(s, d.term)
        family = "synonym" if d.style == "also" else "definition"
        out.append(_Candidate(6.0 + (0.5 if s.bold else 0.0), s, family, (front, back), cloze, d.term))
        defined.add(s.order)
    for s in sentences:
        if s.cjk:
            continue
        for expansion, acr in _acronyms(s.text):
            if expansion.casefold() == acr.casefold():
                continue
            front = f"What does {acr} stand for?"
            out.append(_Candidate(4.5, s, "acronym", (front, _answer(expansion)), _cloze_of(s, expansion), expansion))
    # sentences whose subject is a term: "Aging prevents starvation by ..." asks "What prevents starvation ...?"
    for s in sentences:
        if s.order in defined:
            continue
        found = terms.found_in(s.text)
        best: _Candidate | None = None
        if not s.cjk:
            for t in sorted(found, key=lambda t: -len(t.text)):
                m = re.match(rf"^(?:(A|An|The)\s+)?({re.escape(t.text)})\s+(\S+)\s+(.+)$", s.text, re.IGNORECASE)
                if not m or not _VERB.match(m.group(3)) or m.group(3) in ("is", "was", "has"):
                    continue
                rest = re.split(r",\s*(?:but|so|and|which|while)\b|;|:", f"{m.group(3)} {m.group(4)}")[0]
                rest = rest.rstrip(" .!")
                if len(rest.split()) < 3 or _POINTS_BACK.search(rest):
                    continue  # "What does this prevent?": the question would not say what "this" is
                subject = (m.group(1) + " " if m.group(1) else "") + m.group(2)
                front = f"What {rest}?"
                best = _Candidate(5.0 + t.weight / 3, s, "subject", (front, _answer(subject)), _cloze_of(s, m.group(2)))
                best.term = _strip_paren(m.group(2))
                break
        if best is not None:
            out.append(best)
            continue
        # key statement: delete its most important term (or a number, when that is the fact)
        signal = len(_SIGNALS.findall(s.text))
        numbers = [m.group(0) for m in _NUMBER.finditer(s.text)]
        ranked = sorted(found, key=lambda t: (-t.weight, -len(t.text), rng.random()))
        hidden: str | None = None
        if ranked and ranked[0].weight >= 2.0:
            hidden = ranked[0].text
        elif numbers and len(numbers) == 1 and signal:
            hidden = numbers[0]
        elif ranked:
            hidden = ranked[0].text
        if hidden is None:
            continue
        cloze = _cloze_of(s, hidden)
        if cloze is None:
            continue
        score = 2.0 + min(signal, 2) * 0.75 + (ranked[0].weight / 2 if ranked else 0.5) + (0.5 if s.bold else 0.0)
        out.append(_Candidate(score, s, "statement", None, cloze, hidden))
    return out


# first words that stand for, or go on from, something said before: a card opening so cannot be answered alone
_NEEDS_BEFORE = frozenset(
    """it its this these those they them their he she his her that such otherwise however therefore thus hence also
    moreover furthermore instead then consequently similarly likewise nevertheless nonetheless meanwhile besides
    still yet so but and or conversely accordingly here latter former above""".split()  # noqa: SIM905 - a word list reads best as words
)
_NEEDS_BEFORE_PHRASE = re.compile(
    r"^(?:in (?:this|that|such a|either|both) (?:case|way|example|situation)|as a result|in addition|on the other "
    r"hand|for this reason|the (?:above|following|latter|former|same)|in other words|even so|apart from this)\b",
    re.IGNORECASE,
)
_CJK_NEEDS_BEFORE = (
    "这", "那", "它", "他", "她", "其", "此", "该", "因此", "所以", "但是", "但", "然而", "而", "此外", "另外", "同时",
    "于是", "那么", "否则", "因而", "从而", "并且", "而且", "也", "还", "上述", "以上", "前者", "后者", "所以", "总之",
)  # fmt: skip


# words pointing outside the question ("its", "them" usually stand for a noun of the question itself)
_POINTS_BACK = re.compile(r"\b(?:this|these|those|the above|the following|the former|the latter)\b", re.IGNORECASE)


def _refers_back(s: _Sentence) -> bool:
    """Whether the sentence opens with a word standing for, or going on from, something said before ("This ...",
    "Otherwise ...", 因此, 这): shown alone on a card it cannot be answered."""
    text = s.text.lstrip("\"'“‘([*_ ")
    first = _WORD.findall(text[:40])[:1]
    if first and first[0].casefold() in _NEEDS_BEFORE:
        return True
    return bool(_NEEDS_BEFORE_PHRASE.match(text)) or text.startswith(_CJK_NEEDS_BEFORE)


def _choose(candidates: list[_Candidate], limit: int, rng: random.Random) -> list[_Candidate]:
    """The best candidates, at most two per sentence (of different families), in reading order."""
    keyed = sorted(candidates, key=lambda c: (-c.score, c.sentence.order, c.family, rng.random()))
    per_sentence: Counter[int] = Counter()
    families: set[tuple[int, str]] = set()
    chosen: list[_Candidate] = []
    for c in keyed:
        if per_sentence[c.sentence.order] >= 2 or (c.sentence.order, c.family) in families:
            continue
        per_sentence[c.sentence.order] += 1
        families.add((c.sentence.order, c.family))
        chosen.append(c)
    return chosen


def _page_texts(section: SectionInput) -> dict[int, str]:
    pages: dict[int, str] = {}
    for page, text in section.pages:
        pages[page] = f"{pages[page]}\n{text}" if page in pages else text
    return pages


def offline_cards(
    section: SectionInput,
    *,
    limit: int,
    kind: CardKind,
    rng: random.Random,
    existing: DuplicateIndex | None = None,
    furniture: Furniture | None = None,
) -> list[CardDraft]:
    """Up to ``limit`` checked cards from the section's sentences, in reading order; deterministic for an rng seed.

    ``kind`` "mixed" asks definitions and facts about a term as questions and hides terms of other key
    statements as cloze deletions. ``existing`` (the course's cards) keeps repeats out, and grows with the result.
    ``furniture`` is what the section's document repeats on its pages (see ``furniture.furniture_of``).
    """
    if limit <= 0:
        return []
    sentences, headings = _sentences(section, furniture)
    terms = _collect_terms(sentences, headings)
    pages = _page_texts(section)
    index = existing if existing is not None else DuplicateIndex()
    drafts: list[tuple[int, CardDraft]] = []
    for c in _choose(_candidates(sentences, terms, rng), len(sentences) * 2, rng):
        draft = _card(c, kind)
        if draft is None or not quote_on_page(draft.quote, pages.get(draft.page, "")):
            continue
        if check_card(draft, pages.get(draft.page), index) is None:
            drafts.append((c.sentence.order, draft))
            if len(drafts) >= limit:
                break
    return [d for _, d in sorted(drafts, key=lambda x: x[0])]


def _card(c: _Candidate, kind: CardKind) -> CardDraft | None:
    s = c.sentence
    use_cloze = kind == "cloze" or (kind == "mixed" and c.basic is None)
    if use_cloze and c.cloze is not None:
        return CardDraft(kind="cloze", front=c.cloze, back="", quote=s.quote, page=s.page)
    if c.basic is not None and kind != "cloze":
        front, back = c.basic
        return CardDraft(kind="basic", front=front, back=back, quote=s.quote, page=s.page)
    if c.cloze is not None and kind == "basic":
        front, back = _blank_of(c.cloze)
        return CardDraft(kind="basic", front=front, back=back, quote=s.quote, page=s.page)
    return None


# --- questions ----------------------------------------------------------------------------------------------------


def _plural(term: str) -> bool:
    last = term.rsplit(maxsplit=1)[-1] if term.split() else ""
    return last.endswith("s") and not last.endswith(("ss", "us", "is")) and not _is_acronym(last)


def _singular(key: str) -> str:
    return key[:-1] if key.endswith("s") and not key.endswith("ss") else key


def _distractors(answer: str, prompt: str, pool: list[str], rng: random.Random, n: int = 3) -> list[str] | None:
    """``n`` terms like ``answer`` (same script and kind, similar length), not it and not in the prompt."""
    a = answer.casefold()
    cjk = bool(_CJK.search(answer))
    acronym = _is_acronym(answer)
    # "page table" and "page tables" are one choice
    seen: set[str] = {_singular(a)}
    scored: list[tuple[float, str]] = []
    for term in pool:
        t = _strip_paren(term).strip()
        k = t.casefold()
        if not t or _singular(k) in seen or k in a or a in k or bool(_CJK.search(t)) != cjk:
            continue
        if k in prompt.casefold() or not len(a) / 2.5 <= len(k) <= len(a) * 2.5:
            continue
        seen.add(_singular(k))
        # closeness in length and in number of words, and the same kind (acronym or name)
        score = abs(math.log(len(k) / max(len(a), 1))) + 0.3 * abs(len(t.split()) - len(answer.split()))
        score += 1.0 if _is_acronym(t) != acronym else 0.0
        score += 0.5 if _plural(t) != _plural(answer) else 0.0
        scored.append((score, t))
    scored.sort(key=lambda x: (x[0], x[1].casefold()))
    best = [t for _, t in scored[: max(n * 2, n)]]
    if len(best) < n:
        return None
    return rng.sample(best, n)


def _swap(sentence: _Sentence, terms: _Terms, pool: list[str], rng: random.Random) -> tuple[str, str, str] | None:
    """A false statement: one term of the sentence replaced by another of the course. (statement, old, new)."""
    found = [t for t in terms.found_in(sentence.text) if t.weight >= 2.5]
    rng.shuffle(found)
    for t in found:
        others = _distractors(t.text, sentence.text, pool, rng, 1)
        if not others:
            continue
        new = others[0]
        if sentence.text.find(t.text) != 0:
            new = _mid_sentence(new)
        pattern = rf"(?<![\w-]){re.escape(t.text)}(?![\w-])" if not sentence.cjk else re.escape(t.text)
        m = re.search(pattern, sentence.text, re.IGNORECASE)
        if not m:
            continue
        before = sentence.text[: m.start()]
        if not sentence.cjk:
            # "a thread" -> "an inode"
            article = "n" if new[:1].lower() in "aeiou" else ""
            before = re.sub(r"\b([Aa])n?(\s+)$", rf"\g<1>{article}\g<2>", before)
        replaced = before + (_cap(new) if m.start() == 0 else new) + sentence.text[m.end() :]
        return replaced, m.group(0), new
    return None


def offline_questions(
    section: SectionInput,
    *,
    limit: int,
    rng: random.Random,
    course_terms: list[str],
    existing: DuplicateIndex | None = None,
    furniture: Furniture | None = None,
) -> list[QuestionDraft]:
    """Up to ``limit`` checked quiz questions: multiple choice on terms, true/false on key facts, short answers.

    Distractors are ``course_terms`` (and the section's own terms) of the same kind and a similar length.
    """
    if limit <= 0:
        return []
    sentences, headings = _sentences(section, furniture)
    terms = _collect_terms(sentences, headings)
    pages = _page_texts(section)
    pool = [*course_terms, *(t.text for t in sorted(terms.by_key.values(), key=lambda t: t.text.casefold()))]
    index = existing if existing is not None else DuplicateIndex()
    drafts: list[tuple[int, int, QuestionDraft]] = []
    used: Counter[int] = Counter()
    chosen = _choose(_candidates(sentences, terms, rng), len(sentences) * 2, rng)
    # cycle through the kinds so that a short quiz still mixes them
    makers = [_multiple_choice, _true_false, _short_answer]
    for round_no in range(len(makers)):
        for i, c in enumerate(chosen):
            if len(drafts) >= limit:
                break
            if used[c.sentence.order] >= 2:
                continue
            maker = makers[(i + round_no) % len(makers)]
            draft = maker(c, terms, pool, rng)
            if draft is None:
                continue
            if check_question(draft, pages.get(draft.page), index) is None:
                drafts.append((c.sentence.order, i, draft))
                used[c.sentence.order] += 1
    return [d for _, _, d in sorted(drafts, key=lambda x: (x[0], x[1]))]


def _cite(s: _Sentence) -> str:
    return f"“{s.quote if len(s.quote) <= 240 else s.quote[:237] + '...'}” (page {s.page})"


def _multiple_choice(c: _Candidate, terms: _Terms, pool: list[str], rng: random.Random) -> QuestionDraft | None:
    s = c.sentence
    answer = _cap(_strip_paren(c.term)) if c.term else ""
    if not answer or c.family == "acronym":
        return None
    if c.family in ("definition", "synonym") and c.basic is not None:
        definition = c.basic[1].rstrip(".")
        lowered = definition[:1].lower() + definition[1:]
        if s.cjk:
            prompt = f"哪个术语的含义是“{definition}”？"
        elif c.family == "synonym":
            prompt = f"Which term is also called “{lowered}”?"
        elif lowered.startswith(("when ", "if ")):
            prompt = f"Which term names what happens {lowered}?"
        else:
            prompt = f"Which term is defined as “{lowered}”?"
        difficulty = 2
    elif c.family == "subject" and c.basic is not None:
        prompt, difficulty = c.basic[0], 2
    elif c.cloze is not None:
        blank, hidden = _blank_of(c.cloze)
        if _NUMBER.fullmatch(hidden):
            return None
        answer = _cap(hidden)
        lead = "哪个术语填入空白处？" if s.cjk else "Which term completes the sentence? "
        prompt = lead + blank.removeprefix("Fill in the blank: ")
        difficulty = 3
    else:
        return None
    others = _distractors(answer, prompt, pool, rng)
    if others is None:
        return None
    choices = [answer, *(_cap(o) for o in others)]
    rng.shuffle(choices)
    return QuestionDraft(
        kind="multiple_choice",
        prompt=prompt,
        choices=choices,
        answer=answer,
        explanation=f"The notes say: {_cite(s)}",
        difficulty=difficulty,
        quote=s.quote,
        page=s.page,
    )


def _true_false(c: _Candidate, terms: _Terms, pool: list[str], rng: random.Random) -> QuestionDraft | None:
    s = c.sentence
    if s.text.endswith(("?", "？")) or _refers_back(s):
        return None
    lead = "判断对错：" if s.cjk else "True or false: "
    if rng.random() < 0.5:
        swapped = _swap(s, terms, pool, rng)
        if swapped is not None:
            statement, old, new = swapped
            return QuestionDraft(
                kind="true_false",
                prompt=lead + statement,
                choices=["True", "False"],
                answer="False",
                explanation=f"False: it is {old}, not {new}. The notes say: {_cite(s)}",
                difficulty=2,
                quote=s.quote,
                page=s.page,
            )
    return QuestionDraft(
        kind="true_false",
        prompt=lead + s.text,
        choices=["True", "False"],
        answer="True",
        explanation=f"True. The notes say: {_cite(s)}",
        difficulty=1,
        quote=s.quote,
        page=s.page,
    )


def _short_answer(c: _Candidate, terms: _Terms, pool: list[str], rng: random.Random) -> QuestionDraft | None:
    if c.basic is None:
        return None
    s = c.sentence
    front, back = c.basic
    return QuestionDraft(
        kind="short_answer",
        prompt=front,
        choices=[],
        answer=back,
        explanation=f"The notes say: {_cite(s)}",
        difficulty=1 if c.family == "acronym" else 3,
        quote=s.quote,
        page=s.page,
    )
