"""Test documents made on the spot with pymupdf and the standard library: nothing third-party is shipped.

Each maker writes one file at the path it is given and returns that path. The page and section layout of
each document is part of its docstring, because the tests assert it.
"""

from __future__ import annotations

import random
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pymupdf

BODY_SIZE = 11
LEFT = 72

# One word per page that occurs nowhere else in the outline PDF, so a search hit names its page exactly.
PAGE_WORDS = ("aardvark", "buffalo", "cheetah", "dingo", "emu", "flamingo", "gazelle")

OUTLINE_TOC = [
    [1, "Introduction", 1],
    [1, "Processes", 2],
    [2, "Process states", 2],
    [3, "Zombie processes", 3],
    [2, "Threads", 4],
    [1, "Memory", 5],
    [2, "Paging", 6],
    [1, "Summary", 7],
]
# (level, title, page_start, page_end) in document order
OUTLINE_SECTIONS = [
    (1, "Introduction", 1, 1),
    (1, "Processes", 2, 4),
    (2, "Process states", 2, 3),
    (3, "Zombie processes", 3, 3),
    (2, "Threads", 4, 4),
    (1, "Memory", 5, 6),
    (2, "Paging", 6, 6),
    (1, "Summary", 7, 7),
]
OUTLINE_TITLE = "Operating Systems, Lecture 2"

FONT_SECTIONS = [
    (1, "Scheduling", 1, 3),
    (2, "Round robin", 1, 2),
    (2, "Priority scheduling", 3, 3),
    (1, "Deadlock", 4, 4),
    (2, "Avoidance with the banker's algorithm", 4, 4),
]


def _lines(page: pymupdf.Page, y: float, lines: list[str], size: float = BODY_SIZE, font: str = "helv") -> float:
    """Write ``lines`` from ``y`` down; return the next free baseline."""
    for line in lines:
        page.insert_text((LEFT, y), line, fontsize=size, fontname=font)
        y += size * 1.5
    return y


def _body(number: int) -> list[str]:
    word = PAGE_WORDS[number - 1]
    return [
        f"The kernel keeps a table of every {word} it tracks on page {number}.",
        "A system call traps into the kernel and returns with a result code.",
        "Interrupts let devices tell the processor that they need attention.",
    ]


def outline_pdf(path: Path) -> Path:
    """7 pages with an outline three levels deep (see ``OUTLINE_TOC``; expected ranges in ``OUTLINE_SECTIONS``).

    Page 2 opens with "Processes" and has "Process states" half-way down it; page 3 starts with body text
    (still "Process states") and then "Zombie processes". Every page carries its word from ``PAGE_WORDS``;
    page 2 says "orphan" above "Process states" and "runnable" below it.
    """
    doc = pymupdf.open()
    for number in range(1, 8):
        page = doc.new_page()
        y = 72.0
        if number == 2:
            page.insert_text((LEFT, y), "Processes", fontsize=16)
            y = _lines(page, y + 30, [*_body(2), "An orphan is adopted by the init process."])
            page.insert_text((LEFT, y + 20), "Process states", fontsize=14)
            _lines(page, y + 50, ["A runnable process waits only for the processor."])
        elif number == 3:
            y = _lines(page, y, _body(3))
            page.insert_text((LEFT, y + 20), "Zombie processes", fontsize=12)
            _lines(page, y + 50, ["A zombie has exited but its parent has not yet called wait."])
        else:
            titles = {1: "Introduction", 4: "Threads", 5: "Memory", 6: "Paging", 7: "Summary"}
            page.insert_text((LEFT, y), titles[number], fontsize=16)
            _lines(page, y + 30, _body(number))
    doc.set_toc(OUTLINE_TOC)
    doc.set_metadata({"title": OUTLINE_TITLE, "author": "A. Lecturer"})
    doc.save(path)
    doc.close()
    return path


