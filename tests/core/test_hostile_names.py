"""Course names and codes that only look alike are one name: stored clean (NFKC, no invisible characters), refused
when they are or look like another course's name or code, and a reference that fits two courses is ambiguous."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from aksio import names
from aksio.errors import Ambiguous, InvalidInput
from aksio.service import Aksio
from aksio.storage import courses as course_rows

if TYPE_CHECKING:
    from tests.conftest import Cli

CYRILLIC_ER = "\u0420"  # Р, drawn like a Latin P
SOFT_HYPHEN, ZERO_WIDTH_SPACE, WORD_JOINER, BOM, RLM = "\u00ad", "\u200b", "\u2060", "\ufeff", "\u200f"


@pytest.mark.parametrize(
    "typed",
    [
        "physics",
        "  PHYSICS ",
        f"Phy{SOFT_HYPHEN}sics",
        f"Phys{ZERO_WIDTH_SPACE}ics",
        f"{BOM}Physics{WORD_JOINER}",
        f"Physics{RLM}",
        "Ｐｈｙｓｉｃｓ",  # full width
        "\U0001d40f\U0001d421\U0001d432\U0001d42c\U0001d422\U0001d41c\U0001d42c",  # mathematical bold
    ],
)
def test_a_name_that_is_another_written_differently_is_refused(aksio: Aksio, typed: str) -> None:
    aksio.add_course("Physics", code="PHY101")
    with pytest.raises(InvalidInput, match=r"^a course named 'Physics' already exists$"):
        aksio.add_course(typed)
    assert [c.name for c in aksio.courses()] == ["Physics"]


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        (f"{CYRILLIC_ER}hysics", "'Р' is Cyrillic"),
        ("\u03a1\u0397\u03a5SICS", "'Ρ' is Greek, 'Η' is Greek, 'Υ' is Greek"),  # Greek capitals Rho, Eta, Upsilon
        ("Phys\u0456cs", "'і' is Cyrillic"),
    ],
)
def test_a_name_that_only_looks_like_another_is_refused_naming_it(aksio: Aksio, typed: str, why: str) -> None:
    aksio.add_course("Physics")
    with pytest.raises(InvalidInput) as refused:
        aksio.add_course(typed)
    assert str(refused.value) == (
        f"the course name {typed!r} looks like the course 'Physics' ({why}): choose a name that reads differently"
    )
    assert [c.name for c in aksio.courses()] == ["Physics"]


def test_the_cli_refuses_a_look_alike_in_one_line(cli: Cli) -> None:
    assert cli("course", "add", "Physics")[0] == 0
    code, out, err = cli("course", "add", f"{CYRILLIC_ER}hysics")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err.startswith("error: the course name 'Рhysics' looks like the course 'Physics' ('Р' is Cyrillic)")
    assert [c["name"] for c in json.loads(cli("course", "list", "--json")[1])["courses"]] == ["Physics"]


def test_a_name_is_stored_without_invisible_characters_and_found_as_typed(aksio: Aksio) -> None:
    course = aksio.add_course(
        f" Operating{SOFT_HYPHEN}\u00a0Sys{ZERO_WIDTH_SPACE}tems{RLM} ", code=f"CS{WORD_JOINER}１６２\x1b"
    )
    assert (course.name, course.code) == ("Operating Systems", "CS162")
    assert aksio.course("operating systems").id == course.id
    assert aksio.course(f"cs{SOFT_HYPHEN}162").id == course.id
    with pytest.raises(InvalidInput, match="the course name cannot be empty"):
        aksio.add_course(f"{SOFT_HYPHEN}{ZERO_WIDTH_SPACE} {BOM}")


def test_a_name_mixing_latin_with_look_alike_letters_is_refused_even_alone(aksio: Aksio) -> None:
    with pytest.raises(InvalidInput) as refused:
        aksio.add_course(f"Quantum {CYRILLIC_ER}hysics")
    assert str(refused.value) == (
        "the course name 'Quantum Рhysics' mixes Latin letters with Cyrillic or Greek ones drawn alike ('Рhysics'): "
        "type it in one script"
    )
    with pytest.raises(InvalidInput, match="the course code 'СS162' mixes Latin"):
        aksio.add_course("Operating Systems", code="\u0421S162")  # a Cyrillic С
    assert aksio.courses() == []


def test_names_in_one_other_script_and_words_of_two_scripts_are_kept(aksio: Aksio) -> None:
    for name in ("Физика", "Physics", "Ελληνικά", "Химия и Chemistry", "μC programming", "物理"):
        aksio.add_course(name)
    assert len(aksio.courses()) == 6
    with pytest.raises(InvalidInput, match="looks like the course 'Химия и Chemistry'"):
        aksio.add_course("Xимия и Chemistry")  # a Latin X in the Cyrillic word


def test_a_name_may_not_be_another_courses_code_nor_a_code_another_courses_name(aksio: Aksio) -> None:
    aksio.add_course("Physics", code="PHY101")
    chemistry = aksio.add_course("Chemistry", code="CHEM")
    refused = {
        "'phy101' is the code of the course 'Physics': choose another name": lambda: aksio.add_course("phy101"),
        "the code 'physics' is the name of the course 'Physics': choose another code": lambda: aksio.add_course(
            "Biology", code="physics"
        ),
        "the code 'PHY101' is already the code of the course 'Physics'": lambda: aksio.add_course(
            "Biology", code="PHY101"
        ),
        "'PHY101' is the code of the course 'Physics': choose another name": lambda: aksio.edit_course(
            "Chemistry", name="PHY101"
        ),
        "the code 'Physics' is the name of the course 'Physics': choose another code": lambda: aksio.edit_course(
            "CHEM", code="Physics"
        ),
        "the course code 'РНY101' looks like 'PHY101', the code of 'Physics'": lambda: aksio.edit_course(
            "CHEM", code=f"{CYRILLIC_ER}\u041dY101"
        ),
    }
    for message, attempt in refused.items():
        with pytest.raises(InvalidInput) as error:
            attempt()
        assert str(error.value).startswith(message)
    assert [(c.name, c.code) for c in aksio.courses()] == [("Chemistry", "CHEM"), ("Physics", "PHY101")]
    # a course's own name and code do not stand in its way
    assert aksio.edit_course("CHEM", name="CHEMISTRY", code="chem").name == "CHEMISTRY"
    assert aksio.add_course("CS162", code="CS162").code == "CS162"
    assert aksio.course("chemistry").id == chemistry.id


def test_course_rm_by_a_code_deletes_the_course_with_that_code(cli: Cli) -> None:
    assert cli("course", "add", "Physics", "--code", "CS1")[0] == 0
    code, _, err = cli("course", "add", "CS1")  # once accepted: `course rm CS1` then deleted this one
    assert code == 1 and "'CS1' is the code of the course 'Physics'" in err
    code, out, err = cli("course", "rm", "CS1", "--yes", "--json")
    assert code == 0, err
    assert json.loads(out)["deleted"]["name"] == "Physics"


def _insert_unchecked(aksio: Aksio, name: str, code: str | None = None) -> str:
    """A course row as an older Aksio could store it, past today's checks."""
    with aksio.db.write() as w:
        return course_rows.insert(w, {"name": name, "code": code, "tags": [], "metadata": {}})


