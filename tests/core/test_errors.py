"""Core errors speak to every front end: the message names no `aksio ...` command or --flag (a student in the
terminal app has none to type); the command-line advice rides along in ``cli_hint`` for the CLI to add."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aksio.config import LLMSettings, set_value
from aksio.errors import AksioError
from aksio.llm.factory import make_provider
from aksio.service import Aksio
from tests import docmaker
from tests.docmaker import Docs


def _raised(call: Callable[[], Any]) -> AksioError:
    with pytest.raises(AksioError) as caught:
        call()
    return caught.value


def _neutral(error: AksioError) -> str:
    text = str(error)
    assert "aksio " not in text and "--" not in text, text
    return text


def test_an_unknown_course_is_named_without_a_command(aksio: Aksio) -> None:
    error = _raised(lambda: aksio.course("Physics"))
    assert _neutral(error) == "no course 'Physics'"
    assert error.cli_hint == "`aksio course list` shows your courses"


def test_an_unknown_setting_is_named_without_a_command(aksio: Aksio) -> None:
    error = _raised(lambda: set_value(aksio.paths, "search.nope", "1"))
    assert _neutral(error) == "unknown setting 'search.nope'"
    assert error.cli_hint == "see `aksio config show` for the keys"


def test_a_course_without_text_asks_for_documents_without_a_command(aksio: Aksio) -> None:
    aksio.add_course("Empty")
    error = _raised(lambda: aksio.generate("cards", "Empty"))
    assert _neutral(error) == "course 'Empty' has no text to generate from"
    assert error.cli_hint == "add documents with `aksio import`"


def test_a_missing_model_is_named_without_a_flag_or_command() -> None:
    error = _raised(lambda: make_provider(LLMSettings(provider="ollama")))
    assert _neutral(error) == "no model chosen for ollama"
    assert error.cli_hint == "pass --model or run `aksio config set llm.model NAME`"


def test_an_ambiguous_document_asks_for_the_id_and_leaves_the_flag_to_the_cli(aksio: Aksio, docs: Docs) -> None:
    for name in ("Biology", "Chemistry"):
        aksio.add_course(name)
        aksio.import_paths([docs(f"{name}/notes.md", docmaker.markdown)], name)
    error = _raised(lambda: aksio.document("notes.md"))
    assert _neutral(error).endswith("; use the id")
    assert error.cli_hint == "or narrow it down with --course"
