"""What generation sends a model: section parts sized for its context window, and the prompts."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Literal

from msgspec.structs import replace

from aksio.llm.base import Message
from aksio.models import SectionInput

What = Literal["cards", "questions"]
PROMPT_VERSION = 2  # part keys change with it, so an improved prompt is not skipped as "already done"
CHARS_PER_TOKEN = 4  # a conservative average for English lecture text
CJK_CHARS_PER_TOKEN = 1.0  # Chinese text runs near 1-1.5 characters a token: the low end, so a part always fits
MIN_PART_CHARS = 500

# CJK characters, and the full-width punctuation that goes with them (a token each, as near as matters)
_CJK = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def chars_per_token(text: str) -> float:
    """About how many characters of ``text`` make a model's token: 4 for English, 1 for Chinese, mixed by share."""
    letters = sum(not c.isspace() for c in text)
    if not letters:
        return float(CHARS_PER_TOKEN)
    cjk = len(_CJK.findall(text)) / letters
    # tokens add up: a text that is a share ``cjk`` Chinese needs cjk/1 + (1-cjk)/4 tokens a character
    return 1 / (cjk / CJK_CHARS_PER_TOKEN + (1 - cjk) / CHARS_PER_TOKEN)


def part_chars(section: SectionInput, num_ctx: int, *, english: bool = False) -> int:
    """The most characters of ``section`` a part may hold so that it fills at most half of a ``num_ctx`` window
    (the rest is the prompt and the answer), sized by the section's script: a Chinese section gets about a fourth
    of what an English one does (sized at 4 characters a token, it overflowed the window 3-4 times, and Ollama
    cuts a prompt silently). ``english`` sizes any script as English (the offline generator has no window)."""
    if english:
        return max(num_ctx * CHARS_PER_TOKEN // 2, 2000)
    sample = "".join(text for _, text in section.pages)[:20_000]
    return max(int(num_ctx * chars_per_token(sample) / 2), MIN_PART_CHARS)


def split_parts(section: SectionInput, max_chars: int) -> list[SectionInput]:
    """The section cut at page boundaries into parts of at most ``max_chars`` (a page longer than that is cut
    at a paragraph or line break: a quote must stay on the page it cites, so pages are never merged across)."""
    parts: list[SectionInput] = []
    pages: list[tuple[int, str]] = []
    size = 0
    for page, text in section.pages:
        for piece in _pieces(text, max_chars):
            if pages and size + len(piece) > max_chars:
                parts.append(replace(section, pages=pages))
                pages, size = [], 0
            pages.append((page, piece))
            size += len(piece)
    if pages:
        parts.append(replace(section, pages=pages))
    return parts


def _pieces(text: str, max_chars: int) -> list[str]:
    if len(text) <= max_chars:
        return [text]
    out: list[str] = []
    rest = text
    while len(rest) > max_chars:
        cut = max(rest.rfind("\n\n", 0, max_chars), rest.rfind("\n", 0, max_chars), rest.rfind(". ", 0, max_chars))
        cut = cut + 1 if cut > max_chars // 4 else max_chars
        out.append(rest[:cut])
        rest = rest[cut:]
    if rest.strip():
        out.append(rest)
    return out


def part_key(what: What, generator: str, options: dict[str, object], part: SectionInput) -> str:
    """Names one unit of work: the same part, generator and options give the same key (resume skips it)."""
    body = json.dumps(
        [PROMPT_VERSION, what, generator, options, part.document_id, part.section_id, part.pages],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


_CARD_RULES = """You write flashcards for a student from their lecture notes.
Rules for every card:
- one fact per card; the answer is short (a term, a number or a short phrase), never a list;
- the question must not contain its answer;
- `quote` is one sentence copied character for character from the notes, from the page given in `page`,
  and the card's fact must be stated in that sentence;
- use only what the notes say; no outside knowledge;
- write every card in the language of the notes (Chinese notes give Chinese cards);
- a card must be answerable from its front alone: never "this", "these", "the above", "the following",
  "上述", "以下", "这" in a front, and a cloze sentence must not open with a word that needs the sentence before
  ("However", "Therefore", "It", "因此", "但是");
- skip page furniture: slide numbers, running headers and footers, agenda or outline slides, references,
  "See also" and Wikipedia lines, "(cont.)" in titles.
Answer with JSON only."""

_QUESTION_RULES = """You write quiz questions for a student from their lecture notes.
Rules for every question:
- multiple_choice: exactly 4 choices, exactly one correct; the 3 wrong ones are of the same type and similar
  length as the right one; never "all of the above" or "none of the above"; `answer` is the correct choice's text;
- true_false: choices ["True", "False"], `answer` "True" or "False";
- short_answer: choices [], `answer` is a short reference answer;
- `explanation` says why the answer is right, from the notes; `difficulty` 1 (recall) to 5 (apply several ideas);
- `quote` is one sentence copied character for character from the notes, from the page given in `page`;
- write every question in the language of the notes; a question must be answerable on its own (never "this",
  "the above", "the following", "上述", "以下"); skip slide numbers, headers, agendas and reference lines.
Answer with JSON only."""

_KINDS = {
    "basic": 'Every card has kind "basic" (front: a question, back: its answer).',
    "cloze": 'Every card has kind "cloze": front is a sentence from the notes with the key term hidden as '
    "{{c1::term}}, back is empty.",
    "mixed": 'Mix kinds: "basic" (front: a question, back: its answer) and "cloze" (front: a sentence with the '
    "key term hidden as {{c1::term}}, back empty).",
}


def _notes(part: SectionInput) -> str:
    pages = "\n\n".join(f"[page {page}]\n{text.strip()}" for page, text in part.pages)
    return f"Document: {part.document_title}\nSection: {part.section_title}\n\n{pages}"


def card_messages(part: SectionInput, count: int, kind: str) -> list[Message]:
    ask = f"Write up to {count} flashcards on the most important facts of these notes. {_KINDS[kind]}"
    return [
        {"role": "system", "content": _CARD_RULES},
        {"role": "user", "content": f"{ask}\n\n{_notes(part)}"},
    ]


def question_messages(part: SectionInput, count: int) -> list[Message]:
    ask = f"Write up to {count} quiz questions on these notes, mixing the three types."
    return [
        {"role": "system", "content": _QUESTION_RULES},
        {"role": "user", "content": f"{ask}\n\n{_notes(part)}"},
    ]
