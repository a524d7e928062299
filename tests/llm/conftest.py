"""The fake LLM server, started once per session (its script reset before every test), and a course to generate from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aksio.clock import FixedClock
from aksio.service import Aksio
from tests.conftest import NOW
from tests.llm.fakeserver import FakeLLM
from tests.llm.helpers import NOTES


@pytest.fixture(scope="session")
def fake_llm_server() -> Iterator[FakeLLM]:
    server = FakeLLM().start()
    yield server
    server.stop()


@pytest.fixture
def fake_llm(fake_llm_server: FakeLLM) -> FakeLLM:
    """The running server with a fresh script: no queued replies, default answer ``{}``, no faults."""
    fake_llm_server.script.reset()
    return fake_llm_server


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Aksio]:
    """A facade with course OS holding the three-section NOTES, at a fixed clock."""
    opened = Aksio.open(tmp_path / "home", FixedClock(NOW))
    opened.add_course("OS")
    notes = tmp_path / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    assert opened.import_paths([notes], "OS").imported
    yield opened
    opened.close()
