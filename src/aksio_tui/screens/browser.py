"""Cards: every card in one virtual list, filtered as you type, sorted, and curated in place: edit, suspend,
bury, flag, delete, accept or reject what generation held back, one card or a selection of many."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, Static
from textual.worker import get_current_worker

from aksio.browse import SORTS, browse_rows, card_with_source, rows_of_notes
from aksio.control_chars import printable
from aksio_tui.messages import SyncMerged
from aksio_tui.screens.base import AppScreen
from aksio_tui.widgets.card_list import CardList
from aksio_tui.widgets.key_bar import KeyBar
from aksio_tui.widgets.outside_text import card_markdown
from aksio_tui.widgets.page_preview import readable
from aksio_tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from aksio.browse import BrowseRow
    from aksio.models import Card
    from aksio.service import Aksio

DEBOUNCE = 0.15  # seconds of quiet typing before the filter runs
ORIGINS = (None, "generated", "manual", "import")
TRI = {None: "any", True: "only", False: "none"}


@dataclass(frozen=True, slots=True)
class Filter:
    """What the list shows: the browse query's arguments."""

    course_id: str | None = None
    text: str = ""
    due: bool = False
    suspended: bool | None = None
    buried: bool | None = None
    leech: bool = False
    pending: bool | None = None
    origin: str | None = None
    sort: str = "added"
    descending: bool = False

    def describe(self) -> str:
        parts = [f"sorted by {self.sort} {'↓' if self.descending else '↑'}"]
        if self.due:
            parts.append("due")
        if self.suspended is not None:
            parts.append("suspended" if self.suspended else "not suspended")
        if self.buried is not None:
            parts.append("buried" if self.buried else "not buried")
        if self.pending is not None:
            parts.append("held" if self.pending else "not held")
        if self.leech:
            parts.append("leeches")
        if self.origin:
            parts.append(f"origin {self.origin}")
        return " · ".join(parts)

    def rows(self, aksio: Aksio) -> list[BrowseRow]:
        return browse_rows(
            aksio,
            course_id=self.course_id,
            text=self.text,
            due=self.due,
            suspended=self.suspended,
            buried=self.buried,
            origin=self.origin,
            leech=self.leech,
            pending=self.pending,
            sort=self.sort,
            descending=self.descending,
        )


def _cycle(values: tuple[Any, ...], current: Any) -> Any:
    return values[(values.index(current) + 1) % len(values)]


