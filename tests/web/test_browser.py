"""The dashboard in a real browser (Debian's chromium via Playwright) against `corridor serve`.

One server for the module (SQLite, the Krems network); each test opens a fresh browser page,
records every request the page makes and every console error (a CSP violation is one), and
keeps a screenshot under out/screenshots/ as a test artefact.
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.api.conftest import seed_users, terms_for
from tests.api.test_serve import serving
from tests.conftest import REPO, require

# The same patience as the page's own actions (set_default_timeout below): expect() waits 5 s by
# default, which a status line rendered after a route on a loaded 2-core CI machine can miss.
expect.set_options(timeout=15_000)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = REPO / "out" / "screenshots"


@dataclass
class Served:
    base: str
    tokens: dict[str, str]
    keys: dict[str, Any]
    network_file: Path
    db_url: str = ""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, network_file: Path) -> Iterator[Served]:
    from corridor.store import open_store

    db_url = f"sqlite:///{tmp_path_factory.mktemp('dash') / 'corridor.db'}"
    with open_store(db_url) as store:
        tokens, keys = seed_users(store)
    with serving(db_url, network_file) as base:
        yield Served(base=base, tokens=tokens, keys=keys, network_file=network_file, db_url=db_url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require(Path(CHROMIUM).exists(), "chromium not installed (scripts/system-deps.sh installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - a dev install has it
        require(False, "the playwright package is not installed (pip install -e '.[dev]')")
        raise
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@dataclass
class Page:
    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser: Any, served: Served, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    tab = Page(context.new_page())
    tab.page.on("request", lambda r: tab.requests.append(r.url))
    tab.page.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    tab.page.on("pageerror", lambda e: tab.errors.append(str(e)))
    tab.page.set_default_timeout(15_000)
    try:
        yield tab
    finally:
        SHOTS.mkdir(parents=True, exist_ok=True)
        tab.page.screenshot(path=str(SHOTS / f"{request.node.name}.png"))
        context.close()


def log_in(tab: Page, served: Served, who: str) -> None:
    tab.page.goto(served.base + "/")
    tab.page.fill("#token", served.tokens[who])
    tab.page.click("#login button[type=submit]")
    tab.page.wait_for_selector("#map-view:not([hidden])")


def wait_for_roads(tab: Page) -> int:
    """Waits until road tiles are drawn; returns how many painted pixels they hold."""
    tab.page.wait_for_selector("#map[data-roads=loaded]", state="attached")
    painted: int = tab.page.evaluate(
        """() => {
          let n = 0;
          for (const c of document.querySelectorAll('canvas.road-tile[data-features]')) {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
          }
          return n;
        }"""
    )
    return painted


def assert_local_only(tab: Page, served: Served) -> None:
    # data: URLs (the inlined Leaflet images, the empty favicon) never leave the page.
    foreign = [u for u in tab.requests if not u.startswith((served.base + "/", "data:"))]
    assert not foreign, foreign
    assert not tab.errors, tab.errors


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance between two (lon, lat) points (an oracle apart from corridor's)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def hazards(served: Served) -> list[dict[str, Any]]:
    auth = {"Authorization": f"Bearer {served.tokens['observer']}"}
    page = httpx.get(f"{served.base}/hazards", params={"limit": 500}, headers=auth).json()
    return list(page["items"])


def click_route(tab: Page, box: dict[str, float]) -> dict[str, Any]:
    """Picks origin and destination by clicking; returns {"fastest": route, "safest": route}."""
    tab.page.click("#route-pick")
    expect(tab.page.locator("#status")).to_contain_text("Click the origin")

    def asked(fastest: bool) -> Any:
        def match(response: Any) -> bool:
            if not response.url.endswith("/routes"):
                return False
            body = json.loads(response.request.post_data or "{}")
            return (body.get("risk_weight") == 0) is fastest

        # Generous: on a cold numba cache the server's first route compiles for a while.
        return tab.page.expect_response(match, timeout=90_000)

    with asked(fastest=True) as fast, asked(fastest=False) as safe:
        tab.page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.35)
        tab.page.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.65)
    # (Playwright's string predicates would need eval, which the page's CSP forbids.)
    expect(tab.page.locator("#status")).to_contain_text("Routes computed")
    answers = {"fastest": fast.value.json(), "safest": safe.value.json()}
    return {kind: answer["routes"][0] for kind, answer in answers.items()}


def closest(route: dict[str, Any], point: tuple[float, float]) -> float:
    return min(metres((lon, lat), point) for lon, lat in route["geometry"]["coordinates"])


def test_coordinator_sees_the_network_and_computes_a_route_by_clicking(
    page: Page, served: Served
) -> None:
    log_in(page, served, "coordinator")
    assert "coordinator" in page.page.inner_text("#who")
    assert wait_for_roads(page) > 5_000, "the road tiles are blank"
    assert any("/tiles/" in u for u in page.requests)
    box = page.page.locator("#map").bounding_box()
    # No hazards yet: fastest and safest are the same route.
    before = click_route(page, box)
    assert before["fastest"]["geometry"] == before["safest"]["geometry"]
    assert page.page.locator("path.route-fastest").count() == 1
    assert page.page.locator("path.route-safest").count() == 1
    # Shelling reported on the middle of that route (through the API, as a field team would).
    coords = before["fastest"]["geometry"]["coordinates"]
    shelled = (coords[len(coords) // 2][0], coords[len(coords) // 2][1])
    auth = {"Authorization": f"Bearer {served.tokens['field']}"}
    reported = httpx.post(
        f"{served.base}/hazards",
        headers=auth,
        json={"type": "Feature", "geometry": {"type": "Point", "coordinates": list(shelled)},
              "properties": {"kind": "shelling", "radius_m": 250, "severity": 1.0}},
    )  # fmt: skip
    assert reported.status_code == 201, reported.text
    after = click_route(page, box)
    assert f"{len(hazards(served))} hazards considered" in page.page.inner_text("#status")
    # The fastest route still goes through the shelling; the safest keeps out of its radius.
    assert closest(after["fastest"], shelled) < 250
    assert closest(after["safest"], shelled) > 250
    assert after["safest"]["risk"] < after["fastest"]["risk"]
    assert after["safest"]["time_s"] >= after["fastest"]["time_s"]
    listed = page.page.locator("#route-result li.route-safest")
    assert float(listed.get_attribute("data-time-s")) == after["safest"]["time_s"]
    # The explanation panel tells what the API explained: roads taken, hazards passed.
    for kind in ("fastest", "safest"):
        item = page.page.locator(f"#route-result li.route-{kind}")
        item.locator("details.explanation summary").click()
        explained = after[kind]["explanation"]
        roads = item.locator(".ex-roads li").all_inner_texts()
        assert len(roads) == len(explained["roads"]) > 0
        for shown, road in zip(roads, explained["roads"], strict=True):
            assert shown.startswith(f"{road['road']} ({road['highway']}): "), shown
        passed = item.locator(".ex-hazards li").all_inner_texts()
        assert len(passed) == len(explained["hazards"])
        for shown, hazard in zip(passed, explained["hazards"], strict=True):
            assert shown.startswith(f"{hazard['kind']} {hazard['id']}: "), shown
    fastest_passed = after["fastest"]["explanation"]["hazards"]
    assert [h["kind"] for h in fastest_passed] == ["shelling"]
    assert fastest_passed[0]["distance_m"] < 250 and fastest_passed[0]["risk"] > 0
    # A hazard placed by clicking is stored and drawn with its kind's symbol.
    page.page.select_option("#hazard-kind", "roadblock")
    page.page.click("#hazard-place")
    page.page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.page.wait_for_selector(".hazard-icon.hazard-roadblock")
    stored = hazards(served)
    assert page.page.inner_text("#hazard-count") == f"({len(stored)})"
    mine = [h for h in stored if h["properties"].get("source") == "dashboard (coordinator-1)"]
    assert [h["properties"]["kind"] for h in mine] == ["roadblock"]
    assert page.page.locator(".hazard-icon").count() == len(stored)
    assert_local_only(page, served)


def test_observer_is_offered_no_write_action(page: Page, served: Served) -> None:
    log_in(page, served, "observer")
    assert wait_for_roads(page) > 5_000
    assert "observer" in page.page.inner_text("#who")
    assert page.page.locator("[data-write]").count() == 0
    assert page.page.locator("#hazard-place").count() == 0
    # Reading stays: routes (which write nothing) and the hazard list.
    assert page.page.locator("#route-pick").count() == 1
    assert page.page.locator("#hazard-list").count() == 1
    # No write control on the agreements either (an unsigned one exists).
    propose(served, "krems-observer")
    page.page.click("#tabs button[data-view=agreements-view]")
    page.page.locator("#agreements tr[data-corridor=krems-observer]").wait_for()
    assert page.page.locator("[data-write], .sign-form").count() == 0
    page.page.click("#tabs button[data-view=map-view]")
    # Clicking the map as an observer adds nothing.
    box = page.page.locator("#map").bounding_box()
    page.page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    assert not any(u.endswith("/hazards") for u in page.requests if "POST" in u)
    assert_local_only(page, served)


def propose(served: Served, corridor_id: str) -> dict[str, Any]:
    from corridor.network import read_network

    terms = terms_for(read_network(served.network_file), served.keys, corridor_id=corridor_id)
    auth = {"Authorization": f"Bearer {served.tokens['coordinator']}"}
    proposed = httpx.post(f"{served.base}/agreements", json=terms, headers=auth, timeout=30)
    assert proposed.status_code == 201, proposed.text
    return terms


def propose_with_convoy(
    served: Served, corridor_id: str, convoy_id: str, *, label: str, vehicles: int, people: int
) -> None:
    """A proposed corridor with one convoy registered, leaving tomorrow (check-in tests)."""
    from datetime import UTC, datetime, timedelta

    propose(served, corridor_id)
    coordinator = {"Authorization": f"Bearer {served.tokens['coordinator']}"}
    convoy = {"id": convoy_id, "corridor_id": corridor_id, "label": label,
              "vehicles": vehicles, "people": people,
              "depart_utc": (datetime.now(UTC) + timedelta(days=1)).isoformat()}  # fmt: skip
    added = httpx.post(f"{served.base}/convoys", json={"convoys": [convoy]}, headers=coordinator)
    assert added.status_code == 200, added.text


def test_a_liaison_sees_signature_status_and_uploads_its_party_signature(
    page: Page, served: Served
) -> None:
    from corridor.agreements import signing_message
    from tests.api.conftest import sign_b64

    propose(served, "krems-dashboard")
    auth = {"Authorization": f"Bearer {served.tokens['observer']}"}
    log_in(page, served, "liaison-north")
    page.page.click("#tabs button[data-view=agreements-view]")
    row = page.page.locator("#agreements tr[data-corridor=krems-dashboard]")
    row.wait_for()
    record = httpx.get(f"{served.base}/agreements/krems-dashboard", headers=auth).json()
    shown = sorted(row.locator(".signatures li").all_inner_texts())
    assert shown == sorted(f"{s['party']}: {s['status']}" for s in record["statuses"])
    assert [s["party"] for s in record["statuses"]] == ["north", "south"]
    assert row.locator("td").nth(2).inner_text() == record["state_now"]
    # The digest to sign is shown; north signs it on its own machine (here: the test).
    assert row.locator(".digest code").inner_text() == record["digest"]
    message = signing_message(record["digest"])
    forged = sign_b64(served.keys["south"], message)  # the wrong party's key: refused
    row.locator(".sign-form input").fill(forged)
    row.locator(".sign-form button").click()
    expect(row.locator(".sign-form .error")).to_contain_text("422")
    row.locator(".sign-form input").fill(sign_b64(served.keys["north"], message))
    row.locator(".sign-form button").click()
    expect(row.locator("li.sig-valid")).to_have_count(1)
    assert row.locator(".sign-form").count() == 0  # nothing left for north to sign
    after = httpx.get(f"{served.base}/agreements/krems-dashboard", headers=auth).json()
    assert {s["party"]: s["status"] for s in after["statuses"]} == {
        "north": "valid",
        "south": "missing",
    }
    # The refused upload logged a console error; nothing else may.
    page.errors[:] = [e for e in page.errors if "422" not in e]
    assert_local_only(page, served)


def test_a_wrong_token_is_refused_on_the_page(page: Page, served: Served) -> None:
    page.page.goto(served.base + "/")
    page.page.fill("#token", "cor_not-a-real-token")
    page.page.click("#login button[type=submit]")
    expect(page.page.locator("#login-error")).to_contain_text("401")
    assert page.page.locator("#map-view").is_hidden()
    # The refused /me call logs a console error in chromium; nothing else may.
    page.errors[:] = [e for e in page.errors if "401" not in e]
    assert_local_only(page, served)


def test_an_incident_reported_in_the_field_arrives_live(page: Page, served: Served) -> None:
    from datetime import UTC, datetime

    terms = propose(served, "krems-live")
    log_in(page, served, "observer")
    expect(page.page.locator("#live-state")).to_have_text("(connected)")
    where = terms["route"]["geometry"]["coordinates"][3]
    incident = {
        "id": "inc-dashboard-1", "corridor_id": "krems-live", "kind": "shelling",
        "at_utc": datetime.now(UTC).isoformat(), "lat": where[1], "lon": where[0],
        "severity": 0.7, "confidence": 0.6, "notes": "impacts beside the road",
    }  # fmt: skip
    field_team = {"Authorization": f"Bearer {served.tokens['field']}"}
    sent = httpx.post(f"{served.base}/reports/incidents", json=incident, headers=field_team)
    assert sent.status_code == 201, sent.text
    item = page.page.locator("#live li.live-incident")
    expect(item).to_contain_text("shelling krems-live", timeout=15_000)
    assert page.page.locator("path.live-marker-incident").count() == 1
    assert_local_only(page, served)


def test_an_event_between_a_dropped_stream_and_the_reconnect_is_not_lost(
    page: Page, served: Served
) -> None:
    """The stream drops before its first event (here: the real server's stream, ended by its
    own ``idle_s``); an incident reported before the page reconnects must still arrive."""
    from datetime import UTC, datetime

    terms = propose(served, "krems-resume")
    where = terms["route"]["geometry"]["coordinates"][2]
    field_team = {"Authorization": f"Bearer {served.tokens['field']}"}
    streams: list[dict[str, str]] = []

    def on_events(route: Any) -> None:
        streams.append(dict(route.request.headers))
        if len(streams) == 1:  # the first stream ends after a second without events
            route.fulfill(response=route.fetch(url=route.request.url + "?idle_s=1"))
            return
        if len(streams) == 2:  # reported while the page is disconnected
            incident = {
                "id": "inc-resume-1", "corridor_id": "krems-resume", "kind": "shelling",
                "at_utc": datetime.now(UTC).isoformat(), "lat": where[1], "lon": where[0],
                "severity": 0.5, "confidence": 0.6, "notes": "between two connections",
            }  # fmt: skip
            sent = httpx.post(f"{served.base}/reports/incidents", json=incident,
                              headers=field_team)  # fmt: skip
            assert sent.status_code == 201, sent.text
        route.continue_()

    page.page.route("**/events", on_events)
    log_in(page, served, "observer")
    item = page.page.locator("#live li.live-incident", has_text="krems-resume")
    expect(item).to_contain_text("shelling krems-resume", timeout=20_000)
    assert len(streams) >= 2
    assert "last-event-id" not in streams[0] and "last-event-id" in streams[1]
    assert_local_only(page, served)


LABEL_BOXES_JS = """
() => {
  const box = (el) => { const r = el.getBoundingClientRect();
                        return [r.left, r.top, r.right, r.bottom]; };
  return {
    labels: [...document.querySelectorAll('.road-label span')].map(
      (el) => ({ text: el.textContent, box: box(el) })),
    tiles: [...document.querySelectorAll('canvas.road-tile[data-features]')].map(box),
  };
}
"""


def test_road_names_are_whole_across_tile_edges_and_never_overlap(
    page: Page, served: Served
) -> None:
    log_in(page, served, "observer")
    wait_for_roads(page)
    page.page.focus("#map")
    for _ in range(3):  # to street zoom, with the keyboard
        page.page.keyboard.press("+")
        page.page.wait_for_timeout(400)
    wait_for_roads(page)
    expect(page.page.locator(".road-label").first).to_be_attached()
    found = page.page.evaluate(LABEL_BOXES_JS)
    labels, tiles = found["labels"], found["tiles"]
    assert len(labels) >= 5, labels
    names = [label["text"] for label in labels]
    assert all(names)

    def overlap(a: list[float], b: list[float]) -> bool:
        return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5

    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert not overlap(a["box"], b["box"]), (a, b)
    # Some label lies across a tile edge and is still drawn whole (it is not in a tile).
    across = [
        label["text"] for label in labels if sum(overlap(label["box"], t) for t in tiles) >= 2
    ]
    assert across, "no label crosses a tile edge at this view"
    assert_local_only(page, served)


def test_a_route_can_be_picked_with_the_keyboard_alone(page: Page, served: Served) -> None:
    log_in(page, served, "observer")
    wait_for_roads(page)
    page.page.focus("#route-pick")
    page.page.keyboard.press("Enter")  # the map takes the focus; its centre is the pick
    expect(page.page.locator("#status")).to_contain_text("Click the origin")
    with page.page.expect_response(lambda r: r.url.endswith("/routes"), timeout=90_000) as asked:
        on_map(page, *["ArrowLeft"] * 3, "Enter", *["ArrowRight"] * 6, "Enter")
    origin, destination = picked(asked.value)
    assert origin["lat"] == destination["lat"] and origin["lon"] < destination["lon"]
    expect(page.page.locator("#status")).to_contain_text("Routes computed")
    assert page.page.locator("#route-result > li").count() == 2
    assert page.page.locator("path.route-safest").count() == 1
    assert_local_only(page, served)


def map_zoom(tab: Page) -> int:
    """The map's zoom level, read from the road tiles it asked for (/tiles/{z}/{x}/{y})."""
    levels = {int(u.split("/tiles/")[1].split("/")[0]) for u in tab.requests if "/tiles/" in u}
    assert len(levels) == 1, levels
    return levels.pop()


