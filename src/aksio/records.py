"""The core's records are msgspec Structs; data from outside is checked against them by ``validated``.

Why not pydantic: importing it and building the models cost some 50 ms at every start of `aksio` (a sixth of
the app's cold start), and almost every record is made from our own database rows, already typed. Why not
dataclasses: each one compiles its ``__init__``, ``__repr__`` and ``__eq__`` with ``exec`` when its class is
made, ~0.4 ms a class, 20 ms for the ~50 the app loads at start; a Struct class is made in ~0.01 ms (its
methods are in C), and makes and compares its instances faster too. Data from outside is checked where it
comes in: the config file and the environment (``aksio.config``), a course's scheduling options
(``aksio.service``), with ``validated`` below; a model's JSON answer is still checked by pydantic against the
drafts' JSON schema (``aksio.generate.items``), imported only when a model is asked.

A record is ``class Name(Record, kw_only=True)`` (msgspec does not pass ``kw_only`` on to subclasses), one never
changed once made ``class Name(FrozenRecord, frozen=True)`` (the repeated ``frozen`` is for type checkers), its
mutable defaults ``msgspec.field(default_factory=list)``. A field's bounds are written in its type:
``Annotated[int, bounds(ge=1, doc="...")]``. Messages read like pydantic's (``Input should be greater than or
equal to 1``), which the CLI already printed.
"""

from __future__ import annotations

import types
import typing
from datetime import date
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import msgspec
from msgspec import Meta, Struct

T = TypeVar("T")


class Invalid(ValueError):
    """A value that does not fit its field: where (``loc``, keys from the top) and what is wrong (``msg``)."""

    def __init__(self, loc: tuple[str | int, ...], msg: str) -> None:
        super().__init__(f"{'.'.join(map(str, loc))}: {msg}" if loc else msg)
        self.loc = loc
        self.msg = msg

    @property
    def where(self) -> str:
        return ".".join(map(str, self.loc))


class Record(Struct):
    """Base of the core's records (see the module's docstring)."""


class FrozenRecord(Struct, frozen=True):
    """Base of the records never changed once made: they compare and hash by value."""


def is_record(kind: Any) -> bool:
    """Whether ``kind`` is a record class."""
    return isinstance(kind, type) and issubclass(kind, Struct)


def bounds(*, ge: float | None = None, le: float | None = None, gt: float | None = None, doc: str = "") -> Meta:
    """A field's bounds, checked by ``validated``, and a line saying what the field is: ``Annotated[int, ...]``."""
    given = {"ge": ge, "le": le, "gt": gt, "description": doc or None}
    meta: Meta = Meta(**{k: v for k, v in given.items() if v is not None})  # type: ignore[call-overload]
    return meta


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data: records as dicts (fields in order), dates as ISO text, tuples as lists."""
    if isinstance(value, Struct):
        return {name: plain(getattr(value, name)) for name in value.__struct_fields__}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    dump = getattr(value, "model_dump", None)  # a pydantic model (a model's drafts)
    return dump(mode="json") if callable(dump) else value


def shallow(record: Any) -> dict[str, Any]:
    """A record's fields as keyword arguments (values as they are), e.g. to build a record that extends it."""
    return msgspec.structs.asdict(record)


_NAMES: dict[type, frozenset[str]] = {}


