"""`aksio demo`: a course, the sample document and cards that cite it, made once."""

from __future__ import annotations

from aksio.demo import DEMO_CARDS, DEMO_COURSE, ensure_demo
from aksio.generate.checks import normalise
from aksio.service import Aksio


def test_demo_builds_a_course_with_cited_cards_once(aksio: Aksio) -> None:
    first = ensure_demo(aksio)
    again = ensure_demo(aksio)
    assert first["created"] is True and again["created"] is False
    assert first["document"]["section_count"] >= 10
    cards = aksio.cards(DEMO_COURSE)
    written = {c.note_id for c in cards if c.origin == "demo"}
    generated = {c.note_id for c in cards if c.origin == "offline"}
    assert len(written) == len(DEMO_CARDS) and again["cards"] == len(cards)
    assert len(generated) == first["generated"] >= 20 and again["generated"] == 0  # made once, offline
    for card in cards:
        assert card.source is not None and card.source.quote
        chunks = aksio.db.query(
            "SELECT text FROM chunk WHERE document_id = ? AND page = ?", (card.source.document_id, card.source.page)
        )
        page = "\n".join(c["text"] for c in chunks)
        assert normalise(card.source.quote) in normalise(page)  # verbatim, up to line breaks and spacing
    deadlock = next(c for c in cards if c.origin == "demo" and "死锁" in c.front)
    assert aksio.search("死锁", DEMO_COURSE)[0].page == deadlock.source.page  # type: ignore[union-attr]
    assert aksio.next_card(DEMO_COURSE) is not None
