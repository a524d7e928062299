"""Edits of the config file that ``config.set_value`` (one scalar key) does not make: the ``[tui.keymap]`` table."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from aksio.config import edit_config_file
from aksio.errors import ConfigError
from aksio.records import Invalid

if TYPE_CHECKING:
    from tomlkit import TOMLDocument

    from aksio.config import Paths


def set_keymap(paths: Paths, keymap: Mapping[str, str]) -> dict[str, str]:
    """Make ``keymap`` (binding id -> keys, e.g. ``"review.good" = "3,j"``) the config file's ``[tui.keymap]``
    table, edited in place: a binding kept keeps its place and comment, one dropped goes, a new one is added; an
    empty keymap removes the table. Returns the keymap as written."""
    cleaned: dict[str, str] = {}
    for binding_id, keys in keymap.items():
        name = binding_id.strip()
        value = ",".join(k.strip() for k in keys.split(",") if k.strip())
        if not name:
            raise ConfigError("tui.keymap: a binding id is empty")
        if not value:
            raise ConfigError(f"tui.keymap: no key given for {name!r}")
        cleaned[name] = value

    def change(document: TOMLDocument) -> None:
        if "tui" not in document:
            if not cleaned:
                return
            import tomlkit

            document["tui"] = tomlkit.table(is_super_table=True)  # written as [tui.keymap] alone
        tui: Any = document["tui"]
        if not isinstance(tui, MutableMapping):
            raise ConfigError(f"{paths.config_file}: tui is not a table")
        if not cleaned:
            tui.pop("keymap", None)
            return
        if "keymap" not in tui:
            tui["keymap"] = dict(sorted(cleaned.items()))
            return
        table = tui["keymap"]
        if not isinstance(table, MutableMapping):
            raise ConfigError(f"{paths.config_file}: tui.keymap is not a table")
        for name in [name for name in table if name not in cleaned]:
            del table[name]
        for name, keys in sorted(cleaned.items()):
            table[name] = keys

    try:
        edit_config_file(paths, change)
    except Invalid as exc:
        raise ConfigError(str(exc)) from None
    return cleaned
