"""What the CLI prints about cards: the document a card cites by its title, and a generation's summary."""

from __future__ import annotations

import json

from aksio.demo import sample_path
from tests.conftest import Cli


def _course_with_notes(cli: Cli) -> None:
    assert cli("course", "add", "OS")[0] == 0
    assert cli("import", str(sample_path()), "-c", "OS")[0] == 0


def test_card_show_names_the_source_document_by_its_title(cli: Cli) -> None:
    _course_with_notes(cli)
    assert cli("generate", "cards", "-c", "OS", "-n", "1")[0] == 0
    card = json.loads(cli("card", "list", "--json")[1])["cards"][0]
    (document,) = json.loads(cli("doc", "list", "--json")[1])["documents"]
    code, out, _ = cli("card", "show", card["id"])
    (line,) = [line for line in out.splitlines() if line.startswith("Source:")]
    assert code == 0 and line.startswith(f"Source: {document['title']} p. {card['source']['page']}: ")
    assert card["source"]["document_id"] not in out
    assert json.loads(cli("card", "show", card["id"], "--json")[1])["source_title"] == document["title"]
    assert cli("doc", "rm", document["id"])[0] == 0
    assert f"Source: {document['title']} (deleted) p. " in cli("card", "show", card["id"])[1]


def _shown(out: str, items: list[dict[str, str]]) -> list[bool]:
    """Whether each item's front is printed (a long line wraps at a space)."""
    flat = " ".join(out.split())
    return [" ".join(item["front"].split()) in flat for item in items]


def test_generate_cards_prints_a_summary_and_a_few_cards_unless_asked_for_every_one(cli: Cli) -> None:
    _course_with_notes(cli)
    code, out, _ = cli("generate", "cards", "-c", "OS", "--dry-run", "--json")
    items = json.loads(out)["items"]
    assert code == 0 and len({item["front"] for item in items}) == len(items) > 10
    code, out, _ = cli("generate", "cards", "-c", "OS", "--dry-run")
    assert code == 0 and _shown(out, items[:5]) == [True] * 5 and not any(_shown(out, items[5:]))
    assert f"… and {len(items) - 5} more (--show prints every one)" in out
    assert f"would keep {len(items)} card(s)" in out
    code, out, _ = cli("generate", "cards", "-c", "OS")
    assert code == 0 and f"… and {len(items) - 5} more (--show prints every one; all of them: aksio card list" in out
    code, out, _ = cli("generate", "questions", "-c", "OS", "--dry-run", "--json")
    questions = json.loads(out)["items"]
    code, out, _ = cli("generate", "questions", "-c", "OS", "--dry-run", "--show")
    assert code == 0 and len(questions) > 5 and all(_shown(out, questions))
    assert "more (--show" not in out