# An outline written unlike the pages: numbered where the page is not, a title printed otherwise (2.1, 3).
NUMBERED_TOC = [
    [1, "1 Introduction", 1],
    [2, "1.1 Why study kernels", 1],
    [2, "1.2 Course goals", 1],
    [1, "2 Processes", 2],
    [2, "2.1 Process life cycle", 2],
    [2, "2.2 Threads", 3],
    [1, "3 Memory", 4],
    [2, "3.1 Paging", 4],
]
# (depth, title, page_start, page_end) in document order: the outline's order and nesting
NUMBERED_SECTIONS = [
    (0, "1 Introduction", 1, 1),
    (1, "1.1 Why study kernels", 1, 1),
    (1, "1.2 Course goals", 1, 1),
    (0, "2 Processes", 2, 3),
    (1, "2.1 Process life cycle", 2, 2),
    (1, "2.2 Threads", 3, 3),
    (0, "3 Memory", 4, 4),
    (1, "3.1 Paging", 4, 4),
]
# (word, page, section) of a word found once
NUMBERED_WORDS = [
    ("kestrel", 1, "1 Introduction"),
    ("lemur", 1, "1.1 Why study kernels"),
    ("marmot", 1, "1.2 Course goals"),
    ("narwhal", 2, "2.1 Process life cycle"),
    ("ocelot", 3, "2.2 Threads"),
    ("pelican", 4, "3 Memory"),
    ("quokka", 4, "3.1 Paging"),
]


def numbered_outline_pdf(path: Path) -> Path:
    """4 pages whose outline (``NUMBERED_TOC``) numbers its titles and whose pages print them bare ("Introduction",
    "Course goals", "Threads", "Paging"), except "1.1 Why study kernels" and "2 Processes", printed as in the outline;
    "2.1 Process life cycle" is printed "How a process lives" (just below "2 Processes") and "3 Memory" as "Virtual
    memory": titles nobody can find. The words of ``NUMBERED_WORDS`` each stand below their section's heading.
    """
    pages = [
        [("Introduction", "kestrel"), ("1.1 Why study kernels", "lemur"), ("Course goals", "marmot")],
        [("2 Processes", ""), ("How a process lives", "narwhal")],
        [("Threads", "ocelot")],
        [("Virtual memory", "pelican"), ("Paging", "quokka")],
    ]
    doc = pymupdf.open()
    for headings in pages:
        page = doc.new_page()
        y = 72.0
        for heading, word in headings:
            page.insert_text((LEFT, y), heading, fontsize=14)
            y += 30
            if word:
                y = _lines(page, y, [f"Here the {word} is explained at some length.", "More text follows it."])
            y += 20
    doc.set_toc(NUMBERED_TOC)
    doc.save(path)
    doc.close()
    return path


def font_headings_pdf(path: Path) -> Path:
    """4 pages and no outline: 20pt chapters, 15pt sections, 11pt body (expected in ``FONT_SECTIONS``).

    Page 2 is body text only (it continues "Round robin"). The last section's 15pt heading wraps over two
    lines: "Avoidance with the" / "banker's algorithm".
    """
    doc = pymupdf.open()
    body = [
        "A time slice bounds how long one thread may run before it is preempted.",
        "The ready queue holds every thread that could run right now.",
        "Starvation happens when a thread never gets the processor at all.",
        "Aging raises the priority of a thread the longer it waits.",
    ]
    for number in range(1, 5):
        page = doc.new_page()
        y = 72.0
        if number == 1:
            page.insert_text((LEFT, y), "Scheduling", fontsize=20)
            y = _lines(page, y + 36, body)
            page.insert_text((LEFT, y + 12), "Round robin", fontsize=15)
            _lines(page, y + 40, [*body, "Quantum length is a trade-off between overhead and latency."])
        elif number == 2:
            _lines(page, y, [*body, "Round robin is fair when every quantum is equally long."] * 2)
        elif number == 3:
            page.insert_text((LEFT, y), "Priority scheduling", fontsize=15)
            _lines(page, y + 30, [*body, "Priority inversion needs priority inheritance to fix."])
        else:
            page.insert_text((LEFT, y), "Deadlock", fontsize=20)
            y = _lines(page, y + 36, body)
            page.insert_text((LEFT, y + 12), "Avoidance with the", fontsize=15)
            page.insert_text((LEFT, y + 12 + 18), "banker's algorithm", fontsize=15)
            _lines(page, y + 62, [*body, "The banker grants a request only if a safe sequence remains."])
    doc.save(path)
    doc.close()
    return path


AGENDA = ["Agenda", "Paging", "Page replacement", "Thrashing", "Working sets"]
AGENDA_PAGES = (1, 3, 5, 7, 9)
EXPLAINED_PAGE = 6  # the page that explains page replacement


