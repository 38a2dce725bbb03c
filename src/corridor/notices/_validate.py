"""One way in for the notice area's records: the committed JSON Schema, then pydantic.

Data the schema accepts (``jsonschema_rs``, compiled) is built directly by
:func:`corridor._records.build`, without importing pydantic; anything else, or anything the
strict builder refuses, is validated by pydantic (lax, as the pydantic models these records
replaced were), which words every problem. The words are those models' words: pydantic says
a few things differently of a dataclass than of a model, and
:func:`corridor._records.model_message` puts those back. The reading itself is
:func:`corridor._records.validate`'s; this module adds the area's schema files and the list of
problems a details or movement file is refused with.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable


T = TypeVar("T")


@cache
def schema_text(name: str) -> str:
    """A committed JSON Schema of this area (``notices/<name>``)."""
    return resources.files("corridor.notices").joinpath(name).read_text("utf-8")


def validate(
    cls: type[T], schema: str, data: Any, *, builder: Callable[[Any], T] | None = None
) -> tuple[T | None, list[str]]:
    """(the record, []) or (None, every problem as ``field.path: message``); ``builder``
    stands in for :func:`corridor._records.build` where a record needs more than it does."""
    from corridor._records import model_message
    from corridor._records import validate as read

    try:
        return read(cls, data, schema_json=schema_text(schema), builder=builder), []
    except ValueError as exc:  # pydantic's ValidationError (imported only once it is raised)
        from pydantic import ValidationError

        if not isinstance(exc, ValidationError):
            raise
        return None, [
            ".".join(str(p) for p in err["loc"]) + ": " + model_message(err) for err in exc.errors()
        ]
