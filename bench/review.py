"""Cards and reviews against Anki, in one run: bulk add, next card and answer latency on a big collection,
optimizer time.

    .venv/bin/python bench/review.py [--cards 100000] [--reviews-per-card 10] [--quick]

Needs the `anki` package (`pip install -e '.[bench]'`). Prints one JSON document on stdout; progress on stderr.
Both collections get the same cards and the same synthetic review history (ratings and times); Aksio's
states come from replaying that history (`rebuild_states`), and Anki's cards are put on the same due days.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from anki.collection import AddNoteRequest, Collection
from anki.scheduler.v3 import CardAnswer

from aksio.clock import FixedClock, iso
from aksio.service import Aksio
from aksio.srs.optimizer import fit

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PARENT = "Bench"
DECKS = ("Bench::Alpha", "Bench::Beta")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 4),
        "p99_ms": round(ordered[max(int(len(ordered) * 0.99) - 1, 0)] * 1000, 4),
    }


def ratio(ours: float, anchor: float) -> float:
    return round(ours / anchor, 3) if anchor else float("inf")


def write_csv(path: Path, n: int, prefix: str) -> Path:
    path.write_text("".join(f"{prefix} question {i},answer {i}\n" for i in range(n)), encoding="utf-8")
    return path


def new_anki(path: Path) -> Collection:
    col = Collection(str(path))
    col.set_config("fsrs", True)
    return col


def anki_requests(col: Collection, deck: str, n: int, prefix: str) -> list[AddNoteRequest]:
    deck_id = col.decks.id(deck)
    assert deck_id is not None
    model = col.models.by_name("Basic")
    assert model is not None
    requests = []
    for i in range(n):
        note = col.new_note(model)
        note["Front"] = f"{prefix} question {i}"
        note["Back"] = f"answer {i}"
        requests.append(AddNoteRequest(note=note, deck_id=deck_id))
    return requests


def anki_add(col: Collection, deck: str, n: int, prefix: str) -> list[int]:
    col.add_notes(anki_requests(col, deck, n, prefix))
    return list(col.find_cards(f'"deck:{deck}"', order="c.id"))


def bulk_add(workdir: Path, n: int = 10_000, repeat: int = 3) -> dict[str, Any]:
    ours, theirs = [], []
    for k in range(repeat):
        home = workdir / f"bulk-aksio-{k}"
        with Aksio.open(home, FixedClock(NOW), tz=UTC) as app:
            app.add_course("Bulk")
            csv = write_csv(workdir / f"bulk{k}.csv", n, "bulk")
            t = time.perf_counter()
            app.import_cards(csv, "Bulk")
            ours.append(time.perf_counter() - t)
        col = new_anki(workdir / f"bulk-{k}.anki2")
        t = time.perf_counter()
        col.add_notes(anki_requests(col, "Bulk", n, "bulk"))
        theirs.append(time.perf_counter() - t)
        col.close()
    return {
        "cards": n,
        "aksio_s": round(min(ours), 4),
        "anki_s": round(min(theirs), 4),
        "ratio": ratio(min(ours), min(theirs)),
    }


def history(rng: random.Random, per_card: int) -> list[tuple[int, datetime]]:
    """A plausible review history ending in the past two months: growing gaps, mostly 'good', some lapses."""
    end = NOW - timedelta(days=rng.uniform(0.5, 60))
    gaps = [rng.uniform(0.5, 2) * (1.7**i) for i in range(per_card - 1)]
    at = end - timedelta(days=sum(gaps))
    out = [(rng.choice([1, 3, 3, 3, 4]), at)]
    for gap in gaps:
        at += timedelta(days=gap)
        out.append((1 if rng.random() < 0.1 else rng.choice([2, 3, 3, 3, 3, 4]), at))
    return out


def big_collection(workdir: Path, cards: int, per_card: int) -> tuple[Aksio, Collection, dict[str, Any]]:
    rng = random.Random(42)
    app = Aksio.open(workdir / "big-aksio", FixedClock(NOW), tz=UTC)
    app.settings.study.new_per_day = 0  # both sides study only the reviews due
    col = new_anki(workdir / "big.anki2")
    info: dict[str, Any] = {"cards": cards}
    ids: dict[str, list[str]] = {}
    anki_ids: dict[str, list[int]] = {}
    for deck in DECKS:
        app.add_course(deck)
        app.import_cards(write_csv(workdir / f"{deck}.csv", cards // len(DECKS), deck), deck)
        ids[deck] = [
            c[0] for c in app.db.query("SELECT id FROM card WHERE course_id = ? ORDER BY rowid", (app.course(deck).id,))
        ]
        anki_ids[deck] = anki_add(col, deck, cards // len(DECKS), deck)
        log(f"{deck}: {len(ids[deck])} cards in each")
    histories = {cid: history(rng, per_card) for deck in DECKS for cid in ids[deck]}
    t = time.perf_counter()
    with app.db.write() as w:
        rows = [
            {"card_id": cid, "rating": r, "reviewed_at": iso(at), "duration_ms": 8000, "device_id": app.db.device}
            for cid, reviews in histories.items()
            for r, at in reviews
        ]
        for start in range(0, len(rows), 100_000):
            w.insert_many("review", rows[start : start + 100_000])
    info["reviews"] = len(rows)
    info["aksio_load_reviews_s"] = round(time.perf_counter() - t, 2)
    log(f"{len(rows)} reviews loaded into Aksio")
    t = time.perf_counter()
    app.rebuild_states()
    info["aksio_rebuild_states_from_log_s"] = round(time.perf_counter() - t, 2)
    log("Aksio states rebuilt from the log")
    # Anki: the same history in revlog, and each card on the same due day as in Aksio
    today = col.sched.today
    day_end = int(app.study_day(NOW).end.timestamp())
    revlog, updates = [], []
    base_ms = int((NOW - timedelta(days=3000)).timestamp() * 1000)
    n = 0
    for deck in DECKS:
        for cid, aid in zip(ids[deck], anki_ids[deck], strict=True):
            for rating, _at in histories[cid]:
                n += 1
                revlog.append((base_ms + n, aid, -1, rating, 1, 0, 0, 8000, 1))
            st = app.db.query_one(
                "SELECT due, stability, difficulty, last_review FROM card_state WHERE card_id = ?", (cid,)
            )
            assert st is not None
            # the same study day as Aksio's: due by the end of today means due today in Anki too
            due_day = today + max(0, -(-(st[0] - day_end) // 86400))
            ivl = max(int((st[0] - st[3]) / 86400), 1)
            data = json.dumps({"s": round(st[1], 4), "d": round(st[2], 4), "dr": 0.9})
            updates.append((due_day, ivl, data, aid))
    col.db.executemany("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", revlog)
    col.db.executemany("UPDATE cards SET type = 2, queue = 2, due = ?, ivl = ?, data = ? WHERE id = ?", updates)
    for deck in DECKS:
        deck_id = col.decks.id(deck)
        assert deck_id is not None
        conf = col.decks.config_dict_for_deck_id(deck_id)
        conf["new"]["perDay"] = 0
        conf["rev"]["perDay"] = 9999  # Anki caps its daily review limit at 9999
        col.decks.update_config(conf)
    due = app.due().counts
    info["due_today"] = {
        "aksio": due.review + due.learning,
        "anki": col.db.scalar("SELECT count() FROM cards WHERE queue = 2 AND due <= ?", today),
    }
    log(f"due today: {info['due_today']}")
    return app, col, info


def study_loop(
    next_card: Callable[[], Any], answer: Callable[[Any], None], iterations: int
) -> tuple[list[float], list[float]]:
    nexts, answers = [], []
    for _ in range(iterations):
        t = time.perf_counter()
        card = next_card()
        nexts.append(time.perf_counter() - t)
        if card is None:
            break
        t = time.perf_counter()
        answer(card)
        answers.append(time.perf_counter() - t)
    return nexts, answers


def latency(app: Aksio, col: Collection, iterations: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for scope in ("global", "per_course"):
        course = DECKS[0] if scope == "per_course" else None
        # Anki studies the selected deck and its children: the parent is the whole collection here
        col.decks.select(col.decks.id(course or PARENT) or 0)

        def aksio_next(course: str | None = course) -> Any:
            return app.next_card(course)

        def aksio_answer(card: Any) -> None:
            app.answer(card.id, "good")

        def anki_next() -> Any:
            queued = col.sched.get_queued_cards(fetch_limit=1)
            return queued.cards[0] if queued.cards else None

        def anki_answer(queued: Any) -> None:
            card = col.get_card(queued.card.id)
            card.start_timer()
            col.sched.answer_card(col.sched.build_answer(card=card, states=queued.states, rating=CardAnswer.GOOD))

        a_next, a_answer = study_loop(aksio_next, aksio_answer, iterations)
        k_next, k_answer = study_loop(anki_next, anki_answer, iterations)
        out[scope] = {
            "next_card": {"aksio": stats(a_next), "anki": stats(k_next)},
            "answer": {"aksio": stats(a_answer), "anki": stats(k_answer)},
            "studied": {"aksio": len(a_answer), "anki": len(k_answer)},
        }
        for what in ("next_card", "answer"):
            block = out[scope][what]
            block["ratio_median"] = ratio(block["aksio"]["median_ms"], block["anki"]["median_ms"])
            block["ratio_p99"] = ratio(block["aksio"]["p99_ms"], block["anki"]["p99_ms"])
        log(f"{scope}: {out[scope]['next_card']['ratio_median']}x next, {out[scope]['answer']['ratio_median']}x answer")
    return out


def optimizer(workdir: Path, n_reviews: int) -> dict[str, Any]:
    rng = random.Random(7)
    per_card = 10
    n_cards = n_reviews // per_card
    logs = {f"c{i}": history(rng, per_card) for i in range(n_cards)}
    flat = [(cid, r, at) for cid, reviews in logs.items() for r, at in reviews]
    t = time.perf_counter()
    result = fit(flat)
    ours = time.perf_counter() - t
    col = new_anki(workdir / "opt.anki2")
    anki_ids = anki_add(col, "Opt", n_cards, "opt")
    rows = []
    for n, (aid, reviews) in enumerate(zip(anki_ids, logs.values(), strict=True)):
        for k, (rating, at) in enumerate(reviews):
            rows.append((int(at.timestamp() * 1000) * 100 + n * per_card + k, aid, -1, rating, 1, 0, 0, 8000, 1))
    col.db.executemany("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    t = time.perf_counter()
    response = col._backend.compute_fsrs_params(
        search='"deck:Opt"',
        current_params=[],
        ignore_revlogs_before_ms=0,
        num_of_relearning_steps=1,
        health_check=False,
    )
    theirs = time.perf_counter() - t
    col.close()
    return {
        "reviews": len(flat),
        "aksio_s": round(ours, 3),
        "anki_s": round(theirs, 3),
        "ratio": ratio(ours, theirs),
        "aksio_log_loss": {"default": round(result.log_loss_default, 4), "fitted": round(result.log_loss_fitted, 4)},
        "anki_params_len": len(response.params),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews-per-card", type=int, default=10)
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="10k cards, 100k reviews")
    args = parser.parse_args()
    if args.quick:
        args.cards = 10_000
    workdir = Path(tempfile.mkdtemp(prefix="aksio-review-bench-"))
    try:
        result: dict[str, Any] = {}
        log("bulk add")
        result["bulk_add"] = bulk_add(workdir)
        log("optimizer")
        result["optimizer"] = optimizer(workdir, 100_000)
        log("big collection")
        app, col, info = big_collection(workdir, args.cards, args.reviews_per_card)
        result["collection"] = info
        result["latency"] = latency(app, col, args.iterations)
        app.close()
        col.close()
        lat = result["latency"]
        result["goals"] = {
            "next_card<=1.0x_anki": all(lat[s]["next_card"]["ratio_median"] <= 1.0 for s in lat),
            "answer<=1.5x_anki": all(lat[s]["answer"]["ratio_median"] <= 1.5 for s in lat),
            "bulk_add<=1.0x_anki": result["bulk_add"]["ratio"] <= 1.0,
            "optimizer<2s": result["optimizer"]["aksio_s"] < 2,
        }
        print(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