# Leaflet's keyboard pan step (its keyboardPanDelta option, not changed by the page).
PAN_PX = 80


def test_enter_during_a_keyboard_pan_picks_where_the_crosshair_stops(
    page: Page, served: Served
) -> None:
    """Enter pressed while an arrow key's pan is still animating (0.25 s) picked a point the map
    was passing through (at first, still the old centre) instead of the one under the crosshair
    when the map stopped: here both ends of the route would be one point. The keys go to the
    page as fast as the real keyboard sends them, with no wait between them."""
    log_in(page, served, "observer")
    wait_for_roads(page)
    zoom = map_zoom(page)
    page.page.focus("#route-pick")
    page.page.keyboard.press("Enter")  # the map takes the focus; its centre is the pick
    expect(page.page.locator("#status")).to_contain_text("Click the origin")
    with page.page.expect_response(lambda r: r.url.endswith("/routes"), timeout=90_000) as asked:
        page.page.keyboard.press("Enter")  # the origin: the map is at rest
        page.page.keyboard.press("ArrowRight")
        page.page.keyboard.press("Enter")  # the destination, while the map is still moving
    origin, destination = picked(asked.value)
    # Web Mercator at an integer zoom: 360 degrees of longitude span 256 * 2**zoom pixels, so
    # one pan step moves the centre east by a fixed angle and not at all north or south. Within
    # a pixel: the map at rest reports the centre it was set to, a panned map the one its
    # whole-pixel position gives (here a pixel spans fewer degrees of latitude than of
    # longitude, so the longitude pixel bounds both).
    pixel = 360 / (256 * 2**zoom)
    step = PAN_PX * pixel
    assert abs(destination["lat"] - origin["lat"]) <= pixel, (origin, destination, pixel)
    assert abs((destination["lon"] - origin["lon"]) - step) <= pixel, (origin, destination, step)
    expect(page.page.locator("#status")).to_contain_text("Routes computed")
    assert_local_only(page, served)


