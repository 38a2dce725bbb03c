"""Movement notifications: signed, checked against the agreement, acknowledged, flagged."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from corridor.errors import InputError, LifecycleError, NotFoundError, SignatureError
from corridor.notices import (
    ACK_DOMAIN,
    MOVEMENT_DOMAIN,
    movement_digest,
    movement_from_data,
    movement_message,
    verify_movement,
)
from tests.conftest import REPO
from tests.notices.conftest import SIGNED_AT, demo_key

MOVEMENT_FILE = REPO / "data" / "demo" / "krems-movement.yaml"
DEADLINE = datetime(2027, 3, 1, 4, tzinfo=UTC)


def movement_data(digest: str, **changes: Any) -> dict[str, Any]:
    from corridor._input import load_yaml

    data = load_yaml(MOVEMENT_FILE.read_text(encoding="utf-8"), timestamps_as_text=True)
    data["agreement_digest"] = digest
    data.update(changes)
    return data


@pytest.fixture
def movement_store(store, krems_network):  # type: ignore[no-untyped-def]
    """krems-demo v1 in force on SQLite and PostgreSQL, with movement m1 submitted by icrc."""
    from corridor.agreements import public_key_b64, terms_from_data
    from corridor.store import add_party, propose_agreement, sign_agreement, submit_movement
    from tests.agreements.conftest import PARTIES
    from tests.notices.conftest import demo_terms

    with store.session() as s:
        for name, role in PARTIES:
            add_party(s, name=name, role=role, public_key=public_key_b64(demo_key(name)), actor="t")
        rec = propose_agreement(
            s, terms_from_data(demo_terms(krems_network)), actor="t", at_utc=SIGNED_AT
        )
        for name, _ in PARTIES:
            sign_agreement(s, "krems-demo", key=demo_key(name), actor=name, at_utc=SIGNED_AT)
        submit_movement(
            s,
            movement_data(rec.digest),
            key=demo_key("icrc"),
            actor="icrc",
            at_utc=SIGNED_AT + timedelta(hours=2),
        )
    store.digest = rec.digest
    return store


def test_names_of_passengers_have_no_place(movement_store) -> None:  # type: ignore[no-untyped-def]
    data = movement_data(movement_store.digest, passenger_names=["Olena K."])
    with pytest.raises(InputError, match="passenger_names: Extra inputs are not permitted"):
        movement_from_data(data)
    data = movement_data(movement_store.digest, passengers={"Olena K.": 1})
    with pytest.raises(InputError, match="passengers"):
        movement_from_data(data)


def test_signature_is_domain_separated(movement_store) -> None:  # type: ignore[no-untyped-def]
    from corridor.agreements import public_key_b64, sign_digest
    from corridor.store import load_movement

    with movement_store.session(write=False) as s:
        rec = load_movement(s, "krems-demo-m1")
    pub = public_key_b64(demo_key("icrc"))
    assert verify_movement(pub, rec.digest, rec.signature)
    assert (
        movement_message(rec.digest).startswith(MOVEMENT_DOMAIN) and MOVEMENT_DOMAIN != ACK_DOMAIN
    )
    # An agreement-domain signature over the same digest must not pass as a movement one.
    assert not verify_movement(pub, rec.digest, sign_digest(demo_key("icrc"), rec.digest))
    assert rec.digest == movement_digest(rec.movement)


def test_acknowledgements_clear_or_flag(movement_store) -> None:  # type: ignore[no-untyped-def]
    from corridor.store import acknowledge_movement, load_movement

    with movement_store.session(write=False) as s:
        rec = load_movement(s, "krems-demo-m1")
    before = DEADLINE - timedelta(hours=1)
    assert rec.clearance(before).status == "pending"
    assert rec.clearance(DEADLINE).status == "flagged"  # nobody acknowledged in time
    with movement_store.session() as s:
        acknowledge_movement(
            s, "krems-demo-m1", key=demo_key("city-of-krems"), actor="c", at_utc=before
        )
    with movement_store.session() as s:
        rec = acknowledge_movement(
            s,
            "krems-demo-m1",
            key=demo_key("army-north"),
            actor="a",
            at_utc=DEADLINE + timedelta(minutes=5),
        )  # late
    verdict = rec.clearance(DEADLINE + timedelta(minutes=10))
    assert verdict.status == "flagged"
    assert [(a.party, a.state) for a in verdict.acks] == [
        ("city-of-krems", "valid"),
        ("army-north", "late"),
    ]
    assert "army-north" in verdict.reasons[0]
    with movement_store.session() as s, pytest.raises(LifecycleError, match="already"):
        acknowledge_movement(s, "krems-demo-m1", key=demo_key("army-north"), actor="a")
    with movement_store.session() as s, pytest.raises(InputError, match="sent this movement"):
        acknowledge_movement(s, "krems-demo-m1", key=demo_key("icrc"), actor="i")


def test_all_acknowledged_in_time_is_cleared_and_golden(movement_store) -> None:  # type: ignore[no-untyped-def]
    import json

    from corridor.notices._movement_html import render_movement_html
    from corridor.store import acknowledge_movement

    at = DEADLINE - timedelta(hours=2)
    for party in ("city-of-krems", "army-north"):
        with movement_store.session() as s:
            rec = acknowledge_movement(
                s, "krems-demo-m1", key=demo_key(party), actor=party, at_utc=at
            )
    assert rec.clearance(DEADLINE).status == "cleared"
    doc = json.dumps(rec.signed_document(), indent=2, ensure_ascii=False) + "\n"
    html = render_movement_html(rec, at_utc=DEADLINE)
    assert "CLEARED" in html and "Olena" not in html
    from tests.notices.test_notices import _golden

    _golden("krems-demo-m1.json", doc)
    _golden("krems-demo-m1.html", html)


def test_movement_breaking_the_agreement_is_refused(movement_store) -> None:  # type: ignore[no-untyped-def]
    from corridor.store import submit_movement

    data = movement_data(
        movement_store.digest,
        movement_id="m2",
        departure_utc="2027-03-01T13:00:00Z",  # after the window closed at 12:00
        vehicles=[{"type": "tank", "plate": "X 1", "markings": "none"}],
    )
    with movement_store.session() as s, pytest.raises(InputError) as err:
        submit_movement(s, data, key=demo_key("icrc"), actor="i")
    text = str(err.value)
    assert "not inside any agreed ceasefire window" in text
    assert "'tank' is not permitted" in text
    with movement_store.session() as s, pytest.raises(SignatureError, match="not the key"):
        submit_movement(
            s,
            movement_data(movement_store.digest, movement_id="m3"),
            key=demo_key("army-north"),
            actor="x",
        )


def test_suspension_flags_a_cleared_movement(movement_store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from corridor.store import acknowledge_movement, load_movement, suspend_agreement

    # The server's clock decides whether a suspension is allowed (issue 14, defect 5): stand
    # it at the scenario's time, an hour before the acknowledgement deadline.
    monkeypatch.setattr("corridor.store._agreements.utc_now", lambda: DEADLINE - timedelta(hours=1))

    for party in ("city-of-krems", "army-north"):
        with movement_store.session() as s:
            acknowledge_movement(
                s,
                "krems-demo-m1",
                key=demo_key(party),
                actor=party,
                at_utc=DEADLINE - timedelta(hours=3),
            )
    with movement_store.session() as s:
        suspend_agreement(
            s,
            "krems-demo",
            reason="shelling",
            actor="army-north",
            at_utc=DEADLINE - timedelta(hours=1),
        )
        rec = load_movement(s, "krems-demo-m1")
    verdict = rec.clearance(DEADLINE)
    assert verdict.status == "flagged"
    assert "no longer in force" in verdict.reasons[0]


def test_the_sql_path_stores_what_the_orm_stored(movement_store) -> None:  # type: ignore[no-untyped-def]
    """The movement and acknowledgement rows are written with plain SQL (``corridor.store._sql``);
    the oracle is the ORM's own mapping: it reads them back as it wrote them before, and a row
    it writes itself with the same values is stored identically, column by column."""
    from sqlalchemy import select, text

    from corridor.agreements import canonical_bytes
    from corridor.store import MovementAckRow, MovementRow, acknowledge_movement

    at = DEADLINE - timedelta(hours=2)
    with movement_store.session() as s:
        acknowledge_movement(
            s, "krems-demo-m1", key=demo_key("army-north"), actor="army", at_utc=at
        )
    with movement_store.session() as s:
        row = s.get(MovementRow, "krems-demo-m1")
        assert row is not None
        movement = movement_from_data(row.data)
        assert row.canonical == canonical_bytes(row.data)
        assert row.created_at == SIGNED_AT + timedelta(hours=2)
        assert (row.departure_utc, row.ack_deadline_utc) == (
            movement.departure_utc,
            movement.ack_deadline_utc,
        )
        assert row.sender.name == "icrc" and row.created_by == "icrc"
        assert [(a.party.name, a.acked_at, a.created_by) for a in row.acks] == [
            ("army-north", at, "army")
        ]
        twin = MovementRow(
            id="orm-twin", corridor_id=row.corridor_id, agreement_version=row.agreement_version,
            data=dict(row.data), canonical=row.canonical, digest=row.digest,
            sender_party_id=row.sender_party_id, signature=row.signature,
            departure_utc=row.departure_utc, ack_deadline_utc=row.ack_deadline_utc,
            created_at=row.created_at, created_by=row.created_by,
        )  # fmt: skip
        s.add(twin)
        s.flush()
        ack = row.acks[0]
        s.add(MovementAckRow(movement_id="orm-twin", party_id=ack.party_id, digest=ack.digest,
                             signature=ack.signature, acked_at=ack.acked_at,
                             created_by=ack.created_by))  # fmt: skip
        s.flush()
        cols = ", ".join(c.name for c in MovementRow.__table__.columns if c.name != "id")
        stored = s.execute(text(f"SELECT {cols} FROM movements ORDER BY id")).all()
        assert len(stored) == 2 and stored[0] == stored[1]
        ack_cols = "party_id, digest, signature, acked_at, created_by"
        acks = s.execute(text(f"SELECT {ack_cols} FROM movement_acks ORDER BY id")).all()
        assert len(acks) == 2 and acks[0] == acks[1]
        assert s.scalar(select(MovementRow.id).order_by(MovementRow.departure_utc).limit(1))


def test_notice_details_on_the_bare_driver(movement_store, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """Saved on the command line's own connection, replaced inside an ORM session, read on
    both; a failed save leaves the stored details and the audit log as they were."""
    from corridor.notices import details_from_data
    from corridor.store import audit_entries, load_notice_details, save_notice_details, transaction
    from corridor.store._sql import DriverSql
    from tests.notices.conftest import DETAILS_FILE

    url = db_url
    first = details_from_data(yaml.safe_load(DETAILS_FILE.read_text(encoding="utf-8")))
    second = dataclasses.replace(first, hotline="+43 1 000 0000")
    with transaction(url) as tx:
        assert isinstance(tx, DriverSql)
        assert load_notice_details(tx, "krems-demo") is None
        save_notice_details(tx, "krems-demo", first, actor="lean")
    with movement_store.session() as s:
        assert load_notice_details(s, "krems-demo") == first
        save_notice_details(s, "krems-demo", second, actor="orm")
    with pytest.raises(RuntimeError), transaction(url) as tx:
        save_notice_details(tx, "krems-demo", first, actor="lean")
        raise RuntimeError("the command failed after the write")
    with transaction(url, write=False) as tx:
        assert load_notice_details(tx, "krems-demo") == second
        saved = [e.actor for e in audit_entries(tx) if e.action == "notice.details_saved"]
    assert saved == ["lean", "orm"]
    with pytest.raises(NotFoundError), transaction(url) as tx:
        save_notice_details(tx, "no-such-corridor", first, actor="lean")


def test_the_movement_names_load_without_the_notice_renderers() -> None:
    """``corridor.notices`` loads its modules on first use: the movement commands get the
    movement model without the templates, CAP and SMS renderers; every public name resolves
    to the object its module defines."""
    import importlib
    import subprocess
    import sys

    from corridor import notices

    for name in notices.__all__:
        module = importlib.import_module(notices._WHERE[name])
        assert getattr(notices, name) is getattr(module, name), name
    assert set(notices._WHERE) == set(notices.__all__)
    probe = (
        "import sys\n"
        "from corridor.notices import clearance, movement_from_data, sign_ack, verify_movement\n"
        "print(sorted(m for m in ('jinja2', 'corridor.notices._cap', 'corridor.notices._facts',"
        " 'corridor.notices._html') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_a_listing_reads_each_agreement_version_once(movement_store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`movement list` judges every movement against the agreement it cites; many movements
    cite one version, which is read (and its terms validated) once per listing."""
    from corridor.store import _movements, list_movements, load_movement, submit_movement

    with movement_store.session() as s:
        submit_movement(
            s,
            movement_data(movement_store.digest, movement_id="krems-demo-m2"),
            key=demo_key("icrc"),
            actor="icrc",
            at_utc=SIGNED_AT + timedelta(hours=2),
        )
    reads: list[tuple[str, int | None]] = []
    real = _movements.load_agreement

    def counted(tx, corridor_id, *, version=None):  # type: ignore[no-untyped-def]
        reads.append((corridor_id, version))
        return real(tx, corridor_id, version=version)

    monkeypatch.setattr(_movements, "load_agreement", counted)
    with movement_store.session(write=False) as s:
        listed = list_movements(s)
        one = load_movement(s, "krems-demo-m2")
    assert [r.movement.movement_id for r in listed] == ["krems-demo-m1", "krems-demo-m2"]
    assert reads == [("krems-demo", 1), ("krems-demo", 1)]  # the listing once, then the load
    assert listed[1] == one


