"""The validator every generated card and question goes through, whichever generator made it.

Each check returns a reason code from ``REASONS`` or None. The checks are pure: the caller gives the text of the
cited page and a ``DuplicateIndex`` of the course's cards (which grows with every item kept).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections import Counter
from typing import Literal

from rapidfuzz import fuzz, process

from aksio.control_chars import without_controls
from aksio.generate.items import CardDraft, QuestionDraft
from aksio.srs.cloze import MOST_DELETIONS, cloze_numbers, deletion_number, render

Reason = Literal[
    "empty",
    "too_long",
    "bad_cloze",
    "bad_choices",
    "quote_not_on_page",
    "answer_in_question",
    "not_atomic",
    "not_standalone",
    "duplicate",
]

REASONS: tuple[tuple[Reason, str], ...] = (
    ("empty", "the question, the answer or a choice is empty"),
    ("too_long", "the question or the answer is longer than 300 characters"),
    ("bad_cloze", "a cloze card without a valid {{c1::...}} deletion, or deletion markup in a basic card"),
    ("bad_choices", "choices are not 4 distinct options with the answer once, or not True/False"),
    ("quote_not_on_page", "the quote is missing, too short, or not found on the cited page"),
    ("answer_in_question", "the answer can be read in the question"),
    ("not_atomic", "the answer holds several facts, or the question asks two things"),
    ("not_standalone", 'the question points at text it does not show ("this", "the above", "the following", 上述, 这)'),
    ("duplicate", "nearly the same as a card already in the course or kept earlier"),
)

MAX_CHARS = 300
MIN_QUOTE_WIDTH = 12  # a shorter quote matches almost anywhere, so it grounds nothing
QUOTE_SCORE = 90
DUPLICATE_SCORE = 90
MAX_ANSWER_WORDS = 25

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": None,  # soft hyphen: invisible, only marks where a word may break
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,
    }
)
# "memo-\nry" is "memory"; "X-\nRay" goes on in upper case, so it is "X-Ray", a real hyphen at a line end
_HYPHEN_BREAK = re.compile(r"(?<=\w)-[ \t]*\r?\n\s*(?=[^\W\d_])")
# markdown emphasis: the stored text of a markdown page keeps it, a model's or a reader's quote usually does not
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)")
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]")


def _join_hyphen(m: re.Match[str]) -> str:
    nxt = m.string[m.end() : m.end() + 1]
    return "" if nxt.islower() else "-"


def normalise(text: str) -> str:
    """NFKC, one kind of quote and dash, words broken across lines joined, markdown emphasis dropped, one space;
    no control characters (a draft is stored without them, the page it quotes may hold some)."""
    text = without_controls(unicodedata.normalize("NFKC", text)).translate(_QUOTES)
    text = _HYPHEN_BREAK.sub(_join_hyphen, text)
    text = _EMPHASIS.sub("", text)
    return " ".join(text.split())


def _width(text: str) -> int:
    # a CJK character carries about as much as a short word, so it counts double against the minimum
    return len(text) + len(_CJK.findall(text))


@functools.lru_cache(maxsize=32)
def _page_key(page_text: str) -> str:
    # a batch checks many items against the same few pages: normalise each page once
    return normalise(page_text).casefold()


def quote_on_page(quote: str, page_text: str) -> bool:
    """Whether ``quote`` is (nearly verbatim) on the page: exact substring, else rapidfuzz partial ratio >= 90."""
    q = normalise(quote).casefold()
    if _width(q) < MIN_QUOTE_WIDTH:
        return False
    p = _page_key(page_text)
    if q in p:
        return True
    if len(q) > len(p):
        # partial_ratio would look for the page inside the quote: a long quote would "contain" a short page
        return fuzz.ratio(q, p) >= QUOTE_SCORE
    return fuzz.partial_ratio(q, p, score_cutoff=QUOTE_SCORE) >= QUOTE_SCORE


# --- words --------------------------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "into",
        "onto",
        "and",
        "or",
        "but",
        "nor",
        "not",
        "no",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "why",
        "how",
        "as",
        "than",
        "then",
        "so",
        "such",
        "do",
        "does",
        "did",
        "done",
        "has",
        "have",
        "had",
        "can",
        "could",
        "may",
        "might",
        "must",
        "shall",
        "should",
        "will",
        "would",
        "one",
        "ones",
        "any",
        "some",
        "each",
        "every",
        "all",
        "both",
        "either",
        "neither",
        "other",
        "another",
        "their",
        "his",
        "her",
        "our",
        "your",
        "my",
        "they",
        "them",
        "he",
        "she",
        "we",
        "you",
        "i",
        "me",
        "us",
        "also",
        "very",
        "called",
        "known",
    ]
)


def _key(text: str) -> str:
    """Text for comparing: normalised, case folded, punctuation as spaces, CJK characters spaced apart."""
    text = normalise(text).casefold()
    text = re.sub(r"[^\w\s]|_", " ", text)
    text = _CJK.sub(lambda m: f" {m.group(0)} ", text)
    return " ".join(text.split())


def _stem(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _content_words(text: str) -> set[str]:
    words = _WORD.findall(normalise(text).casefold())
    return {_stem(w) for w in words if w not in STOPWORDS and not _CJK.search(w)}


def _contains_phrase(haystack: str, needle: str) -> bool:
    """Whether ``needle`` is in ``haystack`` as whole words (both compared as ``_key``)."""
    h, n = f" {_key(haystack)} ", _key(needle)
    if not n:
        return False
    if _CJK.search(n):
        return n.replace(" ", "") in h.replace(" ", "")
    return f" {n} " in h


_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.IGNORECASE)


def _leaks(question: str, answer: str, *, word_sets: bool) -> bool:
    answer = _ARTICLE.sub("", normalise(answer)).strip(" .!?;:,")
    if not answer:
        return False
    if _contains_phrase(question, answer):
        return True
    key = _key(answer)
    # a one-word answer shows through a longer form of it: "demand" in "quantity demanded", "OPT" in "Optimal"
    one_word = " " not in key and len(key) >= 3 and not _CJK.search(key)
    if one_word and any(w.startswith(_stem(key)) for w in _key(question).split()):
        return True
    if word_sets:
        words = _content_words(answer)
        return bool(words) and words <= _content_words(question)
    return False


# "A, B and C": three items or more is a list of facts. Thousands separators ("10,000") are not item breaks.
_ITEM_SPLIT = re.compile(r",(?!\d)|;|、|，|；|\band\b", re.IGNORECASE)


def _not_atomic(answer: str) -> bool:
    text = normalise(answer)
    if len(_WORD.findall(text)) > MAX_ANSWER_WORDS:
        return True
    items = [p for p in _ITEM_SPLIT.split(text) if p.strip(" .")]
    return len(items) >= 3


# --- cloze --------------------------------------------------------------------------------------------------------

_DELETION_START = re.compile(r"\{\{c(\d+)::(.*?)(?:::.*?)?\}\}", re.DOTALL)


def _cloze_deletions(text: str) -> dict[int, list[str]] | None:
    """Deletion texts by number, or None if the markup is broken (c0, an empty deletion, stray braces)."""
    numbers = cloze_numbers(text)
    if not numbers or numbers[-1] > MOST_DELETIONS:
        return None
    for m in _DELETION_START.finditer(text):
        if not 0 < deletion_number(m.group(1)) <= MOST_DELETIONS or not m.group(2).strip():
            return None
    plain, _ = render(text, 0)  # number 0 is never shown hidden, so this is the text with all deletions revealed
    if "{{" in plain or "}}" in plain:
        return None
    found: dict[int, list[str]] = {}
    for m in _DELETION_START.finditer(text):
        found.setdefault(deletion_number(m.group(1)), []).append(m.group(2))
    return found


def _visible(question: str) -> str:
    return re.sub(r"\[[^\]]*\]", " ", question)


# --- duplicates ---------------------------------------------------------------------------------------------------


class DuplicateIndex:
    """Near-duplicate lookup over a course's cards: rapidfuzz token-set similarity >= 90, or the same front.

    Candidates come from an inverted index on the rarest words of the text, so one lookup against 10,000 cards
    scores a few dozen of them instead of all.
    """

    def __init__(self, cards: list[tuple[str, str]] | None = None) -> None:
        self._texts: list[str] = []
        self._sizes: list[int] = []
        self._postings: dict[str, list[int]] = {}
        self._fronts: set[str] = set()
        for front, back in cards or []:
            self.add(front, back)

    def __len__(self) -> int:
        return len(self._texts)

    @staticmethod
    def _front_key(front: str) -> str:
        # a cloze note compares by its full sentence, whichever words it hides
        if "{{c" in front:
            front = render(front, 0)[0]
        return _key(front)

    @staticmethod
    def _tokens(text: str) -> list[str]:
        # CJK runs have no spaces: adjacent character pairs play the part of words
        out: list[str] = []
        for word in text.split():
            out.append(word)
        cjk = [w for w in out if _CJK.fullmatch(w)]
        out = [w for w in out if not _CJK.fullmatch(w)]
        out.extend(a + b for a, b in itertools.pairwise(cjk))
        if len(cjk) == 1:
            out.append(cjk[0])
        return out

    def _text(self, front: str, back: str) -> str:
        return " ".join(sorted(set(self._tokens(_key(f"{self._front_key(front)} {back}")))))

    def add(self, front: str, back: str) -> None:
        """Remember a card kept (or already in the course)."""
        text = self._text(front, back)
        index = len(self._texts)
        self._texts.append(text)
        tokens = set(text.split())
        self._sizes.append(len(tokens))
        for token in tokens:
            self._postings.setdefault(token, []).append(index)
        fk = self._front_key(front)
        if fk:
            self._fronts.add(fk)

    def is_duplicate(self, front: str, back: str) -> bool:
        """Whether a card with this front and back nearly repeats one already added."""
        fk = self._front_key(front)
        if fk and fk in self._fronts:
            return True
        text = self._text(front, back)
        tokens = text.split()
        if not tokens or not self._texts:
            return False
        # A text scoring >= 90 against this one shares most of its words, so it shares one of its rarer half.
        by_rarity = sorted(tokens, key=lambda t: (len(self._postings.get(t, ())), t))
        probe = by_rarity[: max(1, (len(tokens) + 1) // 2)]
        hits: Counter[int] = Counter()
        for token in probe:
            hits.update(self._postings.get(token, ()))
        if not hits:
            return False
        # score the best-sharing candidates only: a near duplicate is among them
        candidates = [i for i, _ in hits.most_common(64)]
        size = len(tokens)
        for i in candidates:
            # token_set_ratio is 100 whenever one word set holds the other: a 3-word card is not a
            # duplicate of every long card that happens to contain its words
            small, big = sorted((size, self._sizes[i]))
            if small * 5 < big * 2:
                continue
            if fuzz.token_set_ratio(text, self._texts[i], processor=None, score_cutoff=DUPLICATE_SCORE):
                return True
        return False

    def best_match(self, front: str, back: str) -> tuple[str, float] | None:
        """The most similar text added and its score (for reports and tuning)."""
        if not self._texts:
            return None
        found = process.extractOne(self._text(front, back), self._texts, scorer=fuzz.token_set_ratio, processor=None)
        return (found[0], float(found[1])) if found else None


# --- checks -------------------------------------------------------------------------------------------------------


def _grounded(quote: str, page_text: str | None) -> bool:
    return page_text is not None and quote_on_page(quote, page_text)


def check_card(
    draft: CardDraft, page_text: str | None, existing: DuplicateIndex, *, keep: bool = True
) -> Reason | None:
    """Why ``draft`` must be dropped, or None; a card that passes is added to ``existing`` (unless ``keep=False``).

    ``page_text`` is the text of the page the card cites (None if that page does not exist).
    """
    front, back = draft.front.strip(), draft.back.strip()
    if not front or (draft.kind == "basic" and not back):
        return "empty"
    if len(front) > MAX_CHARS or len(back) > MAX_CHARS:
        return "too_long"
    deletions: dict[int, list[str]] = {}
    if draft.kind == "cloze":
        found = _cloze_deletions(front)
        if found is None:
            return "bad_cloze"
        deletions = found
        questions = {n: render(front, n)[0] for n in deletions}
        # the sentence must still say something once a deletion is hidden
        if any(len(_key(_visible(q)).split()) < 2 for q in questions.values()):
            return "bad_cloze"
    elif "{{c" in front or "{{c" in back:
        return "bad_cloze"
    if not _grounded(draft.quote, page_text):
        return "quote_not_on_page"
    if draft.kind == "cloze":
        for n, texts in deletions.items():
            if any(_leaks(_visible(questions[n]), t, word_sets=False) for t in texts):
                return "answer_in_question"
        answers = [t for texts in deletions.values() for t in texts]
    else:
        if _leaks(front, back, word_sets=True):
            return "answer_in_question"
        answers = [back]
    if front.count("?") + front.count("？") >= 2 or any(_not_atomic(a) for a in answers):
        return "not_atomic"
    if _points_elsewhere(draft):
        return "not_standalone"
    if existing.is_duplicate(front, back):
        return "duplicate"
    if keep:
        existing.add(front, back)
    return None


# words that point at something the card does not show: a front must be answerable from itself alone
_POINTING = re.compile(
    r"\b(?:this|these|the above|the following|the former|the latter|above-mentioned|aforementioned)\b"
    r"|上述|以上|以下|下列|如下|前者|后者|这|该",
    re.IGNORECASE,
)
# a cloze shows a sentence of the notes: only its opening (and "the above", "the following") points elsewhere
_POINTING_OPENING = re.compile(
    r"^\W*(?:this|these|it|they|that|however|otherwise|therefore|thus|hence)\b|^\W*(?:这|它|该|此|因此|但是|所以)"
    r"|\b(?:the above|the following|aforementioned)\b|上述|以下|下列|如下",
    re.IGNORECASE,
)


def _points_elsewhere(draft: CardDraft) -> bool:
    """Whether the card's front leans on text it does not show ("What does this mean?", "上述算法是什么？")."""
    if draft.kind == "cloze":
        return _POINTING_OPENING.search(render(draft.front, 0)[0]) is not None
    return _POINTING.search(draft.front) is not None