class CardBrowserScreen(AppScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", "Filter", id="browser.filter"),
        Binding("escape", "back", "Back", id="browser.back", show=False),
        Binding("enter", "show", "Show", id="browser.show"),
        Binding("space", "toggle_select", "Select", id="browser.select"),
        Binding("shift+down", "extend(1)", "Select down", id="browser.extend_down", show=False),
        Binding("shift+up", "extend(-1)", "Select up", id="browser.extend_up", show=False),
        Binding("a", "select_all", "Select all", id="browser.select_all", show=False),
        Binding("e", "edit", "Edit", id="browser.edit"),
        Binding("s", "suspend", "Suspend", id="browser.suspend"),
        Binding("b", "bury", "Bury/unbury", id="browser.bury", show=False),
        Binding("f", "flag", "Flag", id="browser.flag", show=False),
        Binding("delete,x", "delete", "Delete", id="browser.delete", show=False),
        Binding("A", "accept", "Accept held", id="browser.accept", show=False),
        Binding("R", "reject", "Reject held", id="browser.reject", show=False),
        Binding("o", "sort", "Sort", id="browser.sort"),
        Binding("O", "direction", "Reverse sort", id="browser.direction", show=False),
        Binding("d", "filter_toggle('due')", "Due only", id="browser.due", show=False),
        Binding("S", "filter_toggle('suspended')", "Suspended: only/none/any", id="browser.suspended", show=False),
        Binding("B", "filter_toggle('buried')", "Buried: only/none/any", id="browser.buried", show=False),
        Binding("l", "filter_toggle('leech')", "Leeches only", id="browser.leech", show=False),
        Binding("p", "filter_toggle('pending')", "Held: only/none/any", id="browser.pending", show=False),
        Binding("g", "filter_toggle('origin')", "Origin: generated/manual/import/any", id="browser.origin", show=False),
        Binding("t", "tag", "Filter by tag", id="browser.tag", show=False),
        Binding("c", "filter_toggle('course')", "This course / all courses", id="browser.course", show=False),
        Binding("r", "refresh", "Refresh", id="browser.refresh", show=False),
    ]

    class Loaded(Message):
        """The rows of a filter, and the name of its course."""

        def __init__(self, rows: list[BrowseRow], course_name: str | None) -> None:
            super().__init__()
            self.rows = rows
            self.course_name = course_name

    class Changed(Message):
        """An action changed these notes' cards: ``rows`` holds those still alive, as they are now."""

        def __init__(self, note_ids: list[str], rows: list[BrowseRow], done: str) -> None:
            super().__init__()
            self.note_ids = note_ids
            self.rows = rows
            self.done = done

    class Opened(Message):
        """A card read for showing or editing."""

        def __init__(self, card: Card, document_title: str, edit: bool) -> None:
            super().__init__()
            self.card = card
            self.document_title = document_title
            self.edit = edit

    def __init__(self, course_id: str | None) -> None:
        super().__init__()
        self.course_id = course_id
        self.filter = Filter(course_id=course_id)
        self.course_name: str | None = None
        self.searching = True
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Input(placeholder="/ filter: words of front or back, tag:NAME", id="browse-filter")
        yield Static("loading…", id="browse-status")
        yield CardList(id="cards")
        yield KeyBar()

    @property
    def cards(self) -> CardList:
        return self.query_one(CardList)

    def screen_commands(self) -> Iterable[SystemCommand]:
        """What the command palette offers in the card browser."""
        yield SystemCommand("Filter the cards", "Words of the front or back, tag:NAME", self.action_focus_filter)
        yield SystemCommand("Show the card", "Front, back and its source", self.action_show)
        yield SystemCommand("Edit the card", "Front and back of its note", self.action_edit)
        yield SystemCommand(
            "Suspend or unsuspend", "The selected cards, or the one under the cursor", self.action_suspend
        )
        yield SystemCommand("Bury or unbury", "Until tomorrow, or back in today's study", self.action_bury)
        yield SystemCommand("Flag or unflag", "The selected cards, or the one under the cursor", self.action_flag)
        yield SystemCommand("Delete", "Their notes and all their cards (asks first)", self.action_delete)
        yield SystemCommand("Accept held cards", "Release generated cards into study", self.action_accept)
        yield SystemCommand("Reject held cards", "Delete generated cards held for review", self.action_reject)
        yield SystemCommand("Select all", "Every card the filter shows", self.action_select_all)
        yield SystemCommand("Sort by the next key", " → ".join(SORTS), self.action_sort)
        toggles = ("due", "Due only"), ("leech", "Leeches only"), ("suspended", "Suspended cards"), ("buried", "Buried")
        for name, what in toggles:
            yield SystemCommand(f"Filter: {what}", "Toggle", lambda name=name: self.action_filter_toggle(name))
        yield SystemCommand(
            "Filter: held cards", "Generated, waiting to be accepted", lambda: self.action_filter_toggle("pending")
        )
        yield SystemCommand(
            "Filter: origin", "generated, manual, import, any", lambda: self.action_filter_toggle("origin")
        )

    def on_mount(self) -> None:
        self.sub_title = "cards"
        self.cards.show_course = self.course_id is None
        self.cards.focus()
        self.reload()

    # -- loading ----------------------------------------------------------------------------------------

    def on_sync_merged(self, _: SyncMerged) -> None:
        """Another device's changes came in: list the cards again (the cursor stays on its card)."""
        self.reload()

    def reload(self) -> None:
        self.searching = True
        self.load(self.filter)

    @work(thread=True, exclusive=True, exit_on_error=False, group="browser-load")
    def load(self, wanted: Filter) -> None:
        def read(a: Aksio) -> tuple[list[BrowseRow], str | None]:
            name = a.course(wanted.course_id).name if wanted.course_id else None
            return wanted.rows(a), name

        rows, name = self.aksio_app.call_core(read)
        if not get_current_worker().is_cancelled:  # a newer filter is on its way
            self.post_message(self.Loaded(rows, name))

    def on_card_browser_screen_loaded(self, message: Loaded) -> None:
        self.searching = False
        self.course_name = message.course_name
        self.cards.set_rows(message.rows)
        self._status()

    def on_card_list_changed(self, message: CardList.Changed) -> None:
        self._status()

    def _status(self) -> None:
        cards = self.cards
        where = self.course_name if self.filter.course_id else "all courses"
        self.sub_title = f"cards · {where}"
        count = f"{len(cards.rows):,} card{'s' if len(cards.rows) != 1 else ''}"
        if cards.selected:
            count += f" · {len(cards.selected):,} selected"
        line = Text.assemble((count, "bold"), " · ", self.filter.describe())
        if self.searching:
            line.append(" · loading…", style="dim")
        self.query_one("#browse-status", Static).update(line)

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        text = event.value
        self._debounce = self.set_timer(DEBOUNCE, lambda: self._filter(text=text))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.cards.focus()

    def _filter(self, **changes: Any) -> None:
        self.filter = replace(self.filter, **changes)
        self.cards.show_course = self.filter.course_id is None
        self.reload()
        self._status()

    # -- filters and sorting ----------------------------------------------------------------------------

    def action_focus_filter(self) -> None:
        self.query_one("#browse-filter", Input).focus()

    def action_tag(self) -> None:
        box = self.query_one("#browse-filter", Input)
        box.value = (box.value.rstrip() + " tag:").lstrip()
        box.cursor_position = len(box.value)
        box.focus()

    def action_filter_toggle(self, name: str) -> None:
        f = self.filter
        if name == "due":
            self._filter(due=not f.due)
        elif name == "leech":
            self._filter(leech=not f.leech)
        elif name == "suspended":
            self._filter(suspended=_cycle((None, True, False), f.suspended))
        elif name == "buried":
            self._filter(buried=_cycle((None, True, False), f.buried))
        elif name == "pending":
            self._filter(pending=_cycle((None, True, False), f.pending))
        elif name == "origin":
            self._filter(origin=_cycle(ORIGINS, f.origin))
        elif name == "course" and self.course_id:
            self._filter(course_id=None if f.course_id else self.course_id)

    def action_sort(self) -> None:
        self._filter(sort=_cycle(SORTS, self.filter.sort))

    def action_direction(self) -> None:
        self._filter(descending=not self.filter.descending)

    def action_refresh(self) -> None:
        self.reload()

    def action_back(self) -> None:
        if self.focused is self.query_one("#browse-filter"):
            self.cards.focus()
        elif self.cards.selected:
            self.cards.clear_selection()
        else:
            self.app.pop_screen()

    # -- selection --------------------------------------------------------------------------------------

    def action_toggle_select(self) -> None:
        self.cards.toggle_current()

    def action_extend(self, delta: int) -> None:
        cards = self.cards
        cards.move_to(cards.cursor + delta, extend=True)

    def action_select_all(self) -> None:
        self.cards.select_all()

    # -- actions ------------------------------------------------------------------------------------------

    def _targets(self) -> list[BrowseRow]:
        targets = self.cards.targets()
        if not targets:
            self.notify("no card here")
        return targets

    @work(thread=True, exit_on_error=False, group="browser-act")
    def act(self, rows: list[BrowseRow], change: Callable[[Aksio], object], done: str) -> None:
        """Run ``change`` in the core, then read back the rows of the notes it touched."""
        note_ids = list(dict.fromkeys(r.note_id for r in rows))

        def step(a: Aksio) -> list[BrowseRow]:
            change(a)
            return rows_of_notes(a, note_ids)

        self.post_message(self.Changed(note_ids, self.aksio_app.call_core(step), done))

    def on_card_browser_screen_changed(self, message: Changed) -> None:
        self.cards.update_rows(message.rows, message.note_ids)
        self.notify(message.done, timeout=3)

    def action_suspend(self) -> None:
        if not (rows := self._targets()):
            return
        suspend = not all(r.state == "suspended" for r in rows)
        ids = [r.id for r in rows]
        self.act(
            rows, lambda a: a.suspend_cards(ids, suspend), f"{'suspended' if suspend else 'unsuspended'} {_count(ids)}"
        )

    def action_bury(self) -> None:
        if not (rows := self._targets()):
            return
        ids = [r.id for r in rows]
        if all(r.state == "buried" for r in rows):
            self.act(rows, lambda a: a.bury_cards(ids, False), f"unburied {_count(ids)}: back in today's study")
        else:
            self.act(rows, lambda a: a.bury_cards(ids), f"buried {_count(ids)} until tomorrow")

    def action_flag(self) -> None:
        if not (rows := self._targets()):
            return
        flag = 0 if all(r.flag for r in rows) else 1
        ids = [r.id for r in rows]
        self.act(rows, lambda a: a.flag_cards(ids, flag), f"{'flagged' if flag else 'unflagged'} {_count(ids)}")

    def action_accept(self) -> None:
        rows = [r for r in self._targets() if r.state == "pending"]
        if not rows:
            self.notify("no held card here: held cards show as pending (p lists them)")
            return
        ids = [r.id for r in rows]
        self.act(rows, lambda a: a.accept_cards(cards=ids), f"accepted {_count(ids)}: they join your study")

    def action_reject(self) -> None:
        rows = [r for r in self._targets() if r.state == "pending"]
        if not rows:
            self.notify("no held card here: held cards show as pending (p lists them)")
            return
        ids = [r.id for r in rows]
        self.act(rows, lambda a: a.reject_cards(cards=ids), f"rejected {_count(ids)}")

    def action_delete(self) -> None:
        if not (rows := self._targets()):
            return
        by_note = {r.note_id: r.id for r in rows}  # deleting a card deletes its note: one card per note

        def confirmed(yes: bool | None) -> None:
            if yes:
                ids = list(by_note.values())
                self.act(rows, lambda a: a.delete_cards(ids), f"deleted {len(ids)} note{'s' if len(ids) != 1 else ''}")

        notes = len(by_note)
        question = (
            f"Delete {notes} note{'s' if notes != 1 else ''} and all {'their' if notes != 1 else 'its'} cards? "
            "Their reviews stay in the log; the cards leave study for good."
        )
        self.app.push_screen(ConfirmScreen(question), confirmed)

    def action_show(self) -> None:
        if (row := self.cards.current) is not None:
            self.open_card(row.id, edit=False)

    def action_edit(self) -> None:
        if (row := self.cards.current) is not None:
            self.open_card(row.id, edit=True)

    @work(thread=True, exit_on_error=False, group="browser-open")
    def open_card(self, card_id: str, edit: bool) -> None:
        card, title = self.aksio_app.call_core(lambda a: card_with_source(a, card_id))
        self.post_message(self.Opened(card, title, edit))

    def on_card_browser_screen_opened(self, message: Opened) -> None:
        from aksio_tui.screens.review import EditScreen

        card = message.card
        if not message.edit:
            self.app.push_screen(CardScreen(card, message.document_title))
            return
        row = self.cards.current
        rows = [row] if row is not None and row.id == card.id else []

        def saved(result: tuple[str, str] | None) -> None:
            if result is not None and rows:
                front, back = result
                self.act(rows, lambda a: a.edit_card(card.id, front=front, back=back), "saved")

        self.app.push_screen(EditScreen(card), saved)