def test_the_dashboard_speaks_ukrainian(page: Page, served: Served) -> None:
    page.page.goto(served.base + "/")
    page.page.select_option("#lang", "uk")
    expect(page.page.locator("#login h2")).to_have_text("Увійти")
    assert page.page.get_attribute("html", "lang") == "uk"
    log_in(page, served, "coordinator")
    assert page.page.locator("#tabs button").all_inner_texts() == [
        "Карта",
        "Угоди",
        "Плани",
        "Журнал аудиту",
    ]
    assert page.page.inner_text("#hazard-place") == "Позначити на карті"
    page.page.click("#route-pick")
    expect(page.page.locator("#status")).to_contain_text("Клацніть початок на карті")
    page.page.reload()  # the choice is kept
    expect(page.page.locator("#tabs button").first).to_have_text("Карта")
    page.page.select_option("#lang", "ru")  # the same catalogues as the notices: uk, ru, en
    expect(page.page.locator("#tabs button").nth(1)).to_have_text("Соглашения")
    assert page.page.get_attribute("html", "lang") == "ru"
    assert page.page.inner_text("#hazard-place") == "Отметить на карте"
    page.page.select_option("#lang", "en")
    expect(page.page.locator("#tabs button").first).to_have_text("Map")
    assert_local_only(page, served)


def test_a_field_team_reports_an_incident_at_a_point(page: Page, served: Served) -> None:
    propose(served, "krems-field")
    log_in(page, served, "field")
    wait_for_roads(page)
    # A field team may report, but not plan or sign.
    assert page.page.locator("#incident-tools").count() == 1
    assert page.page.locator("#hazard-tools").count() == 1  # hazards.create: field reports too
    expect(page.page.locator("#incident-corridor option[value=krems-field]")).to_have_count(1)
    page.page.select_option("#incident-corridor", "krems-field")
    page.page.select_option("#incident-kind", "fired_upon")
    page.page.fill("#incident-notes", "shots at the lead bus")
    expect(page.page.locator("#live-state")).to_have_text("(connected)")
    page.page.click("#incident-place")
    box = page.page.locator("#map").bounding_box()
    page.page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.5)
    expect(page.page.locator("#status")).to_contain_text("Incident reported: fired upon")
    # live arrival: the stream polls SQLite twice a second, but a loaded CI machine is slow
    expect(page.page.locator("#live li.live-incident")).to_contain_text(
        "fired_upon krems-field", timeout=15_000
    )
    # The agreed corridors are drawn on the map, one line per agreement, as the API lists them.
    listed = httpx.get(
        f"{served.base}/agreements",
        params={"limit": 100},
        headers={"Authorization": f"Bearer {served.tokens['field']}"},
    ).json()
    assert page.page.locator("path.agreement-route").count() == listed["total"] >= 1
    auth = {"Authorization": f"Bearer {served.tokens['coordinator']}"}
    stored = httpx.get(
        f"{served.base}/reports", params={"corridor_id": "krems-field"}, headers=auth
    ).json()["items"]
    assert len(stored) == 1
    assert stored[0]["report"]["kind"] == "fired_upon"
    assert stored[0]["report"]["notes"] == "shots at the lead bus"
    assert_local_only(page, served)


def test_the_audit_timeline_shows_the_log_and_a_broken_link(page: Page, served: Served) -> None:
    import sqlite3

    propose(served, "krems-audit")  # at least one entry besides the users and parties
    auth = {"Authorization": f"Bearer {served.tokens['observer']}"}
    log_in(page, served, "observer")
    page.page.click("#tabs button[data-view=audit-view]")
    status = page.page.locator("#audit-status")
    expect(status).to_have_attribute("data-ok", "true")
    export = httpx.get(f"{served.base}/audit/export", headers=auth).text.splitlines()
    entries = [json.loads(line) for line in export[:-1]]
    head = json.loads(export[-1])
    assert head["entries"] == len(entries) >= 1
    assert f"#{head['head_seq']} {head['head_hash']}" in status.inner_text()
    items = page.page.locator("#audit-timeline li")
    assert items.count() == len(entries)
    shown = [int(s) for s in items.evaluate_all("els => els.map(e => e.dataset.seq)")]
    assert shown == [e["seq"] for e in reversed(entries)]  # newest first
    newest = entries[-1]
    assert newest["action"] in items.first.inner_text()
    assert newest["actor"] in items.first.inner_text()
    # Someone with database access rewrites who did an entry: the page says the log is broken
    # and marks the entry (the server recomputes every link).
    path = served.db_url.removeprefix("sqlite:///")
    victim = entries[len(entries) // 2]
    with sqlite3.connect(path) as db:  # as the database's owner could, triggers aside
        triggers = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
        ).fetchall()
        assert triggers, "the append-only triggers are gone"
        for name, _ in triggers:
            db.execute(f"DROP TRIGGER {name}")
        db.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = ?", (victim["seq"],))
    try:
        page.page.click("#tabs button[data-view=map-view]")
        page.page.click("#tabs button[data-view=audit-view]")
        expect(status).to_have_attribute("data-ok", "false")
        expect(status).to_contain_text("VERIFICATION FAILED")
        assert f"#{victim['seq']} " in status.inner_text()
        fault = page.page.locator("#audit-timeline li.audit-fault")
        expect(fault).to_have_count(1)
        assert fault.get_attribute("data-seq") == str(victim["seq"])
        assert "mallory" in fault.inner_text()
    finally:
        with sqlite3.connect(path) as db:
            db.execute(
                "UPDATE audit_log SET actor = ? WHERE seq = ?", (victim["actor"], victim["seq"])
            )
            for _, sql in triggers:
                db.execute(sql)
    assert httpx.get(f"{served.base}/audit/verify", headers=auth).json()["ok"] is True
    assert_local_only(page, served)


