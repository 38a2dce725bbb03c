"""The dashboard's page, bundle, tiles and role info through the real app (in process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.errors import InputError
from tests.api.conftest import Api
from tests.web.test_tiles import tile_of


def test_page_and_bundle_are_served_with_strict_headers(api: Api) -> None:
    page = api.client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "http" not in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert '<script defer src="assets/app.js">' in page.text and "<script>" not in page.text
    js = api.client.get("/assets/app.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "networks/" in js.text and "tiles" in js.text
    css = api.client.get("/assets/app.css")
    assert css.status_code == 200 and ".leaflet-container" in css.text
    # Nothing outside the bundle is reachable through the asset route.
    for name in ("index.html", "..%2F__init__.py", "app.js.map", "%2e%2e"):
        assert api.client.get(f"/assets/{name}").status_code == 404, name


def test_me_lists_what_the_role_may_do(api: Api) -> None:
    coordinator = api.get("/me").json()
    observer = api.get("/me", who="observer").json()
    field = api.get("/me", who="field").json()
    assert "hazards.create" in coordinator["may"] and "agreements.propose" in coordinator["may"]
    assert "hazards.create" not in observer["may"] and "agreements.sign" not in observer["may"]
    assert "routes.compute" in observer["may"] and "networks.tiles" in observer["may"]
    assert "hazards.create" in field["may"] and "hazards.update" not in field["may"]
    # The list is what the server enforces: each refused action really is refused.
    for route in ("hazards.create", "agreements.propose"):
        assert route not in observer["may"]
    refused = api.post("/hazards", who="observer", json={})
    assert refused.status_code == 403


def test_tiles_over_http(api: Api) -> None:
    x, y = tile_of(15.6, 48.41, 15)
    tile = api.get(f"/networks/krems/tiles/15/{x}/{y}", who="observer")
    assert tile.status_code == 200
    assert tile.headers["content-type"] == "application/geo+json"
    features = tile.json()["features"]
    assert sum(len(f["geometry"]["coordinates"]) for f in features) > 10
    assert api.get(f"/networks/krems/tiles/15/{x}/{y}").content == tile.content
    assert api.client.get(f"/networks/krems/tiles/15/{x}/{y}").status_code == 401
    assert api.get("/networks/nowhere/tiles/15/0/0").status_code == 404
    bad = api.get("/networks/krems/tiles/3/9/0")
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert api.get("/networks/krems/tiles/40/0/0").status_code == 422
    far = api.get("/networks/krems/tiles/15/0/0")  # empty ocean corner: empty, not an error
    assert far.status_code == 200 and far.json()["features"] == []


def _wanted() -> set[str]:
    """The strings marked in the page (data-i18n) and passed to t() in the scripts."""
    import re

    from tests.conftest import REPO

    src = REPO / "web" / "src"
    html = (src / "index.html").read_text()
    marked = set(re.findall(r"data-i18n>([^<]+)<", html))
    js = "\n".join(p.read_text() for p in src.glob("*.js"))
    called = set(re.findall(r'\bt\("([^"]+)"\)', js))
    labels = set(re.findall(r'label: "(\w+)"', js))  # the route kinds, shown through t()
    assert len(marked) > 15 and len(called) > 4 and labels == {"fastest", "safest"}
    return marked | called | labels


@pytest.mark.parametrize("lang", ["uk", "ru", "en"])
def test_every_dashboard_string_is_translated_in_each_catalogue(api: Api, lang: str) -> None:
    """The catalogue the notices read too has, under the context "dashboard", every string
    the page uses, nothing obsolete or fuzzy, and the server sends exactly those entries."""
    from corridor._catalogs import read_catalog
    from tests.notices.test_i18n import _extracted

    wanted = _wanted()
    # `pybabel extract` (src/corridor/locale/babel.cfg) finds what these regexes find.
    assert {m for m, c in _extracted() if c == "dashboard"} == wanted
    entries = [m for m in read_catalog(lang) if m.id and m.context == "dashboard"]
    ids = {str(m.id) for m in entries}
    missing = sorted(wanted - ids)
    assert not missing, f"no {lang} for {missing} in src/corridor/locale/{lang}"
    assert ids - wanted == set(), "obsolete entries in the catalogue"
    assert not [m.id for m in entries if m.fuzzy or not m.string]
    sent = api.client.get(f"/assets/i18n/{lang}.json")
    assert sent.status_code == 200
    served = sent.json()
    assert served == {str(m.id): str(m.string) for m in entries}
    if lang == "en":
        assert all(served[w] == w for w in wanted)
    else:  # translated, not copied
        assert all(served[w] and served[w] != w for w in wanted if w not in {"API token"})
    assert served["Log in"] == {"uk": "Увійти", "ru": "Войти", "en": "Log in"}[lang]


def test_the_dashboard_and_the_notices_read_one_catalogue_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One .po per language in the package, and both areas read it: an edit to that one file
    (a notice sentence and a dashboard label) shows in the notices and in the dashboard."""
    from babel.messages.pofile import read_po, write_po

    from corridor import _catalogs
    from corridor.notices import LANGUAGES as NOTICE_LANGUAGES
    from corridor.notices._i18n import po_path as notice_po_path
    from corridor.notices._i18n import translations as notice_translations
    from corridor.web import ui_catalog
    from tests.conftest import REPO

    assert NOTICE_LANGUAGES == _catalogs.LANGUAGES
    files = sorted(p.relative_to(REPO / "src") for p in (REPO / "src").rglob("*.po"))
    one = [Path(f"corridor/locale/{lang}/LC_MESSAGES/corridor.po") for lang in ("en", "ru", "uk")]
    assert files == one
    assert notice_po_path("ru") == _catalogs.po_path("ru")
    assert ui_catalog("ru")["Map"] == "Карта"
    assert notice_translations("ru").gettext("HOTLINE") == "ГОРЯЧАЯ ЛИНИЯ"

    with _catalogs.po_path("ru").open("rb") as fh:
        edited = read_po(fh, locale="ru")
    edited.get("Map", context="dashboard").string = "Схема"
    edited.get("HOTLINE").string = "ТЕЛЕФОН"
    copy = tmp_path / "corridor.po"
    with copy.open("wb") as fh:
        write_po(fh, edited)
    monkeypatch.setattr(_catalogs, "po_path", lambda lang: copy)
    _catalogs.translations.cache_clear()
    try:
        assert ui_catalog("ru")["Map"] == "Схема"
        assert notice_translations("ru").gettext("HOTLINE") == "ТЕЛЕФОН"
    finally:
        _catalogs.translations.cache_clear()
    with pytest.raises(InputError):
        ui_catalog("de")


