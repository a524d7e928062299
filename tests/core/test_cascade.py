"""Deletes cascade as tombstones: a course's covers everything in it, a note's its cards, a document's its sections
and chunks. Nothing of a deleted thing is counted, listed, searched, generated from or studied; reviews stay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aksio.browse import browse_rows, card_with_source
from aksio.clock import FixedClock
from aksio.demo import sample_path
from aksio.errors import InvalidInput, NotFound
from aksio.service import Aksio
from tests import docmaker
from tests.conftest import NOW, Cli
from tests.docmaker import Docs
from tests.old_homes import old_home

# each synced table a course's tombstone covers, and how its rows belong to the course (one parameter: its id)
COURSE_ROWS = {
    "document": "course_id = ?",
    "section": "document_id IN (SELECT id FROM document WHERE course_id = ?)",
    "chunk": "document_id IN (SELECT id FROM document WHERE course_id = ?)",
    "note": "course_id = ?",
    "card": "course_id = ?",
    "question": "course_id = ?",
    "card_import": "course_id = ?",
}


def _course_with_everything(aksio: Aksio, docs: Docs, tmp_path: Path, name: str = "Operating Systems") -> str:
    """A course with two documents, basic, reverse and cloze notes, held generated cards, quiz questions, an
    imported card table, and answers that put cards in learning and review."""
    course = aksio.add_course(name).id
    imported = aksio.import_paths([sample_path(), docs(f"{course}.pdf", docmaker.outline_pdf)], course)
    assert len(imported.imported) == 2
    aksio.add_card(course, "What does a TLB cache?", "Page-table entries")
    aksio.add_card(course, "Mutex", "Lock giving mutual exclusion", kind="reverse")
    aksio.add_card(course, "{{c1::Thrashing}} is {{c2::paging}} more than executing", kind="cloze")
    assert aksio.generate("cards", course, per_section=1, hold=True).kept
    assert aksio.generate("questions", course, per_section=1).kept
    table = tmp_path / f"{course}.csv"
    table.write_text("Page,Fixed-size block of virtual memory\nFrame,Fixed-size block of physical memory\n")
    assert aksio.import_cards(table, course).cards == 2
    for rating in ("good", "again", "easy", "good"):
        card = aksio.next_card(course)
        assert card is not None
        aksio.answer(card.id, rating)
    return course


def _live(aksio: Aksio, table: str, course: str) -> list[str]:
    rows = aksio.db.query(f"SELECT id FROM {table} WHERE deleted = 0 AND ({COURSE_ROWS[table]})", (course,))
    return [r[0] for r in rows]


def _deletes_logged(aksio: Aksio, table: str) -> set[str]:
    rows = aksio.db.query("SELECT row_id FROM change_log WHERE tbl = ? AND op = 'delete'", (table,))
    return {r[0] for r in rows}


def _states(aksio: Aksio, course: str) -> int:
    row = aksio.db.query_one(
        "SELECT count(*) FROM card_state WHERE card_id IN (SELECT id FROM card WHERE course_id = ?)", (course,)
    )
    assert row is not None
    return int(row[0])


def test_deleting_a_course_tombstones_everything_in_it_and_keeps_its_reviews(
    aksio: Aksio, docs: Docs, tmp_path: Path, cli: Cli
) -> None:
    course = _course_with_everything(aksio, docs, tmp_path)
    before = {table: _live(aksio, table, course) for table in COURSE_ROWS}
    assert all(before.values())
    assert aksio.cards(course, pending=True) and aksio.questions(course) and aksio.search("paging")
    assert _states(aksio, course) == len(before["card"])
    reviews = aksio.db.query("SELECT id, card_id, rating, deleted FROM review ORDER BY id")
    answered_today = aksio.dashboard().today_reviews
    assert len(reviews) == answered_today == 4

    aksio.delete_course(course)

    for table, ids in before.items():
        assert _live(aksio, table, course) == [], table
        assert set(ids) <= _deletes_logged(aksio, table), table
    assert _states(aksio, course) == 0
    assert aksio.db.query_one("SELECT count(*) FROM chunk_fts")[0] == 0  # type: ignore[index]
    due = aksio.due()
    assert (due.counts.learning, due.counts.review, due.counts.new) == (0, 0, 0)
    assert due.next_card is None and aksio.next_card() is None
    code, out, _ = cli("due", "--json")
    assert code == 0 and json.loads(out)["counts"] == {"learning": 0, "review": 0, "new": 0}
    assert aksio.cards() == [] and aksio.cards(pending=True) == [] and aksio.leeches() == []
    assert list(browse_rows(aksio)) == []
    assert aksio.search("paging") == [] and aksio.questions() == []
    assert aksio.dashboard().courses == []
    # the history stays: every review, and the answers in today's count and the heatmap
    assert aksio.db.query("SELECT id, card_id, rating, deleted FROM review ORDER BY id") == reviews
    assert aksio.dashboard().today_reviews == answered_today
    assert aksio.doctor(rebuild=True)["identical"] is True
    with pytest.raises(InvalidInput, match="nothing to undo"):  # the answers were to cards now deleted
        aksio.undo()


def test_deleting_a_course_leaves_another_course_alone(aksio: Aksio, docs: Docs, tmp_path: Path) -> None:
    kept = _course_with_everything(aksio, docs, tmp_path, "Networks")
    gone = _course_with_everything(aksio, docs, tmp_path)
    before = {table: _live(aksio, table, kept) for table in COURSE_ROWS}
    counts = aksio.due(kept).counts
    aksio.delete_course(gone)
    assert {table: _live(aksio, table, kept) for table in COURSE_ROWS} == before
    for table, ids in before.items():
        assert not set(ids) & _deletes_logged(aksio, table), table
    assert aksio.due().counts == counts and _states(aksio, kept) == len(before["card"])
    assert {h.course_id for h in aksio.search("paging")} == {kept}
    assert aksio.next_card() is not None


def test_deleting_a_note_takes_its_cards_out_of_every_queue_and_off_the_undo_stack(aksio: Aksio) -> None:
    course = aksio.add_course("OS").id
    kept = aksio.add_card(course, "What does a TLB cache?", "Page-table entries")[0]
    forward, backward = aksio.add_card(course, "Mutex", "Lock giving mutual exclusion", kind="reverse")
    aksio.answer(kept.id, "easy")  # due again in days
    aksio.answer(forward.id, "again")  # learning; its sibling buried for the day
    assert aksio.next_card(course).id == forward.id  # type: ignore[union-attr]  # a learning step, due soon

    assert sorted(aksio.delete_card(backward.id)) == sorted([forward.id, backward.id])

    for card_id in (forward.id, backward.id):
        assert aksio.db.query_one("SELECT deleted FROM card WHERE id = ?", (card_id,))[0] == 1  # type: ignore[index]
        assert aksio.db.query_one("SELECT 1 FROM card_state WHERE card_id = ?", (card_id,)) is None
    assert {forward.id, backward.id, forward.note_id} <= _deletes_logged(aksio, "card") | _deletes_logged(aksio, "note")
    assert aksio.next_card(course) is None
    # the answer to the deleted card is skipped: undo takes back the one before it
    assert aksio.undo().card.id == kept.id
    with pytest.raises(InvalidInput, match="nothing to undo"):
        aksio.undo()
    # both reviews kept (history), the undone one voided
    assert aksio.db.query_one("SELECT count(*) FROM review WHERE deleted = 0")[0] == 2  # type: ignore[index]
    assert aksio.doctor()["reviews"] == 1


def test_deleting_a_document_takes_it_out_of_search_and_generation_but_keeps_its_cards(
    aksio: Aksio, docs: Docs
) -> None:
    course = aksio.add_course("OS").id
    report = aksio.import_paths([sample_path(), docs("networks.md", docmaker.markdown)], course)
    demo, networks = (f.document_id for f in report.imported)
    made = aksio.generate("cards", course, document=demo, per_section=2, hold=False)  # studied before the delete
    cards = aksio.cards(course)
    assert made.kept and cards and all(c.source and c.source.document_id == demo for c in cards)
    sections = aksio.db.query("SELECT id FROM section WHERE document_id = ?", (demo,))
    chunks = aksio.db.query("SELECT id FROM chunk WHERE document_id = ?", (demo,))

    aksio.delete_document(demo)

    assert {r[0] for r in sections} <= _deletes_logged(aksio, "section")
    assert {r[0] for r in chunks} <= _deletes_logged(aksio, "chunk")
    assert aksio.search("paging") == [] and {h.document_id for h in aksio.search("congestion")} == {networks}
    # the cards made from it are the student's: they stay, studied as before, their source marked deleted
    assert [c.id for c in aksio.cards(course)] == [c.id for c in cards]
    assert aksio.next_card(course) is not None
    title = aksio.db.query_one("SELECT title FROM document WHERE id = ?", (demo,))[0]  # type: ignore[index]
    assert card_with_source(aksio, cards[0].id)[1] == f"{title} (deleted)"
    # and nothing is generated from it any more
    with pytest.raises(NotFound):
        aksio.generate("cards", course, document=demo, dry_run=True)
    rest = aksio.generate("questions", course, dry_run=True)
    assert {item.document_id for item in rest.items} <= {networks}


def test_an_older_homes_deleted_course_loses_its_cards_when_opened(home: Path) -> None:
    # a schema-7 home where a course delete, before deletes cascaded, left its (answered) reverse note's cards alive
    deleted = "9999999999999-0000-x"
    with old_home(home, 7) as conn:
        conn.execute(
            "INSERT INTO course (id, name, deleted, hlc, created_at, updated_at) VALUES ('os', 'OS', 1, ?, '', '')",
            (deleted,),
        )
        conn.execute(
            "INSERT INTO note (id, course_id, kind, front, back, hlc, created_at, updated_at) "
            "VALUES ('mutex', 'os', 'reverse', 'Mutex', 'Lock giving mutual exclusion', '1', '', '')"
        )
        cards = ("mutex-0", "mutex-1")
        for ord_, card in enumerate(cards):
            conn.execute(
                "INSERT INTO card (id, note_id, course_id, ord, hlc, created_at, updated_at) "
                "VALUES (?, 'mutex', 'os', ?, '1', '', '')",
                (card, ord_),
            )
            conn.execute(
                "INSERT INTO card_state (card_id, note_id, course_id, queue, due, new_order) "
                "VALUES (?, 'mutex', 'os', 0, 0, 1)",
                (card,),
            )
        conn.execute(
            "INSERT INTO review (id, card_id, rating, reviewed_at, device_id, hlc, created_at, updated_at) "
            "VALUES ('r', 'mutex-0', 3, '2026-01-05T09:00:00.000Z', 'd', '2', '', '')"
        )

    reopened = Aksio.open(home, FixedClock(NOW))
    try:
        assert reopened.cards() == [] and reopened.next_card() is None
        logged = reopened.db.query("SELECT row_id, hlc FROM change_log WHERE op = 'delete' AND tbl = 'card'")
        assert {(r[0], r[1]) for r in logged} == {(c, deleted) for c in cards}
        assert reopened.db.query_one("SELECT count(*) FROM card_state")[0] == 0  # type: ignore[index]
        assert reopened.db.query_one("SELECT count(*) FROM review")[0] == 1  # type: ignore[index]
    finally:
        reopened.close()
