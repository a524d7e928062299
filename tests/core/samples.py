"""Documents the tests make themselves: PDFs (with and without an outline, Chinese, encrypted, truncated,
image-only), EPUB, Markdown, HTML and text. Nothing third-party is shipped."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pymupdf

BODY = 11
LINES = [
    "A process is a program in execution with its own address space.",
    "The scheduler picks the next ready thread to run on the processor.",
    "A context switch saves the registers of one thread and restores another.",
    "Paging maps virtual pages to physical frames through a page table.",
    "The translation lookaside buffer caches recent page table entries.",
]


def _write_lines(page: pymupdf.Page, y: float, lines: list[str], size: float = BODY) -> float:
    for line in lines:
        page.insert_text((72, y), line, fontsize=size)
        y += size * 1.5
    return y


def outline_pdf(path: Path) -> Path:
    """6 pages. Outline: Processes (p1) > Threads (p2); Memory (p3) > Paging (p4), Replacement (p5, mid-page)."""
    doc = pymupdf.open()
    headings = {1: "Processes", 2: "Threads", 3: "Memory", 4: "Paging", 6: "Appendix"}
    for number in range(1, 7):
        page = doc.new_page()
        y = 72.0
        if number in headings:
            page.insert_text((72, y), headings[number], fontsize=16)
            y += 30
        y = _write_lines(page, y, [f"{line} (page {number})" for line in LINES])
        if number == 5:
            page.insert_text((72, y + 20), "Replacement", fontsize=16)
            _write_lines(page, y + 50, ["LRU evicts the least recently used page (page 5)."])
    doc.set_toc(
        [
            [1, "Processes", 1],
            [2, "Threads", 2],
            [1, "Memory", 3],
            [2, "Paging", 4],
            [2, "Replacement", 5],
            [1, "Appendix", 6],
        ]
    )
    doc.set_metadata({"title": "Operating Systems Lecture 1"})
    doc.save(path)
    doc.close()
    return path


def headings_pdf(path: Path) -> Path:
    """5 pages, no outline: 20pt chapter headings and 15pt section headings over 11pt body text."""
    doc = pymupdf.open()
    plan = {
        1: [("Scheduling", 20), ("Round robin", 15)],
        2: [],
        3: [("Shortest job first", 15)],
        4: [("Synchronization", 20)],
        5: [("Semaphores", 15)],
    }
    for number in range(1, 6):
        page = doc.new_page()
        y = 72.0
        for title, size in plan[number]:
            page.insert_text((72, y), title, fontsize=size)
            y += size * 2
            y = _write_lines(page, y, [f"{line} (page {number})" for line in LINES[:3]])
        _write_lines(page, y, [f"{line} (page {number})" for line in LINES[3:]] * 4)
    doc.save(path)
    doc.close()
    return path


def chinese_pdf(path: Path) -> Path:
    doc = pymupdf.open()
    for title, lines in (
        ("第一章 进程", ["进程是正在执行的程序。", "每个进程都有自己的地址空间。"]),
        ("第二章 内存", ["虚拟内存允许进程只把部分地址空间放在内存中。", "死锁有四个必要条件。"]),
    ):
        page = doc.new_page()
        page.insert_text((72, 80), title, fontname="china-s", fontsize=20)
        y = 120.0
        for line in lines:
            page.insert_text((72, y), line, fontname="china-s", fontsize=BODY)
            y += 20
    doc.save(path)
    doc.close()
    return path


def encrypted_pdf(path: Path) -> Path:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "secret lecture notes")
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="user", owner_pw="owner")
    doc.close()
    return path


def truncated_pdf(path: Path, source: Path) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def image_only_pdf(path: Path) -> Path:
    """A 'scan': pages with drawings and no text layer."""
    doc = pymupdf.open()
    for _ in range(2):
        page = doc.new_page()
        page.draw_rect(pymupdf.Rect(72, 72, 300, 300), color=(0, 0, 0), fill=(0.8, 0.8, 0.8))
    doc.save(path)
    doc.close()
    return path


def epub(path: Path) -> Path:
    """A minimal EPUB 3 with two chapters and a navigation document."""
    chapters = {
        "ch1.xhtml": ("Filesystems", "An inode stores the metadata of a file and where its blocks are."),
        "ch2.xhtml": ("Journaling", "A journal records intended changes before they are applied."),
    }
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
            '<rootfiles><rootfile full-path="content.opf" media-type="application/oebps-package+xml"/></rootfiles>'
            "</container>",
        )
        items = "".join(f'<item id="{n[:3]}" href="{n}" media-type="application/xhtml+xml"/>' for n in chapters)
        spine = "".join(f'<itemref idref="{n[:3]}"/>' for n in chapters)
        z.writestr(
            "content.opf",
            '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
            '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">test-epub</dc:identifier>'
            "<dc:title>Storage Systems</dc:title><dc:language>en</dc:language></metadata>"
            f'<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>{items}'
            f"</manifest><spine>{spine}</spine></package>",
        )
        links = "".join(f'<li><a href="{n}">{t}</a></li>' for n, (t, _) in chapters.items())
        z.writestr(
            "nav.xhtml",
            '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
            f'<body><nav epub:type="toc"><ol>{links}</ol></nav></body></html>',
        )
        for name, (title, text) in chapters.items():
            z.writestr(
                name,
                f'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>{title}</title></head>'
                f"<body><h1>{title}</h1><p>{text}</p></body></html>",
            )
    return path


MARKDOWN = """# Networks

Intro paragraph about networks.

## Transport layer

TCP gives reliable, ordered delivery of a byte stream.

```
# not a heading: inside a code block
```

### Congestion control

Slow start doubles the congestion window every round trip.

## Link layer

Ethernet frames carry MAC addresses.
"""

HTML = """<!doctype html><html><head><title>Compilers</title><style>h1{color:red}</style></head>
<body><nav>skip me</nav><h1>Parsing</h1><p>An LR parser reads input left to right.</p>
<h2>Lexing</h2><p>A lexer turns characters into <b>tokens</b>.</p><script>var scriptonly = "zyxwv";</script>
<h2>Code generation</h2><ul><li>Register allocation maps variables to registers.</li></ul></body></html>"""
