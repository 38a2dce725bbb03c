"""Network import: corridor ``import_osm`` vs OSMnx ``graph_from_xml``, and load vs import.

Workload: the shared extracts (Krems .osm.gz; Aguascalientes, converted once from PBF to OSM
XML because OSMnx reads only XML) and a generated 518k-node grid city (``gen_osm.py``, fixed
seed, OSM XML, cached in ``benchmarks/data/``). Both sides read the same file, each in a fresh
subprocess: the time is the import call alone (library imports excluded), the peak memory is
the child's peak RSS (``os.wait4``), also shown above the RSS the process had after importing
its libraries. corridor builds its default graph (largest strongly connected component),
OSMnx its default (largest weakly connected component, simplified). Then a saved network is
loaded (``read_network`` with checksums, which reads every byte) in a fresh process and
compared with importing again; finally a 1M-edge city (``grid530.osm``) is imported and
loaded by corridor alone (the issue's "well under a second" load). Targets: >= 5x faster,
<= 1/4 of OSMnx's peak memory, load >= 50x faster than import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import osmium

from benchmarks.gen_osm import DATA, generate

REPO = Path(__file__).resolve().parents[1]
SHARED_OSM = (REPO / ".." / "shared" / "data" / "osm").resolve()
OSMNX_TIMEOUT_S = 1800
LOAD_SIZE = 530  # grid side giving about a million directed edges

_PRELUDE = """
import json, resource, sys, time
def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
"""
_CORRIDOR = (
    _PRELUDE
    + """
from corridor.network import import_osm, write_network
base = rss_mb()
t = time.perf_counter()
net = import_osm(sys.argv[1])
elapsed = time.perf_counter() - t
if len(sys.argv) > 2:
    write_network(net, sys.argv[2])
print(json.dumps({"s": elapsed, "base_mb": base, "nodes": net.n_nodes, "edges": net.n_edges}))
"""
)
_OSMNX = (
    _PRELUDE
    + """
import osmnx as ox
base = rss_mb()
t = time.perf_counter()
g = ox.graph_from_xml(sys.argv[1])
elapsed = time.perf_counter() - t
print(json.dumps({"s": elapsed, "base_mb": base, "nodes": len(g), "edges": len(g.edges)}))
"""
)
_LOAD = (
    _PRELUDE
    + """
from corridor.network import read_network
base = rss_mb()
t = time.perf_counter()
net = read_network(sys.argv[1])
elapsed = time.perf_counter() - t
print(json.dumps({"s": elapsed, "base_mb": base, "nodes": net.n_nodes, "edges": net.n_edges}))
"""
)


_BARE = (
    _PRELUDE
    + """
import osmium
base = rss_mb()
t = time.perf_counter()
n = 0
for obj in osmium.FileProcessor(sys.argv[1], osmium.osm.NODE | osmium.osm.WAY).with_locations():
    n += 1
