"""Cards and reviews against Anki, in one run: bulk add, a big collection's next-card and answer latency,
rebuilding memory states from the log, and optimizer time.

    .venv/bin/python bench/review.py [--cards 100000] [--reviews 1000000] [--iterations 1000] [--quick]
                                     [--profile]

Needs the `anki` package (`pip install -e '.[bench]'`). Prints one JSON document on stdout; progress on stderr.

Both sides get the same cards and the same seeded synthetic review history. Aksio loads it into `review`
through the Writer and replays it into `card_state` (`rebuild_states`); Anki gets it in `revlog` and computes
its memory states itself, the way its deck options do when FSRS is switched on (`update_deck_configs` with
`fsrs=True`). Each Anki card is put on the study day Aksio's replay gave it, so the same cards are due today
on both sides. Anki runs on the real clock: its timestamps are Aksio's shifted by whole days so that study
days line up. Anki reviews in retrievability order, the order Aksio uses. Next card and answer are timed
call by call, Aksio and Anki alternating, so that both see the same machine. Anki's optimizer has no public
Python wrapper: it is called as the deck options screen calls it (`_backend.compute_fsrs_params`).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import math
import os
import platform
import pstats
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

# first: importing anki.cards first is a circular import
from anki.collection import AddNoteRequest, Collection, ImportCsvRequest

# isort: split
from anki.cards import Card as AnkiCard
from anki.deck_config_pb2 import DeckConfig, UpdateDeckConfigsMode
from anki.decks import UpdateDeckConfigs
from anki.scheduler.v3 import CardAnswer

from aksio.clock import FixedClock, iso
from aksio.service import Aksio
from aksio.srs.optimizer import fit

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # Aksio's clock; Anki's "now" is the real one
PARENT = "Bench"
COURSES = ("Alpha", "Beta")  # Aksio's course names; Anki's decks are Bench::Alpha and Bench::Beta
DAY_S = 86_400
RELEARN_STEP_DAYS = 10 / (24 * 60)  # Aksio's and Anki's default (re)learning step: 10 minutes
OPTIMIZER_REVIEWS = 100_000
# issue 13's: no regression against Anki (answer median and p99, bulk add, states rebuilt from the log)
GOALS = {"next_card": 1.0, "answer": 1.0, "answer_p99": 1.0, "bulk_add": 1.0, "rebuild": 1.0, "optimizer_s": 2.0}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def deck_of(course: str) -> str:
    return f"{PARENT}::{course}"


def stats(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[max(math.ceil(len(ordered) * 0.99) - 1, 0)]
    return {"median_ms": round(statistics.median(ordered) * 1000, 4), "p99_ms": round(p99 * 1000, 4)}


def ratio(ours: float, anchor: float) -> float:
    return round(ours / anchor, 3) if anchor else math.inf


def compare(ours: Sequence[float], theirs: Sequence[float]) -> dict[str, Any]:
    a, k = stats(ours), stats(theirs)
    return {
        "aksio": a,
        "anki": k,
        "ratio_median": ratio(a["median_ms"], k["median_ms"]),
        "ratio_p99": ratio(a["p99_ms"], k["p99_ms"]),
    }


# -- the shared history ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class History:
    """One card's reviews, oldest first: ratings 1-4, unix times in ms, and each review's kind in Anki's
    revlog (0 learning, 1 review, 2 relearning)."""

    ratings: tuple[int, ...]
    times_ms: tuple[int, ...]
    kinds: tuple[int, ...]


def history(rng: random.Random, reviews: int) -> History:
    """One to two and a half years of reviews ending in the past two weeks: gaps growing ~2.1x, mostly good,
    6% of reviews again.

    An again is followed ten minutes later by its (re)learning step, answered good, as a real session would
    have it; the last review is never an again, so no card is left mid-step. With these numbers about 4% of
    the cards are due on the day after the history (a few thousand of 100k).
    """
    gaps = iter([rng.uniform(0.6, 1.4) * 2.1**i for i in range(reviews - 1)])
    at = 0.0  # days from the first review
    ratings: list[int] = []
    times: list[float] = []
    kinds: list[int] = []
    for k in range(reviews):
        if k and ratings[-1] == 1:
            at += RELEARN_STEP_DAYS
            rating, kind = 3, 0 if kinds[-1] == 0 else 2
        elif k:
            at += next(gaps)
            rating, kind = 1 if k < reviews - 1 and rng.random() < 0.06 else rng.choice((2, 3, 3, 3, 3, 3, 4)), 1
        else:
            rating, kind = rng.choice((1, 3, 3, 3, 4)), 0
        ratings.append(rating)
        times.append(at)
        kinds.append(kind)
    end = NOW - timedelta(days=rng.uniform(0.5, 14))
    start_ms = (end.timestamp() - times[-1] * DAY_S) * 1000
    return History(tuple(ratings), tuple(int(start_ms + t * DAY_S * 1000) for t in times), tuple(kinds))


def revlog_rows(cid: int, h: History, shift_ms: int, taken: set[int]) -> Iterator[tuple[int, ...]]:
    """Anki revlog rows (id, cid, usn, ease, ivl, lastIvl, factor, time, type) for one history.

    The id is the review's time in ms (unique: a clash moves it on by 1 ms). Anki's FSRS ignores a card whose
    history has no learning entry, hence the kinds. ``ivl`` is the gap to the next review: days, or negative
    seconds for a step.
    """
    last_ivl = 0
    for k, (rating, t, kind) in enumerate(zip(h.ratings, h.times_ms, h.kinds, strict=True)):
        rid = t + shift_ms
        while rid in taken:
            rid += 1
        taken.add(rid)
        gap_s = ((h.times_ms[k + 1] if k + 1 < len(h.times_ms) else t + DAY_S * 1000) - t) / 1000
        ivl = max(round(gap_s / DAY_S), 1) if gap_s >= DAY_S else -round(gap_s)
        yield (rid, cid, -1, rating, ivl, last_ivl, 2500, 8000, kind)
        last_ivl = ivl


def anki_shift_s(col: Collection, boundary: datetime) -> int:
    """Seconds to add to Aksio's times so that ``boundary`` falls on the end of Anki's (real) today."""
    return int(col.sched.day_cutoff) - int(boundary.timestamp())


# -- Anki helpers ---------------------------------------------------------------------------------------


def new_anki(path: Path, *, fsrs: bool = True) -> Collection:
    col = Collection(str(path))
    # a collection made today has today as day 0: move its creation back so that past reviews fall on days >= 0
    # (before anything reads the scheduler's timing, which the backend then caches)
    col.crt = col.crt - 4000 * DAY_S
    if fsrs:
        col.set_config("fsrs", True)  # the global FSRS switch (BoolKey::Fsrs), the key deck options set
    return col


def anki_requests(col: Collection, deck: str, fronts: Sequence[str], backs: Sequence[str]) -> list[AddNoteRequest]:
    deck_id = col.decks.id(deck)
    model = col.models.by_name("Basic")
    assert deck_id is not None and model is not None
    requests = []
    for front, back in zip(fronts, backs, strict=True):
        note = col.new_note(model)
        note["Front"] = front
        note["Back"] = back
        requests.append(AddNoteRequest(note=note, deck_id=deck_id))
    return requests


def anki_add(col: Collection, deck: str, fronts: Sequence[str], backs: Sequence[str]) -> list[int]:
    """Add the notes; their card ids in the order added (Anki's ids are increasing timestamps)."""
    col.add_notes(anki_requests(col, deck, fronts, backs))
    return list(col.find_cards(f'"deck:{deck}"', order="c.id"))


def load_revlog(col: Collection, revlog: Sequence[tuple[int, ...]], cards: Sequence[tuple[Any, ...]]) -> None:
    """Revlog rows and cards' (type, queue, due, ivl, left, reps, lapses, data, id), in one transaction."""

    def load() -> None:
        col.db.executemany("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", revlog)
        col.db.executemany(
            "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, left = ?, factor = 2500, reps = ?, lapses = ?, "
            "data = ? WHERE id = ?",
            cards,
        )

    col.db.transact(load)


def enable_fsrs(col: Collection) -> None:
    """Switch FSRS on for every deck as the deck options screen does; Anki then replays revlog into memory states.

    One preset for all: no new cards, Anki's maximum of 9999 reviews a day, reviews in retrievability order.
    """
    parent = col.decks.id(PARENT)
    assert parent is not None
    current = col.decks.get_deck_configs_for_update(parent)
    config = DeckConfig()
    config.CopyFrom(current.all_config[0].config)
    config.config.new_per_day = 0
    config.config.reviews_per_day = 9999
    config.config.review_order = DeckConfig.Config.REVIEW_CARD_ORDER_RETRIEVABILITY_ASCENDING
    col.decks.update_deck_configs(
        UpdateDeckConfigs(
            target_deck_id=parent,
            configs=[config],
            mode=UpdateDeckConfigsMode.UPDATE_DECK_CONFIGS_MODE_APPLY_TO_CHILDREN,
            limits=current.current_deck.limits,
            card_state_customizer=current.card_state_customizer,
            new_cards_ignore_review_limit=current.new_cards_ignore_review_limit,
            apply_all_parent_limits=current.apply_all_parent_limits,
            fsrs=True,
            fsrs_reschedule=False,
            fsrs_health_check=False,
        )
    )
    assert col.get_config("fsrs") is True


def cards_table(n: int, prefix: str) -> tuple[list[str], list[str]]:
    return [f"{prefix} question {i}" for i in range(n)], [f"answer {i}" for i in range(n)]


def write_csv(path: Path, fronts: Sequence[str], backs: Sequence[str]) -> Path:
    path.write_text("".join(f"{f},{b}\n" for f, b in zip(fronts, backs, strict=True)), encoding="utf-8")
    return path


# -- 1. bulk add ----------------------------------------------------------------------------------------


def bulk_add(workdir: Path, n: int = 10_000, repeat: int = 3) -> dict[str, Any]:
    """Best of ``repeat``: Aksio's CSV import (parsing included) vs one ``add_notes`` call of prepared requests,
    and vs Anki's own CSV import of the same file (the same input to the same result)."""
    fronts, backs = cards_table(n, "bulk")
    ours, theirs, building, their_csv = [], [], [], []
    for k in range(repeat):
        csv = write_csv(workdir / f"bulk{k}.csv", fronts, backs)
        with Aksio.open(workdir / f"bulk-aksio-{k}", FixedClock(NOW), tz=UTC) as app:
            app.add_course("Bulk")
            gc.collect()
            t = time.perf_counter()
            report = app.import_cards(csv, "Bulk")
            ours.append(time.perf_counter() - t)
            assert report.cards == n
        col = new_anki(workdir / f"bulk-{k}.anki2")
        t = time.perf_counter()
        requests = anki_requests(col, "Bulk", fronts, backs)
        building.append(time.perf_counter() - t)
        gc.collect()
        t = time.perf_counter()
        col.add_notes(requests)
        theirs.append(time.perf_counter() - t)
        assert col.card_count() == n
        col.close()
        col = new_anki(workdir / f"bulk-csv-{k}.anki2")
        deck = col.decks.id("Bulk")
        gc.collect()
        t = time.perf_counter()
        metadata = col.get_csv_metadata(str(csv), None)
        metadata.deck_id = deck or 0
        col.import_csv(ImportCsvRequest(path=str(csv), metadata=metadata))
        their_csv.append(time.perf_counter() - t)
        assert col.card_count() == n
        col.close()
    return {
        "cards": n,
        "aksio_import_cards_s": round(min(ours), 4),
        "anki_add_notes_s": round(min(theirs), 4),
        "anki_building_requests_s": round(min(building), 4),
        "anki_import_csv_s": round(min(their_csv), 4),
        "ratio": ratio(min(ours), min(theirs)),
        "ratio_with_anki_building_requests": ratio(min(ours), min(theirs) + min(building)),
        "ratio_vs_anki_csv_import": ratio(min(ours), min(their_csv)),
    }


# -- 2. the big collection ------------------------------------------------------------------------------


@dataclass
class Big:
    app: Aksio
    col: Collection
    info: dict[str, Any]


def big_collection(workdir: Path, cards: int, per_card: int, seed: int) -> Big:
    rng = random.Random(seed)
    app = Aksio.open(workdir / "big-aksio", FixedClock(NOW), tz=UTC)
    col = new_anki(workdir / "big.anki2", fsrs=False)  # switched on below, which computes the memory states
    info: dict[str, Any] = {"cards": cards}
    per_course = cards // len(COURSES)
    ids: dict[str, list[str]] = {}
    anki_ids: dict[str, list[int]] = {}
    for course in COURSES:
        fronts, backs = cards_table(per_course, course)
        app.add_course(course)
        app.import_cards(write_csv(workdir / f"{course}.csv", fronts, backs), course)
        ids[course] = [
            r[0]
            for r in app.db.query("SELECT id FROM card WHERE course_id = ? ORDER BY rowid", (app.course_id(course),))
        ]
        anki_ids[course] = anki_add(col, deck_of(course), fronts, backs)
        assert len(ids[course]) == len(anki_ids[course]) == per_course
        last_front = col.db.scalar(
            "SELECT n.sfld FROM cards c JOIN notes n ON n.id = c.nid WHERE c.id = ?", anki_ids[course][-1]
        )
        assert last_front == fronts[-1], "Anki's cards should be in the order added"
        log(f"{course}: {per_course} cards in each")
    histories = {cid: history(rng, per_card) for course in COURSES for cid in ids[course]}

    # Aksio: the history through the Writer (stamped and change-logged like any review), then replayed
    t = time.perf_counter()
    device = app.db.device
    with app.db.write() as w:
        batch: list[dict[str, Any]] = []
        for cid, h in histories.items():
            for rating, ms in zip(h.ratings, h.times_ms, strict=True):
                at = iso(datetime.fromtimestamp(ms / 1000, UTC))
                batch.append(
                    {"card_id": cid, "rating": rating, "reviewed_at": at, "duration_ms": 8000, "device_id": device}
                )
            if len(batch) >= 100_000:
                w.insert_many("review", batch)
                batch = []
        w.insert_many("review", batch)
    info["reviews"] = sum(len(h.ratings) for h in histories.values())
    info["aksio_load_reviews_s"] = round(time.perf_counter() - t, 2)
    log(f"{info['reviews']} reviews loaded into Aksio in {info['aksio_load_reviews_s']} s; rebuilding states")
    t = time.perf_counter()
    app.rebuild_states()
    aksio_rebuild = time.perf_counter() - t
    log(f"Aksio states rebuilt from the log in {aksio_rebuild:.1f} s")

    # Anki: the same history in revlog, each card on the study day Aksio gave it, then FSRS switched on
    day_end = app.study_day(NOW).end
    shift = anki_shift_s(col, day_end)
    today = col.sched.today
    states = {
        r[0]: (r[1], r[2], r[3], r[4])
        for r in app.db.query("SELECT card_id, queue, due, last_review, stability FROM card_state")
    }
    assert all(q in (1, 2) for q, *_ in states.values()), "every card should have left the new queue"
    review_queue = sum(1 for q, *_ in states.values() if q == 2)
    info["aksio_queues"] = {"review": review_queue, "learning": len(states) - review_queue}
    taken: set[int] = set()
    revlog: list[tuple[int, ...]] = []
    updates: list[tuple[Any, ...]] = []
    for course in COURSES:
        for cid, aid in zip(ids[course], anki_ids[course], strict=True):
            h = histories[cid]
            revlog.extend(revlog_rows(aid, h, shift * 1000, taken))
            queue, due, last_review, _ = states[cid]
            ivl = max(round((due - last_review) / DAY_S), 1)
            if queue == 2:  # review: due on the same study day
                kind, due_at, left = 2, today + math.ceil((due - int(day_end.timestamp())) / DAY_S), 0
            else:  # still in a (re)learning step (rare with this history): due at the same moment
                kind, due_at, left = 3, due + shift, 1
            lapses = sum(1 for r, k in zip(h.ratings, h.kinds, strict=True) if r == 1 and k == 1)
            data = json.dumps({"lrt": last_review + shift})
            updates.append((kind, 2 if kind == 2 else 1, due_at, ivl, left, len(h.ratings), lapses, data, aid))
    t = time.perf_counter()
    load_revlog(col, revlog, updates)
    info["anki_load_revlog_s"] = round(time.perf_counter() - t, 2)
    log(f"{len(revlog)} revlog rows loaded into Anki in {info['anki_load_revlog_s']} s; switching FSRS on")
    del revlog, updates, histories
    t = time.perf_counter()
    enable_fsrs(col)
    anki_states = time.perf_counter() - t
    info["memory_states_from_log"] = {
        "aksio_rebuild_states_s": round(aksio_rebuild, 2),
        "anki_switching_fsrs_on_s": round(anki_states, 2),
        "ratio": ratio(aksio_rebuild, anki_states),
    }
    log(f"Anki memory states computed in {anki_states:.1f} s")
    info["stability_anki_over_aksio"] = stability_agreement(col, ids, anki_ids, states)

    app.settings.study.new_per_day = 0  # there are no new cards anyway: both study only the cards due
    aksio_due = app.due().counts
    col.decks.select(col.decks.id(PARENT) or 0)
    _, learning, review = col.sched.counts()
    info["due_today"] = {"aksio": aksio_due.review + aksio_due.learning, "anki": learning + review}
    aksio_due = app.due(COURSES[0]).counts
    col.decks.select(col.decks.id(deck_of(COURSES[0])) or 0)
    _, learning, review = col.sched.counts()
    info["due_today_first_course"] = {"aksio": aksio_due.review + aksio_due.learning, "anki": learning + review}
    log(f"due today: {info['due_today']}")
    return Big(app, col, info)


def stability_agreement(
    col: Collection,
    ids: dict[str, list[str]],
    anki_ids: dict[str, list[int]],
    states: dict[str, tuple[int, int, int, float]],
) -> dict[str, float]:
    """Deciles of Anki's replayed stability over Aksio's: a check that both sides hold the same collection."""
    anki_s = {r[0]: json.loads(r[1]).get("s") for r in col.db.all("SELECT id, data FROM cards")}
    ratios = sorted(
        anki_s[aid] / states[cid][3]
        for course in COURSES
        for cid, aid in zip(ids[course], anki_ids[course], strict=True)
        if anki_s.get(aid) and states[cid][3]
    )
    assert ratios, "Anki computed no memory states"
    q = statistics.quantiles(ratios, n=10)
    return {"cards": len(ratios), "p10": round(q[0], 3), "median": round(q[4], 3), "p90": round(q[8], 3)}


# -- 3, 4. next card and answer -------------------------------------------------------------------------


@dataclass
class Side:
    """One side of the study loop: how it takes the next card and answers it, and its timings."""

    next_card: Callable[[], Any]
    answer: Callable[[Any], None]
    profile: cProfile.Profile | None = None
    nexts: list[float] = field(default_factory=list)
    answers: list[float] = field(default_factory=list)
    done: bool = False

    def step(self) -> None:
        """Next card, then answer it, each call timed on its own."""
        if self.done:
            return
        if self.profile:
            self.profile.enable()
        t = time.perf_counter()
        card = self.next_card()
        t_next = time.perf_counter() - t
        t_answer = None
        if card is not None:
            t = time.perf_counter()
            self.answer(card)
            t_answer = time.perf_counter() - t
        if self.profile:
            self.profile.disable()
        self.nexts.append(t_next)
        if t_answer is None:
            self.done = True
        else:
            self.answers.append(t_answer)


def latency(big: Big, iterations: int, profile: cProfile.Profile | None) -> dict[str, Any]:
    """Next card and answer, ``iterations`` rounds per scope, Aksio and Anki alternating round by round."""
    app, col = big.app, big.col
    out: dict[str, Any] = {"next_card": {}, "answer": {}, "studied": {}}
    for scope in ("global", "per_course"):
        course = COURSES[0] if scope == "per_course" else None
        # Anki studies the selected deck and its children: the parent deck is the whole collection here
        col.decks.select(col.decks.id(deck_of(course) if course else PARENT) or 0)

        def aksio_next(course: str | None = course) -> Any:
            return app.next_card(course)

        def aksio_answer(card: Any) -> None:
            app.answer(card.id, "good")

        def anki_next() -> Any:
            # as Anki's reviewer does when it shows a question: the queue's top card, wrapped, its timer started
            queued = col.sched.get_queued_cards(fetch_limit=1)
            if not queued.cards:
                return None
            top = queued.cards[0]
            card = AnkiCard(col, backend_card=top.card)
            card.start_timer()
            return card, top.states

        def anki_answer(item: Any) -> None:
            card, states = item
            col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))

        aksio, anki = Side(aksio_next, aksio_answer, profile), Side(anki_next, anki_answer)
        gc.collect()
        for _ in range(iterations):
            aksio.step()
            anki.step()
        assert aksio.nexts and aksio.answers and anki.nexts and anki.answers, "no card was due"
        out["next_card"][scope] = compare(aksio.nexts, anki.nexts)
        out["answer"][scope] = compare(aksio.answers, anki.answers)
        out["studied"][scope] = {"aksio": len(aksio.answers), "anki": len(anki.answers)}
        log(
            f"{scope}: next {out['next_card'][scope]['ratio_median']}x, answer {out['answer'][scope]['ratio_median']}x"
            f" ({len(aksio.answers)} and {len(anki.answers)} cards studied)"
        )
    return out


