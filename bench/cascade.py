"""Deleting a course: every row in it tombstoned and logged, its card states and search rows dropped, in one
transaction.

    .venv/bin/python bench/cascade.py [--cards 10000] [--other 10000] [--answers 1000] [--repeat 3]

Each round builds a fresh home: a course with a document (a few hundred chunks), ``--cards`` cards (half basic
notes, half reverse notes: two cards each), ``--answers`` of them answered, and another course of ``--other``
cards that the delete must leave alone. Anchors, measured in the same run: the import of the course's card
tables (the same rows written once, logged and given states), and the bare set-based ``UPDATE ... SET deleted = 1``
of the same rows without stamps or log on a copy of the home (the floor). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aksio.clock import FixedClock
from aksio.service import Aksio

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
# the rows of the course a bare UPDATE marks deleted (the floor): one parameter, the course id
_FLOOR = {
    "document": "course_id = ?",
    "section": "document_id IN (SELECT id FROM document WHERE course_id = ?)",
    "chunk": "document_id IN (SELECT id FROM document WHERE course_id = ?)",
    "note": "course_id = ?",
    "card": "course_id = ?",
    "course": "id = ?",
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def write_table(path: Path, n: int, prefix: str) -> Path:
    path.write_text("".join(f"{prefix} question {i},answer {i}\n" for i in range(n)), encoding="utf-8")
    return path


def write_notes(path: Path, sections: int) -> Path:
    body = "".join(
        f"# Chapter {i}\n\n" + " ".join(f"Sentence {j} of chapter {i} mentions paging and frames." for j in range(60))
        for i in range(sections)
    )
    path.write_text(body, encoding="utf-8")
    return path


def build(workdir: Path, name: str, cards: int, answers: int) -> tuple[float, int]:
    """Add a course with a document and ``cards`` cards to the home; (seconds the card imports took, chunks)."""
    with Aksio.open(workdir / "home", FixedClock(NOW), tz=UTC) as app:
        course = app.add_course(name).id
        app.import_paths([write_notes(workdir / f"{name}.md", 200)], course)
        basic = write_table(workdir / f"{name}-basic.csv", cards // 2, f"{name} basic")
        reverse = write_table(workdir / f"{name}-reverse.csv", cards // 4, f"{name} reverse")
        t = time.perf_counter()
        app.import_cards(basic, course)
        app.import_cards(reverse, course, kind="reverse")
        imported = time.perf_counter() - t
        for _ in range(answers):
            card = app.next_card(course)
            if card is None:
                break
            app.answer(card.id, "good")
        chunks = app.db.query_one(
            "SELECT count(*) FROM chunk k JOIN document d ON d.id = k.document_id WHERE d.course_id = ?", (course,)
        )
        assert chunks is not None
        return imported, int(chunks[0])


def floor(path: Path, course_id: str) -> float:
    """The same rows marked deleted by bare set-based UPDATEs: no stamps, no log, no states or search rows."""
    conn = sqlite3.connect(path, isolation_level=None)
    t = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for table, condition in _FLOOR.items():
        conn.execute(f"UPDATE {table} SET deleted = 1 WHERE deleted = 0 AND {condition}", (course_id,))
    conn.execute("COMMIT")
    took = time.perf_counter() - t
    conn.close()
    return took


def one_round(workdir: Path, cards: int, other: int, answers: int) -> dict[str, Any]:
    if other:
        build(workdir, "Kept", other, answers)
    imported, chunks = build(workdir, "Doomed", cards, answers)
    home = workdir / "home"
    shutil.copytree(home, workdir / "copy")
    with Aksio.open(home, FixedClock(NOW), tz=UTC) as app:
        course_id = app.course("Doomed").id
        log_before = app.db.query_one("SELECT count(*) FROM change_log")[0]  # type: ignore[index]
        gc.collect()
        t = time.perf_counter()
        app.delete_course("Doomed")
        took = time.perf_counter() - t
        logged = app.db.query_one("SELECT count(*) FROM change_log")[0] - log_before  # type: ignore[index]
        assert all(card.course_id != course_id for card in app.cards())
    return {
        "delete_course_s": took,
        "import_cards_s": imported,
        "floor_s": floor(workdir / "copy" / "aksio.db", course_id),
        "tombstones_logged": logged,
        "chunks": chunks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=10_000, help="cards in the course deleted")
    parser.add_argument("--other", type=int, default=10_000, help="cards in another course, left alone")
    parser.add_argument("--answers", type=int, default=1000, help="cards answered in each course")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rounds = []
    for k in range(args.repeat):
        workdir = Path(tempfile.mkdtemp(prefix="aksio-cascade-"))
        try:
            rounds.append(one_round(workdir, args.cards, args.other, args.answers))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        log(f"round {k + 1}: {rounds[-1]}")
    best = {key: min(r[key] for r in rounds) for key in ("delete_course_s", "import_cards_s", "floor_s")}
    print(
        json.dumps(
            {
                "machine": {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version},
                "params": vars(args),
                "tombstones_logged": rounds[0]["tombstones_logged"],
                "chunks_deleted": rounds[0]["chunks"],
                **{key: round(value, 4) for key, value in best.items()},
                "ratio_vs_import": round(best["delete_course_s"] / best["import_cards_s"], 3),
                "ratio_vs_floor": round(best["delete_course_s"] / best["floor_s"], 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
