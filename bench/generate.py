"""Generation figures: the pipeline's own cost per card with a model that answers at once, how throughput
scales with concurrency when each call takes 200 ms, and the offline generator on a 200-page course.

    .venv/bin/python bench/generate.py [--quick] [--sections 40] [--pages 200] [--repeat 3]

Prints one JSON document on stdout; progress on stderr.

- overhead: a Markdown lecture of ``--sections`` sections (form feeds make its pages) goes to the tests' fake LLM
  server (Ollama and OpenAI wire formats over loopback HTTP, spoken to by the real `ollama` and `openai`
  clients) with no latency, concurrency 1. The fake model reads the pages it is sent and answers with up to the
  requested number of basic cards built from sentences on those pages ("What ...?", a short answer taken from
  the sentence, the sentence as the quote, its page), so they pass the checks as a good model's would.
  ``overhead_ms_per_card`` = (wall time of `generate` - time spent inside the server's handlers) / cards kept;
  the anchor is the same requests (the recorded bodies) replayed through a bare client, and
  ``overhead_beyond_bare_client_ms_per_card`` subtracts that instead. Best of ``--repeat``, each in a fresh home
  after a warm-up run (client imports). The rerun of the same command (every part resumed) is timed too.
- concurrency: 16 one-part sections, the server sleeping 200 ms per call; K = 1, 4, 8, each in a fresh home.
- offline: a ``--pages``-page lecture PDF with an outline (PyMuPDF), cards and then questions with the default
  offline generator; items/s and the share of kept items whose quote is on the page they cite (page texts read
  back from the database, checked with `quote_on_page`).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import textwrap
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' fake server

from tests.llm.fakeserver import FakeLLM, Reply

from aksio.clock import FixedClock
from aksio.generate.checks import quote_on_page
from aksio.generation import GenerationReport
from aksio.service import Aksio
from machine import machine

SEED = 20260601
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
COURSE = "Operating Systems"
GOALS = {"overhead_ms_per_card": 5.0, "speedup_k4": 3.5, "quotes_on_page": 1.0}
SCALING_PARTS = 16
SCALING_LATENCY_S = 0.2

# -- lecture prose ---------------------------------------------------------------------------------------------

REAL_TERMS = (
    "page table", "translation lookaside buffer", "context switch", "system call", "semaphore", "mutex",
    "condition variable", "scheduler", "dispatcher", "interrupt handler", "file descriptor", "inode", "journal",
    "buffer cache", "page fault handler", "swap daemon", "working set", "ready queue", "run queue",
    "memory allocator", "slab allocator", "buddy allocator", "kernel stack", "bootloader", "hypervisor",
    "device driver", "watchdog timer", "spinlock", "reader-writer lock", "barrier", "pipe", "socket",
)  # fmt: skip
HEADS = (
    "queue", "table", "allocator", "scheduler", "protocol", "cache", "daemon", "lock", "buffer", "map", "tree",
    "index", "monitor", "pool", "register", "handler", "controller", "bitmap", "ring", "log",
)  # fmt: skip
SYLLABLES = ("ka", "ri", "to", "mu", "ne", "sa", "lo", "vi", "de", "pa", "go", "ru", "fi", "ten", "mor", "lis", "zen")
CATEGORIES = (
    "data structure", "kernel object", "hardware unit", "policy", "mechanism", "software layer", "table",
    "background task", "synchronisation primitive", "cache", "algorithm", "per-process record",
)  # fmt: skip
VERBS = (
    "schedules", "blocks", "wakes", "allocates", "frees", "maps", "locks", "releases", "signals", "preempts",
    "copies", "flushes", "evicts", "loads", "protects", "shares", "splits", "merges", "tracks", "records",
    "validates", "translates", "batches", "throttles", "serialises", "reclaims",
)  # fmt: skip
NOUNS = (
    "process", "thread", "frame", "page", "block", "segment", "request", "packet", "file", "directory", "entry",
    "buffer", "device", "interrupt", "signal", "quantum", "address", "region", "descriptor", "transaction",
    "checkpoint", "sector", "cylinder", "core", "socket", "queue", "lock", "counter", "timer", "heap", "stack",
)  # fmt: skip
ADJECTIVES = (
    "shared", "private", "dirty", "clean", "idle", "blocked", "stale", "atomic", "concurrent", "volatile",
    "physical", "virtual", "logical", "remote", "free", "busy", "pinned", "pending", "oldest", "newest",
)  # fmt: skip
UNITS = ("entries", "pages", "kilobytes", "slots", "descriptors", "megabytes")
PEOPLE = ("Dijkstra", "Denning", "Lamport", "Hoare", "Corbató", "Ritchie", "Thompson", "Liskov", "Tanenbaum")
FILLER = (
    "Let us look at an example before we go on.",
    "This is one of the ideas you will meet again in the lab.",
    "Keep this picture in mind for the rest of the lecture.",
    "Why would anyone design it this way?",
    "We come back to this point in the exercises.",
    "The next slide shows the same thing as a diagram.",
    "Take a minute to convince yourself that this works.",
)


def coined(rng: random.Random) -> str:
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
    return f"{name} {rng.choice(HEADS)}"


def thing(rng: random.Random) -> str:
    """A noun phrase: "the dirty frame", "each pending request of the queue"."""
    det = rng.choice(("the", "each", "every", "a", "the", "one"))
    noun = rng.choice(NOUNS)
    phrase = f"{det} {rng.choice(ADJECTIVES)} {noun}" if rng.random() < 0.7 else f"{det} {noun}"
    if det == "a" and phrase.split()[1][0] in "aeiou":
        phrase = "an" + phrase[1:]
    roll = rng.random()
    if roll < 0.25:
        phrase += f" of the {rng.choice(NOUNS)}"
    elif roll < 0.4:
        phrase += f" in the {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
    return phrase


def tail(rng: random.Random) -> str:
    return rng.choice(
        (
            "",
            "",
            f" when the {rng.choice(NOUNS)} is {rng.choice(ADJECTIVES)}",
            f" before the {rng.choice(NOUNS)} {rng.choice(VERBS)} it",
            " in constant time",
            f" at most {rng.choice((2, 4, 8, 16, 100, 1000))} times per second",
            f" on behalf of the {rng.choice(NOUNS)}",
        )
    )


def article(term: str) -> str:
    return "An" if term[0] in "aeiou" else "A"


def fact(rng: random.Random, term: str, others: list[str]) -> str:
    """One sentence of lecture notes about ``term``."""
    kind = rng.random()
    if kind < 0.3:
        return f"{article(term)} {term} is a {rng.choice(CATEGORIES)} that {rng.choice(VERBS)} {thing(rng)}{tail(rng)}."
    if kind < 0.6:
        return f"The {term} {rng.choice(VERBS)} {thing(rng)}{tail(rng)}."
    if kind < 0.72:
        k = rng.choice((4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096))
        return f"On a typical machine, {article(term).lower()} {term} holds about {k} {rng.choice(UNITS)}."
    if kind < 0.82:
        other = rng.choice([o for o in others if o != term] or ["kernel"])
        return f"Unlike the {other}, the {term} never {rng.choice(VERBS)} {thing(rng)}."
    if kind < 0.9:
        return f"The {term} was first described by {rng.choice(PEOPLE)} in {rng.randint(1962, 1995)}."
    return rng.choice(FILLER)


class Lecture:
    """Seeded lecture notes: sections of 2-4 paragraphs, each about one of the section's terms."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.real = list(REAL_TERMS)
        self.rng.shuffle(self.real)
        self.used: set[str] = set()

    def term(self) -> str:
        while self.real:
            term = self.real.pop()
            if term not in self.used:
                self.used.add(term)
                return term
        while (term := coined(self.rng)) in self.used:
            pass
        self.used.add(term)
        return term

    def section(self, paragraphs: tuple[int, int], sentences: tuple[int, int]) -> tuple[str, list[str]]:
        rng = self.rng
        terms = [self.term() for _ in range(rng.randint(2, 3))]
        title = f"The {terms[0]} and the {terms[1]}"
        out = []
        for _ in range(rng.randint(*paragraphs)):
            term = rng.choice(terms)
            out.append(" ".join(fact(rng, term, terms) for _ in range(rng.randint(*sentences))))
        return title, out


