"""The benchmark's generated city is written in the format its name asks for."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from benchmarks.gen_osm import generate

from corridor.network import import_osm


def test_pbf_name_gives_a_pbf_file_with_the_same_roads_as_xml(tmp_path: Path) -> None:
    pbf = generate(12, tmp_path / "city.osm.pbf")
    xml = generate(12, tmp_path / "city.osm")
    # a PBF file opens with the length-prefixed "OSMHeader" blob; XML with its declaration
    assert pbf.read_bytes()[4:15] == b"\n\tOSMHeader"
    assert xml.read_bytes().startswith(b"<?xml")
    assert not list(tmp_path.glob(".*.tmp"))
    a, b = import_osm(pbf), import_osm(xml)
    assert a.n_nodes == b.n_nodes > 100
    assert a.n_edges == b.n_edges
    np.testing.assert_array_equal(np.asarray(a.edge_source), np.asarray(b.edge_source))
    np.testing.assert_allclose(np.asarray(a.edge_length_m), np.asarray(b.edge_length_m))
