"""A course: its documents with their section trees and pages, a section's text, search over the course that
jumps to the page of a hit, and importing files with a path picker and a progress bar."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, ProgressBar, Static, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode
from textual.worker import get_current_worker

from aksio.control_chars import printable
from aksio_tui.screens.base import AppScreen, app_of
from aksio_tui.widgets.key_bar import KeyBar
from aksio_tui.widgets.page_preview import Heading, PagePreview, readable
from aksio_tui.widgets.path_picker import PathPicker, shown_path
from aksio_tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from aksio.models import Course, DocumentDetail, ImportReport, SearchHit, Section
    from aksio.service import Aksio, ImportProgress

Place = tuple[str, str | None]  # (document id, section id; None for the whole document)
SEARCH_LIMIT = 50
_NEEDS_COURSE = {"search", "import", "study", "generate", "browse"}


def page_range(start: int, end: int) -> str:
    return f"p. {start}" if start == end else f"pp. {start}–{end}"


def headings_of(sections: list[Section]) -> list[Heading]:
    """The headings of ``sections`` and everything nested in them, in reading order."""
    out: list[Heading] = []
    for section in sections:
        out.append(Heading(section.page_start, section.title, section.level))
        out += headings_of(section.children)
    return out


class CourseScreen(AppScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="course.search"),
        Binding("i", "import", "Import", id="course.import"),
        Binding("s", "study", "Study", id="course.study"),
        Binding("g", "generate", "Generate", id="course.generate"),
        Binding("b", "browse", "Cards", id="course.browse"),
        Binding("escape", "back", "Back", id="course.back"),
    ]

    class CoursesLoaded(Message):
        def __init__(self, courses: list[Course]) -> None:
            super().__init__()
            self.courses = courses

    class Loaded(Message):
        def __init__(self, course: Course, documents: list[DocumentDetail]) -> None:
            super().__init__()
            self.course = course
            self.documents = documents

    class Previewed(Message):
        def __init__(self, place: Place, pages: list[tuple[int, str]], page: int | None) -> None:
            super().__init__()
            self.place = place
            self.pages = pages
            self.page = page

    class Found(Message):
        def __init__(self, query: str, hits: list[SearchHit], notice: str | None) -> None:
            super().__init__()
            self.query = query
            self.hits = hits
            self.notice = notice  # how the query was cut short

    def __init__(self, course_id: str | None) -> None:
        super().__init__()
        self.course_id = course_id
        self.course: Course | None = None
        self.hits: list[SearchHit] = []
        self.nodes: dict[Place, TreeNode[Place]] = {}
        self.titles: dict[Place, str] = {}
        self.outlines: dict[Place, list[Section]] = {}  # the sections a place's preview spans
        self.kinds: dict[str, str] = {}  # document id -> kind ("pdf", "markdown", ...)
        self._requested: tuple[Place, int | None] | None = None  # the preview last asked for
        self._select_after_load: Place | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield OptionList(id="course-picker")
        with Vertical(id="course-main"):
            yield Input(placeholder="/ search this course, enter to run", id="course-search")
            with Horizontal(id="course-body"):
                yield Tree[Place]("documents", id="sections")
                with Vertical(id="course-right"):
                    yield Static("", id="hits-status")
                    yield OptionList(id="hits")
                    yield PagePreview(id="preview")
        yield KeyBar()

    def on_mount(self) -> None:
        tree = self.query_one("#sections", Tree)
        tree.show_root = False
        tree.guide_depth = 2
        self._show_results(False)
        if self.course_id is None:
            self.sub_title = "pick a course"
            self.query_one("#course-main").display = False
            self.query_one("#course-picker").focus()
            self.load_courses()
        else:
            self.query_one("#course-picker").display = False
            tree.focus()
            self.load()

    def screen_commands(self) -> Iterable[SystemCommand]:
        """What the command palette offers on this screen."""
        if self.course_id is None:
            return
        yield SystemCommand("Search this course", "Full text, with the page of every hit", self.action_search)
        yield SystemCommand("Import files", "PDF, EPUB, Markdown, text, HTML; folders too", self.action_import)
        yield SystemCommand("Study this course", "Its due cards, then new ones", self.action_study)
        yield SystemCommand("Generate", "Cards and questions from this course's documents", self.action_generate)
        yield SystemCommand("Card browser", "This course's cards", self.action_browse)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in _NEEDS_COURSE and self.course_id is None)

    # -- picking a course -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="course")
    def load_courses(self) -> None:
        self.post_message(self.CoursesLoaded(self.aksio_app.call_core(lambda a: a.courses())))

    def on_course_screen_courses_loaded(self, message: CoursesLoaded) -> None:
        picker = self.query_one("#course-picker", OptionList)
        picker.clear_options()
        if not message.courses:
            picker.add_option(Option(Text("No courses yet: `aksio course add NAME` makes one."), disabled=True))
            return
        for c in message.courses:
            label = Text.assemble((printable(c.name, lines=False), "bold"), (f" {c.code}" if c.code else "", "bold"))
            label.append(f"  {c.document_count} document(s) · {c.page_count} pages", style="dim")
            picker.add_option(Option(label, id=c.id))
        picker.highlighted = 0

    @on(OptionList.OptionSelected, "#course-picker")
    def _course_picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is None:
            return
        self.course_id = event.option.id
        self.query_one("#course-picker").display = False
        self.query_one("#course-main").display = True
        self.query_one("#sections").focus()
        self.refresh_bindings()
        self.load()

    # -- the documents and their sections ---------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="course")
    def load(self) -> None:
        course_id = self.course_id
        assert course_id is not None

        def read(a: Aksio) -> tuple[Course, list[DocumentDetail]]:
            return a.course(course_id), [a.document(d.id) for d in a.documents(course_id)]

        self.post_message(self.Loaded(*self.aksio_app.call_core(read)))

    async def on_course_screen_loaded(self, message: Loaded) -> None:
        self.course = message.course
        pages = sum(d.page_count for d in message.documents)
        self.sub_title = f"{message.course.name} · {len(message.documents)} document(s) · {pages} pages"
        tree: Tree[Place] = self.query_one("#sections", Tree)
        was = self._requested[0] if self._requested else None
        tree.clear()
        self.nodes, self.titles, self.outlines, self._requested = {}, {}, {}, None
        self.kinds = {doc.id: doc.kind for doc in message.documents}
        for doc in message.documents:
            place: Place = (doc.id, None)
            span = f"  {page_range(1, max(doc.page_count, 1))}"
            label = Text.assemble((printable(doc.title, lines=False), "bold"), (span, "dim"))
            sections = doc.sections
            # a Markdown file's one top heading is the document's title: shown once, as the document
            top = sections[0] if len(sections) == 1 else None
            if top is not None and top.title.strip().casefold() == doc.title.strip().casefold():
                sections = top.children
            else:
                top = None
            # a document without headings is a leaf: no ▼ that opens onto nothing
            node = tree.root.add(label, data=place, expand=True) if sections else tree.root.add_leaf(label, data=place)
            self.nodes[place] = node
            if top is not None:
                self.nodes[(doc.id, top.id)] = node
            self.titles[place] = f"{doc.title} · {page_range(1, max(doc.page_count, 1))} · {doc.kind}"
            self.outlines[place] = doc.sections
            self._add_sections(node, doc, sections)
        if not message.documents:
            await self.query_one(PagePreview).show_message("No documents yet: press i to import lecture notes.")
            return
        want = self._select_after_load or was
        self._select_after_load = None
        self.select(want if want in self.nodes else (message.documents[0].id, None))

    def _add_sections(self, node: TreeNode[Place], doc: DocumentDetail, sections: list[Section]) -> None:
        for section in sections:
            place: Place = (doc.id, section.id)
            pages = page_range(section.page_start, section.page_end)
            label = Text.assemble(printable(section.title, lines=False), (f"  {pages}", "dim"))
            if section.children:
                child = node.add(label, data=place, expand=True)
                self._add_sections(child, doc, section.children)
            else:
                child = node.add_leaf(label, data=place)
            self.nodes[place] = child
            self.titles[place] = f"{section.title} · {pages} · {doc.title}"
            self.outlines[place] = [section]

    def select(self, place: Place, page: int | None = None) -> None:
        """Put the tree's cursor on ``place`` (opening the branches above it) and preview it, at ``page``."""
        node = self.nodes.get(place)
        if node is not None:
            place = node.data or place  # a document's one top section is shown as the document
            parent = node.parent
            while parent is not None:
                parent.expand()
                parent = parent.parent
            tree: Tree[Place] = self.query_one("#sections", Tree)
            # a branch just opened has its lines only after the next refresh
            self.call_after_refresh(tree.move_cursor, node)
        self._show(place, page)

    @on(Tree.NodeHighlighted, "#sections")
    def _highlighted(self, event: Tree.NodeHighlighted[Place]) -> None:
        place = event.node.data
        if place is not None and (self._requested is None or self._requested[0] != place):
            self._show(place, None)

    def _show(self, place: Place, page: int | None) -> None:
        self._requested = (place, page)
        self.preview(place, page)

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview")
    def preview(self, place: Place, page: int | None) -> None:
        from aksio.preview import section_text

        doc_id, section_id = place
        pages = self.aksio_app.call_core(lambda a: section_text(a, doc_id, section_id))
        self.post_message(self.Previewed(place, pages, page))

    async def on_course_screen_previewed(self, message: Previewed) -> None:
        if self._requested != (message.place, message.page):
            return  # the cursor moved on while this was read
        title = self.titles.get(message.place, "")
        markdown = self.kinds.get(message.place[0]) == "markdown"
        headings = headings_of(self.outlines.get(message.place, [])) if markdown else []
        preview = self.query_one(PagePreview)
        await preview.show(title, message.pages, message.page, markdown=markdown, headings=headings)

    # -- search -----------------------------------------------------------------------------------------

    def action_search(self) -> None:
        self.query_one("#course-search", Input).focus()

    @on(Input.Submitted, "#course-search")
    def _search(self, event: Input.Submitted) -> None:
        event.stop()
        query = event.value.strip()
        if query:
            self.query_one("#hits-status", Static).update(Text(f"searching for {query!r}…", style="dim"))
            self._show_results(True)
            self.search(query)
        else:
            self._show_results(False)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def search(self, query: str) -> None:
        course_id = self.course_id
        hits, notice = self.aksio_app.call_core(
            lambda a: (a.search(query, course_id, SEARCH_LIMIT), a.search_notice(query))
        )
        self.post_message(self.Found(query, hits, notice))

    def on_course_screen_found(self, message: Found) -> None:
        self.hits = message.hits
        hits = self.query_one("#hits", OptionList)
        hits.clear_options()
        options: list[Option | None] = []
        for i, hit in enumerate(message.hits):
            options += [None, Option(hit_label(hit), id=str(i))] if i else [Option(hit_label(hit), id=str(i))]
        hits.add_options(options)  # a rule between two hits: in a narrow pane they run into each other
        status = self.query_one("#hits-status", Static)
        self._show_results(True)
        notice = (f" ({message.notice})" if message.notice else "", "yellow")
        if not message.hits:
            status.update(Text.assemble((f"Nothing in this course matches {message.query!r}.", "bold"), notice))
            return
        count = f"{len(message.hits)}{'+' if len(message.hits) == SEARCH_LIMIT else ''}"
        status.update(
            Text.assemble(
                (f"{count} hit(s) for {message.query!r}", "bold"), notice, ("  enter opens · escape closes", "dim")
            )
        )
        hits.highlighted = 0
        hits.focus()

    @on(OptionList.OptionSelected, "#hits")
    def _jump(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        hit = self.hits[int(event.option.id or 0)]
        self._show_results(False)
        self.query_one("#sections").focus()
        self.select((hit.document_id, hit.section_id), hit.page)

    def _show_results(self, shown: bool) -> None:
        self.query_one("#hits-status").display = shown
        self.query_one("#hits").display = shown
        self.query_one(PagePreview).display = not shown

    def action_back(self) -> None:
        search = self.query_one("#course-search", Input)
        if self.query_one("#hits").display or (search.has_focus and search.value):
            self._show_results(False)
            search.value = ""
            self.query_one("#sections").focus()
        elif search.has_focus:
            self.query_one("#sections").focus()
        else:
            self.app.pop_screen()

    # -- elsewhere ------------------------------------------------------------------------------------

    def action_study(self) -> None:
        self.aksio_app.action_go("review", course=self.course_id)

    def action_generate(self) -> None:
        self.aksio_app.action_go("generate", course=self.course_id)

    def action_browse(self) -> None:
        self.aksio_app.action_go("cards", course=self.course_id)

    def action_import(self) -> None:
        if self.course_id is None:
            return
        name = self.course.name if self.course else "this course"
        self.app.push_screen(ImportScreen(self.course_id, name, self._imported))

    def _imported(self, report: ImportReport) -> None:
        if report.imported:
            self._select_after_load = (report.imported[0].document_id, None)
            self.load()


def hit_label(hit: SearchHit) -> Text:
    """Where a hit is (document, section, page), then its passage with the matched words bold and reversed."""
    where = printable(" › ".join(t for t in (hit.document_title, hit.section_title) if t), lines=False)
    passage, spans = readable(hit.snippet, hit.highlights)
    snippet = Text(passage)
    for start, end in spans:
        snippet.stylize("bold reverse", start, end)
    return Text.assemble((where, "bold"), (f"  p. {hit.page}\n", "bold"), snippet)


class ImportScreen(ModalScreen[None]):
    """A path, typed or picked in the tree, imported into the course with a progress bar; then what happened."""

    DEFAULT_CLASSES = "modal"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="import.close"),
    ]

    class Progressed(Message):
        def __init__(self, event: ImportProgress) -> None:
            super().__init__()
            self.event = event

    class Finished(Message):
        def __init__(self, report: ImportReport | None) -> None:
            super().__init__()
            self.report = report

    class FolderTyped(Message):
        """The box names an existing folder: the tree shows it."""

        def __init__(self, folder: Path) -> None:
            super().__init__()
            self.folder = folder

    def __init__(
        self, course_id: str, course_name: str, on_done: Callable[[ImportReport], None], start: Path | None = None
    ) -> None:
        super().__init__()
        self.course_id = course_id
        self.course_name = course_name
        self.on_done = on_done
        self.start = start or Path.home()
        self.running = False
        self.report: ImportReport | None = None
        # what the tree last wrote into the box (not typed: the tree stays put), and the path it names (shown
        # with control characters escaped, so the text in the box may not name it)
        self._picked: str | None = shown_path(self.start)
        self._picked_path: Path | None = self.start

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Text.assemble(
                    ("Import into ", "bold"),
                    (printable(self.course_name, lines=False), "bold"),
                    ": a file or a folder (PDF, EPUB, Markdown, text, HTML)",
                ),
                id="import-title",
            )
            with Horizontal(id="import-row"):
                yield Input(self._picked, id="import-path")
                yield Button("Import", id="import-go", variant="primary")
            yield PathPicker(self.start, id="import-tree")
            yield Static(
                Text("enter in the box imports · in the tree, enter picks · tab moves · escape closes", style="dim"),
                id="import-hint",
            )
            yield Static("", id="import-file")
            yield ProgressBar(id="import-progress", show_eta=False)
            yield Static("", id="import-result")

    def on_mount(self) -> None:
        self.query_one("#import-progress").display = False
        self.query_one("#import-file").display = False
        self.query_one("#import-result").display = False
        self.query_one("#import-path", Input).focus()

    @on(PathPicker.FileSelected)
    def _file_picked(self, event: PathPicker.FileSelected) -> None:
        self._pick(event.path)
        self.query_one("#import-path", Input).focus()

    @on(PathPicker.DirectorySelected)
    def _folder_picked(self, event: PathPicker.DirectorySelected) -> None:
        self._pick(event.path)

    def _pick(self, path: Path) -> None:
        self._picked, self._picked_path = shown_path(path), path
        self.query_one("#import-path", Input).value = self._picked

    @on(Input.Changed, "#import-path")
    def _path_typed(self, event: Input.Changed) -> None:
        # the tree starts at home and cannot go above it: a folder typed in the box (/, /mnt/usb, ~/..) opens there
        if event.value != self._picked and event.value.strip():
            self.find_folder(event.value.strip())

    @work(thread=True, exclusive=True, exit_on_error=False, group="import-folder")
    def find_folder(self, typed: str) -> None:
        path = Path(typed).expanduser()
        try:
            found = path.is_dir()
        except OSError:  # e.g. a name too long, a folder we may not read
            found = False
        if found and not get_current_worker().is_cancelled:  # a later keystroke asks again
            self.post_message(self.FolderTyped(path.resolve()))

    def on_import_screen_folder_typed(self, message: FolderTyped) -> None:
        tree = self.query_one(PathPicker)
        if Path(tree.path) != message.folder:
            tree.path = message.folder

    @on(Input.Submitted, "#import-path")
    @on(Button.Pressed, "#import-go")
    def _go(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        value = self.query_one("#import-path", Input).value.strip()
        if self.running or not value:
            return
        self.running = True
        self.query_one("#import-go", Button).disabled = True
        self.query_one("#import-result").display = False
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        status = self.query_one("#import-file", Static)
        status.update(Text("looking for files…", style="dim"))
        status.display = True
        picked = self._picked_path if value == self._picked else None
        self.run_import(picked or Path(value).expanduser())

    @work(thread=True, exclusive=True, exit_on_error=False, group="import")
    def run_import(self, path: Path) -> None:
        course_id = self.course_id
        report: ImportReport | None = None

        def progressed(event: ImportProgress) -> None:
            self.post_message(self.Progressed(event))

        try:
            report = app_of(self).call_core(lambda a: a.import_paths([path], course_id, progress=progressed))
        finally:
            self.post_message(self.Finished(report))

    def on_import_screen_progressed(self, message: Progressed) -> None:
        event = message.event
        self.query_one("#import-progress", ProgressBar).update(
            total=max(event.total_bytes, 1), progress=event.done_bytes
        )
        if event.path is not None:
            self.query_one("#import-file", Static).update(
                Text(printable(f"file {event.index + 1} of {event.total}: {Path(event.path).name}", lines=False))
            )

    def on_import_screen_finished(self, message: Finished) -> None:
        self.running = False
        self.query_one("#import-go", Button).disabled = False
        self.query_one("#import-progress").display = False
        self.query_one("#import-file").display = False
        result = self.query_one("#import-result", Static)
        result.display = True
        report = message.report
        if report is None:
            result.update(Text("✗ The import stopped: see the message in the corner.", style="bold"))
            return
        self.report = report
        result.update(report_text(report))
        self.on_done(report)

    def action_close(self) -> None:
        if self.running:
            self.notify("Still importing: it closes when the files are in.", timeout=3)
            return
        self.dismiss(None)


def report_text(report: ImportReport) -> Text:
    """One line per file: ✓ imported, – skipped, ✗ failed (the mark and the word, not only the colour); a file's
    name and title are shown with their control characters escaped."""
    out = Text()
    total = (len(report.imported), len(report.skipped), len(report.failed))
    out.append(f"{total[0]} imported · {total[1]} skipped · {total[2]} failed\n", style="bold")
    for f in report.imported:
        out.append("✓ imported ", style="bold green")
        out.append(printable(f"{f.title}: {f.page_count} page(s), {f.section_count} section(s)", lines=False) + "\n")
    for s in report.skipped:
        out.append("– skipped ", style="bold yellow")
        out.append(printable(f"{Path(s.path).name}: {s.reason}", lines=False) + "\n")
    for failed in report.failed:
        out.append("✗ failed ", style="bold red")
        out.append(printable(f"{Path(failed.path).name}: {failed.reason}", lines=False) + "\n")
    out.rstrip()
    return out
