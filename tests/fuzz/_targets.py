"""Fuzz targets: each reads hostile bytes the way corridor reads a user's file.

The contract under test is the project's error rule: whatever the bytes, a reader either
succeeds or raises a ``corridor.errors.CorridorError`` subclass (one clear line for the CLI,
problem+json for the API). Any other exception is a bug (a traceback, exit 1 or a 500).

Each target writes the input to a real file where the reader takes a path (suffix and all),
so the same code runs as for `corridor hazards import FILE` or `agreement verify-bundle FILE`.
Seeds come from the real data: the bundled Krems extract, the demo hazards, the shared
Bellingcat snapshot, the frozen demo bundle and an audit chain built here.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
_SCRATCH = Path(tempfile.mkdtemp(prefix="corridor-fuzz-"))


def _file(data: bytes, suffix: str) -> Path:
    path = _SCRATCH / f"input{suffix}"
    path.write_bytes(data)
    return path


def osm_xml(data: bytes) -> None:
    """`corridor network import FILE.osm` (osmium's XML reader, then our graph build)."""
    from corridor.network import import_osm

    import_osm(_file(data, ".osm"), keep_all=True)


def _hazards(data: bytes, suffix: str, fmt: str) -> None:
    from corridor.hazards import read_records, validate_records

    _, records = read_records(_file(data, suffix), format=fmt)  # type: ignore[arg-type]
    validate_records(records)


def hazards_geojson(data: bytes) -> None:
    """`corridor hazards import FILE.geojson` / `POST /hazards/import` (GeoJSON)."""
    _hazards(data, ".geojson", "auto")


def hazards_csv(data: bytes) -> None:
    """`corridor hazards import FILE.csv`."""
    _hazards(data, ".csv", "csv")


def hazards_incidents(data: bytes) -> None:
    """`corridor hazards import FILE.json` with a Bellingcat civilian-harm export."""
    _hazards(data, ".json", "bellingcat")


def terms(data: bytes) -> None:
    """`corridor agreement propose TERMS.yaml` (YAML or JSON terms)."""
    from corridor.agreements import terms_from_file

    terms_from_file(_file(data, ".yaml"))


def bundle(data: bytes) -> None:
    """`corridor agreement verify-bundle FILE` (offline: digest, signatures, lifecycle)."""
    from corridor.agreements import read_bundle, verify_bundle

    verify_bundle(read_bundle(_file(data, ".json")))


def audit_export(data: bytes) -> None:
    """`corridor audit verify --file EXPORT.jsonl` (the chain and its head line)."""
    from corridor.audit import verify_export
    from corridor.errors import InputError

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:  # the CLI reads the file as UTF-8 text first
        raise InputError("not UTF-8 text") from exc
    verify_export(text.splitlines())


TARGETS: dict[str, Callable[[bytes], None]] = {
    "osm_xml": osm_xml,
    "hazards_geojson": hazards_geojson,
    "hazards_csv": hazards_csv,
    "hazards_incidents": hazards_incidents,
    "terms": terms,
    "bundle": bundle,
    "audit_export": audit_export,
}


# ---- seeds --------------------------------------------------------------------------------
def _osm_seeds() -> list[bytes]:
    """A hand-made town (a bridge, a one-way, a roundabout) and the head of the Krems extract
    cut after its first ways (an extract cut at a border, as users' files are)."""
    small = b"""<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="corridor-fuzz">
 <node id="1" lat="48.40" lon="15.60"/><node id="2" lat="48.401" lon="15.601"/>
 <node id="3" lat="48.402" lon="15.600"/><node id="4" lat="48.403" lon="15.602"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
  <tag k="highway" v="primary"/><tag k="name" v="Hauptstrasse"/><tag k="maxspeed" v="50"/></way>
 <way id="11"><nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/>
  <tag k="bridge" v="yes"/><tag k="oneway" v="-1"/></way>
 <way id="12"><nd ref="4"/><nd ref="1"/><nd ref="4"/><tag k="highway" v="tertiary"/>
  <tag k="junction" v="roundabout"/><tag k="access" v="destination"/></way>
</osm>
"""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(gzip.decompress((REPO / "data" / "krems.osm.gz").read_bytes()))
    ways = [w for w in root.iter("way") if w.find("tag[@k='highway']") is not None][:6]
    refs = {nd.get("ref") for w in ways for nd in w.iter("nd")}
    out = ET.Element("osm", version="0.6", generator="corridor-fuzz (Krems extract, cut)")
    out.extend(n for n in root.iter("node") if n.get("id") in refs)
    out.extend(ways)
    return [small, ET.tostring(out, encoding="utf-8", xml_declaration=True)]


def _hazard_geojson_seeds() -> list[bytes]:
    demo = (REPO / "data" / "demo" / "krems-hazards.geojson").read_bytes()
    doc = json.loads(demo)
    one = {"type": "FeatureCollection", "features": doc["features"][:2]}
    return [demo, json.dumps(one).encode()]


def _hazard_csv_seeds() -> list[bytes]:
    return [
        b"id,kind,lat,lon,radius_m,severity,confidence,valid_from,valid_to,closes,source_links\n"
        b"h1,shelling,48.41,15.60,500,0.8,0.9,2022-03-08T00:00:00Z,2022-03-09T00:00:00Z,false,"
        b"https://example.org/a|https://example.org/b\n"
        b"h2,bridge-destroyed,48.40,15.61,,1,1,2022-03-01T00:00:00Z,,true,\n",
        b"latitude;longitude;kind\n48.4;15.6;checkpoint\n",
    ]


def _incident_seeds() -> list[bytes]:
    path = SHARED / "incidents" / "bellingcat-civharm-2022-05-24.json"
    if path.exists():
        records = json.loads(path.read_bytes())[:4]
    else:  # the shape the data README documents
        records = [
            {"id": "CIV0001", "date": "02/24/2022", "latitude": "50.45", "longitude": "30.52",
             "location": "Kyiv", "description": "strike", "sources": [{"path": "https://x"}],
             "filters": [{"key": "Type of area affected", "value": "Residential"}]}
        ]  # fmt: skip
    return [json.dumps(records).encode()]


def _bundle_seeds() -> list[bytes]:
    path = REPO / "tests" / "agreements" / "fixtures" / "krems-demo.bundle.json"
    return [path.read_bytes()]


def _terms_seeds() -> list[bytes]:
    import yaml

    bundle = json.loads(_bundle_seeds()[0])
    terms = bundle["terms"]
    return [
        yaml.safe_dump(terms, sort_keys=False).encode(),
        json.dumps(terms, indent=1).encode(),
    ]


def _audit_seeds() -> list[bytes]:
    from corridor.audit import export_lines, next_entry

    at = datetime(2022, 3, 5, 9, tzinfo=UTC)
    entries, head = [], None
    payloads = [
        {"hazard": "h1", "kind": "shelling", "severity": 0.8},
        {"agreement": "kr-1", "party": "icrc", "signature": "AAAA"},
        {"report": {"lat": 48.4, "lon": 15.6, "notes": "bridge down, ïñ ünïcödé"}},
    ]
    for i, payload in enumerate(payloads):
        head = next_entry(
            head, at_utc=at + timedelta(minutes=i), actor=f"user{i}", action="x.y",
            payload=payload,
        )  # fmt: skip
        entries.append(head)
    full = "\n".join(export_lines(entries)).encode()
    bare = "\n".join(export_lines(entries, with_payloads=False)).encode()
    return [full, bare]


SEEDS: dict[str, Callable[[], list[bytes]]] = {
    "osm_xml": _osm_seeds,
    "hazards_geojson": _hazard_geojson_seeds,
    "hazards_csv": _hazard_csv_seeds,
    "hazards_incidents": _incident_seeds,
    "terms": _terms_seeds,
    "bundle": _bundle_seeds,
    "audit_export": _audit_seeds,
}
