"""Fault figures: kill -9 at random moments of Aksio's writes, import time against file size, and memory on
hostile files. Nothing here asserts: it prints what happened, next to the goals.

    .venv/bin/python bench/faults.py [--quick] [--full] [--kills 200] [--seed N] [--only kills,sizes,hostile]

Prints one JSON document on stdout; progress on stderr. Every child runs under a time limit, in a temporary
directory removed at the end; nothing leaves the machine.

- kills: one Aksio home (a course, generated Markdown, text, HTML and PDF notes, cards from a CSV and from the
  offline generator). Then, again and again, a child process (this script, using the facade) opens the home,
  prints "ready" and runs one action: a run of answers (each review id appended to a side file, fsync'd, once
  `answer` has returned, i.e. committed), an import of 1-4 new files, `generate cards` on one document with
  options not used before (so that it works instead of resuming), one to three undos, or a CSV card import
  under its own tag. The parent SIGKILLs the child's process group after a random delay from 0 to 1.3x the
  action's own time when let finish (measured before the campaign and by every tenth run, which is let finish),
  so kills land before, inside and between transactions and in the close's checkpoint. After every child the
  parent opens the database read-only and checks `PRAGMA integrity_check` and `foreign_key_check`; that every
  review a child reported committed is still there (an undo child may take back only what was on top of the
  undo log when it started, noted beforehand); and what one transaction per action promises (`INVARIANTS`,
  plus: each document's blob stored whole, a CSV's cards all there or none, review and document rows in the
  change log, the review-hour cache equal to the log's counts). At the end: `aksio doctor --json`, `doctor
  --rebuild --json` (twice), and `doctor --rebuild` on a copy taken before the first kill (the control: what
  the doctor says of a home no kill touched); leftover `.tmp-*` files and blobs no document uses are counted.
- sizes: Markdown and plain text of 1, 4 and 16 MB (50 too with --full; 0.25, 1 and 4 with --quick), as
  paragraphs with headings and as one long line; each imported by `Aksio.import_paths` in a child, in a fresh
  home; the import alone is timed. Linear import keeps seconds per MB flat: the ratio of the largest size's
  s/MB to the smallest's is ~1.
- hostile: an EPUB zip bomb (~1.5 GB of XHTML, mostly spaces, from ~1.5 MB; as one chapter and as ten), a
  one-page PDF whose FlateDecode content stream expands to 32 MB of text operators, HTML and Markdown nested
  100,000 levels deep, and a card CSV with a 100 MB field (--quick: 50 MB, 4 MB, 10,000 levels, 10 MB). Each
  goes through the real CLI (`aksio import`, `aksio card import`) in a fresh home, started by a small wrapper
  that reports its peak RSS (`RUSAGE_CHILDREN`), seconds and the outcome: imported, failed with the reason,
  timed out, or crashed (a traceback or a signal). Anchor: the same CLI importing a 50 KB Markdown file. The
  import's address space is capped (`--memory-cap-gb`) so that a runaway import fails instead of taking the
  machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import select
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from machine import machine

SEED = 20260601
COURSE = "Faults"
ACTIONS = {"answer": 3, "import": 2, "generate": 2, "undo": 1, "card_import": 2}  # how often each is drawn
GOALS = {"reviews_lost": 0, "import_per_mb_ratio": 1.5, "hostile_peak_rss_mb": 1024}
ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
# children use the same code as this script and their bytecode caches (this machine's shells set
# PYTHONDONTWRITEBYTECODE, which would compile the project at every start)
CHILD_ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "PYTHONPATH": os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]),
}

WORDS = (
    "process", "thread", "kernel", "scheduler", "memory", "page", "frame", "address", "cache", "disk", "block",
    "inode", "journal", "mutex", "semaphore", "deadlock", "monitor", "signal", "interrupt", "queue", "quantum",
    "buffer", "socket", "pipe", "driver", "stack", "heap", "register", "segment", "table", "lock", "device",
)  # fmt: skip
TERMS = (
    "page table", "context switch", "system call", "working set", "ready queue", "spinlock", "file descriptor",
    "buffer cache", "slab allocator", "run queue", "kernel stack", "condition variable", "barrier", "bootloader",
)  # fmt: skip
KINDS = ("data structure", "mechanism", "policy", "kernel object", "hardware unit", "synchronisation primitive")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- generated material ------------------------------------------------------------------------------------------


SYLLABLES = ("ka", "ri", "to", "mu", "ne", "sa", "lo", "vi", "de", "pa", "go", "ru", "fi", "ten", "mor", "zen")
# Words drawn by Zipf's law from the OS words and 3000 made-up ones: a few in every paragraph, most rare (as in
# lecture notes; with a small vocabulary every generated card would be a near-duplicate candidate of every other).
_COINING = random.Random(SEED)
VOCABULARY = list(WORDS) + sorted(
    {"".join(_COINING.choices(SYLLABLES, k=_COINING.randint(2, 4))) for _ in range(3000)} - set(WORDS)
)
ZIPF = [1.0 / (rank + 1) for rank in range(len(VOCABULARY))]


def sentence(rng: random.Random) -> str:
    if rng.random() < 0.2:
        term = " ".join(rng.choices(VOCABULARY, ZIPF, k=2))
        return f"A {term} is a {rng.choice(KINDS)} that tracks each {rng.choice(WORDS)}."
    words = " ".join(rng.choices(VOCABULARY, ZIPF, k=rng.randint(6, 14)))
    return f"The {words} {rng.choice(('waits', 'runs', 'fails', 'grows', 'blocks'))}."


def paragraphs(rng: random.Random, chars: int) -> Iterator[str]:
    """Paragraphs of 300-900 characters until ``chars`` are given."""
    given = 0
    while given < chars:
        para = " ".join(sentence(rng) for _ in range(rng.randint(4, 10)))
        given += len(para) + 2
        yield para


def markdown_notes(rng: random.Random, chars: int) -> str:
    out: list[str] = []
    for i, para in enumerate(paragraphs(rng, chars)):
        if i % 5 == 0:
            out.append(f"{'#' if i % 20 == 0 else '##'} {rng.choice(TERMS).title()} {i // 5 + 1}")
        out.append(para)
    return "\n\n".join(out) + "\n"


def text_notes(rng: random.Random, chars: int) -> str:
    return "\n\n".join(paragraphs(rng, chars)) + "\n"


def html_notes(rng: random.Random, chars: int) -> str:
    body = []
    for i, para in enumerate(paragraphs(rng, chars)):
        if i % 5 == 0:
            body.append(f"<h2>{rng.choice(TERMS).title()} {i // 5 + 1}</h2>")
        body.append(f"<p>{para}</p>")
    return f"<html><head><title>Notes {rng.randrange(10**6)}</title></head><body>{''.join(body)}</body></html>"


def pdf_notes(rng: random.Random, path: Path, pages: int) -> None:
    import pymupdf

    doc = pymupdf.open()
    for p in range(pages):
        page = doc.new_page()
        page.insert_text((60, 70), f"{rng.choice(TERMS).title()} {p + 1}", fontsize=18)
        y = 100.0
        while y < 780:
            page.insert_text((60, y), sentence(rng)[:90], fontsize=11)
            y += 17
    doc.save(path)
    doc.close()


def write_notes(rng: random.Random, folder: Path, count: int) -> list[Path]:
    """``count`` new files of 10-120 KB in a random format each."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        kind = rng.choices(("md", "txt", "html", "pdf"), (4, 2, 2, 1))[0]
        path = folder / f"notes-{i}.{kind}"
        chars = rng.randint(10_000, 120_000)
        if kind == "pdf":
            pdf_notes(rng, path, rng.randint(2, 8))
        else:
            make = {"md": markdown_notes, "txt": text_notes, "html": html_notes}[kind]
            path.write_text(make(rng, chars), encoding="utf-8")
        paths.append(path)
    return paths


