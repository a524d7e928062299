"""How the command line starts the app. The CLI lives in the core package, which must not import this one:
it finds these functions through the ``aksio.frontends`` entry points declared in pyproject.toml."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aksio.service import Aksio


def run(aksio: Aksio, course_id: str | None, start: str) -> None:
    """Open the terminal app on an open facade, at screen ``start`` (``course_id`` its course, if any)."""
    from aksio_tui.core import CoreGate

    core = CoreGate(aksio)
    first_board = core.prefetch(lambda a: a.dashboard())  # SQLite reads the counts while Textual loads
    from aksio_tui.app import AksioApp

    AksioApp(aksio, course=course_id, start=start, core=core, first_board=first_board).run()


def serve(command: str, port: int, host: str) -> None:
    """Serve ``command`` (an `aksio tui` command line) to a browser, behind a secret printed in its address."""
    from aksio_tui.web import AksioWebServer

    AksioWebServer(command, port=port, host=host).serve()