def agenda_deck_pdf(path: Path) -> Path:
    """10 slides: an agenda (``AGENDA``, "Page replacement" among its items) on the odd pages, a topic on each even
    page under a 20pt title. Page 6, "Page replacement", explains it in two long sentences; page 8 ("Thrashing")
    says "page" once and "replacement" once, apart. No outline: the titles are the sections."""
    topics = {
        2: ("Paging", ["Paging splits memory into frames of one size and maps pages onto them."]),
        4: ("Translation", ["A translation lookaside buffer caches recent mappings from pages to frames."]),
        6: (
            "Page replacement",
            [
                "When every frame is in use and a process touches a page that is not in memory, page",
                "replacement chooses a victim: the kernel writes it out if dirty and reuses its frame. Least",
                "recently used page replacement evicts the page unused for the longest time; FIFO evicts the",
                "oldest, and the clock algorithm approximates least recently used with one reference bit per page.",
            ],
        ),
        8: ("Thrashing", ["A process thrashes when each page it needs forces the replacement of another it needs."]),
        10: ("Working sets", ["The working set is the set of pages a process used in its last window of time."]),
    }
    doc = pymupdf.open()
    for number in range(1, 11):
        page = doc.new_page()
        if number in AGENDA_PAGES:
            page.insert_text((LEFT, 72), AGENDA[0], fontsize=20)
            _lines(page, 120, AGENDA[1:])
        else:
            title, lines = topics[number]
            page.insert_text((LEFT, 72), title, fontsize=20)
            _lines(page, 120, lines)
    doc.save(path)
    doc.close()
    return path


LISTING = [
    "int main(void) {",
    "pid_t pid = fork();",
    "if (pid == 0) {",
    'execlp("ls", "ls", NULL);',
    "}",
    "return 0;",
    "}",
]


def code_listing_pdf(path: Path, outline: bool = False) -> Path:
    """One page: "Listing 1: fork" (14pt), then ``LISTING`` in Courier, each line numbered from 1 in a 7pt gutter
    left of it (the number and its line on one baseline, far apart), then a sentence. ``outline``: one entry."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((LEFT, 72), "Listing 1: fork", fontsize=14)
    y = 100.0
    for number, line in enumerate(LISTING, start=1):
        page.insert_text((LEFT - 12, y), str(number), fontsize=7)
        page.insert_text((LEFT + 8, y), line, fontsize=9, fontname="cour")
        y += 11
    _lines(page, y + 20, ["The child runs ls while the parent returns."])
    if outline:
        doc.set_toc([[1, "Listing 1: fork", 1]])
    doc.save(path)
    doc.close()
    return path


CHINESE_PAGES = [
    ("第一章 进程", ["进程是正在执行的程序。", "每个进程都有自己的地址空间和资源。"]),
    ("第二章 内存", ["虚拟内存让程序以为自己独占内存。", "多个进程互相等待就会发生死锁。"]),
]


def chinese_pdf(path: Path) -> Path:
    """2 pages in Simplified Chinese (pymupdf's built-in "china-s" font): a 20pt chapter title and 11pt body each.

    进程 is on both pages; 内存 and 死锁 (and so 锁) only on page 2. 锁死 (the same characters swapped) is nowhere.
    """
    doc = pymupdf.open()
    for title, lines in CHINESE_PAGES:
        page = doc.new_page()
        page.insert_text((LEFT, 80), title, fontname="china-s", fontsize=20)
        _lines(page, 120, lines * 3, font="china-s")
    doc.save(path)
    doc.close()
    return path


def encrypted_pdf(path: Path) -> Path:
    """A one-page PDF that needs the user password "x" to open."""
    doc = pymupdf.open()
    doc.new_page().insert_text((LEFT, 72), "Exam answers: do not share.", fontsize=BODY_SIZE)
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="x", owner_pw="y")
    doc.close()
    return path


def truncated_pdf(path: Path) -> Path:
    """The first half of a valid multi-page PDF's bytes (a download that stopped)."""
    source = outline_pdf(path.with_name(path.stem + "-complete.pdf"))
    data = source.read_bytes()
    source.unlink()
    path.write_bytes(data[: len(data) // 2])
    return path


def textless_pdf(path: Path) -> Path:
    """Two pages that only have drawings and an image: what a scan without OCR looks like."""
    doc = pymupdf.open()
    pixmap = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 32, 32), False)
    pixmap.set_rect(pixmap.irect, (200, 30, 30))
    for _ in range(2):
        page = doc.new_page()
        page.draw_rect(pymupdf.Rect(72, 72, 300, 300), color=(0, 0, 0), fill=(0.8, 0.8, 0.8))
        page.insert_image(pymupdf.Rect(320, 72, 420, 172), pixmap=pixmap)
    doc.save(path)
    doc.close()
    return path


HEAVY_PAGE_TEXT = "Kernel threads share one address space."


def heavy_page_pdf(path: Path, content: int = 64 * 2**20) -> Path:
    """Two pages: page 1 says ``HEAVY_PAGE_TEXT``; page 2's drawing instructions show a line of text over and over,
    ``content`` bytes of them compressed as one stream (a PDF bomb: 64 MB of it is a 230 KB file)."""
    doc = pymupdf.open()
    doc.new_page().insert_text((LEFT, 72), HEAVY_PAGE_TEXT, fontsize=BODY_SIZE)
    page = doc.new_page()
    page.insert_text((LEFT, 72), "A heavy page.", fontsize=BODY_SIZE)
    xref = page.get_contents()[0]
    show = b"BT /helv 1 Tf 72 80 Td (the same line of text, drawn again and again) Tj ET\n"
    doc.update_stream(xref, doc.xref_stream(xref) + show * (content // len(show)), compress=True)
    doc.save(path)
    doc.close()
    return path


def crowded_outline_pdf(path: Path, entries: int = 10_000) -> Path:
    """One tall page of ``entries`` short lines far enough apart to be blocks of their own ("Line 0 of the page"...),
    and an outline entry titled as each line, all on that page."""
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=entries * 24 + 100)
    page.insert_text((LEFT, 20), "Crowded page", fontsize=6)
    xref = page.get_contents()[0]
    lines = (f"BT /helv 6 Tf {LEFT} {(entries - i) * 24} Td (Line {i} of the page) Tj ET\n" for i in range(entries))
    doc.update_stream(xref, doc.xref_stream(xref) + "".join(lines).encode(), compress=True)
    doc.set_toc([[1, f"Line {i} of the page", 1] for i in range(entries)])
    doc.save(path)
    doc.close()
    return path


def png_named_pdf(path: Path) -> Path:
    """A real PNG image saved under a .pdf name."""
    pixmap = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 8, 8), False)
    pixmap.clear_with(255)
    path.write_bytes(pixmap.tobytes("png"))
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def binary_txt(path: Path, seed: int = 7) -> Path:
    """4 KiB of random bytes with NULs in them, under a .txt name."""
    rng = random.Random(seed)
    data = bytearray(rng.randbytes(4096))
    data[0] = ord("A")  # no magic number of a known format: the NULs alone must give it away
    data[100:108] = b"\0" * 8
    path.write_bytes(bytes(data))
    return path


