"""Settings: a TOML file in the config dir, overridden by ``AKSIO_*`` environment variables.

``AKSIO_HOME`` (or ``--home``) moves the whole data dir, config file included, somewhere else:
tests, scripts and several profiles use it.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aksio.errors import ConfigError

APP = "aksio"


class IngestSettings(BaseModel):
    chunk_chars: int = Field(1200, ge=200, le=20000, description="target size of a search chunk, in characters")


class SearchSettings(BaseModel):
    limit: int = Field(10, ge=1, le=1000, description="hits shown by `aksio search` by default")


class StudySettings(BaseModel):
    day_starts_at: int = Field(4, ge=0, le=23, description="hour (local time) at which a new study day begins")
    new_per_day: int = Field(200, ge=0, le=10000, description="new cards per day over all courses")
    learn_ahead_minutes: int = Field(20, ge=0, le=1440, description="show learning steps this early when idle")
    leech_threshold: int = Field(8, ge=1, le=100, description="lapses after which a card is a leech")
    leech_suspend: bool = Field(False, description="suspend a card when it becomes a leech")


class LLMSettings(BaseModel):
    provider: Literal["offline", "ollama", "openai"] = Field(
        "offline", description="offline (no model), ollama, or openai (any OpenAI-compatible server)"
    )
    model: str = Field("", description="model name, e.g. llama3.1:8b or gpt-4o-mini (offline ignores it)")
    base_url: str = Field("", description="server URL; empty = http://127.0.0.1:11434 (ollama) or api.openai.com")
    api_key_env: str = Field(
        "AKSIO_LLM_API_KEY", description="name of the environment variable holding the API key (the key is not stored)"
    )
    api_key: str = Field("", description="the API key itself; only if you ask for it to be stored in this file")
    timeout: float = Field(120.0, gt=0, le=3600, description="seconds to wait for one answer")
    concurrency: int = Field(2, ge=1, le=64, description="model calls in flight at once")
    max_retries: int = Field(3, ge=0, le=10, description="retries on timeouts, 429 and 503, with backoff")
    num_ctx: int = Field(8192, ge=512, le=1048576, description="context window asked of Ollama (options.num_ctx)")
    keep_alive: str = Field("10m", description="how long Ollama keeps the model loaded after a call")

    def resolved_api_key(self) -> str:
        """The key to send: the one stored here if the user asked for that, else the named environment variable's."""
        return self.api_key or os.environ.get(self.api_key_env, "")


class TUISettings(BaseModel):
    theme: str = Field("aksio-dark", description="colour theme of the terminal app (Textual's, or aksio-dark/light)")
    keymap: dict[str, str] = Field(
        default_factory=dict,
        description='binding id -> keys, e.g. {"review.again" = "1,j"}; `?` in the app lists the ids',
    )


class Settings(BaseModel):
    """Every setting, with its default. Nested keys are written ``section.key`` on the command line."""

    model_config = ConfigDict(extra="forbid")

    device_name: str = Field("", description="name of this device, shown in sync")
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    study: StudySettings = Field(default_factory=StudySettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    tui: TUISettings = Field(default_factory=TUISettings)


ENV_PREFIX = "AKSIO_"


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """Settings given in the environment: ``AKSIO_<SECTION>__<KEY>`` (any case), e.g. ``AKSIO_LLM__MODEL``, or a
    top-level key. A section, or a key holding a table (``tui.keymap``), takes a JSON object. Other ``AKSIO_``
    variables (``AKSIO_HOME``, an API key's) are not settings and are left alone."""
    out: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.upper().startswith(ENV_PREFIX):
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        field = Settings.model_fields.get(path[0])
        if field is None or (len(path) > 1 and not _is_section(field.annotation)) or len(path) > 2:
            continue
        if len(path) == 2:
            assert isinstance(field.annotation, type)
            inner = field.annotation.model_fields.get(path[1])
            if inner is None:
                continue
            value = _json_if(raw, inner.annotation, name)
            out.setdefault(path[0], {})[path[1]] = value
        else:
            out[path[0]] = _json_if(raw, field.annotation, name)
    return out


def _is_section(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _json_if(raw: str, annotation: Any, name: str) -> Any:
    """A table-valued setting's text parsed as JSON; any other value as typed (validated with the rest)."""
    if not (_is_section(annotation) or getattr(annotation, "__origin__", None) is dict):
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
    try:
        return Settings.model_validate(_merged(data, env_overrides(os.environ)))
    except ValidationError as exc:
        raise ConfigError(f"{paths.config_file}: {_first_error(exc)}") from None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])


def settings_as_dict(settings: Settings) -> dict[str, Any]:
    return settings.model_dump(mode="json")


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
    known = settings_as_dict(Settings.model_construct())
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
        validated = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{key}: {_first_error(exc).split(': ', 1)[-1]}") from None
    value: Any = settings_as_dict(validated)
    for part in parts:
        value = value[part]
    target[parts[-1]] = value  # store the typed value, not the string typed on the command line
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = paths.config_file.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    tmp.replace(paths.config_file)
    return value
