"""`corridor party` and `corridor agreement` end to end through the real CLI, on both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

from corridor._files import sha256_file
from corridor.cli import app
from corridor.network import Network, read_network, write_network
from corridor.routing import RouteOptions, route
from corridor.store import open_store
from tests.agreements.test_store_agreements import snapshot

runner = CliRunner()
PARTIES = (
    ("kyiv-oblast", "regional administration"),
    ("army-east", "armed forces"),
    ("icrc", "neutral intermediary"),
)


def run(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def flat(result: Result) -> str:
    return " ".join(result.output.split())


def iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def route_files(krems_network: Network, tmp_path: Path) -> tuple[Path, Path]:
    """A route computed by the real `corridor route` on a real network file."""
    net_path = tmp_path / "krems.cnet"
    write_network(krems_network, net_path)
    geojson = tmp_path / "route.geojson"
    r = run(
        "route",
        net_path,
        "--from",
        "48.4105,15.6030",
        "--to",
        "48.3990,15.6220",
        "--format",
        "geojson",
        "-o",
        geojson,
    )
    assert r.exit_code == 0, r.output
    return geojson, net_path


def test_agreement_lifecycle_end_to_end(
    db_url: str, tmp_path: Path, route_files: tuple[Path, Path]
) -> None:
    geojson, net_path = route_files
    keys = tmp_path / "keys"
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2 but longer\n", encoding="utf-8")
    for name, role in PARTIES:
        extra = ["--passphrase-file", secret] if name == "army-east" else ["--no-passphrase"]
        r = run("party", "keygen", name, "-o", keys, *extra)
        assert r.exit_code == 0, r.output
        assert oct((keys / f"{name}.key").stat().st_mode & 0o777) == "0o600"
        r = run(
            "party",
            "add",
            name,
            "--role",
            role,
            "--public-key",
            keys / f"{name}.pub",
            "--db",
            db_url,
        )
        assert r.exit_code == 0, r.output
    assert "army-east" in flat(run("party", "list", "--db", db_url))

    w0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    windows = [
        f"{iso(w0)}/{iso(w0 + timedelta(hours=6))}",
        f"{iso(w0 + timedelta(days=1))}/{iso(w0 + timedelta(days=1, hours=6))}",
    ]
    terms_path = tmp_path / "terms.yaml"
    r = run(
        "agreement",
        "draft",
        "--route",
        geojson,
        "--network",
        net_path,
        "--id",
        "krems-1",
        "-o",
        terms_path,
        "--db",
        db_url,
        *[x for n, _ in PARTIES for x in ("--party", n)],
        *[x for w in windows for x in ("--window", w)],
        "--origin-name",
        "Old town square",
        "--destination",
        "48.3990,15.6220",
        "--destination-name",
        "Mautern reception",
        "--markings",
        "white flags",
        "--observer",
        "ICRC",
        "--max-convoy",
        "20",
    )
    assert r.exit_code == 0, r.output
    assert "still to fill in" in r.output and "origin" in r.output  # origin coords given, name not
    data: dict[str, Any] = yaml.safe_load(terms_path.read_text(encoding="utf-8"))
    assert data["route"]["network_sha256"] == sha256_file(net_path)
    direct = route(
        read_network(net_path),
        origin=(48.4105, 15.6030),
        destination=(48.3990, 15.6220),
        options=RouteOptions(risk_weight=10.0),
    )
    assert [e["id"] for e in data["route"]["edges"]] == direct.routes[0].edges.tolist()
    assert len(data["route"]["edges"]) >= 2 and all("length_m" in e for e in data["route"]["edges"])
    data["origin"]["name"] = "Old town square"
    terms_path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    r = run("agreement", "propose", terms_path, "--db", db_url, "--actor", "coordinator")
    assert r.exit_code == 0, r.output
    assert "proposed krems-1 version 1" in flat(r)
    r = run("agreement", "verify", "krems-1", "--db", db_url)
    assert r.exit_code == 2 and "not in force" in flat(r) and "missing" in flat(r)
    assert "krems-1 │ 1 │ proposed" in flat(run("agreement", "list", "--db", db_url))

    for name, _ in PARTIES:
        extra = ["--passphrase-file", secret] if name == "army-east" else []
        r = run(
            "agreement", "sign", "krems-1", "--key", keys / f"{name}.key", *extra, "--db", db_url
        )
        assert r.exit_code == 0, r.output
    r = run("agreement", "verify", "krems-1", "--db", db_url)
    assert r.exit_code == 0 and "in force" in flat(r), r.output
    shown = flat(run("agreement", "show", "krems-1", "--db", db_url))
    assert "state at" in shown and "agreed" in shown and "EET" in shown + "EEST"

    bundle = tmp_path / "v1.bundle.json"
    assert run("agreement", "export", "krems-1", "-o", bundle, "--db", db_url).exit_code == 0
    r = run("agreement", "verify-bundle", bundle)
    assert r.exit_code == 0 and "in force" in flat(r)
    tampered = json.loads(bundle.read_text(encoding="utf-8"))
    tampered["terms"]["max_convoy_size"] = 200
    bad_bundle = tmp_path / "tampered.json"
    bad_bundle.write_text(json.dumps(tampered), encoding="utf-8")
    r = run("agreement", "verify-bundle", bad_bundle)
    assert r.exit_code == 2 and "changed after signing" in flat(r)

    # Version 2: window 2 thirty minutes later, smaller convoys, a checkpoint.
    v2 = yaml.safe_load(terms_path.read_text(encoding="utf-8"))
    w2 = v2["windows"][1]
    for k in ("start_utc", "end_utc"):
        w2[k] = iso(datetime.fromisoformat(w2[k].replace("Z", "+00:00")) + timedelta(minutes=30))
    v2["max_convoy_size"] = 12
    v2["checkpoints"] = [
        {
            "name": "Bridge CP",
            "lat": 48.40,
            "lon": 15.61,
            "operated_by": "army-east",
            "hours_utc": "05:00-19:00",
            "max_vehicles_per_hour": 30,
            "inspection_minutes": 4,
        }
    ]
    terms_path.write_text(yaml.safe_dump(v2, sort_keys=False), encoding="utf-8")
    r = run("agreement", "propose", terms_path, "--db", db_url)
    assert r.exit_code == 0 and "version 2" in flat(r), r.output
    d = flat(run("agreement", "diff", "krems-1", "1", "2", "--db", db_url))
    assert "window 2 moved 30 min later" in d
    assert "maximum convoy size 20 -> 12 vehicles" in d
    assert "checkpoint 'Bridge CP' added" in d
    r = run("agreement", "verify", "krems-1", "--db", db_url)
    assert r.exit_code == 2  # v1 signatures do not carry over

    store = open_store(db_url)
    try:
        before = snapshot(store)
        failures = {
            "superseded": run(
                "agreement",
                "sign",
                "krems-1",
                "--key",
                keys / "icrc.key",
                "--version",
                "1",
                "--db",
                db_url,
            ),
            "wrong key": run(
                "agreement",
                "sign",
                "krems-1",
                "--key",
                keys / "icrc.key",
                "--party",
                "army-east",
                "--db",
                db_url,
            ),
            "passphrase": run(
                "agreement", "sign", "krems-1", "--key", keys / "army-east.key", "--db", db_url
            ),
            "unknown": run(
                "agreement", "sign", "krems-9", "--key", keys / "icrc.key", "--db", db_url
            ),
        }
        corrupt = keys / "corrupt.key"
        corrupt.write_bytes(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        corrupt.chmod(0o600)
        failures["corrupt"] = run("agreement", "sign", "krems-1", "--key", corrupt, "--db", db_url)
        bad_terms = tmp_path / "bad.yaml"
        v2["checkpoints"][0]["max_vehicles_per_hour"] = 0
        bad_terms.write_text(yaml.safe_dump(v2), encoding="utf-8")
        failures["bad terms"] = run("agreement", "propose", bad_terms, "--db", db_url)
        expected = {
            "superseded": "superseded",
            "wrong key": "wrong key",
            "passphrase": "passphrase",
            "unknown": "no agreement",
            "corrupt": "corrupted",
            "bad terms": "checkpoints[0].max_vehicles_per_hour: must be > 0",
        }
        for what, res in failures.items():
            assert res.exit_code == 2, (what, res.output)
            assert expected[what] in flat(res), (what, res.output)
            assert "Traceback" not in res.output
        assert snapshot(store) == before

        for name, _ in PARTIES:
            extra = ["--passphrase-file", secret] if name == "army-east" else []
            assert (
                run(
                    "agreement",
                    "sign",
                    "krems-1",
                    "--key",
                    keys / f"{name}.key",
                    *extra,
                    "--db",
                    db_url,
                ).exit_code
                == 0
            )
        r = run(
            "agreement",
            "suspend",
            "krems-1",
            "--key",
            keys / "icrc.key",
            "--reason",
            "shelling reported near the bridge",
            "--db",
            db_url,
        )
        assert r.exit_code == 0, r.output
        assert run("agreement", "verify", "krems-1", "--db", db_url).exit_code == 2
        assert run("agreement", "close", "krems-1", "--db", db_url).exit_code == 0
        r = run("agreement", "close", "krems-1", "--db", db_url)
        assert r.exit_code == 2 and "cannot close" in flat(r)
        with store.session(write=False) as s:
            from corridor.store import verify_audit

            assert verify_audit(s) is None
    finally:
        store.close()


def test_verify_bundle_in_a_real_process_without_a_database(tmp_path: Path) -> None:
    frozen = Path(__file__).parent / "fixtures" / "krems-demo.bundle.json"
    env = {
        **os.environ,
        "CORRIDOR_DB": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "COLUMNS": "200",
    }
    ok = subprocess.run(
        [sys.executable, "-m", "corridor", "agreement", "verify-bundle", frozen],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "in force" in ok.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(
        frozen.read_text(encoding="utf-8").replace('"max_convoy_size": 25', '"max_convoy_size": 26')
    )
    assert bad.read_text() != frozen.read_text()
    fail = subprocess.run(
        [sys.executable, "-m", "corridor", "agreement", "verify-bundle", bad],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert fail.returncode == 2
    assert "not in force" in fail.stdout


def test_key_and_bundle_errors_are_one_line(tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        ["party", "keygen", "zeta", "-o", str(tmp_path), "--passphrase"],
        input="pass phrase\npass phrase\n",
    )
    assert r.exit_code == 0, r.output
    assert b"ENCRYPTED" in (tmp_path / "zeta.key").read_bytes()
    again = run("party", "keygen", "zeta", "-o", tmp_path)
    assert again.exit_code == 2 and "already exists" in flat(again)
    private_as_public = run(
        "party",
        "add",
        "zeta",
        "--role",
        "x",
        "--public-key",
        tmp_path / "zeta.key",
        "--db",
        f"sqlite:///{tmp_path / 'x.db'}",
    )
    assert private_as_public.exit_code == 2 and "private key" in flat(private_as_public)
    junk = tmp_path / "junk.json"
    junk.write_text("{not json", encoding="utf-8")
    r = run("agreement", "verify-bundle", junk)
    assert r.exit_code == 2 and "not a JSON bundle" in flat(r) and "Traceback" not in r.output


def test_signing_after_a_window_ended_is_refused(
    db_url: str, krems_network: Network, session_keys: dict[str, Any]
) -> None:
    from corridor.agreements import terms_from_data
    from corridor.store import add_party, propose_agreement
    from tests.agreements.conftest import PARTIES as TERMS_PARTIES
    from tests.agreements.conftest import make_terms

    past = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    data = make_terms(krems_network, session_keys, first_window_utc=past)
    with open_store(db_url) as store:
        with store.session() as s:
            for name, role in TERMS_PARTIES:
                add_party(
                    s, name=name, role=role, public_key=session_keys[name].public_key, actor="t"
                )
            propose_agreement(s, terms_from_data(data), actor="t")
        before = snapshot(store)
        r = run(
            "agreement",
            "sign",
            "krems-north",
            "--key",
            session_keys["icrc"].private_path,
            "--db",
            db_url,
        )
        assert r.exit_code == 2, r.output
        assert "window 1 has already ended" in flat(r)
        assert snapshot(store) == before
