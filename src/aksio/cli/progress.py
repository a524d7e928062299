"""A progress bar for imports that appears only when the import takes longer than a moment."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TYPE_CHECKING

from aksio.control_chars import printable

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from aksio.generation import GenerationProgress
    from aksio.service import ImportProgress

_DELAY_S = 0.5


class ImportBar:
    """Feeds a rich progress bar from import events; shows it on stderr after ``_DELAY_S``, never for --json."""

    def __init__(self, enabled: bool = True) -> None:
        import sys

        self.enabled = enabled and sys.stderr.isatty()  # a bar in a log file or a pipe is noise
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._timer: threading.Timer | None = None

    def __enter__(self) -> ImportBar:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
        # stop() prints a newline even for a bar that never showed: only stop one that started
        if self._progress is not None and self._progress.live.is_started:
            self._progress.stop()

    def update(self, event: ImportProgress) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            from aksio.cli.output import err_console

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("[bold]importing"),
                BarColumn(),
                DownloadColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[files]}", markup=False),  # a file name is no markup
                console=err_console(),
                transient=True,
            )
            self._task = self._progress.add_task("importing", total=event.total_bytes or None, files="")
            self._timer = threading.Timer(_DELAY_S, self._progress.start)
            self._timer.daemon = True
            self._timer.start()
        assert self._task is not None
        name = printable(event.path.replace("\\", "/").rsplit("/", 1)[-1], lines=False) if event.path else "done"
        self._progress.update(
            self._task,
            completed=event.done_bytes,
            files=f"{min(event.index + 1, event.total)}/{event.total} {name[:40]}",
        )


class GenerateBar:
    """A rich progress bar over a generation's section parts (kept and rejected so far); stderr, never --json."""

    def __init__(self, enabled: bool = True) -> None:
        import sys

        self.enabled = enabled and sys.stderr.isatty()
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> GenerateBar:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, event: GenerationProgress) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            from aksio.cli.output import err_console

            self._progress = Progress(
                TextColumn("[bold]generating"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("sections  {task.fields[kept]} kept  {task.fields[rejected]} rejected"),
                TimeElapsedColumn(),
                console=err_console(),
                transient=True,
            )
            self._task = self._progress.add_task("generating", total=event.parts_total, kept=0, rejected=0)
            self._progress.start()
        assert self._task is not None
        self._progress.update(self._task, completed=event.parts_done, kept=event.kept, rejected=event.rejected)
