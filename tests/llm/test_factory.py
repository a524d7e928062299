"""Choosing a provider from the settings; the offline stub; light imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

from aksio.config import LLMSettings
from aksio.errors import InvalidInput
from aksio.llm.errors import LLMUnavailable
from aksio.llm.factory import OfflineProvider, make_provider
from aksio.llm.ollama_provider import OllamaProvider
from aksio.llm.openai_provider import OpenAIProvider


def test_offline_is_the_default_and_takes_no_prompts() -> None:
    provider = make_provider(LLMSettings())
    assert isinstance(provider, OfflineProvider)
    assert provider.name == "offline"
    with pytest.raises(LLMUnavailable, match="the offline generator does not take prompts"):
        provider.complete([{"role": "user", "content": "hi"}])
    status = provider.status()
    assert status.message == "offline generator: no model needed"
    assert status.reachable is True


def test_ollama_with_the_default_url() -> None:
    provider = make_provider(LLMSettings(provider="ollama", model="llama3.1"))
    assert isinstance(provider, OllamaProvider)
    assert (provider.name, provider.model, provider.base_url) == ("ollama", "llama3.1", "http://127.0.0.1:11434")


def test_command_line_provider_and_model_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKSIO_LLM_API_KEY", "sk-test")
    provider = make_provider(LLMSettings(provider="ollama", model="llama3.1"), provider="openai", model="gpt-4o")
    assert isinstance(provider, OpenAIProvider)
    assert (provider.model, provider.base_url) == ("gpt-4o", "https://api.openai.com/v1")


def test_unknown_provider_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match="unknown LLM provider 'claude'; choose one of offline, ollama, openai"):
        make_provider(LLMSettings(), provider="claude")


def test_missing_model_says_how_to_choose_one_on_the_command_line() -> None:
    with pytest.raises(InvalidInput, match=r"^no model chosen for ollama$") as caught:
        make_provider(LLMSettings(provider="ollama"))
    assert caught.value.cli_hint == "pass --model or run `aksio config set llm.model NAME`"


def test_the_llm_package_does_not_import_the_sdks() -> None:
    code = (
        "import sys, aksio.llm, aksio.llm.base, aksio.llm.errors, aksio.llm.reliability, aksio.llm.factory\n"
        "print(sorted(m for m in ('ollama', 'openai', 'httpx', 'httpx2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
