"""Retries with backoff, cancellation, the response cache, and validated structured answers with one repair."""

from __future__ import annotations

import email.utils
import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from aksio.llm.base import CachedResponse, Completion, Message, Provider, TextStream, Usage
from aksio.llm.errors import LLMBadResponse, LLMCancelled, LLMTransient
from aksio.records import Record

R = TypeVar("R")
M = TypeVar("M", bound=BaseModel)

# A server asking us to wait longer than this is treated as asking for this long: a batch should not hang for an hour.
MAX_RETRY_AFTER = 60.0


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds a 429/503 response asks us to wait (``retry-after-ms``, ``Retry-After`` in seconds or as a date)."""
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Backoff:
    """Waits between attempts: exponential with jitter, or what Retry-After says; raises once the retries are spent."""

    def __init__(
        self,
        *,
        retries: int,
        base_delay: float = 0.5,
        max_delay: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        cancel: threading.Event | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.retries = retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.cancel = cancel
        self.rng = rng or random.Random()
        # time.sleep cannot be interrupted; waiting on the cancel event instead lets a cancel cut the backoff short
        self._sleep = cancel.wait if cancel is not None and sleep is time.sleep else sleep
        self.attempts = 0

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise LLMCancelled("the model call was cancelled")

    def delay(self, error: LLMTransient) -> float:
        if error.retry_after is not None:
            return min(error.retry_after, MAX_RETRY_AFTER)
        full = min(self.max_delay, self.base_delay * 2.0 ** (self.attempts - 1))
        # "equal jitter": half fixed so retries still back off, half random so parallel workers spread out
        return full / 2 + self.rng.uniform(0, full / 2)

    def failed(self, error: LLMTransient) -> None:
        """Count one failed attempt: wait before the next one, or raise the final ``LLMTransient``."""
        self.attempts += 1
        if self.attempts > self.retries:
            tries = "1 attempt" if self.attempts == 1 else f"{self.attempts} attempts"
            raise LLMTransient(f"{error.reason.rstrip('.')} (gave up after {tries})") from error
        self.check_cancel()
        self._sleep(self.delay(error))
        self.check_cancel()


def with_retries(
    fn: Callable[[], R],
    *,
    retries: int,
    base_delay: float = 0.5,
    max_delay: float = 8.0,
    sleep: Callable[[float], None] = time.sleep,
    cancel: threading.Event | None = None,
    rng: random.Random | None = None,
) -> R:
    """``fn()``, tried again up to ``retries`` times when it raises ``LLMTransient`` (timeout, 429, 503, cut stream)."""
    backoff = Backoff(retries=retries, base_delay=base_delay, max_delay=max_delay, sleep=sleep, cancel=cancel, rng=rng)
    while True:
        backoff.check_cancel()
        try:
            return fn()
        except LLMTransient as exc:
            backoff.failed(exc)


def stream_with_retries(
    provider: Provider,
    messages: list[Message],
    *,
    retries: int,
    cancel: threading.Event | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> TextStream:
    """``provider.stream`` retried while nothing was shown yet; cut later, it raises (a retry would repeat text)."""

    def pieces(out: TextStream) -> Iterator[str]:
        backoff = Backoff(retries=retries, sleep=sleep, cancel=cancel, rng=rng)
        while True:
            backoff.check_cancel()
            shown = False
            inner = provider.stream(messages)
            failure: LLMTransient | None = None
            try:
                for piece in inner:
                    backoff.check_cancel()
                    shown = True
                    yield piece
            except LLMTransient as exc:
                if shown:
                    raise LLMTransient(f"{exc.reason.rstrip('.')}, so the answer is incomplete") from exc
                failure = exc
            finally:
                close = getattr(inner, "close", None)
                if close is not None:
                    close()  # a cancelled stream must not keep the server generating
            if failure is None:
                out.usage = getattr(inner, "usage", None)
                return
            backoff.failed(failure)  # waits with the broken connection already closed

    return TextStream(pieces)


class ResponseCache(Protocol):
    """Valid answers by prompt, so a rerun or a resumed batch never pays for the same prompt twice."""

    def get(self, key: str) -> CachedResponse | None: ...

    def put(self, key: str, provider: str, model: str, text: str, usage: Usage) -> None: ...


class MemoryCache:
    """A ``ResponseCache`` in a dict, for tests and one-off runs."""

    def __init__(self) -> None:
        self._items: dict[str, CachedResponse] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedResponse | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: str, provider: str, model: str, text: str, usage: Usage) -> None:
        with self._lock:
            self._items[key] = CachedResponse(provider, model, text, usage)

    def __len__(self) -> int:
        return len(self._items)


def cache_key(provider_name: str, model: str, messages: list[Message], schema: dict[str, Any] | None) -> str:
    """sha256 of a canonical JSON of everything that decides the answer."""
    canonical = json.dumps(
        {"provider": provider_name, "model": model, "messages": messages, "schema": schema},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Structured(Record, Generic[M]):
    """A validated answer, or None with the reason; ``usage`` sums every call made for it (zero when cached)."""

    value: M | None
    usage: Usage
    calls: int
    cached: bool = False
    error: str | None = None

    def unwrap(self) -> M:
        """The value, or ``LLMBadResponse`` for callers that cannot just drop a bad answer."""
        if self.value is None:
            raise LLMBadResponse(f"the model's answer was unusable even after a repair ({self.error})")
        return self.value


REPAIR_PROMPT = "Your answer did not match the schema: {error}. Answer again with JSON only."


def parse_structured(text: str, model_cls: type[M]) -> M:
    """The model ``text`` holds, found between code fences or chatter; ``ValueError`` saying what is wrong if none."""
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.rsplit("```", 1)[0]
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        raise ValueError("the answer holds no JSON object")
    try:
        data = json.loads(body[start : end + 1])
    except json.JSONDecodeError as exc:
        raise ValueError(f"the answer is not valid JSON ({exc.msg} at character {exc.pos})") from None
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        raise ValueError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """Pydantic's errors in one line (its own text spans lines and carries documentation URLs)."""
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "the object"
        parts.append(f"{where}: {err['msg']}")
    more = len(exc.errors()) - 5
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def ask_structured(
    provider: Provider,
    messages: list[Message],
    model_cls: type[M],
    *,
    cache: ResponseCache | None,
    retries: int,
    cancel: threading.Event | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> Structured[M]:
    """An answer validated against ``model_cls``, with one repair round; a bad answer gives value None, never raises.

    Server failures (unreachable, auth, retries used up, cancelled) do raise: they are not the answer's fault.
    """
    schema = model_cls.model_json_schema()
    key = cache_key(provider.name, provider.model, messages, schema)
    if cache is not None:
        hit = cache.get(key)
        if hit is not None:
            try:
                return Structured(parse_structured(hit.text, model_cls), Usage(), calls=0, cached=True)
            except ValueError:
                pass  # stored by an older model class: ask again and overwrite

    def call(prompt: list[Message]) -> Completion:
        return with_retries(
            lambda: provider.complete(prompt, schema=schema), retries=retries, sleep=sleep, cancel=cancel, rng=rng
        )

    usage = Usage()
    prompt = list(messages)
    error = ""
    for calls in (1, 2):
        answer = call(prompt)
        usage += answer.usage
        try:
            value = parse_structured(answer.text, model_cls)
        except ValueError as exc:
            error = str(exc)
            prompt = [
                *messages,
                {"role": "assistant", "content": answer.text},
                {"role": "user", "content": REPAIR_PROMPT.format(error=error)},
            ]
            continue
        if cache is not None:
            cache.put(key, provider.name, provider.model, answer.text, answer.usage)
        return Structured(value, usage, calls=calls)
    return Structured(None, usage, calls=2, error=error)