GBK_TEXT = (
    "操作系统复习笔记\n\n"
    "进程调度决定哪个进程使用处理器。\n\n"
    "死锁的四个必要条件：互斥、占有并等待、不可抢占、循环等待。\n"
)


def gbk_txt(path: Path) -> Path:
    """Chinese notes saved as GBK (GB18030's common subset), as Windows in China often does."""
    path.write_bytes((GBK_TEXT * 8).encode("gb18030"))
    return path


MARKDOWN = """# Networks

Networks connect hosts.

## Transport layer

TCP gives reliable, ordered delivery of a byte stream.

```
# a comment in a code block, not a heading
```

### Congestion control

Slow start doubles the congestion window every round trip.

## Link layer

Ethernet frames carry MAC addresses.

Routing tables
--------------

Longest prefix match picks the most specific route.
"""
# (depth, title) in document order
MARKDOWN_SECTIONS = [
    (0, "Networks"),
    (1, "Transport layer"),
    (2, "Congestion control"),
    (1, "Link layer"),
    (1, "Routing tables"),
]


def markdown(path: Path, text: str = MARKDOWN) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


HTML = """<!doctype html>
<html><head><title>Compilers, week 3</title><style>h1 { color: red }</style></head>
<body>
<h1>Parsing</h1><p>An LR parser reads its input left to right.</p>
<h2>Lexing</h2><p>A lexer turns characters into <b>tokens</b> with a finite automaton.</p>
<h3>Regular expressions</h3><p>Kleene star means zero or more repetitions.</p>
<script>var scriptword = "qwxyzzy";</script>
<h2>Code generation</h2><ul><li>Register allocation maps variables to registers.</li></ul>
</body></html>
"""
HTML_SECTIONS = [(0, "Parsing"), (1, "Lexing"), (2, "Regular expressions"), (1, "Code generation")]


def html(path: Path, text: str = HTML) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


PLAIN = "First page: the kernel boots.\n\nIt mounts the root filesystem.\n\fSecond page: drivers probe devices.\n"


