"""``aksio web``: the terminal app served to a browser by textual-serve, shut to every other page and host.

textual-serve's own server answers whoever reaches its port: its WebSocket starts the app and types into it for a
page of any site (browsers let any page open a WebSocket to 127.0.0.1), and its page loads a font from Google.
This server keeps textual-serve's plumbing (the app process, the message loop) and adds:

- a secret made for this run as the first segment of every path: the URL printed at start is the only way in;
- a WebSocket only from this server's own page (``Origin`` must be ``http://`` + the ``Host`` asked for), and, bound
  to loopback, only a ``Host`` that names loopback (a DNS-rebinding page asks for its own name);
- a page of ours that loads nothing from another host, under a Content-Security-Policy that forbids them.
"""

from __future__ import annotations

import errno
import hmac
import ipaddress
import secrets
import sys
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

from aksio.errors import ConfigError

LOOPBACK = "127.0.0.1"
PAGE = "web_page.html"
REFUSED = "open the address `aksio web` printed when it started: it holds this run's secret"
SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address to bind) is reachable only from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str) -> str | None:
    """What binding ``host`` exposes, or None when only this machine can reach it."""
    if is_loopback(host):
        return None
    return (
        f"listening on {host}: anyone who can reach this machine and has the address printed below can use "
        "Aksio as you (your courses, cards and settings)"
    )


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class AksioWebServer(Server):
    """textual-serve's ``Server`` behind a per-run secret, an Origin check and a page without outside assets."""

    def __init__(self, command: str, port: int, host: str = LOOPBACK) -> None:
        super().__init__(command, host=host, port=port, title="Aksio")
        self.templates_path = Path(__file__).parent
        self.secret = secrets.token_urlsafe(32)
        self.prefix = f"/{self.secret}"
        wildcard = host in ("", "0.0.0.0", "::")
        shown = LOOPBACK if wildcard else host
        self.url = f"http://{_netloc(shown, port)}{self.prefix}/"
        # The Host headers this server answers; None: any (bound to every address, its names are not known here).
        self.hosts: frozenset[str] | None = None
        if is_loopback(host):
            self.hosts = frozenset(_netloc(name, port) for name in (LOOPBACK, "localhost", "::1", host.lower()))
        elif not wildcard:
            self.hosts = frozenset({_netloc(host.lower(), port)})

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        # No /download route: the app delivers no files, and textual.js asks for them at the origin's root,
        # outside the secret.
        app.add_routes(
            [
                web.get(self.prefix, self.handle_index),
                web.get(f"{self.prefix}/", self.handle_index),
                web.get(f"{self.prefix}/ws", self.handle_websocket),
                web.static(f"{self.prefix}/static", self.statics_path),
            ]
        )
        app.on_response_prepare.append(self._add_security_headers)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Refuse, before any route runs, a request for another host or without this run's secret."""
        if self.hosts is not None and request.host.lower() not in self.hosts:
            raise web.HTTPForbidden(text=f"this server does not answer for {request.host!r}")
        first = request.path.split("/", 2)[1]
        if not hmac.compare_digest(first.encode(), self.secret.encode()):
            raise web.HTTPForbidden(text=REFUSED)
        response: web.StreamResponse = await handler(request)
        return response

    async def _add_security_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        # 'unsafe-inline' styles: xterm.js and textual.js add <style> elements of their own at run time.
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; "
            f"font-src 'self'; connect-src ws://{request.host}; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'"
        )
        response.headers.update(SECURITY_HEADERS)

    @aiohttp_jinja2.template(PAGE)
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """The page: textual-serve's terminal, its script and style sheet served from here, nothing from outside."""
        return {
            "title": self.title,
            "font_size": min(max(to_int(request.query.get("fontsize", "16"), 16), 6), 64),
            "static_url": f"{self.prefix}/static/",
            "websocket_url": f"ws://{request.host}{self.prefix}/ws",
        }

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """The app's WebSocket, only for this server's own page: a browser always sends ``Origin`` with one, so a
        missing ``Origin`` is a client that is no page of ours and is refused too."""
        origin = request.headers.get("Origin", "")
        if origin.lower() != f"http://{request.host}".lower():
            raise web.HTTPForbidden(text=f"WebSocket from another page refused (Origin {origin or 'missing'})")
        return await super().handle_websocket(request)

    def serve(self, debug: bool = False) -> None:
        """Serve until Ctrl-C; the address (with the secret) is printed once the port is ours."""
        self.debug = debug
        try:
            web.run_app(self._make_app(), host=self.host, port=self.port, print=self._announce)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if exc.errno == errno.EADDRINUSE:
                reason = "the port is in use; choose another with --port"
            raise ConfigError(f"cannot listen on {_netloc(self.host, self.port)}: {reason}") from None

    def _announce(self, _aiohttp_banner: str) -> None:
        self.initialize_logging()  # textual-serve's log of requests and app processes, once the port is ours
        warning = exposure_warning(self.host)
        if warning:
            sys.stderr.write(f"warning: {warning}\n")
        sys.stdout.write(f"Aksio on {self.url} (Ctrl-C stops it)\n")
        sys.stdout.flush()
