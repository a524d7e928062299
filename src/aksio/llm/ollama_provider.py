"""Ollama through its own client: ``format=<JSON schema>`` for structured answers, explicit num_ctx and keep_alive."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

import httpx
import ollama
import pydantic

from aksio.config import LLMSettings
from aksio.llm.base import Completion, Message, ProviderStatus, TextStream, Usage
from aksio.llm.calls import BoundedCalls, Call, unexpected_reply
from aksio.llm.errors import (
    LLMAuthError,
    LLMBadResponse,
    LLMError,
    LLMModelNotFound,
    LLMTransient,
    LLMUnavailable,
)

DEFAULT_BASE_URL = "http://127.0.0.1:11434"

# What each endpoint must answer, as (what it is called, a test on its JSON): anything else is a wrong server
CHAT = ("an Ollama chat response", lambda data: isinstance(data, dict) and isinstance(data.get("message"), dict))
MODEL_LIST = ("Ollama's model list", lambda data: isinstance(data, dict) and isinstance(data.get("models"), list))


class OllamaProvider:
    """One model on one Ollama server."""

    name = "ollama"

    def __init__(self, settings: LLMSettings, *, model: str, base_url: str = "") -> None:
        self.model = model
        self.base_url = (base_url or settings.base_url or DEFAULT_BASE_URL).rstrip("/")
        self.settings = settings
        # Ollama itself has no keys, but one behind a proxy (or ollama.com) wants a bearer token
        key = settings.resolved_api_key()
        headers = {"Authorization": f"Bearer {key}"} if key else None
        self._calls = BoundedCalls(settings.timeout, f"Ollama at {self.base_url}")
        self._server = f"the server at {self.base_url}"  # perhaps no Ollama at all, when it answers something else
        self._client = ollama.Client(
            host=self.base_url, timeout=settings.timeout, headers=headers, event_hooks=self._calls.event_hooks()
        )
        # Ollama otherwise picks a context of its own (2048 or 4096 tokens) and silently cuts longer prompts
        self._options: dict[str, Any] = {"num_ctx": settings.num_ctx, "temperature": 0}

    def complete(self, messages: list[Message], schema: dict[str, Any] | None = None) -> Completion:
        """One answer from ``/api/chat``; ``schema`` goes in ``format`` so Ollama constrains the output."""
        return self._calls.run(lambda call: self._complete(call, messages, schema))

    def _complete(self, call: Call, messages: list[Message], schema: dict[str, Any] | None) -> Completion:
        try:
            response = self._client.chat(
                model=self.model,
                messages=messages,
                format=schema,
                options=self._options,
                keep_alive=self.settings.keep_alive,
                stream=False,
            )
        except Exception as exc:
            self._raise(exc, call, CHAT)
        return Completion(response.message.content or "", _usage(response))

    def stream(self, messages: list[Message]) -> TextStream:
        """The answer piece by piece, from Ollama's NDJSON stream; the last object carries the token counts."""

        def pieces(out: TextStream) -> Iterator[str]:
            return self._calls.watch(lambda call: self._stream_pieces(call, out, messages))

        return TextStream(pieces)

    def _stream_pieces(self, call: Call, out: TextStream, messages: list[Message]) -> Iterator[str]:
        parts = self._client.chat(
            model=self.model,
            messages=messages,
            options=self._options,
            keep_alive=self.settings.keep_alive,
            stream=True,
        )
        try:
            for part in parts:
                if part.message.content:
                    yield part.message.content
                if part.done:
                    out.usage = _usage(part)
        except GeneratorExit:
            raise
        except Exception as exc:
            self._raise(exc, call, CHAT)
        finally:
            getattr(parts, "close", lambda: None)()  # closes the HTTP response: Ollama stops generating for nobody

    def status(self) -> ProviderStatus:
        """Reachable, and is the model pulled? Asks ``/api/tags``."""
        try:
            listed = self._calls.run(self._list)
        except LLMError as err:
            return self._status(reachable=False, message=str(err))
        models = [m.model for m in listed.models if m.model]
        available = _has_model(models, self.model)
        if available:
            message = f"Ollama at {self.base_url} is running and has {self.model}."
        else:
            message = (
                f"Ollama at {self.base_url} is running but has no model {self.model}; "
                f"pull it with `ollama pull {self.model}`."
            )
        return self._status(reachable=True, model_available=available, models=models, message=message)

    def abort(self) -> None:
        """End every call in flight now (their callers get ``LLMCancelled``)."""
        self._calls.abort()

    def _list(self, call: Call) -> ollama.ListResponse:
        try:
            listed = self._client.list()
        except Exception as exc:
            self._raise(exc, call, MODEL_LIST)
        # an OpenAI-compatible server here answers JSON that the client reads as an empty list
        if (wrong := unexpected_reply(call, self._server, *MODEL_LIST)) is not None:
            raise wrong
        return listed

    def _status(self, **fields: Any) -> ProviderStatus:
        return ProviderStatus(provider=self.name, model=self.model, base_url=self.base_url, **fields)

    def _raise(self, exc: Exception, call: Call, expected: tuple[str, Callable[[Any], bool]]) -> NoReturn:
        """The ``LLMError`` a client exception means; ``expected`` is what the endpoint should have answered."""
        where = f"Ollama at {self.base_url}"
        if isinstance(exc, LLMError):
            raise exc
        if isinstance(exc, httpx.TimeoutException):
            raise self._calls.timeout_error() from exc
        # the client turns a refused connection into the builtin ConnectionError, but only outside streams
        if isinstance(exc, ConnectionError | httpx.ConnectError):
            raise LLMUnavailable(f"cannot reach {where}; start it with `ollama serve`") from None
        if isinstance(exc, httpx.TransportError):  # reset or cut mid-answer
            raise LLMTransient(f"the connection to {where} broke off mid-answer") from exc
        if isinstance(exc, ollama.ResponseError):
            code, error = exc.status_code, str(exc.error)
            if code == 404 or (code == -1 and "not found" in error):
                raise LLMModelNotFound(
                    f"{where} has no model {self.model}; pull it with `ollama pull {self.model}`"
                ) from None
            if code in (429, 503):  # 503: the server's queue is full (OLLAMA_MAX_QUEUE)
                raise LLMTransient(f"{where} is busy (HTTP {code})") from exc
            if code in (401, 403):
                raise LLMAuthError(
                    f"{where} refused the request (HTTP {code}); put its API key in ${self.settings.api_key_env}"
                ) from None
            raise LLMError(f"{where} failed: {_one_line(error)} (HTTP {code})") from None
        # the client reads any JSON into its models: a body of another shape fails there with these
        unparsed = ValueError | TypeError | AttributeError | KeyError
        if isinstance(exc, unparsed) and (wrong := unexpected_reply(call, self._server, *expected)) is not None:
            raise wrong from None
        if isinstance(exc, json.JSONDecodeError | pydantic.ValidationError):
            raise LLMBadResponse(f"{where} sent a reply that is not Ollama's JSON") from None
        raise exc


def _usage(response: ollama.ChatResponse) -> Usage:
    return Usage(response.prompt_eval_count or 0, response.eval_count or 0)


def _has_model(models: list[str], model: str) -> bool:
    """Ollama lists ``llama3.1:latest`` for a model pulled as ``llama3.1``, and answers to both."""
    want = {model, f"{model}:latest", model.removesuffix(":latest")}
    return any(m in want for m in models)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
