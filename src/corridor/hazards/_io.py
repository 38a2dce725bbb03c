"""Hazard files in and out: format detection, import with a problem report, atomic writes."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from corridor._files import write_atomic
from corridor._input import loads_json, read_input_text
from corridor.errors import HazardInputError, InputError
from corridor.hazards._bellingcat import looks_like_bellingcat, records_from_bellingcat
from corridor.hazards._formats import records_from_csv, records_from_geojson
from corridor.hazards._model import Hazard
from corridor.hazards._places import Gazetteer, load_gazetteer
from corridor.hazards._records import (
    SUSPECT_REASONS,
    Problem,
    RawRecord,
    hazard_to_feature,
    validate_records,
)

Format = Literal["auto", "geojson", "csv", "bellingcat"]
FORMATS: tuple[str, ...] = ("auto", "geojson", "csv", "bellingcat")


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import found: the usable hazards, one Problem per record it had to skip, the
    records that are no hazard at all (reported apart), and warnings about records it kept
    (an unmapped weapon kept as a generic attack, a link given a scheme, a suspect position
    kept with ``keep_suspect``)."""

    path: Path
    format: str
    n_records: int
    hazards: list[Hazard]
    problems: list[Problem] = field(default_factory=list)
    not_hazards: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def n_skipped(self) -> int:
        return len(self.problems)

    def reasons(self) -> Counter[str]:
        """How many records were skipped for each reason."""
        return Counter(p.reason for p in self.problems)

    def suspects(self) -> list[Problem]:
        """Records with a suspect position: skipped (in ``problems``) or kept (in ``warnings``)."""
        return [p for p in [*self.problems, *self.warnings] if p.reason in SUSPECT_REASONS]

    def unmapped(self) -> Counter[str]:
        """How many records carried each weapon or category value that has no mapping."""
        return Counter(
            p.detail for p in self.warnings if p.reason in ("unmapped_weapon", "unmapped_category")
        )

    def warning_reasons(self) -> Counter[str]:
        return Counter(p.reason for p in self.warnings)


