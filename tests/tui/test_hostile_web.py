"""`aksio web` opens the app only to its own page at the address it printed: a page of another site, a request
without this run's secret, a foreign Host reach nothing, and the page loads nothing from another host."""

from __future__ import annotations

import asyncio
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import aiohttp
import pytest

from tests.conftest import Cli

WAIT = 60  # seconds a started server or app may take to answer on a loaded machine (a bound, not a measure)


@dataclass
class Served:
    """One `aksio web` process: the address it printed and what it wrote."""

    url: str
    process: subprocess.Popen[str]
    stderr: list[str | None] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"http://{urlsplit(self.url).netloc}"

    @property
    def page(self) -> str:
        """The printed address as a folder (old versions printed no trailing slash)."""
        return self.url if self.url.endswith("/") else self.url + "/"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _drain(stream: Iterator[str], put: Callable[[str | None], None]) -> None:
    for line in stream:
        put(line)
    put(None)  # the end


def _listening(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=WAIT).close()
    except OSError:
        return False
    return True


def _serve(home: Path, *args: str) -> Iterator[Served]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aksio.cli", "--home", str(home), "web", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    lines: queue.Queue[str | None] = queue.Queue()
    served = Served("", process)
    assert process.stdout is not None and process.stderr is not None
    threading.Thread(target=_drain, args=(process.stdout, lines.put), daemon=True).start()
    threading.Thread(target=_drain, args=(process.stderr, served.stderr.append), daemon=True).start()
    try:
        while not served.url:
            line = lines.get(timeout=WAIT)
            assert line is not None, f"aksio web ended: {served.stderr}"
            found = re.search(r"http://\S+", line)
            if found:
                served.url = found.group()
        split = urlsplit(served.url)
        assert split.hostname is not None and split.port == port
        while not _listening(split.hostname, port):  # older versions printed the address before listening
            assert process.poll() is None, f"aksio web ended: {served.stderr}"
            time.sleep(0.05)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from _serve(tmp_path_factory.mktemp("web"))


def _get(url: str, **headers: str) -> tuple[int, str, dict[str, str]]:
    async def get() -> tuple[int, str, dict[str, str]]:
        async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
            return response.status, (await response.read()).decode(errors="replace"), dict(response.headers)

    return asyncio.run(get())


def _websocket(url: str, origin: str | None) -> int | bytes:
    """Open the app's WebSocket at ``url`` (page address + ``ws``) from ``origin``: the handshake's refusal status,
    or the app's first output once accepted."""

    async def connect() -> int | bytes:
        headers = {"Origin": origin} if origin else {}
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(url + "?width=80&height=24", headers=headers) as ws:
                    message = await ws.receive(timeout=WAIT)
                    assert message.type == aiohttp.WSMsgType.BINARY, message
                    data: bytes = message.data
                    return data
            except aiohttp.WSServerHandshakeError as refused:
                return refused.status

    return asyncio.run(connect())


def test_nothing_answers_without_the_secret_printed_at_start(served: Served) -> None:
    status, text, _ = _get(served.origin + "/")
    assert status == 403
    assert "printed" in text
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/[A-Za-z0-9_-]{40,}/", served.url)
    secret = urlsplit(served.url).path.strip("/")
    assert _get(f"{served.origin}/{secret[:-1]}x/")[0] == 403
    assert _get(f"{served.origin}/static/js/textual.js")[0] == 403
    assert _websocket(served.origin + "/ws", served.origin) == 403


def test_the_page_loads_nothing_from_another_host(served: Served) -> None:
    status, html, headers = _get(served.page)
    assert status == 200
    for url in re.findall(r"""\b(?:https?|wss?)://[^\s"'<>)]+""", html):
        assert urlsplit(url).netloc == urlsplit(served.url).netloc, url
    assert "<title>Aksio</title>" in html
    assets = re.findall(r"""(?:href|src)="([^"]+)\"""", html) + re.findall(r"""url\(["']?([^"')]+)""", html)
    assert len(assets) >= 3  # the style sheet, the script, the background
    for asset in assets:
        status, text, _ = _get(urljoin(served.page, asset))
        assert status == 200, asset
        if asset.endswith(".css"):
            assert not re.search(r"""(@import|url\()\s*["']?(https?:)?//""", text), asset
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert re.findall(r"\w+://\S+", policy) == [f"ws://{urlsplit(served.url).netloc};"]
    assert headers["Referrer-Policy"] == "no-referrer"  # the secret in the address goes to no other site


def test_the_app_opens_only_to_its_own_page(served: Served) -> None:
    assert _websocket(served.page + "ws", "http://evil.example") == 403
    assert _websocket(served.page + "ws", served.origin.replace("127.0.0.1", "localhost")) == 403
    assert _websocket(served.page + "ws", "null") == 403
    assert _websocket(served.page + "ws", None) == 403  # a browser always sends Origin: this is no page of ours
    output = _websocket(served.page + "ws", served.origin)
    assert isinstance(output, bytes) and output  # the app started and drew (the alternate screen first)


def test_a_page_of_a_name_rebound_to_loopback_is_refused(served: Served) -> None:
    host = f"evil.example:{urlsplit(served.url).port}"
    assert _get(served.page, Host=host)[0] == 403


def test_it_listens_on_loopback_only_unless_told_where(served: Served, tmp_path: Path) -> None:
    port = urlsplit(served.url).port
    assert port is not None
    assert not _listening("127.0.0.2", port)  # all of 127/8 is this machine, but only 127.0.0.1 was bound
    other = _serve(tmp_path, "--host", "127.0.0.2")
    elsewhere = next(other)
    try:
        assert urlsplit(elsewhere.url).hostname == "127.0.0.2"
        assert _get(elsewhere.page)[0] == 200
        assert not _listening("127.0.0.1", urlsplit(elsewhere.url).port or 0)
    finally:
        other.close()


def test_listening_beyond_loopback_warns_who_can_reach_the_app() -> None:
    from aksio_tui.web import exposure_warning

    assert all(exposure_warning(host) is None for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"))
    for host in ("0.0.0.0", "192.168.1.5", "myhost.lan"):
        warning = exposure_warning(host)
        assert warning is not None and "anyone who can reach" in warning


def test_a_port_out_of_range_or_in_use_is_one_line(cli: Cli) -> None:
    for port in ("65536", "0", "-5"):
        code, _, err = cli("web", "--port", port)
        assert (code, err) == (1, f"error: --port {port}: a port is a number from 1 to 65535\n")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = cli("web", "--port", str(port))
    assert code == 1
    assert err == f"error: cannot listen on 127.0.0.1:{port}: the port is in use; choose another with --port\n"
