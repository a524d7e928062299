"""Ingest, search and start-up speed, each next to an anchor measured in the same run.

    .venv/bin/python bench/ingest.py [REAL.pdf ...] [--pages 500] [--search-pages 10000] [--queries 1000]
                                     [--profile]

Prints one JSON document on stdout; progress (and, with --profile, a cProfile of one import per variant)
on stderr.

- ingest: pages/s of `Aksio.import_paths` (read, hash, parse, sections, chunks, SQLite + FTS5) on a generated
  lecture-like PDF, with an outline and without one (headings found by font size); anchor: plain PyMuPDF
  `page.get_text()` over the same file, open included. Best of three, the two interleaved.
- search: latency of `Aksio.search` over ~10k pages in three courses (no filter, a course holding half of the
  library, a course holding 5%); anchor: a bare FTS5 `MATCH ... ORDER BY rank LIMIT 10` on the same connection.
- cli: wall time of `aksio --help`; anchor: `python -c pass`, alternating with it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import math
import os
import platform
import pstats
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymupdf

from aksio.models import ImportReport
from aksio.service import Aksio
from aksio.storage.search import match_terms

SEED = 20260601
GOALS = {"ingest_ratio": 0.5, "search_p99_ms": 5.0, "help_ms": 150.0}
PAGE_TOP, PAGE_BOTTOM, LEFT = 60.0, 790.0, 60.0
BODY_PT, SUBHEADING_PT, HEADING_PT = 11.0, 14.0, 18.0
LINE_GAP = 17.0  # baseline to baseline for 11pt body text: ~40 lines on an A4 page with paragraph gaps
WRAP_CHARS = 86  # what fits 11pt Helvetica between the margins

# Frequent words come first: the vocabulary is drawn by Zipf's law, so these are in nearly every chunk.
# Two-word terms appear as adjacent words in the text, so quoted phrases find something.
DOMAIN = [
    "process",
    "thread",
    "kernel",
    "scheduler",
    "memory",
    "page",
    "frame",
    "address",
    "cache",
    "disk",
    "block",
    "inode",
    "journal",
    "mutex",
    "semaphore",
    "deadlock",
    "monitor",
    "signal",
    "interrupt",
    "system",
    "context",
    "priority",
    "queue",
    "quantum",
    "latency",
    "throughput",
    "buffer",
    "device",
    "driver",
    "file",
    "directory",
    "socket",
    "packet",
    "protocol",
    "register",
    "stack",
    "heap",
    "pointer",
    "allocator",
    "segment",
    "partition",
    "lock",
    "barrier",
    "pipe",
    "fork",
    "daemon",
    "shell",
    "compiler",
    "linker",
    "loader",
    "bootloader",
    "firmware",
    "hypervisor",
    "container",
]
TERMS = (
    "page table",
    "context switch",
    "virtual memory",
    "system call",
    "race condition",
    "critical section",
    "file system",
    "round robin",
    "working set",
    "memory barrier",
)
VERBS = [
    "schedules",
    "blocks",
    "wakes",
    "allocates",
    "frees",
    "maps",
    "unmaps",
    "locks",
    "releases",
    "signals",
    "preempts",
    "copies",
    "flushes",
    "evicts",
    "loads",
    "reads",
    "writes",
    "protects",
    "shares",
    "splits",
    "merges",
    "waits",
    "forks",
    "joins",
    "spawns",
    "stores",
]
ADJECTIVES = [
    "shared",
    "private",
    "dirty",
    "clean",
    "idle",
    "ready",
    "blocked",
    "stale",
    "fresh",
    "atomic",
    "concurrent",
    "volatile",
    "physical",
    "virtual",
    "logical",
    "local",
    "remote",
    "free",
    "busy",
    "small",
    "large",
]
SENTENCES = (
    "The {a} {n} {v} the {n} before the {n} {v} it.",
    "Recall that every {n} {v} a {a} {n}.",
    "In practice, a {a} {n} {v} the {n} only when the {n} is {a}.",
    "We say that the {n} is {a} if no {n} {v} it.",
    "Note how the {n} and the {n} interact: one {v} while the other {v} the {n}.",
    "This is why the {n} {v} each {n} in constant time.",
    "As we saw last week, the {n} {v} the {a} {n}.",
    "Consider a {n} that {v} two {n} at once; what happens to the {n}?",
    "A common mistake is to assume the {n} {v} the {n}.",
    "The textbook calls this the {a} {n}, but most people say {n}.",
    "Exam tip: explain why the {n} {v} the {n} and not the {n}.",
    "Without a {a} {n}, the {n} would have to wait for the {n}.",
)
CHINESE_TERMS = ("进程", "线程", "死锁", "内存", "分页", "调度", "文件系统", "中断", "信号量", "虚拟内存")
CHINESE_SENTENCES = (
    "{t}是操作系统中最重要的概念之一。",
    "当{t}与{t}同时出现时，系统必须小心处理。",
    "我们上周讨论了{t}，今天继续讲{t}。",
    "考试时请解释{t}为什么需要{t}。",
    "许多学生混淆了{t}和{t}的区别。",
)


def vocabulary(size: int = 6000) -> list[str]:
    """Real domain words and terms first, then made-up words for the long tail of rare ones."""
    rng = random.Random(SEED)
    syllables = [
        "ka",
        "ri",
        "to",
        "mu",
        "ne",
        "sa",
        "lo",
        "vi",
        "de",
        "pa",
        "go",
        "ru",
        "fi",
        "ten",
        "mor",
        "lis",
        "qua",
        "zen",
        "bel",
        "dor",
    ]
    words = list(DOMAIN)
    words[8:8] = TERMS  # among the frequent words
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


VOCAB = vocabulary()
WORDS = [w for w in VOCAB if " " not in w]  # single words, for queries
ZIPF_CUM = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(VOCAB))))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- generated documents ---------------------------------------------------------------------------------------


def sentence(rng: random.Random) -> str:
    template = rng.choice(SENTENCES)
    nouns = iter(rng.choices(VOCAB, cum_weights=ZIPF_CUM, k=template.count("{n}")))
    out = []
    for piece in template.split("{"):
        if piece.startswith("n}"):
            piece = next(nouns) + piece[2:]
        elif piece.startswith("v}"):
            piece = rng.choice(VERBS) + piece[2:]
        elif piece.startswith("a}"):
            piece = rng.choice(ADJECTIVES) + piece[2:]
        out.append(piece)
    return "".join(out)


def paragraph(rng: random.Random, target: int, room: int) -> list[str]:
    """Whole sentences wrapped into about ``target`` lines, never more than ``room``."""
    text = ""
    lines: list[str] = []
    while len(lines) < target:
        longer = f"{text} {sentence(rng)}".strip()
        wrapped = textwrap.wrap(longer, WRAP_CHARS)
        if len(wrapped) > room:
            break
        text, lines = longer, wrapped
    return lines


def title_of(rng: random.Random) -> str:
    return f"{rng.choice(DOMAIN).title()} and the {rng.choice(VOCAB[:300])}"


def make_lecture_pdf(pages: int, seed: int) -> tuple[pymupdf.Document, list[list[Any]]]:
    """Lecture notes: an 18pt chapter heading every third page, about one 14pt subheading a page, 11pt
    paragraphs of 2-7 lines (~40 lines a page). Returns the document and its outline (not yet set)."""
    rng = random.Random(seed)
    doc = pymupdf.open()
    toc: list[list[Any]] = []
    chapter = 0
    for number in range(1, pages + 1):
        page = doc.new_page()
        y = PAGE_TOP
        if number % 3 == 1:
            chapter += 1
            title = f"Chapter {chapter}: {title_of(rng)}"
            page.insert_text((LEFT, y), title, fontsize=HEADING_PT)
            toc.append([1, title, number])
            y += 32
        subheading_at = rng.randint(0, 3)  # before which paragraph of the page
        for index in itertools.count():
            if index == subheading_at and y < PAGE_BOTTOM - 80:
                title = f"{chapter}.{len(toc)} {title_of(rng)}"
                page.insert_text((LEFT, y + 6), title, fontsize=SUBHEADING_PT)
                toc.append([2, title, number])
                y += 30
            lines = paragraph(rng, rng.randint(2, 7), int((PAGE_BOTTOM - y) // LINE_GAP) + 1)
            if not lines:
                break
            # one call per paragraph: a call per line makes generating 10k pages take minutes
            page.insert_text((LEFT, y), "\n".join(lines), fontsize=BODY_PT, lineheight=LINE_GAP / BODY_PT)
            y += LINE_GAP * len(lines) + 8
    return doc, toc


def make_chinese_pdf(path: Path, pages: int, seed: int) -> Path:
    """A short Chinese lecture in PyMuPDF's built-in simplified Chinese font, with an outline."""
    rng = random.Random(seed)
    doc = pymupdf.open()
    toc: list[list[Any]] = []
    for number in range(1, pages + 1):
        page = doc.new_page()
        title = f"第{number}章 {rng.choice(CHINESE_TERMS)}与{rng.choice(CHINESE_TERMS)}"
        page.insert_text((LEFT, PAGE_TOP), title, fontsize=HEADING_PT, fontname="china-s")
        toc.append([1, title, number])
        text = ""
        for template in rng.choices(CHINESE_SENTENCES, k=120):
            first, *rest = template.split("{t}")
            text += first + "".join(rng.choice(CHINESE_TERMS) + piece for piece in rest)
        lines = textwrap.wrap(text, 40)[:38]
        page.insert_text(
            (LEFT, PAGE_TOP + 32), "\n".join(lines), fontsize=BODY_PT, fontname="china-s", lineheight=LINE_GAP / BODY_PT
        )
    doc.set_toc(toc)
    doc.save(path)
    doc.close()
    return path