_ABOVE = re.compile(r"\b(?:all|none|both|neither) of (?:the )?(?:above|these|them)\b", re.IGNORECASE)


def _bad_choices(draft: QuestionDraft) -> bool:
    choices = [normalise(c) for c in draft.choices]
    answer = normalise(draft.answer)
    if draft.kind == "true_false":
        return [c.casefold() for c in choices] != ["true", "false"] or answer.casefold() not in ("true", "false")
    if draft.kind == "short_answer":
        return bool(choices)
    if len(choices) != 4 or len({c.casefold() for c in choices}) != 4:
        return True
    if any(_ABOVE.search(c) for c in choices) or sum(c.casefold() == answer.casefold() for c in choices) != 1:
        return True
    # a distractor much shorter or longer than the answer gives itself away
    size = max(len(answer), 1)
    return any(not size / 3 <= max(len(c), 1) <= size * 3 for c in choices)


def check_question(
    draft: QuestionDraft, page_text: str | None, existing: DuplicateIndex, *, keep: bool = True
) -> Reason | None:
    """Why ``draft`` must be dropped, or None; a question that passes is added to ``existing`` (unless ``keep``)."""
    prompt, answer = draft.prompt.strip(), draft.answer.strip()
    if not prompt or not answer or any(not c.strip() for c in draft.choices):
        return "empty"
    if len(prompt) > MAX_CHARS or len(answer) > MAX_CHARS or any(len(c) > MAX_CHARS for c in draft.choices):
        return "too_long"
    if _bad_choices(draft):
        return "bad_choices"
    if not _grounded(draft.quote, page_text):
        return "quote_not_on_page"
    if draft.kind != "true_false" and _leaks(prompt, answer, word_sets=draft.kind == "short_answer"):
        return "answer_in_question"
    if prompt.count("?") + prompt.count("？") >= 2 or (draft.kind != "true_false" and _not_atomic(answer)):
        return "not_atomic"
    if existing.is_duplicate(prompt, answer):
        return "duplicate"
    if keep:
        existing.add(prompt, answer)
    return None
