"""The text of an HTML page as blocks (paragraphs, headings with their level), in one linear pass.

A tokenizer of our own rather than BeautifulSoup over the standard library's ``html.parser``: that parser takes
quadratic time on unfinished markup in the Pythons Aksio supports (CVE-2025-6069, fixed in 3.11.13: 80 KB of
``x<a `` took 90 s on 3.11.7, and a ``<![CDATA[`` left open before every tag of a page is as slow), and
BeautifulSoup's tree holds ~150 bytes per byte of the page (4 MB of small tags took 580 MB). Every scan here
starts where the previous one ended, so a page costs time and memory in proportion to its size.

The tree is read as ``html.parser`` builds it: no tag is closed implicitly, an end tag closes the latest open
element of its name (and every element opened after it), and one with no open element of its name is ignored.
"""

from __future__ import annotations

import html
import re
import sys
from collections import Counter

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)
# elements whose text is not the document's (the page's <title> is read apart)
_HIDDEN = frozenset(("script", "style", "noscript", "template", "svg", "head"))
_RAW = {name: re.compile(f"</{name}", re.IGNORECASE) for name in ("script", "style", "title")}  # no markup inside
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "keygen",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
# deeper elements are read as their parent's text: a page of a million unclosed <div>s must not hold a
# million open elements (browsers stop nesting at 512 too)
MAX_DEPTH = 512

# after "<": a comment, a declaration or processing instruction or "</" + non-letter (read to the next ">"),
# or a start or end tag
_MARKUP = re.compile(r"<(?:(!--)|[!?]|/(?![a-zA-Z])|(/)?([a-zA-Z][^\s/>]*))")
# the rest of a tag up to its ">": quoted attribute values may hold a ">"; possessive, so never backtracks
_TAG_END = re.compile(r"""(?:[^>=]++|=\s*+"[^"]*+"|=\s*+'[^']*+'|=)*+>""")
_HEADING = re.compile(r"h[1-6]")
_SPACES = re.compile(r"\s\s+|[^\S ]")

Block = tuple[str, int | None]  # (text, heading level)


class _Reader:
    """The open elements and the text of the block being read."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.title: str | None = None  # the first <title>'s text, once one was read
        # (element name, number of its nearest block (0: the page), that block's name)
        self.open: list[tuple[str, int, str]] = []
        self.count: Counter[str] = Counter()
        self.hidden = 0  # open elements whose text is dropped
        self.blocks_seen = 0
        self.current, self.current_name = -1, ""
        self.buf: list[str] = []

    def text(self, data: str) -> None:
        if self.hidden:
            return
        _, block, name = self.open[-1] if self.open else ("", 0, "")
        if block != self.current:
            self.flush()
            self.current, self.current_name = block, name
        self.buf.append(html.unescape(data))

    def flush(self) -> None:
        if self.buf:
            raw = "".join(self.buf)
            # not " ".join(raw.split()): a string per word of a 50 MB paragraph took 500 MB (so a lone space,
            # which needs no change, is not even matched)
            joined = raw.strip("\n") if self.current_name == "pre" else _SPACES.sub(" ", raw).strip()
            if joined:
                heading = int(self.current_name[1]) if _HEADING.fullmatch(self.current_name) else None
                self.blocks.append((joined, heading))
        self.buf.clear()

    def start(self, name: str) -> None:
        if len(self.open) >= MAX_DEPTH:
            return
        name = sys.intern(name)
        if name in BLOCK_TAGS:
            self.blocks_seen += 1
            self.open.append((name, self.blocks_seen, name))
        else:
            _, block, block_name = self.open[-1] if self.open else ("", 0, "")
            self.open.append((name, block, block_name))
        self.count[name] += 1
        self.hidden += name in _HIDDEN

    def end(self, name: str) -> None:
        if not self.count[name]:
            return
        while True:
            closed = self.open.pop()[0]
            self.count[closed] -= 1
            self.hidden -= closed in _HIDDEN
            if closed == name:
                return


def html_blocks(text: str) -> tuple[list[Block], str]:
    """The page's blocks in reading order (a block's text with its whitespace collapsed, except in <pre>) and its
    <title> as written ("" if none). Script, style, template, svg and head text is dropped; ``<br>`` is a line break."""
    reader = _Reader()
    pos, end = 0, len(text)
    while pos < end:
        found = _MARKUP.search(text, pos)
        if found is None:
            reader.text(text[pos:])
            break
        if found.start() > pos:
            reader.text(text[pos : found.start()])
        comment, closing, name = found.groups()
        if comment:
            close = text.find("-->", found.start() + 2)  # "<!-->" is an empty comment
            pos = end if close < 0 else close + 3
            continue
        if name is None:  # <!DOCTYPE ...>, <?xml ...?>, <![CDATA[...]]> and the like hold no text of a page
            close = text.find(">", found.end())
            pos = end if close < 0 else close + 1
            continue
        tag = _TAG_END.match(text, found.end())
        if tag is None:  # a tag still open at the end of the file is dropped, as a browser does
            break
        pos = tag.end()
        name = name.lower()
        if closing:
            reader.end(name)
        elif name == "br":
            reader.text("\n")
        elif name == "title" and reader.title is None and not reader.count["svg"]:
            # the page's title is text up to </title>; one never closed is ignored rather than swallowing the page
            # (and the next <title> is not looked for again to the end of the file)
            close_title = _RAW[name].search(text, pos)
            reader.title = "" if close_title is None else html.unescape(text[pos : close_title.start()])
            pos = pos if close_title is None else close_title.start()
        elif name in _RAW:
            close_raw = _RAW[name].search(text, pos)
            pos = end if close_raw is None else close_raw.start()
        elif name not in _VOID and text[pos - 2] != "/":
            reader.start(name)
    reader.flush()
    return reader.blocks, reader.title or ""
