"""Structured answers with one repair, the response cache, retries with backoff, cancellation, stream retries."""

from __future__ import annotations

import random
import threading
import time

import pytest

from aksio.llm.base import Usage
from aksio.llm.errors import LLMCancelled, LLMTransient
from aksio.llm.ollama_provider import OllamaProvider
from aksio.llm.openai_provider import OpenAIProvider
from aksio.llm.reliability import (
    Backoff,
    MemoryCache,
    ask_structured,
    cache_key,
    parse_retry_after,
    parse_structured,
    stream_with_retries,
    with_retries,
)
from tests.llm.fakeserver import FakeLLM, Reply
from tests.llm.helpers import CARD_JSON, PROMPT, Card, ollama_settings, openai_settings

GOOD = Card.model_validate_json(CARD_JSON)


@pytest.fixture
def llm(fake_llm: FakeLLM) -> OllamaProvider:
    return OllamaProvider(ollama_settings(fake_llm), model="llama3.1")


# -- structured answers and repair ----------------------------------------------------------------------------


def test_malformed_json_gets_one_repair_carrying_the_error(fake_llm: FakeLLM, llm: OllamaProvider) -> None:
    fake_llm.script.reply(
        Reply(text='{"front": "TLB", "back": }', prompt_tokens=10, completion_tokens=3),
        Reply(text=CARD_JSON, prompt_tokens=20, completion_tokens=8),
    )

    answer = ask_structured(llm, PROMPT, Card, cache=None, retries=0)

    assert answer.value == GOOD
    assert answer.calls == 2
    assert answer.usage == Usage(30, 11)  # both calls paid
    first, repair = fake_llm.script.chat_requests()
    messages = repair.body["messages"]
    assert messages[:-2] == first.body["messages"]
    assert messages[-2] == {"role": "assistant", "content": '{"front": "TLB", "back": }'}
    assert messages[-1]["role"] == "user"
    assert messages[-1]["content"].startswith("Your answer did not match the schema: the answer is not valid JSON")
    assert messages[-1]["content"].endswith(". Answer again with JSON only.")
    assert repair.body["format"] == Card.model_json_schema()


def test_schema_violation_twice_gives_none_with_the_error_and_no_third_call(
    fake_llm: FakeLLM, llm: OllamaProvider
) -> None:
    fake_llm.script.reply('{"front": 1}', '{"front": "TLB"}', CARD_JSON)

    answer = ask_structured(llm, PROMPT, Card, cache=None, retries=3)

    assert answer.value is None
    assert answer.calls == 2
    assert answer.error == "back: Field required"
    repair = fake_llm.script.chat_requests()[1].body["messages"][-1]["content"]
    assert "front: Input should be a valid string" in repair
    assert "back: Field required" in repair
    assert len(fake_llm.script.chat_requests()) == 2


def test_fenced_and_chatty_answers_are_accepted() -> None:
    assert parse_structured(f"```json\n{CARD_JSON}\n```", Card) == GOOD
    assert parse_structured(f"Sure! Here is the card:\n{CARD_JSON}\nHope this helps.", Card) == GOOD
    with pytest.raises(ValueError, match="holds no JSON object"):
        parse_structured("I cannot do that.", Card)


def test_unwrap_raises_bad_response_for_a_dropped_answer(fake_llm: FakeLLM, llm: OllamaProvider) -> None:
    from aksio.llm.errors import LLMBadResponse

    fake_llm.script.reply("no", "still no")
    answer = ask_structured(llm, PROMPT, Card, cache=None, retries=0)
    with pytest.raises(LLMBadResponse, match="holds no JSON object"):
        answer.unwrap()