def test_a_field_team_has_no_audit_view(page: Page, served: Served) -> None:
    log_in(page, served, "field")
    assert page.page.locator("#tabs button[data-view=audit-view], #audit-view").count() == 0
    assert_local_only(page, served)


def test_a_stored_plan_is_listed_drawn_on_the_map_and_as_a_gantt_chart(
    page: Page, served: Served
) -> None:
    from datetime import datetime

    from tests.api.test_plans import _plan_data

    coordinator = {"Authorization": f"Bearer {served.tokens['coordinator']}"}
    body = {"plan": _plan_data(), "network": "krems", "hazards": False, "bound": False}
    made = httpx.post(f"{served.base}/plans", json=body, headers=coordinator, timeout=120)
    assert made.status_code == 201, made.text
    rec = made.json()
    plan, schedule = rec["plan"], rec["schedule"]
    assert schedule["trips"] and schedule["convoys"] and schedule["windows"]
    log_in(page, served, "observer")
    page.page.click("#tabs button[data-view=plans-view]")
    expect(page.page.locator("#plan-select option")).to_have_count(1)
    assert page.page.locator("#plan-select option").inner_text() == f"{rec['plan_id']} (v1)"
    expect(page.page.locator("#plan-summary")).to_contain_text(
        f"{schedule['moved']} / {schedule['total_people']} people moved"
    )
    chart = page.page.locator("svg.gantt-chart")
    vehicles = [v["id"] for v in plan["vehicles"]["buses"] + plan["vehicles"]["ambulances"]]
    assert chart.locator("text.gantt-vehicle").all_text_contents() == vehicles
    assert chart.locator("g.gantt-trip").count() == len(schedule["trips"])
    assert chart.locator("rect.gantt-window").count() == len(schedule["windows"])
    # Bars sit where their times say, on their vehicle's row (x from the chart's own scale).
    start = datetime.fromisoformat(chart.get_attribute("data-start") or "")
    end = datetime.fromisoformat(chart.get_attribute("data-end") or "")
    left = float(chart.get_attribute("data-left") or "")
    width = float(chart.get_attribute("data-width") or "")

    def x(iso: str) -> float:
        return left + (datetime.fromisoformat(iso) - start) / (end - start) * width

    windows = [(x(w["start_utc"]), x(w["end_utc"])) for w in schedule["windows"]]
    for trip in schedule["trips"]:
        g = chart.locator(f"g.gantt-trip[data-trip='{trip['trip_id']}']")
        assert g.get_attribute("data-vehicle") == trip["vehicle_id"]
        drive = g.locator("rect.gantt-drive")
        assert float(drive.get_attribute("x") or "") == pytest.approx(x(trip["depart_utc"]))
        shown_end = float(drive.get_attribute("x") or "") + float(
            drive.get_attribute("width") or ""
        )
        assert shown_end == pytest.approx(max(x(trip["arrive_utc"]), x(trip["depart_utc"]) + 1))
        row = vehicles.index(trip["vehicle_id"])
        assert float(drive.get_attribute("y") or "") == 24 + row * 20 + 3
        if trip["entry_utc"]:  # the corridor is entered inside an agreed window
            assert any(a <= x(trip["entry_utc"]) <= b for a, b in windows)
    # On the map: every gathering and reception point, and one line per convoy.
    page.page.click("#plan-on-map")
    assert page.page.locator("path.plan-gathering").count() == len(plan["gathering_points"])
    assert page.page.locator("path.plan-reception").count() == len(plan["reception_points"])
    assert page.page.locator("path.plan-convoy").count() == len(schedule["convoys"])
    assert_local_only(page, served)


def test_the_time_slider_shows_hazards_active_then_faded_by_decay(
    page: Page, served: Served
) -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    iso = lambda t: t.isoformat().replace("+00:00", "Z")  # noqa: E731
    auth = {"Authorization": f"Bearer {served.tokens['coordinator']}"}
    made = {}
    for name, props in {
        # observed two hours ago, half-life one hour, gone in an hour
        "decaying": {"kind": "shelling", "observed_at": iso(now - timedelta(hours=2)),
                     "valid_until": iso(now + timedelta(hours=1)), "half_life_h": 1.0,
                     "severity": 0.8, "confidence": 1.0},
        # announced for three hours from now; a mine field does not decay
        "future": {"kind": "mines", "valid_from": iso(now + timedelta(hours=3)),
                   "severity": 0.9, "confidence": 0.5},
    }.items():  # fmt: skip
        r = httpx.post(
            f"{served.base}/hazards",
            headers=auth,
            json={"type": "Feature", "properties": props,
                  "geometry": {"type": "Point", "coordinates": [15.60 + len(made) * 0.01, 48.41]}},
        )  # fmt: skip
        assert r.status_code == 201, r.text
        made[name] = r.json()["id"]
    log_in(page, served, "observer")
    slider = page.page.locator("#hazard-when")
    expect(page.page.locator("#map")).to_have_attribute("data-hazards-at", "now")  # first load
    anchor = datetime.fromisoformat(slider.get_attribute("data-anchor") or "")
    icon = lambda name: page.page.locator(f".hazard-icon[data-hazard='{made[name]}']")  # noqa: E731

    def at(minutes: int) -> datetime:
        slider.fill(str(minutes))
        moment = anchor + timedelta(minutes=minutes)
        expect(page.page.locator("#map")).to_have_attribute(
            "data-hazards-at", iso(moment)[:-1] + ".000Z"
        )
        return moment

    def expected(moment: datetime) -> float:  # 0.8 x 1.0 x 0.5 ** (age / 1 h), by hand
        age_h = (moment - (now - timedelta(hours=2))) / timedelta(hours=1)
        return 0.8 * 0.5**age_h

    # Two hours ago the shelling was fresh; now it has faded to a quarter.
    then = at(-120)
    assert float(icon("decaying").get_attribute("data-weight") or "") == pytest.approx(
        expected(then), abs=1e-3
    )
    assert icon("future").count() == 0
    faded = at(0)
    weight_now = float(icon("decaying").get_attribute("data-weight") or "")
    assert weight_now == pytest.approx(expected(faded), abs=1e-3) and weight_now < 0.25
    opacity = lambda name: float(icon(name).evaluate("e => getComputedStyle(e).opacity"))  # noqa: E731
    assert opacity("decaying") < 0.5
    # In four hours the shelling is over and the mines are there, at full strength.
    at(240)
    expect(icon("future")).to_have_count(1)
    assert icon("decaying").count() == 0
    assert float(icon("future").get_attribute("data-weight") or "") == pytest.approx(0.45)
    assert opacity("future") == pytest.approx(0.25 + 0.75 * 0.45, abs=1e-3)
    active = httpx.get(
        f"{served.base}/hazards",
        params={"limit": 500, "active_at": iso(anchor + timedelta(minutes=240))},
        headers=auth,
    ).json()
    assert page.page.inner_text("#hazard-count") == f"({active['total']})"
    page.page.click("#hazard-now")
    expect(page.page.locator("#map")).to_have_attribute("data-hazards-at", "now")
    assert_local_only(page, served)


