"""Page furniture: what a slide deck or a handout prints besides the lecture, removed before terms and sentences are
chosen from a page.

Slide numbers, running headers and footers (lines repeated at the top or bottom of many pages of a document),
agenda and outline slides (a page that only lists the titles of other pages), reference lines ("See also ...",
Wikipedia, URLs) and the "(cont.)" of a continued slide's title. Lines are dropped whole, never rewritten inside,
so every sentence left is still the page's own text; a title loses only its "(cont.)", and titles are never quoted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

EDGE_LINES = 3  # a running header or footer is among the first or last lines of a page
MIN_PAGES = 3  # fewer pages cannot tell a running header from a title that happens to repeat
REPEATED_SHARE = 0.5
TITLE_CHARS = 80  # a line at the edge of this share of a document's pages is furniture

_SLIDE_NUMBER = re.compile(
    r"^[\s\-–—(\[]*(?:(?:page|slide|p\.|pg\.?|seite|página)\s*)?\d{1,4}(?:\s*(?:/|of|\|)\s*\d{1,4})?[\s\-–—)\]]*$"
    r"|^第\s*\d{1,4}\s*[页頁张]$|^\d{1,4}\s*/\s*\d{1,4}$",
    re.IGNORECASE,
)
_REFERENCE = re.compile(
    r"^\s*(?:[-*•]\s*)?(?:see\s+also\b|references?\s*:|sources?\s*:|further\s+reading\b|bibliography\b|"
    r"参见|参考文献|参考资料|延伸阅读|\[\d{1,3}\]\s+\S)"
    r"|wikipedia|维基百科|https?://|www\.|\bdoi:\s*10\.|\barxiv:",
    re.IGNORECASE,
)
_CONTINUED = re.compile(
    r"\s*(?:\((?:cont(?:'d|’d|inued)?\.?|contd\.?)\)|[（(]续[)）]|[-–—:,]?\s*(?<!\w)cont(?:'d)?\.)\s*$", re.IGNORECASE
)
_OUTLINE_TITLE = re.compile(
    r"^\s*(?:agenda|outline|overview|contents|table of contents|today'?s?\s+(?:topics|lecture|plan)|"
    r"roadmap|plan|目录|提纲|大纲|本讲内容|内容提要|主要内容)\s*:?\s*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?。！？;；]['\"”’)\]]*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+•‣◦▪●]|\d{1,3}(?:\.\d{1,3})*[.)]?|\(?[a-zA-Z]\))\s+")


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")


def _key(line: str) -> str:
    """A line as compared across pages: whitespace collapsed, case folded, numbers as one mark ("Lecture 7 - 12")."""
    return re.sub(r"\d+", "#", " ".join(line.split()).casefold())


def _title_key(line: str) -> str:
    line = _BULLET.sub("", line)
    return " ".join(_CONTINUED.sub("", line).split()).casefold().strip(" :")


def is_slide_number(line: str) -> bool:
    """A line holding only a page or slide number ("7", "Page 7", "7 / 30", "- 7 -", "第7页")."""
    return bool(line.strip()) and _SLIDE_NUMBER.match(line.strip()) is not None


def is_reference(text: str) -> bool:
    """A reference line or sentence: "See also ...", a Wikipedia article, a URL, a numbered citation."""
    return _REFERENCE.search(text) is not None


def without_continued(title: str) -> str:
    """A slide title without its "(cont.)": "Paging (cont.)" -> "Paging"."""
    return _CONTINUED.sub("", title)


@dataclass(frozen=True, slots=True)
class Furniture:
    """What a document repeats on its pages: running header and footer lines, and its pages' titles."""

    repeated: frozenset[str] = frozenset()  # keys of lines repeated at the edges of pages
    titles: frozenset[str] = frozenset()  # keys of the titles (first lines) of its pages

    def strip(self, text: str) -> str:
        """The page without its furniture: the lines left are the page's own, in order; "" for an outline page."""
        lines = _lines(text)
        if self._is_outline(lines):
            return ""
        kept: list[str] = []
        content = [i for i, line in enumerate(lines) if line.strip()]
        edges = set(content[:EDGE_LINES] + content[-EDGE_LINES:])
        for i, line in enumerate(lines):
            if not line.strip():
                kept.append(line)
            elif is_slide_number(line) or is_reference(line) or (i in edges and _key(line) in self.repeated):
                kept.append("")  # a blank keeps the paragraphs either side apart
            elif len(line) <= TITLE_CHARS:  # a title; a sentence ending in "(cont.)" is left as it is
                cut = without_continued(line)
                kept.append(cut if cut.strip() else "")
            else:
                kept.append(line)
        return "\n".join(kept)

    def _is_outline(self, lines: list[str]) -> bool:
        """A page that only lists the titles of other pages (an agenda, an outline, a table of contents)."""
        body = [
            line
            for line in lines
            if line.strip() and not is_slide_number(line) and _key(line) not in self.repeated and not is_reference(line)
        ]
        if len(body) < 3:
            return False
        head, items = body[0], [without_continued(line) for line in body[1:]]
        if any(_SENTENCE_END.search(item) or len(item.split()) > 10 or len(item.strip()) > 70 for item in items):
            return False
        listed = sum(_title_key(item) in self.titles for item in items)
        if _OUTLINE_TITLE.match(head):
            return listed * 2 >= len(items) or len(items) >= 3
        return listed >= 3 and listed * 4 >= len(body) * 3


def furniture_of(pages: Sequence[str]) -> Furniture:
    """The furniture of a document, from the text of all its pages."""
    edges: Counter[str] = Counter()
    for text in pages:
        content = [line for line in _lines(text) if line.strip()]
        edges.update({_key(line) for line in content[:EDGE_LINES] + content[-EDGE_LINES:]})
    repeated: set[str] = set()
    if len(pages) >= MIN_PAGES:
        repeated = {key for key, n in edges.items() if n >= MIN_PAGES and n >= REPEATED_SHARE * len(pages)}
    titles: set[str] = set()
    for text in pages:
        content = [line for line in _lines(text) if line.strip() and _key(line) not in repeated]
        first = next((line for line in content if not is_slide_number(line)), "")
        if first and not _OUTLINE_TITLE.match(first):
            titles.add(_title_key(first))
    return Furniture(frozenset(repeated), frozenset(t for t in titles if t))


def strip_furniture(pages: Sequence[tuple[int, str]], furniture: Furniture | None = None) -> list[tuple[int, str]]:
    """The pages without their furniture; ``furniture`` is the whole document's (else read from these pages)."""
    found = furniture if furniture is not None else furniture_of([text for _, text in pages])
    return [(page, found.strip(text)) for page, text in pages]