# -- 5. optimizer ---------------------------------------------------------------------------------------


def optimizer(workdir: Path, n_reviews: int, per_card: int, seed: int) -> dict[str, Any]:
    """The same reviews to Aksio's ``fit`` and to Anki's parameter search (both also evaluate old vs new)."""
    rng = random.Random(seed + 1)
    n_cards = n_reviews // per_card
    histories = [history(rng, per_card) for _ in range(n_cards)]
    flat = [
        (f"c{i}", rating, datetime.fromtimestamp(ms / 1000, UTC))
        for i, h in enumerate(histories)
        for rating, ms in zip(h.ratings, h.times_ms, strict=True)
    ]
    gc.collect()
    t = time.perf_counter()
    result = fit(flat)
    ours = time.perf_counter() - t
    log(f"Aksio fit {len(flat)} reviews in {ours:.2f} s")

    col = new_anki(workdir / "opt.anki2")
    fronts, backs = cards_table(n_cards, "opt")
    anki_ids = anki_add(col, "Opt", fronts, backs)
    # Aksio's fit counts days from midnight UTC: line Anki's day rollover up with it
    midnight = (NOW + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    shift_ms = anki_shift_s(col, midnight) * 1000
    taken: set[int] = set()
    rows = [row for aid, h in zip(anki_ids, histories, strict=True) for row in revlog_rows(aid, h, shift_ms, taken)]
    load_revlog(col, rows, [])
    gc.collect()
    t = time.perf_counter()
    response = col._backend.compute_fsrs_params(
        search='"deck:Opt"',
        current_params=[],
        ignore_revlogs_before_ms=0,
        num_of_relearning_steps=1,
        health_check=False,
    )
    theirs = time.perf_counter() - t
    log(f"Anki computed parameters from {response.fsrs_items} items in {theirs:.2f} s")
    col.close()
    return {
        "reviews": len(flat),
        "aksio_s": round(ours, 3),
        "anki_s": round(theirs, 3),
        "ratio": ratio(ours, theirs),
        "items": {"aksio": result.n_items, "anki": response.fsrs_items},
        "aksio_log_loss": {"default": round(result.log_loss_default, 4), "fitted": round(result.log_loss_fitted, 4)},
        "anki_params": len(response.params),
    }


# -- the run --------------------------------------------------------------------------------------------


def profile_report(profile: cProfile.Profile, top: int = 30) -> None:
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        log(f"cProfile of Aksio's study loops, by {order}:\n{out.getvalue()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000, help="review-log rows in the big collection")
    parser.add_argument("--iterations", type=int, default=1000, help="next-card/answer rounds per scope")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true", help="10k cards, 100k reviews, 100 rounds")
    parser.add_argument("--profile", action="store_true", help="cProfile Aksio's study loops (to stderr)")
    args = parser.parse_args()
    if args.quick:
        args.cards, args.reviews, args.iterations = 10_000, 100_000, 100
    per_card = max(args.reviews // args.cards, 2)
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="aksio-review-bench-"))
    result: dict[str, Any] = {
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "anki": version("anki"),
            "fsrs": version("fsrs"),
        },
        "params": {"cards": args.cards, "reviews_per_card": per_card, "iterations": args.iterations, "seed": args.seed},
    }
    try:
        log("1. bulk add")
        result["bulk_add"] = bulk_add(workdir)
        log("5. optimizer")
        result["optimizer"] = optimizer(workdir, OPTIMIZER_REVIEWS, 10, args.seed)
        log("2. big collection")
        big = big_collection(workdir, args.cards, per_card, args.seed)
        result["collection"] = big.info
        log("3, 4. next card and answer")
        profile = cProfile.Profile() if args.profile else None
        result.update(latency(big, args.iterations, profile))
        big.app.close()
        big.col.close()
        if profile:
            profile_report(profile)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    scopes = ("global", "per_course")
    result["goals"] = {
        "next_card<=1.0x_anki": all(result["next_card"][s]["ratio_median"] <= GOALS["next_card"] for s in scopes),
        "answer<=1.0x_anki": all(result["answer"][s]["ratio_median"] <= GOALS["answer"] for s in scopes),
        "answer_p99<=anki_p99": all(result["answer"][s]["ratio_p99"] <= GOALS["answer_p99"] for s in scopes),
        "bulk_add<=1.0x_anki": result["bulk_add"]["ratio"] <= GOALS["bulk_add"],
        "rebuild<=1.0x_anki": result["collection"]["memory_states_from_log"]["ratio"] <= GOALS["rebuild"],
        "optimizer<2s": result["optimizer"]["aksio_s"] < GOALS["optimizer_s"],
    }
    result["total_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
