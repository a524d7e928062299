"""`config set` and the app's key settings edit the user's config file in place: what the user wrote around the
changed keys (comments, blank lines, order, other tables) stays, a refused value changes no byte."""

from __future__ import annotations

import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from aksio.config import Paths
from aksio.config_edit import set_keymap
from aksio.errors import ConfigError
from tests.conftest import Cli

WRITTEN = """\
# Aksio settings for my laptop
# (kept in git)

device_name = "laptop"  # shown in sync

[search]
# fewer hits fit my terminal
limit = 5  # was 10

[llm]
provider = "ollama"
# the small one is fast enough
model = "llama3.1:8b"

[tui.keymap]
# vim-ish
"review.good" = "3,j"  # my favourite
"review.again" = "1,k"
"""


def _config(home: Path) -> Path:
    path = home / "config.toml"
    home.mkdir(parents=True, exist_ok=True)
    path.write_text(WRITTEN, encoding="utf-8")
    return path


def test_config_set_keeps_comments_blank_lines_order_and_other_tables(cli: Cli, home: Path) -> None:
    path = _config(home)
    for key, value in [
        ("search.limit", "25"),
        ("llm.model", "qwen2.5:7b"),
        ("llm.timeout", "60"),
        ("device_name", "desk"),
        ("study.leech_suspend", "yes"),
    ]:
        assert cli("config", "set", key, value)[0] == 0
    assert path.read_text(encoding="utf-8") == (
        WRITTEN.replace("limit = 5  # was 10", "limit = 25  # was 10")
        .replace('model = "llama3.1:8b"', 'model = "qwen2.5:7b"\ntimeout = 60.0')
        .replace('device_name = "laptop"', 'device_name = "desk"')
        + "\n[study]\nleech_suspend = true\n"
    )
    stored = tomllib.loads(path.read_text(encoding="utf-8"))
    assert stored["search"] == {"limit": 25}
    assert stored["llm"] == {"provider": "ollama", "model": "qwen2.5:7b", "timeout": 60.0}
    assert stored["study"] == {"leech_suspend": True}
    before = path.read_bytes()
    assert cli("config", "set", "search.limit", "0")[0] == 1
    assert cli("config", "set", "llm.provider", "claude")[0] == 1
    assert path.read_bytes() == before  # refused: not a byte changed


def test_the_apps_keymap_edit_keeps_comments_and_the_bindings_place(home: Path) -> None:
    path = _config(home)
    paths = Paths(home)
    set_keymap(paths, {"review.good": "3", "review.again": "1,k", "review.easy": "4"})
    assert path.read_text(encoding="utf-8") == WRITTEN.replace('"review.good" = "3,j"', '"review.good" = "3"') + (
        '"review.easy" = "4"\n'
    )
    set_keymap(paths, {"review.easy": "4"})
    assert path.read_text(encoding="utf-8").endswith('[tui.keymap]\n# vim-ish\n"review.easy" = "4"\n')
    set_keymap(paths, {})
    assert path.read_text(encoding="utf-8") == WRITTEN[: WRITTEN.index("[tui.keymap]")]
    before = path.read_bytes()
    with pytest.raises(ConfigError):
        set_keymap(paths, {"review.good": " , "})
    assert path.read_bytes() == before


def test_config_set_keeps_a_private_files_mode_and_leaves_no_temporary_file(cli: Cli, home: Path) -> None:
    path = _config(home)
    path.chmod(0o600)  # it may hold llm.api_key
    assert cli("config", "set", "llm.api_key", "sk-secret")[0] == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in home.iterdir()) == ["config.toml"]


def test_a_table_setting_or_a_value_where_a_table_belongs_is_one_line(cli: Cli, home: Path) -> None:
    code, _, err = cli("config", "set", "tui.keymap", "x")
    assert (code, err) == (1, "error: 'tui.keymap' is a table; edit it in the config file or in the app's settings\n")
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("search = 3\n", encoding="utf-8")
    code, _, err = cli("config", "set", "search.limit", "4")
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1


def test_reading_settings_does_not_load_the_toml_editor() -> None:
    code = "import sys, aksio.config, aksio.config_edit, aksio.service\nprint('tomlkit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
