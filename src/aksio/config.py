"""Settings: a TOML file in the config dir, overridden by ``AKSIO_*`` environment variables.

``AKSIO_HOME`` (or ``--home``) moves the whole data dir, config file included, somewhere else:
tests, scripts and several profiles use it.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from msgspec import Meta, field

from aksio.errors import ConfigError
from aksio.records import Invalid, Record, bounds, field_types, is_record, plain, validated

if TYPE_CHECKING:
    from tomlkit import TOMLDocument

APP = "aksio"


def setting(doc: str, *, ge: float | None = None, le: float | None = None, gt: float | None = None) -> Meta:
    """What a settings field is, and its bounds: ``name: Annotated[int, setting("...", ge=1)] = 10``."""
    return bounds(ge=ge, le=le, gt=gt, doc=doc)


class IngestSettings(Record, kw_only=True):
    chunk_chars: Annotated[int, setting("target size of a search chunk, in characters", ge=200, le=20000)] = 1200


class SearchSettings(Record, kw_only=True):
    limit: Annotated[int, setting("hits shown by a search by default", ge=1, le=1000)] = 10


class StudySettings(Record, kw_only=True):
    day_starts_at: Annotated[int, setting("hour (local time) at which a new study day begins", ge=0, le=23)] = 4
    new_per_day: Annotated[int, setting("new cards per day over all courses", ge=0, le=10000)] = 200
    learn_ahead_minutes: Annotated[int, setting("show learning steps this early when idle", ge=0, le=1440)] = 20
    leech_threshold: Annotated[int, setting("lapses after which a card is a leech", ge=1, le=100)] = 8
    # suspend a card when it becomes a leech
    leech_suspend: bool = False


class LLMSettings(Record, kw_only=True):
    # offline (no model), ollama, or openai (any OpenAI-compatible server)
    provider: Literal["offline", "ollama", "openai"] = "offline"
    # model name, e.g. llama3.1:8b or gpt-4o-mini (offline ignores it)
    model: str = ""
    # server URL; empty = http://127.0.0.1:11434 (ollama) or api.openai.com
    base_url: str = ""
    # name of the environment variable holding the API key (the key is not stored)
    api_key_env: str = "AKSIO_LLM_API_KEY"
    # the API key itself; only if you ask for it to be stored in this file
    api_key: str = ""
    timeout: Annotated[float, setting("seconds for one whole answer, however slowly it comes", gt=0, le=3600)] = 120.0
    concurrency: Annotated[int, setting("model calls in flight at once", ge=1, le=64)] = 2
    max_retries: Annotated[int, setting("retries on timeouts, 429 and 503, with backoff", ge=0, le=10)] = 3
    num_ctx: Annotated[int, setting("context window asked of Ollama (options.num_ctx)", ge=512, le=1048576)] = 8192
    # how long Ollama keeps the model loaded after a call
    keep_alive: str = "10m"

    def resolved_api_key(self) -> str:
        """The key to send: the one stored here if the user asked for that, else the named environment variable's."""
        return self.api_key or os.environ.get(self.api_key_env, "")


class GenerateSettings(Record, kw_only=True):
    # generated cards wait out of study until accepted (`aksio card accept`, or the app's generate screen)
    hold: bool = True


class TUISettings(Record, kw_only=True):
    # colour theme of the terminal app (Textual's, or aksio-dark/light)
    theme: str = "aksio-dark"
    # binding id -> keys, e.g. {"review.again" = "1,j"}; `?` in the app lists the ids
    keymap: dict[str, str] = field(default_factory=dict)


