"""Monitoring's records read from data: the fast path without pydantic, pydantic for the rest.

Why: a command that stores one check-in must start in under 0.3 s of CPU, and pydantic's import
and model building cost about 0.1 s of it (issue 14, defect 10). Data the committed JSON Schema
accepts (``jsonschema_rs``) and that has the records' exact shape is built by
:func:`corridor._records.build`; anything else -- an error to word, or a value pydantic's lax
mode coerces (a YAML ``"4"`` for an integer) -- goes through pydantic as before, so what is
accepted, what it becomes and how a problem is worded do not change.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from corridor._records import RecordError, adapter, build, model_message, schema_check, validate

if TYPE_CHECKING:
    from corridor.monitoring._schedule import ConvoyPlan

T = TypeVar("T")

#: Each record class's committed schema file (next to this module); tests hold each equal to
#: what pydantic generates for the class.
SCHEMA_FILES: dict[str, str] = {
    "Checkin": "checkin.schema.json",
    "Incident": "incident.schema.json",
    "ConvoyPlan": "convoy.schema.json",
    "RuleSet": "rules.schema.json",
}


@cache
def schema_text(cls_name: str) -> str:
    return (Path(__file__).parent / SCHEMA_FILES[cls_name]).read_text(encoding="utf-8")


def checked(cls: type[T], data: object) -> T:
    """The record ``cls`` from JSON-like data: pydantic's result, or its ValidationError."""
    return validate(cls, data, schema_json=schema_text(cls.__name__))


def first_problem(exc: ValueError) -> tuple[str, str, int]:
    """(message, dotted location, number of problems) of a refusal from :func:`checked`, in the
    words a model gave (:func:`corridor._records.model_message`); the location is empty for a
    problem with the whole record. Catch ``ValueError`` (pydantic's ValidationError is one) so
    that nothing imports pydantic before data is refused; any other ValueError is raised
    again."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        raise exc
    first = exc.errors()[0]
    msg = model_message(first)
    return msg, ".".join(str(p) for p in first["loc"]), exc.error_count()


def checked_plans(data: object) -> list[ConvoyPlan]:
    """A list of convoy plans (a convoys file): as pydantic's ``list[ConvoyPlan]`` reads it,
    problems located by the item's index first."""
    from corridor.monitoring._schedule import ConvoyPlan

    if isinstance(data, list):
        accepts = schema_check(schema_text("ConvoyPlan"))
        try:
            if all(accepts(item) for item in data):
                return [build(ConvoyPlan, item) for item in data]
        except RecordError:
            pass
    adapter(ConvoyPlan)  # names the annotations' types for pydantic
    from pydantic import TypeAdapter

    return TypeAdapter(list[ConvoyPlan]).validate_python(data)
