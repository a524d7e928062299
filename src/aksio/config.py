"""Settings: a TOML file in the config dir, overridden by ``AKSIO_*`` environment variables.

``AKSIO_HOME`` (or ``--home``) moves the whole data dir, config file included, somewhere else:
tests, scripts and several profiles use it.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, is_dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from aksio.errors import ConfigError
from aksio.records import Invalid, field_types, limits, plain, validated

APP = "aksio"
T = TypeVar("T")


def setting(default: T, doc: str, *, ge: float | None = None, le: float | None = None, gt: float | None = None) -> T:
    """A settings field: its default, what it is, and its bounds."""
    return field(default=default, metadata=limits(ge=ge, le=le, gt=gt, doc=doc))


@dataclass(kw_only=True, slots=True)
class IngestSettings:
    chunk_chars: int = setting(1200, "target size of a search chunk, in characters", ge=200, le=20000)


@dataclass(kw_only=True, slots=True)
class SearchSettings:
    limit: int = setting(10, "hits shown by `aksio search` by default", ge=1, le=1000)


@dataclass(kw_only=True, slots=True)
class StudySettings:
    day_starts_at: int = setting(4, "hour (local time) at which a new study day begins", ge=0, le=23)
    new_per_day: int = setting(200, "new cards per day over all courses", ge=0, le=10000)
    learn_ahead_minutes: int = setting(20, "show learning steps this early when idle", ge=0, le=1440)
    leech_threshold: int = setting(8, "lapses after which a card is a leech", ge=1, le=100)
    leech_suspend: bool = setting(False, "suspend a card when it becomes a leech")


@dataclass(kw_only=True, slots=True)
class LLMSettings:
    provider: Literal["offline", "ollama", "openai"] = setting(
        "offline", "offline (no model), ollama, or openai (any OpenAI-compatible server)"
    )
    model: str = setting("", "model name, e.g. llama3.1:8b or gpt-4o-mini (offline ignores it)")
    base_url: str = setting("", "server URL; empty = http://127.0.0.1:11434 (ollama) or api.openai.com")
    api_key_env: str = setting(
        "AKSIO_LLM_API_KEY", "name of the environment variable holding the API key (the key is not stored)"
    )
    api_key: str = setting("", "the API key itself; only if you ask for it to be stored in this file")
    timeout: float = setting(120.0, "seconds to wait for one answer", gt=0, le=3600)
    concurrency: int = setting(2, "model calls in flight at once", ge=1, le=64)
    max_retries: int = setting(3, "retries on timeouts, 429 and 503, with backoff", ge=0, le=10)
    num_ctx: int = setting(8192, "context window asked of Ollama (options.num_ctx)", ge=512, le=1048576)
    keep_alive: str = setting("10m", "how long Ollama keeps the model loaded after a call")

    def resolved_api_key(self) -> str:
        """The key to send: the one stored here if the user asked for that, else the named environment variable's."""
        return self.api_key or os.environ.get(self.api_key_env, "")


@dataclass(kw_only=True, slots=True)
class TUISettings:
    theme: str = setting("aksio-dark", "colour theme of the terminal app (Textual's, or aksio-dark/light)")
    keymap: dict[str, str] = field(
        default_factory=dict,
        metadata=limits(doc='binding id -> keys, e.g. {"review.again" = "1,j"}; `?` in the app lists the ids'),
    )


@dataclass(kw_only=True, slots=True)
class Settings:
    """Every setting, with its default. Nested keys are written ``section.key`` on the command line."""

    device_name: str = setting("", "name of this device, shown in sync")
    ingest: IngestSettings = field(default_factory=IngestSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    study: StudySettings = field(default_factory=StudySettings)
    llm: LLMSettings = field(default_factory=LLMSettings)
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
        if kind is None or (len(path) > 1 and not is_dataclass(kind)) or len(path) > 2:
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
    if not (is_dataclass(kind) or getattr(kind, "__origin__", None) is dict):
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
    data: dict[str, Any] = {}
    if paths.config_file.exists():
        try:
            data = tomllib.loads(paths.config_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
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


def set_value(paths: Paths, key: str, raw: str) -> Any:
    """Validate ``key = raw`` against the settings model and write it to the config file. Returns the value."""
    import tomli_w

    parts = key.split(".")
    data: dict[str, Any] = {}
    if paths.config_file.exists():
        try:
            data = tomllib.loads(paths.config_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{paths.config_file}: not valid TOML ({exc})") from None
    known = settings_as_dict(Settings())
    node: Any = known
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(f"unknown setting {key!r}; see `aksio config show` for the keys")
        node = node[part]
    if isinstance(node, dict):
        raise ConfigError(f"{key!r} is a group of settings; set one of its keys, e.g. {key}.{next(iter(node))}")
    target = data
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = raw
    try:
        checked = Settings.from_data(data)
    except Invalid as exc:
        raise ConfigError(f"{key}: {exc.msg}") from None
    value: Any = settings_as_dict(checked)
    for part in parts:
        value = value[part]
    target[parts[-1]] = value  # store the typed value, not the string typed on the command line
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = paths.config_file.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    tmp.replace(paths.config_file)
    return value
