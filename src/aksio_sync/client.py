"""Sync with a server (``aksio sync login|now|status|logout``): the client side of ``aksio_sync.protocol``.

The account a home is signed in to lives in ``<data dir>/sync.json`` (mode 0600: it holds the device token). A sync
pushes this device's log from its push cursor, a batch at a time, each acknowledged before the cursor moves (a push
retried after a lost answer carries the same Idempotency-Key and is applied once); then pulls the account's rows
from its pull cursor, each batch merged with the cursor's move in one transaction. A new device pulls from 0: there
is no "full sync". Offline is normal: a server that does not answer is one line, and nothing is lost.
"""

from __future__ import annotations

import functools
import hashlib
import ssl
from pathlib import Path
from typing import Any

import httpx
import msgspec

from aksio.atomic import write_atomic
from aksio.blobs import ChunkReader, is_digest
from aksio.changes import ChangeBatch, SyncReport
from aksio.errors import AksioError
from aksio.records import FrozenRecord
from aksio.service import Aksio
from aksio_sync import wire
from aksio_sync.protocol import (
    BLOB_LIMIT,
    BLOBS_PER_ASK,
    HEADER,
    IDEMPOTENCY,
    MEDIA,
    MORE,
    PREFIX,
    PULL_ROWS,
    VERSION,
    PushAck,
)

ACCOUNT_FILE = "sync.json"
BATCH_ROWS = 5000
PULL_LIMIT = 256 << 20  # bytes of one pulled batch: ~1 MB is usual
PULL_PAGES = 20_000  # pages one sync follows at most (100M rows); the next sync goes on from there
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
ACCOUNTS = "/api/v1/accounts"


class SyncError(AksioError):
    """The server cannot be reached, refuses the request, or answers something that is not the protocol."""


class Unreachable(SyncError):
    """The server does not answer (offline, or a wrong address): a normal state, in which nothing is lost."""


class NotSignedIn(SyncError):
    """No account, or a token the server no longer takes: sign in (again)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, cli_hint="sign in with `aksio sync login URL --email ADDRESS`")


class Account(FrozenRecord, frozen=True):
    """The server account a home syncs with."""

    url: str
    email: str
    user_id: str
    device_id: str
    token: str

    @property
    def peer(self) -> str:
        """The key of this account's push and pull cursors."""
        return f"server:{self.user_id}"  # the account's log, whichever address (or process) serves it


# -- the account file ---------------------------------------------------------------------------------------


def load_account(home: Path) -> Account | None:
    """The account ``home`` is signed in to, or None."""
    path = home / ACCOUNT_FILE
    try:
        return msgspec.json.decode(path.read_bytes(), type=Account)
    except FileNotFoundError:
        return None
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise SyncError(f"{path}: cannot be read ({exc}); sign in again with `aksio sync login`") from None


def save_account(home: Path, account: Account) -> None:
    """Write the account file, readable by its owner only, at once."""
    home.mkdir(parents=True, exist_ok=True)
    write_atomic(home / ACCOUNT_FILE, lambda fh: fh.write(msgspec.json.encode(account)), mode=0o600)


def forget_account(home: Path) -> None:
    (home / ACCOUNT_FILE).unlink(missing_ok=True)


# -- talking to a server ------------------------------------------------------------------------------------


def server_url(text: str) -> str:
    """A server's address as typed, checked: http(s), a host, no credentials, query or fragment."""
    try:
        url = httpx.URL(text.strip())
    except (httpx.InvalidURL, TypeError):
        raise SyncError(f"{text!r} is not a server address (say https://sync.example.org)") from None
    if url.scheme not in ("http", "https") or not url.host or url.userinfo or url.query or url.fragment:
        raise SyncError(f"{text!r} is not a server address (say https://sync.example.org)")
    return str(url).rstrip("/")


