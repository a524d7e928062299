"""The generate screen with the offline generator: choose, watch, cancel, then accept or reject what was kept."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from textual.widgets import OptionList, ProgressBar, Select, SelectionList

from aksio.demo import sample_path
from aksio.generation import GenerationProgress, GenerationReport
from aksio.service import Aksio
from aksio_tui.app import AksioApp
from aksio_tui.screens.dashboard import DashboardScreen
from aksio_tui.screens.generate import GenerateScreen
from tests.tui.test_app import run, settle, text_of

KNOWN_FRONT, KNOWN_BACK = "What is a process?", "A program in execution."  # the offline generator makes it too


@pytest.fixture
def os_course(core: Aksio) -> str:
    """A course with the sample lecture imported and one card the generator will repeat (a duplicate)."""
    course = core.add_course("Operating Systems", code="CS162")
    core.import_paths([sample_path()], course.id)
    core.add_card(course.id, KNOWN_FRONT, KNOWN_BACK)
    return course.id


def _kept(screen: GenerateScreen) -> list[str]:
    """The note ids of what the run kept, in the order shown."""
    assert screen.outcome is not None
    return [i.id for i in screen.outcome.items]


def _screen(app: AksioApp) -> GenerateScreen:
    assert isinstance(app.screen, GenerateScreen)
    return app.screen


def test_generated_cards_wait_until_accepted_or_rejected(core: Aksio, os_course: str) -> None:
    app = AksioApp(core, course=os_course, start="generate")
    generated: list[str] = []

    async def flow(pilot: Any) -> None:
        screen = _screen(app)
        assert screen.query_one("#gen-course", Select).value == os_course
        assert screen.query_one("#gen-sections", SelectionList).option_count == 11  # the lecture's sections
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert screen.phase == "result" and screen.held
        assert screen.outcome is not None
        items = screen.outcome.items
        assert items and screen.query_one("#gen-kept", OptionList).option_count == len(items)
        held = core.cards(os_course, pending=True)
        assert {c.note_id for c in held} == {i.id for i in items}  # nothing enters study before a decision
        rejected = screen.query_one("#gen-rejected", OptionList)
        assert rejected.option_count == 1
        assert "nearly the same as a card already in the course" in str(rejected.get_option_at_index(0).prompt)
        assert "1 rejected" in text_of(app, "#gen-summary")

        await pilot.press("space", "down", "space")  # the first two go, the rest stay
        assert "✗ 2 to reject" in text_of(app, "#gen-summary")
        await pilot.press("s")
        await settle(pilot)
        assert not screen.held
        assert any("2 rejected" in n.message for n in app._notifications)
        generated.extend(_kept(screen))

    run(app, flow)
    notes = {c.note_id: c for c in core.cards(os_course)}
    assert core.cards(os_course, pending=True) == []
    assert all(note not in notes for note in generated[:2])  # rejected: deleted
    assert all(notes[note].state.queue == "new" for note in generated[2:])  # accepted: new cards to study


def test_reject_all_then_accept_all_marks_every_card(core: Aksio, os_course: str) -> None:
    app = AksioApp(core, course=os_course, start="generate")
    generated: list[str] = []

    async def flow(pilot: Any) -> None:
        screen = _screen(app)
        await pilot.press("ctrl+g")
        await settle(pilot)
        generated.extend(_kept(screen))
        await pilot.press("r")
        assert not any(screen.keep.values())
        await pilot.press("a")
        assert all(screen.keep.values())
        await pilot.press("s")
        await settle(pilot)

    run(app, flow)
    assert core.cards(os_course, pending=True) == []
    accepted = {c.note_id for c in core.cards(os_course) if c.state.queue == "new"}
    assert generated and accepted >= set(generated)


def test_leaving_without_deciding_keeps_the_cards_held(core: Aksio, os_course: str) -> None:
    app = AksioApp(core)
    generated: list[str] = []

    async def flow(pilot: Any) -> None:
        await pilot.press("down", "down", "g")  # Biology, Chemistry, Operating Systems
        await settle(pilot)
        screen = _screen(app)
        assert screen.course_id == os_course
        await pilot.press("ctrl+g")
        await settle(pilot)
        generated.extend(_kept(screen))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert any("stay held" in n.message for n in app._notifications)

    run(app, flow)
    assert generated and {c.note_id for c in core.cards(os_course, pending=True)} == set(generated)


def test_chosen_sections_and_only_they_are_generated(core: Aksio, os_course: str) -> None:
    app = AksioApp(core, course=os_course, start="generate")

    async def flow(pilot: Any) -> None:
        screen = _screen(app)
        sections = screen.query_one("#gen-sections", SelectionList)
        values = {str(sections.get_option_at_index(i).prompt).strip().split("  ")[0]: i for i in range(11)}
        for title in ("4. Memory management", "4.1 Paging", "5. File systems"):
            sections.select(sections.get_option_at_index(values[title]).value)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert screen.outcome is not None
        assert len(screen.outcome.job.targets) == 2  # Paging goes with Memory management
        titles = {i.section_title for i in screen.outcome.items}
        assert titles and titles <= {"4. Memory management", "4.1 Paging", "4.2 Virtual memory",
                                     "4.3 Page replacement", "5. File systems"}  # fmt: skip

    run(app, flow)


def test_quiz_questions_are_listed_and_stored_without_holding(core: Aksio, os_course: str) -> None:
    app = AksioApp(core, course=os_course, start="generate")

    async def flow(pilot: Any) -> None:
        screen = _screen(app)
        screen.query_one("#gen-what", Select).value = "questions"
        await pilot.pause()
        assert screen.query_one("#gen-kind", Select).disabled
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert screen.phase == "result" and not screen.held
        kept = screen.query_one("#gen-kept", OptionList)
        assert kept.option_count == len(core.questions(os_course)) > 0
        await pilot.press("r")  # nothing to reject: questions are not held
        assert screen.keep == {}

    run(app, flow)


def test_a_bad_count_is_refused_before_anything_runs(core: Aksio, os_course: str) -> None:
    app = AksioApp(core, course=os_course, start="generate")

    async def flow(pilot: Any) -> None:
        screen = _screen(app)
        screen.query_one("#gen-count").value = "0"  # type: ignore[attr-defined]
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert screen.phase == "form"
        assert any("from 1 to 50" in n.message for n in app._notifications)

    run(app, flow)
    assert core.cards(os_course, pending=True) == []


@pytest.mark.parametrize("key", ["escape", "x"])
def test_progress_shows_live_and_a_key_cancels(
    key: str, core: Aksio, os_course: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = core.generate
    started = threading.Event()

    def slow(*args: Any, **kwargs: Any) -> GenerationReport:
        kwargs["progress"](GenerationProgress(parts_done=1, parts_total=4, kept=3, rejected=1))
        started.set()
        kwargs["cancel"].wait(10)  # a model still answering, until the student cancels
        return real(*args, **kwargs)

    monkeypatch.setattr(core, "generate", slow)
    app = AksioApp(core, course=os_course, start="generate")

    async def flow(pilot: Any) -> None:
        screen = _screen(app)
        await pilot.press("ctrl+g")
        for _ in range(100):
            await pilot.pause(0.02)
            if "3 kept" in text_of(app, "#gen-counts"):
                break
        assert screen.phase == "running"
        assert text_of(app, "#gen-counts") == "part 1 of 4 · 3 kept · 1 rejected"
        assert screen.query_one("#gen-progress", ProgressBar).percentage == pytest.approx(0.25)
        await pilot.press(key)
        await settle(pilot)
        assert screen.phase == "result"
        assert "cancelled" in text_of(app, "#gen-summary")

    run(app, flow)
    assert started.is_set()


def test_a_course_without_documents_says_so(core: Aksio) -> None:
    app = AksioApp(core, course="Chemistry", start="generate")

    async def flow(pilot: Any) -> None:
        screen = _screen(app)
        assert screen.query_one("#gen-sections", SelectionList).option_count == 0
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert screen.phase == "form"
        assert any("no text to generate from" in n.message for n in app._notifications)

    run(app, flow)


def test_chosen_sections_read_without_colour_and_the_first_space_chooses(core: Aksio, os_course: str) -> None:
    app = AksioApp(core, course=os_course, start="generate")

    async def flow(pilot: Any) -> None:
        sections = _screen(app).query_one("#gen-sections", SelectionList)
        sections.focus()
        await pilot.press("space")  # the first row, highlighted from the start
        await settle(pilot)
        assert len(sections.selected) == 1
        assert sections.render_line(0).text.startswith("▐X▌")
        assert sections.render_line(1).text.startswith("▐ ▌")  # not chosen: an empty box, not a dim X

    run(app, flow)


def test_the_quote_of_a_kept_card_reads_without_markdown_stars(core: Aksio, os_course: str) -> None:
    app = AksioApp(core, course=os_course, start="generate")

    async def flow(pilot: Any) -> None:
        screen = _screen(app)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert screen.outcome is not None
        starred = [i for i, item in enumerate(screen.outcome.items) if "**" in item.quote]
        assert starred  # the lecture's bold words are in the quotes as the source has them
        kept = screen.query_one("#gen-kept", OptionList)
        kept.highlighted = starred[0]
        await settle(pilot)
        detail = text_of(app, "#gen-detail")
        assert "**" not in detail and "“" in detail

    run(app, flow)
