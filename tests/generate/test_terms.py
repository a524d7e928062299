"""What the offline generator takes as a term, and which sentences it makes cards of: a card is answerable from its
front alone, and its term is a term of the subject, not a pronoun, an adverb, a number or an everyday word."""

from __future__ import annotations

import random
import re

from aksio.generate.items import CardDraft
from aksio.generate.offline import CardKind, extract_terms, offline_cards, offline_questions
from aksio.models import SectionInput
from tests.generate.lectures import chinese_memory_section, scheduling_section, section

ORDINARY_SHI = ["还是", "就是", "也是", "可是", "于是", "但是", "总是", "只是", "像是", "正是", "不是", "要是", "或是"]


def _cards(sec: SectionInput, kind: CardKind = "mixed") -> list[CardDraft]:
    return offline_cards(sec, limit=100, kind=kind, rng=random.Random(1))


def test_shi_inside_an_ordinary_word_makes_no_term() -> None:
    sec = chinese_memory_section()
    fronts = {c.front: c.back for c in _cards(sec, "basic")}
    asked = {m.group(1) for f in fronts if (m := re.fullmatch(r"什么是(.+)？", f))}
    assert asked == {"页表", "死锁", "缺页中断"}  # 缺页中断就是...: 就是 is the connective, the term before it
    for term in extract_terms(sec):
        assert term[-1] not in "还就也可于但总只像正不要或", term
        assert term not in ("这", "它", "第四章")
    for word in ORDINARY_SHI:
        text = f"进程调度{word}操作系统中非常重要的一个机制。"
        cards = _cards(section("调度", text + "\n页表是记录虚拟页号与物理页框号对应关系的数据结构。"), "basic")
        assert all(c.front != f"什么是进程调度{word[0]}？" for c in cards), word
        assert "什么是页表？" in {c.front for c in cards}


def test_pronouns_adverbs_and_section_titles_before_shi_are_not_terms() -> None:
    text = (
        "这是一个非常重要的概念。\n它是操作系统的核心。\n第二章是本课程的重点。\n信号量是一个用于进程同步的整数变量。\n"
    )
    fronts = [c.front for c in _cards(section("同步", text), "basic")]
    assert "什么是信号量？" in fronts
    assert not {"什么是这？", "什么是它？", "什么是第二章？"} & set(fronts)


def test_numbers_slide_numbers_and_everyday_headings_are_not_terms() -> None:
    terms = {t.casefold() for t in extract_terms(scheduling_section())}
    assert {"scheduler", "ready thread"} <= terms
    assert not terms & {"9", "lecture 9", "overview", "summary"}
    assert all(not re.fullmatch(r"[\d\W]+", t) for t in terms)


def test_no_card_opens_with_a_word_that_needs_the_sentence_before() -> None:
    openers = ("Otherwise", "This", "These", "It", "However", "Therefore", "因此", "这", "它", "但是", "可是", "于是")
    for sec in (scheduling_section(), chinese_memory_section()):
        for kind in ("basic", "cloze", "mixed"):
            for c in _cards(sec, kind):
                assert not c.front.startswith(openers), c
                if c.kind == "basic":
                    assert not re.search(r"\b(?:it|this|these|they)\b", c.front, re.IGNORECASE), c
        for q in offline_questions(sec, limit=30, rng=random.Random(1), course_terms=[]):
            body = q.prompt.removeprefix("True or false: ").removeprefix("判断对错：")
            assert not body.startswith(openers), q