@pytest.mark.parametrize("columns", ["80", "200"])
def test_movement_list_on_the_lean_path_prints_as_the_full_command(  # type: ignore[no-untyped-def]
    movement_store, db_url: str, columns: str, monkeypatch
) -> None:
    """`movement list` starts without Typer (corridor.cli._lean); the oracle is the Typer
    command on the same movements, with and without --corridor."""
    from tests.test_lean_cli import assert_same

    monkeypatch.setenv("COLUMNS", columns)
    code, out, err = assert_same(["movement", "list", "--db", db_url])
    assert code == 0 and err == "" and "krems-demo-m1" in out and "pending" in out.lower()
    assert_same(["movement", "list", "--corridor", "krems-demo", "--db", db_url])
    code, out, _ = assert_same(["movement", "list", "--db", db_url, "--corridor=no-such"])
    assert code == 0 and "krems-demo-m1" not in out


def test_movement_status_and_export_on_the_lean_path_as_the_full_command(  # type: ignore[no-untyped-def]
    movement_store, db_url: str, tmp_path, monkeypatch
) -> None:
    """`movement status ID` and `movement export ID` start without Typer; the oracle is the
    Typer command on the same movement: the same output, file and exit code. Any other form
    (``--at``, an unknown format, no id) is the full command's."""
    import corridor.store
    from corridor.cli._lean import lean_command
    from tests.test_lean_cli import assert_handed_over, assert_same, full, lean

    monkeypatch.setenv("COLUMNS", "120")
    # both paths judge the movement "now": one now for both, or a minute may pass between them
    monkeypatch.setattr(corridor.store, "utc_now", lambda: DEADLINE - timedelta(hours=2))
    db = ["--db", db_url]
    code, out, _ = assert_same(["movement", "status", "krems-demo-m1", *db])
    assert code == 0 and "PENDING" in out
    code, out, _ = assert_same(["movement", "export", "krems-demo-m1", *db])
    assert code == 0 and '"format": "corridor-movement/1"' in out
    for fmt in ("json", "html"):
        target = tmp_path / f"m.{fmt}"
        mine = lean(
            ["movement", "export", "krems-demo-m1", "--format", fmt, "-o", str(target), *db]
        )
        written = target.read_bytes()
        target.unlink()
        theirs = full(
            ["movement", "export", "krems-demo-m1", f"--format={fmt}", "-o", str(target), *db]
        )
        assert mine == theirs and mine[0] == 0 and "wrote" in mine[1]
        assert written == target.read_bytes()
    assert_handed_over(["movement", "status", "no-such-movement", *db])  # the full one words it
    assert_handed_over(["movement", "export", "krems-demo-m1", "--format", "pdf", *db])
    for argv in (
        ["movement", "status", "krems-demo-m1", "--at", "2027-03-01T05:00Z"],
        ["movement", "status", "--db", "x.db"],
        ["movement", "export", "-o", "x", "m1"],
        ["movement", "ack", "m1", "--db", "x.db"],
    ):
        assert lean_command(argv) is None, argv
