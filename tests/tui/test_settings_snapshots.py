"""The settings screen drawn at fixed sizes, and its key editor."""

from __future__ import annotations

from typing import Any

import pytest

from aksio.service import Aksio
from aksio_tui.app import AksioApp
from aksio_tui.screens import settings
from tests.tui.pilot import SIZES, pressing


@pytest.fixture(autouse=True)
def _fixed_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The key table lists every screen's bindings, and other screens gain some: pin the app's and this one's."""
    real = settings.binding_catalogue

    def some() -> dict[str, tuple[str, str]]:
        return {k: v for k, v in real().items() if k.startswith(("app.", "settings.", "dashboard."))}

    monkeypatch.setattr(settings, "binding_catalogue", some)


@SIZES
def test_settings(core: Aksio, snap_compare: Any, size: tuple[int, int]) -> None:
    core.settings.tui.keymap = {"dashboard.study_all": "x"}
    assert snap_compare(AksioApp(core, start="settings"), terminal_size=size, run_before=pressing())


def test_settings_key_editor(core: Aksio, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await pressing()(pilot)
        table = pilot.app.screen.query_one("#set-keys")
        table.focus()
        table.move_cursor(row=table.get_row_index("dashboard.study_all"))
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(AksioApp(core, start="settings"), terminal_size=(80, 24), run_before=run_before)
