"""The accounts' request and response bodies. Requests are strict: unknown fields refused, every string bounded,
no coercion ("1" is not 1), so a malformed body is a clear 422 before any work."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

_NO_CONTROLS = r"^[^\x00-\x1f\x7f]*$"

Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=3, max_length=254, pattern=r"^[^@\s\x00-\x1f\x7f]+@[^@\s]+$"
    ),
]
NewPassword = Annotated[str, StringConstraints(min_length=8, max_length=256)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
DeviceName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=_NO_CONTROLS)
]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100, pattern=_NO_CONTROLS)]
PreferenceKey = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
PreferenceValue = (
    Annotated[str, StringConstraints(max_length=1000)]
    | bool
    | int
    | Annotated[float, Field(allow_inf_nan=False)]
    | None
)
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
    preferences: Annotated[dict[PreferenceKey, PreferenceValue], Field(max_length=64)] | None = None


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
