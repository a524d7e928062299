"""Cloze deletions: which cards a text makes, and what each card shows."""

from __future__ import annotations

import pytest

from aksio.srs.cloze import cloze_numbers, render


def test_each_number_is_one_card() -> None:
    text = "{{c2::Canberra}} is the capital of {{c1::Australia}}; {{c2::it}} was planned."
    assert cloze_numbers(text) == [1, 2]
    assert render(text, 1) == (
        "Canberra is the capital of [...]; it was planned.",
        "Canberra is the capital of **Australia**; it was planned.",
    )
    assert render(text, 2) == (
        "[...] is the capital of Australia; [...] was planned.",
        "**Canberra** is the capital of Australia; **it** was planned.",
    )


def test_a_hint_replaces_the_dots() -> None:
    text = "Water boils at {{c1::100 °C::temperature}} at sea level."
    assert render(text, 1) == ("Water boils at [temperature] at sea level.", "Water boils at **100 °C** at sea level.")


def test_numbers_are_sorted_without_repeats_and_skip_c0_and_empty_deletions() -> None:
    assert cloze_numbers("{{c10::j}} {{c2::b}} {{c2::b2}} {{c0::zero}} {{c3::}} {{c4::  }}") == [2, 10]
    assert cloze_numbers("multi\nline {{c1::first\nsecond}}") == [1]
    assert render("multi\nline {{c1::first\nsecond}}", 1) == ("multi\nline [...]", "multi\nline **first\nsecond**")


def test_the_first_closing_pair_ends_a_deletion_as_in_anki() -> None:
    # an answer ending in a brace needs a space before the closing pair, Anki's own workaround
    assert render(r"{{c1::\frac{a}{b} }} is a/b", 1) == ("[...] is a/b", r"**\frac{a}{b} ** is a/b")
    assert render(r"{{c1::\frac{a}{b}}}", 1) == ("[...]}", r"**\frac{a}{b**}")
    assert render("{{c1::x}}} y", 1) == ("[...]} y", "**x**} y")


def test_the_first_double_colon_starts_the_hint_as_in_anki() -> None:
    assert render("{{c1::std::vector}}", 1) == ("[vector]", "**std**")
    assert render("{{c1::a::b::c}}", 1) == ("[b::c]", "**a**")


def test_a_number_the_text_lacks_hides_nothing() -> None:
    assert render("{{c1::a}} b", 2) == ("a b", "a b")


@pytest.mark.parametrize("text", ["no deletion here", "", "{c1::single braces}", "{{c1::}}", "{{c::x}}", "{{c1:x}}"])
def test_text_without_a_deletion_makes_no_card(text: str) -> None:
    assert cloze_numbers(text) == []
