"""The offline generator on lecture notes: grounded, leak-free, deterministic cards and questions."""

from __future__ import annotations

import random
import re
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aksio.generate.checks import DuplicateIndex, check_card, check_question, normalise, quote_on_page
from aksio.generate.items import CardDraft
from aksio.generate.offline import extract_terms, offline_cards, offline_questions
from aksio.models import SectionInput
from tests.generate.lectures import (
    all_sections,
    biology_section,
    chinese_section,
    economics_section,
    os_section,
    section,
)

KINDS = ("basic", "cloze", "mixed")


def demo_section() -> SectionInput:
    text = resources.files("aksio.demo").joinpath("operating-systems.md").read_text(encoding="utf-8")
    return section("Operating Systems", text)


def pages(sec: SectionInput) -> dict[int, str]:
    return dict(sec.pages)


def cards_of(sec: SectionInput, kind: str = "mixed", seed: int = 1, limit: int = 100) -> list[CardDraft]:
    return offline_cards(sec, limit=limit, kind=kind, rng=random.Random(seed))  # type: ignore[arg-type]


def by_front(cards: list[CardDraft]) -> dict[str, str]:
    return {c.front: c.back for c in cards}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("sec", [*all_sections(), demo_section()], ids=lambda s: s.section_title)
def test_every_card_is_grounded_and_passes_the_checks(sec: SectionInput, kind: str) -> None:
    cards = cards_of(sec, kind)
    assert len(cards) >= 5
    page_text = pages(sec)
    for c in cards:
        assert quote_on_page(c.quote, page_text[c.page]), c
        # verbatim: the quote is the page's own text, whitespace collapsed
        assert normalise(c.quote) in normalise(page_text[c.page])
        assert check_card(c, page_text[c.page], DuplicateIndex()) is None, c
        if kind != "mixed":
            assert c.kind == ("cloze" if kind == "cloze" else "basic")


def test_definitions_and_acronyms_become_cards() -> None:
    os_cards = by_front(cards_of(os_section(), "basic"))
    assert os_cards["What does TLB stand for?"] == "Translation Lookaside Buffer."
    assert os_cards["What is paging?"].startswith("A memory-management scheme that removes the need for contiguous")
    assert os_cards["When does thrashing occur?"].startswith("When the combined working sets")
    assert os_cards["What is another name for Belady's anomaly?"] == "The FIFO anomaly."
    bio = by_front(cards_of(biology_section(), "basic"))
    assert bio["What is the nucleus?"] == "A membrane-bound organelle that contains the cell's genetic material."
    assert bio["What does osmosis refer to?"].startswith("The movement of water across a semipermeable membrane")
    assert bio["What is photosynthesis?"] == "The process by which plants turn light energy into chemical energy."
    assert bio["What does ER stand for?"] == "Endoplasmic reticulum."
    eco = by_front(cards_of(economics_section(), "basic"))
    assert eco["How is a market defined?"] == "A place where buyers and sellers exchange goods or services."
    assert eco["What does GDP stand for?"] == "Gross domestic product."
    assert eco["What does inflation mean?"] == "A sustained rise in the general price level."
    assert eco["What is a price ceiling?"] == "A legal maximum on the price of a good."


def test_demo_lecture() -> None:
    sec = demo_section()
    cards = by_front(cards_of(sec))
    assert cards["What is a process?"] == "A program in execution."
    assert cards["What is a thread?"] == "The unit of CPU scheduling inside a process."
    assert cards["What does TLB stand for?"] == "Translation lookaside buffer."
    assert cards[
        "What prevents starvation by slowly raising the priority of threads that have waited a long time?"
    ] == ("Aging.")
    assert cards["什么是死锁？"] == "一组线程中的每一个都在等待另一个线程持有的资源"
    questions = offline_questions(sec, limit=30, rng=random.Random(1), course_terms=extract_terms(sec))
    assert len(questions) == 30
    assert {q.kind for q in questions} == {"multiple_choice", "true_false", "short_answer"}


def test_no_cards_from_headings_tables_of_contents_or_code() -> None:
    cards = cards_of(economics_section()) + cards_of(os_section())
    for c in cards:
        assert "Table of contents" not in c.quote and "return 0" not in c.quote
        assert "Lecture 7" not in c.quote and "Memory Management" not in c.quote
        assert 5 <= len(c.quote.split()) <= 60


def test_answers_never_leak_into_questions() -> None:
    for sec in [*all_sections(), demo_section()]:
        for c in cards_of(sec, "basic"):
            answer = re.sub(r"^(a|an|the) ", "", c.back.casefold().rstrip("."))
            assert not re.search(rf"\b{re.escape(answer)}\b", c.front.casefold()), c
        for c in cards_of(sec, "cloze"):
            hidden = re.findall(r"\{\{c1::(.*?)\}\}", c.front)
            assert len(hidden) == 1
            shown = c.front.replace("{{c1::" + hidden[0] + "}}", "")
            assert hidden[0].casefold() not in shown.casefold(), c


def test_deterministic_for_a_seed() -> None:
    for sec in all_sections():
        assert cards_of(sec, seed=3) == cards_of(sec, seed=3)
        q1 = offline_questions(sec, limit=20, rng=random.Random(5), course_terms=["Kernel", "Scheduler"])
        q2 = offline_questions(sec, limit=20, rng=random.Random(5), course_terms=["Kernel", "Scheduler"])
        assert q1 == q2


