"""Settings pointing at the fake server, a closed port, and the answer model the structured tests ask for."""

from __future__ import annotations

import socket
from typing import Any

from pydantic import BaseModel

from aksio.config import LLMSettings
from aksio.records import validated
from tests.llm.fakeserver import FakeLLM


class Card(BaseModel):
    front: str
    back: str


CARD_JSON = '{"front": "What does a TLB cache?", "back": "Page-table entries"}'
PROMPT: list[Any] = [{"role": "user", "content": "Make one card about the TLB"}]


def ollama_settings(fake: FakeLLM, **more: Any) -> LLMSettings:
    base = {"provider": "ollama", "model": "llama3.1", "base_url": fake.url, "timeout": 2}
    return validated(LLMSettings, {**base, **more})


def openai_settings(fake: FakeLLM, **more: Any) -> LLMSettings:
    base = {"provider": "openai", "model": "gpt-4o-mini", "base_url": f"{fake.url}/v1", "timeout": 2}
    return validated(LLMSettings, {**base, **more})


def closed_port_url() -> str:
    """A loopback URL nothing listens on: the port was free a moment ago and nobody else binds to it here."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
