"""What a notice needs that the agreement does not hold: hotline, addresses, directions.

The terms say where and when in coordinates and UTC; people need a street address, how to
find the spot, a number to call, and the markings in their own language. These details are
kept per corridor beside the agreement (``corridor notice ... --details FILE``) and are
never signed: a wrong address is corrected without a new round of signatures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from corridor.errors import InputError

LANGUAGES = ("uk", "ru", "en")

Text = Annotated[str, Field(min_length=1, max_length=500)]
#: One text for every language, or one per language code.
Localized = Text | dict[str, Text]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class PlaceDetails(_Strict):
    """How people find a gathering or reception point named in the terms."""

    name: Localized | None = Field(default=None, description="the place's name, per language")
    address: Localized = Field(description="street address, per language")
    directions: Localized | None = Field(default=None, description="how to find the spot")


class NoticeDetails(_Strict):
    """Per-corridor notice details; keys of ``places`` are place names as in the terms."""

    hotline: Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[0-9+() -]+$")] | None = (
        None
    )
    title: Localized | None = Field(default=None, description="the corridor's title, translated")
    issuer: Localized | None = Field(default=None, description="who issues the notice")
    places: dict[str, PlaceDetails] = Field(default_factory=dict)
    markings: Localized | None = Field(
        default=None, description="the vehicle markings, translated (default: as in the terms)"
    )
    arrive_minutes_before: int = Field(
        default=30, ge=0, le=240, description="how early people should be at the point"
    )
    url: Annotated[str, Field(max_length=300, pattern=r"^https?://\S+$")] | None = Field(
        default=None, description="where the notice is published (also in the QR code)"
    )


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
    try:
        return NoticeDetails.model_validate(data if data is not None else {})
    except ValidationError as exc:
        problems = [
            ".".join(str(p) for p in err["loc"]) + ": " + str(err["msg"]) for err in exc.errors()
        ]
        raise InputError(
            "notice details are invalid: " + "; ".join(problems[:5]),
            path=source,
            hint="see docs/notices.md for the details file",
        ) from exc


def read_details(path: str | Path) -> NoticeDetails:
    """Read a details file (YAML or JSON; YAML aliases are refused, as in terms files)."""

    path = Path(path)
    from corridor._input import load_yaml, read_input_text

    text = read_input_text(path, what="details file", max_bytes=1_000_000)
    data = load_yaml(text, path=path, what="details file")
    if data is not None and not isinstance(data, dict):
        raise InputError("details must be a mapping (hotline:, places:, ...)", path=path)
    return details_from_data(data, source=path)
