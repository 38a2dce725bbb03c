"""Issue 14, defect 2: a closed or suspended agreement must never verify as "in force".

Before the fix a bundle of a closed agreement verified as in force, and so did one whose
party's signed suspension had been cut out. The bundle's lifecycle is now checked for
consistency and bound by party attestations, and "in force" weighs state *and* time.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from corridor.agreements import (
    KeyPair,
    attest_bundle,
    load_private_key,
    terms_from_data,
    verify_bundle,
)
from corridor.cli import app
from corridor.store import Store
from corridor.store._agreements import (
    close_agreement,
    export_agreement_bundle,
    load_agreement,
    propose_agreement,
    sign_agreement,
    suspend_agreement,
)
from tests.agreements.test_store_agreements import register

runner = CliRunner()


def _agreed(store: Store, keys: dict[str, KeyPair], data: dict[str, Any]) -> None:
    register(store, keys)
    with store.session() as s:
        propose_agreement(s, terms_from_data(data), actor="coordinator")
    for name, pair in keys.items():
        with store.session() as s:
            sign_agreement(s, "krems-north", key=load_private_key(pair.private_path), actor=name)


def _bundle(store: Store) -> dict[str, Any]:
    with store.session(write=False) as s:
        return json.loads(json.dumps(export_agreement_bundle(s, "krems-north")))


def _verify_cli(bundle: dict[str, Any], tmp_path: Path, *extra: str) -> Any:
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle))
    return runner.invoke(app, ["agreement", "verify-bundle", str(path), *extra])


def test_closed_agreement_is_not_in_force_anywhere(
    store: Store, session_keys: dict[str, KeyPair], terms_data: dict[str, Any], tmp_path: Path
) -> None:
    _agreed(store, session_keys, terms_data)
    assert verify_bundle(_bundle(store)).in_force
    with store.session() as s:
        close_agreement(s, "krems-north", actor="coordinator", reason="route shelled")
    bundle = _bundle(store)
    report = verify_bundle(bundle)
    assert report.signatures_valid and not report.in_force
    assert any("closed" in why for why in report.why_not())
    result = _verify_cli(bundle, tmp_path)
    assert result.exit_code == 2
    assert "not in force" in result.output and "closed" in result.output
    with store.session(write=False) as s:
        assert load_agreement(s, "krems-north").in_force is False
    # Relabelling the state does not resurrect it: the closure is still there.
    relabelled = copy.deepcopy(bundle)
    relabelled["state"] = "agreed"
    assert not verify_bundle(relabelled).in_force


def test_removing_a_signed_suspension_is_detected(
    store: Store, session_keys: dict[str, KeyPair], terms_data: dict[str, Any]
) -> None:
    _agreed(store, session_keys, terms_data)
    army = load_private_key(session_keys["army-north"].private_path)
    with store.session() as s:
        suspend_agreement(s, "krems-north", reason="shots fired at CP1", key=army, actor="army")
    bundle = _bundle(store)
    assert len(bundle["suspensions"]) == 1
    assert not verify_bundle(bundle).in_force

    cut = copy.deepcopy(bundle)
    cut["suspensions"] = []
    report = verify_bundle(cut)
    assert not report.in_force
    assert any("lists no suspension" in p for p in report.problems)

    # The state relabelled too: caught by the export's lifecycle digest...
    cut["state"] = "agreed"
    report = verify_bundle(cut)
    assert not report.in_force and report.problems
    # ...and, once the suspending party has attested the bundle, even if that is recomputed.
    attested = attest_bundle(bundle, army)
    assert verify_bundle(attested).attested_by == ["army-north"]
    forged = copy.deepcopy(attested)
    forged["suspensions"], forged["state"] = [], "agreed"
    forged.pop("lifecycle_sha256")
    report = verify_bundle(forged)
    assert not report.in_force
    assert any("attestations[0] by army-north" in p for p in report.problems)


def test_unsigned_incident_suspension_counts(
    store: Store, session_keys: dict[str, KeyPair], terms_data: dict[str, Any]
) -> None:
    _agreed(store, session_keys, terms_data)
    with store.session() as s:
        suspend_agreement(s, "krems-north", reason="convoy hit a mine", actor="coordinator")
    report = verify_bundle(_bundle(store))
    assert not report.in_force and report.problems == []
    assert "unsigned" in report.suspended_by[0]


def test_in_force_weighs_time(
    store: Store, session_keys: dict[str, KeyPair], terms_data: dict[str, Any], tmp_path: Path
) -> None:
    _agreed(store, session_keys, terms_data)
    bundle = _bundle(store)
    last_end = max(
        datetime.fromisoformat(w["end_utc"].replace("Z", "+00:00")) for w in terms_data["windows"]
    )
    after = last_end + timedelta(minutes=1)
    assert verify_bundle(bundle, at_utc=last_end - timedelta(hours=1)).in_force
    late = verify_bundle(bundle, at_utc=after)
    assert not late.in_force and "its last window has ended" in late.why_not()
    result = _verify_cli(bundle, tmp_path, "--at", after.isoformat())
    assert result.exit_code == 2 and "last window has ended" in result.output
    with store.session(write=False) as s:
        rec = load_agreement(s, "krems-north")
    assert rec.in_force_at(datetime.now(UTC)) and not rec.in_force_at(after)


def test_claimed_time_cannot_reopen_an_ended_window(
    store: Store,
    session_keys: dict[str, KeyPair],
    terms_data: dict[str, Any],
    monkeypatch: Any,
) -> None:
    """Defect 5: a suspension dated (by the client) inside a window was accepted after the last
    window had ended; the server's clock decides."""
    import corridor.store._agreements as repo
    from corridor.errors import LifecycleError

    _agreed(store, session_keys, terms_data)
    first = terms_data["windows"][0]
    inside = datetime.fromisoformat(first["start_utc"].replace("Z", "+00:00")) + timedelta(hours=1)
    last_end = max(
        datetime.fromisoformat(w["end_utc"].replace("Z", "+00:00")) for w in terms_data["windows"]
    )
    monkeypatch.setattr(repo, "utc_now", lambda: last_end + timedelta(hours=2))
    army = load_private_key(session_keys["army-north"].private_path)
    with pytest.raises(LifecycleError, match="last window has ended"), store.session() as s:
        suspend_agreement(s, "krems-north", reason="late", key=army, actor="a", at_utc=inside)
