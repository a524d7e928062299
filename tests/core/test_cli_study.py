"""The card and study commands, run in-process as a user would type them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.conftest import Cli


def _ids(cli: Cli, *args: str) -> list[str]:
    code, out, _ = cli("card", "list", "--json", *args)
    assert code == 0
    return [c["id"] for c in json.loads(out)["cards"]]


def test_add_answer_undo_and_due_from_a_script(cli: Cli) -> None:
    assert cli("course", "add", "Geo")[0] == 0
    code, out, _ = cli("card", "add", "-c", "Geo", "-f", "Capital of Peru?", "-b", "Lima", "--json")
    card = json.loads(out)["cards"][0]
    assert code == 0 and card["state"]["queue"] == "new"
    code, out, _ = cli("due", "--json")
    due = json.loads(out)
    assert due["counts"] == {"learning": 0, "review": 0, "new": 1} and due["next_card"]["id"] == card["id"]
    code, out, _ = cli("answer", card["id"][-8:], "good", "--json")
    answered = json.loads(out)
    assert code == 0 and answered["rating"] == 3 and answered["card"]["state"]["queue"] == "learning"
    code, out, _ = cli("undo", "--json")
    assert code == 0 and json.loads(out)["card"]["state"]["queue"] == "new"
    code, _, err = cli("undo")
    assert code == 1 and err == "error: nothing to undo\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("answer", "deadbeef", "good"), "no card 'deadbeef'"),
        (("card", "add", "-c", "Nope", "-f", "q", "-b", "a"), "no course 'Nope'"),
        (("card", "add", "-c", "Geo", "-f", "no deletion", "-k", "cloze"), "cloze text has no deletion"),
        (("card", "add", "-c", "Geo", "-f", "q", "-b", "a", "-k", "weird"), "unknown card kind"),
        (("course", "edit", "Geo", "--retention", "1.5"), "desired retention"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(cli: Cli, args: tuple[str, ...], message: str) -> None:
    cli("course", "add", "Geo")
    code, _, err = cli(*args)
    assert code == 1
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert "Traceback" not in err


def test_bad_rating_and_past_time_are_refused(cli: Cli) -> None:
    cli("course", "add", "Geo")
    cli("card", "add", "-c", "Geo", "-f", "q", "-b", "a")
    card = _ids(cli)[0]
    code, _, err = cli("answer", card, "superb")
    assert code == 1 and "rating 'superb'" in err
    assert cli("answer", card, "3", "--at", "2026-01-05T10:00:00Z")[0] == 0  # an hour after now
    code, _, err = cli("answer", card, "3", "--at", "2026-01-05T09:30:00Z")
    assert code == 1 and "before the card's last review" in err


def test_csv_import_names_the_bad_line_and_imports_nothing(cli: Cli, tmp_path: Path) -> None:
    cli("course", "add", "Geo")
    bad = tmp_path / "cards.csv"
    bad.write_text("Q1,A1\nQ2\nQ3,A3\n", encoding="utf-8")
    code, _, err = cli("card", "import", str(bad), "-c", "Geo")
    assert code == 1 and f"{bad}:2" in err
    assert _ids(cli) == []
    bad.write_text("front,back\nQ1,A1\nQ2,A2\n", encoding="utf-8")
    code, out, _ = cli("card", "import", str(bad), "-c", "Geo", "--json")
    report = json.loads(out)
    assert report == {"course_id": report["course_id"], "notes": 2, "cards": 2, "duplicates": 0, "skipped": None}


def test_study_loop_grades_undoes_and_summarises(cli: Cli, tmp_path: Path, home: Path) -> None:
    cli("course", "add", "Geo")
    deck = tmp_path / "deck.csv"
    deck.write_text("Capital of France?,Paris\nCapital of Peru?,Lima\n", encoding="utf-8")
    cli("card", "import", str(deck), "-c", "Geo")
    # reveal, good; reveal, again; undo that; reveal, easy; quit
    code, out, _ = cli("study", "-c", "Geo", stdin=" \n3\n \n1\nu\n \n4\nq\n")
    assert code == 0
    assert "Paris" in out and "undid rating 1" in out
    assert "Reviewed 2 card(s)" in out and "good 1, easy 1" in out and "again 0" in out
    code, out, _ = cli("card", "list", "--json")
    queues = sorted(c["state"]["queue"] for c in json.loads(out)["cards"])
    assert queues == ["learning", "review"]
    from aksio.service import Aksio

    with Aksio.open(home) as app:  # the sitting is recorded for the dashboard
        (session,) = app.sessions()
        assert session.reviews == 2 and session.ratings == {"again": 0, "hard": 0, "good": 1, "easy": 1}


def test_suspend_and_leech_listing(cli: Cli) -> None:
    cli("course", "add", "Geo")
    cli("card", "add", "-c", "Geo", "-f", "q", "-b", "a", "-t", "leech")
    card = _ids(cli)[0]
    assert cli("card", "suspend", card)[0] == 0
    assert _ids(cli, "--suspended") == [card]
    _, out, _ = cli("due", "--json")
    assert json.loads(out)["next_card"] is None
    assert cli("card", "unsuspend", card)[0] == 0
    code, out, _ = cli("card", "bury", card)
    assert code == 0 and "buried" in out
    assert "buried" in cli("card", "list")[1]
    code, out, _ = cli("card", "unbury", card)
    assert code == 0 and "buried" not in out.split(None, 1)[1]
    _, out, _ = cli("due", "--json")
    assert json.loads(out)["next_card"]["id"] == card  # back in today's study
    _, out, _ = cli("card", "leeches", "--json")
    assert [c["id"] for c in json.loads(out)["cards"]] == [card]
    code, out, _ = cli("doctor", "--rebuild", "--json")
    assert code == 0 and json.loads(out)["identical"] is True
