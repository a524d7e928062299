"""`aksio demo`: a course, the sample document and cards that cite it, made once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from aksio.clock import FixedClock
from aksio.demo import DEMO_CARDS, DEMO_COURSE, ensure_demo
from aksio.service import Aksio


def test_demo_builds_a_course_with_cited_cards_once(tmp_path: Path) -> None:
    with Aksio.open(tmp_path / "home", FixedClock(datetime(2026, 1, 5, 9, tzinfo=UTC)), tz=UTC) as app:
        first = ensure_demo(app)
        again = ensure_demo(app)
        assert first["created"] is True and again["created"] is False
        assert first["document"]["section_count"] >= 10
        cards = app.cards(DEMO_COURSE)
        notes = {c.note_id for c in cards}
        assert len(notes) == len(DEMO_CARDS) and again["cards"] == len(cards)
        for card in cards:
            assert card.origin == "demo" and card.source is not None and card.source.quote
            chunks = app.db.query(
                "SELECT text FROM chunk WHERE document_id = ? AND page = ?", (card.source.document_id, card.source.page)
            )
            assert any(card.source.quote in c["text"] for c in chunks)
        assert app.search("死锁", DEMO_COURSE)[0].page == cards[-1].source.page  # type: ignore[union-attr]
        assert app.next_card(DEMO_COURSE) is not None
