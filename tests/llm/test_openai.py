"""The OpenAI-compatible provider, through the real ``openai`` client (httpx2 underneath), against the fake server."""

from __future__ import annotations

import threading
import time

import pytest
from msgspec.structs import replace

from aksio.config import LLMSettings
from aksio.llm.errors import LLMAuthError, LLMError, LLMModelNotFound, LLMTransient, LLMUnavailable
from aksio.llm.openai_provider import OpenAIProvider, is_loopback
from aksio.llm.reliability import ask_structured, with_retries
from tests.llm.fakeserver import FakeLLM, Reply
from tests.llm.helpers import CARD_JSON, PROMPT, Card, closed_port_url, openai_settings

KEY_ENV = "AKSIO_TEST_LLM_KEY"


@pytest.fixture(autouse=True)
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv("AKSIO_LLM_API_KEY", raising=False)


def provider(fake: FakeLLM, model: str = "gpt-4o-mini", **more: object) -> OpenAIProvider:
    return OpenAIProvider(openai_settings(fake, api_key_env=KEY_ENV, **more), model=model)


def test_schema_goes_in_response_format_json_schema(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(CARD_JSON)
    schema = Card.model_json_schema()
    completion = provider(fake_llm).complete(PROMPT, schema=schema)
    assert completion.text == CARD_JSON
    [seen] = fake_llm.script.chat_requests()
    assert seen.body["model"] == "gpt-4o-mini"
    assert seen.body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Card", "schema": schema, "strict": False},
    }
    assert seen.body["messages"] == PROMPT
    assert seen.body["temperature"] == 0


def test_token_counts_come_from_usage(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(text="hi", prompt_tokens=31, completion_tokens=4))
    usage = provider(fake_llm).complete(PROMPT).usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (31, 4, 35)


def test_server_without_json_schema_falls_back_to_json_mode_and_remembers(fake_llm: FakeLLM) -> None:
    fake_llm.script.json_schema_supported = False
    fake_llm.script.reply(CARD_JSON, CARD_JSON)
    llm = provider(fake_llm)

    first = ask_structured(llm, PROMPT, Card, cache=None, retries=0)
    second = ask_structured(llm, PROMPT, Card, cache=None, retries=0)

    assert first.value == second.value == Card.model_validate_json(CARD_JSON)
    kinds = [r.body["response_format"]["type"] for r in fake_llm.script.chat_requests()]
    assert kinds == ["json_schema", "json_object", "json_object"]  # learnt once, not asked again
    assert llm.schema_mode == "json_object"
    # JSON mode enforces no schema, so the schema travels in the prompt (and "JSON" appears, as OpenAI requires)
    hint = fake_llm.script.chat_requests()[1].body["messages"][-1]
    assert hint["role"] == "system"
    assert '"front"' in hint["content"]
    assert "JSON" in hint["content"]


def test_server_without_any_json_mode_falls_back_to_plain_text(fake_llm: FakeLLM) -> None:
    fake_llm.script.json_schema_supported = False
    fake_llm.script.json_object_supported = False
    fake_llm.script.reply(f"Here you go: {CARD_JSON}")
    llm = provider(fake_llm)
    answer = ask_structured(llm, PROMPT, Card, cache=None, retries=0)
    assert answer.value is not None
    assert llm.schema_mode == "text"
    last = fake_llm.script.chat_requests()[-1].body
    assert "response_format" not in last
    assert '"back"' in last["messages"][-1]["content"]


def test_stream_yields_pieces_and_the_usage_chunk(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(text="Pages are swapped out.", prompt_tokens=12))
    stream = provider(fake_llm).stream(PROMPT)
    pieces = list(stream)
    assert pieces == ["Pages", " are", " swapped", " out."]
    assert stream.usage is not None
    assert (stream.usage.prompt_tokens, stream.usage.completion_tokens) == (12, 4)
    seen = fake_llm.script.chat_requests()[0].body
    assert seen["stream"] is True
    assert seen["stream_options"] == {"include_usage": True}


def test_stream_on_a_server_refusing_stream_options_still_streams(fake_llm: FakeLLM) -> None:
    fake_llm.script.stream_options_supported = False
    fake_llm.script.reply("a b", "c d")
    llm = provider(fake_llm)
    stream = llm.stream(PROMPT)
    assert "".join(stream) == "a b"
    assert stream.usage is None
    assert "".join(llm.stream(PROMPT)) == "c d"
    sent = ["stream_options" in r.body for r in fake_llm.script.chat_requests()]
    assert sent == [True, False, False]


def test_stream_cut_halfway_is_a_transient_error(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(text="one two three four", cut_after=2))
    got: list[str] = []
    with pytest.raises(LLMTransient, match="broke off mid-answer"):
        got.extend(provider(fake_llm).stream(PROMPT))
    assert got == ["one", " two"]


def test_429_retry_after_is_honoured(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(status=429, retry_after="3"), Reply(status=429, retry_after="7"), "ok")
    llm = provider(fake_llm)
    delays: list[float] = []
    assert with_retries(lambda: llm.complete(PROMPT), retries=3, sleep=delays.append).text == "ok"
    assert delays == [3.0, 7.0]


def test_retry_after_beyond_the_cap_is_capped(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(status=503, retry_after="3600"), "ok")
    llm = provider(fake_llm)
    delays: list[float] = []
    with_retries(lambda: llm.complete(PROMPT), retries=1, sleep=delays.append)
    assert delays == [60.0]


