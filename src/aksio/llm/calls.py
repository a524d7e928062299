"""Bounds on a provider's HTTP calls: one deadline for a whole answer, abort from any thread, and what was received.

httpx has no total timeout: its timeout bounds each read, so a server that sends headers and then one byte a second
holds a call forever. Each call here runs in a daemon thread of its own that the caller waits for at most the
deadline; at the deadline (or on ``abort``) the call's sockets are shut down, which wakes the blocked read so the
thread ends and the server stops generating for nobody. Daemon threads are never joined at exit, so an abandoned
call cannot hold the process open. The clients report their connections and responses through httpx's event hooks
and its ``trace`` extension, which httpx and httpx2 (the openai SDK's fork) both carry.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol, TypeVar

from aksio.llm.errors import LLMBadResponse, LLMCancelled, LLMTransient

R = TypeVar("R")

EXCERPT_CHARS = 60
_NO_JSON = object()


class HTTPReply(Protocol):
    """An ``httpx.Response`` or an ``httpx2.Response``: what this module reads of one."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def content(self) -> bytes: ...


class Call:
    """One model call: its sockets (to shut at the deadline) and the last HTTP response it got."""

    def __init__(self) -> None:
        self.reply: HTTPReply | None = None
        self.timed_out = False
        self.cancelled = False
        self.settled = threading.Event()  # the call returned, raised, timed out or was aborted
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def over(self) -> bool:
        return self.timed_out or self.cancelled

    def add_socket(self, sock: object) -> None:
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            self._sockets.append(sock)
            over = self.over
        if over:  # connected after the deadline: do not let it start
            _shut(sock)

    def stop(self, *, timed_out: bool) -> None:
        """Give up on the call: shut its sockets, so a read blocked on them returns at once."""
        with self._lock:
            if timed_out:
                self.timed_out = True
            else:
                self.cancelled = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)
        self.settled.set()


def _shut(sock: socket.socket) -> None:
    # shutdown, not close: closing a socket does not wake a thread blocked reading it. The plain socket's
    # method, because ssl.SSLSocket.shutdown also drops the TLS object the blocked thread is still using.
    with contextlib.suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


_current = threading.local()


def _current_call() -> Call | None:
    return getattr(_current, "call", None)


class BoundedCalls:
    """A provider's calls in flight, each bounded to ``seconds`` for the whole answer; ``abort()`` ends them all.

    ``what`` names the server in the timeout message ("Ollama at http://...").
    """

    def __init__(self, seconds: float, what: str) -> None:
        self.seconds = seconds
        self.what = what
        self._calls: set[Call] = set()
        self._lock = threading.Lock()

    def event_hooks(self) -> dict[str, list[Callable[[Any], None]]]:
        """For the HTTP client: they tie each connection and response to the call that made it."""
        return {"request": [_on_request], "response": [_on_response]}

    def timeout_error(self) -> LLMTransient:
        return LLMTransient(f"{self.what} gave no complete answer within {self.seconds:g} s")

    def run(self, fn: Callable[[Call], R]) -> R:
        """``fn(call)`` in a daemon thread, waited for at most ``seconds``: ``LLMTransient`` after that, and
        ``LLMCancelled`` if ``abort()`` came first."""
        call = Call()
        results: list[R] = []
        errors: list[BaseException] = []

        def target() -> None:
            _current.call = call
            try:
                results.append(fn(call))
            except BaseException as exc:  # handed to the waiting thread, which raises it
                errors.append(exc)
            finally:
                _current.call = None
                call.settled.set()

        with self._lock:
            self._calls.add(call)
        try:
            threading.Thread(target=target, name="aksio-llm-call", daemon=True).start()
            if not call.settled.wait(self.seconds):
                call.stop(timed_out=True)
        except BaseException:  # Ctrl-C while waiting
            call.stop(timed_out=False)
            raise
        finally:
            with self._lock:
                self._calls.discard(call)
        if call.cancelled:
            raise LLMCancelled("the model call was cancelled")
        if results:  # even if it came just as the deadline passed
            return results[0]
        if call.timed_out:  # what it raised then came of its sockets being shut
            raise self.timeout_error()
        raise errors[0]

    def watch(self, pieces: Callable[[Call], Iterator[R]]) -> Iterator[R]:
        """The pieces of a streamed answer, read in the caller's thread; at the deadline the call's sockets are
        shut (the read in progress then fails) and ``LLMTransient`` is raised."""
        call = Call()
        timer = threading.Timer(self.seconds, call.stop, kwargs={"timed_out": True})
        timer.daemon = True
        source = pieces(call)
        with self._lock:
            self._calls.add(call)
        timer.start()
        try:
            while True:
                _current.call = call  # the request is sent on the first step
                try:
                    piece = next(source)
                except StopIteration:
                    return
                except Exception:
                    self._raise_if_over(call)
                    raise
                finally:
                    _current.call = None
                self._raise_if_over(call)
                yield piece
        finally:
            timer.cancel()
            with self._lock:
                self._calls.discard(call)
            close = getattr(source, "close", None)
            if close is not None:
                close()  # closes the HTTP response: a stream left early must not keep the server generating

    def _raise_if_over(self, call: Call) -> None:
        if call.cancelled:
            raise LLMCancelled("the model call was cancelled")
        if call.timed_out:
            raise self.timeout_error()

    def abort(self) -> None:
        """End every call in flight now (from any thread): their callers get ``LLMCancelled``."""
        with self._lock:
            calls = list(self._calls)
        for call in calls:
            call.stop(timed_out=False)


def _on_request(request: Any) -> None:
    call = _current_call()
    if call is not None:
        # a new connection is reported as soon as it is made, before the server has sent anything
        request.extensions["trace"] = lambda event, info: _on_trace(call, event, info)


def _on_trace(call: Call, event: str, info: dict[str, Any]) -> None:
    if event == "connection.connect_tcp.complete":
        stream = info.get("return_value")
        if stream is not None:
            call.add_socket(stream.get_extra_info("socket"))


def _on_response(response: Any) -> None:
    call = _current_call()
    if call is None:
        return
    call.reply = response
    stream = response.extensions.get("network_stream")  # a reused keep-alive connection is seen only here
    if stream is not None:
        call.add_socket(stream.get_extra_info("socket"))


def unexpected_reply(call: Call, where: str, expected: str, fits: Callable[[Any], bool]) -> LLMBadResponse | None:
    """If the call's last response was a success whose body is not ``expected`` (``fits`` its JSON), the error
    saying what came instead; else None."""
    reply = call.reply
    if reply is None or not 200 <= reply.status_code < 300:
        return None
    try:
        data = json.loads(reply.content)
    except Exception:  # not JSON, or a stream whose body was not read here
        data = _NO_JSON
    if data is not _NO_JSON and fits(data):
        return None
    return LLMBadResponse(f"{where} answered {describe_reply(reply)}, not {expected}: is llm.base_url right?")


def describe_reply(reply: HTTPReply) -> str:
    """``200 with text/html ('<html><head><title>Login…')``: the status, the content type, the body's start."""
    kind = reply.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    try:
        body = reply.content
    except Exception:  # a stream not read: its content type says enough
        return f"{reply.status_code} with {kind}"
    if not body.strip():
        return f"{reply.status_code} with {kind} and an empty body"
    return f"{reply.status_code} with {kind} ({excerpt(body)!r})"


def excerpt(body: bytes, limit: int = EXCERPT_CHARS) -> str:
    """The start of a body as one line of text: control characters (escape sequences too) become spaces."""
    text = body[: limit * 8].decode("utf-8", "replace")
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return text if len(text) <= limit else text[:limit] + "…"
