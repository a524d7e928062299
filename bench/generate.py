"""Generation figures: the pipeline's own cost per card with a model that answers at once, how throughput
scales with concurrency when each call takes 200 ms, and the offline generator on a 200-page course.

    .venv/bin/python bench/generate.py [--quick] [--sections 40] [--pages 200]

Prints one JSON document on stdout; progress on stderr. The model is the tests' fake LLM server (Ollama and
OpenAI wire formats over loopback HTTP, the real `ollama` and `openai` clients); its answers are cards built
from sentences on the pages it is sent, so they pass the grounding checks like a good model's would.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' fake server

from tests.llm.fakeserver import FakeLLM, Reply

from aksio.clock import FixedClock
from aksio.generate.checks import quote_on_page
from aksio.service import Aksio

SEED = 7
GOALS = {"overhead_ms_per_card": 5.0, "speedup_k4": 3.5, "offline_verbatim": 1.0}
TOPICS = (
    "scheduler", "page table", "file system", "semaphore", "interrupt", "cache line", "deadlock", "virtual memory",
    "thread pool", "journal", "inode", "context switch", "system call", "mutex", "TLB", "paging daemon",
)  # fmt: skip
VERBS = ("stores", "maps", "protects", "tracks", "schedules", "copies", "flushes", "locks", "signals", "caches")
OBJECTS = (
    "the running thread's registers", "each virtual page to a frame", "a file's metadata", "the ready queue",
    "dirty blocks on the disk", "the critical section", "recently used translations", "pending interrupts",
)  # fmt: skip


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def lecture(sections: int, pages: int, seed: int) -> str:
    """Markdown lecture notes: ``sections`` headed sections over about ``pages`` pages (form feeds)."""
    rng = random.Random(seed)
    per_page = max(sections // max(pages, 1), 1)
    out: list[str] = []
    for s in range(sections):
        if s and s % per_page == 0:
            out.append("\f")
        topic = TOPICS[s % len(TOPICS)]
        out.append(f"# {s + 1}. The {topic} in depth\n")
        for _ in range(rng.randint(4, 7)):
            subject = rng.choice(TOPICS)
            sentences = [
                f"The {subject} {rng.choice(VERBS)} {rng.choice(OBJECTS)} when the kernel asks for it.",
                f"A {rng.choice(TOPICS)} is the part of the system that {rng.choice(VERBS)} {rng.choice(OBJECTS)}.",
                f"Without the {subject}, every process would have to handle {rng.choice(OBJECTS)} itself.",
            ]
            out.append(" ".join(sentences) + "\n")
    return "\n".join(out)


def cards_from_prompt(body: dict[str, Any]) -> str:
    """A model that reads the pages it is sent and makes one card per suitable sentence (up to 5)."""
    prompt = body["messages"][-1]["content"]
    cards = []
    for page, text in re.findall(r"\[page (\d+)\]\n(.*?)(?=\n\[page |\Z)", prompt, re.S):
        for sentence in re.findall(r"A ([a-zA-Z ]+?) is the part of the system that ([^.]+)\.", text):
            term, does = sentence
            quote = f"A {term} is the part of the system that {does}."
            cards.append(
                {"kind": "basic", "front": f"Which part of the system {does}?", "back": f"The {term}",
                 "quote": quote, "page": int(page)}
            )  # fmt: skip
    return json.dumps({"cards": cards[:5]})


def fresh(workdir: Path, name: str, notes: Path) -> Aksio:
    app = Aksio.open(workdir / name, FixedClock(datetime_now()))
    app.add_course("OS")
    report = app.import_paths([notes], "OS")
    assert report.imported, report
    return app


def datetime_now() -> Any:
    from datetime import UTC, datetime

    return datetime(2026, 6, 1, 12, tzinfo=UTC)


def model_run(workdir: Path, notes: Path, fake: FakeLLM, name: str, provider: str, concurrency: int) -> dict[str, Any]:
    app = fresh(workdir, name, notes)
    base = fake.url if provider == "ollama" else f"{fake.url}/v1"
    app.settings.llm = app.settings.llm.model_copy(update={"base_url": base, "max_retries": 0, "timeout": 30})
    calls_before = len(fake.script.chat_requests())
    start = time.perf_counter()
    report = app.generate("cards", "OS", provider=provider, model="bench", concurrency=concurrency)
    seconds = time.perf_counter() - start
    calls = len(fake.script.chat_requests()) - calls_before
    rerun_start = time.perf_counter()
    again = app.generate("cards", "OS", provider=provider, model="bench", concurrency=concurrency)
    rerun = time.perf_counter() - rerun_start
    app.close()
    assert report.parts_failed == 0 and again.parts_done == 0, (report, again)
    return {
        "parts": report.parts,
        "calls": calls,
        "kept": report.kept,
        "rejected": report.rejected,
        "seconds": round(seconds, 3),
        "resume_rerun_s": round(rerun, 3),
    }


def overhead(workdir: Path, notes: Path, fake: FakeLLM) -> dict[str, Any]:
    """Wall time minus the server's time, per kept card, with the server answering at once."""
    fake.script.latency = 0.0
    out: dict[str, Any] = {}
    for provider in ("ollama", "openai"):
        # the server's own time per call, measured on a bare client call of the same size
        run = model_run(workdir, notes, fake, f"over-{provider}", provider, 1)
        server = server_seconds(fake, provider, run["calls"])
        run["server_s"] = round(server, 3)
        run["overhead_ms_per_card"] = round((run["seconds"] - server) * 1000 / max(run["kept"], 1), 3)
        out[provider] = run
        log(f"overhead {provider}: {run['overhead_ms_per_card']} ms per card ({run['kept']} cards)")
    return out


