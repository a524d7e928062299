"""A model server that trickles its answer, or answers 200 with something that is not its wire format.

The timeout bounds a whole answer, not each read; Ctrl-C stops a batch at once and keeps what finished; a body of
the wrong kind is an error saying what came, for both wire formats and for ``llm status``. A bug here hangs
rather than fails, so each test waits for the work under test in a daemon thread, or a child process, with a
generous bound, and fails when that passes (a bound on hanging, not a speed figure).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

import aksio
from aksio.config import LLMSettings
from aksio.llm.base import Provider
from aksio.llm.errors import LLMBadResponse, LLMCancelled, LLMTransient
from aksio.llm.ollama_provider import OllamaProvider
from aksio.llm.openai_provider import OpenAIProvider
from aksio.service import Aksio
from tests.conftest import Cli
from tests.llm.fakeserver import FakeLLM, Reply
from tests.llm.helpers import NOTES, PROMPT, cards_from_notes, ollama_settings, openai_settings

R = TypeVar("R")

HANG_BOUND_S = 60.0  # far beyond any answer here: reaching it means the call hung
# headers, then a byte every 0.2 s for 12 minutes: each read is quick, the answer never ends
TRICKLE = Reply(trickle=0.2)
LOGIN_PAGE = b"<html><head><title>Login</title></head>\n<body>\x1b]0;owned\x07\x1b[2JSign in to the proxy</body></html>"
HTML = Reply(raw=LOGIN_PAGE, content_type="text/html")
PLAIN = Reply(raw=b"Service temporarily unavailable", content_type="text/plain")
OTHER_JSON = Reply(raw=b'{"status": "ok", "version": 3}', content_type="application/json")
PROVIDERS = ["ollama", "openai"]


def settings_for(kind: str, fake: FakeLLM, **more: Any) -> LLMSettings:
    return ollama_settings(fake, **more) if kind == "ollama" else openai_settings(fake, **more)


def make(kind: str, fake: FakeLLM, **more: Any) -> Provider:
    settings = settings_for(kind, fake, **more)
    if kind == "ollama":
        return OllamaProvider(settings, model=settings.model)
    return OpenAIProvider(settings, model=settings.model)


def within_bound(work: Callable[[], R]) -> R:
    """``work()``'s result or exception, failing the test if it is still running after ``HANG_BOUND_S``."""
    outcome: list[tuple[bool, Any]] = []

    def target() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as exc:
            outcome.append((False, exc))

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(HANG_BOUND_S)
    assert outcome, f"still waiting after {HANG_BOUND_S:g} s: the call hung"
    ok, value = outcome[0]
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


def wait_for_requests(fake: FakeLLM, count: int) -> None:
    for _ in range(int(HANG_BOUND_S * 100)):
        if len(fake.script.chat_requests()) >= count:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"the server never got {count} model calls")


# -- 12: the timeout bounds the whole answer ---------------------------------------------------------------


@pytest.mark.parametrize("kind", PROVIDERS)
def test_an_answer_trickled_a_byte_at_a_time_times_out_as_a_whole(fake_llm: FakeLLM, kind: str) -> None:
    fake_llm.script.default = TRICKLE
    llm = make(kind, fake_llm, timeout=1)
    with pytest.raises(LLMTransient, match=r"gave no complete answer within 1 s"):
        within_bound(lambda: llm.complete(PROMPT))
    with pytest.raises(LLMTransient, match=r"gave no complete answer within 1 s"):
        within_bound(lambda: "".join(llm.stream(PROMPT)))


@pytest.mark.parametrize("kind", PROVIDERS)
def test_a_trickled_model_list_makes_status_unreachable_not_a_hang(fake_llm: FakeLLM, kind: str) -> None:
    fake_llm.script.listing = TRICKLE
    status = within_bound(make(kind, fake_llm, timeout=1).status)
    assert not status.reachable and "gave no complete answer within 1 s" in status.message


@pytest.mark.parametrize("kind", PROVIDERS)
def test_abort_ends_a_call_in_flight_from_another_thread(fake_llm: FakeLLM, kind: str) -> None:
    fake_llm.script.default = TRICKLE
    llm = make(kind, fake_llm, timeout=600)

    def abort_once_sent() -> None:
        wait_for_requests(fake_llm, 1)
        llm.abort()

    threading.Thread(target=abort_once_sent, daemon=True).start()
    with pytest.raises(LLMCancelled):
        within_bound(lambda: llm.complete(PROMPT))


