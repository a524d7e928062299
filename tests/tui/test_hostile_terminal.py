"""The app draws text from outside (cards, documents, file names, course names) as text: no escape sequence, C1
control or bidi override it holds reaches the terminal, and markup in it is never read. Each screen is drawn
with such data and everything it would paint is searched for a raw control character."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import TextArea

from aksio.clock import FixedClock
from aksio.service import Aksio
from aksio_tui.app import AksioApp
from aksio_tui.screens.browser import CardScreen
from aksio_tui.screens.course import ImportScreen, report_text
from aksio_tui.screens.review import SourceScreen
from tests.tui.conftest import T0
from tests.tui.pilot import loaded, run

# what a terminal obeys: C0 but newline and tab, DEL, C1 (U+009B is CSI, U+009D OSC), bidi overrides and isolates
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
COURSE = "Hostile [/] [bold]"  # read as markup, "[/]" ends the app
FRONT = "\x1b]0;pwned\x07\x1b[2Jfront [red]red[/]"
BACK = "back\u009b31m \u202eevil\u202c"
NOTES = (
    "# Paging\x1b[2J rules\n\n"
    "A page table\x1b]0;pwned\x07 is a structure that maps virtual pages to physical frames.\n\n"
    "Page replacement\x1b[31m happens when memory is full and a page must leave.\n"
)
FILE_NAME = "notes\x1b[31m.md"


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Aksio]:
    """A course with a hand-written card, then the cards the offline generator made from a document whose file
    name, title, section and text hold escape sequences."""
    core = Aksio.open(tmp_path / "home", FixedClock(T0), tz=UTC)
    course = core.add_course(COURSE).id
    core.add_card(course, FRONT, BACK)
    notes = tmp_path / FILE_NAME
    notes.write_text(NOTES, encoding="utf-8")
    assert core.import_paths([notes], course).imported
    assert core.generate("cards", course, hold=False).kept  # not held: the review screen shows them
    yield core
    core.close()


def _course(core: Aksio) -> str:
    return core.courses()[0].id


def _drawn(app: AksioApp, *shown: str) -> None:
    """Everything the screen paints (a screenshot of it) holds no raw control character, and each of ``shown``."""
    painted = app.export_screenshot()
    assert RAW.search(painted) is None, f"raw {RAW.findall(painted)!r} on {app.screen}"
    for text in shown:
        assert text in painted.replace("&#160;", " ")


def test_review_shows_a_card_its_source_and_a_notification_as_text(hostile: Aksio) -> None:
    app = AksioApp(hostile, course=_course(hostile), start="review")

    async def flow(pilot: Any) -> None:
        _drawn(app, "\\x1b]0;pwned\\x07\\x1b[2Jfront")
        await pilot.press("space")
        _drawn(app, "back\\x9b31m")
        await pilot.press("3")  # the next card cites the document
        await loaded(pilot)
        card = hostile.card(app.screen.card.id)  # type: ignore[attr-defined]
        assert card.source is not None and card.source.document_id
        await app.push_screen(SourceScreen(card, hostile.document(card.source.document_id).title))
        await loaded(pilot)
        _drawn(app, "Paging\\x1b[2J rules")
        await pilot.press("escape", "s")  # suspending says so, quoting the card
        await loaded(pilot)
        _drawn(app)

    run(app, flow)


def test_editing_shows_a_cards_escapes_and_a_side_left_as_shown_keeps_them(hostile: Aksio) -> None:
    app = AksioApp(hostile, course=_course(hostile), start="review")
    card = next(c for c in hostile.cards() if c.origin == "manual")

    async def flow(pilot: Any) -> None:
        await pilot.press("e")
        await loaded(pilot)
        _drawn(app)
        assert app.screen.query_one("#edit-front", TextArea).text == "\\x1b]0;pwned\\x07\\x1b[2Jfront [red]red[/]"
        back = app.screen.query_one("#edit-back", TextArea)
        back.focus()
        back.move_cursor(back.document.end)
        await pilot.press(*" again", "ctrl+s")
        await loaded(pilot)

    run(app, flow)
    edited = hostile.card(card.id)
    assert edited.front == FRONT  # untouched: what it holds, not the escapes it was shown with
    assert edited.back == "back\\x9b31m \\u202eevil\\u202c again"  # edited: what was shown, and the edit


def test_card_browser_lists_and_shows_a_card_as_text(hostile: Aksio) -> None:
    app = AksioApp(hostile, start="cards")
    manual = next(c for c in hostile.cards() if c.origin == "manual")

    async def flow(pilot: Any) -> None:
        _drawn(app, "\\x1b]0;pwned\\x07\\x1b[")
        await app.push_screen(CardScreen(hostile.card(manual.id), ""))
        await loaded(pilot)
        _drawn(app, "\\x1b]0;pwned\\x07\\x1b[2Jfront [red]red[/]", "back\\x9b31m \\u202eevil\\u202c")

    run(app, flow)


def test_course_screen_shows_titles_pages_and_hits_as_text(hostile: Aksio) -> None:
    app = AksioApp(hostile, course=_course(hostile), start="course")

    async def flow(pilot: Any) -> None:
        _drawn(app, "Paging\\x1b[2J", "A page table\\x1b]0;pwned\\x07 is")
        await pilot.press("slash", *"page", "enter")
        await loaded(pilot)
        _drawn(app, "table\\x1b]0;pwned\\x07")

    run(app, flow, size=(160, 40))


def test_generate_screen_shows_sections_and_items_as_text(hostile: Aksio) -> None:
    app = AksioApp(hostile, course=_course(hostile), start="generate")

    async def flow(pilot: Any) -> None:
        _drawn(app, "Paging\\x1b[2J rules")
        await pilot.press("ctrl+g")
        await loaded(pilot)
        _drawn(app)

    run(app, flow)


@pytest.mark.parametrize("start", ["dashboard", "settings"])
def test_course_names_are_shown_as_text(hostile: Aksio, start: str) -> None:
    # a name is stored clean now; one stored before that (or arriving by sync) may hold anything
    chemistry = hostile.add_course("Chemistry").id
    with hostile.db.write() as w:
        w.update("course", chemistry, {"name": "Chemistry\x1b]0;pwned\x07 [/]"})
    app = AksioApp(hostile, start=start)

    async def flow(pilot: Any) -> None:
        _drawn(app, "Chemistry", "[/]")  # settings: the first course by name, chosen

    run(app, flow)


def test_import_picker_and_report_show_file_names_escaped(hostile: Aksio, tmp_path: Path) -> None:
    course = _course(hostile)
    app = AksioApp(hostile, course=course, start="course")

    async def flow(pilot: Any) -> None:
        await app.push_screen(ImportScreen(course, COURSE, lambda report: None, start=tmp_path))
        await loaded(pilot)
        _drawn(app, "notes\\x1b[31m", COURSE)  # (its extension is drawn apart, in its own colour)

    run(app, flow)
    again = tmp_path / FILE_NAME  # imported already: skipped, by its name
    empty = tmp_path / "empty\x1b]0;x\x07.txt"
    empty.write_text("")
    shown = report_text(hostile.import_paths([again, empty], course)).plain
    assert RAW.search(shown) is None
    assert "notes\\x1b[31m.md" in shown and "empty\\x1b]0;x\\x07.txt" in shown
