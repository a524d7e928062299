"""`aksio demo`: a course, the sample document and cards that cite it, made once."""

from __future__ import annotations

from aksio.demo import DEMO_CARDS, DEMO_COURSE, ensure_demo
from aksio.service import Aksio


def test_demo_builds_a_course_with_cited_cards_once(aksio: Aksio) -> None:
    first = ensure_demo(aksio)
    again = ensure_demo(aksio)
    assert first["created"] is True and again["created"] is False
    assert first["document"]["section_count"] >= 10
    cards = aksio.cards(DEMO_COURSE)
    notes = {c.note_id for c in cards}
    assert len(notes) == len(DEMO_CARDS) and again["cards"] == len(cards)
    for card in cards:
        assert card.origin == "demo" and card.source is not None and card.source.quote
        chunks = aksio.db.query(
            "SELECT text FROM chunk WHERE document_id = ? AND page = ?", (card.source.document_id, card.source.page)
        )
        assert any(card.source.quote in c["text"] for c in chunks)
    assert aksio.search("死锁", DEMO_COURSE)[0].page == cards[-1].source.page  # type: ignore[union-attr]
    assert aksio.next_card(DEMO_COURSE) is not None
