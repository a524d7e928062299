"""A data dir with two courses and due cards at a fixed instant, and the app opened on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aksio.clock import FixedClock
from aksio.service import Aksio

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
LATER = T0 + timedelta(days=30)


@pytest.fixture(autouse=True)
def _still(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    # the app freezes the GC's view of everything loaded at start (for steady key latency); dozens of apps in
    # one test process would pile up frozen garbage
    monkeypatch.setattr("gc.freeze", lambda: None)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def core(tmp_path: Path, clock: FixedClock) -> Iterator[Aksio]:
    """Biology with 4 cards answered on T0 (due again by LATER) and 2 new; Chemistry with 3 new. Clock at LATER."""
    app = Aksio.open(tmp_path / "home", clock, tz=UTC)
    app.add_course("Biology", code="BIO101")
    app.edit_course("Biology", scheduling={"fuzz": False})
    app.add_course("Chemistry")
    answered = [
        app.add_card("Biology", f"What is organelle {i}?", f"**Organelle {i}** does job {i}.")[0].id for i in range(4)
    ]
    app.add_card("Biology", "Which molecule stores genes?", "DNA")
    app.add_card("Biology", "{{c1::Ribosomes}} make proteins.", kind="cloze")
    for i in range(3):
        app.add_card("Chemistry", f"Symbol of element {i}?", f"E{i}")
    for i, card_id in enumerate(answered):  # learnt on T0 or the day after: review cards, due again by LATER
        for at in (T0 + timedelta(days=i % 2), T0 + timedelta(days=i % 2, hours=1)):
            clock.set(at)  # an answer's time is now, or not far from it
            app.answer(card_id, "good", at=at, duration_ms=3000)
    clock.set(LATER)
    yield app
    app.close()