def markdown_lecture(sections: int, per_page: int, seed: int) -> str:
    """``sections`` headed sections, ``per_page`` of them on each page (a form feed ends a page)."""
    lecture = Lecture(seed)
    out: list[str] = []
    for s in range(sections):
        if s and s % per_page == 0:
            out.append("\f")
        title, paragraphs = lecture.section((2, 3), (3, 4))
        out.append(f"# {s + 1}. {title}\n")
        out.extend(p + "\n" for p in paragraphs)
    return "\n".join(out)


PAGE_TOP, PAGE_BOTTOM, LEFT = 60.0, 790.0, 60.0
BODY_PT, HEADING_PT, LINE_GAP, WRAP_CHARS = 11.0, 16.0, 17.0, 86


def pdf_lecture(path: Path, pages: int, seed: int) -> Path:
    """A lecture PDF: a 16pt section heading (and outline entry) every ~2 pages, 11pt wrapped paragraphs."""
    lecture = Lecture(seed)
    doc = pymupdf.open()
    toc: list[list[Any]] = []
    queue: list[str] = []  # paragraphs of the current section not yet placed
    for number in range(1, pages + 1):
        page = doc.new_page()
        y = PAGE_TOP
        while True:
            if not queue:
                if y > PAGE_BOTTOM - 120:
                    break
                title, queue = lecture.section((4, 7), (3, 5))
                title = f"{len(toc) + 1}. {title}"
                page.insert_text((LEFT, y + 10), title, fontsize=HEADING_PT)
                toc.append([1, title, number])
                y += 36
            lines = textwrap.wrap(queue[0], WRAP_CHARS)
            room = int((PAGE_BOTTOM - y) // LINE_GAP)
            if room < 2:
                break
            if len(lines) > room:  # the rest of the paragraph goes on the next page, cut at a sentence end
                placed = ""
                for sentence in re.split(r"(?<=[.?!]) ", queue[0]):
                    longer = f"{placed} {sentence}".strip()
                    if len(textwrap.wrap(longer, WRAP_CHARS)) > room:
                        break
                    placed = longer
                if not placed:
                    break
                queue[0] = queue[0][len(placed) :].strip()
                lines = textwrap.wrap(placed, WRAP_CHARS)
            else:
                queue.pop(0)
            page.insert_text((LEFT, y), "\n".join(lines), fontsize=BODY_PT, lineheight=LINE_GAP / BODY_PT)
            y += LINE_GAP * len(lines) + 8
    doc.set_toc(toc)
    doc.save(path, garbage=1, deflate=True)
    doc.close()
    return path


# -- the fake model --------------------------------------------------------------------------------------------

_PAGE = re.compile(r"^\[page (\d+)\]\n(.*?)(?=\n\n\[page \d+\]\n|\Z)", re.S | re.M)
_COUNT = re.compile(r"Write up to (\d+) flashcards")
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z])")
_DEFINITION = re.compile(r"^(?:An?|The) (?P<term>[\w -]+?) is (?P<rest>an? .+)\.$")
_HOLDS = re.compile(r"^On a typical machine, an? (?P<term>[\w -]+?) holds about (?P<k>\d+) (?P<unit>\w+)\.$")
_BY = re.compile(r"^The (?P<term>[\w -]+?) was first described by (?P<who>\w+) in (?P<year>\d{4})\.$")
_VERBS = frozenset(VERBS)


