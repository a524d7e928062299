"""Generation through a model: the real ollama and openai clients against the fake server, faults included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aksio.errors import AksioError
from aksio.generate.checks import quote_on_page
from aksio.service import Aksio
from tests.conftest import Cli
from tests.llm.fakeserver import FakeLLM, Reply
from tests.llm.helpers import NOTES, cards_from_notes, closed_port_url, ollama_settings, openai_settings


def _use(app: Aksio, fake: FakeLLM, **more: Any) -> None:
    app.settings.llm = ollama_settings(fake, max_retries=1, **more)


def _stored_cards(app: Aksio) -> list[Any]:
    return app.cards("OS", origin="generated")


def test_model_cards_are_checked_against_their_page_and_stored_with_their_source(app: Aksio, fake_llm: FakeLLM) -> None:
    _use(app, fake_llm)
    fake_llm.script.default = Reply(text=cards_from_notes)
    report = app.generate("cards", "OS", per_section=3, concurrency=1)
    assert (report.parts, report.parts_done, report.parts_failed) == (3, 3, 0)
    assert report.kept == len(_stored_cards(app)) == 6 and report.calls == 3
    pages: dict[int, str] = {}
    for r in app.db.query("SELECT page, text FROM chunk ORDER BY page, ord"):
        pages[r[0]] = pages.get(r[0], "") + "\n" + r[1]
    for card in _stored_cards(app):
        assert card.origin == "gen:ollama/llama3.1" and card.source is not None
        assert card.source.quote and quote_on_page(card.source.quote, pages[card.source.page])
    sent = fake_llm.script.chat_requests()[0].body
    assert sent["format"]["properties"]["cards"] and sent["options"]["num_ctx"] == app.settings.llm.num_ctx
    assert "[page 1]" in sent["messages"][-1]["content"] and "Virtual memory" in sent["messages"][-1]["content"]
    assert report.prompt_tokens > 0 and report.completion_tokens > 0
    usage = app.db.query_one("SELECT count(*), sum(calls) FROM llm_usage")
    assert usage is not None and tuple(usage) == (3, 3)


def test_items_that_fail_the_checks_are_dropped_and_counted_by_reason(app: Aksio, fake_llm: FakeLLM) -> None:
    _use(app, fake_llm)
    good = {
        "kind": "basic",
        "front": "What maps virtual pages to physical frames?",
        "back": "A page table",
        "quote": "A page table maps virtual pages to physical frames.",
        "page": 1,
    }
    invented = {
        **good,
        "front": "What is thrashing?",
        "back": "Paging all the time",
        "quote": "Thrashing is when a system spends its time paging.",
    }
    leaking = {**good, "front": "What does a page table map to physical frames?", "back": "page table"}
    fake_llm.script.reply(json.dumps({"cards": [good, invented, leaking, good]}))
    fake_llm.script.default = Reply(text='{"cards": []}')
    report = app.generate("cards", "OS", concurrency=1)
    assert report.kept == 1
    assert report.rejected == {"quote_not_on_page": 1, "answer_in_question": 1, "duplicate": 1}
    assert [(r.reason, r.front) for r in report.rejected_items] == [
        ("quote_not_on_page", invented["front"]),
        ("answer_in_question", leaking["front"]),
        ("duplicate", good["front"]),
    ]
    assert [c.front for c in _stored_cards(app)] == [good["front"]]


def test_faults_are_retried_or_counted_and_a_rerun_redoes_only_the_failed_part(app: Aksio, fake_llm: FakeLLM) -> None:
    _use(app, fake_llm)
    fake_llm.script.default = Reply(text=cards_from_notes)
    fake_llm.script.reply(
        Reply(status=503, error="busy"),  # part 1: retried once, then answered
        Reply(text=cards_from_notes),
        Reply(text='{"cards": "none"}'),  # part 2: violates the schema, and again after the repair prompt
        Reply(text='{"cards": [{"front": 1}]}'),
    )
    first = app.generate("cards", "OS", concurrency=1)
    assert (first.parts_done, first.parts_failed) == (2, 1) and first.rejected == {"model_error": 1}
    repair = fake_llm.script.chat_requests()[3].body["messages"][-1]["content"]
    assert "did not match the schema" in repair
    kept_before = len(_stored_cards(app))
    assert kept_before == first.kept == 4
    fake_llm.script.requests.clear()
    again = app.generate("cards", "OS", concurrency=1)
    assert (again.parts_resumed, again.parts_done, again.parts_failed) == (2, 1, 0)
    assert len(fake_llm.script.chat_requests()) == 1  # only the part that failed
    assert len(_stored_cards(app)) == kept_before + again.kept


def test_a_dry_run_stores_no_cards_but_its_answers_are_not_paid_for_twice(app: Aksio, fake_llm: FakeLLM) -> None:
    _use(app, fake_llm)
    fake_llm.script.default = Reply(text=cards_from_notes)
    dry = app.generate("cards", "OS", dry_run=True)
    assert dry.kept == 6 and dry.items and _stored_cards(app) == []
    assert app.db.query_one("SELECT count(*) FROM generation_part")[0] == 0  # type: ignore[index]
    fake_llm.script.requests.clear()
    real = app.generate("cards", "OS")
    assert fake_llm.script.chat_requests() == [] and real.cached == 3 and real.calls == 0
    assert len(_stored_cards(app)) == 6


def test_an_unreachable_server_is_one_error_and_nothing_is_stored(app: Aksio) -> None:
    app.settings.llm = ollama_settings_for(closed_port_url())
    with pytest.raises(AksioError, match=r"cannot reach Ollama at http://127\.0\.0\.1:\d+.*ollama serve"):
        app.generate("cards", "OS")
    assert _stored_cards(app) == []


def ollama_settings_for(url: str) -> Any:
    from aksio.config import LLMSettings

    return LLMSettings(provider="ollama", model="llama3.1", base_url=url, timeout=2, max_retries=0)


def test_the_openai_provider_asks_for_a_json_schema_and_generates_questions(app: Aksio, fake_llm: FakeLLM) -> None:
    app.settings.llm = openai_settings(fake_llm, max_retries=0)
    question = {
        "kind": "multiple_choice",
        "prompt": "Which structure holds a file's metadata?",
        "choices": ["An inode", "A page table", "A time slice", "A frame"],
        "answer": "An inode",
        "explanation": "The notes say an inode holds a file's metadata.",
        "difficulty": 2,
        "quote": "An inode holds a file's metadata and the locations of its blocks.",
        "page": 1,
    }
    fake_llm.script.reply(json.dumps({"questions": [question]}))
    fake_llm.script.default = Reply(text='{"questions": []}')
    report = app.generate("questions", "OS", concurrency=1)
    assert report.kept == 1 and report.generator == "openai/gpt-4o-mini"
    body = fake_llm.script.chat_requests()[0].body
    assert body["response_format"]["type"] == "json_schema"
    (stored,) = app.questions("OS")
    assert stored["choices"] == question["choices"] and stored["answer"] == "An inode"
    assert stored["source_quote"] == question["quote"] and stored["origin"] == "gen:openai/gpt-4o-mini"


def test_parts_go_to_the_model_concurrently(app: Aksio, fake_llm: FakeLLM) -> None:
    _use(app, fake_llm)
    fake_llm.script.default = Reply(text='{"cards": []}')
    fake_llm.script.latency = 0.3
    report = app.generate("cards", "OS", concurrency=3)
    assert report.parts_done == 3 and fake_llm.script.max_in_flight == 3


def test_cli_generates_with_a_model_from_the_environment(
    cli: Cli, fake_llm: FakeLLM, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AKSIO_LLM__BASE_URL", fake_llm.url)
    fake_llm.script.default = Reply(text=cards_from_notes)
    notes = tmp_path / "n.md"
    notes.write_text(NOTES, encoding="utf-8")
    assert cli("course", "add", "OS")[0] == 0 and cli("import", str(notes), "-c", "OS")[0] == 0
    code, out, _ = cli("generate", "cards", "-c", "OS", "-p", "ollama", "-m", "llama3.1", "--json")
    assert code == 0 and json.loads(out)["kept"] == 6
    code, out, err = cli("generate", "cards", "-c", "OS", "-p", "ollama", "-m", "nope")
    assert code == 0 and "3 already done" not in out  # another model: its own parts
    monkeypatch.setenv("AKSIO_LLM__BASE_URL", closed_port_url())
    code, out, err = cli("generate", "cards", "-c", "OS", "-p", "ollama", "-m", "other")
    assert code == 1 and err.count("\n") == 1 and "ollama serve" in err


@pytest.mark.parametrize(
    "fault",
    [
        Reply(status=429, error="slow down", retry_after="0"),
        Reply(status=503, error="loading model"),
        Reply(delay=2.5),  # longer than the 1 s timeout
    ],
    ids=["429", "503", "timeout"],
)
def test_a_transient_fault_is_retried_and_the_batch_finishes(app: Aksio, fake_llm: FakeLLM, fault: Reply) -> None:
    app.settings.llm = ollama_settings(fake_llm, max_retries=1, timeout=1)
    fake_llm.script.default = Reply(text=cards_from_notes)
    fake_llm.script.reply(fault)
    report = app.generate("cards", "OS", concurrency=1)
    assert (report.parts_done, report.parts_failed, report.kept) == (3, 0, 6)
    assert len(fake_llm.script.chat_requests()) == 4  # one retry


def test_malformed_answers_fail_their_part_only_and_nothing_usable_is_an_error(
    cli: Cli, fake_llm: FakeLLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AKSIO_LLM__BASE_URL", fake_llm.url)
    monkeypatch.setenv("AKSIO_LLM__MAX_RETRIES", "0")
    notes = tmp_path / "n.md"
    notes.write_text(NOTES, encoding="utf-8")
    assert cli("course", "add", "OS")[0] == 0 and cli("import", str(notes), "-c", "OS")[0] == 0
    fake_llm.script.default = Reply(raw=b'{"message": {"content": "unterminated')
    code, out, err = cli("generate", "cards", "-c", "OS", "-p", "ollama", "-m", "llama3.1", "--json")
    assert code == 1 and json.loads(out)["rejected"] == {"model_error": 3} and "nothing usable" in err
    assert json.loads(cli("card", "list", "--json")[1])["cards"] == []
    fake_llm.script.default = Reply(text=cards_from_notes)
    code, out, _ = cli("generate", "cards", "-c", "OS", "-p", "ollama", "-m", "llama3.1", "--json")
    assert code == 0 and json.loads(out)["parts_done"] == 3  # the failed parts were not marked done


def test_an_unknown_model_and_a_missing_key_are_one_line(
    cli: Cli, fake_llm: FakeLLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AKSIO_LLM__BASE_URL", fake_llm.url)
    notes = tmp_path / "n.md"
    notes.write_text(NOTES, encoding="utf-8")
    assert cli("course", "add", "OS")[0] == 0 and cli("import", str(notes), "-c", "OS")[0] == 0
    fake_llm.script.default = Reply(status=404, error='model "nope" not found, try pulling it first')
    code, _, err = cli("generate", "cards", "-c", "OS", "-p", "ollama", "-m", "nope")
    assert code == 1 and err.count("\n") == 1 and "ollama pull nope" in err
    monkeypatch.setenv("AKSIO_LLM__BASE_URL", "https://llm.example.invalid/v1")  # remote: a key is needed
    monkeypatch.delenv("AKSIO_LLM_API_KEY", raising=False)
    code, _, err = cli("generate", "cards", "-c", "OS", "-p", "openai", "-m", "gpt-4o-mini")
    assert code == 1 and err.count("\n") == 1 and "AKSIO_LLM_API_KEY" in err


def test_ctrl_c_keeps_finished_parts_and_a_rerun_does_the_rest(app: Aksio, fake_llm: FakeLLM) -> None:
    _use(app, fake_llm)
    fake_llm.script.default = Reply(text=cards_from_notes)
    fake_llm.script.latency = 0.2

    def interrupt_after_the_first(progress: Any) -> None:
        raise KeyboardInterrupt  # what Ctrl-C does in the calling thread

    first = app.generate("cards", "OS", concurrency=1, progress=interrupt_after_the_first)
    assert first.interrupted and first.parts_done == 1 and len(_stored_cards(app)) == first.kept == 2
    rest = app.generate("cards", "OS", concurrency=1)
    assert (rest.parts_resumed, rest.parts_done, rest.interrupted) == (1, 2, False)
    assert len(_stored_cards(app)) == 6
