"""Domain records as frozen dataclasses that load without pydantic.

Why: importing pydantic and building its models costs 0.1-0.15 s of CPU, half of the 0.3 s a
command that only reads or writes the database may take to start (issue 14, defect 10). A
record is therefore a plain ``@dataclass(frozen=True)`` whose annotations carry pydantic's
constraints *as text*: ``Annotated[str, Field(min_length=1)]`` with ``Field`` imported only
under ``TYPE_CHECKING`` (and ``from __future__ import annotations``), so nothing of pydantic
runs when the module is imported.

Three ways in, one set of records:

* :func:`adapter` -- pydantic's ``TypeAdapter`` over the dataclass, built on first use: the
  full validation with every problem worded, the JSON Schema, the API's request bodies. It
  resolves the annotations' names (``Field``, ``UtcDatetime`` ...) from :func:`_names`.
* :func:`build` -- a strict structural constructor from JSON data that a schema check has
  already accepted (for example stored records, or a file that ``jsonschema_rs`` passed
  against the committed schema). It checks types exactly (no string for a number, no unknown
  field) and runs each record's ``__post_init__`` checks, but no length, bound or pattern:
  those are the schema's. Anything it refuses raises :class:`RecordError`; callers then fall
  back to :func:`adapter`, which words the problem.
* :func:`to_data` -- the JSON form, exactly as pydantic's ``dump_python(mode="json")`` writes
  it (UTC as ``Z``), because that form is canonicalised and signed: the same record must give
  the same bytes whichever path made it (``tests/test_records.py`` holds the two together).
"""

from __future__ import annotations

import dataclasses
import enum
import math
import re
import sys
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Union

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = [
    "RecordError",
    "adapter",
    "build",
    "error_message",
    "parse_utc",
    "schema_check",
    "to_data",
    "validate",
]

T = TypeVar("T")

#: RFC 3339 as pydantic reads it in strict JSON mode, narrowed: an offset is required (every
#: time corridor stores is aware), at most six fraction digits. Seconds may be left out, as
#: people type times on a command line (``2030-03-01T06:00Z``); pydantic reads that as ``:00``.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})\Z")


class RecordError(ValueError):
    """The data does not have the record's exact shape (the caller falls back to pydantic)."""


def _names() -> dict[str, Any]:
    """What records' annotations name without importing at run time."""
    from pydantic import AfterValidator, Field

    from corridor._times import UtcDatetime

    return {
        "Field": Field,
        "AfterValidator": AfterValidator,
        "UtcDatetime": UtcDatetime,
    }


def adapter(cls: type[T]) -> TypeAdapter[T]:
    """pydantic's full validator and schema for a record class (imports pydantic).

    The names the annotations use only as text are put into the defining module's namespace
    (never replacing one it has), where pydantic resolves them."""
    found = _ADAPTERS.get(cls)
    if found is not None:
        return typing.cast("TypeAdapter[T]", found)
    from pydantic import TypeAdapter

    for module in {sys.modules[c.__module__] for c in _record_classes(cls)}:
        for name, value in _names().items():
            module.__dict__.setdefault(name, value)
    made = _ADAPTERS[cls] = TypeAdapter(cls)
    return made


_ADAPTERS: dict[type[Any], Any] = {}


def _record_classes(cls: type[Any]) -> list[type[Any]]:
    """``cls`` and every record class its fields name, for the namespaces pydantic reads."""
    seen: list[type[Any]] = []
    todo = [cls]
    while todo:
        c = todo.pop()
        if c in seen:
            continue
        seen.append(c)
        for tp in _hints(c).values():
            todo.extend(
                t for t in _leaves(tp) if isinstance(t, type) and dataclasses.is_dataclass(t)
            )
    return seen


def _is_record(tp: object) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _leaves(tp: Any) -> list[Any]:
    args = typing.get_args(tp)
    if not args:
        return [tp]
    return [leaf for a in args for leaf in _leaves(a)]


