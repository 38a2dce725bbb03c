"""The city list's join to GeoNames through an index gives what matching each name against every
city gave (the code before issue 14, defect 10, kept here as the oracle)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from corridor.hazards._places import _CityIndex, _folded, _geonames, normalise_name


def brute_force(name: str, cities: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    key = normalise_name(name)
    exact = [
        c for c in cities
        if normalise_name(c["name"]) == key
        or key in {normalise_name(a) for a in c["alternatenames"]}
    ]  # fmt: skip
    if len(exact) == 1:
        return exact[0]
    if exact:
        return None
    fold = _folded(name)
    loose = [
        c for c in cities
        if fold in {_folded(c["name"]), *(_folded(a) for a in c["alternatenames"])}
    ]  # fmt: skip
    return loose[0] if len(loose) == 1 else None


def _damaged(name: str, rng: random.Random) -> str:
    """A spelling a careless list might have: case, apostrophes, hyphens, spaces, y/i."""
    out = name.upper() if rng.random() < 0.3 else name
    if rng.random() < 0.4:
        out = out.replace("-", " ").replace("'", "’")
    if rng.random() < 0.4:
        out = out.replace("y", "i") if rng.random() < 0.5 else out.replace("i", "y")
    return f"  {out}  " if rng.random() < 0.2 else out


def test_index_matches_the_brute_force_join() -> None:
    rng = random.Random(20261201)
    cities = _geonames("UA")
    assert len(cities) > 300
    index = _CityIndex(cities)
    # The brute force costs ~20 ms a name: a sample of names, aliases and damaged spellings.
    names = rng.sample([c["name"] for c in cities], 60)
    names += rng.sample([a for c in cities for a in c["alternatenames"]], 40)
    names += [_damaged(n, rng) for n in rng.sample(names, 60)]
    names += ["Kyiv", "Kiev", "Lviv", "Zaporizhzhia", "Nowhere", "", "Mykolaiv", "Sofiivka"]
    outcomes = {"one": 0, "none": 0}
    for name in names:
        want = brute_force(name, cities)
        assert index.match(name) is want, name
        outcomes["one" if want is not None else "none"] += 1
    assert outcomes["one"] > 100 and outcomes["none"] > 5  # both kinds of answer are exercised