def test_timed_out_parts_fail_with_the_reason_after_bounded_retries_and_the_batch_goes_on(
    app: Aksio, fake_llm: FakeLLM
) -> None:
    app.settings.llm = ollama_settings(fake_llm, timeout=1, max_retries=1)
    fake_llm.script.reply(TRICKLE, Reply(text=cards_from_notes))  # one part of the three answers
    fake_llm.script.default = TRICKLE
    report = within_bound(lambda: app.generate("cards", "OS", concurrency=3))
    assert (report.parts_done, report.parts_failed, report.interrupted) == (1, 2, False)
    assert report.rejected == {"model_error": 2} and report.kept == 2 == len(app.cards("OS"))
    ((why, parts),) = report.model_errors.items()
    assert parts == 2 and why.endswith("gave no complete answer within 1 s (gave up after 2 attempts)")


def test_a_cancel_from_the_app_stops_parts_waiting_on_the_model(app: Aksio, fake_llm: FakeLLM) -> None:
    app.settings.llm = ollama_settings(fake_llm, timeout=600)
    fake_llm.script.reply(Reply(text=cards_from_notes))
    fake_llm.script.default = TRICKLE
    cancel = threading.Event()

    def cancel_when_held() -> None:
        wait_for_requests(fake_llm, 2)
        cancel.set()

    def cancel_once_trickling(progress: Any) -> None:
        # the first part is stored: cancel while the next one is held by the server
        threading.Thread(target=cancel_when_held, daemon=True).start()

    report = within_bound(
        lambda: app.generate("cards", "OS", concurrency=1, progress=cancel_once_trickling, cancel=cancel)
    )
    assert report.interrupted and report.parts_done == 1 and len(app.cards("OS")) == report.kept == 2


# -- 12: the command in a child process: timeout, Ctrl-C, a second Ctrl-C ---------------------------------


@pytest.fixture
def imported(cli: Cli, tmp_path: Path) -> None:
    notes = tmp_path / "n.md"
    notes.write_text(NOTES, encoding="utf-8")
    assert cli("course", "add", "OS")[0] == 0 and cli("import", str(notes), "-c", "OS")[0] == 0


