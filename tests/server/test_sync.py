"""Sync over HTTP: client homes (real SQLite files) and a server answering on loopback, on SQLite and on the real
PostgreSQL. The client is the one ``aksio sync`` uses (httpx); the server is the app under uvicorn."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aksio.changes import FORMAT, ChangeBatch
from aksio.errors import AksioError
from aksio.service import Aksio
from aksio_server.app import create_app
from aksio_server.runtime import Runtime
from aksio_sync import wire
from aksio_sync.client import Account, NotSignedIn, Server, SyncError, save_account, sync_now
from aksio_sync.protocol import HEADER, IDEMPOTENCY, MEDIA, MORE, PREFIX, VERSION
from tests.conftest import Cli, open_home
from tests.core.test_merge import dump, geography
from tests.docmaker import Docs, html
from tests.server.conftest import PASSWORD
from tests.sync.week import a_week_apart


class Live:
    """The app served by uvicorn on a free loopback port, in a thread of this process."""

    def __init__(self, app: Any) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live(rt: Runtime) -> Iterator[Live]:
    served = Live(create_app(rt))
    yield served
    served.stop()


@pytest.fixture
def device(tmp_path: Path, live: Live) -> Iterator[Callable[..., Aksio]]:
    """A home signed in to the live server: ``device("a", "ann@example.org")`` (registered on first use)."""
    opened: list[Aksio] = []
    known: set[str] = set()

    def make(name: str, email: str = "ann@example.org") -> Aksio:
        home = open_home(tmp_path / name)
        opened.append(home)
        with Server(live.url) as server:
            account = server.sign_in(email, PASSWORD, name, register=email not in known)
        known.add(email)
        save_account(home.paths.home, account)
        return home

    yield make
    for home in opened:
        home.close()


def test_two_devices_sync_through_the_server_and_hold_the_same(device: Callable[..., Aksio]) -> None:
    a, b = device("a"), device("b")
    cards = geography(a)
    a.answer(cards[0], 3)
    b.add_course("Biology")
    b.add_card("Biology", "Unit of life?", "The cell")
    first = sync_now(a)
    assert first.pushed == 1 and first.pulled == 0  # its own rows do not come back
    second = sync_now(b)
    assert second.pushed == 1 and second.merged.rows > 0
    sync_now(a)
    assert dump(a) == dump(b)
    b.edit_card(cards[1], add_tags=["hard"])
    a.edit_card(cards[1], back="Madrid!")
    sync_now(b)
    sync_now(a)
    sync_now(b)
    assert dump(a) == dump(b)
    assert a.card(cards[1]).back == "Madrid!" and "hard" in a.card(cards[1]).tags
    again = sync_now(a)
    assert (again.pushed, again.merged.rows) == (0, 0)


def test_a_week_offline_on_one_device_then_a_sync_gives_both_the_same(device: Callable[..., Aksio]) -> None:
    a_week_apart(device("a"), device("b"), sync_now)


def test_a_new_device_pulls_everything_in_pages_from_nothing(device: Callable[..., Aksio], live: Live) -> None:
    a = device("a")
    for i in range(30):
        a.add_card(a.add_course(f"Course {i}").name, f"Q{i}?", f"A{i}")
    sync_now(a)
    b = device("b")
    account = _account(b)
    with Server(account.url, account.token) as server:
        pages, after = 0, 0
        while True:
            batch, more = server.pull(after, b.db.device, limit=7)
            b.apply_changes(batch, pulled=(account.peer, batch.upto))
            after, pages = batch.upto, pages + 1
            if not more:
                break
    assert pages >= 90 // 7 and dump(a) == dump(b)
    assert sync_now(b).merged.rows == 0  # the cursor was kept: nothing again


def test_a_retried_push_is_applied_once(device: Callable[..., Aksio]) -> None:
    a = device("a")
    geography(a)
    account = _account(a)
    batch = a.changes_since(0)[0]
    with Server(account.url, account.token) as server:
        first = server.push(batch)
        again = server.push(batch)
        status = server.status()
    assert first.rows > 0 and again == first  # the answer it got, given again
    assert status["seq"] == first.seq


def test_one_account_never_sees_anothers_rows(device: Callable[..., Aksio]) -> None:
    ann, bob = device("ann", "ann@example.org"), device("bob", "bob@example.org")
    geography(ann)
    sync_now(ann)
    report = sync_now(bob)
    assert report.merged.rows == 0 and bob.courses() == []
    bob.add_course("Bob's course")
    sync_now(bob)
    sync_now(ann)
    assert [c.name for c in ann.courses()] == ["Geography"]


def test_a_bad_or_revoked_token_is_one_line_saying_sign_in(device: Callable[..., Aksio], live: Live) -> None:
    a = device("a")
    account = _account(a)
    save_account(a.paths.home, msgspec.structs.replace(account, token="not-a-token"))
    with pytest.raises(NotSignedIn, match="not valid"):
        sync_now(a)
    save_account(a.paths.home, account)
    with Server(account.url, account.token) as server:
        server.sign_out()
    with pytest.raises(NotSignedIn):
        sync_now(a)


def test_an_old_client_is_told_to_upgrade_and_bad_bodies_are_4xx(device: Callable[..., Aksio], live: Live) -> None:
    a = device("a")
    account = _account(a)
    auth = {"Authorization": f"Bearer {account.token}"}
    old = httpx.get(f"{live.url}{PREFIX}/status", headers={**auth, HEADER: "0"})
    assert old.status_code == 426 and "upgrade" in old.json()["error"]
    heads = {**auth, HEADER: str(VERSION), "Content-Type": MEDIA, IDEMPOTENCY: "k1"}
    for body, status in ((b"not a batch", 422), (wire.encode(a.changes_since(0)[0])[:-5], 400)):
        answer = httpx.post(f"{live.url}{PREFIX}/push", content=body, headers=heads)
        assert answer.status_code == status and "\n" not in answer.json()["error"]
    missing = httpx.post(f"{live.url}{PREFIX}/push", content=b"x", headers={**auth, HEADER: str(VERSION)})
    assert missing.status_code == 422  # no Idempotency-Key


def test_offline_is_one_line(tmp_path: Path) -> None:
    home = open_home(tmp_path / "a")
    try:
        save_account(
            home.paths.home, Account(url="http://127.0.0.1:9", email="a@b.c", user_id="u", device_id="d", token="t")
        )
        with pytest.raises(SyncError, match="does not answer"):
            sync_now(home)
    finally:
        home.close()


def _account(home: Aksio) -> Account:
    from aksio_sync.client import load_account

    found = load_account(home.paths.home)
    assert found is not None
    return found


def test_the_commands_sign_in_sync_say_where_and_sign_out(tmp_path: Path, live: Live, cli: Cli) -> None:
    one, two = str(tmp_path / "one"), str(tmp_path / "two")
    code, out, err = cli("--home", one, "sync", "status")
    assert code == 0 and "local only" in out
    login = ("sync", "login", live.url, "--email", "cli@example.org", "--password-stdin", "--device", "laptop")
    assert cli("--home", one, *login, "--register", stdin=PASSWORD + "\n")[0] == 0
    code, out, err = cli("--home", two, *login, stdin=PASSWORD + "\n")
    assert code == 0 and "signed in to" in out, err
    assert os.stat(tmp_path / "two" / "sync.json").st_mode & 0o077 == 0  # the token is its owner's alone
    assert cli("--home", one, "course", "add", "Geo", "--code", "G1")[0] == 0
    assert cli("--home", one, "card", "add", "-c", "G1", "-f", "Capital of France?", "-b", "Paris")[0] == 0
    code, out, err = cli("--home", one, "sync", "now")
    assert code == 0 and "sent: 1 batch" in out, err
    code, out, _ = cli("--home", two, "sync", "now", "--json")
    assert code == 0 and json.loads(out)["merged"]["cards"] == 1
    code, out, _ = cli("--home", two, "card", "list", "--json")
    assert [c["front"] for c in json.loads(out)["cards"]] == ["Capital of France?"]
    code, out, _ = cli("--home", one, "sync", "status", "--json")
    assert json.loads(out)["pushed_up_to"] == json.loads(out)["changes"] > 0
    assert cli("--home", two, "sync", "logout")[1].startswith("signed out")
    code, out, err = cli("--home", two, "sync", "now")
    assert code == 1 and err.count("\n") == 1 and "aksio sync login" in err
    code, _, err = cli("--home", one, *login, stdin="wrong password\n")
    assert code == 1 and err.count("\n") == 1 and err.startswith("error: ")


def test_a_documents_file_follows_it_to_the_other_device(device: Callable[..., Aksio], docs: Docs) -> None:
    a, b = device("a"), device("b")
    a.add_course("Compilers")
    a.import_paths([docs("compilers.html", html)], "Compilers")
    assert sync_now(a).blobs_sent == 1
    report = sync_now(b)
    (digest,) = a.live_blobs()
    assert report.blobs_received == 1 and b.blobs.get(digest) == a.blobs.get(digest)
    assert [h.chunk_id for h in b.search("lexer")] == [h.chunk_id for h in a.search("lexer")] != []
    assert (sync_now(a).blobs_sent, sync_now(b).blobs_received) == (0, 0)


def test_files_are_the_accounts_own(device: Callable[..., Aksio], live: Live, docs: Docs) -> None:
    ann, bob = device("ann", "ann@example.org"), device("bob", "bob@example.org")
    ann.add_course("Compilers")
    ann.import_paths([docs("compilers.html", html)], "Compilers")
    sync_now(ann)
    (digest,) = ann.live_blobs()
    heads = {"Authorization": f"Bearer {_account(bob).token}", HEADER: str(VERSION)}
    url = f"{live.url}{PREFIX}/blobs/{digest}"
    assert httpx.get(url, headers=heads).status_code == 404  # bob cannot read ann's file, nor tell it is there
    assert httpx.head(url, headers=heads).status_code == 404
    asked = httpx.post(f"{live.url}{PREFIX}/blobs/missing", json={"sha256": [digest]}, headers=heads)
    assert asked.json() == {"missing": [digest]}
    wrong = httpx.put(url, content=b"not the file", headers=heads)
    assert wrong.status_code == 422 and "sha256" in wrong.json()["error"]
    assert httpx.put(f"{live.url}{PREFIX}/blobs/..%2F..%2Fx", content=b"x", headers=heads).status_code in (404, 422)
    mine = {**heads, "Authorization": f"Bearer {_account(ann).token}"}
    assert httpx.get(url, headers=mine).content == ann.blobs.get(digest)


def test_a_batch_stamped_far_ahead_of_the_servers_clock_is_refused(device: Callable[..., Aksio]) -> None:
    a = device("a")
    geography(a)
    account = _account(a)
    batch = a.changes_since(0)[0]
    forged = msgspec.structs.replace(batch, high="9999999999999-ffff-" + batch.device)
    with Server(account.url, account.token) as server:
        with pytest.raises(SyncError, match="far ahead of the server's clock"):
            server.push(forged)
        assert server.status()["seq"] == 0  # nothing of it kept


def _hostile(answer: Callable[[Request], Response]) -> Live:
    """A server on loopback that answers every request with ``answer``: what a broken or hostile peer says."""
    return Live(Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST", "PUT", "HEAD"])]))


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (lambda _: Response(b"<html>login</html>", media_type="text/html"), "not JSON|not a batch"),
        (lambda _: Response(b'{"aksio":"changes","wire":9,"format":1,"bytes":0}\n', headers={MORE: "1"}), "newer"),
        (lambda _: Response(b"x" * 100, status_code=500), "HTTP 500"),
    ],
)
def test_a_server_that_does_not_speak_the_protocol_is_one_line(
    tmp_path: Path, answer: Callable[[Request], Response], says: str
) -> None:
    peer = _hostile(answer)
    home = open_home(tmp_path / "a")
    try:
        save_account(home.paths.home, Account(url=peer.url, email="a@b.c", user_id="u", device_id="d", token="t"))
        with pytest.raises(AksioError, match=says) as failure:
            sync_now(home)
        assert "\n" not in str(failure.value)
    finally:
        home.close()
        peer.stop()


def test_a_server_that_always_says_more_is_not_followed_for_ever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def endless(request: Request) -> Response:
        after = int(request.query_params.get("after", "0"))
        empty = ChangeBatch(format=FORMAT, device="server", since=after, upto=after + 1, high=None, tables={})
        return Response(wire.encode(empty), media_type=MEDIA, headers={MORE: "1"})

    monkeypatch.setattr("aksio_sync.client.PULL_PAGES", 50)
    peer = _hostile(endless)
    home = open_home(tmp_path / "a")
    try:
        save_account(home.paths.home, Account(url=peer.url, email="a@b.c", user_id="u", device_id="d", token="t"))
        sync_now(home)
        assert home.sync_cursor("server:u", "pull") == 50  # followed 50 pages, then stopped; the next sync goes on
    finally:
        home.close()
        peer.stop()


def test_a_server_naming_files_it_was_not_asked_about_gets_none_of_them(tmp_path: Path, docs: Docs) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the server")
    uploads: list[str] = []

    def greedy(request: Request) -> Response:
        if request.url.path.endswith("/blobs/missing"):
            return JSONResponse({"missing": ["../../../secret.txt", "f" * 64]})
        if request.method == "PUT":
            uploads.append(request.url.path)
            return Response(status_code=204)
        empty = ChangeBatch(format=FORMAT, device="server", since=0, upto=0, high=None, tables={})
        return Response(wire.encode(empty), media_type=MEDIA, headers={MORE: "0"})

    peer = _hostile(greedy)
    home = open_home(tmp_path / "home")
    try:
        home.add_course("Compilers")
        home.import_paths([docs("compilers.html", html)], "Compilers")
        home.set_sync_cursor("server:u", "push", home.last_change())  # nothing to push: only the files are asked
        save_account(home.paths.home, Account(url=peer.url, email="a@b.c", user_id="u", device_id="d", token="t"))
        assert sync_now(home).blobs_sent == 0
        assert uploads == []
    finally:
        home.close()
        peer.stop()
