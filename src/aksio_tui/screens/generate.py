"""Generate: cards or quiz questions from a course, or from the sections chosen in it, watched part by part
(escape cancels; finished parts are kept), then curated: generated cards wait out of study (held) until the
student accepts or rejects them, and what the checks dropped is listed with the reason."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

from rich.segment import Segment
from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.strip import Strip
from textual.validation import Integer
from textual.widgets import (
    Button,
    ContentSwitcher,
    Input,
    Label,
    OptionList,
    ProgressBar,
    Select,
    SelectionList,
    Static,
)
from textual.widgets.option_list import Option, OptionDoesNotExist
from textual.widgets.selection_list import Selection
from textual.worker import Worker, WorkerState

from aksio.control_chars import printable
from aksio.errors import AksioError
from aksio_tui.screens.base import AppScreen
from aksio_tui.widgets.key_bar import KeyBar
from aksio_tui.widgets.outside_text import course_label
from aksio_tui.widgets.page_preview import readable
from aksio_tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from aksio.generation import CardKind, GeneratedItem, GenerationProgress, GenerationReport
    from aksio.models import Course, Section
    from aksio.service import Aksio

What = Literal["cards", "questions"]
PROVIDERS = ("offline", "ollama", "openai")
MODEL_ERROR = "model_error"


def reason_text(reason: str) -> str:
    """What a rejection reason code means, in words."""
    from aksio.generate.checks import REASONS

    if reason == MODEL_ERROR:
        return "the model gave no usable answer for this part (a rerun retries it)"
    return dict(REASONS).get(reason, reason)  # type: ignore[call-overload, no-any-return]


@dataclass(frozen=True, slots=True)
class Job:
    """One press of Generate: what to make, where from, with which model."""

    course_id: str
    what: What
    kind: CardKind
    per_section: int
    provider: str
    model: str
    targets: tuple[tuple[str | None, str | None], ...]  # (document id, section id); (None, None): whole course


@dataclass(slots=True)
class Outcome:
    """What a job gave: its reports (one per target), and the held cards of each kept note."""

    job: Job
    reports: list[GenerationReport]
    cards_of_note: dict[str, list[str]] = field(default_factory=dict)

    @property
    def items(self) -> list[GeneratedItem]:
        return [i for r in self.reports for i in r.items]

    @property
    def interrupted(self) -> bool:
        return any(r.interrupted for r in self.reports)


def _section_entries(sections: Sequence[Section], depth: int = 0) -> Iterable[tuple[Section, int, tuple[str, ...]]]:
    """Every section in reading order with its depth and the ids of the sections above it."""
    for s in sections:
        yield s, depth, ()
        for child, d, above in _section_entries(s.children, depth + 1):
            yield child, d, (s.id, *above)


def _run_target(
    a: Aksio, job: Job, document: str | None, section: str | None, progress: Any, cancel: threading.Event
) -> GenerationReport:
    return a.generate(
        job.what,
        job.course_id,
        document=document,
        section=section,
        per_section=job.per_section,
        kind=job.kind,
        provider=job.provider,
        model=job.model or None,
        hold=True,
        progress=progress,
        cancel=cancel,
    )


def _held_cards(a: Aksio, course_id: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for card in a.cards(course_id, pending=True):
        out.setdefault(card.note_id, []).append(card.id)
    return out


class SectionChoices(SelectionList[str]):
    """Sections to choose. Textual marks a chosen row and an unchosen one with the same X in another colour; here
    an unchosen row's box is empty, so which are chosen reads without colour too."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        try:
            selection = self.get_option_at_index(round(self.scroll_offset.y) + y)
        except OptionDoesNotExist:
            return strip
        segments = list(strip)
        if selection.value in self.selected or len(segments) < 2:
            return strip
        segments[1] = Segment(" " * len(segments[1].text), segments[1].style)  # the X between ▐ and ▌
        return Strip(segments, strip.cell_length)


