"""A fake LLM server on 127.0.0.1 speaking Ollama's and OpenAI's real wire formats, scripted per test.

The real ``ollama`` and ``openai`` clients talk to it over HTTP, so what is tested is what they send and parse.
It is an async app: requests wait with ``await asyncio.sleep``, so many are served at once (for concurrency benches).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

Body = dict[str, Any]
Responder = Callable[[Body], str]

NOT_FOUND = 'model "{model}" not found, try pulling it first'
TRICKLE_BYTES = 3600  # a trickled body lasts this many intervals unless the client hangs up first


class CutStream(Exception):
    """Raised inside a streaming body: uvicorn then drops the connection without the final chunk."""


@dataclass
class Reply:
    """One scripted answer. ``text`` may be a function of the request body. Faults are applied in this order:
    ``delay`` (for client timeouts), ``status`` (an error response), ``trickle`` (a 200 whose body then comes one
    byte per that many seconds), ``raw`` (a body that is not the wire format, sent as ``content_type`` if given),
    ``cut_after`` (a stream, or a plain body, cut after that many pieces or bytes)."""

    text: str | Responder = ""
    status: int = 200
    error: str | None = None  # the error message for a non-200 status
    retry_after: str | None = None  # sent as the Retry-After header
    delay: float = 0.0
    raw: bytes | None = None
    content_type: str | None = None  # of ``raw`` or a trickle; default: the endpoint's own
    trickle: float | None = None
    cut_after: int | None = None
    prompt_tokens: int | None = None  # default: words in the prompt
    completion_tokens: int | None = None  # default: pieces in the answer


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    body: Body
    headers: dict[str, str]


@dataclass
class Script:
    """What the server answers next; reset before every test."""

    replies: deque[Reply] = field(default_factory=deque)
    default: Reply = field(default_factory=lambda: Reply(text="{}"))
    requests: list[Seen] = field(default_factory=list)
    latency: float = 0.0  # added to every model call
    models: list[str] = field(default_factory=lambda: ["llama3.1:latest", "qwen2.5:7b"])
    api_key: str | None = None  # OpenAI endpoints answer 401 unless this bearer key is sent
    json_schema_supported: bool = True  # OpenAI response_format json_schema
    json_object_supported: bool = True  # OpenAI response_format json_object
    stream_options_supported: bool = True
    listing: Reply | None = None  # what /api/tags and /v1/models answer instead of the model list (a fault)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reply(self, *replies: Reply | str) -> Script:
        """Queue answers, used one per model call; then ``default`` answers."""
        with self.lock:
            self.replies.extend(r if isinstance(r, Reply) else Reply(text=r) for r in replies)
        return self

    def reset(self) -> None:
        """Back to the defaults, in place: the server holds on to this object."""
        fresh = Script()
        with self.lock:
            for name in self.__dataclass_fields__:
                if name != "lock":
                    setattr(self, name, getattr(fresh, name))

    def next_reply(self) -> Reply:
        with self.lock:
            return self.replies.popleft() if self.replies else self.default

    def chat_requests(self) -> list[Seen]:
        """Requests that asked the model something (not listings)."""
        with self.lock:
            return [r for r in self.requests if r.path in ("/api/chat", "/v1/chat/completions")]

    def record(self, request: Request, body: Body) -> None:
        with self.lock:
            self.requests.append(Seen(request.method, request.url.path, body, dict(request.headers)))


def pieces_of(text: str) -> list[str]:
    """Word-sized pieces whose concatenation is ``text``, as a model would stream them."""
    return re.findall(r"\s*\S+", text) + ([text[len(text.rstrip()) :]] if text != text.rstrip() else [])


def prompt_words(body: Body) -> int:
    return sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))


class FakeLLM:
    """The app plus a uvicorn server in a daemon thread; ``url`` is its root, ``script`` drives it."""

    def __init__(self) -> None:
        self.script = Script()
        self.app = Starlette(
            routes=[
                Route("/api/chat", self.ollama_chat, methods=["POST"]),
                Route("/api/tags", self.ollama_tags, methods=["GET"]),
                Route("/api/show", self.ollama_show, methods=["POST"]),
                Route("/v1/chat/completions", self.openai_chat, methods=["POST"]),
                Route("/v1/models", self.openai_models, methods=["GET"]),
            ]
        )
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=0,
            log_level="critical",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="fake-llm", daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeLLM:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the fake LLM server did not start")
            time.sleep(0.005)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)

    # -- shared --------------------------------------------------------------------------------------------

    async def _begin(self, request: Request) -> tuple[Body, Reply]:
        raw = await request.body()
        body: Body = json.loads(raw) if raw else {}
        self.script.record(request, body)
        reply = self.script.next_reply()
        with self.script.lock:
            self.script.in_flight += 1
            self.script.max_in_flight = max(self.script.max_in_flight, self.script.in_flight)
        try:
            await self._wait(request, self.script.latency + reply.delay)
        finally:
            with self.script.lock:
                self.script.in_flight -= 1
        return body, reply

    @staticmethod
    async def _wait(request: Request, seconds: float) -> None:
        """Sleep, but stop early once the client has hung up (a timed-out client must not hold the server)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(left, 0.05))
            if seconds > 0.2 and await request.is_disconnected():
                return

    @staticmethod
    def _text(reply: Reply, body: Body) -> str:
        return reply.text(body) if callable(reply.text) else reply.text

    @staticmethod
    def _headers(reply: Reply) -> dict[str, str]:
        return {"retry-after": reply.retry_after} if reply.retry_after is not None else {}

    @staticmethod
    def _raw(reply: Reply, media_type: str) -> Response | None:
        media_type = reply.content_type or media_type
        if reply.trickle is not None:
            interval = reply.trickle

            async def trickled() -> AsyncIterator[bytes]:
                for _ in range(TRICKLE_BYTES):  # ends early once the client has gone: the send then fails
                    yield b" "
                    await asyncio.sleep(interval)

            return StreamingResponse(trickled(), media_type=media_type)
        if reply.raw is None:
            return None
        if reply.cut_after is None:
            return Response(reply.raw, media_type=media_type)
        data = reply.raw

        async def cut() -> AsyncIterator[bytes]:
            yield data[: reply.cut_after]
            await asyncio.sleep(0.01)
            raise CutStream

        return StreamingResponse(cut(), media_type=media_type)

    # -- Ollama --------------------------------------------------------------------------------------------

    async def ollama_chat(self, request: Request) -> Response:
        body, reply = await self._begin(request)
        model = str(body.get("model", ""))
        if reply.status != 200:
            error = reply.error or (NOT_FOUND.format(model=model) if reply.status == 404 else "server busy")
            return JSONResponse({"error": error}, status_code=reply.status, headers=self._headers(reply))
        if (raw := self._raw(reply, "application/x-ndjson")) is not None:
            return raw
        text = self._text(reply, body)
        pieces = pieces_of(text)
        done = {
            "model": model,
            "created_at": "2026-01-05T09:00:00.000000Z",
            "message": {"role": "assistant", "content": ""},
            "done_reason": "stop",
            "done": True,
            "total_duration": 1_000_000,
            "load_duration": 100_000,
            "prompt_eval_count": prompt_words(body) if reply.prompt_tokens is None else reply.prompt_tokens,
            "prompt_eval_duration": 200_000,
            "eval_count": len(pieces) if reply.completion_tokens is None else reply.completion_tokens,
            "eval_duration": 700_000,
        }
        if not body.get("stream", True):  # Ollama streams unless told not to
            return JSONResponse({**done, "message": {"role": "assistant", "content": text}})

        async def lines() -> AsyncIterator[bytes]:
            for i, piece in enumerate(pieces):
                if reply.cut_after is not None and i >= reply.cut_after:
                    raise CutStream
                part = {
                    "model": model,
                    "created_at": "2026-01-05T09:00:00.000000Z",
                    "message": {"role": "assistant", "content": piece},
                    "done": False,
                }
                yield json.dumps(part).encode() + b"\n"
                await asyncio.sleep(0)
            yield json.dumps(done).encode() + b"\n"

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    def _listing_fault(self) -> Response | None:
        listing = self.script.listing
        return None if listing is None else self._raw(listing, "application/json")

    async def ollama_tags(self, request: Request) -> Response:
        self.script.record(request, {})
        if (fault := self._listing_fault()) is not None:
            return fault
        models = [
            {
                "name": name,
                "model": name,
                "modified_at": "2026-01-01T10:00:00.000000+01:00",
                "size": 4_661_224_676,
                "digest": "a" * 64,
                "details": {
                    "parent_model": "",
                    "format": "gguf",
                    "family": "llama",
                    "families": ["llama"],
                    "parameter_size": "8.0B",
                    "quantization_level": "Q4_K_M",
                },
            }
            for name in self.script.models
        ]
        return JSONResponse({"models": models})

    async def ollama_show(self, request: Request) -> Response:
        body = json.loads(await request.body())
        self.script.record(request, body)
        model = str(body.get("model", ""))
        if model not in self.script.models and f"{model}:latest" not in self.script.models:
            return JSONResponse({"error": NOT_FOUND.format(model=model)}, status_code=404)
        return JSONResponse(
            {
                "modelfile": "",
                "parameters": "",
                "template": "{{ .Prompt }}",
                "details": {"format": "gguf", "family": "llama", "parameter_size": "8.0B"},
                "model_info": {"llama.context_length": 131072},
                "capabilities": ["completion"],
            }
        )

    # -- OpenAI --------------------------------------------------------------------------------------------

    @staticmethod
    def _openai_error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> Response:
        kind = "invalid_request_error" if status < 500 else "server_error"
        error = {"message": message, "type": kind, "param": None, "code": None, **extra}
        return JSONResponse({"error": error}, status_code=status, headers=headers)

    def _refusal(self, request: Request, body: Body) -> Response | None:
        """What a server without the key, or without some feature, answers before looking at the prompt."""
        script = self.script
        if script.api_key is not None and request.headers.get("authorization") != f"Bearer {script.api_key}":
            return self._openai_error(401, "Incorrect API key provided.", code="invalid_api_key")
        kind = (body.get("response_format") or {}).get("type")
        if (kind == "json_schema" and not script.json_schema_supported) or (
            kind == "json_object" and not script.json_object_supported
        ):
            return self._openai_error(400, f"response_format type '{kind}' is not supported by this server")
        if "stream_options" in body and not script.stream_options_supported:
            return self._openai_error(400, "Unrecognized request argument supplied: stream_options")
        return None

    async def openai_chat(self, request: Request) -> Response:
        raw_body = await request.body()
        body: Body = json.loads(raw_body)
        if (refusal := self._refusal(request, body)) is not None:
            self.script.record(request, body)
            return refusal
        body, reply = await self._begin(request)
        model = str(body.get("model", ""))
        if reply.status != 200:
            message = reply.error or (
                f"The model `{model}` does not exist or you do not have access to it."
                if reply.status == 404
                else "The server is overloaded or not ready yet."
            )
            extra = {"code": "model_not_found"} if reply.status == 404 else {}
            return self._openai_error(reply.status, message, self._headers(reply), **extra)
        if (raw := self._raw(reply, "text/event-stream" if body.get("stream") else "application/json")) is not None:
            return raw
        text = self._text(reply, body)
        pieces = pieces_of(text)
        usage = {
            "prompt_tokens": prompt_words(body) if reply.prompt_tokens is None else reply.prompt_tokens,
            "completion_tokens": len(pieces) if reply.completion_tokens is None else reply.completion_tokens,
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        head = {"id": "chatcmpl-fake", "created": 1767603600, "model": model, "system_fingerprint": None}
        if not body.get("stream"):
            message = {"role": "assistant", "content": text, "refusal": None}
            choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
            return JSONResponse({**head, "object": "chat.completion", "choices": [choice], "usage": usage})
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def event(choices: list[Any], **more: Any) -> bytes:
            chunk = {**head, "object": "chat.completion.chunk", "choices": choices, **more}
            return b"data: " + json.dumps(chunk).encode() + b"\n\n"

        async def events() -> AsyncIterator[bytes]:
            yield event([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
            for i, piece in enumerate(pieces):
                if reply.cut_after is not None and i >= reply.cut_after:
                    raise CutStream
                yield event([{"index": 0, "delta": {"content": piece}, "finish_reason": None}])
                await asyncio.sleep(0)
            yield event([{"index": 0, "delta": {}, "finish_reason": "stop"}])
            if include_usage:
                yield event([], usage=usage)
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    async def openai_models(self, request: Request) -> Response:
        self.script.record(request, {})
        if (refusal := self._refusal(request, {})) is not None:
            return refusal
        if (fault := self._listing_fault()) is not None:
            return fault
        data = [{"id": m, "object": "model", "created": 1767603600, "owned_by": "fake"} for m in self.script.models]
        return JSONResponse({"object": "list", "data": data})
