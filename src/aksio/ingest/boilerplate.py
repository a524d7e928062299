"""How much of a chunk is page furniture: lines a deck repeats on many pages (agenda and outline slides, running
headers and footers) and lines that are only a section's title.

Search multiplies a chunk's bm25 by its weight, so an agenda slide that lists "page replacement" on five pages
(short, so bm25 liked it) ranks below the one page that explains it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

REPEAT_PAGES = 3  # a line printed on this many pages of a document or more is furniture
MIN_WEIGHT = 0.1  # the weight of a chunk that is all furniture: it still matches, ranked after the rest

_NOT_LETTERS = re.compile(r"[\W\d_]+")  # bullets, numbering, page numbers and spacing do not tell lines apart


def _key(line: str) -> str:
    return _NOT_LETTERS.sub("", line.casefold())


def chunk_weights(chunks: Sequence[tuple[int, str]], titles: Iterable[str]) -> list[float]:
    """The weight of each (page, text) chunk of one document, from 1 (no furniture) down to MIN_WEIGHT (nothing
    else): one minus the share of its letters that stand in furniture lines, scaled to end at MIN_WEIGHT."""
    lines = [[_key(line) for line in text.splitlines()] for _, text in chunks]
    pages: dict[str, set[int]] = {}
    for (page, _), keys in zip(chunks, lines, strict=True):
        for key in keys:
            if key:
                pages.setdefault(key, set()).add(page)
    furniture = {key for key, on in pages.items() if len(on) >= REPEAT_PAGES}
    furniture.update(key for key in map(_key, titles) if key)
    weights = []
    for keys in lines:
        total = sum(map(len, keys))
        share = sum(len(key) for key in keys if key in furniture) / total if total else 0.0
        weights.append(1.0 - (1.0 - MIN_WEIGHT) * share)
    return weights
