"""Generated cards wait for the student's review by default, from the facade and the command line; a setting (or
--no-hold for one run) puts them straight into study."""

from __future__ import annotations

from aksio.config import Settings
from aksio.demo import sample_path
from aksio.service import Aksio
from tests.conftest import Cli


def _course(aksio: Aksio) -> None:
    aksio.add_course("OS")
    assert aksio.import_paths([sample_path()], "OS").imported


def test_generated_cards_are_held_for_review_by_default(aksio: Aksio) -> None:
    _course(aksio)
    report = aksio.generate("cards", "OS", per_section=2)
    assert report.held and report.kept > 2
    assert len({c.note_id for c in aksio.cards("OS", pending=True)}) == report.kept
    assert aksio.next_card("OS") is None  # nothing enters study unseen
    assert aksio.accept_cards("OS") == report.kept
    assert aksio.next_card("OS") is not None


def test_the_hold_setting_and_an_explicit_hold_decide(aksio: Aksio) -> None:
    _course(aksio)
    aksio.settings = Settings.from_data({"generate": {"hold": False}})
    report = aksio.generate("cards", "OS", per_section=1)
    assert not report.held and aksio.cards("OS", pending=True) == [] and aksio.next_card("OS") is not None
    assert aksio.generate("cards", "OS", per_section=2, hold=True).held  # a run may still ask to hold


def test_cli_holds_by_default_says_how_to_review_and_no_hold_skips_it(cli: Cli) -> None:
    assert cli("course", "add", "OS")[0] == 0
    assert cli("import", str(sample_path()), "-c", "OS")[0] == 0
    code, out, _ = cli("generate", "cards", "-c", "OS", "-n", "1")
    assert code == 0 and "Held for review" in out and "card accept" in out and "--no-hold" in out
    assert cli("due", "-c", "OS", "--json")[1].count('"new": 0') == 1
    code, out, _ = cli("generate", "cards", "-c", "OS", "-n", "2", "--no-hold")
    assert code == 0 and "Held for review" not in out
    assert cli("config", "set", "generate.hold", "false")[0] == 0
    code, out, _ = cli("generate", "cards", "-c", "OS", "-n", "3")
    assert code == 0 and "Held for review" not in out