def card_of(sentence: str) -> tuple[str, str] | None:
    """A basic card (front, back) a model could make from one sentence, or None."""
    if m := _DEFINITION.match(sentence):
        return f"What is {m['rest']}?", m["term"]
    if m := _HOLDS.match(sentence):
        return f"About how many {m['unit']} does a {m['term']} hold on a typical machine?", m["k"]
    if m := _BY.match(sentence):
        return f"In which year did {m['who']} first describe the {m['term']}?", m["year"]
    words = sentence.rstrip(".").split()
    if words and words[0] == "The":
        for i, word in enumerate(words[1:5], start=1):
            if word in _VERBS and i >= 2:
                return f"What {' '.join(words[i:])}?", " ".join(words[1:i])
    return None


def cards_from_prompt(body: dict[str, Any]) -> str:
    """Reads the pages in the prompt and answers up to the requested number of cards, spread over the part."""
    prompt = str(body["messages"][-1]["content"])
    wanted = int(m[1]) if (m := _COUNT.search(prompt)) else 5
    found: list[dict[str, Any]] = []
    for page, text in _PAGE.findall(prompt):
        for sentence in _SENTENCE_END.split(" ".join(text.split())):
            if (card := card_of(sentence)) is not None:
                front, back = card
                found.append({"kind": "basic", "front": front, "back": back, "quote": sentence, "page": int(page)})
    step = max(len(found) / wanted, 1.0)
    picked = [found[int(i * step)] for i in range(min(wanted, len(found)))]
    return json.dumps({"cards": picked})


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Scope]]
Send = Callable[[Scope], Awaitable[None]]


