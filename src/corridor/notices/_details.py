"""What a notice needs that the agreement does not hold: hotline, addresses, directions.

The terms say where and when in coordinates and UTC; people need a street address, how to
find the spot, a number to call, and the markings in their own language. These details are
kept per corridor beside the agreement (``corridor notice ... --details FILE``) and are
never signed: a wrong address is corrected without a new round of signatures.

The details are records (:mod:`corridor._records`): frozen dataclasses whose constraints are
text, so a command that reads stored details starts without pydantic (issue 14, defect 10).
``notice_details.schema.json`` is their JSON Schema as pydantic writes it (a test holds the
two together); data it accepts is built directly, anything else goes to pydantic, which
words the problems exactly as the pydantic models this replaced did.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional, TypeAlias, Union

from corridor.errors import InputError
from corridor.notices._validate import validate

if TYPE_CHECKING:
    from pydantic import Field

LANGUAGES = ("uk", "ru", "en")

# Aliases as text: their ``Field`` is pydantic's, resolved only when pydantic reads them.
# ``Optional``/``Union`` rather than ``|``: text aliases cannot be joined with ``|``.
Text: TypeAlias = "Annotated[str, Field(min_length=1, max_length=500)]"
#: One text for every language, or one per language code.
Localized: TypeAlias = "Union[Text, dict[str, Text]]"  # noqa: UP007
_CONFIG = {"extra": "forbid", "frozen": True, "allow_inf_nan": False}


@dataclasses.dataclass(frozen=True, kw_only=True)
class PlaceDetails:
    """How people find a gathering or reception point named in the terms."""

    __pydantic_config__ = _CONFIG
    name: Annotated[Optional[Localized], Field(description="the place's name, per language")] = None  # noqa: UP045
    address: Annotated[Localized, Field(description="street address, per language")]
    directions: Annotated[Optional[Localized], Field(description="how to find the spot")] = None  # noqa: UP045


@dataclasses.dataclass(frozen=True, kw_only=True)
class NoticeDetails:
    """Per-corridor notice details; keys of ``places`` are place names as in the terms."""

    __pydantic_config__ = _CONFIG
    hotline: Optional[  # noqa: UP045
        Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[0-9+() -]+$")]
    ] = None
    title: Annotated[
        Optional[Localized],  # noqa: UP045
        Field(description="the corridor's title, translated"),
    ] = None
    issuer: Annotated[Optional[Localized], Field(description="who issues the notice")] = None  # noqa: UP045
    places: dict[str, PlaceDetails] = dataclasses.field(default_factory=dict)
    markings: Annotated[
        Optional[Localized],  # noqa: UP045
        Field(description="the vehicle markings, translated (default: as in the terms)"),
    ] = None
    arrive_minutes_before: Annotated[
        int, Field(ge=0, le=240, description="how early people should be at the point")
    ] = 30
    url: Annotated[
        Optional[Annotated[str, Field(max_length=300, pattern=r"^https?://\S+$")]],  # noqa: UP045
        Field(description="where the notice is published (also in the QR code)"),
    ] = None


def localized(value: Localized | None, lang: str) -> tuple[str | None, bool]:
    """The text for ``lang`` and whether it was there (False: a fallback, or nothing)."""
    if value is None:
        return None, False
    if isinstance(value, str):
        return value, True
    if lang in value:
        return value[lang], True
    for other in ("en", *LANGUAGES, *value):
        if other in value:
            return value[other], False
    return None, False


def details_from_data(data: Any, *, source: str | Path | None = None) -> NoticeDetails:
    """Validate details read from YAML/JSON; every problem in one InputError."""
    made, problems = validate(
        NoticeDetails, "notice_details.schema.json", data if data is not None else {}
    )
    if made is None:
        raise InputError(
            "notice details are invalid: " + "; ".join(problems[:5]),
            path=source,
            hint="see docs/notices.md for the details file",
        )
    return made


def details_from_store(data: Any) -> NoticeDetails:
    """Details as the store holds them: written by :func:`details_to_data` after validation, so
    read by the strict builder alone, without the schema check (importing ``jsonschema_rs`` is
    a tenth of a notice's start-up budget, issue 14) nor pydantic, as stored terms are. Anything
    else stored there goes through :func:`details_from_data`, which words its problems."""
    from corridor._records import RecordError, build

    try:
        return build(NoticeDetails, data)
    except RecordError:
        return details_from_data(data)


def details_to_data(details: NoticeDetails) -> dict[str, Any]:
    """The stored JSON form (what pydantic's ``model_dump(mode="json", exclude_none=True)``
    gave): fields in order, those that are None left out."""
    from corridor._records import to_data

    data: dict[str, Any] = to_data(details, exclude_none=True)
    return data


def read_details(path: str | Path) -> NoticeDetails:
    """Read a details file (YAML or JSON; YAML aliases are refused, as in terms files)."""

    path = Path(path)
    from corridor._input import load_yaml, read_input_text

    text = read_input_text(path, what="details file", max_bytes=1_000_000)
    data = load_yaml(text, path=path, what="details file")
    if data is not None and not isinstance(data, dict):
        raise InputError("details must be a mapping (hotline:, places:, ...)", path=path)
    return details_from_data(data, source=path)