def server_seconds(fake: FakeLLM, provider: str, calls: int) -> float:
    """What ``calls`` round trips to the fake server cost through the real client, with nothing else around."""
    import ollama
    import openai

    body = [{"role": "user", "content": "[page 1]\nA scheduler is the part of the system that locks the queue."}]
    start = time.perf_counter()
    if provider == "ollama":
        client = ollama.Client(host=fake.url)
        for _ in range(calls):
            client.chat(model="bench", messages=body, format={"type": "object"}, options={"num_ctx": 8192})
    else:
        oa = openai.OpenAI(base_url=f"{fake.url}/v1", api_key="none", max_retries=0)
        for _ in range(calls):
            oa.chat.completions.create(model="bench", messages=body)  # type: ignore[arg-type]
    return time.perf_counter() - start


def scaling(workdir: Path, notes: Path, fake: FakeLLM, levels: list[int]) -> dict[str, Any]:
    fake.script.latency = 0.2
    out: dict[str, Any] = {}
    for k in levels:
        run = model_run(workdir, notes, fake, f"scale-{k}", "ollama", k)
        out[f"k{k}"] = {"seconds": run["seconds"], "parts": run["parts"], "kept": run["kept"]}
        log(f"concurrency {k}: {run['seconds']} s for {run['parts']} parts")
    fake.script.latency = 0.0
    base = out["k1"]["seconds"]
    for k in levels[1:]:
        out[f"speedup_k{k}"] = round(base / out[f"k{k}"]["seconds"], 2)
    return out


def offline(workdir: Path, notes: Path) -> dict[str, Any]:
    app = fresh(workdir, "offline", notes)
    out: dict[str, Any] = {}
    pages: dict[tuple[str, int], str] = {}
    for doc_id, page, text in app.db.conn.execute("SELECT document_id, page, text FROM chunk ORDER BY page, ord"):
        pages[(doc_id, page)] = pages.get((doc_id, page), "") + "\n" + text
    out["pages"] = app.db.conn.execute("SELECT sum(page_count) FROM document").fetchone()[0]
    for what in ("cards", "questions"):
        start = time.perf_counter()
        report = app.generate(what, "OS")  # type: ignore[arg-type]
        seconds = time.perf_counter() - start
        verbatim = sum(quote_on_page(i.quote, pages.get((i.document_id, i.page), "")) for i in report.items)
        exact = sum(" ".join(i.quote.split()) in " ".join(pages.get((i.document_id, i.page), "").split())
                    for i in report.items)  # fmt: skip
        out[what] = {
            "kept": report.kept,
            "rejected": report.rejected,
            "seconds": round(seconds, 3),
            "items_per_s": round(report.kept / seconds, 1) if seconds else None,
            "quote_on_cited_page": round(verbatim / max(report.kept, 1), 4),
            "quote_verbatim_up_to_spacing": round(exact / max(report.kept, 1), 4),
        }
        log(f"offline {what}: {report.kept} in {seconds:.2f} s")
    app.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", type=int, default=40, help="sections of the lecture the model is asked about")
    parser.add_argument("--pages", type=int, default=200, help="pages of the offline course")
    parser.add_argument("--quick", action="store_true", help="16 sections, 40 pages")
    args = parser.parse_args()
    if args.quick:
        args.sections, args.pages = 16, 40
    started = time.perf_counter()
    fake = FakeLLM().start()
    fake.script.default = Reply(text=cards_from_prompt)
    result: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
    }
    try:
        with tempfile.TemporaryDirectory(prefix="aksio-gen-bench-") as tmp:
            workdir = Path(tmp)
            notes = workdir / "lecture.md"
            notes.write_text(lecture(args.sections, max(args.sections // 4, 1), SEED), encoding="utf-8")
            result["overhead"] = overhead(workdir, notes, fake)
            small = workdir / "sixteen.md"
            small.write_text(lecture(16, 4, SEED + 1), encoding="utf-8")
            result["concurrency"] = scaling(workdir, small, fake, [1, 4, 8])
            course = workdir / "course.md"
            course.write_text(lecture(args.pages * 2, args.pages, SEED + 2), encoding="utf-8")
            result["offline"] = offline(workdir, course)
    finally:
        fake.stop()
    worst = max(r["overhead_ms_per_card"] for r in result["overhead"].values())
    result["goals"] = {
        f"overhead<{GOALS['overhead_ms_per_card']:g}ms_per_card": worst < GOALS["overhead_ms_per_card"],
        f"speedup_k4>={GOALS['speedup_k4']:g}": result["concurrency"]["speedup_k4"] >= GOALS["speedup_k4"],
        "offline_quotes_100%": all(
            result["offline"][w]["quote_on_cited_page"] >= GOALS["offline_verbatim"] for w in ("cards", "questions")
        ),
    }
    result["bench_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
