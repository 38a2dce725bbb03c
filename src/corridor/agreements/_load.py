"""Read and write terms as YAML or JSON, validated against the published JSON Schema."""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor import _records
from corridor._input import load_yaml, loads_json, max_input_bytes, read_input_text, render_path
from corridor.agreements._terms import Terms, cross_field_problems
from corridor.errors import TermsError

if TYPE_CHECKING:  # jsonschema is imported to validate terms, not to read stored agreements
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError as SchemaViolation

SCHEMA_PATH = Path(__file__).with_name("terms.schema.json")
SCHEMA_ID = "urn:corridor:agreement-terms:v1"

# Friendlier words for the patterns users get wrong.
_PATTERN_HINTS = {
    "public_key": "must be an Ed25519 public key: 32 bytes, base64 (44 characters)",
    "network_sha256": "must be 64 lowercase hex digits (the network file's SHA-256)",
    "hours_utc": "must be HH:MM-HH:MM, e.g. 06:00-20:00",
    "corridor_id": "must be lowercase letters, digits, '.', '_' or '-' (at most 64)",
}


#: Terms are a few kB (a long route a few hundred kB); 16 MB is far above any real file.
#: ``CORRIDOR_MAX_INPUT_MB`` overrides it like every other input cap.
TERMS_MAX_MB = 16


def read_json_file(path: Path, *, name: str, kind: str) -> Any:
    """A user's JSON file (bundle, route); missing, too large, unreadable or too deeply nested
    is an InputError naming it."""
    text = read_input_text(path, what=f"{name} file")
    return loads_json(text, path=path, what=kind)


def terms_schema() -> dict[str, Any]:
    """The JSON Schema of the terms, generated from the records (the committed file must match)."""
    schema = _records.adapter(Terms).json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def schema_text() -> str:
    return json.dumps(terms_schema(), indent=2, ensure_ascii=False) + "\n"


@cache
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _schema_problems(err: SchemaViolation) -> list[tuple[str, str]]:
    parts = list(err.absolute_path)
    kind, expected = err.validator, err.validator_value
    if kind == "required":
        missing = err.message.split("'")[1] if "'" in err.message else "?"
        return [(render_path([*parts, missing]), "is required")]
    if kind == "additionalProperties" and isinstance(err.instance, dict):
        known = set(err.schema.get("properties", {}))
        return [
            (render_path([*parts, str(x)]), "unknown field")
            for x in sorted(set(err.instance) - known, key=str)  # YAML keys may be bool or int
        ]
    messages = {
        "exclusiveMinimum": f"must be > {expected}",
        "minimum": f"must be >= {expected}",
        "exclusiveMaximum": f"must be < {expected}",
        "maximum": f"must be <= {expected}",
        "minItems": f"must have at least {expected} item(s)",
        "maxItems": f"must have at most {expected} item(s)",
        "minLength": "must not be empty" if expected == 1 else f"needs >= {expected} characters",
        "maxLength": f"must be at most {expected} characters",
        "const": f"must be {expected!r}",
        "enum": f"must be one of {expected!r}",
        "type": f"must be of type {expected}, got {type(err.instance).__name__}",
    }
    if kind == "pattern":
        field = next((str(p) for p in reversed(parts) if isinstance(p, str)), "")
        return [(render_path(parts), _PATTERN_HINTS.get(field, f"must match {expected}"))]
    if kind == "anyOf":  # nullable fields: report the non-null alternative
        types = [s.get("type") for s in expected if isinstance(s, dict)]
        return [(render_path(parts), "must be " + " or ".join(str(t) for t in types if t))]
    return [(render_path(parts), messages.get(str(kind), err.message))]


def _covered(path: str, seen: set[str]) -> bool:
    return any(path == s or path.startswith((s + ".", s + "[")) for s in seen)