def plain_txt(path: Path, text: str = PLAIN) -> Path:
    """Two pages of plain text separated by a form feed."""
    path.write_text(text, encoding="utf-8")
    return path


EPUB_CHAPTERS = [
    ("Filesystems", "An inode stores the metadata of a file and where its blocks are."),
    ("Journaling", "A journal records intended changes before they are applied."),
]


def epub(path: Path, *, ncx: bool = True, filler: int = 0) -> Path:
    """A minimal EPUB 3 titled "Storage Systems": two chapters, in ``EPUB_CHAPTERS``, listed in its navigation
    document and, unless ``ncx`` is false, in an EPUB 2 NCX too.

    ``filler`` bytes of one paragraph said over and over end the first chapter, written as a stream and compressed
    at the highest level: a zip bomb (1 GB of it is a 1 MB file)."""
    names = [f"ch{i}.xhtml" for i in range(1, len(EPUB_CHAPTERS) + 1)]
    manifest = "".join(
        f'<item id="ch{i}" href="{n}" media-type="application/xhtml+xml"/>' for i, n in enumerate(names, 1)
    )
    spine = "".join(f'<itemref idref="ch{i}"/>' for i in range(1, len(names) + 1))
    spine_toc = ' toc="ncx"' if ncx else ""  # the NCX is named in the spine
    if ncx:
        manifest += '<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>'
    nav_items = "".join(f'<li><a href="{n}">{t}</a></li>' for n, (t, _) in zip(names, EPUB_CHAPTERS, strict=True))
    ncx_points = "".join(
        f'<navPoint id="p{i}" playOrder="{i}"><navLabel><text>{t}</text></navLabel><content src="{n}"/></navPoint>'
        for i, (n, (t, _)) in enumerate(zip(names, EPUB_CHAPTERS, strict=True), 1)
    )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9 if filler else None) as z:
        z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?>'
            '<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        z.writestr(
            "OEBPS/content.opf",
            '<?xml version="1.0"?>'
            '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid">'
            '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="uid">aksio-test</dc:identifier>'
            "<dc:title>Storage Systems</dc:title><dc:language>en</dc:language></metadata>"
            '<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
            f"{manifest}</manifest><spine{spine_toc}>{spine}</spine></package>",
        )
        z.writestr(
            "OEBPS/nav.xhtml",
            '<?xml version="1.0"?>'
            '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head>'
            f'<title>Contents</title></head><body><nav epub:type="toc"><ol>{nav_items}</ol></nav></body></html>',
        )
        if ncx:
            z.writestr(
                "OEBPS/toc.ncx",
                '<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">'
                '<head><meta name="dtb:uid" content="aksio-test"/></head><docTitle><text>Storage Systems</text>'
                f"</docTitle><navMap>{ncx_points}</navMap></ncx>",
            )
        for i, (name, (title, text)) in enumerate(zip(names, EPUB_CHAPTERS, strict=True)):
            with z.open(f"OEBPS/{name}", "w", force_zip64=filler > zipfile.ZIP64_LIMIT) as out:
                out.write(
                    '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">'
                    f"<head><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p>".encode()
                )
                _write_filler(out, 0 if i else filler)
                out.write(b"</body></html>")
    return path


def lying_epub(path: Path) -> Path:
    """``epub`` with 1 MB of filler whose first chapter's size in the zip's central directory says 4 KB: the
    directory lies, its deflate stream runs on past what it declares."""
    epub(path, filler=2**20)
    data = bytearray(path.read_bytes())
    name = b"OEBPS/ch1.xhtml"
    entry = data.rfind(b"PK\x01\x02", 0, data.rfind(name))  # its central directory record
    struct.pack_into("<I", data, entry + 24, 4096)  # uncompressed size
    path.write_bytes(bytes(data))
    return path


def _write_filler(out: IO[bytes], size: int) -> None:
    block = b"<p>The same sentence again, to fill the chapter.</p>\n" * 20000  # ~1 MB
    while size > 0:
        out.write(block[:size])
        size -= len(block)


Maker = Callable[[Path], Path]


class Docs:
    """Makes test documents in one input folder, apart from the data dir."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self, name: str, maker: Maker) -> Path:
        """``docs("lecture.pdf", outline_pdf)``: the path of the new file."""
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return maker(path)

    def raw(self, name: str, data: bytes) -> Path:
        """A file holding exactly ``data``."""
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def text(self, name: str, text: str, encoding: str = "utf-8") -> Path:
        return self.raw(name, text.encode(encoding))
