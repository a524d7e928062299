"""Names people type (course names and codes): the form they are stored in, and when two of them are the same name.

Two names are the same when they differ only in case, width, ligatures, invisible characters or white space
(``key``), and they look the same when, besides, their letters are Cyrillic or Greek look-alikes of Latin ones
(``skeleton``, in the style of Unicode TR39's confusable skeleton, restricted to these three scripts: no library
for it is installed here, and these are the look-alikes a keyboard layout or a pasted name brings in).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties) outside category Cf, which is dropped whole:
# the combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian and other variation selectors.
_IGNORABLE = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]")

# Letters of other scripts drawn like a Latin letter (after NFD, so accented ones are covered by their base):
# Unicode's confusables.txt entries for Cyrillic and Greek whose prototype is one Latin letter, and the Latin
# letters that are drawn like another.
_LOOK_ALIKES = str.maketrans(
    {
        # Cyrillic capitals and small letters
        **dict(zip("АВЕКМНОРСТУХЅІЈӀԚԜҮ", "ABEKMHOPCTYXSIJlQWY", strict=True)),
        **dict(zip("аеорсухѕіјԁԛԝһӏү", "aeopcyxsijdqwhly", strict=True)),
        # Greek capitals and small letters
        **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧϜϹϺ", "ABEZHIKMNOPTYXFCM", strict=True)),
        **dict(zip("αογιρυνχϲϳ", "aoyipuvxcj", strict=True)),
        # Latin letters drawn like another Latin letter
        **dict(zip("ıɑɡɩ", "iagi", strict=True)),
    }
)
_LATIN_LOOK_ALIKES = frozenset(chr(c) for c in _LOOK_ALIKES if not unicodedata.name(chr(c), "").startswith("LATIN"))
_LETTERS = re.compile(r"[^\W\d_]+")


def clean(value: str) -> str:
    """The form a name is stored in: NFKC (full-width, ligatures and styled letters become plain ones), without
    invisible characters (soft hyphen, zero-width spaces and joiners, bidi marks, BOM) or control characters, each
    run of white space one space, trimmed."""
    value = "".join(ch for ch in value if not _invisible(ch) or ch.isspace())
    value = unicodedata.normalize("NFKC", _IGNORABLE.sub("", value))
    return " ".join(value.split())


def key(value: str) -> str:
    """What two names that are the same name share: their clean form, case folded (NFKC_Casefold)."""
    return unicodedata.normalize("NFKC", clean(value).casefold())


def skeleton(value: str) -> str:
    """What two names that look the same share: ``key`` after each look-alike letter became the Latin one."""
    decomposed = unicodedata.normalize("NFD", clean(value)).translate(_LOOK_ALIKES)
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFC", decomposed).casefold())


def mixed_script_word(value: str) -> str | None:
    """The first word mixing Latin letters with a Cyrillic or Greek letter drawn like a Latin one ("Рhysics" with
    a Cyrillic Р), or None: such a word reads as Latin but matches nothing typed in Latin."""
    for match in _LETTERS.finditer(clean(value)):
        word = match.group()
        scripts = {_script(ch) for ch in word}
        if "LATIN" in scripts and scripts & {"CYRILLIC", "GREEK"} and any(ch in _LATIN_LOOK_ALIKES for ch in word):
            return word
    return None


def look_alikes(value: str) -> str:
    """Which letters of ``value`` are another script's look-alikes of Latin ones ("'Р' is Cyrillic"), or ""."""
    found = dict.fromkeys(ch for ch in unicodedata.normalize("NFD", clean(value)) if ch.translate(_LOOK_ALIKES) != ch)
    return ", ".join(f"{ch!r} is {_script(ch).capitalize()}" for ch in found)


def refusal(value: str, what: str, others: Iterable[tuple[str, str | None]]) -> str | None:
    """Why a course's ``what`` ("name" or "code") cannot be ``value`` beside the other courses' (name, code), or
    None: it may not be, or look like, any of their names or codes, so that a name or code typed finds one course
    (one error naming the course in the way), nor mix scripts confusably."""
    taken: list[tuple[str, str, str]] = []  # (the other course's name, its name or code, which of the two)
    for name, code in others:
        taken += [(name, name, "name")] + ([(name, code, "code")] if code else [])
    wanted = key(value)
    for other, theirs, kind in taken:
        if key(theirs) == wanted:
            if what == kind == "name":
                return f"a course named {other!r} already exists"
            if kind == "name":
                return f"the code {value!r} is the name of the course {other!r}: choose another code"
            if what == "name":
                return f"{value!r} is the code of the course {other!r}: choose another name"
            return f"the code {value!r} is already the code of the course {other!r}"
    drawn = skeleton(value)
    for other, theirs, kind in taken:
        if skeleton(theirs) == drawn:
            like = f"the course {other!r}" if kind == "name" else f"{theirs!r}, the code of {other!r}"
            why = look_alikes(value) or look_alikes(theirs)
            return f"the course {what} {value!r} looks like {like} ({why}): choose a {what} that reads differently"
    if word := mixed_script_word(value):
        return (
            f"the course {what} {value!r} mixes Latin letters with Cyrillic or Greek ones drawn alike ({word!r}): "
            "type it in one script"
        )
    return None


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cf", "Cc")


def _script(ch: str) -> str:
    return unicodedata.name(ch, "").split(" ", 1)[0]