def test_unknown_dashboard_language_is_404(api: Api) -> None:
    assert api.client.get("/assets/i18n/xx.json").status_code == 404
    assert api.client.get("/assets/i18n/..%2Fx.json").status_code == 404


def test_hazard_kind_defaults_for_the_time_slider(api: Api) -> None:
    r = api.client.get("/assets/hazard-kinds.json")
    assert r.status_code == 200 and "default-src 'self'" in r.headers["content-security-policy"]
    kinds = r.json()
    # By hand from docs: shelling halves every 6 h; mines and no-go zones do not decay.
    assert kinds["shelling"]["half_life_h"] == 6.0
    assert kinds["mines"]["half_life_h"] is None and kinds["no_go_zone"]["half_life_h"] is None
    assert kinds["roadblock"]["closes"] is True and kinds["shelling"]["closes"] is False


def test_stored_plans_are_listed_for_every_role(api: Api) -> None:
    from tests.api.test_plans import _plan_data

    assert api.get("/plans", who="field").json()["total"] == 0
    body = {"plan": _plan_data(), "network": "krems", "hazards": False, "bound": False}
    assert api.post("/plans", json=body).status_code == 201
    assert api.post("/plans", json=body).status_code == 201
    for who in ("observer", "field", "liaison"):
        page = api.get("/plans?limit=1", who=who).json()
        assert page["items"] == [{"plan_id": "krems-demo-evacuation", "latest_version": 2}]
        assert page["total"] == 1 and page["next"] is None
    assert api.client.get("/plans").status_code == 401
