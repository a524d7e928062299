"""The validator: normalising, quote grounding, each rejection reason, duplicate detection."""

from __future__ import annotations

import random
import time

import pytest

from aksio.generate.checks import REASONS, DuplicateIndex, check_card, check_question, normalise, quote_on_page
from aksio.generate.items import CardDraft, QuestionDraft

PAGE = """A process is a program in execution. The operating system keeps a process control
block (PCB) for each process. A context switch saves the state of the running thread and re-
stores the state of the next one. The TLB is a small, fast cache of recent page-table entries.
Deadlock requires four conditions: mutual exclusion, hold and wait, no preemption and circular wait."""

QUOTE = "A process is a program in execution."


def card(front: str, back: str = "", kind: str = "basic", quote: str = QUOTE) -> CardDraft:
    return CardDraft.model_validate({"kind": kind, "front": front, "back": back, "quote": quote, "page": 1})


def question(**fields: object) -> QuestionDraft:
    base: dict[str, object] = {
        "kind": "multiple_choice",
        "prompt": "Which term is defined as a program in execution?",
        "choices": ["Process", "Thread", "Mutex", "Kernel"],
        "answer": "Process",
        "explanation": "The notes say so.",
        "difficulty": 2,
        "quote": QUOTE,
        "page": 1,
    }
    return QuestionDraft.model_validate(base | fields)


def test_normalise() -> None:
    assert normalise("memo-\nry  and\tmore") == "memory and more"
    assert normalise("“quoted” ‘single’ — dash – en") == "\"quoted\" 'single' - dash - en"
    assert normalise("A **process** is ﬁne") == "A process is fine"  # emphasis dropped, NFKC ligature
    assert normalise("X-\nRay stays") == "X-Ray stays"  # a capital after the break: a real hyphen


def test_quote_on_page() -> None:
    assert quote_on_page(QUOTE, PAGE)
    assert quote_on_page("saves the state of the running thread and restores the state", PAGE)  # hyphen + newline
    assert quote_on_page("The operating system keeps a process control block (PCB)", PAGE)  # line break inside
    assert quote_on_page("The operating system keeps a process control blok (PCB) for each process", PAGE)  # typo
    assert quote_on_page("A “process” is a program in execution", 'A "process" is a program in execution')
    assert not quote_on_page("a process", PAGE)  # too short to ground anything
    assert not quote_on_page("Paging divides memory into frames of equal size.", PAGE)
    assert not quote_on_page(PAGE + " and much more text that is not on the page at all", "A process is")
    assert not quote_on_page("", PAGE)
    assert quote_on_page("进程是正在执行的程序", "**进程**是正在执行的程序，拥有自己的地址空间。")


GOOD_CARDS = [
    card("What is a process?", "A program in execution."),
    card("A {{c1::process}} is a program in execution.", kind="cloze"),
    card("What does PCB stand for?", "Process control block", quote="keeps a process control block (PCB) for each"),
]


@pytest.mark.parametrize("draft", GOOD_CARDS)
def test_good_cards_pass(draft: CardDraft) -> None:
    assert check_card(draft, PAGE, DuplicateIndex()) is None


BAD_CARDS: list[tuple[str, CardDraft, str | None]] = [
    ("empty", card("  ", "A program in execution."), PAGE),
    ("empty", card("What is a process?", " "), PAGE),
    ("too_long", card("What is a process? " + "Explain at length. " * 20, "A program in execution."), PAGE),
    ("too_long", card("What is a process?", "A program " * 40), PAGE),
    ("bad_cloze", card("A process is a program in execution.", kind="cloze"), PAGE),
    ("bad_cloze", card("A {{c0::process}} is a program in execution.", kind="cloze"), PAGE),
    ("bad_cloze", card("A {{c1::}} is a program in execution.", kind="cloze"), PAGE),
    ("bad_cloze", card("A {{c1:process}} is a program in execution.", kind="cloze"), PAGE),
    ("bad_cloze", card("{{c1::A process is a program in execution.}}", kind="cloze"), PAGE),
    ("bad_cloze", card("What is a {{c1::process}}?", "A program in execution"), PAGE),
    ("quote_not_on_page", card("What is a process?", "A program in execution.", quote="Paging uses frames."), PAGE),
    ("quote_not_on_page", card("What is a process?", "A program in execution."), None),
    ("quote_not_on_page", card("What is a process?", "A program in execution.", quote="process"), PAGE),
    ("answer_in_question", card("What is a program in execution, a process?", "A process"), PAGE),
    ("answer_in_question", card("What is the process, a program in execution?", "Program in execution."), PAGE),
    ("answer_in_question", card("A {{c1::process}} is a process in execution.", kind="cloze"), PAGE),
    ("not_atomic", card("What does deadlock require?", "Mutual exclusion, hold and wait, no preemption"), PAGE),
    ("not_atomic", card("What is a process? And a thread?", "A program in execution."), PAGE),
    ("not_atomic", card("What is a process?", " ".join(["word"] * 30)), PAGE),
    ("not_atomic", card("Deadlock needs {{c1::mutual exclusion, hold and wait, no preemption}}.", kind="cloze"), PAGE),
    ("not_standalone", card("What is this a program in?", "Execution."), PAGE),
    ("not_standalone", card("What do the above describe?", "A process."), PAGE),
]


@pytest.mark.parametrize(
    ("reason", "draft", "page"), BAD_CARDS, ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(BAD_CARDS)]
)
def test_each_card_reason(reason: str, draft: CardDraft, page: str | None) -> None:
    assert check_card(draft, page, DuplicateIndex()) == reason