def save_lecture(path: Path, pages: int, seed: int, outline: bool) -> Path:
    doc, toc = make_lecture_pdf(pages, seed)
    if outline:
        doc.set_toc(toc)
    doc.save(path, garbage=1, deflate=True)
    doc.close()
    return path


# -- ingest ----------------------------------------------------------------------------------------------------


def import_one(app: Aksio, pdf: Path, course: str) -> ImportReport:
    report = app.import_paths([pdf], course)
    if not report.imported:
        raise RuntimeError(f"import of {pdf} failed: {report.failed or report.skipped}")
    return report


def raw_seconds(pdf: Path) -> tuple[float, int]:
    """Plain PyMuPDF text extraction, open included: the floor for any PDF import."""
    start = time.perf_counter()
    with pymupdf.open(pdf) as doc:
        pages = 0
        for page in doc:
            page.get_text()
            pages += 1
    return time.perf_counter() - start, pages


def aksio_seconds(pdf: Path, workdir: Path, profile: cProfile.Profile | None = None) -> tuple[float, ImportReport]:
    """One import into a fresh home; only `import_paths` is timed."""
    with tempfile.TemporaryDirectory(dir=workdir) as home, Aksio.open(Path(home)) as app:
        course = app.add_course("Bench")
        if profile:
            profile.enable()
        start = time.perf_counter()
        report = import_one(app, pdf, course.id)
        elapsed = time.perf_counter() - start
        if profile:
            profile.disable()
        return elapsed, report


