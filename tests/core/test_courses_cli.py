"""`aksio course ...` and `aksio config ...` as a user types them."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tests.core.cli_runner import Run, make_runner


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def run(home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    return make_runner(home, monkeypatch, capsys)


def _add(run: Run, *args: str) -> dict[str, object]:
    code, out, err = run("course", "add", *args, "--json")
    assert code == 0, err
    course: dict[str, object] = json.loads(out)
    return course


def test_add_list_show_edit_and_remove(run: Run) -> None:
    course = _add(run, "Operating Systems", "--code", "CS162", "--exam-date", "2027-01-20", "--tag", "fall,core")
    assert (course["code"], course["exam_date"], course["tags"]) == ("CS162", "2027-01-20", ["fall", "core"])
    _add(run, "Algebra")
    names = [c["name"] for c in json.loads(run("course", "list", "--json")[1])["courses"]]
    assert names == ["Algebra", "Operating Systems"]
    # a course is found by name (any case), code or short id
    for ref in ("operating systems", "cs162", str(course["id"])[-8:]):
        code, out, _ = run("course", "show", ref, "--json")
        assert code == 0 and json.loads(out)["course"]["id"] == course["id"]
    code, out, _ = run(
        "course",
        "edit",
        "CS162",
        "--name",
        "OS",
        "--exam-date",
        "none",
        "--untag",
        "fall",
        "--description",
        "Kernels",
        "--json",
    )
    edited = json.loads(out)
    assert (edited["name"], edited["exam_date"], edited["tags"], edited["description"]) == (
        "OS",
        None,
        ["core"],
        "Kernels",
    )
    code, out, _ = run("course", "rm", "OS", "--yes", "--json")
    assert code == 0 and json.loads(out)["deleted"]["id"] == course["id"]
    assert [c["name"] for c in json.loads(run("course", "list", "--json")[1])["courses"]] == ["Algebra"]


def test_removing_without_yes_and_without_a_terminal_is_refused(run: Run) -> None:
    _add(run, "Algebra")
    code, _, err = run("course", "rm", "Algebra")
    assert code == 1 and "pass --yes" in err
    assert json.loads(run("course", "list", "--json")[1])["courses"][0]["name"] == "Algebra"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("course", "add", "X", "--exam-date", "20/01/2027"), "is not a date: use YYYY-MM-DD"),
        (("course", "add", "X", "--exam-date", "2027-02-30"), "is not a real date"),
        (("course", "add", "   "), "cannot be empty"),
        (("course", "add", "algebra"), "already exists"),
        (("course", "show", "Physics"), "no course 'Physics'"),
        (("course", "edit", "Algebra", "--max-interval", "0"), "maximum_interval"),
        (("course", "edit", "Algebra", "--learning-steps", "1,x"), "--learning-steps"),
    ],
)
def test_bad_course_input_is_one_line(run: Run, args: tuple[str, ...], message: str) -> None:
    _add(run, "Algebra")
    code, _, err = run(*args)
    assert code == 1 and err.startswith("error: ") and message in err and err.count("\n") == 1


def test_a_name_wins_over_a_code_and_a_shared_code_asks_for_the_id(run: Run) -> None:
    _add(run, "Algebra", "--code", "MATH")
    _add(run, "Math", "--code", "M2")
    code, out, _ = run("course", "show", "math", "--json")
    assert code == 0 and json.loads(out)["course"]["name"] == "Math"
    _add(run, "Geometry", "--code", "GEO")
    _add(run, "Topology", "--code", "GEO")
    code, _, err = run("course", "show", "geo")
    assert code == 1 and "'geo' matches 2 courses" in err and "use the id" in err


def test_config_set_writes_the_toml_file_and_validates(run: Run, home: Path) -> None:
    code, out, _ = run("config", "path")
    assert code == 0 and f"config: {home / 'config.toml'}" in out
    assert run("config", "set", "search.limit", "25")[0] == 0
    assert run("config", "set", "study.leech_suspend", "true")[0] == 0
    stored = tomllib.loads((home / "config.toml").read_text(encoding="utf-8"))
    assert stored == {"search": {"limit": 25}, "study": {"leech_suspend": True}}
    shown = json.loads(run("config", "show", "--json")[1])
    assert shown["settings"]["search"]["limit"] == 25 and shown["config_file"] == str(home / "config.toml")
    for key, value, message in (
        ("search.limit", "many", "search.limit"),
        ("search.limit", "0", "greater than or equal to 1"),
        ("nope", "1", "unknown setting 'nope'"),
        ("search", "1", "is a group of settings"),
    ):
        code, _, err = run("config", "set", key, value)
        assert code == 1 and message in err and err.count("\n") == 1
    assert tomllib.loads((home / "config.toml").read_text(encoding="utf-8"))["search"] == {"limit": 25}


def test_environment_overrides_the_file_and_a_broken_file_is_one_line(
    run: Run, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("config", "set", "search.limit", "25")
    monkeypatch.setenv("AKSIO_SEARCH__LIMIT", "7")
    assert json.loads(run("config", "show", "--json")[1])["settings"]["search"]["limit"] == 7
    (home / "config.toml").write_text("search = [", encoding="utf-8")
    code, _, err = run("course", "list")
    assert code == 1 and "config.toml: not valid TOML" in err and err.count("\n") == 1