def test_duplicate_in_course_and_in_batch() -> None:
    index = DuplicateIndex([("What is a process?", "A program in execution.")])
    assert (
        check_card(card("What is meant by a process?", "A program that is in execution."), PAGE, index) == "duplicate"
    )
    assert check_card(card("What is a process?", "Something else entirely, worded anew."), PAGE, index) == "duplicate"
    tlb = card(
        "What is the TLB?", "A small, fast cache of recent page-table entries", quote="The TLB is a small, fast cache"
    )
    assert check_card(tlb, PAGE, index) is None
    assert check_card(tlb, PAGE, index) == "duplicate"  # kept earlier in the same batch
    assert (
        check_card(
            card("What does PCB stand for?", "Process control block", quote="process control block (PCB)"), PAGE, index
        )
        is None
    )


def test_duplicates_reworded_but_not_different_facts() -> None:
    index = DuplicateIndex(
        [
            ("What is a process?", "A program in execution."),
            ("A {{c1::context switch}} saves the state of the running thread.", ""),
            ("What does the TLB cache?", "Recent page-table entries"),
        ]
    )
    assert index.is_duplicate("What exactly is a process?", "a program in execution")
    assert index.is_duplicate("A context switch saves the state of the {{c1::running thread}}.", "")
    assert index.is_duplicate("What does a TLB cache?", "The recent page-table entries.")
    assert not index.is_duplicate("What is a thread?", "The unit of CPU scheduling inside a process.")
    assert not index.is_duplicate("What does the page table map?", "Page numbers to frame numbers")
    assert not index.is_duplicate("Process", "Program")  # a few shared words are not a repeat
    assert not DuplicateIndex().is_duplicate("What is a process?", "A program in execution.")
    cjk = DuplicateIndex([("什么是死锁？", "一组线程中的每一个都在等待另一个线程持有的资源")])
    assert cjk.is_duplicate("死锁是什么？", "一组线程中每一个都在等待另一个线程持有的资源")
    assert not cjk.is_duplicate("什么是进程？", "正在执行的程序")


def test_duplicate_lookup_is_fast_for_10k_cards() -> None:
    rng = random.Random(7)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 10))) for _ in range(4000)]

    def text(n: int) -> str:
        return " ".join(rng.choice(vocab) for _ in range(n))

    index = DuplicateIndex([(text(rng.randint(5, 14)) + "?", text(rng.randint(2, 10))) for _ in range(10_000)])
    probes = [(text(10) + "?", text(5)) for _ in range(200)]
    start = time.perf_counter()
    for front, back in probes:
        index.is_duplicate(front, back)
    per_lookup = (time.perf_counter() - start) / len(probes)
    assert per_lookup < 0.005, f"{per_lookup * 1000:.2f} ms per lookup"


def test_good_questions_pass() -> None:
    assert check_question(question(), PAGE, DuplicateIndex()) is None
    tf = question(
        kind="true_false",
        prompt="True or false: a process is a program in execution.",
        choices=["True", "False"],
        answer="True",
    )
    assert check_question(tf, PAGE, DuplicateIndex()) is None
    short = question(kind="short_answer", prompt="What is a process?", choices=[], answer="A program in execution.")
    assert check_question(short, PAGE, DuplicateIndex()) is None


BAD_QUESTIONS: list[tuple[str, dict[str, object]]] = [
    ("empty", {"prompt": " "}),
    ("empty", {"choices": ["Process", "Thread", "", "Kernel"]}),
    ("too_long", {"prompt": "Which term? " * 30}),
    ("bad_choices", {"choices": ["Process", "Thread", "Mutex"]}),
    ("bad_choices", {"choices": ["Process", "Thread", "Mutex", "All of the above"]}),
    ("bad_choices", {"choices": ["Process", "Thread", "thread", "Kernel"]}),
    ("bad_choices", {"choices": ["Thread", "Mutex", "Kernel", "Page"]}),  # answer missing
    ("bad_choices", {"choices": ["Process", "A", "Mutex", "Kernel"]}),  # a give-away length
    ("bad_choices", {"kind": "true_false", "choices": ["Yes", "No"], "answer": "Yes"}),
    ("bad_choices", {"kind": "short_answer", "choices": ["Process"], "answer": "Process"}),
    ("quote_not_on_page", {"quote": "Paging divides memory into frames."}),
    ("answer_in_question", {"prompt": "Which term, process or thread, is a program in execution?"}),
    (
        "answer_in_question",
        {
            "kind": "short_answer",
            "choices": [],
            "prompt": "Is a process a program in execution?",
            "answer": "A process, program in execution",
        },
    ),
    ("not_atomic", {"prompt": "Which term is a program in execution? Which is not?"}),
    (
        "not_atomic",
        {
            "kind": "short_answer",
            "choices": [],
            "prompt": "Name the deadlock conditions.",
            "answer": "Mutual exclusion, hold and wait, no preemption",
        },
    ),
]


@pytest.mark.parametrize(
    ("reason", "fields"), BAD_QUESTIONS, ids=[f"{r}-{i}" for i, (r, _) in enumerate(BAD_QUESTIONS)]
)
def test_each_question_reason(reason: str, fields: dict[str, object]) -> None:
    assert check_question(question(**fields), PAGE, DuplicateIndex()) == reason


def test_duplicate_question() -> None:
    index = DuplicateIndex()
    assert check_question(question(), PAGE, index) is None
    assert check_question(question(choices=["Kernel", "Process", "Thread", "Mutex"]), PAGE, index) == "duplicate"


def test_reasons_cover_every_code() -> None:
    codes = [code for code, _ in REASONS]
    assert len(codes) == len(set(codes))
    used = {r for r, _, _ in BAD_CARDS} | {r for r, _ in BAD_QUESTIONS} | {"duplicate"}
    assert used == set(codes)
    assert all(text and "\n" not in text for _, text in REASONS)
