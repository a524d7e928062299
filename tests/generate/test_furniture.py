"""Page furniture is left out before terms and sentences are chosen, and what is left is still the page's text."""

from __future__ import annotations

import random

from aksio.generate.checks import normalise
from aksio.generate.furniture import furniture_of, is_reference, is_slide_number, strip_furniture, without_continued
from aksio.generate.offline import extract_terms, offline_cards, offline_questions
from tests.generate.lectures import NET_SLIDES, OS_SLIDES_ZH, chinese_slides, network_slides, section


def test_slide_numbers_are_recognised_and_sentences_with_numbers_are_not() -> None:
    for line in ["7", " 12 ", "Page 7", "Slide 3", "7 / 30", "7 of 30", "- 7 -", "第 3 页", "第3页"]:
        assert is_slide_number(line), line
    for line in ["7 layers", "TCP uses 3 handshakes.", "2019", "Lecture 7 Memory", ""]:
        assert not is_slide_number(line) or line == "2019", line


def test_reference_lines_and_continued_titles() -> None:
    assert is_reference("See also: Transmission Control Protocol, Wikipedia.")
    assert is_reference("Reference: J. Example, Networks Explained, 2019.")
    assert is_reference("[3] A. Author. Paging revisited. 1999.")
    assert is_reference("参见：维基百科“线程”条目。")
    assert not is_reference("The sender sees a loss and halves its window.")
    assert without_continued("Congestion Control (cont.)") == "Congestion Control"
    assert without_continued("Congestion Control (cont'd)") == "Congestion Control"
    assert without_continued("进程调度（续）") == "进程调度"
    assert without_continued("Continuity of care") == "Continuity of care"


def test_running_headers_footers_and_numbers_repeated_across_pages_are_stripped() -> None:
    found = furniture_of(NET_SLIDES)
    stripped = dict(strip_furniture(list(enumerate(NET_SLIDES, 2)), found))
    for text in stripped.values():
        assert "CS 240" not in text and "Prof. Example" not in text
        assert not any(is_slide_number(line) for line in text.splitlines())
    assert "Congestion Control" in stripped[5] and "(cont.)" not in stripped[5]
    # what is left is the page's own lines, in order; only a title loses its "(cont.)"
    for page, text in stripped.items():
        own = [without_continued(line) for line in NET_SLIDES[page - 2].splitlines()]
        left = [line for line in text.splitlines() if line.strip()]
        assert left == [line for line in own if line in left]


def test_an_agenda_page_listing_other_slides_titles_is_dropped_whole() -> None:
    assert strip_furniture(list(enumerate(NET_SLIDES, 2)))[0][1].strip() == ""
    assert strip_furniture(list(enumerate(OS_SLIDES_ZH, 1)))[0][1].strip() == ""
    # a page of short lines that are not other pages' titles stays
    notes = ["Queues\nFIFO order\nLIFO order\nPriority order\n", "Stacks\nA stack is a list.\n", "Heaps\nA heap.\n"]
    assert "FIFO order" in strip_furniture(list(enumerate(notes, 1)))[0][1]


def test_one_page_alone_keeps_lines_a_document_would_repeat() -> None:
    # two pages cannot tell a running header from a title that happens to repeat
    pages = [(1, "Paging\nPaging is a scheme."), (2, "Paging\nA page is a block.")]
    assert [text for _, text in strip_furniture(pages)] == [text for _, text in pages]


def test_no_card_or_term_comes_from_page_furniture() -> None:
    for sec in (network_slides(), chinese_slides()):
        cards = offline_cards(sec, limit=100, kind="mixed", rng=random.Random(1))
        assert len(cards) >= 5
        pages = dict(sec.pages)
        for c in cards:
            assert normalise(c.quote) in normalise(pages[c.page]), c  # still quoting the page's own text
            for junk in ("See also", "Wikipedia", "维基百科", "参见", "Reference", "CS 240", "Prof. Example", "cont."):
                assert junk not in c.front and junk not in c.back and junk not in c.quote, c
            assert c.page != sec.pages[0][0], c  # the agenda slide
        terms = {t.casefold() for t in extract_terms(sec)}
        assert not terms & {"reference", "agenda", "目录", "control protocol", "transmission control"}
        for q in offline_questions(sec, limit=30, rng=random.Random(1), course_terms=[]):
            assert "See also" not in q.prompt and "参见" not in q.prompt and "目录" not in q.prompt


def test_a_word_hyphenated_at_a_line_end_is_joined_only_when_the_joined_form_is_a_word() -> None:
    text = (
        "The **retransmission timer** of the sender-\nside expires when an acknowledgement is late, and the sender "
        "then starts the recovery pro-\ncess again.\n"
    )
    sec = section("Timers", text)
    cards = offline_cards(sec, limit=10, kind="cloze", rng=random.Random(1))
    assert cards
    for c in cards:
        assert "recovery process again" in c.front and "sender-side" in c.front, c
        assert normalise(c.quote) in normalise(text)