def test_an_existing_name_that_is_another_courses_code_is_ambiguous_not_picked(aksio: Aksio, cli: Cli) -> None:
    physics = aksio.add_course("Physics", code="CS1")
    named_cs1 = _insert_unchecked(aksio, "CS1")
    with pytest.raises(Ambiguous, match=r"^'CS1' matches 2 courses: CS1 \(\w{8}\), Physics \(\w{8}\); use the id$"):
        aksio.course("CS1")
    with pytest.raises(Ambiguous):
        aksio.course_id("cs1")
    code, out, err = cli("course", "rm", "CS1", "--yes")
    assert code == 1 and out == ""
    assert err.startswith("error: 'CS1' matches 2 courses") and err.count("\n") == 1
    assert {c.id for c in aksio.courses()} == {physics.id, named_cs1}
    assert cli("card", "list", "-c", "CS1")[0] == 1  # any command taking a course says the same
    assert aksio.course(physics.id[-8:]).id == physics.id  # an id still names one
    assert aksio.course("physics").id == physics.id


def test_existing_names_that_differ_only_by_invisible_characters_are_ambiguous(aksio: Aksio) -> None:
    _insert_unchecked(aksio, f"Phy{SOFT_HYPHEN}sics")
    _insert_unchecked(aksio, "Physics")
    with pytest.raises(Ambiguous, match="'physics' matches 2 courses"):
        aksio.course("physics")
    assert len(aksio.courses()) == 2


def test_a_name_that_is_another_courses_short_id_is_ambiguous(aksio: Aksio) -> None:
    physics = aksio.add_course("Physics")
    short = physics.id[-8:]
    _insert_unchecked(aksio, short)
    with pytest.raises(Ambiguous, match=f"'{short}' matches 2 courses"):
        aksio.course(short)
    assert aksio.course(physics.id).name == "Physics"


@pytest.mark.parametrize(
    ("first", "second", "same_name", "look_alike"),
    [
        ("Physics", f"Phy{SOFT_HYPHEN}sics", True, True),
        ("Straße", "STRASSE", True, True),
        ("ﬁnance", "Finance", True, True),
        ("Physics", f"{CYRILLIC_ER}hysics", False, True),
        ("Вера", "Bepa", False, True),  # Cyrillic all through, drawn like Latin
        ("Физика", "Physics", False, False),
    ],
)
def test_when_two_names_are_one_and_when_they_look_alike(
    first: str, second: str, same_name: bool, look_alike: bool
) -> None:
    assert (names.key(first) == names.key(second)) is same_name
    assert (names.skeleton(first) == names.skeleton(second)) is look_alike
