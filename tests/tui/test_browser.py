"""The card browser: filtering as you type, editing in place, acting on a selection, sorting, and the browse
query itself on a deck of 20k cards."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from textual.widgets import TextArea

from aksio.browse import browse_rows
from aksio.service import Aksio
from aksio.storage import cards as card_rows
from aksio_tui.app import AksioApp
from aksio_tui.screens.browser import CardBrowserScreen, ConfirmScreen
from aksio_tui.screens.review import EditScreen
from aksio_tui.widgets.card_list import CardList
from tests.tui.pilot import loaded as settle
from tests.tui.pilot import run as run_app

run = partial(run_app, size=(120, 30))


def card_list(app: AksioApp) -> CardList:
    assert isinstance(app.screen, CardBrowserScreen)
    return app.screen.query_one(CardList)


def test_the_browser_lists_every_card_and_filtering_by_text_narrows_it(core: Aksio) -> None:
    app = AksioApp(core, start="cards")

    async def flow(pilot: Any) -> None:
        cards = card_list(app)
        assert len(cards.rows) == 9
        await pilot.press("slash", *"organelle")
        await pilot.pause(0.3)  # the filter waits for typing to stop
        await settle(pilot)
        assert sorted(r.front for r in cards.rows) == [f"What is organelle {i}?" for i in range(4)]
        assert "4 cards" in str(app.screen.query_one("#browse-status").render())
        await pilot.press("enter", "escape")  # back to the list, then out
        await settle(pilot)
        assert not isinstance(app.screen, CardBrowserScreen)

    run(app, flow)


def test_a_course_opens_with_its_own_cards_and_c_shows_all(core: Aksio) -> None:
    app = AksioApp(core, course=core.course("Chemistry").id, start="cards")

    async def flow(pilot: Any) -> None:
        cards = card_list(app)
        assert {r.course for r in cards.rows} == {"Chemistry"} and not cards.show_course
        await pilot.press("c")
        await settle(pilot)
        assert len(cards.rows) == 9 and cards.show_course

    run(app, flow)


def test_editing_a_card_in_place_changes_it_in_the_core(core: Aksio) -> None:
    app = AksioApp(core, start="cards")

    async def flow(pilot: Any) -> None:
        cards = card_list(app)
        first = cards.rows[0]
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EditScreen)
        app.screen.query_one("#edit-front", TextArea).text = "What does organelle zero do?"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CardBrowserScreen)
        assert cards.rows[0].id == first.id and cards.rows[0].front == "What does organelle zero do?"

    run(app, flow)
    assert core.card(card_list_first_id(core)).front == "What does organelle zero do?"


def card_list_first_id(core: Aksio) -> str:
    return browse_rows(core)[0].id


def test_suspending_a_selection_of_cards(core: Aksio) -> None:
    app = AksioApp(core, start="cards")

    async def flow(pilot: Any) -> None:
        cards = card_list(app)
        await pilot.press("space", "space", "shift+down")  # two toggled, then the selection extends by one
        assert len(cards.selected) == 4
        assert "4 selected" in str(app.screen.query_one("#browse-status").render())
        chosen = {r.id for r in cards.targets()}
        commits = core.db.generation
        await pilot.press("s")
        await settle(pilot)
        assert {r.id for r in cards.rows if r.state == "suspended"} == chosen
        assert core.db.generation == commits + 1  # the four cards in one transaction
        await pilot.press("s")  # all of them suspended: the same key brings them back
        await settle(pilot)
        assert not any(r.state == "suspended" for r in cards.rows)
        await pilot.press("s")
        await settle(pilot)

    run(app, flow)
    assert len(core.cards(suspended=True)) == 4


def test_b_buries_and_unburies_and_shift_b_lists_the_buried(core: Aksio) -> None:
    app = AksioApp(core, start="cards")

    async def flow(pilot: Any) -> None:
        cards = card_list(app)
        first, second = cards.rows[0].id, cards.rows[1].id
        await pilot.press("space", "space", "b")  # each space selects a card and moves on
        await settle(pilot)
        assert [r.id for r in cards.rows if r.state == "buried"] == [first, second]
        await pilot.press("B")  # buried only
        await settle(pilot)
        assert [r.id for r in cards.rows] == [first, second]
        assert "buried" in str(app.screen.query_one("#browse-status").render())
        await pilot.press("a", "b")  # all buried: the same key puts them back in today's study
        await settle(pilot)
        assert not any(r.state == "buried" for r in cards.rows)
        await pilot.press("B", "r")  # not buried, refreshed: every card
        await settle(pilot)
        assert len(cards.rows) == 9

    run(app, flow)
    assert {r.state for r in browse_rows(core)} != {"buried"} and not browse_rows(core, buried=True)


def test_sorting_by_due_puts_studied_cards_first_in_due_order(core: Aksio) -> None:
    app = AksioApp(core, start="cards")

    async def flow(pilot: Any) -> None:
        cards = card_list(app)
        await pilot.press("o")
        await settle(pilot)
        assert app.screen.filter.sort == "due"  # type: ignore[attr-defined]
        dues = [r.due for r in cards.rows]
        studied = [d for d in dues if d is not None]
        assert len(studied) == 4 and dues[:4] == studied and studied == sorted(studied)
        await pilot.press("O")
        await settle(pilot)
        reverse = [r.due for r in cards.rows][:4]
        assert reverse == sorted(studied, reverse=True)

    run(app, flow)


def test_deleting_asks_first_and_a_no_keeps_the_card(core: Aksio) -> None:
    app = AksioApp(core, start="cards")

    async def flow(pilot: Any) -> None:
        cards = card_list(app)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert len(cards.rows) == 9
        await pilot.press("x", "y")
        await settle(pilot)
        assert len(cards.rows) == 8

    run(app, flow)
    assert len(core.cards()) == 8


def test_held_cards_are_accepted_or_rejected_from_the_list(core: Aksio) -> None:
    course_id = core.course("Chemistry").id
    with core.db.write() as w:
        notes = [{"kind": "basic", "front": f"Held {i}?", "back": "yes", "origin": "offline"} for i in range(2)]
        card_rows.insert_notes(w, course_id, notes, [[0], [0]], held=True)
    app = AksioApp(core, start="cards")

    async def flow(pilot: Any) -> None:
        cards = card_list(app)
        await pilot.press("p")  # held cards only
        await settle(pilot)
        assert [r.front for r in cards.rows] == ["Held 0?", "Held 1?"]
        await pilot.press("A")
        await settle(pilot)
        assert cards.rows[0].state == "new"
        await pilot.press("down", "R")
        await settle(pilot)
        assert [r.front for r in cards.rows] == ["Held 0?"]

    run(app, flow)
    assert len(core.cards(pending=True)) == 0 and len(core.cards("Chemistry")) == 4


def test_the_browse_query_on_twenty_thousand_cards(core: Aksio, tmp_path: Path) -> None:
    deck = tmp_path / "deck.csv"
    lines = []
    for i in range(20_000):
        tags = "leech" if i % 100 == 0 else "fall" if i % 10 == 0 else ""
        lines.append(f"Question {i:05d} about {'mitosis' if i % 4 == 0 else 'osmosis'},Answer {i},{tags}")
    deck.write_text("\n".join(lines) + "\n")
    core.import_cards(deck, "Chemistry")
    for card_id in [r.id for r in browse_rows(core, text="Question 0000")][:5]:  # 00000 to 00009
        core.suspend(card_id)

    everything = browse_rows(core)
    assert len(everything) == 20_009 and len({r.id for r in everything}) == 20_009
    assert len(browse_rows(core, course_id="Chemistry")) == 20_003
    assert len(browse_rows(core, text="mitosis")) == 5_000
    assert len(browse_rows(core, text="MITOSIS question")) == 5_000  # any case, every word
    assert len(browse_rows(core, text="mitosis tag:fall")) == 800  # i % 20 == 0 but not i % 100 == 0
    assert len(browse_rows(core, leech=True)) == 200
    assert len(browse_rows(core, tag="fall")) == 1_800
    assert len(browse_rows(core, suspended=True)) == 5
    assert len(browse_rows(core, suspended=False)) == 20_004
    assert len(browse_rows(core, due=True)) == 4  # the fixture's studied cards; new cards are not "due"
    assert len(browse_rows(core, origin="import")) == 20_000
    assert len(browse_rows(core, origin="manual")) == 9
    assert len(browse_rows(core, pending=True)) == 0
    assert len(browse_rows(core, text="100%")) == 0  # LIKE wildcards are taken literally

    fronts = [r.front for r in browse_rows(core, course_id="Chemistry", sort="front")]
    assert fronts == sorted(fronts, key=str.lower)
    added = browse_rows(core, course_id="Chemistry", sort="added", descending=True)
    assert added[0].front == "Question 19999 about osmosis" and added[-1].front == "Symbol of element 0?"
    courses = [r.course for r in browse_rows(core, sort="course", descending=True)]
    assert courses[0] == "Chemistry" and courses[-1] == "Biology"
