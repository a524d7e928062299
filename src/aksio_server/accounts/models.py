"""The accounts' request and response bodies. Requests are strict: unknown fields refused, every string bounded,
no coercion ("1" is not 1), so a malformed body is a clear 422 before any work."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# What a request accepts is exactly what its schema says (schemathesis holds the server to it): no stripping or
# other rewriting before the checks, and patterns that Python's, Rust's and ECMAScript's regexes read alike.
_TEXT = r"^[^\x00-\x1f\x7f-\x9f]*$"  # no C0 or C1 controls, no DEL
_KEY = r"^[A-Za-z0-9_.\-]+$"

Email = Annotated[
    str,
    # ASCII only (an internationalized domain in its xn-- form), so lower-casing keeps its length
    StringConstraints(min_length=3, max_length=254, pattern=r"^[!-?A-~]+@[!-?A-~]+$"),
    AfterValidator(str.lower),
]
NewPassword = Annotated[str, StringConstraints(min_length=8, max_length=256)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
DeviceName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=_TEXT)]
DisplayName = Annotated[str, StringConstraints(max_length=100, pattern=_TEXT)]
PreferenceKey = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_KEY)]
PreferenceValue = (
    Annotated[str, StringConstraints(max_length=1000)]
    | bool
    | int
    | Annotated[float, Field(allow_inf_nan=False)]
    | None
)
Preferences = Annotated[
    dict[PreferenceKey, PreferenceValue],
    Field(
        max_length=64,
        # pydantic writes the key pattern as patternProperties, which lets other keys through: say it plainly
        json_schema_extra={
            "propertyNames": {"minLength": 1, "maxLength": 64, "pattern": _KEY},
            "additionalProperties": False,
        },
    ),
]
PREFERENCES_MAX_BYTES = 8192


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Register(Strict):
    email: Email
    password: NewPassword
    device_name: DeviceName
    display_name: DisplayName = ""


class Login(Strict):
    email: Email
    password: Password
    device_name: DeviceName


class ProfilePatch(Strict):
    """Fields left out are unchanged. ``preferences`` is merged into the stored object: a key set to null is
    removed."""

    display_name: DisplayName | None = None
    preferences: Preferences | None = None


class PasswordChange(Strict):
    current_password: Password
    new_password: NewPassword


class Session(BaseModel):
    """A device logged in: its token is shown this once."""

    user_id: str
    device_id: str
    token: str


class Profile(BaseModel):
    id: str
    email: str
    display_name: str
    preferences: dict[str, str | bool | int | float | None]
    created_at: str


class Device(BaseModel):
    id: str
    name: str
    created_at: str
    last_seen_at: str
    current: bool


class Devices(BaseModel):
    devices: list[Device]