def _detect(path: Path, text: str) -> tuple[str, Any]:
    """(format, parsed JSON or None) from the suffix, then from the content."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv", None
    if text.lstrip()[:1] not in ("{", "["):
        raise HazardInputError(
            "not JSON and not a .csv file", path=path,
            hint="use --format csv for a CSV file with another suffix",
        )  # fmt: skip
    data = loads_json(text, path=path, error=HazardInputError)
    return ("bellingcat" if looks_like_bellingcat(data) else "geojson"), data


#: Where incident positions are checked: a gazetteer, ``"default"`` (the shared city list when
#: it can be found), a loader called only when an incident file is read (a GeoJSON or CSV file
#: needs no places, and loading the city list costs a CLI 0.07 s), or None for no place check.
GazetteerSource = Gazetteer | Literal["default"] | Callable[[], Gazetteer | None] | None


def _default_gazetteer() -> Gazetteer | None:
    """The shared city list, or None where it is not installed (the place check is skipped)."""
    try:
        return load_gazetteer()
    except InputError:
        return None


def read_records(
    path: str | Path,
    *,
    format: Format = "auto",
    keep_suspect: bool = False,
    gazetteer: GazetteerSource = "default",
) -> tuple[str, list[RawRecord]]:
    """The raw records of a hazard file; raises HazardInputError when the file as a whole is
    unreadable (too large, not JSON, no lat/lon columns, not a FeatureCollection...). Incident files
    (Bellingcat) have their positions checked, against ``gazetteer`` too: by default the
    shared city list when it can be found (``None``: no place check)."""
    path = Path(path)
    text = read_input_text(path, what="hazard file", error=HazardInputError)
    return records_from_text(
        text, name=path, format=format, keep_suspect=keep_suspect, gazetteer=gazetteer
    )


def records_from_text(
    text: str,
    *,
    name: str | Path,
    format: Format = "auto",
    keep_suspect: bool = False,
    gazetteer: GazetteerSource = "default",
) -> tuple[str, list[RawRecord]]:
    """:func:`read_records` for text already in memory (an upload); ``name`` is what errors
    cite and whose suffix format detection looks at (never a server path)."""
    path = Path(name)
    fmt, data = _detect(path, text) if format == "auto" else (format, None)
    try:
        if fmt == "csv":
            return fmt, records_from_csv(text)
        if data is None:
            data = loads_json(text, path=path, error=HazardInputError)
        if fmt == "bellingcat":
            places = (
                _default_gazetteer() if gazetteer == "default"
                else gazetteer() if callable(gazetteer) else gazetteer
            )  # fmt: skip
            return fmt, records_from_bellingcat(data, gazetteer=places, keep_suspect=keep_suspect)
        if fmt == "geojson":
            return fmt, records_from_geojson(data)
    except (ValueError, csv.Error) as exc:
        if isinstance(exc, HazardInputError):
            raise
        raise HazardInputError(str(exc), path=path, hint=f"read as {fmt}") from exc
    raise HazardInputError(f"unknown format {format!r}", path=path, hint=", ".join(FORMATS))


def import_hazards(
    path: str | Path,
    *,
    format: Format = "auto",
    keep_suspect: bool = False,
    gazetteer: GazetteerSource = "default",
) -> ImportResult:
    """Read a GeoJSON, CSV or Bellingcat file; unusable records are skipped and listed, records
    that are no hazard are listed apart, and what was kept with a caveat is listed as a
    warning."""
    fmt, records = read_records(path, format=format, keep_suspect=keep_suspect,
                                gazetteer=gazetteer)  # fmt: skip
    hazards, problems = validate_records(records)
    skipped = {p.index for p in problems}
    warnings = [
        Problem(r.index, r.id, reason, detail, r.line)
        for r in records if r.index not in skipped
        for reason, detail in r.warnings
    ]  # fmt: skip
    not_hazards = [p for p in problems if p.reason == "not_a_hazard"]
    problems = [p for p in problems if p.reason != "not_a_hazard"]
    return ImportResult(Path(path), fmt, len(records), hazards, problems, not_hazards, warnings)


def load_hazards(path: str | Path, *, format: Format = "auto") -> list[Hazard]:
    """Every hazard in a file (normally a HAZARDS file written by ``corridor hazards import``).

    Raises HazardInputError listing every unusable record: a router must not quietly ignore a
    hazard, so skipping belongs to the import step, where it is reported.
    """
    result = import_hazards(path, format=format)
    if result.problems:
        lines = [_problem_line(p) for p in result.problems]
        raise HazardInputError(
            f"{len(lines)} of {result.n_records} hazard records cannot be used: {lines[0]}"
            + (f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""),
            path=result.path, problems=lines,
            hint="run `corridor hazards validate` to see them all",
        )  # fmt: skip
    return result.hazards


def _problem_line(p: Problem) -> str:
    where = f"record {p.index}" + (f" (line {p.line})" if p.line is not None else "")
    return f"{where}, id {p.id!r}: {p.reason}: {p.detail}"


def hazards_to_geojson(hazards: Iterable[Hazard]) -> dict[str, Any]:
    """A normalised FeatureCollection, valid against ``hazard.schema.json``."""
    return {"type": "FeatureCollection", "features": [hazard_to_feature(h) for h in hazards]}


def write_hazards(hazards: Iterable[Hazard], path: str | Path) -> None:
    """Write a HAZARDS file (normalised GeoJSON) atomically: temp file in the folder, rename."""
    text = json.dumps(hazards_to_geojson(hazards), ensure_ascii=False, indent=1)
    write_atomic(path, text + "\n")


def write_report(problems: Sequence[Problem], path: str | Path) -> None:
    """The skipped records as CSV (suffix .csv) or JSON (anything else), atomically."""
    path = Path(path)
    rows = [p.as_dict() for p in problems]
    if path.suffix.lower() == ".csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=["index", "line", "id", "reason", "detail"])
        writer.writeheader()
        writer.writerows(rows)
        write_atomic(path, buf.getvalue())
    else:
        write_atomic(path, json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
