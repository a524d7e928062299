"""Undo beside the answer it takes back, at 100k reviews (110k change-log entries).

    .venv/bin/python bench/undo.py [--cards 10000] [--reviews 100000] [--loops 400]

A home of ``--cards`` cards whose log holds ``--reviews`` reviews (written as a merge would, then replayed), then
rounds of 20 answers to random cards followed by 20 undos. Anchor, measured in the same run: the answers.
Prints one JSON document (medians and p99 in microseconds, and undo's median over answer's).
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

from aksio.clock import FixedClock, iso
from aksio.service import Aksio

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _home(path: Path, cards: int, reviews: int, clock: FixedClock) -> Aksio:
    app = Aksio.open(path, clock, tz=UTC)
    app.add_course("Bench")
    table = path / "cards.csv"
    table.write_text("".join(f"question {i},answer {i}\n" for i in range(cards)), encoding="utf-8")
    app.import_cards(table, "Bench")
    ids = [r[0] for r in app.db.query("SELECT id FROM card")]
    rng = random.Random(1)
    rows = []
    for card_id in ids:
        at = T0
        for _ in range(reviews // cards):
            at += timedelta(days=rng.randint(1, 30))
            rating = rng.choice([2, 3, 3, 4])
            rows.append({"card_id": card_id, "rating": rating, "reviewed_at": iso(at), "device_id": "bench"})
    with app.db.write() as w:
        for start in range(0, len(rows), 10_000):
            w.insert_many("review", rows[start : start + 10_000])
    app.rebuild_states()
    return app


def _us(values: list[float], share: float) -> int:
    return round(sorted(values)[min(int(len(values) * share), len(values) - 1)] * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--loops", type=int, default=400)
    args = parser.parse_args()
    clock = FixedClock(T0 + timedelta(days=400))
    with tempfile.TemporaryDirectory() as tmp, _home(Path(tmp) / "home", args.cards, args.reviews, clock) as app:
        ids = [r[0] for r in app.db.query("SELECT id FROM card")]
        log = app.db.query_one("SELECT count(*) FROM change_log")[0]  # type: ignore[index]
        rng = random.Random(2)
        answers: list[float] = []
        undos: list[float] = []
        for _ in range(max(args.loops // 20, 1)):
            batch = rng.sample(ids, 20)
            for card_id in batch:
                start = time.perf_counter()
                app.answer(card_id, 3)
                answers.append(time.perf_counter() - start)
            for _ in batch:
                start = time.perf_counter()
                app.undo()
                undos.append(time.perf_counter() - start)
            clock.advance(timedelta(seconds=1))
    report = {
        "python": platform.python_version(),
        "cards": args.cards,
        "reviews": args.reviews,
        "change_log": log,
        "answer_us": {"p50": _us(answers, 0.5), "p99": _us(answers, 0.99)},
        "undo_us": {"p50": _us(undos, 0.5), "p99": _us(undos, 0.99)},
        "undo_over_answer": round(statistics.median(undos) / statistics.median(answers), 2),
    }
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