def test_a_field_team_reports_a_check_in_from_the_page(page: Page, served: Served) -> None:
    propose_with_convoy(
        served, "krems-checkin", "column-7", label="school buses", vehicles=6, people=240
    )
    coordinator = {"Authorization": f"Bearer {served.tokens['coordinator']}"}
    log_in(page, served, "field")
    wait_for_roads(page)
    expect(page.page.locator("#live-state")).to_have_text("(connected)")
    page.page.select_option("#checkin-corridor", "krems-checkin")
    expect(page.page.locator("#checkin-convoy option")).to_have_text(["column-7 (school buses)"])
    # "held" needs a checkpoint: the server refuses, and the page says why.
    page.page.select_option("#checkin-status", "held")
    page.page.click("#checkin-place")  # the map takes the focus; Enter picks its centre
    page.page.keyboard.press("Enter")
    expect(page.page.locator("#status")).to_contain_text("422")
    expect(page.page.locator("#status")).to_contain_text("checkpoint")
    page.page.select_option("#checkin-status", "en_route")
    page.page.fill("#checkin-people", "236")
    page.page.click("#checkin-place")  # the map takes the focus; Enter picks its centre
    page.page.keyboard.press("Enter")
    expect(page.page.locator("#status")).to_contain_text("Check-in reported: column-7 en route")
    expect(page.page.locator("#live li.live-checkin")).to_contain_text(
        "en_route krems-checkin", timeout=15_000
    )
    stored = httpx.get(
        f"{served.base}/reports",
        params={"corridor_id": "krems-checkin", "type": "checkin"},
        headers=coordinator,
    ).json()["items"]
    assert len(stored) == 1
    report = stored[0]["report"]
    assert (report["convoy_id"], report["status"], report["people"]) == (
        "column-7",
        "en_route",
        236,
    )
    # At a point on the served network (the click, not a default position).
    networks = httpx.get(f"{served.base}/networks", headers=coordinator).json()["items"]
    west, south, east, north = networks[0]["bbox"]
    assert west < report["lon"] < east and south < report["lat"] < north
    assert page.page.locator("path.live-marker-checkin").count() == 1
    page.errors[:] = [e for e in page.errors if "422" not in e]
    assert_local_only(page, served)


