"""Edits of the config file that ``config.set_value`` (one scalar key) does not make: the ``[tui.keymap]`` table."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aksio.config import Settings
from aksio.errors import ConfigError
from aksio.records import Invalid

if TYPE_CHECKING:
    from aksio.config import Paths


def set_keymap(paths: Paths, keymap: Mapping[str, str]) -> dict[str, str]:
    """Write ``keymap`` (binding id -> keys, e.g. ``"review.good" = "3,j"``) as the config file's whole
    ``[tui.keymap]`` table; an empty one removes the table. Returns the keymap as written."""
    import tomli_w

    cleaned: dict[str, str] = {}
    for binding_id, keys in keymap.items():
        name = binding_id.strip()
        value = ",".join(k.strip() for k in keys.split(",") if k.strip())
        if not name:
            raise ConfigError("tui.keymap: a binding id is empty")
        if not value:
            raise ConfigError(f"tui.keymap: no key given for {name!r}")
        cleaned[name] = value
    data = _read(paths)
    tui = data.setdefault("tui", {})
    if not isinstance(tui, dict):
        raise ConfigError(f"{paths.config_file}: tui is not a table")
    if cleaned:
        tui["keymap"] = dict(sorted(cleaned.items()))
    else:
        tui.pop("keymap", None)
        if not tui:
            del data["tui"]
    try:
        Settings.from_data(data)
    except Invalid as exc:
        raise ConfigError(str(exc)) from None
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = paths.config_file.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    tmp.replace(paths.config_file)
    return cleaned


def _read(paths: Paths) -> dict[str, Any]:
    if not paths.config_file.exists():
        return {}
    try:
        return tomllib.loads(paths.config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{paths.config_file}: not valid TOML ({exc})") from None