def test_structured_through_openai_with_repair(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply('{"front": "x"}', CARD_JSON)
    provider = OpenAIProvider(openai_settings(fake_llm), model="gpt-4o-mini")
    answer = ask_structured(provider, PROMPT, Card, cache=None, retries=0)
    assert answer.value == GOOD
    assert answer.calls == 2
    assert "back: Field required" in fake_llm.script.chat_requests()[1].body["messages"][-1]["content"]


def test_transient_errors_inside_a_structured_ask_are_retried(fake_llm: FakeLLM, llm: OllamaProvider) -> None:
    fake_llm.script.reply(Reply(status=503), CARD_JSON)
    answer = ask_structured(llm, PROMPT, Card, cache=None, retries=2, sleep=lambda _: None)
    assert answer.value == GOOD
    assert answer.calls == 1  # calls counts answers, not attempts


# -- cache -----------------------------------------------------------------------------------------------------


def test_second_ask_is_served_from_the_cache(fake_llm: FakeLLM, llm: OllamaProvider) -> None:
    cache = MemoryCache()
    fake_llm.script.reply(Reply(text=CARD_JSON, prompt_tokens=7, completion_tokens=9))

    first = ask_structured(llm, PROMPT, Card, cache=cache, retries=0)
    second = ask_structured(llm, PROMPT, Card, cache=cache, retries=0)

    assert first.value == second.value == GOOD
    assert (first.cached, second.cached) == (False, True)
    assert (second.calls, second.usage) == (0, Usage())
    assert len(fake_llm.script.chat_requests()) == 1
    stored = cache.get(cache_key("ollama", "llama3.1", PROMPT, Card.model_json_schema()))
    assert stored is not None
    assert (stored.provider, stored.model, stored.text, stored.usage) == ("ollama", "llama3.1", CARD_JSON, Usage(7, 9))


def test_invalid_answers_are_not_cached(fake_llm: FakeLLM, llm: OllamaProvider) -> None:
    cache = MemoryCache()
    fake_llm.script.reply("bad", "worse", CARD_JSON)
    assert ask_structured(llm, PROMPT, Card, cache=cache, retries=0).value is None
    assert len(cache) == 0
    assert ask_structured(llm, PROMPT, Card, cache=cache, retries=0).value == GOOD
    assert len(fake_llm.script.chat_requests()) == 3


def test_a_repaired_answer_is_cached_under_the_original_prompt(fake_llm: FakeLLM, llm: OllamaProvider) -> None:
    cache = MemoryCache()
    fake_llm.script.reply("bad", CARD_JSON)
    ask_structured(llm, PROMPT, Card, cache=cache, retries=0)
    again = ask_structured(llm, PROMPT, Card, cache=cache, retries=0)
    assert again.cached
    assert len(fake_llm.script.chat_requests()) == 2


def test_cache_key_depends_on_everything_that_decides_the_answer() -> None:
    schema = Card.model_json_schema()
    key = cache_key("ollama", "llama3.1", PROMPT, schema)
    assert key == cache_key("ollama", "llama3.1", [{"content": PROMPT[0]["content"], "role": "user"}], dict(schema))
    others = {
        cache_key("openai", "llama3.1", PROMPT, schema),
        cache_key("ollama", "llama3.2", PROMPT, schema),
        cache_key("ollama", "llama3.1", [{"role": "user", "content": "Make two cards"}], schema),
        cache_key("ollama", "llama3.1", PROMPT, None),
    }
    assert key not in others
    assert len(others) == 4
    assert len(key) == 64


# -- retries and backoff ---------------------------------------------------------------------------------------


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    calls = 0

    def busy() -> str:
        nonlocal calls
        calls += 1
        raise LLMTransient("busy")

    delays: list[float] = []
    with pytest.raises(LLMTransient, match=r"busy \(gave up after 6 attempts\)"):
        with_retries(busy, retries=5, base_delay=0.5, max_delay=3, sleep=delays.append, rng=random.Random(1))
    assert calls == 6
    for delay, full in zip(delays, [0.5, 1, 2, 3, 3], strict=True):
        assert full / 2 <= delay <= full
    assert len(set(delays)) == 5  # jittered, so parallel workers do not retry in step


def test_same_seed_same_delays() -> None:
    def delays(seed: int) -> list[float]:
        backoff = Backoff(retries=3, sleep=lambda _: None, rng=random.Random(seed))
        out = []
        for _ in range(3):
            backoff.attempts += 1
            out.append(backoff.delay(LLMTransient("busy")))
        return out

    assert delays(7) == delays(7)
    assert delays(7) != delays(8)


def test_zero_retries_means_one_attempt() -> None:
    with pytest.raises(LLMTransient, match="gave up after 1 attempt"):
        with_retries(lambda: (_ for _ in ()).throw(LLMTransient("busy")), retries=0, sleep=lambda _: None)


def test_retry_after_in_seconds_milliseconds_and_as_a_date() -> None:
    assert parse_retry_after({"retry-after": "5"}) == 5.0
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:30 GMT"}, now=1445412500.0) == 10.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


# -- cancellation ----------------------------------------------------------------------------------------------


def test_cancel_during_backoff_stops_the_retries(fake_llm: FakeLLM, llm: OllamaProvider) -> None:
    fake_llm.script.reply(Reply(status=503), CARD_JSON)
    cancel = threading.Event()
    with pytest.raises(LLMCancelled):
        with_retries(lambda: llm.complete(PROMPT), retries=5, sleep=lambda _: cancel.set(), cancel=cancel)
    assert len(fake_llm.script.chat_requests()) == 1


def test_cancel_before_the_call_sends_nothing(fake_llm: FakeLLM, llm: OllamaProvider) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(LLMCancelled):
        ask_structured(llm, PROMPT, Card, cache=None, retries=3, cancel=cancel)
    assert fake_llm.script.chat_requests() == []


def test_cancel_cuts_a_long_retry_after_short(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(status=429, retry_after="30"))
    provider = OpenAIProvider(openai_settings(fake_llm), model="gpt-4o-mini")
    cancel = threading.Event()
    threading.Timer(0.1, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(LLMCancelled):
        with_retries(lambda: provider.complete(PROMPT), retries=3, cancel=cancel)  # the real sleep
    assert time.monotonic() - started < 2


# -- streams ---------------------------------------------------------------------------------------------------


def test_stream_cut_before_any_text_is_retried(fake_llm: FakeLLM, llm: OllamaProvider) -> None:
    fake_llm.script.reply(Reply(text="lost answer", cut_after=0), Reply(text="whole answer", completion_tokens=2))
    stream = stream_with_retries(llm, PROMPT, retries=2, sleep=lambda _: None)
    assert "".join(stream) == "whole answer"
    assert stream.usage is not None
    assert stream.usage.completion_tokens == 2
    assert len(fake_llm.script.chat_requests()) == 2


def test_stream_cut_after_text_was_shown_is_reported_not_repeated(fake_llm: FakeLLM, llm: OllamaProvider) -> None:
    fake_llm.script.reply(Reply(text="one two three", cut_after=1), "one two three")
    got: list[str] = []
    with pytest.raises(LLMTransient, match="answer is incomplete"):
        got.extend(stream_with_retries(llm, PROMPT, retries=2, sleep=lambda _: None))
    assert got == ["one"]
    assert len(fake_llm.script.chat_requests()) == 1


def test_busy_stream_is_retried(fake_llm: FakeLLM) -> None:
    fake_llm.script.reply(Reply(status=503), "fine now")
    provider = OpenAIProvider(openai_settings(fake_llm), model="gpt-4o-mini")
    assert "".join(stream_with_retries(provider, PROMPT, retries=1, sleep=lambda _: None)) == "fine now"


def test_cancelled_stream_stops_mid_answer(fake_llm: FakeLLM, llm: OllamaProvider) -> None:
    fake_llm.script.reply("a b c d e f")
    cancel = threading.Event()
    got: list[str] = []
    with pytest.raises(LLMCancelled):
        for piece in stream_with_retries(llm, PROMPT, retries=0, cancel=cancel):
            got.append(piece)
            cancel.set()
    assert got == ["a"]
