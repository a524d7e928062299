"""Search: quoted phrases, course scope for words found everywhere, snippets around the matched words."""

from __future__ import annotations

import pytest

from aksio.service import Aksio
from aksio.storage import search as search_module
from aksio.storage.search import match_terms, snippet
from tests import docmaker
from tests.docmaker import Docs


def _notes(aksio: Aksio, docs: Docs, course: str, name: str, text: str) -> None:
    report = aksio.import_paths([docs.text(name, text)], course)
    assert report.imported, report


def test_quoted_words_are_searched_as_a_phrase(aksio: Aksio, docs: Docs) -> None:
    aksio.add_course("OS")
    _notes(aksio, docs, "OS", "adjacent.md", "# Paging\n\nVirtual memory maps pages to frames.\n")
    _notes(aksio, docs, "OS", "apart.md", "# Caches\n\nA virtual address and the memory bus.\n")
    assert {h.section_title for h in aksio.search("virtual memory")} == {"Paging", "Caches"}
    assert [h.section_title for h in aksio.search('"virtual memory"')] == ["Paging"]
    assert [h.section_title for h in aksio.search('"memory virtual"')] == []  # order counts in a phrase


def test_an_unpaired_quote_is_text() -> None:
    assert match_terms('virtual "memory') == ['"virtual"', '"memory"']
    assert match_terms('"a b" "c') == ['"a b"', '"c"']
    assert match_terms('""') == []
    assert match_terms('"进程 调度"') == ['"进 程 调 度"']


def test_course_scope_finds_an_old_course_behind_a_common_word(
    aksio: Aksio, docs: Docs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "RANK_CAP", 3)  # "kernel" is in more chunks than the cap: a common word
    aksio.add_course("Old")
    aksio.add_course("New")
    _notes(aksio, docs, "Old", "old.md", "# Old one\n\nThe kernel boots.\n")
    for i in range(6):  # imported later, so they are the newest matches of the whole library
        _notes(aksio, docs, "New", f"new{i}.md", f"# New {i}\n\nThe kernel schedules thread {i}.\n")
    assert all(h.course_name == "New" for h in aksio.search("kernel", limit=5))
    (hit,) = aksio.search("kernel", course="Old")
    assert hit.section_title == "Old one"


def test_snippet_is_centred_on_the_densest_cluster_of_query_words() -> None:
    text = "paging alone here. " + "filler " * 40 + "Paging moves pages between memory and disk. " + "tail " * 40
    result = snippet(text, ["paging", "memory"])
    shown = result["snippet"]
    assert isinstance(shown, str) and shown.startswith("…") and shown.endswith("…")
    spans = result["highlights"]
    assert isinstance(spans, list)
    assert [shown[a:b] for a, b in spans] == ["Paging", "pages", "memory"]


def test_snippet_does_not_highlight_the_middle_of_a_word() -> None:
    result = snippet("Unpaging is not paging.", ["paging"])
    shown, spans = result["snippet"], result["highlights"]
    assert isinstance(shown, str) and isinstance(spans, list)
    assert [shown[a:b] for a, b in spans] == ["paging"]


def test_snippet_highlights_latin_next_to_chinese() -> None:
    result = snippet("第3章 讲CPU调度和内存", ["CPU调度", "内存"])
    shown, spans = result["snippet"], result["highlights"]
    assert isinstance(shown, str) and isinstance(spans, list)
    assert [shown[a:b] for a, b in spans] == ["CPU调度", "内存"]


def test_the_page_that_explains_a_word_ranks_above_agenda_slides_that_list_it(aksio: Aksio, docs: Docs) -> None:
    # the five agenda slides are short, so bm25 put them all above the page explaining page replacement
    aksio.add_course("OS")
    report = aksio.import_paths([docs("deck.pdf", docmaker.agenda_deck_pdf)], "OS")
    assert report.imported, report
    hits = aksio.search("page replacement")
    assert [h.page for h in hits][:2] == [docmaker.EXPLAINED_PAGE, 8]
    assert sorted(h.page for h in hits[2:]) == list(docmaker.AGENDA_PAGES)  # still found, after the rest


def test_a_deck_merged_from_another_device_is_weighed_there_too(homes: tuple[Aksio, Aksio], docs: Docs) -> None:
    a, b = homes
    a.add_course("OS")
    assert a.import_paths([docs("deck.pdf", docmaker.agenda_deck_pdf)], "OS").imported
    cursor = 0
    while True:  # in small batches: a document's chunks arrive over several merges
        batch, cursor = a.changes_since(cursor, limit=4)
        if batch.size == 0:
            break
        b.apply_changes(batch)
    assert [h.page for h in b.search("page replacement")] == [h.page for h in a.search("page replacement")]
    assert b.search("page replacement")[0].page == docmaker.EXPLAINED_PAGE