class Settings(Record, kw_only=True):
    """Every setting, with its default. Nested keys are written ``section.key`` on the command line."""

    # name of this device, shown in sync
    device_name: str = ""
    ingest: IngestSettings = field(default_factory=IngestSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    study: StudySettings = field(default_factory=StudySettings)
    llm: LLMSettings = field(default_factory=LLMSettings)
    generate: GenerateSettings = field(default_factory=GenerateSettings)
    tui: TUISettings = field(default_factory=TUISettings)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Settings:
        """Settings from parsed TOML (and environment values as text); unknown top-level keys are refused."""
        return validated(cls, data, forbid_extra=True)


ENV_PREFIX = "AKSIO_"


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """Settings given in the environment: ``AKSIO_<SECTION>__<KEY>`` (any case), e.g. ``AKSIO_LLM__MODEL``, or a
    top-level key. A section, or a key holding a table (``tui.keymap``), takes a JSON object. Other ``AKSIO_``
    variables (``AKSIO_HOME``, an API key's) are not settings and are left alone."""
    out: dict[str, Any] = {}
    sections = field_types(Settings)
    for name, raw in environ.items():
        if not name.upper().startswith(ENV_PREFIX):
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        kind = sections.get(path[0])
        if kind is None or (len(path) > 1 and not is_record(kind)) or len(path) > 2:
            continue
        if len(path) == 2:
            inner = field_types(kind).get(path[1])
            if inner is None:
                continue
            out.setdefault(path[0], {})[path[1]] = _json_if(raw, inner, name)
        else:
            out[path[0]] = _json_if(raw, kind, name)
    return out


def _json_if(raw: str, kind: Any, name: str) -> Any:
    """A table-valued setting's text parsed as JSON; any other value as typed (validated with the rest)."""
    if not (is_record(kind) or getattr(kind, "__origin__", None) is dict):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise ConfigError(f'{name}: expected a JSON object, e.g. {{"key": "value"}}') from None


def _merged(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``, section by section."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


class Paths:
    """Where Aksio keeps things. With a home dir everything lives under it."""

    def __init__(self, home: Path | None = None) -> None:
        home = home or _env_home()
        if home is not None:
            self.home = home.expanduser().resolve()
            self.config_file = self.home / "config.toml"
        else:
            import platformdirs

            self.home = Path(platformdirs.user_data_dir(APP, appauthor=False))
            self.config_file = Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"
        override = os.environ.get("AKSIO_CONFIG")
        if override:
            self.config_file = Path(override).expanduser()

    @property
    def database(self) -> Path:
        return self.home / "aksio.db"

    @property
    def blobs(self) -> Path:
        return self.home / "blobs"


def _env_home() -> Path | None:
    value = os.environ.get("AKSIO_HOME")
    return Path(value) if value else None


def load_settings(paths: Paths) -> Settings:
    """Read the config file and the environment (which wins); a bad value is a one-line ``ConfigError``."""
    try:
        data = tomllib.loads(_config_text(paths))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{paths.config_file}: not valid TOML ({exc})") from None
    if not data and not any(name.upper().startswith(ENV_PREFIX) for name in os.environ):
        return Settings()  # nothing to check (the defaults are)
    try:
        return Settings.from_data(_merged(data, env_overrides(os.environ)))
    except Invalid as exc:
        raise ConfigError(f"{paths.config_file}: {exc}") from None


def settings_as_dict(settings: Settings) -> dict[str, Any]:
    out: dict[str, Any] = plain(settings)
    return out


def _config_text(paths: Paths) -> str:
    """The config file's text; empty when there is none."""
    if not paths.config_file.exists():
        return ""
    try:
        return paths.config_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{paths.config_file}: not valid TOML ({exc})") from None


def edit_config_file(paths: Paths, change: Callable[[TOMLDocument], None]) -> Settings:
    """Make ``change`` to the config file's TOML document and write the file again if the settings it then holds
    are valid (else ``Invalid`` escapes and nothing is written). The document is tomlkit's, edited in place: the
    user's comments, blank lines, key order and other tables stay as they were. Returns the settings written."""
    import tomlkit  # only on a write: reading needs tomllib alone
    from tomlkit.exceptions import TOMLKitError

    from aksio.atomic import write_atomic

    try:
        document = tomlkit.parse(_config_text(paths))
    except TOMLKitError as exc:
        raise ConfigError(f"{paths.config_file}: not valid TOML ({exc})") from None
    change(document)
    text = tomlkit.dumps(document)
    written = Settings.from_data(tomllib.loads(text))  # read back as load_settings will read it
    folder = paths.config_file.parent
    folder.mkdir(parents=True, exist_ok=True)
    # keep its mode: the file may hold an API key the user made private
    mode = paths.config_file.stat().st_mode & 0o7777 if paths.config_file.exists() else None
    write_atomic(
        paths.config_file,
        lambda out: out.write(text.encode("utf-8")),
        prefix=".config-",
        suffix=".toml.tmp",
        durable=True,
        mode=mode,
    )
    return written


def set_value(paths: Paths, key: str, raw: str) -> Any:
    """Validate ``key = raw`` against the settings model and write it to the config file. Returns the value."""
    parts = key.split(".")
    node: Any = settings_as_dict(Settings())
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(f"unknown setting {key!r}", cli_hint="see `aksio config show` for the keys")
        node = node[part]
    if isinstance(node, dict):
        if not node:  # tui.keymap: keys of the user's choosing
            raise ConfigError(f"{key!r} is a table; edit it in the config file or in the app's settings")
        raise ConfigError(f"{key!r} is a group of settings; set one of its keys, e.g. {key}.{next(iter(node))}")

    def change(document: TOMLDocument) -> None:
        table: Any = document
        for part in parts[:-1]:
            if part not in table:
                table[part] = {}
            table = table[part]
            if not isinstance(table, MutableMapping):
                raise ConfigError(f"{paths.config_file}: {part} is not a table")
        table[parts[-1]] = raw
        # stored as the model reads it (25, true), not as the string typed on the command line
        table[parts[-1]] = _at(settings_as_dict(Settings.from_data(document.unwrap())), parts)

    try:
        written = edit_config_file(paths, change)
    except Invalid as exc:
        raise ConfigError(f"{exc.where or key}: {exc.msg}") from None
    return _at(settings_as_dict(written), parts)


def _at(data: dict[str, Any], path: list[str]) -> Any:
    for part in path:
        data = data[part]
    return data
