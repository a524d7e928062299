"""A model's answer is outside text: the escape sequences, C1 controls and bidi overrides it holds are never
stored, in cards or in quiz questions; newlines stay."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from aksio.clock import FixedClock
from aksio.service import Aksio
from tests.conftest import NOW
from tests.llm.fakeserver import FakeLLM
from tests.llm.helpers import ollama_settings

RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
NOTES = "# Memory\n\nA page table maps virtual pages to physical frames. A TLB caches recent translations.\n"
QUOTE = "A page table maps virtual pages to physical frames."


@pytest.fixture
def app(tmp_path: Path, fake_llm: FakeLLM) -> Iterator[Aksio]:
    opened = Aksio.open(tmp_path / "home", FixedClock(NOW))
    opened.add_course("OS")
    notes = tmp_path / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    assert opened.import_paths([notes], "OS").imported
    opened.settings.llm = ollama_settings(fake_llm, max_retries=1)
    yield opened
    opened.close()


def test_control_characters_in_a_models_cards_are_not_stored(app: Aksio, fake_llm: FakeLLM) -> None:
    card = {
        "kind": "basic",
        "front": "\x1b]0;pwned\x07\x1b[2JWhat maps virtual pages\u202e to\u202c physical frames?\r\nSay it.",
        "back": "A page\u009b31m table\x7f",
        "quote": "A page table\x1b[0m maps virtual pages to physical frames.",
        "page": 1,
    }
    fake_llm.script.reply(json.dumps({"cards": [card]}))  # the escapes travel as \u001b... in the JSON
    report = app.generate("cards", "OS", concurrency=1)
    assert report.kept == 1, report.rejected
    stored = app.cards("OS", origin="generated")[0]
    assert stored.front == "]0;pwned[2JWhat maps virtual pages to physical frames?\nSay it."
    assert stored.back == "A page31m table"
    assert stored.source is not None and stored.source.quote == "A page table[0m maps virtual pages to physical frames."
    assert not RAW.search(report.items[0].front + report.items[0].back + report.items[0].quote)


def test_control_characters_in_a_models_questions_are_not_stored(app: Aksio, fake_llm: FakeLLM) -> None:
    question = {
        "kind": "multiple_choice",
        "prompt": "What maps virtual pages to physical frames?\x1b[2J",
        "choices": ["A page table\x1b]0;x\x07", "A TLB entry", "A disk block", "An inode map\u2066"],
        "answer": "A page table\x1b]0;x\x07",
        "explanation": "The notes say so.\u009d0;x\u009c",
        "difficulty": 1,
        "quote": QUOTE,
        "page": 1,
    }
    fake_llm.script.reply(json.dumps({"questions": [question]}))
    report = app.generate("questions", "OS", concurrency=1)
    assert report.kept == 1, report.rejected
    stored = app.questions("OS")[0]
    assert stored["choices"] == ["A page table]0;x", "A TLB entry", "A disk block", "An inode map"]
    assert stored["answer"] == "A page table]0;x" and stored["explanation"] == "The notes say so.0;x"
    assert not RAW.search(stored["prompt"])
