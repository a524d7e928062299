"""Settings: the model (with a connection test), each course's scheduling, the theme and every key.

A field is saved when it is left or submitted (enter), a choice when it is made, to the config file the CLI
uses (`aksio config path`) or, for a course, to the database; the running app uses the new value at once."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from aksio.control_chars import printable
from aksio.errors import AksioError
from aksio_tui.screens.base import AppScreen
from aksio_tui.widgets.key_bar import KeyBar
from aksio_tui.widgets.outside_text import course_label
from aksio_tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from aksio.llm.base import ProviderStatus
    from aksio.models import Course
    from aksio.service import Aksio

PROVIDERS = ("offline", "ollama", "openai")
LLM_FIELDS = {"set-model": "llm.model", "set-base-url": "llm.base_url"}
COURSE_FIELDS = ("set-retention", "set-new-per-day", "set-max-interval")
UNTESTED = "ctrl+t tests the model above"


def binding_catalogue() -> dict[str, tuple[str, str]]:
    """Every binding with an id in the app and its screens and widgets: id -> (default keys, what it does)."""
    import aksio_tui.screens
    import aksio_tui.widgets
    from aksio_tui.app import AksioApp

    classes: list[type[Any]] = [AksioApp]
    for package in (aksio_tui.screens, aksio_tui.widgets):
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            try:
                module = importlib.import_module(info.name)
            except Exception:  # a screen that fails to import lists no keys rather than break settings
                continue
            classes += [c for _, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == module.__name__]
    found: dict[str, tuple[str, str]] = {}
    for cls in classes:
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id and binding.id not in found:
                found[binding.id] = (binding.key, binding.description or binding.action)
    return dict(sorted(found.items()))


class KeysScreen(ModalScreen[str | None]):
    """Ask for the keys of one binding: comma-separated, empty for the default."""

    DEFAULT_CLASSES = "modal"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss", "Cancel", id="keys.cancel")]

    def __init__(self, binding_id: str, keys: str, default: str) -> None:
        super().__init__()
        self.binding_id = binding_id
        self.keys = keys
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text.assemble("Keys for ", (self.binding_id, "bold")))
            yield Static(
                f"comma-separated, e.g. 3,j or ctrl+k; empty: the default ({self.default})"
                " · enter saves · escape cancels",
                classes="dim-note",
            )
            yield Input(self.keys, id="keys-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_dismiss(self, result: Any = None) -> None:  # type: ignore[override]
        self.dismiss(None)


class SettingsScreen(AppScreen):
    DEFAULT_CSS = """
    SettingsScreen #set-form { padding: 0 1; }
    SettingsScreen .set-title { text-style: bold; color: $primary; margin-top: 1; }
    SettingsScreen .set-row { height: auto; }
    SettingsScreen .set-row Label { width: 14; }
    SettingsScreen .set-row Select { width: 1fr; max-width: 40; }
    SettingsScreen .set-row Input { width: 1fr; }
    SettingsScreen .set-row .set-short { width: 8; margin-right: 2; }
    SettingsScreen .set-row .set-mid { width: auto; margin-right: 1; }
    SettingsScreen #set-test { margin-right: 2; }
    SettingsScreen #set-llm-status { width: 1fr; height: auto; color: $text-muted; }
    SettingsScreen #set-keys { height: 1fr; min-height: 14; }
    SettingsScreen #set-status { height: 1; padding: 0 1; color: $text-muted; }
    SettingsScreen .set-hint { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "test", "Test connection", id="settings.test"),
        Binding("ctrl+s", "save", "Save", id="settings.save"),
        Binding("escape", "back", "Back", id="settings.back"),
    ]

    class Loaded(Message):
        def __init__(self, courses: list[Course]) -> None:
            super().__init__()
            self.courses = courses

    class Saved(Message):
        """A setting was written: ``where`` is the config file, or the course."""

        def __init__(self, key: str, value: Any, where: str) -> None:
            super().__init__()
            self.key = key
            self.value = value
            self.where = where

    class CourseSaved(Message):
        def __init__(self, course: Course) -> None:
            super().__init__()
            self.course = course

    class KeymapSaved(Message):
        def __init__(self, keymap: dict[str, str], path: str) -> None:
            super().__init__()
            self.keymap = keymap
            self.path = path

    class Status(Message):
        def __init__(self, status: ProviderStatus) -> None:
            super().__init__()
            self.status = status

    class TestFailed(Message):
        """The test could not be run (e.g. no model chosen): why, in words."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(self) -> None:
        super().__init__()
        self.courses: dict[str, Course] = {}
        self.course_id: str | None = None
        self.catalogue: dict[str, tuple[str, str]] = {}

    @property
    def aksio(self) -> Aksio:
        """The facade, for reading settings already in memory (writes go through workers)."""
        return self.aksio_app.core.aksio

    def compose(self) -> ComposeResult:
        settings = self.aksio.settings
        yield TitleBar()
        yield Static("changes are saved as you leave a field or press enter", id="set-status")
        with VerticalScroll(id="set-form"):
            yield Static("Model for generation", classes="set-title")
            with Horizontal(classes="set-row"):
                yield Label("Provider")
                yield Select[str](
                    [(p, p) for p in PROVIDERS],
                    value=settings.llm.provider,
                    allow_blank=False,
                    id="set-provider",
                    compact=True,
                )
            with Horizontal(classes="set-row"):
                yield Label("Model")
                yield Input(
                    settings.llm.model, placeholder="e.g. llama3.1 or gpt-4o-mini", id="set-model", compact=True
                )
            with Horizontal(classes="set-row"):
                yield Label("Base URL")
                yield Input(
                    settings.llm.base_url,
                    placeholder="empty: 127.0.0.1:11434 (ollama) or api.openai.com",
                    id="set-base-url",
                    compact=True,
                )
            with Horizontal(classes="set-row"):
                yield Button("Test connection", id="set-test", compact=True)
                yield Static(UNTESTED, id="set-llm-status")
            yield Static("Scheduling of a course", classes="set-title")
            with Horizontal(classes="set-row"):
                yield Label("Course")
                yield Select[str]([], prompt="no courses yet", id="set-course", compact=True)
            with Horizontal(classes="set-row"):
                yield Label("Retention")
                yield Input("", type="number", id="set-retention", classes="set-short", compact=True)
                yield Label("New per day", classes="set-mid")
                yield Input("", type="integer", id="set-new-per-day", classes="set-short", compact=True)
                yield Label("Max interval", classes="set-mid")
                yield Input("", type="integer", id="set-max-interval", classes="set-short", compact=True)
                yield Label("days", classes="set-mid")
            yield Static("Look", classes="set-title")
            with Horizontal(classes="set-row"):
                yield Label("Theme")
                themes = sorted(self.app.available_themes)
                yield Select[str](
                    [(t, t) for t in themes], value=self.app.theme, allow_blank=False, id="set-theme", compact=True
                )
            yield Static("Keys", classes="set-title")
            yield Static("enter changes the keys of a row; an empty answer restores the default", classes="set-hint")
            yield DataTable(id="set-keys", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = "settings"
        table = self.query_one("#set-keys", DataTable)
        table.add_column("id", key="id")
        table.add_column("keys", key="keys")
        table.add_column("does", key="does")
        self.catalogue = binding_catalogue()
        self._fill_keys()
        self._course_inputs_enabled(False)
        self.query_one("#set-provider").focus()  # the first field, not the scrolling form around it
        self.load()

    # -- workers --------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="settings-load")
    def load(self) -> None:
        self.post_message(self.Loaded(self.aksio_app.call_core(lambda a: a.courses())))

    @work(thread=True, exit_on_error=False, group="settings-save")
    def save_value(self, key: str, raw: str) -> None:
        """Write one key of the config file and use it in the running app."""

        def step(a: Aksio) -> Any:
            from aksio.config import set_value

            value = set_value(a.paths, key, raw)
            group, name = key.split(".")
            setattr(getattr(a.settings, group), name, value)
            return value

        value = self.aksio_app.call_core(step)
        self.post_message(self.Saved(key, value, str(self.aksio.paths.config_file)))

    @work(thread=True, exit_on_error=False, group="settings-save")
    def save_course(self, course_id: str, changes: dict[str, Any]) -> None:
        self.post_message(self.CourseSaved(self.aksio_app.call_core(lambda a: a.edit_course(course_id, **changes))))

    @work(thread=True, exit_on_error=False, group="settings-save")
    def save_keymap(self, keymap: dict[str, str]) -> None:
        def step(a: Aksio) -> dict[str, str]:
            from aksio.config_edit import set_keymap

            written = set_keymap(a.paths, keymap)
            a.settings.tui.keymap = written
            return written

        self.post_message(self.KeymapSaved(self.aksio_app.call_core(step), str(self.aksio.paths.config_file)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="settings-test")
    def test_connection(self, provider: str, model: str, base_url: str) -> None:
        def step(a: Aksio) -> ProviderStatus:
            from aksio.config import set_value

            # the test uses what is on screen, so what is on screen is saved first
            for key, raw in (("llm.provider", provider), ("llm.model", model), ("llm.base_url", base_url)):
                group, name = key.split(".")
                if getattr(getattr(a.settings, group), name) != raw:
                    setattr(getattr(a.settings, group), name, set_value(a.paths, key, raw))
            return a.llm_status()

        try:  # the reason goes beside the button, where the student is looking, not into a notification
            status = self.aksio_app.core(step)
        except AksioError as exc:
            self.post_message(self.TestFailed(str(exc)))
            return
        self.post_message(self.Status(status))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "settings-test" and event.state == WorkerState.ERROR:
            self.post_message(self.TestFailed(f"the test stopped: {event.worker.error}"))

    # -- the model ------------------------------------------------------------------------------------

    def _llm_value(self, key: str) -> str:
        return str(getattr(self.aksio.settings.llm, key.split(".")[1]))

    def _save_input(self, input_id: str) -> None:
        if input_id in LLM_FIELDS:
            key = LLM_FIELDS[input_id]
            value = self.query_one(f"#{input_id}", Input).value.strip()
            if value != self._llm_value(key):
                self._untested()
                self.save_value(key, value)
        elif input_id in COURSE_FIELDS:
            self._save_course()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id:
            self._save_input(event.input.id)

    def on_input_blurred(self, event: Input.Blurred) -> None:
        if event.input.id and self.is_attached:
            self._save_input(event.input.id)

    def on_select_changed(self, event: Select.Changed) -> None:
        if not isinstance(event.value, str):
            return
        if event.select.id == "set-provider" and event.value != self.aksio.settings.llm.provider:
            self._untested()
            self.save_value("llm.provider", event.value)
        elif event.select.id == "set-theme" and event.value != self.aksio.settings.tui.theme:
            self.app.theme = event.value  # at once; the file follows
            self.save_value("tui.theme", event.value)
        elif event.select.id == "set-course":
            self.course_id = event.value
            self._show_course()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "set-test":
            self.action_test()

    def action_test(self) -> None:
        provider = self.query_one("#set-provider", Select).value
        self.query_one("#set-llm-status", Static).update(Text("testing…", style="italic"))
        self.test_connection(
            str(provider),
            self.query_one("#set-model", Input).value.strip(),
            self.query_one("#set-base-url", Input).value.strip(),
        )

    def _untested(self) -> None:
        """The model changed: an earlier test's answer no longer says anything about it."""
        self.query_one("#set-llm-status", Static).update(UNTESTED)

    def on_settings_screen_test_failed(self, message: TestFailed) -> None:
        self.query_one("#set-llm-status", Static).update(Text.assemble(("✗ ", "bold red"), printable(message.reason)))

    def on_settings_screen_status(self, message: Status) -> None:
        status = message.status
        good = status.reachable and status.model_available is not False
        line = Text("✓ " if good else "✗ ", style="bold green" if good else "bold red")
        line.append(printable(status.message))  # the server's words
        self.query_one("#set-llm-status", Static).update(line)

    def on_settings_screen_saved(self, message: Saved) -> None:
        saved = f"saved {message.key} = {message.value!r} in {message.where}"
        self.query_one("#set-status", Static).update(Text(printable(saved, lines=False)))

    def action_save(self) -> None:
        for input_id in (*LLM_FIELDS, "set-retention"):
            self._save_input(input_id)

    def action_back(self) -> None:
        self.action_save()
        self.app.pop_screen()

    # -- courses --------------------------------------------------------------------------------------

    def on_settings_screen_loaded(self, message: Loaded) -> None:
        self.courses = {c.id: c for c in message.courses}
        select = cast("Select[str]", self.query_one("#set-course", Select))
        select.set_options([(course_label(c), c.id) for c in message.courses])
        if message.courses:
            chosen = self.aksio_app.course_ref
            select.value = next(
                (c.id for c in message.courses if chosen is not None and chosen in (c.id, c.name, c.code)),
                message.courses[0].id,  # no course named: the first, not the first without a code (None == None)
            )

    def _course_inputs_enabled(self, enabled: bool) -> None:
        for input_id in COURSE_FIELDS:
            self.query_one(f"#{input_id}", Input).disabled = not enabled

    def _show_course(self) -> None:
        course = self.courses.get(self.course_id or "")
        self._course_inputs_enabled(course is not None)
        if course is None:
            return
        self.query_one("#set-retention", Input).value = f"{course.desired_retention:g}"
        self.query_one("#set-new-per-day", Input).value = str(course.daily_new_limit)
        self.query_one("#set-max-interval", Input).value = str(course.srs.maximum_interval)

    def _save_course(self) -> None:
        course = self.courses.get(self.course_id or "")
        if course is None:
            return
        try:
            retention = float(self.query_one("#set-retention", Input).value)
            new_per_day = int(self.query_one("#set-new-per-day", Input).value)
            max_interval = int(self.query_one("#set-max-interval", Input).value)
        except ValueError:
            self.notify("retention is a number like 0.9; new per day and max interval are whole numbers", timeout=6)
            return
        changes: dict[str, Any] = {}
        if retention != course.desired_retention:
            changes["desired_retention"] = retention
        if new_per_day != course.daily_new_limit:
            changes["daily_new_limit"] = new_per_day
        if max_interval != course.srs.maximum_interval:
            changes["scheduling"] = {"maximum_interval": max_interval}
        if changes:
            self.save_course(course.id, changes)

    def on_settings_screen_course_saved(self, message: CourseSaved) -> None:
        course = message.course
        self.courses[course.id] = course
        if course.id == self.course_id:
            self._show_course()
        saved = (
            f"saved {course.name}: retention {course.desired_retention:g}, {course.daily_new_limit} new per day, "
            f"intervals up to {course.srs.maximum_interval} days"
        )
        self.query_one("#set-status", Static).update(Text(printable(saved, lines=False)))

    # -- keys -----------------------------------------------------------------------------------------

    def _fill_keys(self) -> None:
        keymap = self.aksio.settings.tui.keymap
        table = self.query_one("#set-keys", DataTable)
        row = table.cursor_row
        table.clear()
        for binding_id, (default, does) in self.catalogue.items():
            keys = keymap.get(binding_id)
            shown = Text(printable(keys), style="bold") if keys else Text(default)
            table.add_row(binding_id, shown, does, key=binding_id)
        for binding_id, keys in keymap.items():  # remapped ids no screen knows (yet): shown, so they can go
            if binding_id not in self.catalogue:
                # the config file's words: text, not markup
                shown = Text(printable(keys), style="bold")
                table.add_row(Text(printable(binding_id)), shown, "(no such key binding)", key=binding_id)
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "set-keys" or event.row_key.value is None:
            return
        event.stop()
        binding_id = str(event.row_key.value)
        default = self.catalogue.get(binding_id, ("", ""))[0]
        current = self.aksio.settings.tui.keymap.get(binding_id, default)

        def chosen(keys: str | None) -> None:
            if keys is None:
                return
            keymap = dict(self.aksio.settings.tui.keymap)
            normal = ",".join(k.strip() for k in keys.split(",") if k.strip())
            if not normal or normal == default:
                keymap.pop(binding_id, None)
            else:
                keymap[binding_id] = normal
            self.save_keymap(keymap)

        self.app.push_screen(KeysScreen(binding_id, current, default), chosen)

    def on_settings_screen_keymap_saved(self, message: KeymapSaved) -> None:
        self.app.set_keymap(dict(message.keymap))
        self._fill_keys()
        self.query_one("#set-status", Static).update(Text(printable(f"saved the keys in {message.path}", lines=False)))
