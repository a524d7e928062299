"""What can go wrong talking to a model, each as one sentence a student understands."""

from __future__ import annotations

from aksio.errors import AksioError


class LLMError(AksioError):
    """Base of the model errors; also used as is for a server failure that fits none of the others."""


class LLMUnavailable(LLMError):
    """The model server cannot be reached (not running, wrong URL) or the provider takes no prompts."""


class LLMAuthError(LLMError):
    """The API key is missing or the server refused it."""


class LLMModelNotFound(LLMError):
    """The server is there but does not have the model asked for."""


class LLMBadResponse(LLMError):
    """The server answered something that cannot be used, even after one repair."""


class LLMTransient(LLMError):
    """A timeout, 429 or 503: worth retrying; raised to the caller once the retries are used up."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.reason = message
        self.retry_after = retry_after  # seconds the server asked us to wait (Retry-After), if it said


class LLMCancelled(LLMError):
    """The user (or a shutting-down worker) cancelled the call."""
