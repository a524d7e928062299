"""Any OpenAI-compatible server (OpenAI, llama.cpp, vLLM, LM Studio, the aksio server) through the ``openai`` SDK."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any, Literal, NoReturn
from urllib.parse import urlsplit

import httpx2
import openai

from aksio.config import LLMSettings
from aksio.llm.base import Completion, Message, ProviderStatus, TextStream, Usage
from aksio.llm.calls import BoundedCalls, Call, describe_reply, unexpected_reply
from aksio.llm.errors import (
    LLMAuthError,
    LLMBadResponse,
    LLMError,
    LLMModelNotFound,
    LLMTransient,
    LLMUnavailable,
)
from aksio.llm.reliability import parse_retry_after

DEFAULT_BASE_URL = "https://api.openai.com/v1"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}

SchemaMode = Literal["json_schema", "json_object", "text"]
FALLBACK: dict[SchemaMode, SchemaMode] = {"json_schema": "json_object", "json_object": "text"}

# What each endpoint must answer, as (what it is called, a test on its JSON): anything else is a wrong server
CHAT = ("an OpenAI-compatible chat completion", lambda data: isinstance(data, dict) and "choices" in data)
MODEL_LIST = (
    "an OpenAI-compatible model list",
    lambda data: isinstance(data, dict) and isinstance(data.get("data"), list),
)


def is_loopback(url: str) -> bool:
    """True for a server on this machine (llama.cpp, vLLM, LM Studio), which needs no API key."""
    host = urlsplit(url).hostname or ""
    return host in LOOPBACK_HOSTS or host.startswith("127.")


class OpenAIProvider:
    """One model on one OpenAI-compatible server."""

    name = "openai"

    def __init__(self, settings: LLMSettings, *, model: str, base_url: str = "") -> None:
        self.model = model
        self.base_url = (base_url or settings.base_url or DEFAULT_BASE_URL).rstrip("/")
        self.settings = settings
        key = settings.resolved_api_key()
        self._missing_key = not key and not is_loopback(self.base_url)
        self._calls = BoundedCalls(settings.timeout, f"the model server at {self.base_url}")
        self._client = openai.OpenAI(
            base_url=self.base_url,
            # local servers ignore the key, but the SDK refuses to start without one
            api_key=key or "none",
            timeout=settings.timeout,
            max_retries=0,  # reliability.with_retries does the retrying, with cancellation and Retry-After caps
            http_client=openai.DefaultHttpxClient(event_hooks=self._calls.event_hooks()),
        )
        # What this server turned out to accept; learnt from its 400s, kept for the life of this instance.
        self.schema_mode: SchemaMode = "json_schema"
        self.stream_usage = True
        self._lock = threading.Lock()

    def complete(self, messages: list[Message], schema: dict[str, Any] | None = None) -> Completion:
        """One answer; with ``schema``: ``response_format`` json_schema, else JSON mode, else plain text plus a hint."""
        self._check_key()
        return self._calls.run(lambda call: self._complete(call, messages, schema))

    def _complete(self, call: Call, messages: list[Message], schema: dict[str, Any] | None) -> Completion:
        while True:
            mode = self.schema_mode if schema is not None else "text"
            try:
                response = self._client.chat.completions.create(
                    model=self.model,
                    messages=_wire_messages(messages, schema, mode),
                    temperature=0,
                    response_format=_response_format(schema, mode),
                )
            except openai.APIStatusError as exc:
                if schema is not None and mode != "text" and _refuses_response_format(exc):
                    with self._lock:
                        if self.schema_mode == mode:
                            self.schema_mode = FALLBACK[mode]
                    continue
                self._raise(exc, call, CHAT)
            except Exception as exc:
                self._raise(exc, call, CHAT)
            # the SDK hands back a body that is not JSON as a str, and JSON of another shape unchecked
            if (wrong := self._unexpected(call, CHAT)) is not None:
                raise wrong
            if not response.choices:
                raise LLMBadResponse(f"the model server at {self.base_url} sent an answer with no choices")
            usage = response.usage
            return Completion(
                response.choices[0].message.content or "",
                Usage(usage.prompt_tokens, usage.completion_tokens) if usage else Usage(),
            )

    def stream(self, messages: list[Message]) -> TextStream:
        """The answer piece by piece over SSE; asks for a final usage chunk where the server accepts it."""
        self._check_key()

        def pieces(out: TextStream) -> Iterator[str]:
            return self._calls.watch(lambda call: self._stream_pieces(call, out, messages))

        return TextStream(pieces)

    def _stream_pieces(self, call: Call, out: TextStream, messages: list[Message]) -> Iterator[str]:
        while True:
            include_usage = self.stream_usage
            try:
                chunks = self._client.chat.completions.create(
                    model=self.model,
                    messages=_wire_messages(messages, None, "text"),
                    temperature=0,
                    stream=True,
                    stream_options={"include_usage": True} if include_usage else openai.omit,
                )
            except openai.APIStatusError as exc:
                if include_usage and exc.status_code in (400, 422) and "stream_options" in _message_of(exc):
                    self.stream_usage = False
                    continue
                self._raise(exc, call, CHAT)
            except Exception as exc:
                self._raise(exc, call, CHAT)
            break
        try:
            # an HTML page read as server-sent events is no event at all: the answer would silently be empty
            kind = chunks.response.headers.get("content-type", "")
            if not kind.startswith("text/event-stream"):
                raise LLMBadResponse(
                    f"the server at {self.base_url} answered {describe_reply(chunks.response)}, "
                    "not an OpenAI-compatible event stream: is llm.base_url right?"
                )
            for chunk in chunks:
                if chunk.usage is not None:
                    out.usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except GeneratorExit:
            raise
        except Exception as exc:
            self._raise(exc, call, CHAT)
        finally:
            chunks.close()

    def status(self) -> ProviderStatus:
        """Reachable, and does it serve the model? Asks ``/models``."""
        if self._missing_key:
            return self._status(reachable=False, message=self._missing_key_message())
        try:
            models = self._calls.run(self._models)
        except LLMAuthError as err:
            return self._status(reachable=True, message=str(err))
        except LLMError as err:
            return self._status(reachable=False, message=str(err))
        if not models:  # some servers (llama.cpp with one model) list nothing useful: do not claim either way
            return self._status(reachable=True, message=f"the model server at {self.base_url} answers.")
        available = self.model in models
        message = (
            f"the model server at {self.base_url} answers and serves {self.model}."
            if available
            else f"the model server at {self.base_url} answers but does not serve {self.model}; it has {_few(models)}."
        )
        return self._status(reachable=True, model_available=available, models=models, message=message)

    def abort(self) -> None:
        """End every call in flight now (their callers get ``LLMCancelled``)."""
        self._calls.abort()

    def _models(self, call: Call) -> list[str]:
        try:
            page = self._client.models.list()
        except Exception as exc:
            self._raise(exc, call, MODEL_LIST)
        if (wrong := self._unexpected(call, MODEL_LIST)) is not None:
            raise wrong
        return [m.id for m in page]

    def _unexpected(self, call: Call, expected: tuple[str, Callable[[Any], bool]]) -> LLMBadResponse | None:
        return unexpected_reply(call, f"the server at {self.base_url}", *expected)

    def _status(self, **fields: Any) -> ProviderStatus:
        return ProviderStatus(provider=self.name, model=self.model, base_url=self.base_url, **fields)

    def _missing_key_message(self) -> str:
        return (
            f"no API key for {self.base_url}: set the environment variable {self.settings.api_key_env} "
            "(llm.api_key_env names it)"
        )

    def _check_key(self) -> None:
        if self._missing_key:
            raise LLMAuthError(self._missing_key_message())

    def _raise(self, exc: Exception, call: Call, expected: tuple[str, Callable[[Any], bool]]) -> NoReturn:
        """The ``LLMError`` an SDK exception means; ``expected`` is what the endpoint should have answered."""
        where = f"the model server at {self.base_url}"
        if isinstance(exc, LLMError):
            raise exc
        if isinstance(exc, openai.APITimeoutError):
            raise self._calls.timeout_error() from exc
        if isinstance(exc, openai.APIConnectionError):
            if isinstance(exc.__cause__, httpx2.ConnectError):
                raise LLMUnavailable(f"cannot reach {where}; is it running?") from None
            raise LLMTransient(f"the connection to {where} broke off mid-answer") from exc
        if isinstance(exc, openai.APIStatusError):
            code, text = exc.status_code, _message_of(exc)
            if code == 429 and getattr(exc, "code", None) == "insufficient_quota":
                raise LLMAuthError(f"the API key in ${self.settings.api_key_env} has no quota left") from None
            if code in (429, 502, 503, 504):
                raise LLMTransient(
                    f"{where} is busy (HTTP {code})", retry_after=parse_retry_after(exc.response.headers)
                ) from exc
            if code in (401, 403):
                raise LLMAuthError(
                    f"{where} refused the API key (HTTP {code}); check ${self.settings.api_key_env}"
                ) from None
            if code == 404:
                if "model" in text.lower():
                    raise LLMModelNotFound(f"{where} has no model {self.model}; check llm.model") from None
                raise LLMUnavailable(
                    f"{where} has no OpenAI-compatible API there (HTTP 404); check llm.base_url (often ending in /v1)"
                ) from None
            raise LLMError(f"{where} failed: {text} (HTTP {code})") from None
        # the SDK reads a body of another shape without checking it: it fails later with these
        unparsed = ValueError | TypeError | AttributeError | KeyError | openai.APIResponseValidationError
        if isinstance(exc, unparsed) and (wrong := self._unexpected(call, expected)) is not None:
            raise wrong from None
        if isinstance(exc, json.JSONDecodeError | openai.APIResponseValidationError):
            raise LLMBadResponse(f"{where} sent a reply that is not OpenAI's JSON") from None
        if isinstance(exc, openai.APIError):  # an error event inside a stream
            raise LLMError(f"{where} failed mid-answer: {_one_line(exc.message)}") from None
        raise exc


def _wire_messages(messages: list[Message], schema: dict[str, Any] | None, mode: SchemaMode) -> Any:
    """The messages as sent; without json_schema support the schema travels in the prompt instead."""
    if schema is None or mode == "json_schema":
        return list(messages)
    # JSON mode on OpenAI also insists that the word "JSON" appears in the messages
    hint = f"Answer with one JSON object that matches this JSON schema:\n{json.dumps(schema, ensure_ascii=False)}"
    return [*messages, {"role": "system", "content": hint}]


def _response_format(schema: dict[str, Any] | None, mode: SchemaMode) -> Any:
    if schema is None or mode == "text":
        return openai.omit
    if mode == "json_object":
        return {"type": "json_object"}
    name = str(schema.get("title") or "answer")
    return {"type": "json_schema", "json_schema": {"name": _schema_name(name), "schema": schema, "strict": False}}


def _schema_name(title: str) -> str:
    """OpenAI wants ``^[a-zA-Z0-9_-]{1,64}$`` as the schema name."""
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "_-") else "_" for c in title)[:64]
    return cleaned or "answer"


def _refuses_response_format(exc: openai.APIStatusError) -> bool:
    """A 400 (or 422 from FastAPI-based servers) complaining about ``response_format`` itself."""
    if exc.status_code not in (400, 422):
        return False
    text = _message_of(exc).lower()
    return "response_format" in text or "json_schema" in text or "json_object" in text


def _message_of(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        text = error.get("message") if isinstance(error, dict) else error
        if text:
            return _one_line(str(text))
    return _one_line(exc.message)


def _few(models: list[str]) -> str:
    return ", ".join(models[:5]) + (f" and {len(models) - 5} more" if len(models) > 5 else "")


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
