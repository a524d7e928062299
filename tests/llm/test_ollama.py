"""The Ollama provider, through the real ``ollama`` client, against the fake server."""

from __future__ import annotations

import pytest

from aksio.llm.errors import LLMError, LLMModelNotFound, LLMTransient, LLMUnavailable
from aksio.llm.ollama_provider import OllamaProvider
from aksio.llm.reliability import ask_structured, with_retries
from tests.llm.fakeserver import FakeLLM, Reply
from tests.llm.helpers import CARD_JSON, PROMPT, Card, closed_port_url, ollama_settings


def provider(fake: FakeLLM, model: str = "llama3.1", **more: object) -> OllamaProvider:
    return OllamaProvider(ollama_settings(fake, **more), model=model)


def test_request_carries_model_schema_num_ctx_keep_alive_and_no_stream(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(CARD_JSON)
    llm = provider(fake_llm, num_ctx=16384, keep_alive="30m")
    schema = Card.model_json_schema()

    llm.complete(PROMPT, schema=schema)

    [seen] = fake_llm.script.chat_requests()
    assert seen.body["model"] == "llama3.1"
    assert seen.body["format"] == schema
    assert seen.body["options"] == {"num_ctx": 16384, "temperature": 0}
    assert seen.body["keep_alive"] == "30m"
    assert seen.body["stream"] is False
    assert seen.body["messages"] == PROMPT


def test_without_schema_no_format_is_sent(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply("plain words")
    assert provider(fake_llm).complete(PROMPT).text == "plain words"
    assert "format" not in fake_llm.script.chat_requests()[0].body


def test_token_counts_come_from_prompt_eval_count_and_eval_count(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(text=CARD_JSON, prompt_tokens=123, completion_tokens=45))
    completion = provider(fake_llm).complete(PROMPT)
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (123, 45)
    assert completion.cached is False


def test_structured_answer_is_parsed_and_validated(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(CARD_JSON)
    answer = ask_structured(provider(fake_llm), PROMPT, Card, cache=None, retries=0)
    assert answer.value == Card(front="What does a TLB cache?", back="Page-table entries")
    assert answer.calls == 1
    assert answer.error is None


def test_stream_yields_the_pieces_then_reports_usage(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(text="Thrashing is paging more than executing.", prompt_tokens=9))
    stream = provider(fake_llm).stream(PROMPT)
    pieces = list(stream)
    assert len(pieces) == 6
    assert "".join(pieces) == "Thrashing is paging more than executing."
    assert stream.usage is not None
    assert (stream.usage.prompt_tokens, stream.usage.completion_tokens) == (9, 6)
    seen = fake_llm.script.chat_requests()[0].body
    assert seen["stream"] is True
    assert seen["options"]["num_ctx"] == 8192


def test_stream_cut_halfway_is_a_transient_error_after_the_first_pieces(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(text="one two three four", cut_after=2))
    got: list[str] = []
    with pytest.raises(LLMTransient, match="broke off mid-answer"):
        got.extend(provider(fake_llm).stream(PROMPT))
    assert got == ["one", " two"]


def test_missing_model_says_how_to_pull_it(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(status=404))
    with pytest.raises(LLMModelNotFound, match=r"pull it with `ollama pull mistral`"):
        provider(fake_llm, model="mistral").complete(PROMPT)


def test_missing_model_in_a_stream_says_how_to_pull_it(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(status=404))
    with pytest.raises(LLMModelNotFound, match="ollama pull mistral"):
        list(provider(fake_llm, model="mistral").stream(PROMPT))


def test_busy_503_is_retried_until_it_answers(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(status=503), Reply(status=503), CARD_JSON)
    delays: list[float] = []
    llm = provider(fake_llm)
    completion = with_retries(lambda: llm.complete(PROMPT), retries=3, sleep=delays.append)
    assert completion.text == CARD_JSON
    assert len(fake_llm.script.chat_requests()) == 3
    assert len(delays) == 2


def test_timeout_is_retried(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(text="late", delay=1.0), "in time")
    llm = provider(fake_llm, timeout=0.2)
    completion = with_retries(lambda: llm.complete(PROMPT), retries=1, sleep=lambda _: None)
    assert completion.text == "in time"


def test_timeouts_beyond_the_retries_give_transient_naming_the_server(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(delay=1.0), Reply(delay=1.0))
    llm = provider(fake_llm, timeout=0.15)
    with pytest.raises(LLMTransient, match=rf"{fake_llm.url} gave no complete answer within 0.15 s.*after 2 attempts"):
        with_retries(lambda: llm.complete(PROMPT), retries=1, sleep=lambda _: None)


def test_server_error_500_is_not_retried(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(status=500, error="model requires more system memory"), CARD_JSON)
    llm = provider(fake_llm)
    with pytest.raises(LLMError, match="more system memory") as caught:
        with_retries(lambda: llm.complete(PROMPT), retries=3, sleep=lambda _: None)
    assert not isinstance(caught.value, LLMTransient)
    assert len(fake_llm.script.chat_requests()) == 1


def test_a_body_that_is_not_json_is_a_bad_response(fake_llm: FakeLLM) -> None:
    from aksio.llm.errors import LLMBadResponse

    fake_llm.script.reply(Reply(raw=b"<html>proxy error</html>"))
    with pytest.raises(
        LLMBadResponse,
        match=r"answered 200 with application/x-ndjson \('<html>proxy error</html>'\), not an Ollama chat",
    ):
        provider(fake_llm).complete(PROMPT)


def test_status_reports_a_pulled_model_matching_without_latest(fake_llm: FakeLLM) -> None:
    status = provider(fake_llm, model="llama3.1").status()
    assert status.reachable is True
    assert status.model_available is True
    assert status.models == ["llama3.1:latest", "qwen2.5:7b"]
    assert status.base_url == fake_llm.url


def test_status_reports_a_model_not_pulled(fake_llm: FakeLLM) -> None:
    status = provider(fake_llm, model="mistral:7b").status()
    assert status.reachable is True
    assert status.model_available is False
    assert "ollama pull mistral:7b" in status.message


def test_unreachable_server_status_and_call_name_the_url_and_ollama_serve() -> None:
    url = closed_port_url()
    from aksio.config import LLMSettings

    llm = OllamaProvider(LLMSettings(provider="ollama", model="llama3.1", base_url=url, timeout=2), model="llama3.1")
    status = llm.status()
    assert status.reachable is False
    assert status.model_available is None
    assert url in status.message
    with pytest.raises(LLMUnavailable, match=rf"cannot reach Ollama at {url}; start it with `ollama serve`"):
        llm.complete(PROMPT)
    with pytest.raises(LLMUnavailable, match=url):
        list(llm.stream(PROMPT))


def test_body_cut_mid_answer_is_retried(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(
        Reply(raw=b'{"model": "llama3.1", "message": {"role": "assistant", "content": "he', cut_after=40)
    )
    fake_llm.script.reply("whole")
    llm = provider(fake_llm)
    assert with_retries(lambda: llm.complete(PROMPT), retries=1, sleep=lambda _: None).text == "whole"
    assert len(fake_llm.script.chat_requests()) == 2


def test_a_stream_line_that_is_not_json_is_a_bad_response(fake_llm: FakeLLM) -> None:
    from aksio.llm.errors import LLMBadResponse

    fake_llm.script.reply(Reply(raw=b'{"message": {"role": "assistant", "content": "a"}, "done": false}\nnot json\n'))
    got: list[str] = []
    with pytest.raises(LLMBadResponse):
        got.extend(provider(fake_llm).stream(PROMPT))
    assert got == ["a"]


def test_fake_server_answers_show_as_ollama_does(fake_llm: FakeLLM) -> None:
    import ollama

    client = ollama.Client(host=fake_llm.url)
    assert client.show("llama3.1").modelinfo == {"llama.context_length": 131072}
    with pytest.raises(ollama.ResponseError, match='model "mistral" not found, try pulling it first'):
        client.show("mistral")
