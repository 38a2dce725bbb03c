"""Notices: rendering every language and format, and SMS segmentation against a codec peer.

Workload (fixed seed 20261130):
- render: the demo corridor's notice (krems-demo, built in a temporary SQLite store) in
  uk/ru/en as text, SMS, HTML (with its QR code) and CAP (all three languages in one
  document); median of 20 renders each, after one warm-up (catalogues compiled once);
- SMS: 20 000 random messages of 20-400 characters, 80 % GSM 7-bit text with extension
  characters, 20 % with Cyrillic; corridor's ``sms_units`` against the peer of encoding with
  the ``gsm0338`` codec (and UTF-16 on failure), which gives the same counts.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime

SEED = 20261130
MESSAGES = 20_000
GSM = (
    "@£$¥èéÅåΔ_ΦΓ !\"#%&'()*+,-./0123456789:;<=>?"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzäöüß"
)
EXT = "€[]{}~^|\\"
CYR = "абвгдеєжзиіїйклмнопрстуфхцчшщьюяЕВАКУЦІЯ"


def _median_ms(fn: Callable[[], object], n: int) -> float:
    fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _demo_facts():  # type: ignore[no-untyped-def]
    import hashlib
    from pathlib import Path

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from tests.agreements.conftest import PARTIES, make_terms, walk_edges

    from corridor.agreements import public_key_b64, terms_from_data
    from corridor.network import import_osm
    from corridor.notices import notice_facts, read_details, schedule_from_agreement
    from corridor.store import (
        add_party,
        load_agreement,
        open_store,
        propose_agreement,
        sign_agreement,
    )

    repo = Path(__file__).resolve().parents[1]
    net = import_osm(repo / "data" / "krems.osm.gz")
    keys = {
        n: Ed25519PrivateKey.from_private_bytes(hashlib.sha256(n.encode()).digest())
        for n, _ in PARTIES
    }
    pubs = {n: type("K", (), {"public_key": public_key_b64(k)})() for n, k in keys.items()}
    data = make_terms(
        net,
        pubs,
        first_window_utc=datetime(2027, 3, 1, 6, tzinfo=UTC),
        edges=walk_edges(net, 5, 15),
    )
    data.update({"corridor_id": "krems-demo", "max_convoy_size": 25})
    at = datetime(2027, 2, 27, 12, tzinfo=UTC)
    with (
        tempfile.TemporaryDirectory() as tmp,
        open_store(f"sqlite:///{tmp}/b.db") as store,
        store.session() as s,
    ):
        for n, role in PARTIES:
            add_party(s, name=n, role=role, public_key=public_key_b64(keys[n]), actor="b")
        propose_agreement(s, terms_from_data(data), actor="b", at_utc=at)
        for n, _ in PARTIES:
            sign_agreement(s, "krems-demo", key=keys[n], actor=n, at_utc=at)
        rec = load_agreement(s, "krems-demo")
    details = read_details(repo / "data" / "demo" / "krems-notice.yaml")
    return notice_facts(rec, details=details, schedule=schedule_from_agreement(rec.terms))


def _messages() -> list[str]:
    rng = random.Random(SEED)
    out = []
    for _ in range(MESSAGES):
        n = rng.randint(20, 400)
        pool = GSM * 8 + EXT + (CYR * 4 if rng.random() < 0.2 else "")
        out.append("".join(rng.choice(pool) for _ in range(n)))
    return out


def main() -> None:
    from corridor.notices import render_notice, sms_units

    facts = _demo_facts()
    print("render (median of 20, ms):")
    for fmt in ("text", "sms", "html", "cap"):
        row = []
        for lang in ("uk", "ru", "en"):
            ms = _median_ms(lambda lang=lang, fmt=fmt: render_notice(facts, lang=lang, fmt=fmt), 20)
            row.append(f"{ms:7.2f}")
        print(f"  {fmt:5s} uk {row[0]}  ru {row[1]}  en {row[2]}")
    messages = _messages()
    try:
        import gsm0338  # noqa: F401
    except ImportError:
        print("SMS: gsm0338 not installed; peer left out")
        return

    def peer(text: str) -> int:
        try:
            return len(text.encode("gsm03.38"))
        except UnicodeEncodeError:
            return len(text.encode("utf-16-le")) // 2

    assert [sms_units(m)[1] for m in messages] == [peer(m) for m in messages]
    ours = _median_ms(lambda: [sms_units(m) for m in messages], 5)
    theirs = _median_ms(lambda: [peer(m) for m in messages], 5)
    print(
        f"SMS units of {MESSAGES} messages: corridor {ours:.1f} ms, gsm0338 codec "
        f"{theirs:.1f} ms (ratio {ours / theirs:.2f}; same counts)"
    )


if __name__ == "__main__":
    main()