def ingest(pdf: Path, workdir: Path, repeat: int, profile: bool) -> dict[str, Any]:
    raw_best = ours_best = math.inf
    pages = 0
    report: ImportReport | None = None
    for _ in range(repeat):  # interleaved, so that both see the same machine
        seconds, pages = raw_seconds(pdf)
        raw_best = min(raw_best, seconds)
        seconds, report = aksio_seconds(pdf, workdir)
        ours_best = min(ours_best, seconds)
    if report is None:
        raise ValueError("repeat must be at least 1")
    imported = report.imported[0]
    if profile:
        prof = cProfile.Profile()
        aksio_seconds(pdf, workdir, prof)
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(30)
        log(f"--- profile: import of {pdf.name} ---\n{out.getvalue()}")
    raw_rate, ours_rate = pages / raw_best, imported.page_count / ours_best
    return {
        "pages": imported.page_count,
        "sections": imported.section_count,
        "chunks": imported.chunk_count,
        "anchor_raw_pymupdf_pages_per_s": round(raw_rate, 1),
        "aksio_pages_per_s": round(ours_rate, 1),
        "ratio": round(ours_rate / raw_rate, 3),
    }


# -- search ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    kind: str
    text: str


def query_mix(count: int, seed: int) -> list[Query]:
    """Seeded queries in the proportions a student might type them."""
    rng = random.Random(seed)
    classes: list[tuple[float, str, Callable[[], str]]] = [
        (0.20, "common word", lambda: rng.choice(WORDS[:30])),
        (0.25, "rare word", lambda: rng.choice(WORDS[2000:])),
        (0.25, "two words", lambda: f"{rng.choice(WORDS[:300])} {rng.choice(WORDS)}"),
        (0.15, "quoted phrase", lambda: f'"{rng.choice(TERMS)}"'),
        (0.15, "chinese", lambda: rng.choice(CHINESE_TERMS)),
    ]
    weights = [w for w, _, _ in classes]
    out = []
    for _ in range(count):
        _, kind, draw = rng.choices(classes, weights=weights)[0]
        out.append(Query(kind, draw()))
    return out


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[max(math.ceil(len(ordered) * 0.99) - 1, 0)]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(p99 * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


def timed(call: Callable[..., Any], *args: Any) -> tuple[float, int]:
    """Seconds for ``call(*args)`` with its rows fetched, and how many rows it gave."""
    start = time.perf_counter()
    rows = list(call(*args))
    return time.perf_counter() - start, len(rows)


def build_library(home: Path, workdir: Path, total_pages: int, per_doc: int) -> dict[str, str]:
    """~total_pages of lectures: half in "Half" (with a Chinese lecture), 5% in "Small", the rest in "Rest"."""
    docs = max(total_pages // per_doc, 2)
    small = max(docs // 20, 1)
    with Aksio.open(home) as app:
        ids = {name: app.add_course(name).id for name in ("Half", "Rest", "Small")}
        start = time.perf_counter()
        for i in range(docs):
            course = "Half" if i < docs // 2 else "Small" if i >= docs - small else "Rest"
            pdf = save_lecture(workdir / f"lib{i}.pdf", per_doc, seed=SEED + 1000 + i, outline=i % 2 == 0)
            import_one(app, pdf, ids[course])
            pdf.unlink()
            log(f"library: {(i + 1) * per_doc} pages ({time.perf_counter() - start:.0f} s)")
        import_one(app, make_chinese_pdf(workdir / "zh.pdf", 12, SEED), ids["Half"])
    return ids


def search_bench(workdir: Path, total_pages: int, per_doc: int, queries: int, profile: bool) -> dict[str, Any]:
    home = workdir / "library"
    ids = build_library(home, workdir, total_pages, per_doc)
    mix = query_mix(queries, SEED)
    scopes = {"no_filter": None, "in_course_half": ids["Half"], "in_course_small": ids["Small"]}
    with Aksio.open(home) as app:
        conn: sqlite3.Connection = app.db.conn
        pages = conn.execute("SELECT sum(page_count) FROM document").fetchone()[0]
        chunks = conn.execute("SELECT count(*) FROM chunk").fetchone()[0]
        bare_sql = "SELECT rowid FROM chunk_fts WHERE chunk_fts MATCH ? ORDER BY rank LIMIT 10"
        for q in mix[:20]:  # warm the page cache, as a session that has already searched would be
            app.search(q.text, None, 10)
        times: dict[str, list[float]] = {name: [] for name in [*scopes, "anchor"]}
        by_class: dict[str, dict[str, list[float]]] = {name: {} for name in times}
        empty: dict[str, int] = dict.fromkeys(times, 0)
        prof = cProfile.Profile() if profile else None
        for q in mix:
            for name, samples in times.items():  # the same query through each, back to back: same cache
                if name == "anchor":
                    seconds, hits = timed(conn.execute, bare_sql, (" ".join(match_terms(q.text)),))
                else:
                    if prof:
                        prof.enable()
                    seconds, hits = timed(app.search, q.text, scopes[name], 10)
                    if prof:
                        prof.disable()
                samples.append(seconds)
                by_class[name].setdefault(q.kind, []).append(seconds)
                empty[name] += hits == 0
    if prof:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(25)
        log(f"--- profile: Aksio.search (profiled, so slower) ---\n{out.getvalue()}")
    result: dict[str, Any] = {
        "pages": pages,
        "chunks": chunks,
        "queries": len(mix),
        "query_classes": {k: sum(q.kind == k for q in mix) for k in sorted({q.kind for q in mix})},
    }
    for name, samples in times.items():
        key = "anchor_bare_fts5_rank" if name == "anchor" else f"aksio_{name}"
        result[key] = {
            **percentiles(samples),
            "p99_ms_by_class": {k: percentiles(v)["p99_ms"] for k, v in sorted(by_class[name].items())},
            "queries_without_hits": empty[name],
        }
    for stat in ("p50_ms", "p99_ms"):
        ours, anchor = result["aksio_no_filter"][stat], result["anchor_bare_fts5_rank"][stat]
        result[f"ratio_{stat[:3]}_aksio_over_anchor"] = round(ours / anchor, 3)
    return result


# -- CLI start-up ----------------------------------------------------------------------------------------------


def cli_startup(workdir: Path, runs: int) -> dict[str, float]:
    aksio = Path(sys.executable).with_name("aksio")
    if not aksio.exists():
        raise SystemExit(f"{aksio} not found: install the project into this venv (pip install -e '.[dev]')")
    env = {**os.environ, "AKSIO_HOME": str(workdir / "cli-home")}
    commands = {"aksio_help": [str(aksio), "--help"], "anchor_python_pass": [sys.executable, "-c", "pass"]}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(runs + 1):  # the first round only warms the OS caches
        for name, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=env)
            if round_:
                times[name].append(time.perf_counter() - start)
    out: dict[str, float] = {}
    for name, samples in times.items():
        out[f"{name}_best_ms"] = round(min(samples) * 1000, 1)
        out[f"{name}_median_ms"] = round(statistics.median(samples) * 1000, 1)
    out["overhead_median_ms"] = round(out["aksio_help_median_ms"] - out["anchor_python_pass_median_ms"], 1)
    return out


# -- main ------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pdfs", nargs="*", type=Path, help="real PDFs to measure ingest on as well")
    parser.add_argument("--pages", type=int, default=500, help="pages of the generated ingest PDF")
    parser.add_argument("--search-pages", type=int, default=10_000, help="pages in the search library")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="ingest runs per variant; the best counts")
    parser.add_argument("--cli-runs", type=int, default=10)
    parser.add_argument("--profile", action="store_true", help="cProfile one import per variant and the searches")
    args = parser.parse_args()
    for pdf in args.pdfs:
        if not pdf.is_file():
            parser.error(f"no such file: {pdf}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="aksio-bench-") as tmp:
        workdir = Path(tmp)
        result: dict[str, Any] = {
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
                "pymupdf": pymupdf.VersionBind,
                "mupdf": pymupdf.VersionFitz,
            },
            "ingest": {},
        }
        log(f"generating a {args.pages}-page lecture PDF")
        doc, toc = make_lecture_pdf(args.pages, SEED)
        no_outline = workdir / "lecture.pdf"
        doc.save(no_outline, garbage=1, deflate=True)
        doc.set_toc(toc)
        with_outline = workdir / "lecture-outline.pdf"
        doc.save(with_outline, garbage=1, deflate=True)
        doc.close()
        variants = {"generated_with_outline": with_outline, "generated_font_headings": no_outline}
        variants.update({f"real:{pdf.name}": pdf for pdf in args.pdfs})
        for name, pdf in variants.items():
            log(f"ingest: {name}")
            result["ingest"][name] = ingest(pdf, workdir, args.repeat, args.profile)
        log("search: building the library")
        result["search"] = search_bench(workdir, args.search_pages, args.pages, args.queries, args.profile)
        log("cli start-up")
        result["cli"] = cli_startup(workdir, args.cli_runs)
    search = result["search"]
    result["goals"] = {
        f"ingest_ratio>={GOALS['ingest_ratio']}": all(
            v["ratio"] >= GOALS["ingest_ratio"] for v in result["ingest"].values()
        ),
        f"search_p99<{GOALS['search_p99_ms']:g}ms": search["aksio_no_filter"]["p99_ms"] < GOALS["search_p99_ms"],
        f"search_in_course_p99<{GOALS['search_p99_ms']:g}ms": all(
            search[k]["p99_ms"] < GOALS["search_p99_ms"] for k in ("aksio_in_course_half", "aksio_in_course_small")
        ),
        f"help_median<{GOALS['help_ms']:g}ms": result["cli"]["aksio_help_median_ms"] < GOALS["help_ms"],
    }
    result["bench_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