def test_429_beyond_the_retries_gives_transient(fake_llm: FakeLLM) -> None:
    fake_llm.script.default = Reply(status=429)
    llm = provider(fake_llm)
    with pytest.raises(LLMTransient, match=r"busy \(HTTP 429\).*gave up after 3 attempts"):
        with_retries(lambda: llm.complete(PROMPT), retries=2, sleep=lambda _: None)
    assert len(fake_llm.script.chat_requests()) == 3


def test_timeout_is_retried(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(text="late", delay=1.0), "in time")
    llm = provider(fake_llm, timeout=0.2)
    assert with_retries(lambda: llm.complete(PROMPT), retries=1, sleep=lambda _: None).text == "in time"


def test_unknown_model_is_model_not_found(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(status=404))
    with pytest.raises(LLMModelNotFound, match="no model gpt-9"):
        provider(fake_llm, model="gpt-9").complete(PROMPT)


def test_other_400_is_reported_not_retried(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(status=400, error="This model's maximum context length is 8192 tokens."), "ok")
    llm = provider(fake_llm)
    with pytest.raises(LLMError, match="maximum context length") as caught:
        with_retries(lambda: llm.complete(PROMPT), retries=3, sleep=lambda _: None)
    assert not isinstance(caught.value, LLMTransient)
    assert len(fake_llm.script.chat_requests()) == 1


def test_loopback_server_needs_no_key_and_gets_none(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply("ok")
    assert provider(fake_llm).complete(PROMPT).text == "ok"
    assert fake_llm.script.chat_requests()[0].headers["authorization"] == "Bearer none"


def test_key_is_read_from_the_env_var_the_settings_name(fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_llm.script.api_key = "sk-right"
    monkeypatch.setenv(KEY_ENV, "sk-right")
    fake_llm.script.reply("ok")
    assert provider(fake_llm).complete(PROMPT).text == "ok"


def test_key_in_settings_wins_over_the_env_var(fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_llm.script.api_key = "sk-stored"
    monkeypatch.setenv(KEY_ENV, "sk-env")
    assert provider(fake_llm, api_key="sk-stored").complete(PROMPT).text == "{}"


def test_refused_key_is_an_auth_error_naming_the_env_var(fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_llm.script.api_key = "sk-right"
    monkeypatch.setenv(KEY_ENV, "sk-wrong")
    llm = provider(fake_llm)
    with pytest.raises(LLMAuthError, match=rf"refused the API key \(HTTP 401\); check \${KEY_ENV}"):
        llm.complete(PROMPT)
    status = llm.status()
    assert status.reachable is True
    assert KEY_ENV in status.message


def test_missing_key_for_a_remote_server_names_the_env_var_without_calling_it() -> None:
    settings = LLMSettings(provider="openai", model="gpt-4o-mini", base_url="https://llm.example.com/v1")
    settings = replace(settings, api_key_env=KEY_ENV)
    llm = OpenAIProvider(settings, model="gpt-4o-mini")
    with pytest.raises(LLMAuthError, match=f"set the environment variable {KEY_ENV}"):
        llm.complete(PROMPT)
    with pytest.raises(LLMAuthError, match=KEY_ENV):
        llm.stream(PROMPT)
    status = llm.status()
    assert status.reachable is False
    assert KEY_ENV in status.message


def test_status_lists_the_models(fake_llm: FakeLLM) -> None:
    fake_llm.script.models = ["gpt-4o-mini", "gpt-4o"]
    status = provider(fake_llm).status()
    assert (status.reachable, status.model_available, status.models) == (True, True, ["gpt-4o-mini", "gpt-4o"])
    missing = provider(fake_llm, model="llama-70b").status()
    assert missing.model_available is False
    assert "does not serve llama-70b" in missing.message


def test_unreachable_server_names_the_url() -> None:
    url = closed_port_url() + "/v1"
    llm = OpenAIProvider(LLMSettings(provider="openai", model="m", base_url=url, timeout=2), model="m")
    with pytest.raises(LLMUnavailable, match=f"cannot reach the model server at {url}"):
        llm.complete(PROMPT)
    status = llm.status()
    assert status.reachable is False
    assert url in status.message


def test_loopback_detection() -> None:
    assert is_loopback("http://127.0.0.1:8080/v1")
    assert is_loopback("http://localhost:1234/v1")
    assert is_loopback("http://[::1]:8000/v1")
    assert not is_loopback("https://api.openai.com/v1")
    assert not is_loopback("http://localhost.example.com/v1")


def test_concurrent_calls_are_served_concurrently(fake_llm: FakeLLM) -> None:
    fake_llm.script.latency = 0.3
    llm = provider(fake_llm)
    texts: list[str] = []
    threads = [threading.Thread(target=lambda: texts.append(llm.complete(PROMPT).text)) for _ in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert texts == ["{}"] * 8
    assert fake_llm.script.max_in_flight >= 4  # all 8 on an idle machine; a loaded one may start threads late
    assert elapsed < 0.3 * 8 / 2  # serial would take 2.4 s


def test_body_cut_mid_answer_is_retried(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(raw=b'{"id": "x", "choices": [{"message": {"content": "hello wor', cut_after=30), "ok")
    llm = provider(fake_llm)
    assert with_retries(lambda: llm.complete(PROMPT), retries=1, sleep=lambda _: None).text == "ok"
    assert len(fake_llm.script.chat_requests()) == 2


def test_a_body_that_is_not_json_is_a_bad_response(fake_llm: FakeLLM) -> None:
    from aksio.llm.errors import LLMBadResponse

    fake_llm.script.reply(Reply(raw=b"<html>Bad gateway</html>"))
    with pytest.raises(
        LLMBadResponse, match=r"answered 200 with application/json \('<html>Bad gateway</html>'\), not an OpenAI"
    ):
        provider(fake_llm).complete(PROMPT)