def test_a_coordinator_draws_a_no_go_zone_that_routes_avoid(page: Page, served: Served) -> None:
    from shapely.geometry import LineString, Point, shape

    log_in(page, served, "coordinator")
    wait_for_roads(page)
    box = page.page.locator("#map").bounding_box()
    before = click_route(page, box)
    # Where the drawn fastest route is on screen, halfway along its path.
    mid = page.page.locator("path.route-fastest").evaluate(
        """p => { const q = p.getPointAtLength(p.getTotalLength() / 2);
                  const m = p.getScreenCTM();
                  return [q.x * m.a + q.y * m.c + m.e, q.x * m.b + q.y * m.d + m.f]; }"""
    )
    corners = [(-30, -30), (30, -30), (30, 30), (-30, 30)]
    page.page.click("#zone-draw")
    assert page.page.locator("#zone-finish").is_hidden()
    for dx, dy in corners:
        page.page.mouse.click(mid[0] + dx, mid[1] + dy)
    expect(page.page.locator("#status")).to_contain_text("Corners: 4")
    page.page.click("#zone-finish")
    expect(page.page.locator("#status")).to_contain_text("No-go zone added (4 corners)")
    zones = [h for h in hazards(served) if h["properties"]["kind"] == "no_go_zone"]
    assert len(zones) == 1
    zone = shape(zones[0]["geometry"])
    assert zone.geom_type == "Polygon" and len(zones[0]["geometry"]["coordinates"][0]) == 5
    assert zones[0]["properties"]["source"] == "dashboard (coordinator-1)"
    assert LineString(before["fastest"]["geometry"]["coordinates"]).intersects(zone)
    # The zone closes the roads inside it: the routes now go around it.
    after = click_route(page, box)
    for kind in ("fastest", "safest"):
        line = LineString(after[kind]["geometry"]["coordinates"])
        assert not line.intersects(zone), kind
        assert not zone.contains(Point(line.coords[len(line.coords) // 2]))
    assert page.page.locator("path.leaflet-interactive.zone-draft").count() == 0
    assert_local_only(page, served)


def test_escape_cancels_a_zone_being_drawn(page: Page, served: Served) -> None:
    log_in(page, served, "field")
    wait_for_roads(page)
    box = page.page.locator("#map").bounding_box()
    before = len(hazards(served))
    page.page.click("#zone-draw")
    for fx, fy in [(0.4, 0.4), (0.6, 0.4), (0.5, 0.6)]:
        page.page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    expect(page.page.locator("#zone-finish")).to_be_visible()
    page.page.keyboard.press("Escape")
    expect(page.page.locator("#status")).to_contain_text("Zone cancelled")
    assert page.page.locator("#zone-finish").is_hidden()
    assert len(hazards(served)) == before
    page.page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    assert len(hazards(served)) == before
    assert_local_only(page, served)


def test_a_coordinator_drafts_an_agreement_from_a_computed_route(
    page: Page, served: Served
) -> None:
    log_in(page, served, "coordinator")
    wait_for_roads(page)
    box = page.page.locator("#map").bounding_box()
    routes = click_route(page, box)
    safest = routes["safest"]
    assert len(safest["edge_ids"]) == safest["edges"] > 0
    page.page.click("#route-result li.route-safest button.draft-from-route")
    expect(page.page.locator("#draft-form")).to_be_visible()
    assert page.page.locator("#draft-parties input:checked").count() == len(served.keys)
    page.page.fill("#draft-id", "dash-drafted")
    page.page.fill("#draft-title", "Drafted in the browser")
    page.page.fill("#draft-origin", "School")
    page.page.fill("#draft-destination", "Hospital")
    page.page.fill("#draft-start", "2031-05-01T08:00")
    page.page.fill("#draft-hours", "4")
    page.page.fill("#draft-markings", "white flags")
    page.page.fill("#checkpoint-name", "Bridge post")
    page.page.select_option("#checkpoint-party", "south")
    page.page.click("#checkpoint-place")
    page.page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    expect(page.page.locator("#draft-checkpoints li")).to_have_count(1)
    corridors_before = page.page.locator("path.agreement-route").count()
    page.page.click("#draft-propose")
    row = page.page.locator("#agreements tr[data-corridor=dash-drafted]")
    expect(row).to_be_visible()
    assert "proposed" in row.inner_text()
    assert sorted(row.locator("li.sig-missing").all_inner_texts()) == [
        "north: missing",
        "south: missing",
    ]
    auth = {"Authorization": f"Bearer {served.tokens['observer']}"}
    stored = httpx.get(f"{served.base}/agreements/dash-drafted", headers=auth).json()
    terms = stored["terms"]
    assert [e["id"] for e in terms["route"]["edges"]] == safest["edge_ids"]
    assert terms["route"]["geometry"]["coordinates"] == safest["geometry"]["coordinates"]
    assert terms["windows"] == [
        {"start_utc": "2031-05-01T08:00:00Z", "end_utc": "2031-05-01T12:00:00Z"}
    ]
    [checkpoint] = terms["checkpoints"]
    assert checkpoint["name"] == "Bridge post" and checkpoint["operated_by"] == "south"
    assert (terms["origin"]["name"], terms["destination"]["name"]) == ("School", "Hospital")
    # Back on the map the proposed corridor is drawn along the same route.
    page.page.click("#tabs button[data-view=map-view]")
    expect(page.page.locator("path.agreement-route")).to_have_count(corridors_before + 1)
    listed = httpx.get(f"{served.base}/agreements", headers=auth).json()["items"]
    assert page.page.locator("path.agreement-route").count() == len(listed)
    assert_local_only(page, served)


def test_a_route_of_no_road_is_explained_and_not_offered_for_drafting(
    page: Page, served: Served
) -> None:
    """The same point picked twice snaps both ends to one road node: the server answers a route
    of no edges. Drafting it threw a TypeError in the page (its terms had no first and last
    coordinate); the page now says why there is no route and offers no draft."""
    log_in(page, served, "coordinator")
    wait_for_roads(page)
    box = page.page.locator("#map").bounding_box()
    page.page.click("#route-pick")
    x, y = box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.4
    with page.page.expect_response(lambda r: r.url.endswith("/routes"), timeout=90_000) as asked:
        page.page.mouse.click(x, y)
        page.page.mouse.click(x, y)
    [route] = asked.value.json()["routes"]
    assert route["edges"] == 0 and route["edge_ids"] == []  # the case under test
    said = "Start and destination are the same place on the road network, so there is no route."
    expect(page.page.locator("#status")).to_contain_text(said)
    expect(page.page.locator("#route-result li.route-empty")).to_contain_text(said)
    assert page.page.locator("#route-result li.route-empty").count() == 1
    assert page.page.locator("button.draft-from-route").count() == 0
    assert page.page.locator("#route-result li.route-safest").count() == 0
    expect(page.page.locator("#draft-form")).to_be_hidden()
    # Two points apart still give routes to draft.
    routes = click_route(page, box)
    assert routes["safest"]["edges"] > 0
    expect(page.page.locator("#route-result li.route-empty")).to_have_count(0)
    page.page.click("#route-result li.route-safest button.draft-from-route")
    expect(page.page.locator("#draft-form")).to_be_visible()
    assert_local_only(page, served)


def test_only_a_coordinator_is_offered_drafting(page: Page, served: Served) -> None:
    log_in(page, served, "liaison")
    wait_for_roads(page)
    assert page.page.locator("#draft-form").count() == 0
    box = page.page.locator("#map").bounding_box()
    click_route(page, box)
    assert page.page.locator("button.draft-from-route").count() == 0


def test_alternatives_and_the_pareto_set_are_drawn_listed_and_charted(
    page: Page, served: Served
) -> None:
    log_in(page, served, "field")
    wait_for_roads(page)
    box = page.page.locator("#map").bounding_box()
    first = click_route(page, box)
    # Shelling on the fastest route, so that time and risk pull apart.
    coords = first["fastest"]["geometry"]["coordinates"]
    shelled = coords[len(coords) // 2]
    auth = {"Authorization": f"Bearer {served.tokens['field']}"}
    reported = httpx.post(
        f"{served.base}/hazards",
        headers=auth,
        json={"type": "Feature", "geometry": {"type": "Point", "coordinates": shelled},
              "properties": {"kind": "shelling", "radius_m": 250, "severity": 1.0}},
    )  # fmt: skip
    assert reported.status_code == 201, reported.text
    page.page.fill("#route-alternatives", "2")
    page.page.check("#route-pareto")

    def body_has(key: str, value: Any) -> Any:
        def match(response: Any) -> bool:
            if not response.url.endswith("/routes"):
                return False
            return bool(json.loads(response.request.post_data or "{}").get(key) == value)

        return page.page.expect_response(match, timeout=90_000)

    with body_has("alternatives", 2) as alt, body_has("pareto", True) as par:
        routes = click_route(page, box)
    front = par.value.json()["routes"]
    alternatives = alt.value.json()["routes"][1:]
    assert len(front) >= 2, "the shelling should leave a time/risk trade-off"
    # Listed fastest first, each faster but riskier than the next: none dominates another.
    items = page.page.locator("#route-more li.route-pareto")
    shown = [
        (float(items.nth(i).get_attribute("data-time-s")),
         float(items.nth(i).get_attribute("data-risk")))
        for i in range(items.count())
    ]  # fmt: skip
    assert sorted(shown) == sorted((r["time_s"], r["risk"]) for r in front)
    for (t1, r1), (t2, r2) in itertools.pairwise(shown):
        assert t1 < t2 and r1 > r2, shown
    # The separately asked fastest and safest routes bound the front.
    assert shown[0][0] == pytest.approx(routes["fastest"]["time_s"], abs=0.2)
    assert shown[-1][1] <= routes["safest"]["risk"] + 1e-9
    assert page.page.locator("path.route-pareto").count() == len(front)
    expect(page.page.locator("#pareto")).to_be_visible()
    assert page.page.locator("#pareto-chart circle.pareto-point").count() == len(front)
    # Alternatives: listed and drawn, each a different road sequence from the safest route.
    assert alternatives, "Krems has other roads between these points"
    assert page.page.locator("#route-more li.route-alternative").count() == len(alternatives)
    assert page.page.locator("path.route-alternative").count() == len(alternatives)
    for other in alternatives:
        assert other["geometry"] != routes["safest"]["geometry"]
    listed = page.page.locator("#route-more li.route-alternative").all_inner_texts()
    assert [s.split(":")[0] for s in listed] == [
        f"alternative {i + 1}" for i in range(len(alternatives))
    ]
    assert_local_only(page, served)


def test_a_coordinator_plans_an_evacuation_from_the_demo_plan_file(
    page: Page, served: Served, tmp_path: Path
) -> None:
    from tests.api.test_plans import DEMO_PLAN

    # The demo plan file as a coordinator has it (YAML, with its own network and hazard paths),
    # under an id of its own so that it does not meet the other plan tests' plan.
    text = DEMO_PLAN.read_text()
    assert "\nid: krems-demo-evacuation\n" in text
    upload = tmp_path / "krems-plan.yaml"
    upload.write_text(text.replace("\nid: krems-demo-evacuation\n", "\nid: krems-from-page\n"))
    broken = tmp_path / "broken-plan.yaml"
    broken.write_text(text.replace("gathering_points:", "gathering_points: [", 1))
    log_in(page, served, "coordinator")
    wait_for_roads(page)
    page.page.click("#tabs button[data-view=plans-view]")
    form = page.page.locator("#plan-form")
    expect(form).to_be_visible()
    expect(page.page.locator("#plan-network")).to_have_value("krems")
    # A damaged file is refused with a clear message in the page; nothing is stored.
    page.page.set_input_files("#plan-file", str(broken))
    page.page.click("#plan-submit")
    expect(page.page.locator("#plan-form-status.error")).to_contain_text("not valid YAML or JSON")
    auth = {"Authorization": f"Bearer {served.tokens['observer']}"}
    missing = httpx.get(f"{served.base}/plans/krems-from-page", headers=auth)
    assert missing.status_code == 404
    # The real file is planned on the server and shown at once, with its trips in the Gantt.
    page.page.set_input_files("#plan-file", str(upload))
    page.page.uncheck("#plan-hazards")
    with page.page.expect_response(
        lambda r: r.url.endswith("/plans") and r.request.method == "POST", timeout=120_000
    ) as posted:
        page.page.click("#plan-submit")
    assert posted.value.status == 201
    expect(page.page.locator("#plan-form-status")).to_contain_text(
        "Planned: krems-from-page v1", timeout=30_000
    )
    stored = httpx.get(f"{served.base}/plans/krems-from-page", headers=auth).json()
    assert "coordinator-1" in stored["created_by"]
    plan, schedule = stored["plan"], stored["schedule"]
    assert plan["title"] == "Krems centre to the east, two ceasefire windows"
    assert len(plan["gathering_points"]) == 3 and schedule["trips"]
    # The window times came through as the file wrote them (not re-zoned by the browser).
    assert plan["corridors"][0]["windows"][0]["start_utc"].startswith("2022-03-08T10:00:00")
    expect(page.page.locator("#plan-select")).to_have_value("krems-from-page")
    expect(page.page.locator("#plan-summary")).to_contain_text(
        f"{schedule['moved']} / {schedule['total_people']} people moved"
    )
    trips = page.page.locator("svg.gantt-chart g.gantt-trip")
    expect(trips).to_have_count(len(schedule["trips"]))
    shown = sorted(trips.evaluate_all("gs => gs.map(g => g.dataset.trip)"))
    assert shown == sorted(t["trip_id"] for t in schedule["trips"])
    assert_local_only(page, served)


@pytest.mark.parametrize("who", ["observer", "field", "liaison"])
def test_only_a_coordinator_is_offered_planning(page: Page, served: Served, who: str) -> None:
    log_in(page, served, who)
    page.page.click("#tabs button[data-view=plans-view]")
    expect(page.page.locator("#plans-view")).to_be_visible()
    assert page.page.locator("#plan-form, #plan-file, #plan-submit").count() == 0
    assert_local_only(page, served)


# WCAG 2.x contrast of every visible piece of text against the background it is painted on,
# computed in the page (relative luminance and the (L1 + 0.05) / (L2 + 0.05) ratio as WCAG
# defines them). The background is the first ancestor with a colour, translucent ones composited;
# text over an image or a canvas (the road map) is reported apart, not guessed.
CONTRAST_JS = """
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const lum = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage !== "none" && !e.matches("select")) return null;
      const c = parse(s.backgroundColor);
      if (c && c[3] > 0) {
        layers.push(c);
        if (c[3] >= 1) break;
      }
    }
    let bg = [255, 255, 255, 1];
    for (const c of layers.reverse()) bg = over(c, bg);
    return bg;
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim());
    const field = el.matches(
      "input:not([type=checkbox], [type=radio], [type=file], [type=range]), select");
    if (!own.length && !field) continue;
    if (el.closest("[hidden], [aria-hidden=true]") || el.matches(":disabled")) continue;
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || s.visibility !== "visible") continue;
    let alpha = 1;
    for (let e = el; e; e = e.parentElement) alpha *= Number(getComputedStyle(e).opacity);
    if (alpha === 0) continue;
    const svg = el instanceof SVGElement;
    const fg = parse(svg ? s.fill : s.color);
    const bg = background(el);
    const text = (own.map((n) => n.textContent).join(" ") || el.value || "").trim().slice(0, 40);
    if (!fg || !bg) { out.push({ text, unknown: true }); continue; }
    const shown = over([fg[0], fg[1], fg[2], fg[3] * alpha], bg);
    const [hi, lo] = [lum(shown), lum(bg)].sort((a, b) => b - a);
    const size = parseFloat(s.fontSize);
    const bold = Number(s.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    out.push({
      text, tag: el.tagName.toLowerCase(), id: el.id,
      cls: String(el.className?.baseVal ?? el.className),
      ratio: (hi + 0.05) / (lo + 0.05), need: large ? 3 : 4.5,
      fg: shown.slice(0, 3).map(Math.round).join(","), bg: bg.slice(0, 3).map(Math.round).join(","),
    });
  }
  return out;
}
"""


def low_contrast(tab: Page) -> tuple[list[dict[str, Any]], int]:
    """The text in the page that fails WCAG AA contrast, and how many texts were checked."""
    found: list[dict[str, Any]] = tab.page.evaluate(CONTRAST_JS)
    checked = [f for f in found if not f.get("unknown")]
    return [f for f in checked if f["ratio"] < f["need"]], len(checked)


def test_the_contrast_oracle_catches_pale_text(page: Page, served: Served) -> None:
    """The check itself fails on text WCAG fails (#777 on white is 4.48:1) and passes #767676."""
    page.page.goto(served.base + "/")
    page.page.evaluate(
        """() => {
          for (const [id, colour] of [["pale", "#777777"], ["just", "#767676"]]) {
            const p = document.createElement("p");
            p.id = id; p.textContent = "sample"; p.style.color = colour;
            p.style.background = "#fff";
            document.querySelector("main").prepend(p);
          }
        }"""
    )
    failing, _ = low_contrast(page)
    assert [f["id"] for f in failing] == ["pale"]
    assert failing[0]["ratio"] == pytest.approx(4.48, abs=0.01)


def test_every_view_has_wcag_aa_contrast(page: Page, served: Served) -> None:
    page.page.goto(served.base + "/")
    failing, checked = low_contrast(page)
    assert checked > 3 and not failing, failing
    log_in(page, served, "coordinator")
    wait_for_roads(page)
    propose(served, "krems-contrast")
    # The map view with what it shows at its fullest: hazards listed and drawn, the fastest,
    # safest and alternative routes listed with an explanation open, the drafting form.
    box = page.page.locator("#map").bounding_box()
    route = click_route(page, box)["fastest"]["geometry"]["coordinates"]
    middle = route[len(route) // 2]
    reported = httpx.post(
        f"{served.base}/hazards",
        headers={"Authorization": f"Bearer {served.tokens['field']}"},
        json={"type": "Feature", "geometry": {"type": "Point", "coordinates": middle},
              "properties": {"kind": "shelling", "radius_m": 200, "severity": 1.0}},
    )  # fmt: skip
    assert reported.status_code == 201, reported.text
    page.page.fill("#route-alternatives", "2")
    click_route(page, box)
    page.page.locator("#route-result details.explanation summary").first.click()
    seen = 0
    loaded = {
        "map-view": "#status:not(:empty)",
        "agreements-view": "#agreements tr[data-corridor=krems-contrast]",
        "plans-view": "#plan-summary:not(:empty)",
        "audit-view": "#audit-timeline li",
    }
    for view, ready in loaded.items():
        page.page.click(f"#tabs button[data-view={view}]")
        expect(page.page.locator(f"#{view}")).to_be_visible()
        page.page.locator(ready).first.wait_for()
        failing, checked = low_contrast(page)
        assert not failing, (view, failing)
        seen += checked
    assert seen > 50
    assert_local_only(page, served)


def no_horizontal_scroll(tab: Page) -> None:
    widths = tab.page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
        " document.body.scrollWidth]"
    )
    assert widths[0] <= widths[1] and widths[2] <= widths[1], widths


def inside_viewport(tab: Page, selector: str) -> None:
    el = tab.page.locator(selector)
    el.scroll_into_view_if_needed()
    box = el.bounding_box()
    assert box is not None, selector
    size = tab.page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], (selector, box)
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], (selector, box)


def test_the_dashboard_is_usable_at_tablet_width(page: Page, served: Served) -> None:
    page.page.set_viewport_size({"width": 768, "height": 1024})
    log_in(page, served, "coordinator")
    assert wait_for_roads(page) > 5_000
    no_horizontal_scroll(page)
    # The map takes a good share of the screen, whole and on screen.
    box = page.page.locator("#map").bounding_box()
    assert box["width"] >= 700 and box["height"] >= 350, box
    inside_viewport(page, "#map")
    # Every tab is on screen and switches its view.
    tabs = page.page.locator("#tabs button")
    assert tabs.count() == 4
    for i in range(tabs.count()):
        inside_viewport(page, f"#tabs button >> nth={i}")
    # The route panel: its controls are reachable and a route is computed by tapping the map.
    for control in ("#route-alternatives", "#route-pareto", "#route-pick", "#route-clear"):
        inside_viewport(page, control)
    route = click_route(page, page.page.locator("#map").bounding_box())
    assert route["safest"]["geometry"]["coordinates"]
    inside_viewport(page, "#route-result li.route-safest")
    no_horizontal_scroll(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(SHOTS / "tablet-map-with-route.png"))
    for view in ("agreements-view", "plans-view", "audit-view", "map-view"):
        page.page.click(f"#tabs button[data-view={view}]")
        expect(page.page.locator(f"#{view}")).to_be_visible()
        no_horizontal_scroll(page)
    # The plan form fits too.
    page.page.click("#tabs button[data-view=plans-view]")
    for control in ("#plan-file", "#plan-network", "#plan-submit"):
        inside_viewport(page, control)
    assert_local_only(page, served)


# ---- keyboard only: every form reached with Tab, filled by typing, sent with Enter ---------


def tab_to(tab: Page, selector: str, limit: int = 200) -> None:
    """Presses Tab until ``selector`` has the focus: it must be in the tab order."""
    for _ in range(limit):
        if tab.page.evaluate("s => !!document.activeElement?.matches(s)", selector):
            return
        tab.page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with Tab")


def type_into(tab: Page, selector: str, text: str) -> None:
    tab_to(tab, selector)
    tab.page.keyboard.press("Control+A")
    tab.page.keyboard.type(text)


def choose(tab: Page, selector: str, value: str) -> None:
    """Selects ``value`` in a <select> with the arrow keys."""
    tab_to(tab, selector)
    values: list[str] = tab.page.eval_on_selector(selector, "s => [...s.options].map(o => o.value)")
    assert value in values, (selector, value, values)
    current = tab.page.eval_on_selector(selector, "s => s.value")
    steps = values.index(value) - values.index(current)
    for _ in range(abs(steps)):
        tab.page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
    expect(tab.page.locator(selector)).to_have_value(value)


def on_map(tab: Page, *keys: str) -> None:
    """Presses ``keys`` on the focused map, each once the map has stopped moving.

    Leaflet ignores an arrow key while a pan animation runs (0.25 s), so arrows sent as fast as
    Playwright can send them moved the map by a timing-dependent amount: on a loaded machine the
    two picks of a route could snap to one road node, an empty route (the keyboard drafting
    test's flaky failure). Waiting for the pane to lose ``leaflet-pan-anim`` makes each arrow
    one full step. (Enter needs no wait: the page takes a pick asked for during a pan when the
    map stops, test_enter_during_a_keyboard_pan_picks_where_the_crosshair_stops.)
    """
    moving = tab.page.locator(".leaflet-map-pane.leaflet-pan-anim")
    for key in keys:
        expect(moving).to_have_count(0)
        tab.page.keyboard.press(key)
    expect(moving).to_have_count(0)


def picked(response: Any) -> tuple[dict[str, float], dict[str, float]]:
    """The origin and destination a /routes request asked for."""
    body = json.loads(response.request.post_data or "{}")
    return body["origin"], body["destination"]


def log_in_by_keyboard(tab: Page, served: Served, who: str) -> None:
    tab.page.goto(served.base + "/")
    type_into(tab, "#token", served.tokens[who])
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_selector("#map-view:not([hidden])")


def test_an_incident_is_reported_with_the_keyboard_alone(page: Page, served: Served) -> None:
    propose(served, "krems-kb-incident")
    log_in_by_keyboard(page, served, "field")
    wait_for_roads(page)
    with pytest.raises(AssertionError, match="not reachable"):  # the helper can fail
        tab_to(page, "#status", limit=80)
    expect(page.page.locator("#incident-corridor option[value=krems-kb-incident]")).to_have_count(1)
    choose(page, "#incident-corridor", "krems-kb-incident")
    choose(page, "#incident-kind", "route_blocked")
    type_into(page, "#incident-notes", "trucks across the road")
    tab_to(page, "#incident-place")
    page.page.keyboard.press("Enter")  # the map takes the focus
    expect(page.page.locator("#status")).to_contain_text("Click where the incident happened")
    on_map(page, "ArrowUp", "ArrowLeft", "Enter")
    expect(page.page.locator("#status")).to_contain_text("Incident reported: route blocked")
    auth = {"Authorization": f"Bearer {served.tokens['coordinator']}"}
    stored = httpx.get(
        f"{served.base}/reports", params={"corridor_id": "krems-kb-incident"}, headers=auth
    ).json()["items"]
    assert [(s["report"]["kind"], s["report"]["notes"]) for s in stored] == [
        ("route_blocked", "trucks across the road")
    ]
    assert_local_only(page, served)


def test_a_check_in_is_reported_with_the_keyboard_alone(page: Page, served: Served) -> None:
    propose_with_convoy(
        served, "krems-kb-checkin", "column-kb", label="ambulances", vehicles=3, people=30
    )
    coordinator = {"Authorization": f"Bearer {served.tokens['coordinator']}"}
    log_in_by_keyboard(page, served, "field")
    wait_for_roads(page)
    expect(page.page.locator("#checkin-corridor option[value=krems-kb-checkin]")).to_have_count(1)
    choose(page, "#checkin-corridor", "krems-kb-checkin")
    expect(page.page.locator("#checkin-convoy option")).to_have_text(["column-kb (ambulances)"])
    choose(page, "#checkin-status", "en_route")
    type_into(page, "#checkin-people", "29")
    tab_to(page, "#checkin-place")
    page.page.keyboard.press("Enter")
    expect(page.page.locator("#status")).to_contain_text("Click where the convoy is")
    page.page.keyboard.press("Enter")
    expect(page.page.locator("#status")).to_contain_text("Check-in reported: column-kb en route")
    stored = httpx.get(
        f"{served.base}/reports",
        params={"corridor_id": "krems-kb-checkin", "type": "checkin"},
        headers=coordinator,
    ).json()["items"]
    assert [(s["report"]["convoy_id"], s["report"]["people"]) for s in stored] == [
        ("column-kb", 29)
    ]
    assert_local_only(page, served)


def test_an_agreement_is_drafted_with_the_keyboard_alone(page: Page, served: Served) -> None:
    log_in_by_keyboard(page, served, "coordinator")
    wait_for_roads(page)
    tab_to(page, "#route-pick")
    page.page.keyboard.press("Enter")  # the map takes the focus; its centre is the pick
    with page.page.expect_response(lambda r: r.url.endswith("/routes"), timeout=90_000) as asked:
        on_map(page, *["ArrowLeft"] * 3, "Enter", *["ArrowRight"] * 6, "Enter")
    origin, destination = picked(asked.value)
    assert origin["lat"] == destination["lat"] and origin["lon"] < destination["lon"]
    expect(page.page.locator("#status")).to_contain_text("Routes computed")
    tab_to(page, "#route-result li.route-safest button.draft-from-route")
    page.page.keyboard.press("Enter")
    expect(page.page.locator("#draft-form")).to_be_visible()
    type_into(page, "#draft-id", "kb-drafted")
    type_into(page, "#draft-title", "Drafted with the keyboard")
    type_into(page, "#draft-origin", "Station")
    type_into(page, "#draft-destination", "Stadium")
    tab_to(page, "#draft-start")  # month, day, year, hour, minute, AM/PM (en-US)
    for part in ["06", "02", "2031", "09", "30", "AM"]:
        page.page.keyboard.type(part)
        if part == "2031":
            page.page.keyboard.press("ArrowRight")
    expect(page.page.locator("#draft-start")).to_have_value("2031-06-02T09:30")
    type_into(page, "#draft-hours", "3")
    type_into(page, "#draft-markings", "blue lights")
    type_into(page, "#checkpoint-name", "Gate")
    choose(page, "#checkpoint-party", "north")
    tab_to(page, "#checkpoint-place")
    page.page.keyboard.press("Enter")
    on_map(page, "Enter")  # the map's centre
    expect(page.page.locator("#draft-checkpoints li")).to_have_count(1)
    tab_to(page, "#draft-propose")
    page.page.keyboard.press("Enter")
    expect(page.page.locator("#agreements tr[data-corridor=kb-drafted]")).to_be_visible()
    auth = {"Authorization": f"Bearer {served.tokens['observer']}"}
    terms = httpx.get(f"{served.base}/agreements/kb-drafted", headers=auth).json()["terms"]
    assert terms["windows"] == [
        {"start_utc": "2031-06-02T09:30:00Z", "end_utc": "2031-06-02T12:30:00Z"}
    ]
    assert [(c["name"], c["operated_by"]) for c in terms["checkpoints"]] == [("Gate", "north")]
    assert (terms["origin"]["name"], terms["destination"]["name"]) == ("Station", "Stadium")
    assert_local_only(page, served)


def test_a_plan_file_is_planned_with_the_keyboard_alone(
    page: Page, served: Served, tmp_path: Path
) -> None:
    from tests.api.test_plans import DEMO_PLAN

    upload = tmp_path / "kb-plan.yaml"
    upload.write_text(
        DEMO_PLAN.read_text().replace("\nid: krems-demo-evacuation\n", "\nid: krems-kb-plan\n")
    )
    log_in_by_keyboard(page, served, "coordinator")
    tab_to(page, "#tabs button[data-view=plans-view]")
    page.page.keyboard.press("Enter")
    expect(page.page.locator("#plan-form")).to_be_visible()
    # The view has loaded its plans (nothing re-renders under the keyboard after this).
    expect(page.page.locator("#plan-summary")).not_to_be_empty()
    # Listening before the input is focused turns on Playwright's interception of the dialog
    # well before Space is pressed: armed in the same breath (expect_file_chooser), the dialog
    # sometimes opened before interception and no event came (2 clean-clone CI runs in 5).
    choosers: list[Any] = []
    page.page.on("filechooser", lambda chooser: choosers.append(chooser))  # noqa: PLW0108 (Playwright wraps Python functions, not a builtin method)
    tab_to(page, "#plan-file")
    expect(page.page.locator("#plan-file")).to_be_focused()
    page.page.keyboard.press("Space")  # opens the system's file dialog
    for _ in range(300):
        if choosers:
            break
        page.page.wait_for_timeout(100)
    assert choosers, "Space on the focused file input opened no file dialog in 30 s"
    choosers[0].set_files(str(upload))
    tab_to(page, "#plan-hazards")
    page.page.keyboard.press("Space")
    expect(page.page.locator("#plan-hazards")).not_to_be_checked()
    tab_to(page, "#plan-submit")
    page.page.keyboard.press("Enter")
    expect(page.page.locator("#plan-form-status")).to_contain_text(
        "Planned: krems-kb-plan v1", timeout=120_000
    )
    expect(page.page.locator("#plan-select")).to_have_value("krems-kb-plan")
    auth = {"Authorization": f"Bearer {served.tokens['observer']}"}
    stored = httpx.get(f"{served.base}/plans/krems-kb-plan", headers=auth)
    assert stored.status_code == 200 and stored.json()["schedule"]["trips"]
    assert_local_only(page, served)