class ServerClock:
    """ASGI middleware adding up the time the fake server spends on each request, first byte in to last out."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app
        self.seconds = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            if scope.get("type") == "http":
                self.seconds += time.perf_counter() - start


def start_fake() -> tuple[FakeLLM, ServerClock]:
    fake = FakeLLM()
    clock = ServerClock(fake.app)
    fake.server.config.app = clock  # uvicorn loads its app when the server starts
    fake.start()
    fake.script.default = Reply(text=cards_from_prompt)
    return fake, clock


# -- runs ------------------------------------------------------------------------------------------------------


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fresh(home: Path, notes: Path) -> Aksio:
    app = Aksio.open(home, FixedClock(NOW), tz=UTC)
    app.add_course(COURSE)
    report = app.import_paths([notes], COURSE)
    if not report.imported:
        raise RuntimeError(f"import of {notes} failed: {report.failed or report.skipped}")
    return app


def base_url(fake: FakeLLM, provider: str) -> str:
    return fake.url if provider == "ollama" else f"{fake.url}/v1"


def model_run(
    home: Path, notes: Path, fake: FakeLLM, clock: ServerClock, provider: str, concurrency: int
) -> dict[str, Any]:
    """One `generate` of cards through the fake model in a fresh home, then the same command again (resumed)."""
    with fresh(home, notes) as app:
        app.settings.llm.base_url = base_url(fake, provider)
        app.settings.llm.max_retries = 0
        app.settings.llm.timeout = 60
        calls_before, server_before = len(fake.script.chat_requests()), clock.seconds
        start = time.perf_counter()
        report = app.generate("cards", COURSE, provider=provider, model="fake", concurrency=concurrency)
        seconds = time.perf_counter() - start
        server = clock.seconds - server_before
        bodies = [r.body for r in fake.script.chat_requests()[calls_before:]]
        start = time.perf_counter()
        again = app.generate("cards", COURSE, provider=provider, model="fake", concurrency=concurrency)
        rerun = time.perf_counter() - start
        if report.parts_failed or report.kept == 0 or again.parts_done:
            raise RuntimeError(f"unexpected generation result: {report!r} / rerun {again!r}")
        return {
            "parts": report.parts,
            "calls": len(bodies),
            "kept": report.kept,
            "rejected": report.rejected,
            "prompt_tokens": report.prompt_tokens,
            "completion_tokens": report.completion_tokens,
            "seconds": seconds,
            "server_s": server,
            "resume_rerun_s": rerun,
            "rerun_parts_resumed": again.parts_resumed,
            "bodies": bodies,
        }


def bare_client_seconds(fake: FakeLLM, provider: str, bodies: list[dict[str, Any]]) -> float:
    """The recorded requests sent again through the bare client, answers read, nothing else: the floor."""
    import ollama
    import openai

    start = time.perf_counter()
    if provider == "ollama":
        oc = ollama.Client(host=fake.url)
        for b in bodies:
            if b.get("stream", True):
                text = "".join(part.message.content or "" for part in oc.chat(**_ollama_args(b), stream=True))
            else:
                text = oc.chat(**_ollama_args(b), stream=False).message.content or ""
            json.loads(text)
    else:
        ai = openai.OpenAI(base_url=f"{fake.url}/v1", api_key="none", max_retries=0)
        for b in bodies:
            args = {k: v for k, v in b.items() if k not in ("stream", "stream_options")}
            if b.get("stream"):
                stream = ai.chat.completions.create(**args, stream=True, stream_options=b.get("stream_options"))
                text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
            else:
                text = ai.chat.completions.create(**args).choices[0].message.content or ""
            json.loads(text)
    return time.perf_counter() - start


def _ollama_args(body: dict[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in ("model", "messages", "format", "options", "keep_alive") if k in body}


def overhead(workdir: Path, notes: Path, fake: FakeLLM, clock: ServerClock, repeat: int) -> dict[str, Any]:
    """Wall time minus the server's time, per kept card, with the server answering at once (concurrency 1)."""
    fake.script.latency = 0.0
    out: dict[str, Any] = {}
    for provider in ("ollama", "openai"):
        model_run(workdir / f"warm-{provider}", notes, fake, clock, provider, 1)  # imports, first connection
        runs = [model_run(workdir / f"{provider}-{k}", notes, fake, clock, provider, 1) for k in range(repeat)]
        best = min(runs, key=lambda r: r["seconds"] - r["server_s"])
        bare = min(bare_client_seconds(fake, provider, best["bodies"]) for _ in range(repeat))
        kept = best["kept"]
        result = {k: v for k, v in best.items() if k != "bodies"}
        result.update(
            {
                "seconds": round(best["seconds"], 4),
                "server_s": round(best["server_s"], 4),
                "resume_rerun_s": round(best["resume_rerun_s"], 4),
                "bare_client_s": round(bare, 4),
                "overhead_ms_per_card": round((best["seconds"] - best["server_s"]) * 1000 / kept, 3),
                "overhead_beyond_bare_client_ms_per_card": round((best["seconds"] - bare) * 1000 / kept, 3),
                "overhead_ms_per_card_all_runs": [round((r["seconds"] - r["server_s"]) * 1000 / kept, 3) for r in runs],
                "ratio_to_bare_client": round(best["seconds"] / bare, 2) if bare else None,
                "kept_share": round(kept / max(kept + sum(best["rejected"].values()), 1), 3),
            }
        )
        out[provider] = result
        log(
            f"  {provider}: {kept} cards in {best['seconds']:.3f} s (server {best['server_s']:.3f} s, bare client "
            f"{bare:.3f} s): {result['overhead_ms_per_card']} ms per card; rerun {best['resume_rerun_s']:.3f} s"
        )
    return out


