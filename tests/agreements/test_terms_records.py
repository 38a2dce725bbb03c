"""The terms as records read, refuse and dump exactly as the pydantic models they replaced.

What is signed is the canonical JSON of the terms, so a record that dumped one byte
differently would break every signature made before: the demo bundle's digest is pinned, and
over random edits of real terms (valid and not) the records must accept exactly what the old
models accepted, word the same problems, and give the same bytes (the old models are frozen in
``tests/agreements/_old_terms.py``). Reading stored terms must not import pydantic at all
(issue 14 defect 10): that is checked on ``corridor agreement show|verify|sign`` themselves.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corridor
from corridor.agreements import (
    canonical_bytes,
    terms_digest,
    terms_from_data,
    terms_from_store,
    terms_to_data,
)
from corridor.errors import TermsError
from tests import mutations
from tests.agreements import _old_terms

BUNDLE = Path(__file__).parent / "fixtures" / "krems-demo.bundle.json"
#: SHA-256 of the demo terms' canonical JSON, as signed in 2026 (the bundle's digest_sha256).
PINNED = "649edc0c1a678bb1f33962e878b3fc49d438cd29ff3f9f441b9aee8b2fabb112"

json_values = mutations.json_values(with_nan=False)


def _demo_terms() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(BUNDLE.read_text(encoding="utf-8"))["terms"]
    return data


def test_the_demo_terms_keep_their_signed_digest() -> None:
    data = _demo_terms()
    assert json.loads(BUNDLE.read_text(encoding="utf-8"))["digest_sha256"] == PINNED
    for terms in (terms_from_data(data), terms_from_store(data)):
        assert terms_digest(terms) == PINNED
        assert hashlib.sha256(canonical_bytes(terms_to_data(terms))).hexdigest() == PINNED


def _near_miss(value: Any) -> st.SearchStrategy[Any]:
    """Valid variants (other offsets, no seconds, ints for floats) and near misses."""
    options: list[st.SearchStrategy[Any]] = [json_values, st.just(str(value))]
    if isinstance(value, bool):
        options.append(st.sampled_from([0, 1, "true", None]))
    elif isinstance(value, int):
        options += [st.just(float(value)), st.integers(-3, 10**6), st.just(value + 1)]
    elif isinstance(value, float):
        options += [st.just(int(value)), st.floats(-1e9, 1e9, allow_nan=False),
                    st.just(round(value, 2) + 0.5)]  # fmt: skip
    elif isinstance(value, str) and value.endswith("Z") and "T" in value:  # a time
        times = [w[k] for w in _demo_terms()["windows"] for k in ("start_utc", "end_utc")]
        options += [  # the document's other times: empty, reversed or overlapping windows
            st.sampled_from(times),
            st.sampled_from([value.replace("Z", "+00:00"), value.replace(":00Z", "+02:00"),
                             value[:-4] + "Z", value.replace("Z", ".123456Z"),
                             value.replace("Z", ".1234567Z"), value[:-1], value.replace("T", " "),
                             value.replace("Z", "+14:00"), "9999-12-31T23:59:59-14:00"])
        ]  # fmt: skip
    elif isinstance(value, str):
        options += [st.just(value + " "), st.just(value[:-1]), st.just(value.upper()),
                    st.just(""), st.just(value * 2)]  # fmt: skip
    elif isinstance(value, list):
        options += [st.just(value[:1]), st.just([]), st.just(value + value[:1])]
    elif value is None:
        options.append(st.text(max_size=3))
    return st.one_of(options)


def _old(data: Any) -> tuple[str, Any]:
    try:
        return "ok", _old_terms.old_terms_from_data(copy.deepcopy(data))
    except TermsError as exc:
        return "refused", exc.problems


def _new(data: Any) -> tuple[str, Any]:
    try:
        return "ok", terms_from_data(copy.deepcopy(data))
    except TermsError as exc:
        return "refused", exc.problems


@settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # fmt: skip
@given(st.data())
def test_records_accept_word_and_dump_as_the_old_models(data: st.DataObject) -> None:
    terms = _demo_terms()
    for _ in range(data.draw(st.integers(0, 2))):
        terms = mutations.mutate(terms, data.draw, _near_miss, json_values)
    old_kind, old = _old(terms)
    new_kind, new = _new(terms)
    assert new_kind == old_kind, (old, new)
    if old_kind == "refused":
        assert new == old
        return
    theirs = json.dumps(old.model_dump(mode="json", exclude_none=True), ensure_ascii=False)
    ours = json.dumps(terms_to_data(new), ensure_ascii=False)
    assert ours == theirs
    assert canonical_bytes(terms_to_data(new)) == canonical_bytes(json.loads(theirs))
    assert terms_from_store(json.loads(ours)) == new


_TIMES = st.sampled_from([
    "2027-03-01T06:00:00Z", "2027-03-01T08:00:00+02:00", "2027-03-01T12:00:00Z",
    "2027-03-01T12:00Z", "2027-03-01T11:59:59.999999Z", "2027-03-01T14:00:00+02:00",
    "2027-03-02T06:00:00Z", "2027-03-01T06:00:00", "0001-01-01T00:00:00+14:00",
])  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries({"start_utc": _TIMES, "end_utc": _TIMES}), max_size=3))
def test_windows_as_the_old_models(windows: list[dict[str, str]]) -> None:
    """Empty, reversed, overlapping, naive and out-of-range windows, in any offset."""
    terms = {**_demo_terms(), "windows": windows}
    old_kind, old = _old(terms)
    new_kind, new = _new(terms)
    assert (new_kind, new if new_kind == "refused" else None) == (
        old_kind, old if old_kind == "refused" else None
    )  # fmt: skip
    if old_kind == "ok":
        assert terms_to_data(new) == old.model_dump(mode="json", exclude_none=True)


def test_the_edits_reach_both_sides() -> None:
    """The comparison above is worth something only if edits both keep and break terms."""
    seen = {"ok": 0, "refused": 0}

    @settings(max_examples=150, deadline=None, database=None)
    @given(st.data())
    def count(data: st.DataObject) -> None:
        edited = mutations.mutate(_demo_terms(), data.draw, _near_miss, json_values)
        seen[_new(edited)[0]] += 1

    count()
    assert seen["ok"] >= 15 and seen["refused"] >= 50, seen


# --- no pydantic where stored terms are only read --------------------------------------------

_RUN = """
import sys
from corridor.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    print("PYDANTIC" if "pydantic" in sys.modules else "NO-PYDANTIC", file=sys.stderr)
"""


def _corridor(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    src = str(Path(corridor.__file__).resolve().parents[1])  # this checkout, from any cwd
    env = {**os.environ, "COLUMNS": "200",
           "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", _RUN, *args], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture
def proposed(tmp_path: Path) -> str:
    """An SQLite store holding the demo terms, proposed, with its parties' keys in keys/."""
    from corridor.agreements import generate_keypair

    url = f"sqlite:///{tmp_path / 'c.db'}"
    _corridor(tmp_path, "db", "upgrade", "--db", url)
    terms = _demo_terms()
    for party in terms["parties"]:
        pair = generate_keypair(party["name"], directory=tmp_path / "keys")
        party["public_key"] = pair.public_key
        _corridor(tmp_path, "party", "add", party["name"], "--role", party["role"],
                  "--public-key", str(pair.public_path), "--db", url)  # fmt: skip
    for window in terms["windows"]:  # a window in the future, so that signing is allowed
        window["start_utc"], window["end_utc"] = "2090-01-01T06:00:00Z", "2090-01-01T12:00:00Z"
    terms["windows"] = terms["windows"][:1]
    (tmp_path / "terms.json").write_text(json.dumps(terms), encoding="utf-8")
    _corridor(tmp_path, "agreement", "propose", "terms.json", "--db", url)
    return url


@pytest.mark.parametrize("command", ["show", "verify", "sign", "list"])
def test_reading_stored_terms_imports_no_pydantic(
    tmp_path: Path, proposed: str, command: str
) -> None:
    corridor_id, name = _demo_terms()["corridor_id"], _demo_terms()["parties"][0]["name"]
    args = {"show": ["show", corridor_id], "verify": ["verify", corridor_id], "list": ["list"],
            "sign": ["sign", corridor_id, "--key", f"keys/{name}.key"]}[command]  # fmt: skip
    done = _corridor(tmp_path, "agreement", *args, "--db", proposed)
    assert done.stderr.strip().splitlines()[-1] == "NO-PYDANTIC", done.stderr[-2000:]
