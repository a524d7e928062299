"""What the app's tests share: the two snapshot sizes, waiting for the app to settle, running a flow."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.app import App

SIZES = pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])


async def loaded(pilot: Any) -> None:
    """Let the app's workers finish and the screen repaint (a DirectoryTree's loader never ends: not it). A
    worker that failed is done too: what it failed with is the app's to show (tests look at the notification),
    and waiting on it must not raise here, whether it failed before this looked or while it waited."""
    for _ in range(3):
        busy = [w for w in pilot.app.workers if w.group != "_loader"]
        if busy:
            await asyncio.gather(*(w.wait() for w in busy), return_exceptions=True)
        await pilot.pause()


def pressing(*keys: str) -> Any:
    """A ``run_before`` for ``snap_compare``: settle, then each key followed by settling again."""

    async def run_before(pilot: Any) -> None:
        await loaded(pilot)
        for key in keys:
            await pilot.press(key)
            await loaded(pilot)

    return run_before


def run(app: App[Any], flow: Callable[[Any], Awaitable[None]], size: tuple[int, int] = (120, 40)) -> None:
    """Run ``app`` headless at ``size``, let it load, then play ``flow`` with the pilot."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await loaded(pilot)
            await flow(pilot)

    asyncio.run(main())
