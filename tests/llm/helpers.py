"""Settings pointing at the fake server, a closed port, and the answer model the structured tests ask for."""

from __future__ import annotations

import json
import re
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


NOTES = """# Memory

Virtual memory gives every process its own address space. A page table maps virtual pages to physical frames.

# Scheduling

The scheduler picks the next thread to run. Round robin gives each thread a fixed time slice in turn.

# Files

A file system stores files in blocks on a disk. An inode holds a file's metadata and the locations of its blocks.
"""


def cards_from_notes(body: dict[str, Any]) -> str:
    """What a good model answers: one card per 'X <verb> Y.' sentence, quoting it, citing its page."""
    prompt = body["messages"][-1]["content"]
    cards = []
    for page, text in re.findall(r"\[page (\d+)\]\n(.*?)(?=\n\[page |\Z)", prompt, re.S):
        for sentence in re.findall(r"[A-Z][^.]*\.", text):
            words = sentence.rstrip(".").split()
            if len(words) >= 6:
                subject, rest = " ".join(words[:2]), " ".join(words[2:])
                cards.append(
                    {
                        "kind": "basic",
                        "front": f"What does {subject.lower()} do?",
                        "back": rest[:80],
                        "quote": sentence,
                        "page": int(page),
                    }
                )
    return json.dumps({"cards": cards[:3]})