def from_row(cls: type[T], data: dict[str, Any]) -> T:
    """A record from a database row's columns (already typed by our schema); columns it has no field for are left
    out (a row has a ``deleted`` flag, sync columns...)."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = frozenset(cls.__struct_fields__)  # type: ignore[attr-defined]
    return cls(**{k: v for k, v in data.items() if k in names})


def validated(cls: type[T], data: Any, *, forbid_extra: bool = False, loc: tuple[str | int, ...] = ()) -> T:
    """``data`` (a mapping, e.g. parsed TOML) checked against record class ``cls`` and turned into one: text is
    converted where the field's type says so (``"5"`` for an int, ``"true"`` for a bool), missing fields take
    their defaults, unknown keys are ignored (or refused with ``forbid_extra``). Raises ``Invalid``."""
    if isinstance(data, cls):
        return data
    if not isinstance(data, dict):
        raise Invalid(loc, f"Input should be a valid dictionary or instance of {cls.__name__}")
    hints = field_types(cls)
    known = {f.name: f for f in msgspec.structs.fields(cls)}  # type: ignore[arg-type]
    if forbid_extra:
        for key in data:
            if key not in known:
                raise Invalid((*loc, key), "Extra inputs are not permitted")
    values: dict[str, Any] = {}
    bounded = _bounds_of(cls)
    for name, f in known.items():
        if name not in data:
            if f.required:
                raise Invalid((*loc, name), "Field required")
            continue
        value = _convert(hints[name], data[name], (*loc, name))
        _check_limits(value, bounded.get(name), (*loc, name))
        values[name] = value
    return cls(**values)


_HINTS: dict[type, dict[str, Any]] = {}


def field_types(cls: type) -> dict[str, Any]:
    """A record class's field names and their types (resolved once per class)."""
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


_BOUNDS: dict[type, dict[str, Meta]] = {}


def _bounds_of(cls: type) -> dict[str, Meta]:
    """A record class's fields' bounds (``Annotated[..., Meta]``), by field name."""
    if cls not in _BOUNDS:
        extras = typing.get_type_hints(cls, include_extras=True)
        _BOUNDS[cls] = {
            name: meta
            for name, kind in extras.items()
            if get_origin(kind) is typing.Annotated
            for meta in kind.__metadata__
            if isinstance(meta, Meta)
        }
    return _BOUNDS[cls]


_TRUE = {"true", "1", "yes", "on", "t", "y"}
_FALSE = {"false", "0", "no", "off", "f", "n"}


def _convert(kind: Any, value: Any, loc: tuple[str | int, ...]) -> Any:
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        options = get_args(kind)
        if value is None and type(None) in options:
            return None
        (inner,) = (o for o in options if o is not type(None))
        return _convert(inner, value, loc)
    if origin is Literal:
        choices = get_args(kind)
        if value in choices:
            return value
        listed = [repr(c) for c in choices]
        raise Invalid(loc, f"Input should be {', '.join(listed[:-1])} or {listed[-1]}")
    if origin is list:
        if not isinstance(value, list | tuple):
            raise Invalid(loc, "Input should be a valid list")
        (item,) = get_args(kind)
        return [_convert(item, v, (*loc, i)) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise Invalid(loc, "Input should be a valid dictionary")
        key_kind, value_kind = get_args(kind)
        return {_convert(key_kind, k, loc): _convert(value_kind, v, (*loc, str(k))) for k, v in value.items()}
    if kind is bool:
        return _bool(value, loc)
    if kind is int:
        return _int(value, loc)
    if kind is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                pass
        raise Invalid(loc, "Input should be a valid number")
    if kind is str:
        if isinstance(value, str):
            return value
        raise Invalid(loc, "Input should be a valid string")
    if is_record(kind):
        return validated(kind, value, loc=loc)
    raise TypeError(f"no conversion to {kind!r}")  # a record's own type the validator does not know: our bug


def _bool(value: Any, loc: tuple[str | int, ...]) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise Invalid(loc, "Input should be a valid boolean")


def _int(value: Any, loc: tuple[str | int, ...]) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise Invalid(loc, "Input should be a valid integer, unable to parse string as an integer") from None
    raise Invalid(loc, "Input should be a valid integer")


def _check_limits(value: Any, meta: Meta | None, loc: tuple[str | int, ...]) -> None:
    if meta is None or not isinstance(value, int | float) or isinstance(value, bool):
        return
    ge, le, gt = meta.ge, meta.le, meta.gt
    if ge is not None and value < ge:
        raise Invalid(loc, f"Input should be greater than or equal to {ge}")
    if gt is not None and value <= gt:
        raise Invalid(loc, f"Input should be greater than {gt}")
    if le is not None and value > le:
        raise Invalid(loc, f"Input should be less than or equal to {le}")