class Server:
    """One server, over HTTP (``transport``: another one, for tests)."""

    def __init__(self, url: str, token: str | None = None, transport: httpx.BaseTransport | None = None) -> None:
        self.url = server_url(url)
        headers = {HEADER: str(VERSION)}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http = httpx.Client(
            base_url=self.url, headers=headers, timeout=TIMEOUT, transport=transport, verify=_certificates()
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def sign_in(self, email: str, password: str, device: str, *, register: bool = False) -> Account:
        body: dict[str, str] = {"email": email, "password": password, "device_name": device}
        answer = self._json("POST", f"{ACCOUNTS}/{'register' if register else 'login'}", json=body)
        try:
            return Account(
                url=self.url,
                email=email,
                user_id=str(answer["user_id"]),
                device_id=str(answer["device_id"]),
                token=str(answer["token"]),
            )
        except (KeyError, TypeError):
            raise SyncError(f"{self.url} answered a sign-in with something else: is it an Aksio server?") from None

    def sign_out(self) -> None:
        self._send("POST", f"{ACCOUNTS}/logout")

    def push(self, batch: ChangeBatch) -> PushAck:
        body = wire.encode(batch)
        key = f"{batch.device}:{batch.since + 1}-{batch.upto}:{hashlib.sha256(body).hexdigest()[:32]}"
        answer = self._json("POST", f"{PREFIX}/push", content=body, headers={"Content-Type": MEDIA, IDEMPOTENCY: key})
        try:
            return msgspec.convert(answer, PushAck)
        except msgspec.ValidationError:
            raise SyncError(f"{self.url} acknowledged a push with something else") from None

    def pull(self, after: int, device: str, limit: int = PULL_ROWS) -> tuple[ChangeBatch, bool]:
        params: dict[str, str | int] = {"after": after, "limit": limit, "device": device}
        try:
            with self.http.stream("GET", f"{PREFIX}/pull", params=params) as response:
                self._check(response, read=True)
                data = bytearray()
                for part in response.iter_bytes():
                    data += part
                    if len(data) > PULL_LIMIT:
                        raise SyncError(f"{self.url} sent a batch larger than {PULL_LIMIT >> 20} MB")
                more = response.headers.get(MORE) == "1"
        except httpx.HTTPError as exc:
            raise _unreachable(self.url, exc) from None
        batch = wire.decode(bytes(data), f"a batch from {self.url}")
        if batch.since != after or batch.upto < after:
            raise SyncError(f"{self.url} sent changes {batch.since + 1}-{batch.upto}, not those after {after}")
        return batch, more

    def missing_blobs(self, digests: list[str]) -> list[str]:
        """Which of these files the server lacks."""
        missing: list[str] = []
        for start in range(0, len(digests), BLOBS_PER_ASK):
            answer = self._json(
                "POST", f"{PREFIX}/blobs/missing", json={"sha256": digests[start : start + BLOBS_PER_ASK]}
            )
            found = answer.get("missing")
            if not isinstance(found, list):
                raise SyncError(f"{self.url} did not say which files it lacks")
            missing += [str(d) for d in found]
        return missing

    def put_blob(self, digest: str, path: Path) -> None:
        with path.open("rb") as fh:
            self._send(
                "PUT", f"{PREFIX}/blobs/{digest}", content=fh, headers={"Content-Type": "application/octet-stream"}
            )

    def get_blob(self, aksio: Aksio, digest: str) -> bool:
        """Fetch a file into the home's store, checked against its sha256; False when the server lacks it."""
        try:
            with self.http.stream("GET", f"{PREFIX}/blobs/{digest}") as response:
                if response.status_code == 404:
                    return False
                self._check(response, read=True)
                aksio.blobs.put_stream(ChunkReader(response.iter_bytes()), digest, BLOB_LIMIT)
        except httpx.HTTPError as exc:
            raise _unreachable(self.url, exc) from None
        except ValueError as exc:
            raise SyncError(f"{self.url} sent the file {digest[:12]}: {exc}") from None
        return True

    def status(self) -> dict[str, Any]:
        return self._json("GET", f"{PREFIX}/status")

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._send(method, path, **kwargs)
        try:
            found = response.json()
        except ValueError:
            found = None
        if not isinstance(found, dict):
            raise SyncError(f"{self.url} did not answer as an Aksio server does (not JSON)")
        return found

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise _unreachable(self.url, exc) from None
        self._check(response)
        return response

    def _check(self, response: httpx.Response, *, read: bool = False) -> None:
        if response.is_success:
            return
        if read:
            response.read()
        try:
            said = response.json().get("error")
        except (ValueError, AttributeError):
            said = None
        message = said if isinstance(said, str) else f"HTTP {response.status_code}"
        if response.status_code == 401:
            raise NotSignedIn(f"{self.url}: {message}")
        raise SyncError(f"{self.url}: {message}")


def _unreachable(url: str, exc: httpx.HTTPError) -> SyncError:
    """The error of a request that got no answer: ``Unreachable`` when the network or the server is away."""
    kind = Unreachable if isinstance(exc, httpx.TransportError) else SyncError
    return kind(f"cannot reach {url}: {_reason(exc)}")


@functools.cache
def _certificates() -> ssl.SSLContext:
    """What a server's certificate is checked against (httpx's default), read once a process: a client that
    read it for itself spent 20-30 ms of every sync doing so, more than the rest of a push."""
    return httpx.create_ssl_context()


def _reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "it does not answer (offline, or the address is wrong)"
    if isinstance(exc, httpx.TimeoutException):
        return "it took too long to answer"
    return str(exc) or type(exc).__name__


# -- a sync -------------------------------------------------------------------------------------------------


def sync_now(aksio: Aksio, transport: httpx.BaseTransport | None = None) -> SyncReport:
    """Push this device's new changes to its server, then pull and merge everyone else's."""
    account = load_account(aksio.paths.home)
    if account is None:
        raise NotSignedIn("this home is not signed in to a sync server")
    report = SyncReport(where=account.url)
    with Server(account.url, account.token, transport) as server:
        _push(aksio, server, account, report)
        _pull(aksio, server, account, report)
        _share_blobs(aksio, server, report)
    return report


def _push(aksio: Aksio, server: Server, account: Account, report: SyncReport) -> None:
    cursor, last = aksio.sync_cursor(account.peer, "push"), aksio.last_change()
    while cursor < last:
        batch, upto = aksio.changes_since(cursor, BATCH_ROWS)
        if upto == cursor:
            break
        if batch.size:
            ack = server.push(batch)
            if ack.upto != upto:
                raise SyncError(f"{server.url} acknowledged changes up to {ack.upto}, not {upto}")
            report.pushed += 1
            report.pushed_rows += batch.size
        aksio.set_sync_cursor(account.peer, "push", upto)
        cursor = upto


def _pull(aksio: Aksio, server: Server, account: Account, report: SyncReport) -> None:
    after = aksio.sync_cursor(account.peer, "pull")
    for _ in range(PULL_PAGES):  # a server that always says "more" is not followed for ever
        batch, more = server.pull(after, aksio.db.device)
        if batch.size:
            report.add(aksio.apply_changes(batch, pulled=(account.peer, batch.upto)))
        elif batch.upto > after:  # only rows this device wrote: nothing to merge, but the cursor moves past them
            aksio.set_sync_cursor(account.peer, "pull", batch.upto)
        after = batch.upto
        if not more or batch.upto == batch.since:
            return


def _share_blobs(aksio: Aksio, server: Server, report: SyncReport) -> None:
    """Upload the files of this home's live documents the server lacks; fetch the ones this home lacks."""
    here = [digest for digest in aksio.live_blobs() if aksio.blobs.has(digest)]
    asked = set(here)
    # only files it was asked about: a name the server makes up is never read (nor a path taken from it)
    for digest in dict.fromkeys(d for d in server.missing_blobs(here) if d in asked):
        server.put_blob(digest, aksio.blobs.path(digest))
        report.blobs_sent += 1
    for digest in aksio.missing_blobs():
        if not is_digest(digest):  # a document's row names its file: a name, never a path
            continue
        if server.get_blob(aksio, digest):
            report.blobs_received += 1
        else:
            report.missing_blobs.append(digest)


def status_of(aksio: Aksio) -> dict[str, Any]:
    """Where this home syncs and how far, without asking the server."""
    account = load_account(aksio.paths.home)
    held = len(aksio.held_changes())  # rows from elsewhere waiting for the row they belong to (any transport)
    if account is None:
        return {"signed_in": False, "held": held}
    return {
        "held": held,
        "signed_in": True,
        "url": account.url,
        "email": account.email,
        "pushed_up_to": aksio.sync_cursor(account.peer, "push"),
        "changes": aksio.last_change(),
        "pulled_up_to": aksio.sync_cursor(account.peer, "pull"),
    }


__all__ = ["Account", "NotSignedIn", "Server", "SyncError", "Unreachable", "sync_now"]


# -- the commands' entry points (``aksio sync login|now|status|logout`` find them by entry point) ----------------


def login(aksio: Aksio, url: str, email: str, password: str, device: str, *, register: bool = False) -> Account:
    """Sign this home in to a server (``register``: make the account first) and keep the device token."""
    with Server(url) as server:
        account = server.sign_in(email, password, device, register=register)
    save_account(aksio.paths.home, account)
    return account


def logout(aksio: Aksio) -> bool:
    """Sign this home out: its token revoked on the server (True) or, offline, only forgotten here (False)."""
    account = load_account(aksio.paths.home)
    if account is None:
        raise NotSignedIn("this home is not signed in to a sync server")
    revoked = True
    try:
        with Server(account.url, account.token) as server:
            server.sign_out()
    except NotSignedIn:
        pass  # revoked already
    except SyncError:
        revoked = False
    forget_account(aksio.paths.home)
    return revoked
