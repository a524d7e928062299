"""The card browser drawn at fixed sizes, with a fixed clock and seeded data; `--snapshot-update` after a
deliberate change of looks, then look at the SVGs in __snapshots__."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from aksio.service import Aksio
from aksio_tui.app import AksioApp
from tests.tui.pilot import pressing


@pytest.fixture(autouse=True)
def _fixed_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """The list shows ids: made in sequence here (before the ``core`` fixture adds its cards), so a drawing
    is the same on every run."""
    counter = itertools.count(1)

    def new_id() -> str:
        n = next(counter)
        return f"01900000-0000-7000-8000-{n:012x}"

    for module in ("aksio.storage.cards", "aksio.storage.db", "aksio.storage.documents"):
        monkeypatch.setattr(f"{module}.new_id", new_id)


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
def test_browser_all_courses_with_a_selection(core: Aksio, snap_compare: Any, size: tuple[int, int]) -> None:
    app = AksioApp(core, start="cards")
    assert snap_compare(app, terminal_size=size, run_before=pressing("o", "space", "space"))


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
def test_browser_of_one_course_from_the_dashboard(core: Aksio, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(AksioApp(core), terminal_size=size, run_before=pressing("b", "down", "f"))


def test_browser_shows_a_card(core: Aksio, snap_compare: Any) -> None:
    app = AksioApp(core, start="cards")
    assert snap_compare(app, terminal_size=(80, 24), run_before=pressing("enter"))


def test_browser_asks_before_deleting(core: Aksio, snap_compare: Any) -> None:
    app = AksioApp(core, start="cards")
    assert snap_compare(app, terminal_size=(80, 24), run_before=pressing("space", "space", "x"))
