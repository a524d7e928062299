"""Offline generation of cards and questions, resuming, holding for review, and the commands around them."""

from __future__ import annotations

import json

from aksio.demo import sample_path
from aksio.generate.checks import quote_on_page
from aksio.service import Aksio
from tests.conftest import Cli


def _demo_notes(aksio: Aksio) -> None:
    aksio.add_course("OS")
    assert aksio.import_paths([sample_path()], "OS").imported


def _page_text(aksio: Aksio, document_id: str, page: int) -> str:
    rows = aksio.db.query("SELECT text FROM chunk WHERE document_id = ? AND page = ? ORDER BY ord", (document_id, page))
    return "\n".join(r["text"] for r in rows)


def test_offline_cards_cite_a_sentence_that_is_on_their_page(aksio: Aksio) -> None:
    _demo_notes(aksio)
    report = aksio.generate("cards", "OS", per_section=4)
    assert report.generator == "offline" and report.parts == report.parts_done > 5 and report.kept >= 20
    cards = aksio.cards("OS", origin="offline")
    assert len({c.note_id for c in cards}) == report.kept
    for card in cards:
        assert card.source is not None and card.source.document_id and card.source.page and card.source.quote
        assert quote_on_page(card.source.quote, _page_text(aksio, card.source.document_id, card.source.page))
        assert card.back.strip().lower() not in card.front.lower() or card.kind == "cloze"
    assert {c.kind for c in cards} == {"basic", "cloze"}  # mixed by default
    assert aksio.next_card("OS") is None  # held for the student's review first (generate.hold is on by default)


def test_a_rerun_resumes_and_generates_nothing_twice(aksio: Aksio) -> None:
    _demo_notes(aksio)
    first = aksio.generate("cards", "OS", per_section=3)
    again = aksio.generate("cards", "OS", per_section=3)
    assert again.parts_resumed == first.parts and again.parts_done == 0 and again.kept == 0
    assert len(aksio.cards("OS")) == len({c.id for c in aksio.cards("OS")})
    other = aksio.generate("cards", "OS", per_section=6)  # other settings: new parts, duplicates dropped
    assert other.parts_done == first.parts and other.rejected.get("duplicate", 0) > 0


def test_a_dry_run_stores_nothing(aksio: Aksio) -> None:
    _demo_notes(aksio)
    dry = aksio.generate("cards", "OS", dry_run=True)
    assert dry.kept > 0 and len(dry.items) == dry.kept and all(i.id == "" for i in dry.items)
    assert aksio.cards("OS") == []
    assert aksio.generate("cards", "OS").kept == dry.kept  # and did not count as done


def test_held_cards_stay_out_of_study_until_accepted_and_reject_deletes_them(aksio: Aksio) -> None:
    _demo_notes(aksio)
    report = aksio.generate("cards", "OS", per_section=2, hold=True)
    held = aksio.cards("OS", pending=True)
    assert report.held and len({c.note_id for c in held}) == report.kept > 2
    assert all(c.state.queue == "pending" for c in held) and aksio.next_card("OS") is None
    assert aksio.due("OS").counts.new == 0
    first = held[0]
    aksio.suspend(held[1].id)
    assert aksio.suspend(held[1].id, suspended=False).state.queue == "pending"  # still held, not studyable
    assert aksio.accept_cards(cards=[first.id]) == 1
    assert aksio.next_card("OS") is not None and aksio.card(first.id).state.queue == "new"
    assert aksio.reject_cards("OS", origin="generated") == report.kept - 1  # only the held ones
    assert {c.note_id for c in aksio.cards("OS")} == {first.note_id}
    assert aksio.doctor(rebuild=True)["identical"] is True  # pending is rebuilt from the notes too


def test_offline_questions_have_one_right_answer_among_their_choices(aksio: Aksio) -> None:
    _demo_notes(aksio)
    report = aksio.generate("questions", "OS", per_section=3)
    questions = aksio.questions("OS")
    assert len(questions) == report.kept >= 10
    kinds = {q["kind"] for q in questions}
    assert "multiple_choice" in kinds and len(kinds) >= 2
    for q in questions:
        assert quote_on_page(q["source_quote"], _page_text(aksio, q["source_document_id"], q["source_page"]))
        if q["kind"] == "multiple_choice":
            assert len(q["choices"]) == 4 and q["choices"].count(q["answer"]) == 1
        if q["kind"] == "true_false":
            assert q["choices"] == ["True", "False"] and q["answer"] in q["choices"]


def test_one_section_only(aksio: Aksio) -> None:
    _demo_notes(aksio)
    report = aksio.generate("cards", "OS", section="paging")
    assert report.parts == 1 and report.kept and {i.section_title for i in report.items} == {"4.1 Paging"}


def test_generate_commands_print_a_report_and_json(cli: Cli) -> None:
    assert cli("course", "add", "OS")[0] == 0
    assert cli("import", str(sample_path()), "-c", "OS")[0] == 0
    code, out, _ = cli("generate", "cards", "-c", "OS", "-n", "2", "--json")
    report = json.loads(out)
    assert code == 0 and report["kept"] > 0 and set(report) >= {"parts", "rejected", "items", "generator"}
    code, out, _ = cli("card", "list", "--origin", "generated", "--json")
    assert code == 0 and len(json.loads(out)["cards"]) >= report["kept"]
    code, out, _ = cli("generate", "questions", "-c", "OS")
    assert code == 0 and "kept" in out and "question(s)" in out
    code, out, _ = cli("question", "list", "-c", "OS", "--json")
    assert code == 0 and json.loads(out)["questions"]
    code, out, _ = cli("llm", "status", "--json")
    assert code == 0 and json.loads(out)["provider"] == "offline"


def test_bad_generation_input_is_one_line(cli: Cli) -> None:
    assert cli("course", "add", "Empty")[0] == 0
    for args, expected in [
        (("generate", "cards", "-c", "Empty"), "has no text to generate from; add documents with `aksio import`"),
        (("generate", "cards", "-c", "Nope"), "no course 'Nope'"),
        (("generate", "cards", "-c", "Empty", "-p", "gpt"), "unknown LLM provider 'gpt'"),
        (("generate", "cards", "-c", "Empty", "-p", "ollama"), "ollama; pass --model or run `aksio config set"),
        (("generate", "cards", "-c", "Empty", "-n", "0"), "--per-section"),
        (("generate", "cards", "-c", "Empty", "--kind", "essay"), "unknown card kind"),
        (("card", "accept"), "name the cards"),
    ]:
        code, _, err = cli(*args)
        assert code != 0 and expected in err and err.count("\n") == 1, (args, err)
    assert cli("card", "list", "--json")[1].count('"id"') == 0  # nothing half-written
