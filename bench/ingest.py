"""Ingest and search speed, with PyMuPDF's own text extraction as the anchor measured in the same run.

    .venv/bin/python bench/ingest.py [REAL.pdf ...] [--pages 500] [--search-pages 10000]

Prints one JSON document on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pymupdf

from aksio.service import Aksio
from aksio.storage.search import match_terms

SYLLABLES = [
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
DOMAIN = [
    "process",
    "thread",
    "kernel",
    "scheduler",
    "memory",
    "page",
    "frame",
    "virtual",
    "address",
    "table",
    "fault",
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
    "call",
    "context",
    "switch",
    "priority",
    "queue",
    "quantum",
    "fairness",
    "latency",
    "throughput",
    "buffer",
    "device",
    "driver",
    "file",
    "directory",
    "mount",
    "network",
    "socket",
    "packet",
    "protocol",
    "transport",
]


def vocabulary(size: int = 6000) -> list[str]:
    """Domain words first (the frequent ones), then made-up words: text drawn from it by Zipf's law reads like
    a real course's word frequencies, where a few words are everywhere and most are rare."""
    rng = random.Random(0)
    words = list(DOMAIN)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


VOCAB = vocabulary()
ZIPF = [1 / (rank + 1) for rank in range(len(VOCAB))]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def make_pdf(path: Path, pages: int, seed: int, outline: bool) -> Path:
    """A lecture-like PDF: an 18pt chapter heading every 3 pages, 14pt sections, 11pt body, ~40 lines a page."""
    rng = random.Random(seed)
    doc = pymupdf.open()
    toc: list[list[Any]] = []
    for number in range(1, pages + 1):
        page = doc.new_page()
        y = 60.0
        if number % 3 == 1:
            title = f"Chapter {number // 3 + 1}: {rng.choice(DOMAIN).title()} {rng.choice(DOMAIN)}"
            page.insert_text((60, y), title, fontsize=18)
            toc.append([1, title, number])
            y += 30
        if number % 3 == 2:
            title = f"Section {number}: {rng.choice(DOMAIN)} and {rng.choice(DOMAIN)}"
            page.insert_text((60, y), title, fontsize=14)
            toc.append([2, title, number])
            y += 24
        while y < 780:
            words = rng.choices(VOCAB, weights=ZIPF, k=rng.randint(9, 13))
            page.insert_text((60, y), " ".join(words).capitalize() + ".", fontsize=11)
            y += 17
    if outline:
        doc.set_toc(toc)
    doc.save(path)
    doc.close()
    return path


def raw_pages_per_s(path: Path) -> float:
    start = time.perf_counter()
    with pymupdf.open(path) as doc:
        n = 0
        for page in doc:
            page.get_text()
            n += 1
    return n / (time.perf_counter() - start)


def aksio_pages_per_s(path: Path, workdir: Path) -> float:
    home = Path(tempfile.mkdtemp(dir=workdir))
    try:
        with Aksio.open(home) as app:
            app.add_course("Bench")
            start = time.perf_counter()
            report = app.import_paths([path], "Bench")
            elapsed = time.perf_counter() - start
            assert report.imported, report.failed
            return report.imported[0].page_count / elapsed
    finally:
        shutil.rmtree(home)


def ingest(path: Path, workdir: Path, repeat: int = 3) -> dict[str, float]:
    raw = max(raw_pages_per_s(path) for _ in range(repeat))
    ours = max(aksio_pages_per_s(path, workdir) for _ in range(repeat))
    return {
        "raw_pymupdf_pages_per_s": round(raw, 1),
        "aksio_pages_per_s": round(ours, 1),
        "ratio": round(ours / raw, 3),
    }


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


