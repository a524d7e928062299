"""Studying: the front, space to reveal, 1-4 to grade (each grade shows when the card comes back), undo,
suspend, bury, flag, edit, the card's source one key away, and a summary recorded as a study session."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea

from aksio.control_chars import printable
from aksio_tui.screens.base import AppScreen
from aksio_tui.widgets.key_bar import KeyBar
from aksio_tui.widgets.outside_text import card_markdown
from aksio_tui.widgets.page_preview import readable
from aksio_tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from aksio.models import Card
    from aksio.service import Aksio
    from aksio.study import Preview

GRADES = {1: "again", 2: "hard", 3: "good", 4: "easy"}


@dataclass(frozen=True, slots=True)
class Shown:
    """A card to show and when each grade would bring it back."""

    card: Card | None
    previews: list[Preview]


def _next(aksio: Aksio, course: str | None) -> Shown:
    card = aksio.next_card(course)
    return Shown(card, aksio.preview(card.id) if card else [])


class ReviewScreen(AppScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "reveal", "Answer", id="review.reveal"),
        Binding("1", "grade(1)", "Again", id="review.again", show=False),  # on the grade bar
        Binding("2", "grade(2)", "Hard", id="review.hard", show=False),  # on the grade bar
        Binding("3", "grade(3)", "Good", id="review.good", show=False),  # on the grade bar
        Binding("4", "grade(4)", "Easy", id="review.easy", show=False),  # on the grade bar
        Binding("u", "undo", "Undo", id="review.undo"),
        Binding("s", "suspend", "Suspend", id="review.suspend"),
        Binding("b", "bury", "Bury", id="review.bury"),
        Binding("f", "flag", "Flag", id="review.flag", show=False),
        Binding("e", "edit", "Edit", id="review.edit"),
        Binding("o", "source", "Source", id="review.source"),
        Binding("q,escape", "finish", "Done", id="review.finish"),
    ]

    class Showing(Message):
        """A worker has the next card (or None: nothing left)."""

        def __init__(self, shown: Shown, answered: int | None = None, undone: bool = False, notice: str = "") -> None:
            super().__init__()
            self.shown = shown
            self.answered = answered
            self.undone = undone
            self.notice = notice  # why the card shown before is gone without the grade given

    def __init__(self, course: str | None) -> None:
        super().__init__()
        self.course = course
        self.card: Card | None = None
        self.previews: list[Preview] = []
        self.revealed = False
        self.busy = False
        self.ratings: Counter[int] = Counter()
        self.answered: list[int] = []  # ratings in order, so undo can take one back
        self.started = datetime.now().astimezone()
        self.shown_at = time.monotonic()

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static("", id="progress")
        with VerticalScroll(id="card"):
            yield Static("loading…", id="front")
            yield Static("", id="back")
        yield Static("", id="grades")
        yield KeyBar()

    def screen_commands(self) -> Iterable[SystemCommand]:
        """What the command palette offers while studying."""
        yield SystemCommand("Show the answer", "And when each grade brings the card back", self.action_reveal)
        for rating, name in GRADES.items():
            yield SystemCommand(f"Grade: {name}", f"Key {rating}", lambda r=rating: self.action_grade(r))
        yield SystemCommand("Undo the last answer", "The card comes back as it was", self.action_undo)
        yield SystemCommand("Show the card's source", "Document, page and the quoted sentence", self.action_source)
        yield SystemCommand("Edit this card", "Front and back of its note", self.action_edit)
        yield SystemCommand("Suspend this card", "Out of study until unsuspended", self.action_suspend)
        yield SystemCommand("Bury this card", "Until tomorrow", self.action_bury)
        yield SystemCommand("Finish", "End the session with a summary", self.action_finish)

    def on_mount(self) -> None:
        self.sub_title = "studying"
        self.query_one("#back").display = False
        self.started = self.aksio_app.core(lambda a: a.now())
        self.fetch()

    # -- workers --------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="review")
    def fetch(self) -> None:
        self.post_message(self.Showing(self.aksio_app.call_core(lambda a: _next(a, self.course))))

    @work(thread=True, exclusive=True, exit_on_error=False, group="review")
    def answer(self, card: Card, rating: int, duration_ms: int) -> None:
        def step(a: Aksio) -> tuple[Shown, str]:
            from aksio.errors import Conflict

            try:
                a.answer(card.id, rating, duration_ms=duration_ms, shown=card)
            except Conflict as exc:  # answered by another window or a script while shown here: not graded twice
                return _next(a, self.course), str(exc)
            return _next(a, self.course), ""

        try:
            shown, notice = self.aksio_app.call_core(step)
            self.post_message(self.Showing(shown, answered=None if notice else rating, notice=notice))
        finally:
            self.busy = False

    @work(thread=True, exclusive=True, exit_on_error=False, group="review")
    def undo(self) -> None:
        def step(a: Aksio) -> Shown:
            card = a.undo().card
            return Shown(card, a.preview(card.id))

        try:
            self.post_message(self.Showing(self.aksio_app.call_core(step), undone=True))
        finally:
            self.busy = False

    @work(thread=True, exclusive=True, exit_on_error=False, group="review")
    def act(self, change: str, card_id: str) -> None:
        def step(a: Aksio) -> Shown:
            if change == "suspend":
                a.suspend(card_id)
            elif change == "bury":
                a.bury(card_id)
            return _next(a, self.course)

        try:
            self.post_message(self.Showing(self.aksio_app.call_core(step)))
        finally:
            self.busy = False

    # -- showing --------------------------------------------------------------------------------------

    def on_review_screen_showing(self, message: Showing) -> None:
        if message.notice:
            self.notify(message.notice, severity="warning")
        if message.answered is not None:
            self.ratings[message.answered] += 1
            self.answered.append(message.answered)
        if message.undone and self.answered:
            self.ratings[self.answered.pop()] -= 1
        self.card, self.previews = message.shown.card, message.shown.previews
        self.revealed = False
        self.shown_at = time.monotonic()
        self.query_one("#back").display = False
        self.query_one("#grades", Static).update("")
        self._progress()
        if self.card is not None:
            # the session's scope, not each card's course (that is on the progress line): a new title every
            # card laid the header out again in a second frame, and a key pressed just after it waited a frame
            where = self.card.course_name if self.course else "all courses"
            self.sub_title = where
        if self.card is None:
            self.query_one("#front", Static).update(Text("Nothing due now. Well done.", style="bold"))
            return
        self.query_one("#front", Static).update(card_markdown(self.card.front))
        self.query_one("#grades", Static).update(Text("space: show answer", style="dim"))

    def _progress(self) -> None:
        done = sum(self.ratings.values())
        where = self.card.course_name if self.card else (self.course or "all courses")
        kind = f" · {self.card.kind}" if self.card else ""
        flag = " · ⚑ flagged" if self.card and self.card.flag else ""
        self.query_one("#progress", Static).update(
            Text(printable(f"{where}{kind}{flag} · {done} reviewed", lines=False))
        )

    def action_reveal(self) -> None:
        if self.card is None or self.revealed:
            return
        self.revealed = True
        back = self.query_one("#back", Static)
        back.update(card_markdown(self.card.back or "(no extra text)"))
        back.display = True
        line = Text()
        for p in self.previews:
            line.append(f" {p.rating} ", style="reverse")
            line.append(f" {p.name} {p.interval}   ")
        self.query_one("#grades", Static).update(line)

    def action_grade(self, rating: int) -> None:
        if self.card is None or not self.revealed or self.busy:
            return
        self.busy = True
        self.answer(self.card, rating, int((time.monotonic() - self.shown_at) * 1000))

    def action_undo(self) -> None:
        if self.busy or not self.answered:
            if not self.answered:
                self.notify("nothing to undo in this session")
            return
        self.busy = True
        self.undo()

    def action_suspend(self) -> None:
        self._act("suspend")

    def action_bury(self) -> None:
        self._act("bury")

    def _act(self, change: str) -> None:
        if self.card is None or self.busy:
            return
        self.busy = True
        done = {"suspend": "suspended", "bury": "buried until tomorrow"}[change]
        self.notify(f"{done}: {self.card.front[:40]}", markup=False)
        self.act(change, self.card.id)

    def action_flag(self) -> None:
        if self.card is None:
            return
        card = self.card
        flagged = self.aksio_app.core(lambda a: a.flag(card.id, 0 if card.flag else 1))
        self.card = flagged
        self._progress()

    def action_source(self) -> None:
        if self.card is None:
            return
        card = self.card
        title = ""
        if card.source and card.source.document_id:
            from aksio.preview import source_title

            doc_id = card.source.document_id
            title = self.aksio_app.core(lambda a: source_title(a, doc_id))
        self.app.push_screen(SourceScreen(card, title))

    def action_edit(self) -> None:
        if self.card is None:
            return

        def saved(result: tuple[str, str] | None) -> None:
            if result is None or self.card is None:
                return
            card_id = self.card.id
            edited = self.aksio_app.core(lambda a: a.edit_card(card_id, front=result[0], back=result[1]))
            self.card = edited
            self.query_one("#front", Static).update(card_markdown(edited.front))
            if self.revealed:
                self.query_one("#back", Static).update(card_markdown(edited.back or "(no extra text)"))

        self.app.push_screen(EditScreen(self.card), saved)

    def action_finish(self) -> None:
        done = sum(self.ratings.values())
        if done:
            ended = self.aksio_app.core(lambda a: a.now())
            course = self.course
            ratings = dict(self.ratings)
            started = self.started
            self.aksio_app.core(lambda a: a.record_session(course, started, ended, ratings))
            self.app.pop_screen()
            self.app.push_screen(SummaryScreen(ratings, int((ended - started).total_seconds())))
        else:
            self.app.pop_screen()


class SourceScreen(ModalScreen[None]):
    """Where a card comes from: document, page and the quoted sentence."""

    DEFAULT_CLASSES = "modal"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,o,q", "dismiss", "Close", id="source.close")]

    def __init__(self, card: Card, document_title: str) -> None:
        super().__init__()
        self.card = card
        self.document_title = document_title

    def compose(self) -> ComposeResult:
        source = self.card.source
        with Vertical():
            if source is None or not source.document_id:
                yield Static("This card cites no source (it was written by hand).")
            else:
                yield Static(
                    Text.assemble(
                        ("Document ", "dim"), printable(self.document_title), ("  page ", "dim"), str(source.page)
                    )
                )
                yield Static(Text(f"“{readable(source.quote or '')[0]}”", style="italic"))
            yield Static("escape closes", classes="modal-hint")


class EditScreen(ModalScreen[tuple[str, str] | None]):
    """Edit a card's note in place (all its sibling cards show the change). Each side in a text area: a back with
    a list or several paragraphs keeps its lines (a one-line input drew them over each other)."""

    DEFAULT_CLASSES = "modal"
    DEFAULT_CSS = """
    EditScreen TextArea { height: auto; min-height: 3; max-height: 10; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Cancel", id="edit.cancel"),
        Binding("ctrl+s", "save", "Save", id="edit.save"),
    ]

    def __init__(self, card: Card) -> None:
        super().__init__()
        self.card = card

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Front")
            yield TextArea(printable(self.card.note_front), id="edit-front")
            yield Label("Back")
            yield TextArea(printable(self.card.note_back), id="edit-back")
            yield Button("Save (ctrl+s)", id="save", variant="primary")
            yield Static("ctrl+s saves · tab moves · escape cancels", classes="modal-hint")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save()

    def action_save(self) -> None:
        # the sides are shown with control characters escaped: a side left as shown keeps what it holds
        front, back = self.query_one("#edit-front", TextArea).text, self.query_one("#edit-back", TextArea).text
        note_front, note_back = self.card.note_front, self.card.note_back
        self.dismiss(
            (
                note_front if front == printable(note_front) else front,
                note_back if back == printable(note_back) else back,
            )
        )

    def action_dismiss(self, result: Any = None) -> None:  # type: ignore[override]
        self.dismiss(None)


class SummaryScreen(ModalScreen[None]):
    """The end of a session: how many, how it went, how long."""

    DEFAULT_CLASSES = "modal"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter,q", "dismiss", "Close", id="summary.close")]

    def __init__(self, ratings: dict[int, int], seconds: int) -> None:
        super().__init__()
        self.ratings = ratings
        self.seconds = seconds

    def compose(self) -> ComposeResult:
        total = sum(self.ratings.values())
        parts = ", ".join(f"{GRADES[r]} {n}" for r, n in sorted(self.ratings.items()) if n)
        with Vertical():
            yield Static(Text("Session done", style="bold"))
            yield Static(f"{total} card{'s' if total != 1 else ''} in {self.seconds // 60} min {self.seconds % 60} s")
            yield Static(parts)
            yield Static("enter closes", classes="modal-hint")
