"""`aksio course ...` and `aksio config ...` as a user types them."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests import docmaker
from tests.docmaker import Docs

if TYPE_CHECKING:
    from tests.conftest import Cli


def _json(cli: Cli, *args: str) -> Any:
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def _names(cli: Cli) -> list[str]:
    return [c["name"] for c in _json(cli, "course", "list")["courses"]]


def _one_line_error(result: tuple[int, str, str], message: str) -> None:
    code, out, err = result
    assert code == 1, (out, err)
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert "Traceback" not in err


# -- courses ---------------------------------------------------------------------------------------


def test_add_creates_a_course_with_its_fields(cli: Cli) -> None:
    course = _json(
        cli,
        "course",
        "add",
        "  Operating   Systems ",
        "--code",
        "CS162",
        "--exam-date",
        "2026-05-14",
        "--description",
        "Kernels and concurrency",
        "--tag",
        "spring, core",
        "--tag",
        "core",
    )
    assert course["name"] == "Operating Systems"  # spaces tidied
    assert (course["code"], course["exam_date"], course["description"]) == (
        "CS162",
        "2026-05-14",
        "Kernels and concurrency",
    )
    assert course["tags"] == ["spring", "core"]
    assert (course["document_count"], course["page_count"], course["archived"]) == (0, 0, False)
    assert course["created_at"] == course["updated_at"] == "2026-01-05T09:00:00.000Z"
    code, out, _ = cli("course", "add", "Algebra")
    short = _json(cli, "course", "show", "Algebra")["course"]["id"][-8:]
    assert code == 0 and f"Created course Algebra ({short})." in out and "aksio import PATH... --course Algebra" in out


def test_list_is_sorted_by_name_and_shows_counts(cli: Cli, docs: Docs) -> None:
    assert "No courses yet" in cli("course", "list")[1]
    for name in ("databases", "Algebra", "Compilers"):
        cli("course", "add", name)
    assert _names(cli) == ["Algebra", "Compilers", "databases"]
    cli("import", str(docs("lecture2.pdf", docmaker.outline_pdf)), "-c", "Compilers")
    code, out, _ = cli("course", "list")
    row = next(line for line in out.splitlines() if "Compilers" in line)
    assert code == 0 and row.split()[-2:] == ["1", "7"]  # docs, pages


def test_a_course_is_found_by_name_code_short_id_or_full_id(cli: Cli) -> None:
    course = _json(cli, "course", "add", "Operating Systems", "--code", "CS162")
    _json(cli, "course", "add", "Algebra", "--code", "MATH1")
    for ref in ("Operating Systems", "operating systems", "cs162", course["id"][-8:], course["id"], course["id"][-10:]):
        shown = _json(cli, "course", "show", ref)
        assert shown["course"]["id"] == course["id"], ref
        assert shown["documents"] == []
    code, out, _ = cli("course", "show", "CS162")
    assert code == 0 and "Operating Systems  (CS162)" in out and course["id"] in out
    _one_line_error(cli("course", "show", "Physics"), "no course 'Physics'; `aksio course list` shows your courses")
    _one_line_error(cli("course", "show", "Operating"), "no course 'Operating'")  # no partial names


def test_edit_changes_fields_and_keeps_the_rest(cli: Cli) -> None:
    course = _json(cli, "course", "add", "OS", "--code", "CS162", "--exam-date", "2026-05-14", "--tag", "a,b")
    edited = _json(
        cli, "course", "edit", course["id"][-8:], "--name", "Operating Systems", "--untag", "a", "--tag", "c"
    )
    assert (edited["id"], edited["name"], edited["code"], edited["exam_date"]) == (
        course["id"],
        "Operating Systems",
        "CS162",
        "2026-05-14",
    )
    assert edited["tags"] == ["b", "c"]
    cleared = _json(cli, "course", "edit", "CS162", "--code", "", "--exam-date", "none", "--description", "Kernels")
    assert (cleared["code"], cleared["exam_date"], cleared["description"]) == (None, None, "Kernels")
    assert _json(cli, "course", "show", "operating systems")["course"] == cleared
    renamed_case = _json(cli, "course", "edit", "Operating Systems", "--name", "OPERATING SYSTEMS")
    assert renamed_case["name"] == "OPERATING SYSTEMS"  # its own name in another case is not a clash


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("course", "add", "Physics", "--exam-date", "14/05/2026"),
            "exam date '14/05/2026' is not a date: use YYYY-MM-DD",
        ),
        (("course", "add", "Physics", "--exam-date", "2026-5-14"), "is not a date: use YYYY-MM-DD"),
        (("course", "add", "Physics", "--exam-date", "2026-02-30"), "exam date '2026-02-30' is not a real date"),
        (("course", "add", "Physics", "--exam-date", "tomorrow"), "is not a date"),
        (("course", "edit", "Algebra", "--exam-date", "2026-13-01"), "is not a real date"),
        (("course", "add", "algebra"), "a course named 'Algebra' already exists"),
        (("course", "add", "  ALGEBRA  "), "a course named 'Algebra' already exists"),
        (("course", "edit", "Geometry", "--name", "Algebra"), "a course named 'Algebra' already exists"),
        (("course", "add", "   "), "the course name cannot be empty"),
        (("course", "add", "x" * 201), "too long"),
        (("course", "edit", "Physics", "--name", "P"), "no course 'Physics'"),
        (("course", "rm", "Physics", "--yes"), "no course 'Physics'"),
        (("course", "edit", "Algebra", "--max-interval", "0"), "maximum_interval"),
        (("course", "edit", "Algebra", "--learning-steps", "1,x"), "--learning-steps"),
    ],
)
def test_bad_course_input_is_one_line_and_changes_nothing(cli: Cli, args: tuple[str, ...], message: str) -> None:
    _json(cli, "course", "add", "Algebra", "--exam-date", "2026-06-01")
    _json(cli, "course", "add", "Geometry")
    before = _json(cli, "course", "list")
    _one_line_error(cli(*args), message)
    assert _json(cli, "course", "list") == before


def test_rm_with_yes_deletes_the_course_and_its_documents(cli: Cli, docs: Docs) -> None:
    course = _json(cli, "course", "add", "Operating Systems", "--code", "CS162")
    _json(cli, "course", "add", "Algebra")
    cli("import", str(docs("lecture2.pdf", docmaker.outline_pdf)), "-c", "CS162")
    assert _json(cli, "search", "gazelle")["hits"]
    deleted = _json(cli, "course", "rm", course["id"][-8:], "--yes")
    assert deleted["deleted"]["id"] == course["id"] and deleted["documents_deleted"] == 1
    assert _names(cli) == ["Algebra"]
    assert _json(cli, "search", "gazelle")["hits"] == []
    assert _json(cli, "doc", "list")["documents"] == []
    _one_line_error(cli("course", "show", "CS162"), "no course 'CS162'")
    code, out, _ = cli("course", "rm", "Algebra", "-y")
    assert code == 0 and "Deleted course Algebra and 0 document(s)." in out
    assert _names(cli) == []


def test_rm_without_yes_and_without_a_terminal_refuses(cli: Cli, docs: Docs) -> None:
    _json(cli, "course", "add", "Algebra")
    cli("import", str(docs("notes.md", docmaker.markdown)), "-c", "Algebra")
    _one_line_error(cli("course", "rm", "Algebra", stdin="y\n"), "deleting 'Algebra' needs confirmation: pass --yes")
    assert _names(cli) == ["Algebra"]
    assert _json(cli, "course", "show", "Algebra")["course"]["document_count"] == 1


def test_a_deleted_courses_name_can_be_used_again(cli: Cli) -> None:
    old = _json(cli, "course", "add", "Algebra")
    cli("course", "rm", "Algebra", "--yes")
    new = _json(cli, "course", "add", "Algebra")
    assert new["id"] != old["id"] and _names(cli) == ["Algebra"]


# -- config ----------------------------------------------------------------------------------------


def test_config_path_names_the_file_under_the_home(cli: Cli, home: Path) -> None:
    code, out, err = cli("config", "path")
    assert code == 0 and err == ""
    assert out.splitlines() == [f"config: {home / 'config.toml'}", f"data:   {home}"]


def test_config_show_lists_every_setting_with_defaults(cli: Cli, home: Path) -> None:
    shown = _json(cli, "config", "show")
    assert (shown["config_file"], shown["data_dir"]) == (str(home / "config.toml"), str(home))
    assert shown["settings"]["search"] == {"limit": 10}
    assert shown["settings"]["ingest"] == {"chunk_chars": 1200}
    assert set(shown["settings"]["study"]) == {
        "day_starts_at",
        "new_per_day",
        "learn_ahead_minutes",
        "leech_threshold",
        "leech_suspend",
    }
    code, out, _ = cli("config", "show")
    assert code == 0 and "search.limit = 10" in out and "study.leech_suspend = False" in out
    assert not (home / "config.toml").exists()  # showing writes nothing


def test_config_set_writes_typed_values_to_the_toml_file(cli: Cli, home: Path) -> None:
    code, out, _ = cli("config", "set", "search.limit", "25")
    assert code == 0 and out.startswith("search.limit = 25")
    assert cli("config", "set", "study.leech_suspend", "yes")[0] == 0
    assert cli("config", "set", "device_name", "laptop")[0] == 0
    assert cli("config", "set", "search.limit", "30")[0] == 0
    stored = tomllib.loads((home / "config.toml").read_text(encoding="utf-8"))
    assert stored == {"search": {"limit": 30}, "study": {"leech_suspend": True}, "device_name": "laptop"}
    settings = _json(cli, "config", "show")["settings"]
    assert (settings["search"]["limit"], settings["study"]["leech_suspend"], settings["device_name"]) == (
        30,
        True,
        "laptop",
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("nope", "1", "unknown setting 'nope'; see `aksio config show` for the keys"),
        ("search.nope", "1", "unknown setting 'search.nope'"),
        ("search.limit.deeper", "1", "unknown setting 'search.limit.deeper'"),
        ("search", "1", "'search' is a group of settings; set one of its keys, e.g. search.limit"),
        ("search.limit", "many", "search.limit: "),
        ("search.limit", "0", "greater than or equal to 1"),
        ("search.limit", "1001", "less than or equal to 1000"),
        ("study.leech_suspend", "perhaps", "study.leech_suspend: "),
        ("ingest.chunk_chars", "10", "greater than or equal to 200"),
    ],
)
def test_config_set_refuses_a_bad_key_or_value_in_one_line(
    cli: Cli, home: Path, key: str, value: str, message: str
) -> None:
    assert not (home / "config.toml").exists()
    _one_line_error(cli("config", "set", key, value), message)
    assert not (home / "config.toml").exists()  # nothing written for a refused value
    cli("config", "set", "search.limit", "25")
    before = (home / "config.toml").read_bytes()
    _one_line_error(cli("config", "set", key, value), message)
    assert (home / "config.toml").read_bytes() == before


def test_the_environment_overrides_the_file(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli("config", "set", "search.limit", "25")
    monkeypatch.setenv("AKSIO_SEARCH__LIMIT", "7")
    assert _json(cli, "config", "show")["settings"]["search"]["limit"] == 7


def test_environment_settings_name_a_section_and_key_in_any_case_and_take_json_tables(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("config", "set", "llm.model", "from-file")
    cli("config", "set", "search.limit", "25")
    monkeypatch.setenv("aksio_llm__concurrency", "5")  # any case
    monkeypatch.setenv("AKSIO_TUI__KEYMAP", '{"review.again": "1,j"}')
    monkeypatch.setenv("AKSIO_SEARCH", '{"limit": 9}')  # a whole section as a JSON object
    monkeypatch.setenv("AKSIO_LLM_API_KEY", "sk-not-a-setting")  # an AKSIO_ variable that names no setting
    monkeypatch.setenv("AKSIO_NOPE__KEY", "1")
    settings = _json(cli, "config", "show")["settings"]
    assert settings["llm"]["concurrency"] == 5 and settings["llm"]["model"] == "from-file"
    assert settings["tui"]["keymap"] == {"review.again": "1,j"}
    assert settings["search"]["limit"] == 9
    assert settings["llm"]["api_key"] == ""
    monkeypatch.setenv("AKSIO_TUI__KEYMAP", "review.again=1")
    _one_line_error(cli("config", "show"), "AKSIO_TUI__KEYMAP: expected a JSON object")
    monkeypatch.setenv("AKSIO_TUI__KEYMAP", "{}")
    monkeypatch.delenv("aksio_llm__concurrency")
    monkeypatch.setenv("AKSIO_LLM__CONCURRENCY", "many")
    _one_line_error(cli("config", "show"), "llm.concurrency: Input should be a valid integer")


def test_a_setting_from_the_file_is_used_and_a_broken_file_is_one_line(cli: Cli, home: Path, docs: Docs) -> None:
    cli("course", "add", "OS")
    cli("import", str(docs("lecture2.pdf", docmaker.outline_pdf)), "-c", "OS")
    assert len(_json(cli, "search", "kernel")["hits"]) == 7
    cli("config", "set", "search.limit", "2")
    assert len(_json(cli, "search", "kernel")["hits"]) == 2
    (home / "config.toml").write_text("[search\nlimit = 3\n", encoding="utf-8")
    _one_line_error(cli("course", "list"), f"{home / 'config.toml'}: not valid TOML")
    _one_line_error(cli("config", "set", "search.limit", "4"), "not valid TOML")
    (home / "config.toml").write_text("[search]\nlimit = -1\n", encoding="utf-8")
    _one_line_error(cli("search", "kernel"), "search.limit: Input should be greater than or equal to 1")