def scaling(workdir: Path, notes: Path, fake: FakeLLM, clock: ServerClock, levels: list[int]) -> dict[str, Any]:
    fake.script.latency = SCALING_LATENCY_S
    out: dict[str, Any] = {"latency_s": SCALING_LATENCY_S}
    try:
        for k in levels:
            with fake.script.lock:
                fake.script.max_in_flight = 0
            run = model_run(workdir / f"scale-{k}", notes, fake, clock, "ollama", k)
            ideal = -(-run["calls"] // k) * SCALING_LATENCY_S
            out[f"k{k}"] = {
                "seconds": round(run["seconds"], 3),
                "parts": run["parts"],
                "calls": run["calls"],
                "kept": run["kept"],
                "max_in_flight": fake.script.max_in_flight,
                "ideal_s": round(ideal, 3),
                "efficiency": round(ideal / run["seconds"], 3),
            }
            log(f"  K={k}: {run['seconds']:.3f} s for {run['calls']} calls (ideal {ideal:.1f} s)")
    finally:
        fake.script.latency = 0.0
    for k in levels[1:]:
        out[f"speedup_k{k}"] = round(out["k1"]["seconds"] / out[f"k{k}"]["seconds"], 2)
    return out


def page_texts(app: Aksio, document_id: str) -> dict[int, str]:
    pages: dict[int, list[str]] = {}
    rows = app.db.conn.execute("SELECT page, text FROM chunk WHERE document_id = ? ORDER BY page, ord", (document_id,))
    for page, text in rows:
        pages.setdefault(page, []).append(text)
    return {page: "\n".join(texts) for page, texts in pages.items()}


def grounding(app: Aksio, report: GenerationReport) -> tuple[int, list[dict[str, Any]]]:
    """How many kept items quote their cited page, and a few that do not."""
    texts: dict[str, dict[int, str]] = {}
    good, bad = 0, []
    for item in report.items:
        if item.document_id not in texts:
            texts[item.document_id] = page_texts(app, item.document_id)
        if quote_on_page(item.quote, texts[item.document_id].get(item.page, "")):
            good += 1
        elif len(bad) < 5:
            bad.append({"page": item.page, "quote": item.quote, "front": item.front})
    return good, bad


def offline(workdir: Path, pdf: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with fresh(workdir / "offline", pdf) as app:
        out["pages"] = app.db.conn.execute("SELECT sum(page_count) FROM document").fetchone()[0]
        out["sections"] = app.db.conn.execute("SELECT count(*) FROM section").fetchone()[0]
        for what in ("cards", "questions"):
            start = time.perf_counter()
            report = app.generate(what, COURSE)  # type: ignore[arg-type]
            seconds = time.perf_counter() - start
            good, bad = grounding(app, report)
            kinds: dict[str, int] = {}
            for item in report.items:
                kinds[item.kind] = kinds.get(item.kind, 0) + 1
            considered = report.kept + sum(report.rejected.values())
            out[what] = {
                "parts": report.parts,
                "kept": report.kept,
                "kinds": kinds,
                "rejected": report.rejected,
                "seconds": round(seconds, 3),
                "items_per_s": round(report.kept / seconds, 1),
                "candidates_per_s": round(considered / seconds, 1),
                "pages_per_s": round(out["pages"] / seconds, 1),
                "quote_on_cited_page": round(good / max(report.kept, 1), 4),
                "quote_not_on_page_examples": bad,
            }
            log(f"  {what}: {report.kept} kept in {seconds:.2f} s, {good}/{report.kept} quotes on their page")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", type=int, default=40, help="sections of the lecture sent to the fake model")
    parser.add_argument("--pages", type=int, default=200, help="pages of the offline course's PDF")
    parser.add_argument("--repeat", type=int, default=3, help="overhead runs per provider (the best counts)")
    parser.add_argument("--quick", action="store_true", help="16 sections, 40 pages, one run per provider")
    args = parser.parse_args()
    if args.quick:
        args.sections, args.pages, args.repeat = 16, 40, 1
    started = time.perf_counter()
    result: dict[str, Any] = {
        "machine": machine("pymupdf", "rapidfuzz", "ollama", "openai"),
        "params": {"sections": args.sections, "pages": args.pages, "repeat": args.repeat, "seed": SEED},
    }
    fake, clock = start_fake()
    try:
        with tempfile.TemporaryDirectory(prefix="aksio-generate-bench-") as tmp:
            workdir = Path(tmp)
            notes = workdir / "lecture.md"
            notes.write_text(markdown_lecture(args.sections, 3, SEED), encoding="utf-8")
            log(f"1. overhead: {args.sections} sections, the model answering at once")
            result["overhead"] = overhead(workdir, notes, fake, clock, args.repeat)
            log(f"2. concurrency: {SCALING_PARTS} parts, {SCALING_LATENCY_S * 1000:.0f} ms per call")
            small = workdir / "sixteen.md"
            small.write_text(markdown_lecture(SCALING_PARTS, 3, SEED + 1), encoding="utf-8")
            result["concurrency"] = scaling(workdir, small, fake, clock, [1, 4, 8])
            log(f"3. offline: a {args.pages}-page PDF")
            pdf = pdf_lecture(workdir / "lecture.pdf", args.pages, SEED + 2)
            result["offline"] = offline(workdir, pdf)
    finally:
        fake.stop()
    worst = max(r["overhead_ms_per_card"] for r in result["overhead"].values())
    result["goals"] = {
        f"overhead<{GOALS['overhead_ms_per_card']:g}ms_per_card": worst < GOALS["overhead_ms_per_card"],
        f"speedup_k4>={GOALS['speedup_k4']:g}": result["concurrency"]["speedup_k4"] >= GOALS["speedup_k4"],
        "offline_quotes_on_page_100%": all(
            result["offline"][w]["quote_on_cited_page"] >= GOALS["quotes_on_page"] for w in ("cards", "questions")
        ),
    }
    result["total_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
