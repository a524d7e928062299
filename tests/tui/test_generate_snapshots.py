"""The generate screen drawn at fixed sizes: the form, and what a run kept and rejected."""

from __future__ import annotations

from typing import Any

import pytest

from aksio.demo import sample_path
from aksio.service import Aksio
from aksio_tui.app import AksioApp
from tests.tui.pilot import SIZES, pressing


@pytest.fixture
def os_course(core: Aksio) -> str:
    course = core.add_course("Operating Systems", code="CS162")
    core.import_paths([sample_path()], course.id)
    core.add_card(course.id, "What is a process?", "A program in execution.")  # generated again: a duplicate
    return course.id


@SIZES
def test_generate_form(core: Aksio, os_course: str, snap_compare: Any, size: tuple[int, int]) -> None:
    app = AksioApp(core, course=os_course, start="generate")
    assert snap_compare(app, terminal_size=size, run_before=pressing())


@SIZES
def test_generate_result_with_choices(core: Aksio, os_course: str, snap_compare: Any, size: tuple[int, int]) -> None:
    app = AksioApp(core, course=os_course, start="generate")
    assert snap_compare(app, terminal_size=size, run_before=pressing("ctrl+g", "down", "space"))