class _Meta:
    """Stands in for ``Field(...)``/``AfterValidator(...)`` when hints are read for :func:`build`:
    the constraints are the schema's business there, only the types matter."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        del args, kwargs


def _hints(cls: type[Any]) -> dict[str, Any]:
    """The field types of a record class with the constraint markers stripped."""
    found = _HINTS.get(cls)
    if found is None:
        found = _HINTS[cls] = _read_hints(cls)
    return found


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _read_hints(cls: type[Any]) -> dict[str, Any]:
    module = sys.modules[cls.__module__]
    local = {
        "Field": _Meta,
        "AfterValidator": _Meta,
        "UtcDatetime": datetime,
    }
    return typing.get_type_hints(cls, globalns=dict(vars(module)), localns=local)


def parse_utc(text: object) -> datetime:
    """An RFC 3339 time with an offset, in UTC; RecordError for anything else (the caller's
    fallback words it). Narrower than pydantic on purpose: what passes here pydantic reads
    the same."""
    if not isinstance(text, str) or not _RFC3339.match(text):
        raise RecordError(f"not an RFC 3339 time with an offset: {text!r}")
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise RecordError(str(exc)) from None


def build(cls: type[T], data: object) -> T:
    """The record ``cls`` from JSON data of exactly its shape; RecordError otherwise.

    Values are taken as they are, with no coercion (strict JSON mode); ``__post_init__``
    checks run as on any construction; a ValueError or TypeError they raise becomes a
    RecordError."""
    try:
        return typing.cast(T, _value(cls, data))
    except RecordError:
        raise
    except (ValueError, TypeError) as exc:
        raise RecordError(str(exc)) from None


def _value(tp: Any, data: object) -> object:  # noqa: PLR0911 -- one case per kind of type
    if _is_record(tp):
        return _record(tp, data)
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _value(typing.get_args(tp)[0], data)
    if origin in (Union, types.UnionType):
        for option in typing.get_args(tp):
            try:
                return _value(option, data)
            except RecordError:
                continue
        raise RecordError(f"{data!r} is none of {tp}")
    if origin is list:
        if not isinstance(data, list):
            raise RecordError(f"expected a list, got {type(data).__name__}")
        (item,) = typing.get_args(tp)
        return [_value(item, x) for x in data]
    if origin is dict:
        key, item = typing.get_args(tp)
        if not isinstance(data, dict) or key is not str:
            raise RecordError(f"expected an object, got {type(data).__name__}")
        return {k: _value(item, v) for k, v in data.items()}
    if origin is Literal:
        if any(data == a and type(data) is type(a) for a in typing.get_args(tp)):
            return data
        raise RecordError(f"{data!r} is not one of {typing.get_args(tp)}")
    return _scalar(tp, data)


def _scalar(tp: Any, data: object) -> object:
    if tp is type(None):
        if data is None:
            return None
    elif tp is datetime:
        return parse_utc(data)
    elif tp is float:  # JSON's integers are numbers too; pydantic's strict JSON mode agrees
        if isinstance(data, float | int) and not isinstance(data, bool) and math.isfinite(data):
            return float(data)
    elif tp in (str, int, bool):
        if type(data) is tp:
            return data
    elif isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except ValueError:
            pass
    elif tp is Any:
        return data
    else:
        raise RecordError(f"no strict reading for {tp!r}")
    raise RecordError(f"expected {getattr(tp, '__name__', tp)}, got {data!r}")


def _record(cls: type[Any], data: object) -> object:
    if not isinstance(data, dict):
        raise RecordError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = set(data) - set(fields)
    if unknown:
        raise RecordError(f"{cls.__name__}: unknown fields {sorted(map(str, unknown))}")
    kwargs: dict[str, object] = {}
    for name, f in fields.items():
        if name in data:
            kwargs[name] = _value(hints[name], data[name])
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise RecordError(f"{cls.__name__}.{name} is required")
    return cls(**kwargs)


def to_data(record: object, *, exclude_none: bool = False) -> Any:  # noqa: PLR0911
    """The JSON form pydantic's ``dump_python(mode="json")`` gives (fields in order, UTC as
    ``Z``); ``exclude_none`` leaves out fields that are None, as pydantic's option does."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(record):
            value = getattr(record, f.name)
            if value is None and exclude_none:
                continue
            out[f.name] = to_data(value, exclude_none=exclude_none)
        return out
    if isinstance(record, datetime):
        text = record.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(record, date):
        return record.isoformat()
    if isinstance(record, enum.Enum):
        return to_data(record.value, exclude_none=exclude_none)
    if isinstance(record, list | tuple):
        return [to_data(x, exclude_none=exclude_none) for x in record]
    if isinstance(record, Mapping):
        return {str(k): to_data(v, exclude_none=exclude_none) for k, v in record.items()}
    if record is None or isinstance(record, str | int | float):
        return record
    raise TypeError(f"no JSON form for {type(record).__name__}")


@cache
def schema_check(schema_json: str) -> Callable[[object], bool]:
    """A fast yes/no against a JSON Schema (``jsonschema_rs``, compiled): whether data needs
    the slow, wording validation at all."""
    import json

    import jsonschema_rs

    is_valid = jsonschema_rs.Draft202012Validator(json.loads(schema_json)).is_valid

    def accepts(data: object) -> bool:
        try:
            return bool(is_valid(data))
        except (ValueError, TypeError, OverflowError):
            return False

    return accepts


def validate(
    cls: type[T], data: object, *, schema_json: str, builder: Callable[[Any], T] | None = None
) -> T:
    """``data`` as the record ``cls``, as pydantic's adapter would read it, but without pydantic
    when ``data`` passes the schema check and the strict builder (the usual case).

    ``schema_json`` is the record's JSON Schema as committed text (it carries the lengths,
    bounds and patterns :func:`build` leaves out; ``{"$ref": ...}`` into a larger schema's
    ``$defs`` will do). Anything either refuses goes to ``adapter(cls).validate_python``,
    which accepts what it accepts (lax, as before) or raises pydantic's ValidationError, a
    ValueError, worded (see :func:`error_message`). ``builder`` stands in for :func:`build`
    where a record needs more than it does (it raises RecordError to hand over)."""
    if schema_check(schema_json)(data):
        try:
            return builder(data) if builder is not None else build(cls, data)
        except RecordError:
            pass
    return adapter(cls).validate_python(data)


#: pydantic words a dataclass's unknown and missing fields otherwise than a model's. Users and
#: API clients saw the model's words before the domain types became records, and tests and
#: scripts match them, so every boundary words a refusal as the model did.
_MODEL_WORDS = {
    "unexpected_keyword_argument": "Extra inputs are not permitted",
    "missing_argument": "Field required",
}


def model_message(err: Mapping[str, Any]) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) in the words pydantic gives
    for a model rather than a dataclass."""
    kind = str(err.get("type", ""))
    if kind == "dataclass_type":  # a record where an object was expected
        name = (err.get("ctx") or {}).get("class_name", "")
        return f"Input should be a valid dictionary or instance of {name}"
    return _MODEL_WORDS.get(kind, str(err.get("msg", "invalid")))


def error_message(exc: ValueError) -> str:
    """The first problem of a ValueError from :func:`validate`, in pydantic's words for a model
    (:func:`model_message`) without its ``Value error, `` prefix; any other ValueError's own
    text."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        found = errors(include_url=False)
        if found:
            return model_message(found[0]).removeprefix("Value error, ")
    return str(exc)