def search_bench(workdir: Path, total_pages: int, queries: int) -> dict[str, Any]:
    home = workdir / "search-home"
    per_doc = 500
    with Aksio.open(home) as app:
        app.add_course("Bench")
        app.add_course("Chinese")
        for i in range(max(total_pages // per_doc, 1)):
            pdf = make_pdf(workdir / f"s{i}.pdf", per_doc, seed=100 + i, outline=i % 2 == 0)
            app.import_paths([pdf], "Bench")
            pdf.unlink()
            log(f"search corpus: {(i + 1) * per_doc} pages")
        zh = workdir / "zh.md"
        zh.write_text(
            "# 操作系统\n\n进程是正在执行的程序。死锁有四个必要条件。虚拟内存与分页。\n" * 50, encoding="utf-8"
        )
        app.import_paths([zh], "Chinese")
        pages = app.db.query_one("SELECT sum(page_count) FROM document")[0]
        rng = random.Random(7)
        mix: list[tuple[str, str]] = []  # (class, query)
        for _ in range(queries):
            kind = rng.random()
            if kind < 0.4:
                mix.append(("word", rng.choice(VOCAB)))
            elif kind < 0.55:
                mix.append(("frequent word", rng.choice(VOCAB[:50])))
            elif kind < 0.8:
                mix.append(("two words", f"{rng.choice(VOCAB[:500])} {rng.choice(VOCAB)}"))
            elif kind < 0.9:
                mix.append(("phrase", f'"{rng.choice(VOCAB[:200])} {rng.choice(VOCAB[:200])}"'))
            else:
                mix.append(("chinese", rng.choice(["进程", "死锁", "内存", "分页"])))
        course_id = app.course("Bench").id
        full, scoped, bare = [], [], []
        by_class: dict[str, list[float]] = {}
        conn: sqlite3.Connection = app.db.conn
        for kind, q in mix:
            t = time.perf_counter()
            app.search(q, None, 10)
            full.append(time.perf_counter() - t)
            by_class.setdefault(kind, []).append(full[-1])
            t = time.perf_counter()
            app.search(q, course_id, 10)
            scoped.append(time.perf_counter() - t)
            match = " ".join(match_terms(q))
            t = time.perf_counter()
            conn.execute(
                "SELECT rowid FROM chunk_fts WHERE chunk_fts MATCH ? ORDER BY rank LIMIT 10", (match,)
            ).fetchall()
            bare.append(time.perf_counter() - t)
        chunks = app.db.query_one("SELECT count(*) FROM chunk")[0]
    return {
        "pages": pages,
        "chunks": chunks,
        "queries": len(mix),
        "aksio_search": percentiles(full),
        "aksio_search_in_course": percentiles(scoped),
        "aksio_search_by_query_class": {k: percentiles(v) for k, v in sorted(by_class.items())},
        "anchor_bare_fts5_match": percentiles(bare),
    }


def cli_startup(runs: int = 10) -> dict[str, float]:
    aksio = Path(sys.executable).with_name("aksio")

    def timed(cmd: list[str]) -> list[float]:
        out = []
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            out.append(time.perf_counter() - t)
        return out

    help_times = timed([str(aksio), "--help"])
    python_times = timed([sys.executable, "-c", "pass"])
    return {
        "aksio_help_best_ms": round(min(help_times) * 1000, 1),
        "aksio_help_median_ms": round(statistics.median(help_times) * 1000, 1),
        "anchor_python_pass_median_ms": round(statistics.median(python_times) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pdfs", nargs="*", type=Path, help="real PDFs to measure as well")
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--search-pages", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="aksio-bench-"))
    try:
        result: dict[str, Any] = {
            "machine": {
                "cpus": __import__("os").cpu_count(),
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
                "pymupdf": pymupdf.VersionBind,
            },
            "ingest": {},
        }
        for outline in (True, False):
            name = "generated_with_outline" if outline else "generated_font_headings"
            pdf = make_pdf(workdir / f"{name}.pdf", args.pages, seed=1, outline=outline)
            log(f"ingest {name} ({args.pages} pages)")
            result["ingest"][name] = {"pages": args.pages, **ingest(pdf, workdir)}
        for pdf in args.pdfs:
            log(f"ingest {pdf}")
            result["ingest"][pdf.name] = ingest(pdf, workdir)
        result["search"] = search_bench(workdir, args.search_pages, args.queries)
        result["cli"] = cli_startup()
        result["goals"] = {
            "ingest_ratio>=0.5": all(v["ratio"] >= 0.5 for v in result["ingest"].values()),
            "search_p99<5ms": result["search"]["aksio_search"]["p99_ms"] < 5,
            "help<150ms": result["cli"]["aksio_help_median_ms"] < 150,
        }
        print(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