elapsed = time.perf_counter() - t
print(json.dumps({"s": elapsed, "base_mb": base, "objects": n}))
"""
)
PARTS = os.environ.get("BENCH_IMPORT_PARTS", "osmnx,pbf").split(",")
PBF_SIZE = 440  # grid side of the issue-15 "1M" city: 981k OSM nodes


def _measured(code: str, *args: str) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter: its JSON result plus its peak RSS (``os.wait4``)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    timer = threading.Timer(OSMNX_TIMEOUT_S, proc.kill)
    timer.start()
    try:
        # Outputs are small (one JSON line, a short error), so reading before waiting is safe.
        out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode < 0:
        return {"error": f"killed after {OSMNX_TIMEOUT_S} s or by signal {-proc.returncode}"}
    if proc.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines() or ["(no output)"]
        return {"error": lines[-1]}
    result = dict(json.loads(out.decode().strip().splitlines()[-1]))
    result["peak_mb"] = usage.ru_maxrss / 1024  # Linux reports KiB
    return result


def _as_xml(src: Path) -> Path:
    """OSMnx reads OSM XML only: convert a PBF once (cached beside the generated data)."""
    if not src.name.endswith(".pbf"):
        return src
    out = DATA / (src.name.removesuffix(".osm.pbf").removesuffix(".pbf") + ".osm")
    if not out.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp.osm")
        tmp.unlink(missing_ok=True)
        with osmium.SimpleWriter(str(tmp)) as writer:
            for obj in osmium.FileProcessor(str(src)):
                writer.add(obj)
        tmp.replace(out)
    return out


def main() -> None:
    if "osmnx" in PARTS:
        _against_osmnx()
    if "pbf" in PARTS:
        _pbf_against_pyosmium()


def _pbf_against_pyosmium() -> None:
    """Issue 15: import of the generated city as .osm.pbf against a bare pyosmium pass with
    node locations over the same file (peak RSS of each fresh process, libraries included;
    targets: peak <= 3x, time <= 3x)."""
    path = generate(PBF_SIZE, DATA / f"grid{PBF_SIZE}.osm.pbf")
    bare = _measured(_BARE, str(path))
    ours = _measured(_CORRIDOR, str(path))
    print()
    print("| file | MB | pyosmium peak MB | pyosmium s | corridor peak MB (libs) | corridor s | "
          "peak ratio | time ratio |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    if "error" in bare or "error" in ours:
        print(f"| {path.name} | failed: {bare.get('error') or ours.get('error')} |")
        return
    print(
        f"| {path.name} | {path.stat().st_size / 1e6:.1f} | {bare['peak_mb']:.0f} | "
        f"{bare['s']:.2f} | {ours['peak_mb']:.0f} ({ours['base_mb']:.0f}) | {ours['s']:.2f} | "
        f"{ours['peak_mb'] / bare['peak_mb']:.1f}x | {ours['s'] / bare['s']:.1f}x |"
    )


def _against_osmnx() -> None:
    files = [_as_xml(p) for p in sorted(SHARED_OSM.iterdir())] if SHARED_OSM.is_dir() else []
    files.append(generate())
    rows = []
    for path in files:
        print(f"{path.name}: corridor ...", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            net_path = str(Path(tmp) / "bench.net")
            ours = _measured(_CORRIDOR, str(path), net_path)
            load = _measured(_LOAD, net_path)
        print(f"{path.name}: osmnx ...", flush=True)
        theirs = _measured(_OSMNX, str(path))
        rows.append((path, ours, theirs, load))
        print(json.dumps({"file": path.name, "corridor": ours, "osmnx": theirs, "load": load}))

    print()
    print(
        "| file | MB | corridor nodes/edges | OSMnx nodes/edges | corridor s | OSMnx s | "
        "speed-up | corridor peak MB (above libs) | OSMnx peak MB (above libs) | memory ratio | "
        "load s | import/load |"
    )
    print("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for path, ours, theirs, load in rows:
        if "error" in ours or "error" in load:
            print(f"| {path.name} | corridor failed: {ours.get('error') or load.get('error')} |")
            continue
        mb = path.stat().st_size / 1e6
        ours_mem = f"{ours['peak_mb']:.0f} ({ours['peak_mb'] - ours['base_mb']:.0f})"
        load_cells = f"{load['s']:.4f} | {ours['s'] / load['s']:.0f}x"
        if "error" in theirs:
            print(
                f"| {path.name} | {mb:.1f} | {ours['nodes']:,}/{ours['edges']:,} | "
                f"{theirs['error']} | {ours['s']:.2f} | - | - | {ours_mem} | - | - | "
                f"{load_cells} |"
            )
            continue
        theirs_mem = f"{theirs['peak_mb']:.0f} ({theirs['peak_mb'] - theirs['base_mb']:.0f})"
        print(
            f"| {path.name} | {mb:.1f} | {ours['nodes']:,}/{ours['edges']:,} | "
            f"{theirs['nodes']:,}/{theirs['edges']:,} | {ours['s']:.2f} | {theirs['s']:.2f} | "
            f"{theirs['s'] / ours['s']:.1f}x | {ours_mem} | {theirs_mem} | "
            f"{ours['peak_mb'] / theirs['peak_mb']:.2f} | {load_cells} |"
        )
    _million_edge_load()


def _million_edge_load() -> None:
    """The issue's load target: a saved network of about a million edges (corridor only;
    OSMnx would need tens of GB here)."""
    path = generate(LOAD_SIZE)
    with tempfile.TemporaryDirectory() as tmp:
        net_path = str(Path(tmp) / "big.net")
        ours = _measured(_CORRIDOR, str(path), net_path)
        size_mb = Path(net_path).stat().st_size / 1e6
        load = _measured(_LOAD, net_path)
    print()
    print("| file | corridor nodes/edges | import s | file MB | load s | import/load |")
    print("|---|---|---:|---:|---:|---:|")
    print(
        f"| {path.name} | {ours['nodes']:,}/{ours['edges']:,} | {ours['s']:.2f} | "
        f"{size_mb:.0f} | {load['s']:.3f} | {ours['s'] / load['s']:.0f}x |"
    )


if __name__ == "__main__":
    main()
