"""What every model provider offers: a completion (optionally JSON-schema structured), a text stream, a status."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypedDict

from msgspec import field

from aksio.records import FrozenRecord, Record


class Message(TypedDict):
    """One chat turn, in the shape both Ollama and OpenAI take."""

    role: str  # "system" | "user" | "assistant"
    content: str


class Usage(FrozenRecord, frozen=True):
    """Tokens one or more calls cost."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Completion(FrozenRecord, frozen=True):
    """A whole answer: its text, what it cost, and whether it came from the response cache."""

    text: str
    usage: Usage
    cached: bool = False


class CachedResponse(FrozenRecord, frozen=True):
    """A stored answer to one prompt."""

    provider: str
    model: str
    text: str
    usage: Usage


class ProviderStatus(Record, kw_only=True):
    """What `status()` found out about a provider, for `aksio` to show."""

    provider: str
    model: str
    base_url: str
    reachable: bool
    model_available: bool | None = None  # None: could not tell (unreachable, or the server lists no models)
    models: list[str] = field(default_factory=list)
    message: str  # one sentence for the user


class TextStream(Iterator[str]):
    """The pieces of a streamed answer; ``usage`` is set once the stream has ended (if the server reported it).

    Closing it (or leaving a ``with`` block) closes the HTTP response, so a cancelled stream stops the server too.
    """

    def __init__(self, pieces: Callable[[TextStream], Iterator[str]]) -> None:
        self.usage: Usage | None = None
        self._pieces = pieces(self)

    def __next__(self) -> str:
        return next(self._pieces)

    def __iter__(self) -> TextStream:
        return self

    def close(self) -> None:
        close = getattr(self._pieces, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> TextStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Provider(Protocol):
    """A model behind some wire protocol. One instance is one (provider, base URL, model); safe to share by threads."""

    name: str
    model: str

    def complete(self, messages: list[Message], schema: dict[str, Any] | None = None) -> Completion:
        """One answer; with ``schema`` the server is asked for JSON matching it (validation is the caller's job).

        Makes exactly one attempt: a retryable failure raises ``LLMTransient`` (see ``reliability.with_retries``),
        and so does an answer not finished within ``llm.timeout`` seconds, however slowly the server trickles it.
        """
        ...

    def stream(self, messages: list[Message]) -> Iterator[str]:
        """The answer as it is generated, in text pieces (providers return a ``TextStream`` carrying the usage)."""
        ...

    def status(self) -> ProviderStatus:
        """Whether the server answers and has the model; never raises for an unreachable server."""
        ...

    def abort(self) -> None:
        """End every call in flight now, from any thread: their callers get ``LLMCancelled``."""
        ...
