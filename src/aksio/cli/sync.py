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

    run = frontend("sync-dir")
    with _open() as aksio:
        report: SyncReport = run(aksio, path)
    _report(report, json)


@sync_app.command("login")
def sync_login(
    url: Annotated[str, typer.Argument(help="The sync server's address, e.g. https://sync.example.org")],
    email: Annotated[str, typer.Option("--email", help="Your account's email address.")],
    register: Annotated[bool, typer.Option("--register", help="Create the account first.")] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin's first line (for scripts).")
    ] = False,
    device: Annotated[
        str, typer.Option("--device", help="This device's name on the server (default: the device_name setting).")
    ] = "",
) -> None:
    """Sign this home in to a sync server (or make an account with --register); the token is kept in the data
    dir, readable only by you."""
    import socket
    import sys

    from aksio.cli.frontends import frontend
    from aksio.errors import InvalidInput

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Password: ")
    else:
        raise InvalidInput("no terminal to ask the password on: give it with --password-stdin")
    with _open() as aksio:
        name = (device or aksio.settings.device_name or socket.gethostname() or "device")[:100]
        account = frontend("sync-login")(aksio, url, email, password, name, register=register)
    console().print(
        markup("signed in to {} as {} (this device: {}); sync with `aksio sync now`", account.url, email, name)
    )


@sync_app.command("now")
def sync_now(json: JsonOpt = False) -> None:
    """Send this device's new changes to the server and merge everyone else's. Offline, says so in one line."""
    from aksio.cli.frontends import frontend

    with _open() as aksio:
        report: SyncReport = frontend("sync-now")(aksio)
    _report(report, json)


@sync_app.command("status")
def sync_status(json: JsonOpt = False) -> None:
    """Where this home syncs and how far it has, without asking the server."""
    from aksio.cli.frontends import frontend

    with _open() as aksio:
        found: dict[str, object] = frontend("sync-status")(aksio)
    if json:
        print_json(found)
    elif not found["signed_in"]:
        console().print(
            "local only (sync not set up): `aksio sync login URL --email ADDRESS`, or `aksio sync dir PATH`"
        )
    else:
        console().print(markup("signed in to {} as {}", found["url"], found["email"]))
        waiting = int(str(found["changes"])) - int(str(found["pushed_up_to"]))
        console().print(f"changes not sent yet: {waiting}")
    if found["held"] and not json:
        console().print(f"held: {_n(int(str(found['held'])), 'row')} from other devices wait for what they belong to")


@sync_app.command("logout")
def sync_logout() -> None:
    """Sign this home out of its sync server (its token is revoked there; offline, only forgotten here)."""
    from aksio.cli.frontends import frontend

    with _open() as aksio:
        revoked: bool = frontend("sync-logout")(aksio)
    console().print(
        "signed out"
        if revoked
        else "signed out here (the server did not answer: its token stays valid there until revoked)"
    )


def _report(report: SyncReport, json: bool) -> None:
    """Print a sync's report; exit 1 naming each batch refused, one line each."""
    from aksio.cli.output import fail

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
