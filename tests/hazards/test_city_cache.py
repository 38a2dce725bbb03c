"""The joined city list kept between runs (issue 14, defect 10): a kept join is the join made
afresh (the oracle: the same function with no cache folder it can use), and a changed city
list, GeoNames file or damaged cache file never gives the old answer."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from corridor.hazards import Gazetteer
from corridor.hazards import _places as places
from corridor.hazards._places import CITY_LIST, city_list_gazetteer


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(folder))
    city_list_gazetteer.cache_clear()
    yield folder
    city_list_gazetteer.cache_clear()


@pytest.fixture
def city_list(tmp_path: Path, shared_data: Path) -> Path:
    copy = tmp_path / "cities.csv"
    shutil.copy(shared_data / CITY_LIST, copy)
    return copy


def fresh(path: Path, monkeypatch: pytest.MonkeyPatch) -> Gazetteer:
    """The join made now, with the cache folder out of reach (a file stands in its way)."""
    blocker = path.parent / "not-a-folder"
    blocker.write_text("")
    with monkeypatch.context() as m:
        m.setenv("CORRIDOR_CACHE_DIR", str(blocker / "cache"))
        city_list_gazetteer.cache_clear()
        got = city_list_gazetteer(path)
    city_list_gazetteer.cache_clear()
    assert not (blocker / "cache").exists()
    return got


def no_geonames(country: str) -> tuple[dict[str, object], ...]:
    raise AssertionError("joined afresh, not read from the cache")


def kept(path: Path, monkeypatch: pytest.MonkeyPatch) -> Gazetteer:
    """The join as a new run gets it, reading GeoNames forbidden: only the cache can answer."""
    city_list_gazetteer.cache_clear()
    with monkeypatch.context() as m:
        m.setattr(places, "_geonames", no_geonames)
        return city_list_gazetteer(path)


def test_a_kept_join_is_the_join(
    cache: Path, city_list: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = city_list_gazetteer(city_list)
    assert (cache / "gazetteer" / "cities.json").is_file()
    again = kept(city_list, monkeypatch)
    assert again == first == fresh(city_list, monkeypatch)
    assert len(again) == len(first) > 20 and again.unmatched == first.unmatched
    assert [p.aliases for p in again.places] == [p.aliases for p in first.places]
    assert again.unique("Zaporizhzhia") == first.unique("Zaporizhzhia") is not None


def test_a_changed_city_list_is_joined_afresh(
    cache: Path, city_list: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = city_list_gazetteer(city_list)
    lines = city_list.read_text("utf-8").splitlines(keepends=True)
    city_list.write_text("".join([lines[0], *lines[2:]]), "utf-8")  # the first city dropped
    os.utime(city_list, ns=(city_list.stat().st_atime_ns, 0))  # and an old time, to be sure
    with pytest.raises(AssertionError, match="joined afresh"):
        kept(city_list, monkeypatch)
    city_list_gazetteer.cache_clear()
    after = city_list_gazetteer(city_list)
    assert after == fresh(city_list, monkeypatch)
    assert len(after) == len(before) - 1
    assert kept(city_list, monkeypatch) == after  # and it is kept in the old one's place
    assert [p.name for p in (cache / "gazetteer").iterdir()] == ["cities.json"]


def test_a_changed_geonames_file_is_joined_afresh(
    cache: Path, city_list: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in = tmp_path / "cities15000.json"
    geonames = places._geonames_file()
    assert geonames is not None and geonames.is_file()
    shutil.copy(geonames, stand_in)
    monkeypatch.setattr(places, "_geonames_file", lambda: stand_in)
    city_list_gazetteer(city_list)
    assert kept(city_list, monkeypatch) is not None
    os.utime(stand_in, ns=(0, stand_in.stat().st_mtime_ns + 1))
    with pytest.raises(AssertionError, match="joined afresh"):
        kept(city_list, monkeypatch)


@pytest.mark.parametrize(
    "damage",
    ["", "{", "[]", '{"key": 1}', "KEY", "KEY-no-places", "KEY-text-lat", "KEY-nan", "KEY-short"],
)
def test_a_damaged_cache_file_is_joined_afresh(
    cache: Path, city_list: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    import json

    good = city_list_gazetteer(city_list)
    path = cache / "gazetteer" / "cities.json"
    data = json.loads(path.read_text("utf-8"))
    first = data["places"][0]
    damaged = {
        # another key: its last hex digit changed (a "0" for a key that ended in "0" was no change)
        "KEY": json.dumps(
            {**data, "key": data["key"][:-1] + ("1" if data["key"][-1] == "0" else "0")}
        ),
        "KEY-no-places": json.dumps({"key": data["key"], "unmatched": []}),
        "KEY-text-lat": json.dumps({**data, "places": [[first[0], "50.1", *first[2:]]]}),
        "KEY-nan": json.dumps({**data, "places": [[first[0], float("nan"), *first[2:]]]}),
        "KEY-short": json.dumps({**data, "places": [first[:4]]}),
    }.get(damage, damage)
    path.write_text(damaged, "utf-8")
    with pytest.raises(AssertionError, match="joined afresh"):
        kept(city_list, monkeypatch)
    city_list_gazetteer.cache_clear()
    assert city_list_gazetteer(city_list) == good
    assert kept(city_list, monkeypatch) == good  # mended


def test_a_folder_others_can_write_is_not_trusted(
    cache: Path, city_list: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kept join places hazards: a cache another account could write is not read."""
    from corridor.hazards._places import city_list_gazetteer

    fresh = city_list_gazetteer(city_list)
    path = cache / "gazetteer" / "cities.json"
    assert path.is_file()
    text = path.read_text(encoding="utf-8")
    lat = f"{fresh.places[0].lat!r}"
    assert lat in text
    path.write_text(text.replace(lat, "0.0", 1), encoding="utf-8")  # planted by someone else
    (cache / "gazetteer").chmod(0o777)
    city_list_gazetteer.cache_clear()
    assert city_list_gazetteer(city_list) == fresh
