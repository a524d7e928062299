"""The app's background sync against a real server on loopback (the server app under uvicorn, on SQLite): the
header says where the home syncs and how it went, the app syncs on start and a little after a change, offline
is a quiet state in which study goes on, and a refused token asks to sign in again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from aksio.clock import FixedClock
from aksio.service import Aksio
from aksio_server.app import create_app
from aksio_server.migrate import upgrade
from aksio_server.passwords import Passwords
from aksio_server.runtime import Runtime
from aksio_server.settings import load_settings
from aksio_sync.client import Account, Server, save_account, sync_now
from aksio_tui.app import AksioApp
from aksio_tui.screens.browser import CardBrowserScreen
from aksio_tui.screens.review import ReviewScreen
from aksio_tui.sync import ACCOUNT_FILE, SyncState, ago, host_in, signed_in
from aksio_tui.widgets.course_table import CourseTable
from aksio_tui.widgets.title_bar import TitleBar
from tests.core.test_merge import dump
from tests.server.conftest import _SERVER_ENV, CHEAP, PASSWORD
from tests.server.test_sync import Live
from tests.tui.conftest import LATER, T0
from tests.tui.pilot import loaded, run

OFFLINE = "http://127.0.0.1:9"  # the discard port: nothing answers there


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    """A sync server (SQLite under tmp_path) answering on a loopback port."""
    for name in _SERVER_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AKSIO_SERVER_HOME", str(tmp_path / "server"))
    rt = Runtime.start(load_settings(), passwords=Passwords(CHEAP), clock=FixedClock(T0))
    upgrade(rt.engine)
    served = Live(create_app(rt))
    yield served
    served.stop()
    rt.close()


@pytest.fixture
def other(tmp_path: Path) -> Iterator[Aksio]:
    """Another device of the same student."""
    home = Aksio.open(tmp_path / "other", FixedClock(LATER), tz=UTC)
    yield home
    home.close()


def sign_in(home: Aksio, live: Live, *, register: bool) -> Account:
    with Server(live.url) as server:
        account = server.sign_in("ann@example.org", PASSWORD, home.paths.home.name, register=register)
    save_account(home.paths.home, account)
    return account


def title(app: AksioApp) -> str:
    return app.screen.query_one(TitleBar).render().plain.strip(" ⭘")


async def synced(pilot: Any, after: int = 0) -> None:
    """Wait for the app's sync number ``after + 1`` to end (and what it started, e.g. the counts read again)."""
    app = pilot.app
    for _ in range(600):  # a bound against a hang, not a speed check
        if app.syncs > after and not app.sync_running:
            break
        await pilot.pause(0.05)
    else:
        raise AssertionError(f"no sync ended: {app.sync_state}")
    await loaded(pilot)


def test_a_home_not_signed_in_is_local_only_and_never_syncs(core: Aksio) -> None:
    app = AksioApp(core, sync_delay=0.05)

    async def flow(pilot: Any) -> None:
        assert title(app) == "Aksio — all courses · local only (sync not set up)"
        await pilot.press("s", "space", "3")  # a change: no sync follows it
        await loaded(pilot)
        await pilot.pause(0.2)
        assert app.syncs == 0 and not app.sync_running
        assert title(app) == "Aksio — all courses · local only (sync not set up)"
        app.action_sync()  # "Sync now" says how to set it up
        await pilot.pause()
        assert any("aksio sync login URL" in n.message for n in app._notifications)

    run(app, flow)
    assert not (core.paths.home / ACCOUNT_FILE).exists()


def test_signed_in_the_app_syncs_on_start_and_shows_what_came(core: Aksio, other: Aksio, live: Live) -> None:
    sign_in(other, live, register=True)
    other.add_course("Physics")
    other.add_card("Physics", "Unit of force?", "The newton")
    sync_now(other)
    sign_in(core, live, register=False)
    app = AksioApp(core)
    host = live.url.removeprefix("http://")

    async def flow(pilot: Any) -> None:
        await synced(pilot)
        assert title(app) == f"Aksio — all courses · synced with {host} just now"
        rows = {row[0]: row[3:] for row in app.screen.query_one(CourseTable).rows}
        assert rows["Physics"] == ("0", "0", "1")  # counted again once merged
        assert rows["Biology"] == ("0", "4", "2")
        assert not app._notifications  # a sync that went well is said in the header only

    run(app, flow)
    sync_now(other)
    assert dump(other) == dump(core)  # the app's start sync sent this home's cards too


def test_a_change_in_the_app_is_sent_a_little_later_and_study_goes_on(core: Aksio, other: Aksio, live: Live) -> None:
    sign_in(core, live, register=True)
    app = AksioApp(core, sync_delay=0.1)
    answered: list[str] = []

    async def flow(pilot: Any) -> None:
        await synced(pilot)
        await pilot.press("s", "space")
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None
        answered.append(screen.card.id)
        before = app.syncs
        await pilot.press("3")
        await loaded(pilot)
        assert screen.card is not None and screen.card.id != answered[0]  # the next card, not waiting for a sync
        await synced(pilot, before)
        assert "synced with" in title(app)

    run(app, flow)
    sign_in(other, live, register=False)
    sync_now(other)
    assert dump(other) == dump(core)
    assert other.card(answered[0]).state == core.card(answered[0]).state


