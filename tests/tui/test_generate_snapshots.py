"""The generate screen drawn at fixed sizes: the form, and what a run kept and rejected."""

from __future__ import annotations

from typing import Any

import pytest

from aksio.demo import sample_path
from aksio.service import Aksio
from aksio_tui.app import AksioApp

SIZES = pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])


@pytest.fixture
def os_course(core: Aksio) -> str:
    course = core.add_course("Operating Systems", code="CS162")
    core.import_paths([sample_path()], course.id)
    core.add_card(course.id, "What is a process?", "A program in execution.")  # generated again: a duplicate
    return course.id


def _pressing(*keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    return run_before


@SIZES
def test_generate_form(core: Aksio, os_course: str, snap_compare: Any, size: tuple[int, int]) -> None:
    app = AksioApp(core, course=os_course, start="generate")
    assert snap_compare(app, terminal_size=size, run_before=_pressing())


@SIZES
def test_generate_result_with_choices(core: Aksio, os_course: str, snap_compare: Any, size: tuple[int, int]) -> None:
    app = AksioApp(core, course=os_course, start="generate")
    assert snap_compare(app, terminal_size=size, run_before=_pressing("ctrl+g", "down", "space"))