def write_cards(rng: random.Random, path: Path, rows: int) -> None:
    lines = ["front,back"]
    for _ in range(rows):
        term = f"{rng.choice(TERMS)} {rng.randrange(10**9)}"
        lines.append(f'"What is a {term}?","A {rng.choice(KINDS)}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def one_line(rng: random.Random, chars: int) -> str:
    """``chars`` characters of sentences with no line break at all."""
    pool = [sentence(rng) for _ in range(2000)]
    out, size = [], 0
    while size < chars:
        s = rng.choice(pool)
        out.append(s)
        size += len(s) + 1
    return " ".join(out)


def sized_text(rng: random.Random, variant: str, mb: float) -> str:
    chars = int(mb * 2**20)
    pool = [sentence(rng) for _ in range(2000)]
    if variant.endswith("one_line"):
        return one_line(rng, chars)
    out, size, n = [], 0, 0
    while size < chars:
        if variant.startswith("markdown") and n % 5 == 0:
            out.append(f"## {rng.choice(TERMS).title()} {n // 5 + 1}")
        para = " ".join(rng.choice(pool) for _ in range(rng.randint(4, 10)))
        out.append(para)
        size += len(para) + 2
        n += 1
    return "\n\n".join(out) + "\n"


# -- hostile files -----------------------------------------------------------------------------------------------

EPUB_CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""


def epub_bomb(path: Path, chapters: int, chapter_mb: int) -> None:
    """An EPUB whose chapters are ``chapter_mb`` MB of XHTML each: a paragraph, then spaces to the next MB
    (deflate's best case, ~1000:1); written a MB at a time."""
    manifest = "".join(
        f'<item id="c{i}" href="c{i}.xhtml" media-type="application/xhtml+xml"/>' for i in range(chapters)
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(chapters))
    opf = (
        '<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
        'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">'
        "bomb</dc:identifier><dc:title>Bomb</dc:title><dc:language>en</dc:language></metadata>"
        f"<manifest>{manifest}</manifest><spine>{spine}</spine></package>"
    )
    para = b"<p>" + b"The page table maps the pages of a process to frames. " * 18 + b"</p>\n"
    block = para + b" " * (2**20 - len(para))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/container.xml", EPUB_CONTAINER)
        z.writestr("OEBPS/content.opf", opf)
        for i in range(chapters):
            with z.open(f"OEBPS/c{i}.xhtml", "w") as fh:
                fh.write(
                    b'<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head>'
                    + f"<title>Chapter {i + 1}</title></head><body><h1>Chapter {i + 1}</h1>\n".encode()
                )
                written = 0
                while written < chapter_mb * 2**20:
                    fh.write(block)
                    written += len(block)
                fh.write(b"</body></html>\n")


def pdf_flate_bomb(path: Path, expanded_mb: int) -> None:
    """A one-page PDF whose content stream inflates to ``expanded_mb`` MB of text-showing operators."""
    head = b"BT /F1 24 Tf 72 740 Td (A page that never ends) Tj ET\n"
    op = b"BT /F1 10 Tf 72 700 Td (All work and no play makes a dull student) Tj ET\n"
    block = op * (2**20 // len(op))
    with tempfile.TemporaryFile(dir=path.parent) as raw:
        deflate = zlib.compressobj(9)
        raw.write(deflate.compress(head))
        for _ in range(expanded_mb):
            raw.write(deflate.compress(block))
        raw.write(deflate.flush())
        length = raw.tell()
        raw.seek(0)
        with path.open("wb") as out:
            offsets: list[int] = []

            def obj(body: bytes) -> None:
                offsets.append(out.tell())
                out.write(f"{len(offsets)} 0 obj\n".encode() + body + b"\nendobj\n")

            out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
            obj(b"<< /Type /Catalog /Pages 2 0 R >>")
            obj(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
            obj(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
            )
            offsets.append(out.tell())
            out.write(f"4 0 obj\n<< /Length {length} /Filter /FlateDecode >>\nstream\n".encode())
            shutil.copyfileobj(raw, out)
            out.write(b"\nendstream\nendobj\n")
            obj(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
            xref = out.tell()
            out.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
            out.write(b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets))
            out.write(f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())


def nested_html(path: Path, depth: int) -> None:
    path.write_text(
        "<html><head><title>Deep</title></head><body><h1>Deep</h1>"
        + "<div>" * depth
        + "<p>The bottom of the page table.</p>"
        + "</div>" * depth
        + "</body></html>\n",
        encoding="utf-8",
    )


def nested_markdown(path: Path, depth: int) -> None:
    """Block quotes ``depth`` deep, then ``depth`` nested emphasis and link brackets on one line."""
    path.write_text(
        "# Deep\n\n"
        + "> " * depth
        + "The bottom of the page table.\n\n"
        + "*[" * depth
        + "a context switch"
        + "](x)*" * depth
        + "\n",
        encoding="utf-8",
    )


def csv_huge_field(path: Path, field_mb: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write('front,back\n"What is a page table?",')
        fh.write('"')
        chunk = "a mapping from pages to frames " * (2**20 // 31)
        written = 0
        while written < field_mb * 2**20:
            fh.write(chunk)
            written += len(chunk)
        fh.write('"\n"What is a spinlock?","A lock that busy-waits"\n')


# -- child processes ---------------------------------------------------------------------------------------------


@dataclass
class Ended:
    """How a bounded child ended."""

    rc: int | None  # exit code; None when a signal ended it
    signal: str | None
    timed_out: bool
    seconds: float
    maxrss_mb: float
    stdout: str
    stderr: str


# Linux carries a process's peak RSS across exec (the old image's high-water mark is kept), so a case started
# straight from this bench would count the bench's own size. A small wrapper starts it and reports its rusage.
WRAPPER = """
import json, resource, subprocess, sys, time
cmd, timeout, cap, out, err = json.loads(sys.argv[1])
if cap:
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
start, timed_out = time.perf_counter(), False
with open(out, "wb") as o, open(err, "wb") as e:
    proc = subprocess.Popen(cmd, stdout=o, stderr=e)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.kill()
        proc.wait()
seconds = time.perf_counter() - start
print(json.dumps([proc.returncode, timed_out, seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))
"""


def run_bounded(cmd: list[str], env: dict[str, str], timeout: float, memory_cap: int | None = None) -> Ended:
    """Run ``cmd`` (through the wrapper) for at most ``timeout`` s, its address space capped at ``memory_cap``."""
    with tempfile.TemporaryDirectory(prefix="aksio-faults-case-") as tmp:
        out, err = Path(tmp) / "out", Path(tmp) / "err"
        spec = json.dumps([cmd, timeout, memory_cap, str(out), str(err)])
        wrapper = subprocess.Popen(
            [sys.executable, "-c", WRAPPER, spec], env=env, stdout=subprocess.PIPE, start_new_session=True
        )
        try:
            report, _ = wrapper.communicate(timeout=timeout + 60)
        finally:
            with contextlib.suppress(ProcessLookupError):  # the case too, if the wrapper itself hung
                os.killpg(wrapper.pid, signal.SIGKILL)
            wrapper.wait()
        code, timed_out, seconds, maxrss_kb = json.loads(report)
        return Ended(
            rc=code if code >= 0 and not timed_out else None,
            signal=signal.Signals(-code).name if code < 0 and not timed_out else None,
            timed_out=timed_out,
            seconds=seconds,
            maxrss_mb=maxrss_kb / 1024,
            stdout=out.read_text("utf-8", "replace"),
            stderr=err.read_text("utf-8", "replace"),
        )


def aksio_cli(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "aksio.cli", "--home", str(home), *args]


def child_cmd(spec: dict[str, Any]) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)]


PRELOAD = {
    "import": ("aksio.ingest.markup", "aksio.ingest.pdf", "bs4", "markdown_it", "pymupdf", "charset_normalizer"),
    "timed-import": ("aksio.ingest.markup", "markdown_it", "charset_normalizer"),
    "generate": ("aksio.generate.offline", "aksio.generate.checks", "rapidfuzz"),
    "card_import": ("csv", "aksio.notes"),
}


def child_main(spec: dict[str, Any]) -> None:
    """The child side: open the home, say "ready", run one action."""
    import importlib

    from aksio.errors import AksioError
    from aksio.service import Aksio

    home = Path(spec["home"])
    mode = spec["mode"]
    # imported before "ready", so that the kill delay is spent on the action, not on imports
    for module in PRELOAD.get(mode, ()):
        importlib.import_module(module)
    if mode == "timed-import":
        with Aksio.open(home) as app:
            app.add_course(COURSE)
            start = time.perf_counter()
            report = app.import_paths([Path(p) for p in spec["paths"]], COURSE)
            seconds = time.perf_counter() - start
        print(
            json.dumps(
                {
                    "seconds": seconds,
                    "imported": [{"pages": i.page_count, "chunks": i.chunk_count} for i in report.imported],
                    "failed": [f.reason for f in report.failed],
                }
            )
        )
        return
    rng = random.Random(spec["seed"])
    with Aksio.open(home) as app:
        print("ready", flush=True)
        if mode == "setup":
            app.add_course(COURSE, code="F")
        elif mode == "answer":
            ids = [
                r[0]
                for r in app.db.query(
                    "SELECT k.id FROM card k JOIN note n ON n.id = k.note_id "
                    "WHERE k.deleted = 0 AND k.suspended = 0 AND n.status = 'active'"
                )
            ]
            fd = os.open(spec["side"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                for _ in range(spec["answers"]):
                    try:
                        result = app.answer(rng.choice(ids), rng.choice((1, 2, 3, 3, 3, 4)))
                    except AksioError:
                        continue
                    os.write(fd, f"{result.review_id}\n".encode())
                    os.fsync(fd)
            finally:
                os.close(fd)
        elif mode == "import":
            app.import_paths([Path(p) for p in spec["paths"]], COURSE)
        elif mode == "generate":
            app.generate(
                "cards",
                COURSE,
                document=spec["document"],
                per_section=spec["per_section"],
                kind=spec["kind"],
                hold=spec["hold"],
                seed=spec["seed"],
            )
        elif mode == "undo":
            for _ in range(spec["undos"]):
                try:
                    app.undo()
                except AksioError:
                    break
        elif mode == "card_import":
            app.import_cards(Path(spec["path"]), COURSE, tags=[spec["tag"]])
        print("done", flush=True)  # before closing: the kill window's end is the action's, close comes after


# -- 1. kill -9 campaign -----------------------------------------------------------------------------------------


@dataclass
class Run:
    outcome: str  # killed | completed | failed
    delay: float | None
    seconds: float
    error: str = ""


def run_until_killed(spec: dict[str, Any], delay: float | None, timeout: float = 120.0) -> Run:
    """Start a child, wait for its "ready", then SIGKILL its group after ``delay`` s. With ``delay`` None it
    finishes, and ``seconds`` is the action's own time (from "ready" to the "done" it prints before closing)."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            child_cmd(spec), env=CHILD_ENV, stdout=subprocess.PIPE, stderr=err, start_new_session=True
        )
        assert proc.stdout is not None

        def line() -> bytes:
            readable, _, _ = select.select([proc.stdout], [], [], timeout)
            return proc.stdout.readline().strip() if readable and proc.stdout else b""

        def failed(seconds: float) -> Run:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=timeout)
            err.seek(0)
            return Run("failed", delay, seconds, _tail(err.read().decode("utf-8", "replace")) or "no output")

        try:
            if line() != b"ready":
                return failed(0.0)
            started = time.perf_counter()
            if delay is None:
                if line() != b"done":
                    return failed(time.perf_counter() - started)
                seconds = time.perf_counter() - started
                proc.wait(timeout=timeout)
                return Run("completed", delay, seconds) if proc.returncode == 0 else failed(seconds)
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return Run("killed", delay, time.perf_counter() - started)
            seconds = time.perf_counter() - started
            return Run("completed", delay, seconds) if proc.returncode == 0 else failed(seconds)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            proc.stdout.close()


def _tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def ro_connect(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)


# Each counts rows that a whole transaction would never leave behind.
# the reviews a card's state is made of: an undo keeps the review and voids it with a marker (review_void)
COUNTING = "deleted = 0 AND NOT EXISTS (SELECT 1 FROM review_void v WHERE v.review_id = review.id AND v.deleted = 0)"
INVARIANTS = {
    "documents_without_chunks": "SELECT count(*) FROM document d WHERE d.deleted = 0 "
    "AND NOT EXISTS (SELECT 1 FROM chunk c WHERE c.document_id = d.id)",
    "chunks_not_indexed": "SELECT count(*) FROM chunk WHERE rid NOT IN (SELECT rowid FROM chunk_fts)",
    "index_rows_without_chunk": "SELECT count(*) FROM chunk_fts WHERE rowid NOT IN (SELECT rid FROM chunk)",
    "chunks_in_another_documents_section": "SELECT count(*) FROM chunk c JOIN section s ON s.id = c.section_id "
    "WHERE s.document_id != c.document_id",
    "chunks_past_last_page": "SELECT count(*) FROM chunk c JOIN document d ON d.id = c.document_id "
    "WHERE c.page > d.page_count",
    "notes_without_cards": "SELECT count(*) FROM note n WHERE n.deleted = 0 "
    "AND NOT EXISTS (SELECT 1 FROM card k WHERE k.note_id = n.id)",
    "cards_without_state": "SELECT count(*) FROM card k WHERE k.deleted = 0 "
    "AND NOT EXISTS (SELECT 1 FROM card_state s WHERE s.card_id = k.id)",
    "states_without_card": "SELECT count(*) FROM card_state s "
    "WHERE NOT EXISTS (SELECT 1 FROM card k WHERE k.id = s.card_id AND k.deleted = 0)",
    # the cached state's last review is the log's latest (unix seconds both; a missing or extra answer shows)
    "states_behind_the_log": "SELECT count(*) FROM card_state s LEFT JOIN "
    "(SELECT card_id, CAST(strftime('%s', max(reviewed_at)) AS INTEGER) AS last FROM review "
    f"WHERE {COUNTING} GROUP BY card_id) r ON r.card_id = s.card_id WHERE s.last_review IS NOT r.last",
    "undo_entries_without_review": "SELECT count(*) FROM undo_log u "
    "WHERE NOT EXISTS (SELECT 1 FROM review r WHERE r.id = u.review_id)",
    # generated notes and the part that made them are one transaction
    "generated_notes_not_in_parts": "SELECT abs((SELECT count(*) FROM note WHERE origin = 'offline') "
    "- (SELECT coalesce(sum(kept), 0) FROM generation_part))",
}


@dataclass
class Campaign:
    home: Path
    rng: random.Random
    committed: set[str] = field(default_factory=set)
    maybe_undone: set[str] = field(default_factory=set)
    lost: set[str] = field(default_factory=set)
    card_batches: dict[str, int] = field(default_factory=dict)  # tag -> rows in its CSV
    durations: dict[str, list[float]] = field(default_factory=dict)
    runs: dict[str, dict[str, int]] = field(default_factory=dict)
    violations: dict[str, int] = field(default_factory=dict)  # invariant -> checks that found it broken
    examples: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    integrity_failures: int = 0
    checks: int = 0
    check_seconds: float = 0.0
    tmp_files_max: int = 0
    step: int = 0

    @property
    def db(self) -> Path:
        return self.home / "aksio.db"

    def spec(self, mode: str, **extra: Any) -> dict[str, Any]:
        return {"home": str(self.home), "mode": mode, "seed": self.rng.randrange(2**31), **extra}

    def prepare(self, action: str) -> dict[str, Any]:
        """The child's orders for one run of ``action``; files it needs are written here."""
        self.step += 1
        work = self.home.parent / "inputs" / f"{self.step:04d}"
        if action == "answer":
            work.mkdir(parents=True, exist_ok=True)
            return self.spec("answer", side=str(work / "committed.log"), answers=self.rng.randint(50, 200))
        if action == "import":
            return self.spec("import", paths=[str(p) for p in write_notes(self.rng, work, self.rng.randint(1, 4))])
        if action == "generate":
            with contextlib.closing(ro_connect(self.db)) as conn:
                docs = [r[0] for r in conn.execute("SELECT id FROM document WHERE deleted = 0 ORDER BY id")]
            return self.spec(
                "generate",
                document=self.rng.choice(docs),
                per_section=self.rng.randint(1, 10),
                kind=self.rng.choice(("basic", "cloze", "mixed")),
                hold=self.rng.random() < 0.3,
            )
        if action == "undo":
            undos = self.rng.randint(1, 3)
            with contextlib.closing(ro_connect(self.db)) as conn:
                top = conn.execute("SELECT review_id FROM undo_log ORDER BY seq DESC LIMIT ?", (undos,)).fetchall()
            self.maybe_undone.update(r[0] for r in top)  # one child at a time: these are the ones it can take
            return self.spec("undo", undos=undos)
        assert action == "card_import"
        work.mkdir(parents=True, exist_ok=True)
        rows = self.rng.randint(20, 800)
        tag = f"batch-{self.step:04d}"
        write_cards(self.rng, work / "cards.csv", rows)
        self.card_batches[tag] = rows
        return self.spec("card_import", path=str(work / "cards.csv"), tag=tag)

    def run(self, action: str, kill: bool) -> Run:
        spec = self.prepare(action)
        delay = None
        if kill:
            recent = self.durations[action][-7:]
            delay = self.rng.uniform(0.0, 1.3 * statistics.median(recent))
        run = run_until_killed(spec, delay)
        counts = self.runs.setdefault(action, {"killed": 0, "finished_before_kill": 0, "let_finish": 0, "failed": 0})
        counts[run.outcome if run.outcome != "completed" else "finished_before_kill" if kill else "let_finish"] += 1
        if run.outcome == "completed" and not kill:
            self.durations.setdefault(action, []).append(run.seconds)
        if run.outcome == "failed":
            self.errors.append({"step": self.step, "action": action, "error": run.error})
        if action == "answer":
            side = Path(spec["side"])
            if side.exists():
                lines = side.read_text().split("\n")[:-1]  # a line without its newline was never finished
                self.committed.update(line for line in lines if len(line) == 36)
        self.check(action, run)
        return run

    def check(self, action: str, run: Run) -> None:
        start = time.perf_counter()
        found: dict[str, int] = {}
        with contextlib.closing(ro_connect(self.db)) as conn:
            integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            if integrity != ["ok"]:
                self.integrity_failures += 1
                found["integrity"] = len(integrity)
            found["foreign_keys"] = len(conn.execute("PRAGMA foreign_key_check").fetchall())
            for name, sql in INVARIANTS.items():
                found[name] = conn.execute(sql).fetchone()[0]
            hours = dict(conn.execute("SELECT hour, answers FROM review_hour WHERE answers != 0"))
            counted = dict(
                conn.execute(f"SELECT substr(reviewed_at, 1, 13), count(*) FROM review WHERE {COUNTING} GROUP BY 1")
            )
            found["review_hours_miscounted"] = sum(
                1 for h in hours.keys() | counted.keys() if hours.get(h) != counted.get(h)
            )
            batches = dict(
                conn.execute("SELECT tags, count(*) FROM note WHERE origin = 'import' AND deleted = 0 GROUP BY tags")
            )
            found["card_imports_partial"] = sum(
                1 for tag, rows in self.card_batches.items() if batches.get(json.dumps([tag]), rows) != rows
            )
            logged = {
                (t, r)
                for t, r in conn.execute("SELECT tbl, row_id FROM change_log WHERE tbl IN ('review', 'document')")
            }
            reviews = {r[0] for r in conn.execute("SELECT id FROM review WHERE deleted = 0")}
            found["reviews_not_in_change_log"] = sum(1 for r in reviews if ("review", r) not in logged)
            docs = conn.execute("SELECT id, sha256, size FROM document WHERE deleted = 0").fetchall()
            found["documents_not_in_change_log"] = sum(1 for d in docs if ("document", d[0]) not in logged)
        blobs = self.home / "blobs"
        found["documents_without_blob"] = sum(
            1
            for _, sha, size in docs
            if not (blobs / sha[:2] / sha).is_file() or (blobs / sha[:2] / sha).stat().st_size != size
        )
        # undo voids an answer and keeps it, so every review reported committed must still be there
        newly_lost = self.committed - reviews - self.lost
        if newly_lost:
            found["reviews_lost"] = len(newly_lost)
            self.lost |= newly_lost
        self.tmp_files_max = max(self.tmp_files_max, len(list(blobs.glob("*/.tmp-*"))))
        self.checks += 1
        for name, count in found.items():
            if count:
                self.violations[name] = self.violations.get(name, 0) + 1
                if len(self.examples) < 12:
                    self.examples.append(
                        {"step": self.step, "action": action, "outcome": run.outcome, "delay": run.delay, name: count}
                    )
        self.check_seconds += time.perf_counter() - start


def doctor(home: Path, *flags: str) -> dict[str, Any]:
    ended = run_bounded(aksio_cli(home, "doctor", "--json", *flags), CHILD_ENV, 300)
    try:
        report: dict[str, Any] = json.loads(ended.stdout)
    except ValueError:
        report = {"error": _tail(ended.stderr) or ended.signal or "timed out"}
    return {**report, "exit": ended.rc}  # the doctor exits 1 when it finds the home unhealthy


def kill_campaign(workdir: Path, kills: int, seed: int, budget: float, passes: int) -> dict[str, Any]:
    started = time.perf_counter()
    home = workdir / "home"
    home.mkdir(parents=True)
    camp = Campaign(home=home, rng=random.Random(seed))
    first = run_until_killed(camp.spec("setup"), None)
    if first.outcome != "completed":
        raise SystemExit(f"setup child: {first}")
    log(f"  calibrating: each action {passes}x, uninterrupted")
    for _ in range(passes):  # in this order: documents to generate from, cards to answer, answers to undo
        for action in ("import", "card_import", "generate", "answer", "undo"):
            camp.run(action, kill=False)
    if camp.errors:
        raise SystemExit(f"a calibration run failed: {camp.errors}")
    calibration = {a: round(statistics.median(d), 4) for a, d in camp.durations.items()}
    log(f"  calibration (s from ready to exit): {calibration}")
    control = workdir / "control"
    shutil.copytree(home, control)
    control_doctor = doctor(control, "--rebuild")
    shutil.rmtree(control)
    names, weights = list(ACTIONS), list(ACTIONS.values())
    done = iterations = 0
    stopped = None
    while done < kills:
        if time.perf_counter() - started > budget:
            stopped = f"time budget of {budget:.0f} s spent"
            break
        if iterations >= 3 * kills + 10:
            stopped = "too many runs finished before their kill"
            break
        iterations += 1
        action = camp.rng.choices(names, weights)[0]
        # every tenth run finishes: it keeps the action's time (the kill delay's range) up to date as data grows
        run = camp.run(action, kill=iterations % 10 != 0)
        done += run.outcome == "killed"
        if iterations % 20 == 0:
            log(f"  {iterations} runs, {done} kills, {len(camp.committed)} reviews committed, {len(camp.lost)} lost")
    with contextlib.closing(ro_connect(camp.db)) as conn:
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("document", "chunk", "note", "card", "review")
        }
        shas = {r[0] for r in conn.execute("SELECT sha256 FROM document WHERE deleted = 0")}
    blobs = home / "blobs"
    stored = [p for p in blobs.glob("*/*") if not p.name.startswith(".tmp-")]
    final_doctor = doctor(home)
    rebuild_doctor = doctor(home, "--rebuild")
    again = doctor(home, "--rebuild")
    usable = run_bounded(aksio_cli(home, "due", "--json"), CHILD_ENV, 60).rc == 0
    return {
        "kills": done,
        "runs": iterations,
        "stopped_early": stopped,
        "by_action": camp.runs,
        "calibration_s": calibration,
        "reviews_committed": len(camp.committed),
        "reviews_maybe_undone": len(camp.maybe_undone & camp.committed),
        "reviews_lost": len(camp.lost),
        "lost_examples": sorted(camp.lost)[:5],
        "integrity_failures": camp.integrity_failures,
        "checks": camp.checks,
        "checks_failed_by_invariant": camp.violations,
        "violation_examples": camp.examples,
        "child_errors": len(camp.errors),
        "child_error_examples": camp.errors[:5],
        "rows_at_end": counts,
        "blob_tmp_files_left": len(list(blobs.glob("*/.tmp-*"))),
        "blob_tmp_files_max_seen": camp.tmp_files_max,
        "blobs_no_document_uses": sum(1 for p in stored if p.name not in shas),
        "doctor": final_doctor,
        "doctor_rebuild": rebuild_doctor,
        "doctor_rebuild_again": again,
        "doctor_rebuild_control_before_kills": control_doctor,
        "usable_after": usable,
        "check_seconds": round(camp.check_seconds, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


# -- 2. import time against file size ----------------------------------------------------------------------------

SIZE_VARIANTS = ("markdown", "markdown_one_line", "text", "text_one_line")


def import_sizes(workdir: Path, sizes: list[float], seed: int, timeout: float) -> dict[str, Any]:
    out: dict[str, Any] = {"timeout_s": timeout, "cases": []}
    for variant in SIZE_VARIANTS:
        per_mb: dict[float, float] = {}
        slow = False
        for mb in sizes:
            case: dict[str, Any] = {"variant": variant, "mb": mb}
            if slow:  # the smaller size already ran out of time
                case["outcome"] = "skipped (a smaller size timed out)"
                out["cases"].append(case)
                continue
            folder = workdir / f"{variant}-{mb}"
            folder.mkdir()
            path = folder / f"notes.{'md' if variant.startswith('markdown') else 'txt'}"
            path.write_text(sized_text(random.Random(f"{seed}:{variant}:{mb}"), variant, mb), encoding="utf-8")
            spec = {"home": str(folder / "home"), "mode": "timed-import", "paths": [str(path)]}
            ended = run_bounded(child_cmd(spec), CHILD_ENV, timeout)
            case["wall_s"] = round(ended.seconds, 2)
            case["peak_rss_mb"] = round(ended.maxrss_mb, 1)
            if ended.timed_out:
                case["outcome"] = f"timed out after {timeout:.0f} s"
                slow = True
            elif ended.rc != 0:
                case["outcome"] = f"crashed: {ended.signal or _tail(ended.stderr)}"
            else:
                result = json.loads(ended.stdout)
                if result["failed"]:
                    case["outcome"] = f"failed: {result['failed'][0]}"
                else:
                    case["outcome"] = "imported"
                    case["import_s"] = round(result["seconds"], 3)
                    case["mb_per_s"] = round(mb / result["seconds"], 2)
                    case["s_per_mb"] = round(result["seconds"] / mb, 3)
                    case["chunks"] = result["imported"][0]["chunks"]
                    case["pages"] = result["imported"][0]["pages"]
                    per_mb[mb] = result["seconds"] / mb
            shutil.rmtree(folder)
            out["cases"].append(case)
            log(f"  {variant} {mb} MB: {case.get('outcome')} {case.get('import_s', '')} s")
        if len(per_mb) >= 2 and not slow:
            out[f"{variant}_per_mb_largest_over_smallest"] = round(per_mb[max(per_mb)] / per_mb[min(per_mb)], 2)
        else:
            out[f"{variant}_per_mb_largest_over_smallest"] = None  # did not finish: not linear
    return out


# -- 3. memory on hostile files ----------------------------------------------------------------------------------


def hostile(workdir: Path, quick: bool, timeout: float, memory_cap_gb: float) -> dict[str, Any]:
    cap = int(memory_cap_gb * 2**30)
    folder = workdir / "hostile"
    folder.mkdir()
    epub_mb = 50 if quick else 1500
    pdf_mb = 4 if quick else 32
    csv_mb = 10 if quick else 100
    depth = 10_000 if quick else 100_000
    cases: list[tuple[str, Path, Callable[[Path], None], list[str]]] = [
        ("anchor_markdown_50kb", folder / "anchor.md", lambda p: p.write_text(
            markdown_notes(random.Random(SEED), 50_000), encoding="utf-8"), ["import"]),
        (f"epub_bomb_{epub_mb}mb_one_chapter", folder / "bomb.epub", lambda p: epub_bomb(p, 1, epub_mb), ["import"]),
        (f"epub_bomb_{epub_mb}mb_ten_chapters", folder / "bomb10.epub",
         lambda p: epub_bomb(p, 10, epub_mb // 10), ["import"]),
        (f"pdf_flate_{pdf_mb}mb", folder / "flate.pdf", lambda p: pdf_flate_bomb(p, pdf_mb), ["import"]),
        (f"html_nested_{depth}", folder / "deep.html", lambda p: nested_html(p, depth), ["import"]),
        (f"markdown_nested_{depth}", folder / "deep.md", lambda p: nested_markdown(p, depth), ["import"]),
        (f"csv_field_{csv_mb}mb", folder / "cards.csv", lambda p: csv_huge_field(p, csv_mb), ["card", "import"]),
    ]  # fmt: skip
    out: dict[str, Any] = {"timeout_s": timeout, "memory_cap_gb": memory_cap_gb, "cases": {}}
    for name, path, make, command in cases:
        built = time.perf_counter()
        make(path)
        log(f"  {name}: {path.stat().st_size / 2**20:.2f} MB built in {time.perf_counter() - built:.1f} s")
        home = folder / f"home-{name}"
        setup = run_bounded(aksio_cli(home, "course", "add", COURSE), CHILD_ENV, 60)
        if setup.rc != 0:
            raise SystemExit(f"course add: {setup.stderr}")
        ended = run_bounded(aksio_cli(home, *command, str(path), "-c", COURSE, "--json"), CHILD_ENV, timeout, cap)
        case = {
            "file_mb": round(path.stat().st_size / 2**20, 2),
            "seconds": round(ended.seconds, 2),
            "peak_rss_mb": round(ended.maxrss_mb, 1),
            **outcome(ended),
        }
        out["cases"][name] = case
        log(f"    {case['outcome']} in {case['seconds']} s, peak RSS {case['peak_rss_mb']} MB")
        path.unlink()
        shutil.rmtree(home)
    anchor = out["cases"]["anchor_markdown_50kb"]["peak_rss_mb"]
    for case in out["cases"].values():
        case["rss_over_anchor"] = round(case["peak_rss_mb"] / anchor, 2)
    return out


def outcome(ended: Ended) -> dict[str, Any]:
    """imported / failed (with the reason the user is given) / timed out / crashed (traceback or signal)."""
    if ended.timed_out:
        return {"outcome": "timed out"}
    if ended.signal:
        return {"outcome": "crashed", "reason": f"killed by {ended.signal}"}
    if "Traceback (most recent call last)" in ended.stderr:
        return {"outcome": "crashed", "reason": _tail(ended.stderr)}
    if ended.rc != 0:
        return {"outcome": "failed", "reason": _tail(ended.stderr)}
    report = json.loads(ended.stdout)
    if "cards" in report and "imported" not in report:
        return {"outcome": "imported", "cards": report["cards"]}
    if report.get("imported"):
        item = report["imported"][0]
        return {"outcome": "imported", "pages": item["page_count"], "chunks": item["chunk_count"]}
    if report.get("failed"):
        return {"outcome": "failed", "reason": report["failed"][0]["reason"]}
    return {"outcome": "nothing imported", "report": report}


# -- main --------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--kills", type=int, default=200, help="kill -9s to deliver (runs that finish first not counted)"
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--quick", action="store_true", help="20 kills, small sizes and small hostile files")
    parser.add_argument("--full", action="store_true", help="also import 50 MB files")
    parser.add_argument("--only", default="kills,sizes,hostile", help="comma-separated parts to run")
    parser.add_argument("--kill-budget", type=float, default=480.0, help="seconds the kill campaign may take")
    parser.add_argument("--size-timeout", type=float, default=150.0, help="seconds one sized import may take")
    parser.add_argument("--hostile-timeout", type=float, default=120.0, help="seconds one hostile import may take")
    parser.add_argument("--memory-cap-gb", type=float, default=6.0, help="address-space cap of a hostile import")
    args = parser.parse_args()
    sizes = [1.0, 4.0, 16.0] + ([50.0] if args.full else [])
    if args.full:
        args.size_timeout = max(args.size_timeout, 400.0)
    if args.quick:
        args.kills = min(args.kills, 20)
        args.kill_budget = min(args.kill_budget, 30.0)
        sizes = [0.25, 1.0, 4.0]
        args.size_timeout = min(args.size_timeout, 30.0)
        args.hostile_timeout = min(args.hostile_timeout, 20.0)
    parts = set(args.only.split(","))
    started = time.perf_counter()
    result: dict[str, Any] = {
        # the parsers the hostile files go through
        "machine": machine("pymupdf", "markdown-it-py", "beautifulsoup4", "charset-normalizer"),
        "params": {
            "seed": args.seed,
            "kills": args.kills,
            "sizes_mb": sizes,
            "quick": args.quick,
            "actions": ACTIONS,
        },
    }
    with tempfile.TemporaryDirectory(prefix="aksio-faults-bench-") as tmp:
        workdir = Path(tmp)
        if "kills" in parts:
            log(f"1. kill -9 campaign: {args.kills} kills")
            result["kills"] = kill_campaign(
                workdir / "kills", args.kills, args.seed, args.kill_budget, 1 if args.quick else 2
            )
            shutil.rmtree(workdir / "kills")
        if "sizes" in parts:
            log(f"2. import time against file size: {sizes} MB")
            (workdir / "sizes").mkdir()
            result["sizes"] = import_sizes(workdir / "sizes", sizes, args.seed, args.size_timeout)
        if "hostile" in parts:
            log("3. memory on hostile files")
            result["hostile"] = hostile(workdir, args.quick, args.hostile_timeout, args.memory_cap_gb)
    result["goals"] = goals(result)
    result["total_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=2, ensure_ascii=False))


def goals(result: dict[str, Any]) -> dict[str, bool]:
    out: dict[str, bool] = {}
    if "kills" in result:
        k = result["kills"]
        out["reviews_lost=0"] = k["reviews_lost"] == 0
        out["integrity_ok_after_every_kill"] = k["integrity_failures"] == 0
        out["no_half_written_transaction"] = not k["checks_failed_by_invariant"]
        out["doctor_clean"] = (  # "healthy" is newer than this bench's first runs
            k["doctor"].get("integrity") == "ok"
            and k["doctor"].get("healthy") is not False
            and k["doctor_rebuild"].get("identical") is True
        )
        out["no_tmp_files_left"] = k["blob_tmp_files_left"] == 0
    if "sizes" in result:
        ratios = [v for key, v in result["sizes"].items() if key.endswith("_largest_over_smallest")]
        limit = GOALS["import_per_mb_ratio"]
        out[f"import_linear(per_mb_ratio<={limit:g})"] = all(r is not None and r <= limit for r in ratios)
    if "hostile" in result:
        limit = GOALS["hostile_peak_rss_mb"]
        cases = result["hostile"]["cases"].values()
        out[f"hostile_bounded(rss<{limit}MB,no_crash,no_timeout)"] = all(
            c["peak_rss_mb"] < limit and c["outcome"] in ("imported", "failed") for c in cases
        )
    return out


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child_main(json.loads(sys.argv[2]))
    else:
        main()
