"""Every screen drawn at fixed sizes, with a fixed clock and seeded data; `--snapshot-update` after a deliberate
change of looks, then look at the SVGs in __snapshots__."""

from __future__ import annotations

from typing import Any

import pytest

from aksio.service import Aksio
from aksio_tui.app import AksioApp
from tests.tui.pilot import loaded, pressing


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
def test_dashboard(core: Aksio, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(AksioApp(core), terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
def test_review_with_the_answer_shown(core: Aksio, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(AksioApp(core), terminal_size=size, run_before=pressing("s", "space"))


def test_source_of_a_card(core: Aksio, snap_compare: Any) -> None:
    assert snap_compare(AksioApp(core), terminal_size=(80, 24), run_before=pressing("s", "o"))


def test_help(core: Aksio, snap_compare: Any) -> None:
    assert snap_compare(AksioApp(core), terminal_size=(100, 40), run_before=pressing("question_mark"))


def test_session_summary(core: Aksio, snap_compare: Any) -> None:
    keys = ("s", "space", "3", "space", "1", "q")
    assert snap_compare(AksioApp(core), terminal_size=(80, 24), run_before=pressing(*keys))
