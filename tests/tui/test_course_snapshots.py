"""The course screen drawn at fixed sizes, with a fixed clock and the demo lecture imported; `--snapshot-update`
after a deliberate change of looks, then look at the SVGs in __snapshots__."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pymupdf
import pytest

from aksio.demo import sample_path
from aksio.service import Aksio
from aksio_tui.app import AksioApp
from tests.tui.pilot import SIZES, loaded, pressing


def _course_app(core: Aksio) -> AksioApp:
    assert core.import_paths([sample_path()], "Biology").imported
    return AksioApp(core, course=core.course("Biology").id, start="course")


@SIZES
def test_sections_and_a_section_text(core: Aksio, snap_compare: Any, size: tuple[int, int]) -> None:
    keys = ("down",) * 6  # down to 4.1 Paging
    assert snap_compare(_course_app(core), terminal_size=size, run_before=pressing(*keys))


@SIZES
def test_search_hits(core: Aksio, snap_compare: Any, size: tuple[int, int]) -> None:
    keys = ("slash", *"page", "enter")
    assert snap_compare(_course_app(core), terminal_size=size, run_before=pressing(*keys))


def test_a_hit_opened_at_its_page(core: Aksio, snap_compare: Any) -> None:
    keys = ("slash", *"thrashing", "enter", "enter")
    assert snap_compare(_course_app(core), terminal_size=(80, 24), run_before=pressing(*keys))


@SIZES
def test_import_report(
    core: Aksio, snap_compare: Any, size: tuple[int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = tmp_path / "me"
    (me / "lectures").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(me))
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Mitochondria make most of the cell's ATP.", fontsize=11)
    doc.save(me / "lectures" / "cells.pdf")
    (me / "lectures" / "empty.pdf").write_bytes(b"")
    app = AksioApp(core, course=core.course("Biology").id, start="course")
    keys = ("i", "end", *"/lectures", "enter")
    assert snap_compare(app, terminal_size=size, run_before=pressing(*keys))


def test_course_picker(core: Aksio, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await loaded(pilot)
        pilot.app.action_go("course", course=None)
        await loaded(pilot)

    assert snap_compare(AksioApp(core), terminal_size=(80, 24), run_before=run_before)
