"""The provider the settings (or a command's --provider/--model) ask for."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aksio.config import LLMSettings
from aksio.errors import InvalidInput
from aksio.llm.base import Completion, Message, Provider, ProviderStatus
from aksio.llm.errors import LLMUnavailable

PROVIDERS = ("offline", "ollama", "openai")


class OfflineProvider:
    """Stands for "no model": offline generation is its own code path, so this one refuses prompts."""

    name = "offline"
    model = ""

    def complete(self, messages: list[Message], schema: dict[str, Any] | None = None) -> Completion:
        raise LLMUnavailable("the offline generator does not take prompts")

    def stream(self, messages: list[Message]) -> Iterator[str]:
        raise LLMUnavailable("the offline generator does not take prompts")

    def status(self) -> ProviderStatus:
        return ProviderStatus(
            provider=self.name,
            model="",
            base_url="",
            reachable=True,
            model_available=None,
            message="offline generator: no model needed",
        )

    def abort(self) -> None:
        pass  # it never has a call in flight


def make_provider(settings: LLMSettings, *, provider: str | None = None, model: str | None = None) -> Provider:
    """A provider from ``settings``; ``provider``/``model`` (from the command line) take precedence."""
    name = (provider or settings.provider).strip().lower()
    if name not in PROVIDERS:
        raise InvalidInput(f"unknown LLM provider {name!r}; choose one of {', '.join(PROVIDERS)}")
    if name == "offline":
        return OfflineProvider()
    chosen = (model if model is not None else settings.model).strip()
    if not chosen:
        raise InvalidInput(
            f"no model chosen for {name}", cli_hint="pass --model or run `aksio config set llm.model NAME`"
        )
    # imported here: the SDKs take a few hundred ms to import, which `aksio --help` must not pay
    if name == "ollama":
        from aksio.llm.ollama_provider import OllamaProvider

        return OllamaProvider(settings, model=chosen)
    from aksio.llm.openai_provider import OpenAIProvider

    return OpenAIProvider(settings, model=chosen)
