"""Fixtures of the ensemble tests: the demo network written once as a network file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import BUNDLED_OSM


@pytest.fixture(scope="session")
def krems_net(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled Krems extract imported once into a network file with its hierarchy."""
    from corridor.ensembles import network_file_for

    return network_file_for(BUNDLED_OSM, tmp_path_factory.mktemp("networks"))


DEMO_PLACES = """
gathering_points:
  - {id: gp-centre, lat: 48.4096, lon: 15.6080}
  - {id: gp-school, lat: 48.4120, lon: 15.6000}
  - {id: gp-station, lat: 48.4065, lon: 15.6110}
exits:
  - {id: rp-east, lat: 48.4098, lon: 15.6723}
  - {id: rp-north, lat: 48.4250, lon: 15.6500}
"""


def write_scenario(folder: Path, network: Path, body: str, name: str = "s.yaml") -> Path:
    """A scenario file in ``folder`` over ``network`` with ``body`` appended."""
    path = folder / name
    path.write_text(
        f"scenario_format: 1\nid: test\nnetwork: {network}\nat: '2022-03-08T10:00:00Z'\n{body}",
        encoding="utf-8",
    )
    return path
