"""The settings screen writes the config file the CLI reads, changes a course's scheduling, switches the theme
and remaps keys, and the running app uses each change at once."""

from __future__ import annotations

import socket
import tomllib
from typing import Any

from textual.widgets import DataTable, Input, Select

from aksio.config import load_settings
from aksio.service import Aksio
from aksio_tui.app import AksioApp
from aksio_tui.screens.dashboard import DashboardScreen
from aksio_tui.screens.review import ReviewScreen
from aksio_tui.screens.settings import KeysScreen, SettingsScreen
from tests.tui.test_app import run, settle, text_of


def _config(core: Aksio) -> dict[str, Any]:
    return tomllib.loads(core.paths.config_file.read_text(encoding="utf-8"))


def _screen(app: AksioApp) -> SettingsScreen:
    assert isinstance(app.screen, SettingsScreen)
    return app.screen


async def _type_into(pilot: Any, field: Input, text: str) -> None:
    field.focus()
    field.value = ""
    await pilot.press(*text, "enter")
    await settle(pilot)


async def _edit_key(pilot: Any, app: AksioApp, binding_id: str) -> tuple[SettingsScreen, DataTable[Any]]:
    """Open the key editor on ``binding_id``'s row of the settings' key table: (the screen, the table)."""
    screen = _screen(app)
    table = screen.query_one("#set-keys", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(binding_id))
    await pilot.press("enter")
    await pilot.pause()
    return screen, table


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_model_settings_are_written_to_the_config_file(core: Aksio) -> None:
    app = AksioApp(core)

    async def flow(pilot: Any) -> None:
        await pilot.press("comma")
        await settle(pilot)
        screen = _screen(app)
        await _type_into(pilot, screen.query_one("#set-model", Input), "llama3.1")
        screen.query_one("#set-provider", Select).value = "ollama"
        await settle(pilot)
        assert "saved llm.provider = 'ollama'" in text_of(app, "#set-status")

    run(app, flow)
    assert _config(core)["llm"] == {"model": "llama3.1", "provider": "ollama"}
    assert core.settings.llm.model == "llama3.1" and core.settings.llm.provider == "ollama"  # in use at once
    reread = load_settings(core.paths)  # what the CLI will read
    assert reread.llm.model == "llama3.1" and reread.llm.provider == "ollama"


def test_leaving_a_field_saves_it(core: Aksio) -> None:
    app = AksioApp(core, start="settings")

    async def flow(pilot: Any) -> None:
        screen = _screen(app)
        base_url = screen.query_one("#set-base-url", Input)
        base_url.focus()
        await pilot.press(*"http://127.0.0.1:8080")
        await pilot.press("tab")
        await settle(pilot)

    run(app, flow)
    assert _config(core)["llm"] == {"base_url": "http://127.0.0.1:8080"}


def test_a_course_s_scheduling_is_changed(core: Aksio) -> None:
    app = AksioApp(core, course="Biology", start="settings")

    async def flow(pilot: Any) -> None:
        screen = _screen(app)
        assert screen.query_one("#set-course", Select).value == core.course("Biology").id
        assert screen.query_one("#set-retention", Input).value == "0.9"
        screen.query_one("#set-new-per-day", Input).value = "30"
        screen.query_one("#set-max-interval", Input).value = "365"
        await _type_into(pilot, screen.query_one("#set-retention", Input), "0.85")
        assert "retention 0.85, 30 new per day, intervals up to 365 days" in text_of(app, "#set-status")

    run(app, flow)
    biology = core.course("Biology")
    assert (biology.desired_retention, biology.daily_new_limit, biology.srs.maximum_interval) == (0.85, 30, 365)


def test_a_value_the_core_refuses_is_a_notification(core: Aksio) -> None:
    app = AksioApp(core, course="Biology", start="settings")

    async def flow(pilot: Any) -> None:
        screen = _screen(app)
        await _type_into(pilot, screen.query_one("#set-retention", Input), "0.5")
        assert app.is_running
        assert any("between 0.70 and 0.99" in n.message for n in app._notifications)

    run(app, flow)
    assert core.course("Biology").desired_retention == 0.9


def test_the_theme_changes_at_once_and_is_saved(core: Aksio) -> None:
    app = AksioApp(core, start="settings")

    async def flow(pilot: Any) -> None:
        screen = _screen(app)
        assert app.theme == "aksio-dark"
        screen.query_one("#set-theme", Select).value = "aksio-light"
        await settle(pilot)
        assert app.theme == "aksio-light"

    run(app, flow)
    assert _config(core)["tui"] == {"theme": "aksio-light"}
    assert core.settings.tui.theme == "aksio-light"