def _count(ids: list[str]) -> str:
    return f"{len(ids)} card{'s' if len(ids) != 1 else ''}"


class CardScreen(ModalScreen[None]):
    """One card whole: front, back, and where it comes from."""

    DEFAULT_CLASSES = "modal"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter,q", "dismiss", "Close", id="card.close")]

    def __init__(self, card: Card, document_title: str) -> None:
        super().__init__()
        self.card = card
        self.document_title = document_title

    def compose(self) -> ComposeResult:
        card = self.card
        due = card.state.due[:10] if card.state.due else "not studied yet"
        with Vertical(id="card-view"):
            yield Static(
                Text.assemble(
                    (printable(card.course_name), "bold"),
                    f" · {card.kind} · {card.state.queue} · due {due}",
                    (f" · {card.id[-8:]}", "dim"),
                )
            )
            yield Static(card_markdown(card.front), classes="card-side")
            yield Static(card_markdown(card.back or "(no extra text)"), classes="card-side")
            source = card.source
            if source is None or not source.document_id:
                yield Static(Text("No cited source (written by hand or imported).", style="dim"))
            else:
                yield Static(
                    Text.assemble(
                        ("Source ", "dim"), printable(self.document_title), ("  page ", "dim"), str(source.page)
                    )
                )
                if source.quote:
                    yield Static(Text(f"“{readable(source.quote)[0]}”", style="italic"))
            if card.tags:
                yield Static(Text(printable("tags: " + ", ".join(card.tags)), style="dim"))
            yield Static("escape closes", classes="modal-hint")


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; escape or n is no."""

    DEFAULT_CLASSES = "modal"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("escape,n", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question)
            with Horizontal(id="confirm-buttons"):
                yield Button("Delete (y)", id="yes", variant="error")
                yield Button("Keep (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
