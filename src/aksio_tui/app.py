"""The Textual app. It gets the core facade in its constructor; screens render and dispatch, and every call
into the core runs in a worker thread through ``CoreGate`` and comes back as a message or a callback. A home
signed in to a sync server syncs in the background (``aksio_tui.sync``), and the header says how it went."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen

from aksio.control_chars import printable
from aksio.errors import AksioError
from aksio_tui.core import CoreGate
from aksio_tui.messages import CoreError, LocalChange, SyncDone, SyncMerged
from aksio_tui.sync import LOCAL, SIGN_IN, Outcome, SyncState, host_in, signed_in, sync_home
from aksio_tui.themes import THEMES

if TYPE_CHECKING:
    from concurrent.futures import Future

    from textual.content import Content
    from textual.notifications import SeverityLevel
    from textual.timer import Timer

    from aksio.activity import Dashboard
    from aksio.service import Aksio

T = TypeVar("T")

# where the next issues plug in: (screen name, title, what it will do)
COMING = (
    ("tutor", "Tutor", "ask questions about your course and get answers citing its pages"),
    ("quiz", "Quiz", "take the quiz questions generated from your notes"),
    ("plan", "Plan", "a study plan toward your exam date"),
    ("stats", "Stats", "retention, workload forecast and time spent"),
)


class AksioApp(App[None]):
    """Aksio in the terminal: dashboard, courses, card browser, review, generation and settings."""

    TITLE = "Aksio"
    CSS_PATH = "aksio.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+h", "go('dashboard')", "Home", id="app.home", show=False),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    sync_line: reactive[str] = reactive(LOCAL, init=False)  # the header's last words

    def __init__(
        self,
        aksio: Aksio,
        *,
        course: str | None = None,
        start: str = "dashboard",
        core: CoreGate | None = None,
        first_board: Future[Dashboard] | None = None,
        sync_delay: float = 5.0,
        sync_every: float = 300.0,
    ) -> None:
        """``core`` and ``first_board``: a gate to ``aksio`` and the dashboard already being read through it,
        when the launcher started that before loading Textual (see ``launch.run``). Signed in to a sync server,
        the app syncs on start, ``sync_delay`` seconds after its last change, and every ``sync_every``."""
        super().__init__()
        self.core = core or CoreGate(aksio)
        self.core.on_change = lambda: self.post_message(LocalChange())  # on a worker's thread: a message is safe
        self.sync_delay, self.sync_every = sync_delay, sync_every
        self.sync_state = SyncState()
        self.sync_running = False  # one sync at a time: asked for meanwhile, another follows it
        self.syncs = 0  # syncs ended since the app started
        self._sync_again = False
        self._sync_asked = False  # "Sync now": say how it ends, even when it ends quietly
        self._sync_told = ""  # the error last shown in a notification (a retry every few minutes repeats none)
        self._sync_soon: Timer | None = None
        self._sync_shown: Timer | None = None
        self.course_ref = course
        self.start = start
        for theme in THEMES:
            self.register_theme(theme)
        settings = aksio.settings.tui
        self._start_theme(settings.theme if settings.theme in self.available_themes else "aksio-dark")
        self.set_keymap(dict(settings.keymap))
        # the home screen's counts, read while Textual starts (SQLite runs beside it on another core)
        self._first_board: Future[Dashboard] | None = first_board or self.core.prefetch(lambda a: a.dashboard())

    def _start_theme(self, name: str) -> None:
        """Start on theme ``name`` without the theme's watcher: before the app runs nothing is parsed yet, and the
        watcher would have every stylesheet parsed once more with the new colours once it runs (~5 ms of the
        start). What the watcher does besides is done here (Textual's ``App._watch_theme``)."""
        self.set_reactive(AksioApp.theme, name)
        dark = self.current_theme.dark
        self.update_classes({f"-theme-{name}": True, "-dark-mode": dark, "-light-mode": not dark}, update=False)
        self._refresh_truecolor_filter(self.ansi_theme)
        self.stylesheet.set_variables(self.get_css_variables())

    def _settle_collector(self) -> None:
        """Once the first frame is drawn: everything loaded for it lives as long as the app, so keep it out of
        the cyclic GC's full passes, which otherwise walk every widget, module and style and stall a keypress
        now and then; and collect again (the launcher pauses the collector while the app loads)."""
        gc.freeze()
        gc.enable()

    def take_first_board(self, *, wait: float | None = None) -> Dashboard | None:
        """The dashboard read at start, once (later loads read it again); None if it failed or was taken, or is
        not read within ``wait`` seconds (None: however long it takes)."""
        future = self._first_board
        if future is None:
            return None
        try:
            future.exception(timeout=wait)
        except TimeoutError:
            return None
        self._first_board = None
        return None if future.exception() is not None else future.result()

    def on_mount(self) -> None:
        self.call_after_refresh(self._settle_collector)
        self.push_screen(self.make_screen("dashboard"))  # always underneath: escape leads home
        if self.start != "dashboard":
            self.push_screen(self.make_screen(self.start))
        if signed_in(self.core.aksio.paths.home):
            self.show_sync(SyncState("syncing", host_in(self.core.aksio.paths.home)))
            self.call_after_refresh(self.sync_now)  # after the first frame: it is not waited for
        self.set_interval(self.sync_every, self._sync_if_signed_in)
        self.set_interval(30, self.show_sync)  # "synced 5 min ago" counts on

    # -- sync ----------------------------------------------------------------------------------------

    def sync_now(self, *, asked: bool = False) -> None:
        """Sync on a thread of its own, with a facade of its own (see ``aksio_tui.sync``); ``asked``: by the
        student, who is told how it ended. Not a Textual worker: Textual waits for its workers' threads when it
        quits, and a sync with a server that does not answer could hold the quit for its timeout."""
        self._sync_asked |= asked
        if self.sync_running:
            self._sync_again = True
            return
        self.sync_running = True
        if self.sync_state.synced_at is None:
            self.show_sync(self.sync_state.syncing())
        else:  # a sync of a few ms would flicker the header at every change: say so only when it takes a while
            self._sync_shown = self.set_timer(1.0, lambda: self.show_sync(self.sync_state.syncing()))
        aksio = self.core.aksio
        home, clock, tz = aksio.paths.home, aksio.clock, aksio.tz

        def run() -> None:
            self.post_message(SyncDone(sync_home(home, clock, tz)))

        threading.Thread(target=run, name="aksio-sync", daemon=True).start()

    def on_local_change(self, _: LocalChange) -> None:
        if self._sync_soon is not None:
            self._sync_soon.stop()
        self._sync_soon = self.set_timer(self.sync_delay, self._sync_if_signed_in)

    def _sync_if_signed_in(self) -> None:
        if signed_in(self.core.aksio.paths.home):
            self.sync_now()

    def on_sync_done(self, message: SyncDone) -> None:
        outcome = message.outcome
        self.sync_running = False
        self.syncs += 1
        if self._sync_shown is not None:
            self._sync_shown.stop()
        self.show_sync(self.sync_state.after(outcome, self.core.aksio.now()))
        asked, self._sync_asked = self._sync_asked, False
        self._tell(outcome, asked)
        if outcome.merged:
            self.screen.post_message(SyncMerged())
        if self._sync_again:
            self._sync_again = False
            self.sync_now()

    def show_sync(self, state: SyncState | None = None) -> None:
        """Put ``state`` (or the same, a little later) into the header."""
        self.sync_state = state or self.sync_state
        self.sync_line = self.sync_state.line(self.core.aksio.now())

    def _tell(self, outcome: Outcome, asked: bool) -> None:
        """A refused token or batch is said once in a notification (the header keeps saying it); offline is
        said only to whoever asked for the sync."""
        if outcome.kind in ("signed_out", "error"):
            if asked or outcome.detail != self._sync_told:
                hint = f": {SIGN_IN}" if outcome.kind == "signed_out" else ""
                self.notify(outcome.detail + hint, title="Sync", severity="error", timeout=10, markup=False)
            self._sync_told = outcome.detail
            return
        self._sync_told = ""
        if not asked:
            return
        if outcome.kind == "synced":
            merged = f"{outcome.merged} change{'s' if outcome.merged != 1 else ''} merged" if outcome.merged else ""
            self.notify(f"synced with {outcome.host}" + (f": {merged}" if merged else ""), markup=False)
        elif outcome.kind == "offline":
            self.notify(outcome.detail, title="Sync", severity="warning", markup=False)
        else:
            self._not_signed_in()

    def _not_signed_in(self) -> None:
        self.notify(
            "local only: sign in with `aksio sync login URL --email ADDRESS`, or sync through a folder with "
            "`aksio sync dir PATH`",
            title="Sync",
            markup=False,
        )

    def action_sync(self) -> None:
        if signed_in(self.core.aksio.paths.home):
            self.sync_now(asked=True)
        else:
            self._not_signed_in()

    # -- the core ------------------------------------------------------------------------------------

    def call_core(self, fn: Callable[[Aksio], T]) -> T:
        """Call the core from a worker thread; an ``AksioError`` becomes a notification (and ends the worker),
        and so does anything unexpected: a key that does nothing and says nothing is worse than a bug report."""
        try:
            return self.core(fn)
        except AksioError as exc:
            self.post_message(CoreError(str(exc)))
            raise
        except Exception as exc:
            self.post_message(CoreError(f"something went wrong ({type(exc).__name__}: {exc}); please report it"))
            raise

    def on_core_error(self, message: CoreError) -> None:
        # an error names what it is about (a file, a course), so it is text: a file name is no markup
        self.notify(message.text, title="Aksio", severity="error", timeout=8, markup=False)

    # -- text from outside ---------------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Textual's notification, with every character a terminal would obey shown escaped: a notification
        often quotes a card, a file name or an error (whose markup the caller turns off with ``markup=False``)."""
        super().notify(printable(message), title=printable(title), severity=severity, timeout=timeout, markup=markup)

    def format_title(self, title: str, sub_title: str) -> Content:
        """The header's line, ending with the sync's state: a sub-title often names a course, and the state a
        server, shown as text with control characters escaped."""
        sub_title = f"{sub_title} · {self.sync_line}" if sub_title else self.sync_line
        return super().format_title(printable(title, lines=False), printable(sub_title, lines=False))

    # -- navigation ----------------------------------------------------------------------------------

    def make_screen(self, name: str, **options: Any) -> Screen[Any]:
        # each screen's module is imported when it is first opened: the first frame waits only for the dashboard
        course = options.get("course", self.course_ref)
        if name == "dashboard":
            from aksio_tui.screens.dashboard import DashboardScreen

            return DashboardScreen()
        if name == "review":
            from aksio_tui.screens.review import ReviewScreen

            return ReviewScreen(course)
        if name == "course":
            from aksio_tui.screens.course import CourseScreen

            return CourseScreen(course)
        if name == "cards":
            from aksio_tui.screens.browser import CardBrowserScreen

            return CardBrowserScreen(course)
        if name == "generate":
            from aksio_tui.screens.generate import GenerateScreen

            return GenerateScreen(course)
        if name == "settings":
            from aksio_tui.screens.settings import SettingsScreen

            return SettingsScreen()
        for key, title, what in COMING:
            if name == key:
                from aksio_tui.screens.placeholder import ComingScreen

                return ComingScreen(title, what)
        raise ValueError(f"no screen {name!r}")

    def action_go(self, name: str, **options: Any) -> None:
        if name == "dashboard":
            while len(self.screen_stack) > 2:
                self.pop_screen()
            return
        self.push_screen(self.make_screen(name, **options))

    def action_help(self) -> None:
        from aksio_tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # Textual's "Keys" panel is our Help (which lists every binding with its id, and fits at 80 columns)
        yield from (command for command in super().get_system_commands(screen) if command.title != "Keys")
        yield SystemCommand("Dashboard", "Courses, due cards, streak", lambda: self.action_go("dashboard"))
        yield SystemCommand("Study everything due", "Review all courses' due cards", self._study_all)
        yield SystemCommand("Card browser", "All cards: filter, sort, edit, suspend", lambda: self.action_go("cards"))
        yield SystemCommand(
            "Generate", "Cards and questions from a course's documents", lambda: self.action_go("generate")
        )
        yield SystemCommand("Settings", "Model, scheduling, theme and keys", lambda: self.action_go("settings"))
        yield SystemCommand("Sync now", "Send your changes to your sync server, merge the others'", self.action_sync)
        yield SystemCommand("Help", "Every key binding of this screen", self.action_help)
        for key, title, what in COMING:
            yield SystemCommand(f"{title} (coming)", what, lambda key=key: self.action_go(key))
        extra: Callable[[], Iterable[SystemCommand]] | None = getattr(screen, "screen_commands", None)
        if extra is not None:
            yield from extra()

    def _study_all(self) -> None:
        self.action_go("review", course=None)