def test_a_remapped_key_is_saved_and_works_at_once(core: Aksio) -> None:
    app = AksioApp(core, start="settings")

    async def flow(pilot: Any) -> None:
        screen, table = await _edit_key(pilot, app, "dashboard.study_all")
        assert isinstance(app.screen, KeysScreen)
        field = app.screen.query_one(Input)
        assert field.value == "s"
        field.value = ""
        await pilot.press("x", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert str(table.get_cell("dashboard.study_all", "keys")) == "x"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("s")  # the old key does nothing now
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)

    run(app, flow)
    assert _config(core)["tui"]["keymap"] == {"dashboard.study_all": "x"}
    assert load_settings(core.paths).tui.keymap == {"dashboard.study_all": "x"}


def test_an_empty_answer_restores_the_default_key(core: Aksio) -> None:
    core.settings.tui.keymap = {"dashboard.study_all": "x"}
    app = AksioApp(core, start="settings")

    async def flow(pilot: Any) -> None:
        _, table = await _edit_key(pilot, app, "dashboard.study_all")
        app.screen.query_one(Input).value = ""
        await pilot.press("enter")
        await settle(pilot)
        assert str(table.get_cell("dashboard.study_all", "keys")) == "s"

    run(app, flow)
    assert "keymap" not in _config(core).get("tui", {})
    assert core.settings.tui.keymap == {}


def test_testing_an_unreachable_server_says_so(core: Aksio) -> None:
    app = AksioApp(core, start="settings")
    url = f"http://127.0.0.1:{_closed_port()}"

    async def flow(pilot: Any) -> None:
        screen = _screen(app)
        screen.query_one("#set-provider", Select).value = "ollama"
        screen.query_one("#set-model", Input).value = "llama3.1"
        screen.query_one("#set-base-url", Input).value = url
        await pilot.press("ctrl+t")
        await settle(pilot)
        status = text_of(app, "#set-llm-status")
        assert status.startswith("✗") and f"cannot reach Ollama at {url}" in status

    run(app, flow)
    assert _config(core)["llm"] == {"provider": "ollama", "model": "llama3.1", "base_url": url}  # tested = saved


def test_testing_the_offline_generator_needs_no_model(core: Aksio) -> None:
    app = AksioApp(core, start="settings")

    async def flow(pilot: Any) -> None:
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert text_of(app, "#set-llm-status") == "✓ offline generator: no model needed"

    run(app, flow)
    assert not core.paths.config_file.exists()  # nothing changed, nothing written


def test_a_test_that_cannot_run_says_why_beside_the_button(core: Aksio) -> None:
    app = AksioApp(core, start="settings")

    async def flow(pilot: Any) -> None:
        screen = _screen(app)
        screen.query_one("#set-provider", Select).value = "ollama"  # and no model chosen
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        status = text_of(app, "#set-llm-status")
        assert status.startswith("✗ ") and "no model chosen for ollama" in status  # not "testing…" for ever

    run(app, flow)


def test_changing_the_model_forgets_the_last_test(core: Aksio) -> None:
    app = AksioApp(core, start="settings")

    async def flow(pilot: Any) -> None:
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert text_of(app, "#set-llm-status").startswith("✓ offline generator")
        _screen(app).query_one("#set-provider", Select).value = "ollama"
        await settle(pilot)
        assert text_of(app, "#set-llm-status") == "ctrl+t tests the model above"

    run(app, flow)


def test_the_first_field_has_the_focus_and_enter_opens_it(core: Aksio) -> None:
    app = AksioApp(core, start="settings")

    async def flow(pilot: Any) -> None:
        provider = _screen(app).query_one("#set-provider", Select)
        assert app.focused is provider
        await pilot.press("enter")
        await settle(pilot)
        assert provider.expanded

    run(app, flow)


def test_with_no_course_named_the_first_course_is_shown(core: Aksio) -> None:
    app = AksioApp(core, start="settings")  # Biology (BIO101) first, then Chemistry, which has no code

    async def flow(pilot: Any) -> None:
        assert _screen(app).query_one("#set-course", Select).value == core.course("Biology").id

    run(app, flow)


def test_in_a_tall_terminal_the_keys_take_the_rest_of_the_screen(core: Aksio) -> None:
    app = AksioApp(core, start="settings")

    async def flow(pilot: Any) -> None:
        screen = _screen(app)
        table, form = screen.query_one("#set-keys", DataTable), screen.query_one("#set-form")
        assert table.region.bottom == form.region.bottom  # not 14 rows and blank below them

    run(app, flow, size=(200, 50))