def _accepted(data: object) -> Terms | None:
    """The terms, when the committed JSON Schema accepts ``data``, the strict builder reads it
    and no cross-field rule is broken; else None.

    ``jsonschema_rs`` checks every bound and pattern (the schema is generated from the records)
    and :func:`corridor._records.build` every type exactly (no string for a number, no number
    for a string, no unknown field) and the records' own checks, so valid terms, which is every
    stored agreement and nearly every file, are read without importing pydantic or jsonschema
    (a fifth of a second, issue 14 defect 10); invalid ones go through both, which word every
    problem (``tests/agreements/test_terms_fast.py`` holds the two paths together).
    """
    if not _schema_accepts()(data):
        return None
    try:
        terms = _records.build(Terms, data)
    except _records.RecordError:
        return None
    return None if cross_field_problems(terms) else terms


@cache
def _schema_accepts() -> Callable[[object], bool]:
    return _records.schema_check(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def record_schema(name: str) -> str:
    """The committed schema of one record of the terms (``"Window"``...), as text for
    :func:`corridor._records.validate`: a reference into the terms schema's ``$defs``."""
    full = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return json.dumps({"$defs": full["$defs"], "$ref": f"#/$defs/{name}"})


def terms_from_store(data: object) -> Terms:
    """Terms as the store holds them: written by :func:`terms_to_data` after validation, so
    read by the strict builder alone (no schema check, no pydantic). Anything else stored there
    goes through :func:`terms_from_data`, which words its problems."""
    try:
        return _records.build(Terms, data)
    except _records.RecordError:
        return terms_from_data(data)


def terms_from_data(data: object, *, source: str | Path | None = None) -> Terms:
    """Validate parsed YAML/JSON; raises TermsError listing every problem with its field path."""
    accepted = _accepted(data)
    if accepted is not None:
        return accepted
    schema_errors = sorted(pm for e in _validator().iter_errors(data) for pm in _schema_problems(e))
    problems = [f"{p}: {m}" for p, m in dict.fromkeys(schema_errors)]
    seen = {p for p, _ in schema_errors}
    from pydantic import ValidationError

    terms: Terms | None = None
    try:
        terms = _records.adapter(Terms).validate_python(data)
    except ValidationError as exc:
        for e in exc.errors(include_url=False):
            path = render_path(x for x in e["loc"] if not str(x).startswith("function-"))
            if not _covered(path, seen):
                msg = str(e["msg"]).removeprefix("Value error, ")
                problems.append(f"{path}: {msg}")
                seen.add(path)
    if terms is not None:
        problems.extend(cross_field_problems(terms))
    if problems or terms is None:
        n = len(problems)
        raise TermsError(
            f"{n} problem{'s' if n != 1 else ''} in the terms: " + "; ".join(problems),
            problems=problems,
            path=source,
        )
    return terms


def parse_terms_text(text: str, *, source: str | Path | None = None) -> object:
    """YAML is a superset of JSON, so one parser reads both (timestamps stay strings).

    Aliases are refused (a few hundred bytes of them expand to gigabytes) and so is nesting
    deeper than any terms file needs."""
    return load_yaml(text, timestamps_as_text=True, path=source, what="YAML/JSON", error=TermsError)


def terms_from_file(path: str | Path) -> Terms:
    """Read terms from a .yaml/.yml/.json file; TermsError names the file and every problem."""
    path = Path(path)
    limit = max_input_bytes(TERMS_MAX_MB)
    text = read_input_text(path, what="terms file", max_bytes=limit, error=TermsError)
    return terms_from_data(parse_terms_text(text, source=path), source=path)


def terms_to_data(terms: Terms) -> dict[str, Any]:
    """The JSON form that is canonicalised and signed (absent optional fields are omitted)."""
    return typing.cast("dict[str, Any]", _records.to_data(terms, exclude_none=True))


@cache
def _terms_dumper() -> type[Any]:
    """A SafeDumper writing positions on one line each (``[lon, lat]``), everything else in
    block style (built on first use: reading terms needs no PyYAML)."""
    import yaml

    def represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
        flow = bool(value) and all(isinstance(v, int | float) for v in value)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)

    dumper: type[yaml.SafeDumper] = type("TermsDumper", (yaml.SafeDumper,), {})
    dumper.add_representer(list, represent_list)
    return dumper


def terms_to_yaml(terms: Terms | Mapping[str, Any]) -> str:
    import yaml

    data = terms_to_data(terms) if isinstance(terms, Terms) else dict(terms)
    return yaml.dump(data, Dumper=_terms_dumper(), sort_keys=False, allow_unicode=True, width=100)
