"""The ``aksio sync`` commands. The transports live in ``aksio_sync``, which the core never imports: each is
found through its entry point (``aksio.frontends``), as the app is."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from aksio.cli.app import JsonOpt, _open, app
from aksio.cli.output import console, markup, print_json
from aksio.control_chars import printable

if TYPE_CHECKING:
    from aksio.changes import SyncReport

sync_app = typer.Typer(help="Sync this home with your other devices.", no_args_is_help=True)
app.add_typer(sync_app, name="sync")


@sync_app.command("dir")
def sync_dir(
    path: Annotated[Path, typer.Argument(help="The shared folder (Syncthing, Dropbox, a USB stick...).")],
    json: JsonOpt = False,
) -> None:
    """Put this device's new changes into a shared folder and merge every other device's from it. Exits 1 when
    a file in it cannot be merged (each is named on its own line); files not whole yet wait for the next sync."""
    from aksio.cli.frontends import frontend
    from aksio.cli.output import fail

    run = frontend("sync-dir")
    with _open() as aksio:
        report: SyncReport = run(aksio, path)
    if json:
        print_json(report)
    else:
        _show(report)
    if report.refused:
        for line in report.refused[:-1]:
            typer.echo(printable(f"error: {line}", lines=False), err=True)
        fail(report.refused[-1])


def _show(report: SyncReport) -> None:
    out, merged = console(), report.merged
    out.print(markup("synced with {}", report.where))
    out.print(f"sent: {_n(report.pushed, 'batch')} of this device's changes ({_n(report.pushed_rows, 'row')})")
    line = f"merged: {_n(report.pulled, 'batch')} from other devices ({_n(merged.rows, 'row')}"
    if merged.cards:
        line += f", {_n(merged.cards, 'card')} rescheduled"
    if merged.deleted:
        line += f", {merged.deleted} deleted with what they belong to"
    out.print(line + ")")
    if merged.held:
        out.print(f"held: {_n(merged.held, 'row')} wait for what they belong to (a later batch brings it)")
    for waiting in report.waiting:
        out.print(markup("waiting: {}", waiting))
    files = f"documents' files: {report.blobs_sent} sent, {report.blobs_received} received"
    if report.missing_blobs:
        files += f", {len(report.missing_blobs)} not in the folder yet (their text is here; the originals follow)"
    out.print(files)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}{'es' if noun.endswith('ch') else 's'}"
