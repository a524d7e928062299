"""Settings: model, scheduling, theme and keys (being built)."""

from __future__ import annotations

from aksio_tui.screens.placeholder import ComingScreen


class SettingsScreen(ComingScreen):
    def __init__(self) -> None:
        super().__init__("Settings", "model, scheduling, theme and keys")
