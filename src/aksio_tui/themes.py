"""Aksio's own themes, beside Textual's built-in ones."""

from __future__ import annotations

from textual.theme import Theme

AKSIO_DARK = Theme(
    name="aksio-dark",
    primary="#5FA8D3",
    secondary="#9B8CCF",
    accent="#F2B880",
    warning="#E9C46A",
    error="#E76F51",
    success="#7BC47F",
    foreground="#E6E6E6",
    background="#15181C",
    surface="#1E2228",
    panel="#262B33",
    dark=True,
)

AKSIO_LIGHT = Theme(
    name="aksio-light",
    primary="#1F6F9F",
    secondary="#5E4FA2",
    accent="#B5651D",
    warning="#A07C00",
    error="#B23A2B",
    success="#2E7D32",
    foreground="#1D1D1D",
    background="#FAFAF7",
    surface="#F0F0EC",
    panel="#E4E4DE",
    dark=False,
)

THEMES = (AKSIO_DARK, AKSIO_LIGHT)