def test_limit_and_existing_cards() -> None:
    sec = biology_section()
    assert len(cards_of(sec, limit=3)) == 3
    assert cards_of(sec, limit=0) == []
    first = cards_of(sec)
    index = DuplicateIndex([(c.front, c.back) for c in first])
    again = offline_cards(sec, limit=100, kind="mixed", rng=random.Random(1), existing=index)
    assert again == []  # everything is already in the course


def test_chinese_definitions_and_cloze() -> None:
    sec = chinese_section()
    basic = by_front(cards_of(sec, "basic"))
    assert basic["什么是细胞核？"] == "储存遗传物质的细胞器"
    assert basic["什么是光合作用？"] == "绿色植物利用光能把二氧化碳和水合成有机物的过程"
    assert basic["什么是渗透？"] == "水分子通过半透膜从低浓度溶液向高浓度溶液扩散的现象"
    cloze = [c.front for c in cards_of(sec, "cloze")]
    assert "{{c1::线粒体}}是细胞进行有氧呼吸的主要场所，被称为细胞的“动力工厂”。" in cloze


def test_multiple_choice_distractors_come_from_course_terms() -> None:
    course_terms = ["Kernel", "Interrupt", "System call", "Scheduler", "Mutex", "Semaphore", "Spinlock", "Dirty bit"]
    sec = os_section()
    questions = offline_questions(sec, limit=50, rng=random.Random(2), course_terms=course_terms)
    mc = [q for q in questions if q.kind == "multiple_choice"]
    assert mc
    allowed = {t.casefold() for t in [*course_terms, *extract_terms(sec)]}
    allowed |= {re.sub(r"\s*\(.*\)", "", t) for t in allowed}
    for q in mc:
        assert len(q.choices) == 4 and len({c.casefold() for c in q.choices}) == 4
        assert q.choices.count(q.answer) == 1
        for choice in q.choices:
            if choice != q.answer:
                assert choice.casefold() in allowed, choice
        assert not any("above" in c.casefold() for c in q.choices)
        assert q.answer.casefold() not in q.prompt.casefold()
    assert any(c in course_terms for q in mc for c in q.choices)


def test_questions_pass_the_checks_and_cite_the_page() -> None:
    for sec in [*all_sections(), demo_section()]:
        page_text = pages(sec)
        questions = offline_questions(sec, limit=40, rng=random.Random(1), course_terms=[])
        assert questions
        for q in questions:
            assert quote_on_page(q.quote, page_text[q.page])
            assert check_question(q, page_text[q.page], DuplicateIndex()) is None, q
            assert f"page {q.page}" in q.explanation
            if q.kind == "true_false":
                assert q.choices == ["True", "False"]
                if q.answer == "False":
                    assert "not" in q.explanation  # says what the statement got wrong
            if q.kind == "short_answer":
                assert q.choices == []


def test_true_false_has_both_answers() -> None:
    answers = {
        q.answer
        for q in offline_questions(demo_section(), limit=80, rng=random.Random(4), course_terms=[])
        if q.kind == "true_false"
    }
    assert answers == {"True", "False"}


ODD_INPUTS = [
    "",
    "   \n\n\f  ",
    "1\n2\n3\n4\n5",
    "12 34 56 78 90 12 34 56 78 90.",
    "....... ------ ****** ######",
    "{{c1::x}} is {{c2::y}}. A {{c1:: }} thing is a thing that is a thing.",
    "A is a B." * 3,
    "x" * 5000,
    ("The quick brown fox is a small animal that jumps over the lazy dog. " * 4000),
    "A (B) is the C (D). (E) (F) is a (G).",
    "The cache (C) is a store. The TLB (TLB) is a TLB.",
    "。。。！！？？是是是指指",
    "是一个。指的是。",
    "def f(x):\n    return x * 2\n\nint main() { return 0; }",
    "**bold** **bold** **** ** __ __",
]


@pytest.mark.parametrize("text", ODD_INPUTS, ids=range(len(ODD_INPUTS)))
def test_odd_input_never_crashes(text: str) -> None:
    sec = section("Odd", text, "Another page is a page of text that follows the first one.")
    for kind in KINDS:
        for c in cards_of(sec, kind):
            assert quote_on_page(c.quote, pages(sec)[c.page])
    offline_questions(sec, limit=10, rng=random.Random(0), course_terms=["", " ", "X", "a" * 500])
    extract_terms(sec)


PIECES = [
    *"abcdefghij ABCDEFG.,;:!?()-*_{}\n\f\t0123456789",
    *["The ", "cache ", "is a ", "refers to ", "also called ", "means ", "是", "指", "。", "(TLB)", "**", "-\n", ": "],
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(PIECES), max_size=120).map("".join), max_size=3),
    st.integers(0, 2**32),
)
def test_random_text_never_crashes(texts: list[str], seed: int) -> None:
    sec = section("Random", *texts)
    cards = offline_cards(sec, limit=20, kind="mixed", rng=random.Random(seed))
    for c in cards:
        assert quote_on_page(c.quote, pages(sec)[c.page])
    offline_questions(sec, limit=10, rng=random.Random(seed), course_terms=["Alpha", "Beta", "Gamma"])


def test_a_numbered_section_title_is_not_read_as_the_start_of_its_first_sentence() -> None:
    from aksio.models import SectionInput as Section

    text = "3. Synchronization\nA race condition occurs when the result depends on the order in which threads run."
    section = Section(
        document_id="d", document_title="OS", section_id="s", section_title="3. Synchronization", pages=[(1, text)]
    )
    cards = offline_cards(section, limit=5, kind="basic", rng=random.Random(1))
    assert cards and all("Synchronization" not in c.front and "Synchronization" not in c.quote for c in cards)
