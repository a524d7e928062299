"""What a model is sent and what of its answer is kept: parts sized by script, prompts asking for cards in the
notes' language with fronts that stand alone, and a validator refusing fronts that point at text they do not show."""

from __future__ import annotations

from aksio.generate.checks import DuplicateIndex, check_card
from aksio.generate.items import CardDraft
from aksio.generate.prompts import card_messages, chars_per_token, part_chars, question_messages, split_parts
from tests.generate.lectures import CHINESE_PAGE, MEMORY_PAGE_ZH, OS_PAGE_1, OS_PAGE_2, section

NUM_CTX = 8192


def test_a_chinese_section_is_cut_into_parts_that_fit_the_window_at_one_character_a_token() -> None:
    chinese = section("存储管理", *[MEMORY_PAGE_ZH * 4, CHINESE_PAGE * 8] * 6)
    english = section("Memory", *[OS_PAGE_1 * 4, OS_PAGE_2 * 4] * 6)
    assert chars_per_token(MEMORY_PAGE_ZH) < 1.5 and chars_per_token(OS_PAGE_1) > 3.5
    assert part_chars(chinese, NUM_CTX) * 3 < part_chars(english, NUM_CTX)
    for part in split_parts(chinese, part_chars(chinese, NUM_CTX)):
        # half the window even at 1.5 characters a token (the rest is for the prompt and the answer)
        assert sum(len(text) for _, text in part.pages) <= NUM_CTX * 1.5 / 2
    # the English size is what it was (4 characters a token)
    assert part_chars(english, NUM_CTX) == NUM_CTX * 4 // 2
    # offline there is no window: any script is cut at the English size
    assert part_chars(chinese, NUM_CTX, english=True) == NUM_CTX * 4 // 2


def test_prompts_ask_for_the_notes_language_fronts_that_stand_alone_and_no_furniture() -> None:
    part = section("存储管理", MEMORY_PAGE_ZH)
    for messages in (card_messages(part, 5, "mixed"), question_messages(part, 5)):
        rules = messages[0]["content"]
        assert "language of the notes" in rules
        assert '"the above"' in rules and "上述" in rules and "以下" in rules
        assert ("slide numbers" in rules and "See also" in rules) or "reference" in rules


PAGE = (
    "The scheduler picks the next thread to run. This prevents a single thread from starving the others. "
    "上述算法称为时间片轮转调度。以下是三种调度算法。The kernel switches page tables on every context switch, "
    "and this costs time."
)


def _check(kind: str, front: str, back: str, quote: str) -> str | None:
    draft = CardDraft(kind=kind, front=front, back=back, quote=quote, page=1)  # type: ignore[arg-type]
    return check_card(draft, PAGE, DuplicateIndex())


def test_fronts_that_point_at_text_they_do_not_show_are_rejected() -> None:
    quote = "This prevents a single thread from starving the others."
    assert _check("basic", "What does this prevent?", "Starving the others.", quote) == "not_standalone"
    assert _check("basic", "What do the following prevent?", "Starvation.", quote) == "not_standalone"
    assert _check("cloze", "This prevents a single thread from {{c1::starving}} the others.", "", quote) == (
        "not_standalone"
    )
    assert _check("basic", "上述算法称为什么？", "时间片轮转调度", "上述算法称为时间片轮转调度。") == "not_standalone"
    assert _check("basic", "以下是几种调度算法？", "三种", "以下是三种调度算法。") == "not_standalone"
    # a front that says what it asks about is kept, and "this" inside a cloze's sentence is the notes' own
    assert _check("basic", "What picks the next thread to run?", "The scheduler.", PAGE[:43]) is None
    cloze = "The kernel switches {{c1::page tables}} on every context switch, and this costs time."
    assert (
        _check("cloze", cloze, "", "The kernel switches page tables on every context switch, and this costs time.")
        is None
    )