class GenerateScreen(AppScreen):
    DEFAULT_CSS = """
    GenerateScreen #gen-form, GenerateScreen #gen-run, GenerateScreen #gen-result { padding: 0 1; }
    GenerateScreen .gen-row { height: auto; margin-top: 1; }
    GenerateScreen #gen-course-row { margin-top: 0; }
    GenerateScreen .gen-row Label { padding: 0 1 0 0; }
    GenerateScreen .gen-row Select { width: 1fr; margin-right: 2; }
    GenerateScreen .gen-row Input { width: 1fr; margin-right: 2; }
    GenerateScreen #gen-count { width: 8; }
    GenerateScreen #gen-sections { height: 1fr; min-height: 4; }
    GenerateScreen #gen-start { margin-top: 1; }
    GenerateScreen .gen-hint { color: $text-muted; }
    GenerateScreen #gen-progress { margin: 1 0; }
    GenerateScreen #gen-kept { height: 1fr; min-height: 4; }
    GenerateScreen #gen-detail { height: auto; max-height: 4; color: $text-muted; }
    GenerateScreen #gen-rejected { height: auto; max-height: 7; }
    GenerateScreen #gen-rejected-title { margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+g", "run", "Generate", id="generate.run"),
        Binding("space", "toggle_mark", "Toggle", id="generate.toggle"),
        Binding("a", "mark_all(True)", "Accept all", id="generate.accept_all"),
        Binding("r", "mark_all(False)", "Reject all", id="generate.reject_all"),
        Binding("s", "apply", "Save choices", id="generate.apply"),
        Binding("x", "cancel", "Cancel", id="generate.cancel"),
        Binding("escape", "back", "Back", id="generate.back"),  # while running, it cancels too
    ]

    class Loaded(Message):
        """The courses, and which one is chosen (its id)."""

        def __init__(self, courses: list[Course], chosen: str | None) -> None:
            super().__init__()
            self.courses = courses
            self.chosen = chosen

    class SectionsLoaded(Message):
        """A course's documents as choices: (value, label, ids of the sections above)."""

        def __init__(self, course_id: str, entries: list[tuple[str, Text, tuple[str, ...]]]) -> None:
            super().__init__()
            self.course_id = course_id
            self.entries = entries

    class Progress(Message):
        """A part finished: ``index`` is the target being generated, ``before`` the counts of earlier targets."""

        def __init__(self, index: int, targets: int, progress: GenerationProgress, before: tuple[int, int]) -> None:
            super().__init__()
            self.index = index
            self.targets = targets
            self.progress = progress
            self.before = before

    class Finished(Message):
        def __init__(self, outcome: Outcome) -> None:
            super().__init__()
            self.outcome = outcome

    class Applied(Message):
        def __init__(self, accepted: int, rejected: int) -> None:
            super().__init__()
            self.accepted = accepted
            self.rejected = rejected

    def __init__(self, course_id: str | None) -> None:
        super().__init__()
        self.course_id = course_id
        self.phase: Literal["form", "running", "result"] = "form"
        self.cancel = threading.Event()
        self.outcome: Outcome | None = None
        self.keep: dict[str, bool] = {}  # note id -> accept (True) or reject (False), while cards are held
        self.held = False
        self.above: dict[str, tuple[str, ...]] = {}  # choice value -> values of the sections it is nested in

    def compose(self) -> ComposeResult:
        llm = self.aksio_app.core.aksio.settings.llm
        yield TitleBar()
        with ContentSwitcher(initial="gen-form", id="gen-phases"):
            with Vertical(id="gen-form"):
                with Horizontal(classes="gen-row", id="gen-course-row"):
                    yield Label("Course")
                    yield Select[str]([], prompt="choose a course", id="gen-course", compact=True)
                yield Label("Sections (space chooses; none chosen: the whole course)", classes="gen-hint")
                yield SectionChoices(id="gen-sections", compact=True)
                with Horizontal(classes="gen-row"):
                    yield Label("Make")
                    yield Select[str](
                        [("cards", "cards"), ("quiz questions", "questions")],
                        value="cards",
                        allow_blank=False,
                        id="gen-what",
                        compact=True,
                    )
                    yield Label("Kind")
                    yield Select[str](
                        [(k, k) for k in ("mixed", "basic", "cloze")],
                        value="mixed",
                        allow_blank=False,
                        id="gen-kind",
                        compact=True,
                    )
                    yield Label("Per section")
                    yield Input("5", type="integer", validators=[Integer(1, 50)], id="gen-count", compact=True)
                with Horizontal(classes="gen-row"):
                    yield Label("Model")
                    yield Select[str](
                        [(p, p) for p in PROVIDERS],
                        value=llm.provider,
                        allow_blank=False,
                        id="gen-provider",
                        compact=True,
                    )
                    yield Input(llm.model, placeholder="model, e.g. llama3.1", id="gen-model", compact=True)
                yield Button("Generate (ctrl+g)", id="gen-start", variant="primary", compact=True)
            with Vertical(id="gen-run"):
                yield Static("", id="gen-run-title")
                yield ProgressBar(total=1, show_eta=False, id="gen-progress")
                yield Static("", id="gen-counts")
                yield Static("x or escape cancels; the parts already finished are kept", classes="gen-hint")
            with Vertical(id="gen-result"):
                yield Static("", id="gen-summary")
                yield OptionList(id="gen-kept", compact=True)
                yield Static("", id="gen-detail")
                yield Static("Rejected by the checks", id="gen-rejected-title")
                yield OptionList(id="gen-rejected", compact=True)
        yield KeyBar()

    def screen_commands(self) -> Iterable[SystemCommand]:
        """What the command palette offers on this screen."""
        if self.phase == "form":
            yield SystemCommand("Generate", "With the options on screen", self.action_run)
        if self.phase == "running":
            yield SystemCommand("Cancel generation", "Finished parts are kept", self.action_cancel)
        if self.phase == "result" and self.held:
            yield SystemCommand("Accept every card", "Mark all to go into the deck", lambda: self.action_mark_all(True))
            yield SystemCommand("Reject every card", "Mark all to be deleted", lambda: self.action_mark_all(False))
            yield SystemCommand("Save the choices", "Accepted cards join the deck, rejected go", self.action_apply)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run":
            return self.phase == "form"
        if action == "cancel":
            return self.phase == "running"
        if action in ("toggle_mark", "mark_all", "apply"):
            return self.phase == "result" and self.held
        return True

    def on_mount(self) -> None:
        self.sub_title = "generate"
        self.query_one("#gen-model", Input).disabled = self.query_one("#gen-provider", Select).value == "offline"
        self.load_courses()

    # -- workers --------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="generate-load")
    def load_courses(self) -> None:
        ref = self.course_id

        def step(a: Aksio) -> tuple[list[Course], str | None]:
            return a.courses(), a.course(ref).id if ref else None

        courses, chosen = self.aksio_app.call_core(step)
        self.post_message(self.Loaded(courses, chosen))

    @work(thread=True, exclusive=True, exit_on_error=False, group="generate-load")
    def load_sections(self, course_id: str) -> None:
        def step(a: Aksio) -> list[tuple[str, Text, tuple[str, ...]]]:
            entries: list[tuple[str, Text, tuple[str, ...]]] = []
            for doc in a.documents(course_id):
                detail = a.document(doc.id)
                if not detail.sections:  # no headings: the document is the one choice
                    entries.append((f"doc:{doc.id}", Text(printable(doc.title, lines=False)), ()))
                for s, depth, above in _section_entries(detail.sections):
                    pages = f"p. {s.page_start}" + (f"–{s.page_end}" if s.page_end != s.page_start else "")
                    label = Text.assemble("  " * depth, printable(s.title, lines=False), (f"  {pages}", "dim"))
                    entries.append((f"sec:{s.id}", label, tuple(f"sec:{i}" for i in above)))
            return entries

        self.post_message(self.SectionsLoaded(course_id, self.aksio_app.call_core(step)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="generate")
    def generate(self, job: Job) -> None:
        reports: list[GenerationReport] = []
        for index, (document, section) in enumerate(job.targets):
            if self.cancel.is_set():
                break
            before = (sum(r.kept for r in reports), sum(sum(r.rejected.values()) for r in reports))

            def progress(p: GenerationProgress, index: int = index, before: tuple[int, int] = before) -> None:
                self.post_message(self.Progress(index, len(job.targets), p, before))

            try:
                report = self.aksio_app.call_core(
                    partial(
                        _run_target, job=job, document=document, section=section, progress=progress, cancel=self.cancel
                    )
                )
            except AksioError:
                continue  # already a notification; the other sections still run
            reports.append(report)
            if report.interrupted:
                break
        outcome = Outcome(job, reports)
        if job.what == "cards" and outcome.items:
            outcome.cards_of_note = self.aksio_app.call_core(lambda a: _held_cards(a, job.course_id))
        self.post_message(self.Finished(outcome))

    @work(thread=True, exclusive=True, exit_on_error=False, group="generate")
    def apply(self, course_id: str, accept: list[str], reject: list[str]) -> None:
        def step(a: Aksio) -> tuple[int, int]:
            # never call these with no cards: no cards means every held card
            accepted = a.accept_cards(course_id, cards=accept) if accept else 0
            rejected = a.reject_cards(course_id, cards=reject) if reject else 0
            return accepted, rejected

        self.post_message(self.Applied(*self.aksio_app.call_core(step)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        failed = event.state in (WorkerState.ERROR, WorkerState.CANCELLED)
        if event.worker.group == "generate" and failed and self.phase == "running":
            self._show("form")  # an unexpected failure: back to the form rather than stuck
            if event.state == WorkerState.ERROR:
                self.notify(f"generation stopped: {event.worker.error}", severity="error", timeout=8, markup=False)

    # -- the form -------------------------------------------------------------------------------------

    def on_generate_screen_loaded(self, message: Loaded) -> None:
        select = cast("Select[str]", self.query_one("#gen-course", Select))
        select.set_options([(course_label(c), c.id) for c in message.courses])
        if not message.courses:
            self.query_one("#gen-sections", SelectionList).clear_options()
            self.notify("no courses yet: add one with `aksio course add`, then `aksio import` its notes")
        elif message.chosen is not None:
            select.value = message.chosen
        elif len(message.courses) == 1:
            select.value = message.courses[0].id
        else:
            select.focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "gen-course" and isinstance(event.value, str):
            self.course_id = event.value
            self.query_one("#gen-sections", SelectionList).clear_options()
            self.load_sections(event.value)
        elif event.select.id == "gen-provider":
            self.query_one("#gen-model", Input).disabled = event.value == "offline"
        elif event.select.id == "gen-what":
            self.query_one("#gen-kind", Select).disabled = event.value != "cards"

    def on_generate_screen_sections_loaded(self, message: SectionsLoaded) -> None:
        if message.course_id != self.course_id:
            return
        sections = cast("SelectionList[str]", self.query_one("#gen-sections", SelectionList))
        sections.clear_options()
        sections.add_options([Selection(label, value) for value, label, _ in message.entries])
        if message.entries:
            sections.highlighted = 0  # else the first space, with nothing highlighted, chooses nothing
        self.above = {value: above for value, _, above in message.entries}
        if not message.entries:
            self.notify("this course has no documents yet: import its notes first (`aksio import`)")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "gen-start":
            self.action_run()

    def _job(self) -> Job | None:
        if not self.course_id:
            self.notify("choose a course first", severity="warning")
            return None
        count = self.query_one("#gen-count", Input)
        checked = count.validate(count.value)
        if checked is not None and not checked.is_valid:
            self.notify("per section: a whole number from 1 to 50", severity="warning")
            count.focus()
            return None
        chosen = set(cast("SelectionList[str]", self.query_one("#gen-sections", SelectionList)).selected)
        # a section inside a chosen one is generated with it: skip it rather than ask twice
        picked = [v for v in self.above if v in chosen and not chosen.intersection(self.above[v])]
        targets = tuple((v[4:], None) if v.startswith("doc:") else (None, v[4:]) for v in picked) or ((None, None),)
        what = cast("What", self.query_one("#gen-what", Select).value)
        return Job(
            course_id=self.course_id,
            what=what,
            kind=cast("CardKind", self.query_one("#gen-kind", Select).value),
            per_section=int(count.value),
            provider=str(self.query_one("#gen-provider", Select).value),
            model=self.query_one("#gen-model", Input).value.strip(),
            targets=targets,
        )

    def action_run(self) -> None:
        if self.phase != "form" or (job := self._job()) is None:
            return
        self.cancel = threading.Event()
        what = "cards" if job.what == "cards" else "quiz questions"
        scope = "the whole course" if job.targets == ((None, None),) else f"{len(job.targets)} section(s)"
        generator = job.provider if job.provider == "offline" else f"{job.provider}/{job.model or 'default model'}"
        self.query_one("#gen-run-title", Static).update(
            Text(printable(f"Generating {what} from {scope} with {generator}…", lines=False))
        )
        self.query_one("#gen-counts", Static).update("starting…")
        self.query_one("#gen-progress", ProgressBar).update(total=len(job.targets), progress=0)
        self._show("running")
        self.generate(job)

    # -- running --------------------------------------------------------------------------------------

    def on_generate_screen_progress(self, message: Progress) -> None:
        p = message.progress
        done = message.index + (p.parts_done / p.parts_total if p.parts_total else 1)
        self.query_one("#gen-progress", ProgressBar).update(total=message.targets, progress=done)
        where = f"section {message.index + 1} of {message.targets} · " if message.targets > 1 else ""
        kept, rejected = message.before[0] + p.kept, message.before[1] + p.rejected
        self.query_one("#gen-counts", Static).update(
            f"{where}part {p.parts_done} of {p.parts_total} · {kept} kept · {rejected} rejected"
        )

    # -- the result -----------------------------------------------------------------------------------

    def on_generate_screen_finished(self, message: Finished) -> None:
        outcome = self.outcome = message.outcome
        if not outcome.reports:  # every target failed, each with its notification
            self._show("form")
            return
        items = outcome.items
        self.held = outcome.job.what == "cards" and bool(outcome.cards_of_note)
        self.keep = {i.id: True for i in items} if self.held else {}
        self._summary()
        kept = self.query_one("#gen-kept", OptionList)
        kept.clear_options()
        kept.add_options([Option(self._kept_prompt(i), id=i.id) for i in items])
        if items:
            kept.highlighted = 0
        rejected = self.query_one("#gen-rejected", OptionList)
        rejected.clear_options()
        rows = [r for rep in outcome.reports for r in rep.rejected_items]
        rejected.add_options(
            [
                Text.assemble(
                    (reason_text(r.reason), "bold"),
                    "\n  ",
                    printable(r.front),
                    (printable(f"  → {r.back}") if r.back else "", "dim"),
                )
                for r in rows
            ]
        )
        failed = sum(rep.rejected.get(MODEL_ERROR, 0) for rep in outcome.reports)
        if failed:
            rejected.add_option(Text.assemble((reason_text(MODEL_ERROR), "bold"), f"\n  {failed} part(s)"))
        none = not rows and not failed
        self.query_one("#gen-rejected-title", Static).update(
            "Rejected by the checks: none" if none else f"Rejected by the checks ({len(rows) + failed})"
        )
        rejected.display = not none
        self._show("result")
        kept.focus()

    def _summary(self) -> None:
        outcome = self.outcome
        if outcome is None:
            return
        reports = outcome.reports
        kept, rejected = sum(r.kept for r in reports), sum(sum(r.rejected.values()) for r in reports)
        parts, resumed = sum(r.parts for r in reports), sum(r.parts_resumed for r in reports)
        line = Text.assemble(
            (printable(reports[0].course_name, lines=False), "bold"),
            f" · {printable(reports[0].generator, lines=False)} · {kept} kept · {rejected} rejected · {parts} part(s)",
        )
        if resumed:
            line.append(f", {resumed} done before with these settings")
        if outcome.interrupted:
            line.append(" · cancelled", style="bold")
        if self.held:
            marked = sum(self.keep.values())
            line.append(
                f"\n✓ {marked} to accept · ✗ {len(self.keep) - marked} to reject · "
                "space toggles, a/r all, s saves the choices",
                style="dim",
            )
        elif outcome.job.what == "questions" and kept:
            line.append("\nquiz questions are stored as they are: see `aksio question list`", style="dim")
        self.query_one("#gen-summary", Static).update(line)

    def _kept_prompt(self, item: GeneratedItem) -> Text:
        text = Text()
        if self.held:
            accepted = self.keep.get(item.id, True)
            text.append("✓ " if accepted else "✗ ", style="bold green" if accepted else "bold red")
        text.append(printable(item.front))
        if item.choices:
            text.append(printable("  [" + " | ".join(item.choices) + "]"), style="dim")
        if item.back:
            text.append(printable(f"  → {item.back}"), style="dim")
        return text

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id != "gen-kept" or self.outcome is None:
            return
        item = next((i for i in self.outcome.items if i.id == event.option.id), None)
        if item is not None:
            self.query_one("#gen-detail", Static).update(
                Text.assemble(
                    printable(f"{item.section_title} · page {item.page} · ", lines=False),
                    (f"“{readable(item.quote)[0]}”", "italic"),
                )
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "gen-kept":
            self.action_toggle_mark()

    def action_toggle_mark(self) -> None:
        if not self.held:
            return
        kept = self.query_one("#gen-kept", OptionList)
        if kept.highlighted is None:
            return
        option = kept.get_option_at_index(kept.highlighted)
        if option.id is None:
            return
        self.keep[option.id] = not self.keep.get(option.id, True)
        self._redraw_marks()

    def action_mark_all(self, accept: bool) -> None:
        if not self.held:
            return
        self.keep = dict.fromkeys(self.keep, accept)
        self._redraw_marks()

    def _redraw_marks(self) -> None:
        if self.outcome is None:
            return
        kept = self.query_one("#gen-kept", OptionList)
        for index, item in enumerate(self.outcome.items):
            kept.replace_option_prompt_at_index(index, self._kept_prompt(item))
        self._summary()

    def action_apply(self) -> None:
        if not self.held or self.outcome is None:
            return
        cards = self.outcome.cards_of_note
        accept = [c for note, yes in self.keep.items() if yes for c in cards.get(note, [])]
        reject = [c for note, yes in self.keep.items() if not yes for c in cards.get(note, [])]
        self.apply(self.outcome.job.course_id, accept, reject)

    def on_generate_screen_applied(self, message: Applied) -> None:
        self.held = False
        self.notify(f"{message.accepted} card(s) joined the deck · {message.rejected} rejected and deleted")
        if self.outcome is not None:
            kept = self.query_one("#gen-kept", OptionList)
            for index, item in enumerate(self.outcome.items):
                accepted = self.keep.get(item.id, True)
                prompt = self._kept_prompt(item)
                prompt = Text.assemble(("in the deck  " if accepted else "deleted  ", "dim"), prompt)
                kept.replace_option_prompt_at_index(index, prompt)
        self._summary()
        self.refresh_bindings()

    # -- moving on ------------------------------------------------------------------------------------

    def _show(self, phase: Literal["form", "running", "result"]) -> None:
        self.phase = phase
        self.query_one(ContentSwitcher).current = f"gen-{'run' if phase == 'running' else phase}"
        self.refresh_bindings()

    def action_cancel(self) -> None:
        if self.phase == "running" and not self.cancel.is_set():
            self.cancel.set()
            self.query_one("#gen-counts", Static).update("cancelling: the parts already finished are kept…")

    def action_back(self) -> None:
        if self.phase == "running":
            self.action_cancel()
            return
        if self.held:
            self.notify(
                f"{len(self.keep)} generated card(s) stay held, out of study: accept or reject them in the card "
                "browser (b)",
                timeout=8,
            )
        self.app.pop_screen()
