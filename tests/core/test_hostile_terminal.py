"""Text from outside (cards, documents, file names) reaches the terminal as text: the escape sequences, C1 controls
and bidi overrides it holds are shown escaped, never obeyed, and markup in it is never read, in every command."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import aksio.cli
from aksio.control_chars import printable, without_controls

if TYPE_CHECKING:
    from tests.conftest import Cli
    from tests.docmaker import Docs

# what a terminal obeys: C0 but newline and tab, DEL, C1 (U+009B is CSI, U+009D OSC), bidi overrides and isolates
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
RETITLE_AND_CLEAR = "\x1b]0;pwned\x07\x1b[2J"
FRONT = RETITLE_AND_CLEAR + "front [red]red[/] [/]"
BACK = "back\u009b31m \u202eevil\u202c [link=https://example.com]link[/link]"
NOTES = (
    "# Paging\x1b[2J rules [/]\n\n"
    "A page table\x1b]0;pwned\x07 is a structure that maps virtual pages to physical frames.\n\n"
    "Page replacement\x1b[31m happens when memory is full and a page must leave.\n"
)
FILE_NAME = "notes\x1b[31m [red].md"


def _shown(out: str) -> str:
    assert RAW.search(out) is None, f"raw control character in {out!r}"
    return out


@pytest.fixture
def hostile(cli: Cli, docs: Docs) -> str:
    """A course with a card and a document (file name, title, sections, text) full of escape sequences and markup."""
    assert cli("course", "add", "Hostile")[0] == 0
    code, out, _ = cli("card", "add", "-c", "Hostile", "-f", FRONT, "-b", BACK, "-t", "leech", "--json")
    assert code == 0
    docs.text(FILE_NAME, NOTES)
    return str(json.loads(out)["cards"][0]["id"])


def test_printable_shows_what_a_terminal_obeys_as_escapes() -> None:
    text = "a\x1b]0;t\x07b\x9b1m\x9d\x7f\u202e\u2066\ud800\r\n\tc"
    assert printable(text) == "a\\x1b]0;t\\x07b\\x9b1m\\x9d\\x7f\\u202e\\u2066\\ud800\n\tc"
    assert printable(text, lines=False).endswith("\\ud800\\r\\n\\tc")
    assert printable("Grüße, 进程 [red] ünïcode") == "Grüße, 进程 [red] ünïcode"  # only controls change
    assert without_controls(text) == "a]0;tb1m\n\tc"


def test_card_show_list_and_leeches_show_a_card_as_text(cli: Cli, hostile: str) -> None:
    for args in (("card", "show", hostile), ("card", "list"), ("card", "leeches")):
        code, out, err = cli(*args)
        assert code == 0 and not err
        assert "\\x1b]0;pwned\\x07\\x1b[2Jfront [red]red[/] [/]" in _shown(out)  # markup shown as typed
    _, out, _ = cli("card", "show", hostile)
    assert "back\\x9b31m \\u202eevil\\u202c [link=https://example.com]link[/link]" in out


def test_import_doc_list_doc_show_and_search_show_names_and_text_escaped(cli: Cli, hostile: str, docs: Docs) -> None:
    code, out, err = cli("import", str(docs.folder), "-c", "Hostile")
    assert code == 0 and not err
    assert "notes\\x1b[31m [red].md" in _shown(out)
    code, out, _ = cli("doc", "list")
    assert code == 0 and "Paging\\x1b[2J rules [/]" in _shown(out)
    document = json.loads(cli("doc", "list", "--json")[1])["documents"][0]["id"]
    code, out, _ = cli("doc", "show", document)
    assert code == 0 and "Paging\\x1b[2J rules [/]" in _shown(out)
    code, out, _ = cli("course", "show", "Hostile")
    assert code == 0 and "Paging\\x1b[2J rules [/]" in _shown(out)
    code, out, _ = cli("search", "page")
    assert code == 0 and "A page table\\x1b]0;pwned\\x07 is a structure" in _shown(out)


def test_generated_items_are_stored_and_printed_without_control_characters(cli: Cli, hostile: str, docs: Docs) -> None:
    cli("import", str(docs.folder), "-c", "Hostile")
    for what in ("cards", "questions"):
        code, out, err = cli("generate", what, "-c", "Hostile")
        assert code == 0, err
        _shown(out + err)
    code, out, _ = cli("question", "list")
    assert code == 0 and "question(s)" in _shown(out)
    # the offline generator quotes the page, escape sequences and all: what it stores has none of them
    cards = json.loads(cli("card", "list", "--origin", "offline", "--json")[1])["cards"]
    assert cards
    for card in cards:
        assert not RAW.search(card["front"] + card["back"] + card["source"]["quote"])


def test_study_shows_the_card_as_text(cli: Cli, hostile: str) -> None:
    code, out, err = cli("study", stdin=" \n3\nq\n")
    assert code == 0, err
    assert "\\x1b]0;pwned\\x07\\x1b[2Jfront" in _shown(out) and "\\x9b31m" in out


def test_json_escapes_c1_and_bidi_controls_too_and_keeps_the_text(cli: Cli, hostile: str) -> None:
    # json.dumps escapes C0 itself, but writes DEL, C1 and bidi characters as they are without ensure_ascii
    code, out, _ = cli("card", "show", hostile, "--json")
    assert code == 0
    card = json.loads(_shown(out))["card"]
    assert (card["front"], card["back"]) == (FRONT, BACK)


def test_markup_in_a_name_is_shown_not_read(cli: Cli) -> None:
    # "[/]" closes nothing: read as markup it ended the command in a traceback
    code, out, err = cli("course", "add", "Closing [/] tags [bold]")
    assert code == 0, err
    assert "Closing [/] tags [bold]" in out
    code, out, _ = cli("course", "list")
    assert code == 0 and "Closing [/] tags [bold]" in out


def test_no_command_prints_rich_tags_in_a_plain_string() -> None:
    # the consoles print a string as it is (its tags would show): a styled line goes through output.markup
    tagged = re.compile(r'print\(\s*f?"[^"]*\[/?(?:bold|dim|italic|red|green|yellow|cyan|magenta)?\]')
    for source in Path(aksio.cli.__file__).parent.glob("*.py"):
        found = tagged.search(source.read_text(encoding="utf-8"))
        assert found is None, f"{source.name}: {found.group() if found else ''}"