def spawn(fake: FakeLLM, home: Path, *args: str, **settings: str) -> subprocess.Popen[str]:
    """``aksio generate cards`` in a child process, with the ``llm.*`` settings given, against the fake server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKSIO_")}
    source = str(Path(aksio.__file__).resolve().parents[1])  # the child imports the aksio under test
    env.update(AKSIO_HOME=str(home), PYTHONPATH=os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")])))
    env.update(AKSIO_LLM__BASE_URL=fake.url, **{f"AKSIO_LLM__{k.upper()}": v for k, v in settings.items()})
    command = [sys.executable, "-c", "from aksio.cli import main; main()", "generate", "cards", "-c", "OS"]
    return subprocess.Popen(
        [*command, "-p", "ollama", "-m", "llama3.1", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(child: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = child.communicate(timeout=HANG_BOUND_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise AssertionError(f"aksio was still running {HANG_BOUND_S:g} s later: it hung") from None
    return child.returncode, out, err


@pytest.mark.usefixtures("imported")
def test_generate_against_a_trickling_server_ends_with_the_timeout(fake_llm: FakeLLM, home: Path) -> None:
    fake_llm.script.default = TRICKLE
    code, out, err = finish(spawn(fake_llm, home, "-k", "3", timeout="2", max_retries="0"))
    assert code == 1 and "Traceback" not in err
    assert err.startswith("error: the model gave nothing usable for any of 3 section part(s): Ollama at")
    assert "gave no complete answer within 2 s" in err and "3 part(s): Ollama at" in out


@pytest.mark.usefixtures("imported")
@pytest.mark.parametrize("presses", [1, 2], ids=["ctrl-c", "ctrl-c-twice"])
def test_ctrl_c_stops_the_batch_at_once_keeps_finished_parts_and_a_rerun_resumes(
    cli: Cli, fake_llm: FakeLLM, home: Path, monkeypatch: pytest.MonkeyPatch, presses: int
) -> None:
    fake_llm.script.reply(Reply(text=cards_from_notes))  # the first part answers; the next ones never finish
    fake_llm.script.default = TRICKLE
    child = spawn(fake_llm, home, "-k", "1", timeout="600")
    wait_for_requests(fake_llm, 2)  # with one call at a time, the second is sent once the first part is stored
    for _ in range(presses):
        child.send_signal(signal.SIGINT)
        threading.Event().wait(0.1)
        if child.poll() is not None:
            break
    code, _, err = finish(child)
    # a press while the interpreter is finishing finds the default handler back, which ends the process by the
    # signal: what a shell reports as 130 too
    assert code in (130, -signal.SIGINT) and "Traceback" not in err and "Exception ignored" not in err
    if presses == 1:
        assert err == "interrupted: 1 of 3 part(s) done, rerun the same command to resume\n"
    assert len(json.loads(cli("card", "list", "--json")[1])["cards"]) == 2
    fake_llm.script.default = Reply(text=cards_from_notes)
    monkeypatch.setenv("AKSIO_LLM__BASE_URL", fake_llm.url)
    code, out, _ = cli("generate", "cards", "-c", "OS", "-p", "ollama", "-m", "llama3.1", "--json")
    rerun = json.loads(out)
    assert code == 0 and (rerun["parts_resumed"], rerun["parts_done"]) == (1, 2)


# -- 13: a 200 that is not the wire format -------------------------------------------------------------------


@pytest.mark.parametrize("kind", PROVIDERS)
@pytest.mark.parametrize(
    ("fault", "received"),
    [
        (HTML, "text/html ('<html><head><title>Login</title></head> <body> ]0;owned [2JS…')"),
        (PLAIN, "text/plain ('Service temporarily unavailable')"),
        (OTHER_JSON, """application/json ('{"status": "ok", "version": 3}')"""),
    ],
    ids=["html", "text", "other-json"],
)
def test_a_200_that_is_not_a_chat_answer_says_what_came(
    fake_llm: FakeLLM, kind: str, fault: Reply, received: str
) -> None:
    fake_llm.script.default = fault
    llm = make(kind, fake_llm)
    with pytest.raises(LLMBadResponse) as caught:
        llm.complete(PROMPT, schema={"type": "object"})
    message = str(caught.value)
    assert message.startswith(f"the server at {fake_llm.url}")
    assert f"answered 200 with {received}, not an " in message and message.endswith("is llm.base_url right?")
    assert message.isprintable()  # the page's escape sequences do not reach the terminal


@pytest.mark.parametrize("kind", PROVIDERS)
def test_generation_counts_a_wrong_server_as_a_model_error_per_part(app: Aksio, fake_llm: FakeLLM, kind: str) -> None:
    app.settings.llm = settings_for(kind, fake_llm, max_retries=1)
    fake_llm.script.default = HTML
    report = app.generate("cards", "OS")
    assert (report.parts_failed, report.rejected) == (3, {"model_error": 3}) and app.cards("OS") == []
    ((why, parts),) = report.model_errors.items()
    assert parts == 3 and "answered 200 with text/html ('<html><head><title>Login" in why
    assert len(fake_llm.script.chat_requests()) == 3  # not retried: a login page will not change its mind


@pytest.mark.usefixtures("imported")
def test_generate_with_a_wrong_base_url_is_one_line_saying_what_came(
    cli: Cli, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AKSIO_LLM__BASE_URL", f"{fake_llm.url}/v1")
    fake_llm.script.default = HTML
    code, _, err = cli("generate", "cards", "-c", "OS", "-p", "openai", "-m", "gpt-4o-mini")
    assert code == 1 and err.count("\n") == 1
    assert "answered 200 with text/html ('<html><head><title>Login" in err and "is llm.base_url right?" in err


OPENAI_LIST = Reply(raw=b'{"object": "list", "data": []}', content_type="application/json")
OLLAMA_LIST = Reply(raw=b'{"models": []}', content_type="application/json")


@pytest.mark.parametrize(
    ("kind", "fault", "received"),
    [
        ("ollama", HTML, "text/html ('<html><head><title>Login"),
        ("openai", HTML, "text/html ('<html><head><title>Login"),
        # each protocol's model list, asked of the other: JSON, and an answer, but not the protocol configured
        ("ollama", OPENAI_LIST, """application/json ('{"object": "list", "data": []}')"""),
        ("openai", OLLAMA_LIST, """application/json ('{"models": []}')"""),
    ],
    ids=["ollama-html", "openai-html", "ollama-gets-openai", "openai-gets-ollama"],
)
def test_llm_status_requires_the_protocol_not_just_an_answer(
    cli: Cli, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, kind: str, fault: Reply, received: str
) -> None:
    monkeypatch.setenv("AKSIO_LLM__BASE_URL", fake_llm.url + ("/v1" if kind == "openai" else ""))
    fake_llm.script.listing = fault
    model = "llama3.1" if kind == "ollama" else "gpt-4o-mini"
    code, out, _ = cli("llm", "status", "-p", kind, "-m", model, "--json")
    status = json.loads(out)
    assert code == 1 and status["reachable"] is False and status["model_available"] is None
    assert f"answered 200 with {received}" in status["message"] and "is llm.base_url right?" in status["message"]