def test_the_card_browser_lists_what_a_sync_brought(core: Aksio, other: Aksio, live: Live) -> None:
    sign_in(core, live, register=True)
    app = AksioApp(core, start="cards")

    async def flow(pilot: Any) -> None:
        await synced(pilot)
        screen = app.screen
        assert isinstance(screen, CardBrowserScreen)
        before = len(screen.cards.rows)
        sign_in(other, live, register=False)
        sync_now(other)
        other.add_card("Biology", "Powerhouse of the cell?", "The mitochondrion")
        sync_now(other)
        await pilot.press("ctrl+p", *"sync now")
        await loaded(pilot)
        await pilot.press("enter")
        await synced(pilot, 1)
        assert len(screen.cards.rows) == before + 1
        (said,) = app._notifications  # asked for: told how it went
        assert said.message.startswith(f"synced with {live.url.removeprefix('http://')}: ") and "merged" in said.message

    run(app, flow)


def test_offline_is_a_quiet_state_and_study_works(core: Aksio) -> None:
    save_account(core.paths.home, Account(url=OFFLINE, email="a@b.c", user_id="u", device_id="d", token="t"))
    app = AksioApp(core, sync_delay=0.05)

    async def flow(pilot: Any) -> None:
        await synced(pilot)
        assert title(app) == "Aksio — all courses · offline (changes wait here)"
        await pilot.press("s", "space", "3")
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and sum(screen.ratings.values()) == 1
        await synced(pilot, 1)  # the change's sync: offline again, and said nowhere else
        assert title(app) == "Aksio — all courses · offline (changes wait here)"
        assert not app._notifications
        await pilot.press("ctrl+p", *"sync now")
        await loaded(pilot)
        await pilot.press("enter")
        await synced(pilot, 2)  # asked for: told why
        assert [n.severity for n in app._notifications] == ["warning"]
        assert "127.0.0.1:9: it does not answer" in next(iter(app._notifications)).message

    run(app, flow)
    assert core.sessions() == [] and sum(c.state.reps for c in core.cards("Biology")) == 9  # 4 cards x 2 + 1


def test_a_refused_token_asks_to_sign_in_again_once(core: Aksio, live: Live) -> None:
    account = sign_in(core, live, register=True)
    save_account(core.paths.home, msgspec.structs.replace(account, token="not-a-token"))
    app = AksioApp(core, sync_delay=0.05)
    host = live.url.removeprefix("http://")

    async def flow(pilot: Any) -> None:
        await synced(pilot)
        assert title(app) == f"Aksio — all courses · {host}: sign in again"
        (said,) = app._notifications
        assert said.severity == "error" and "sign in again with `aksio sync login URL" in said.message
        app.sync_now()  # a retry in the background: the header keeps saying it, no second notification
        await synced(pilot, 1)
        assert len(app._notifications) == 1 and title(app).endswith("sign in again")
        save_account(core.paths.home, account)  # signed in again (`aksio sync login` in another terminal)
        app.sync_now()
        await synced(pilot, 2)
        assert title(app) == f"Aksio — all courses · synced with {host} just now"

    run(app, flow)


def test_signing_in_while_the_app_runs_is_picked_up(core: Aksio, live: Live) -> None:
    app = AksioApp(core, sync_every=0.1)

    async def flow(pilot: Any) -> None:
        assert title(app).endswith("local only (sync not set up)") and app.syncs == 0
        sign_in(core, live, register=True)
        await synced(pilot)
        assert title(app).endswith("just now")

    run(app, flow)


def test_an_account_file_that_cannot_be_read_is_an_error_line_not_a_crash(core: Aksio) -> None:
    (core.paths.home / ACCOUNT_FILE).write_text("[not an account")
    app = AksioApp(core)

    async def flow(pilot: Any) -> None:
        await synced(pilot)
        assert app.sync_state.kind == "error" and title(app).startswith("Aksio — all courses · sync error: ")
        (said,) = app._notifications
        assert said.severity == "error" and "cannot be read" in said.message and "sign in again" in said.message

    run(app, flow, size=(200, 10))


def test_text_from_a_server_is_shown_as_text(core: Aksio) -> None:
    app = AksioApp(core)

    async def flow(pilot: Any) -> None:
        app.show_sync(SyncState("error", host="[b]h[/b]", detail="[red]refused[/red] \x1b[2J\nnext"))
        await pilot.pause()
        line = title(app)
        assert "sync error: [red]refused[/red]" in line and "\x1b" not in line and "\n" not in line
        app.show_sync(SyncState("signed_out", host="[b]h[/b]"))
        await pilot.pause()
        assert title(app).endswith("[b]h[/b]: sign in again")

    run(app, flow, size=(200, 10))


def test_how_long_ago() -> None:
    assert [ago(LATER - timedelta(seconds=s), LATER) for s in (0, 59, 60, 7199, 86400, 3 * 86400)] == [
        "just now",
        "just now",
        "1 min ago",
        "1 h ago",
        "1 day ago",
        "3 days ago",
    ]
    state = SyncState("offline", host="h", synced_at=LATER - timedelta(minutes=5))
    assert state.line(LATER) == "offline (last synced 5 min ago)"


def test_the_app_reads_the_clients_account_file_for_its_first_words(tmp_path: Path) -> None:
    from aksio_sync import client

    assert client.ACCOUNT_FILE == ACCOUNT_FILE
    account = Account(url="https://sync.example.org:8443", email="a@b.c", user_id="u", device_id="d", token="t")
    save_account(tmp_path, account)
    assert signed_in(tmp_path) and host_in(tmp_path) == "sync.example.org:8443"
    (tmp_path / ACCOUNT_FILE).write_text("[not an account")
    assert host_in(tmp_path) == ""  # what is wrong with it is the sync's to say
    assert SyncState("syncing", "").line(LATER) == "syncing…"


def test_header_offline(core: Aksio, snap_compare: Any) -> None:
    save_account(core.paths.home, Account(url=OFFLINE, email="a@b.c", user_id="u", device_id="d", token="t"))
    assert snap_compare(AksioApp(core), terminal_size=(80, 24), run_before=synced)
