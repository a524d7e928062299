"""Merging between devices: ``changes_since`` on the sending home and ``apply_changes`` on the receiving one.

    .venv/bin/python bench/sync.py [--cards 100000] [--per-card 10] [--rounds 30] [--quick]

A home A gets ``--cards`` cards (basic notes, two courses) and ``--per-card`` reviews each (written through the
Writer, stamped and logged, then replayed), and a home B, empty, takes all of it: the first transfer, in batches
of 50k rows from A's log. Then ``--rounds`` times, A makes 100 mixed changes (40 answers, 15 note edits, 10 tags
added or removed, 10 suspends or flags, 10 buries, 10 new cards, 5 card deletes) and B merges them: the batch read,
its trip through the wire format (``aksio_sync.wire``: encoded and decoded, and its size) and its merge are timed
apart. Anchors, measured in the same run: the 100 changes made on A (the same rows written by their own actions),
and one answer. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aksio.clock import FixedClock, iso
from aksio.service import Aksio
from aksio_sync import wire

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
COURSES = ("Anatomy", "Biochemistry")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def build(home: Path, cards: int, per_card: int, seed: int) -> Aksio:
    rng = random.Random(seed)
    app = Aksio.open(home, FixedClock(NOW), tz=UTC)
    for course in COURSES:
        path = home.parent / f"{course}.csv"
        path.write_text("".join(f"{course} question {i},answer {i}\n" for i in range(cards // 2)), encoding="utf-8")
        app.add_course(course)
        app.import_cards(path, course)
    ids = [r[0] for r in app.db.query("SELECT id FROM card ORDER BY rowid")]
    with app.db.write() as w:
        batch: list[dict[str, Any]] = []
        for card_id in ids:
            at = NOW - timedelta(days=400)
            for _ in range(per_card):
                at += timedelta(days=rng.uniform(1, 30))
                review = {"card_id": card_id, "rating": rng.choice((1, 3, 3, 3, 3, 4)), "reviewed_at": iso(at)}
                batch.append({**review, "duration_ms": 6000, "device_id": "x"})
            if len(batch) >= 100_000:
                w.insert_many("review", batch)
                batch = []
        w.insert_many("review", batch)
    app.rebuild_states()
    return app


def first_transfer(a: Aksio, b: Aksio) -> dict[str, Any]:
    out_s = in_s = wire_s = 0.0
    cursor, rows, size = 0, 0, 0
    while True:
        t = time.perf_counter()
        batch, cursor = a.changes_since(cursor, limit=50_000)
        out_s += time.perf_counter() - t
        if not batch.size:
            break
        rows += batch.size
        t = time.perf_counter()
        data = wire.encode(batch)
        batch = wire.decode(data, "bench")
        wire_s += time.perf_counter() - t
        size += len(data)
        t = time.perf_counter()
        b.apply_changes(batch)
        in_s += time.perf_counter() - t
    return {
        "rows": rows,
        "changes_since_s": round(out_s, 2),
        "apply_changes_s": round(in_s, 2),
        "wire_encode_decode_s": round(wire_s, 2),
        "wire_mb": round(size / 1e6, 1),
        "cursor": cursor,
    }


def mixed_changes(app: Aksio, rng: random.Random, n: int) -> float:
    """Make ``n`` mixed changes on ``app`` (100: the mix in the module's docstring); seconds they took."""
    ids = [r[0] for r in app.db.query("SELECT id FROM card WHERE deleted = 0 AND suspended = 0 ORDER BY id")]
    picked = rng.sample(ids, n)
    plan = ["answer"] * 40 + ["edit"] * 15 + ["tag"] * 10 + ["suspend"] * 5 + ["flag"] * 5 + ["bury"] * 10
    plan += ["add"] * 10 + ["delete"] * 5
    t = time.perf_counter()
    for card, what in zip(picked, plan[:n], strict=True):
        if what == "answer":
            app.answer(card, rng.choice((1, 3, 3, 4)))
        elif what == "edit":
            app.edit_card(card, back=f"edited {rng.random()}")
        elif what == "tag":
            app.edit_card(card, add_tags=["exam"]) if rng.random() < 0.7 else app.edit_card(card, remove_tags=["exam"])
        elif what == "suspend":
            app.suspend(card)
        elif what == "flag":
            app.flag(card, rng.randint(1, 7))
        elif what == "bury":
            app.bury(card)
        elif what == "add":
            app.add_card(COURSES[0], f"new question {rng.random()}", "new answer")
        else:
            app.delete_card(card)
    return time.perf_counter() - t


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p90_ms": round(ordered[int(len(ordered) * 0.9)] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--per-card", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="10k cards, 10 rounds")
    args = parser.parse_args()
    if args.quick:
        args.cards, args.rounds = 10_000, 10
    rng = random.Random(7)
    result: dict[str, Any] = {"python": platform.python_version(), "cards": args.cards}
    with tempfile.TemporaryDirectory(prefix="aksio-sync-bench-") as tmp:
        t = time.perf_counter()
        a = build(Path(tmp) / "a" / "home", args.cards, args.per_card, seed=1)
        log(f"A built in {time.perf_counter() - t:.1f} s")
        b = Aksio.open(Path(tmp) / "b" / "home", FixedClock(NOW + timedelta(seconds=1)), tz=UTC)
        reviews = a.db.query_one("SELECT count(*) FROM review")
        assert reviews is not None
        result["reviews"] = reviews[0]
        result["first_transfer"] = first_transfer(a, b)
        log(f"first transfer: {result['first_transfer']}")
        cursor = result["first_transfer"]["cursor"]
        made, read, merged, rows, carried, sizes = [], [], [], [], [], []
        for _ in range(args.rounds):
            for home in (a, b):
                home.clock.advance(timedelta(minutes=30))  # type: ignore[attr-defined]
            made.append(mixed_changes(a, rng, 100))
            t = time.perf_counter()
            batch, cursor = a.changes_since(cursor)
            read.append(time.perf_counter() - t)
            t = time.perf_counter()
            data = wire.encode(batch)
            batch = wire.decode(data, "bench")
            carried.append(time.perf_counter() - t)
            sizes.append(len(data))
            t = time.perf_counter()
            b.apply_changes(batch)
            merged.append(time.perf_counter() - t)
            rows.append(batch.size)
        answer = []
        for _ in range(200):
            card = a.next_card()
            assert card is not None
            t = time.perf_counter()
            a.answer(card.id, "good")
            answer.append(time.perf_counter() - t)
        result["hundred_changes"] = {
            "rows_per_batch": round(statistics.mean(rows), 1),
            "changes_since": stats(read),
            "apply_changes": stats(merged),
            "wire_encode_decode": stats(carried),
            "wire_bytes": round(statistics.mean(sizes)),
            "anchor_making_them": stats(made),
            "anchor_one_answer": stats(answer),
            "apply_over_making": round(statistics.median(merged) / statistics.median(made), 3),
        }
        a.close()
        b.close()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
