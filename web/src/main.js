// The corridor dashboard: log in with an API token, draw the road network from the server's
// own tiles, hazards and routes on it, and the agreements with each party's signature status.
// Controls are offered only for what the token's role may do (GET /me lists it).
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import "./style.css";
import { LabelPlacer, ROAD_STYLE, drawTile } from "./roads.js";
import { HAZARD_SYMBOL, hazardLayer, textNode, weightAt } from "./hazards.js";
import { ganttChart, planLayer } from "./plans.js";
import { load as loadYaml, JSON_SCHEMA } from "js-yaml";

const $ = (sel) => document.querySelector(sel);
const TOKEN_KEY = "corridor.token";

const app = {
  token: null,
  me: null,
  may: new Set(),
  network: null,
  map: null,
  mode: null,
  moving: false, // the map is panning or zooming (between movestart and moveend)
  pickPending: false, // an Enter pick waits for the map to stop (pickCentre)
};
const LANG_KEY = "corridor.lang";

// ---- language: English source strings; uk and ru from the server's gettext catalogues ----

let messages = {};
const t = (text) => messages[text] || text;

async function setLanguage(lang) {
  messages = {};
  if (lang !== "en") {
    const res = await fetch(`assets/i18n/${encodeURIComponent(lang)}.json`);
    if (res.ok) messages = await res.json();
  }
  document.documentElement.lang = lang;
  localStorage.setItem(LANG_KEY, lang);
  $("#lang").value = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) {
    el.dataset.i18nSource ??= el.textContent;
    el.textContent = t(el.dataset.i18nSource);
  }
}

class ApiError extends Error {}

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${app.token}`, ...(options.headers ?? {}) };
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    options = { ...options, body: JSON.stringify(options.json) };
  }
  const res = await fetch(path, { ...options, headers });
  const type = res.headers.get("content-type") ?? "";
  const asJson = type.includes("json") && !type.includes("ndjson");
  const body = asJson ? await res.json() : await res.text();
  if (!res.ok) {
    const detail = typeof body === "object" ? body.detail ?? body.title : body;
    throw new ApiError(`${res.status}: ${detail}`);
  }
  return body;
}

function setStatus(text, isError = false) {
  const el = $("#status");
  el.textContent = text;
  el.classList.toggle("error", isError);
}

// ---- log in -------------------------------------------------------------------------------

async function logIn(token) {
  app.token = token;
  app.me = await api("/me");
  app.may = new Set(app.me.may ?? []);
  sessionStorage.setItem(TOKEN_KEY, token);
  $("#who").textContent = `${app.me.name} · ${app.me.role}${app.me.party ? ` (${app.me.party})` : ""}`;
  document.body.dataset.role = app.me.role;
  // What this role may not do is not offered at all (removed, not merely hidden).
  for (const el of document.querySelectorAll("[data-needs]")) {
    if (!app.may.has(el.dataset.needs)) el.remove();
  }
  $("#login").hidden = true;
  $("#tabs").hidden = false;
  $("#logout").hidden = false;
  show("map-view");
  await startMap();
}

function logOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  window.location.reload();
}

function show(id) {
  for (const view of document.querySelectorAll(".view")) view.hidden = view.id !== id;
  for (const b of document.querySelectorAll("#tabs button")) {
    b.setAttribute("aria-pressed", String(b.dataset.view === id));
  }
  if (id === "map-view" && app.map) app.map.invalidateSize();
  if (id === "agreements-view") loadAgreements().catch((e) => setStatus(e.message, true));
  if (id === "plans-view") loadPlans().catch((e) => setPlanSummary(e.message, true));
  if (id === "audit-view") loadAudit().catch((e) => showAuditError(e.message));
}

// ---- map and road tiles -------------------------------------------------------------------

const RoadLayer = L.GridLayer.extend({
  createTile(coords, done) {
    const size = this.getTileSize();
    const canvas = L.DomUtil.create("canvas", "road-tile");
    canvas.width = size.x;
    canvas.height = size.y;
    const url = `/networks/${encodeURIComponent(app.network.name)}/tiles/${coords.z}/${coords.x}/${coords.y}`;
    api(url)
      .then((collection) => {
        const origin = coords.scaleBy(size);
        const toPixel = (lon, lat) => {
          const p = this._map.project([lat, lon], coords.z);
          return [p.x - origin.x, p.y - origin.y];
        };
        canvas.dataset.features = String(drawTile(canvas, collection, toPixel, coords.z));
        app.labels.add(canvas, collection, coords.z);
        done(null, canvas);
      })
      .catch((err) => done(err, canvas));
    return canvas;
  },
});

async function startMap() {
  const networks = await api("/networks?limit=100");
  if (networks.items.length === 0) {
    setStatus("This server has no road network loaded.", true);
    return;
  }
  app.network = networks.items[0];
  if ($("#plan-network")) $("#plan-network").value = app.network.name;
  const [w, s, e, n] = app.network.bbox;
  app.map = L.map("map", { attributionControl: true, zoomControl: true, keyboard: true });
  app.map.attributionControl.setPrefix(false);
  app.map.attributionControl.addAttribution("Roads © OpenStreetMap contributors");
  app.map.fitBounds([[s, w], [n, e]]);
  const roads = new RoadLayer({ maxZoom: 20, minZoom: 3, updateWhenZooming: false });
  app.map.createPane("labels"); // above the road tiles, below routes, hazards and markers
  app.labels = new LabelPlacer(app.map, L.layerGroup().addTo(app.map), L);
  roads.on("tileunload", (event) => app.labels.remove(event.tile));
  // Tells tests (and anyone curious) when every visible road tile has been drawn.
  roads.on("loading", () => delete $("#map").dataset.roads);
  roads.on("load", () => ($("#map").dataset.roads = "loaded"));
  roads.addTo(app.map);
  app.hazards = L.layerGroup().addTo(app.map);
  app.routes = L.layerGroup().addTo(app.map);
  app.map.on("click", onMapClick);
  // Keyboard: while picking, pan with the arrow keys and press Enter to pick the point under
  // the crosshair (the map's centre); see pickCentre for why a pick waits for the map to stop.
  app.map.on("movestart", () => (app.moving = true));
  app.map.on("moveend", () => (app.moving = false));
  $("#map").addEventListener("keydown", (event) => {
    if (app.mode && event.key === "Enter") {
      event.preventDefault();
      pickCentre();
    }
  });
  fillLegend();
  fillHazardKinds();
  setStatus(`Network ${app.network.name}: ${app.network.edges} edges, ${app.network.road_km} km.`);
  app.live = L.layerGroup().addTo(app.map);
  if (app.may.has("reports.incident")) fillIncidentForm().catch((e) => setStatus(e.message, true));
  app.corridors = L.layerGroup().addTo(app.map);
  app.plan = L.layerGroup().addTo(app.map);
  drawAgreementRoutes().catch((e) => setStatus(e.message, true));
  if (app.may.has("reports.checkin")) fillCheckinForm().catch((e) => setStatus(e.message, true));
  if (app.may.has("events.stream")) followEvents();
  await hazardsNow();
}

// ---- live events (check-ins, incidents, violations, agreement changes) --------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function parseEvent(block) {
  const event = { id: null, kind: "message", data: "" };
  for (const line of block.split("\n")) {
    if (line.startsWith("id: ")) event.id = line.slice(4);
    else if (line.startsWith("event: ")) event.kind = line.slice(7);
    else if (line.startsWith("data: ")) event.data += line.slice(6);
  }
  return event;
}

// EventSource cannot send the token, so the stream is read with fetch; it resumes with
// Last-Event-ID after a dropped connection, as EventSource would (the id of the last frame
// that had one, the opening frame included).
async function followEvents() {
  let last = null;
  for (;;) {
    try {
      const headers = { Authorization: `Bearer ${app.token}`, Accept: "text/event-stream" };
      if (last !== null) headers["Last-Event-ID"] = last;
      const res = await fetch("/events", { headers });
      if (!res.ok) throw new ApiError(String(res.status));
      $("#live-state").textContent = "(connected)";
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut = buffer.indexOf("\n\n");
        while (cut >= 0) {
          const event = parseEvent(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
          // The opening frame has an id and no data: where this stream started, so that a
          // connection lost before the first event resumes from there.
          if (event.id !== null) last = event.id;
          if (event.data) showEvent(event.kind, JSON.parse(event.data));
          cut = buffer.indexOf("\n\n");
        }
      }
    } catch (err) {
      console.warn("event stream", err);
    }
    $("#live-state").textContent = "(reconnecting)";
    await sleep(2000);
  }
}

function showEvent(kind, event) {
  // Check-ins and incidents carry the report (with its position) inside the payload.
  const p = event.payload?.report ?? event.payload ?? {};
  const li = document.createElement("li");
  li.className = `live-${kind.replaceAll(".", "-")}`;
  const what = p.kind ?? p.status ?? "";
  const when = (event.at_utc ?? "").replace("T", " ").slice(0, 16);
  li.textContent = `${when} ${kind} ${what} ${event.corridor_id ?? ""}`.replace(/\s+/g, " ").trim();
  $("#live").prepend(li);
  if (typeof p.lat === "number" && typeof p.lon === "number") {
    L.circleMarker([p.lat, p.lon], {
      radius: 8,
      color: kind.includes("incident") ? "#b3261e" : "#0b57d0",
      fillOpacity: 0.6,
      className: `live-marker live-marker-${kind.replaceAll(".", "-")}`,
    })
      .bindTooltip(textNode(li.textContent))
      .addTo(app.live);
  }
}

function fillLegend() {
  const legend = $("#legend");
  for (const [cls, style] of Object.entries(ROAD_STYLE)) {
    const li = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = style.color;
    li.append(swatch, cls);
    legend.append(li);
  }
  const bridge = document.createElement("li");
  bridge.textContent = "bridge: dark casing · tunnel: dashed";
  legend.append(bridge);
}

function fillHazardKinds() {
  const select = $("#hazard-kind");
  if (!select) return;
  for (const kind of Object.keys(HAZARD_SYMBOL)) {
    const opt = document.createElement("option");
    opt.value = kind;
    opt.textContent = kind.replaceAll("_", " ");
    select.append(opt);
  }
}

// ---- hazards ------------------------------------------------------------------------------

// The time slider: null shows the hazards in force now (unexpired); a moment shows those the
// API says were active then, faded by their decay at that moment.
async function loadHazards() {
  app.kinds ??= await fetch("assets/hazard-kinds.json").then((r) => (r.ok ? r.json() : {}));
  const at = app.hazardTime;
  const query = at === null || at === undefined ? "" : `&active_at=${encodeURIComponent(new Date(at).toISOString())}`;
  const page = await api(`/hazards?limit=500${query}`);
  if (at !== app.hazardTime) return; // the slider moved on while this was loading
  const when = at ?? Date.now();
  app.hazards.clearLayers();
  hazardLayer(page.items, when, app.kinds).addTo(app.hazards);
  $("#hazard-count").textContent = `(${page.total})`;
  $("#map").dataset.hazardsAt = at === null || at === undefined ? "now" : new Date(at).toISOString();
  const list = $("#hazard-list");
  list.replaceChildren(
    ...page.items.map((h) => {
      const li = document.createElement("li");
      const weight = (weightAt(h, when, app.kinds) * 100).toFixed(0);
      li.textContent = `${HAZARD_SYMBOL[h.properties.kind] ?? "?"} ${h.properties.kind} · ${h.id} · ${weight} %`;
      return li;
    }),
  );
}

function showHazardTime() {
  const slider = $("#hazard-when");
  const at = app.timeAnchor + Number(slider.value) * 60_000;
  $("#hazard-when-label").textContent = new Date(at).toISOString().slice(0, 16).replace("T", " ");
  return at;
}

let hazardTimer = null;
function onHazardSlider() {
  app.hazardTime = showHazardTime();
  clearTimeout(hazardTimer);
  hazardTimer = setTimeout(() => loadHazards().catch((e) => setStatus(e.message, true)), 150);
}

function hazardsNow() {
  app.timeAnchor = Math.floor(Date.now() / 60_000) * 60_000;
  const slider = $("#hazard-when");
  slider.value = "0";
  slider.dataset.anchor = new Date(app.timeAnchor).toISOString();
  app.hazardTime = null;
  showHazardTime();
  return loadHazards();
}

async function addHazard(latlng) {
  const kind = $("#hazard-kind").value;
  const radius = Number($("#hazard-radius").value) || 300;
  await api("/hazards", {
    method: "POST",
    json: {
      type: "Feature",
      geometry: { type: "Point", coordinates: [round(latlng.lng), round(latlng.lat)] },
      properties: { kind, radius_m: radius, source: `dashboard (${app.me.name})` },
    },
  });
  setStatus(`Added a ${kind.replaceAll("_", " ")} hazard.`);
  await loadHazards();
}

// A no-go zone drawn corner by corner; it is stored as a no_go_zone hazard (which closes the
// roads inside it to routing) when finished.
function startZone() {
  cancelZone();
  app.mode = "zone";
  app.zonePoints = [];
  app.zoneShape = L.polygon([], { color: "#0b57d0", dashArray: "4 4", className: "zone-draft" }).addTo(app.map);
  document.body.classList.add("picking");
  setStatus(t("Click the corners of the zone (or pan with the arrow keys and press Enter)."));
  $("#map").focus();
}

function cancelZone() {
  if (app.zoneShape) app.zoneShape.remove();
  app.zoneShape = null;
  app.zonePoints = [];
  if (app.mode === "zone") app.mode = null;
  document.body.classList.remove("picking");
  const finish = $("#zone-finish");
  if (finish) finish.hidden = true;
}

async function finishZone() {
  const ring = app.zonePoints.map((p) => [round(p.lng), round(p.lat)]);
  cancelZone();
  if (ring.length < 3) throw new ApiError(t("A zone needs at least three corners."));
  ring.push(ring[0]);
  await api("/hazards", {
    method: "POST",
    json: {
      type: "Feature",
      geometry: { type: "Polygon", coordinates: [ring] },
      properties: { kind: "no_go_zone", source: `dashboard (${app.me.name})` },
    },
  });
  setStatus(`${t("No-go zone added")} (${ring.length - 1} ${t("corners")}).`);
  await loadHazards();
}

// ---- agreed corridors on the map --------------------------------------------------------

async function drawAgreementRoutes() {
  const page = await api("/agreements?limit=100");
  const records = await Promise.all(
    page.items.map((a) => api(`/agreements/${encodeURIComponent(a.corridor_id)}`)),
  );
  app.corridors.clearLayers();
  for (const rec of records) {
    const coords = rec.terms?.route?.geometry?.coordinates ?? [];
    if (coords.length < 2) continue;
    const inForce = rec.in_force;
    L.polyline(
      coords.map(([lon, lat]) => [lat, lon]),
      {
        color: inForce ? "#00695c" : "#5e35b1",
        weight: 5,
        opacity: 0.7,
        dashArray: inForce ? null : "2 8",
        className: `agreement-route agreement-${rec.state_now}`,
      },
    )
      .bindTooltip(textNode(`${rec.corridor_id} v${rec.version}: ${rec.state_now}`))
      .addTo(app.corridors);
  }
}

// ---- field reports ------------------------------------------------------------------------

const INCIDENT_KINDS = ["shelling", "fired_upon", "route_blocked", "mines", "bridge_destroyed", "detention"];

async function fillIncidentForm() {
  const kinds = $("#incident-kind");
  for (const kind of INCIDENT_KINDS) {
    const opt = document.createElement("option");
    opt.value = kind;
    opt.textContent = kind.replaceAll("_", " ");
    kinds.append(opt);
  }
  const page = await api("/agreements?limit=100");
  const corridors = $("#incident-corridor");
  for (const a of page.items) {
    const opt = document.createElement("option");
    opt.value = a.corridor_id;
    opt.textContent = a.corridor_id;
    corridors.append(opt);
  }
}

const CHECKIN_STATUSES = ["departed", "en_route", "at_checkpoint", "held", "released", "turned_back", "arrived", "returning"];

function option(value, text = value) {
  const opt = document.createElement("option");
  opt.value = value;
  opt.textContent = text;
  return opt;
}

async function fillCheckinForm() {
  $("#checkin-status").replaceChildren(...CHECKIN_STATUSES.map((s) => option(s, s.replaceAll("_", " "))));
  const page = await api("/agreements?limit=100");
  $("#checkin-corridor").replaceChildren(...page.items.map((a) => option(a.corridor_id)));
  $("#checkin-corridor").addEventListener("change", () =>
    fillCheckinCorridor().catch((e) => setStatus(e.message, true)),
  );
  await fillCheckinCorridor();
}

// The convoys registered on the chosen corridor, and its agreed checkpoints.
async function fillCheckinCorridor() {
  const corridor = $("#checkin-corridor").value;
  if (!corridor) return;
  const [convoys, rec] = await Promise.all([
    api(`/convoys?corridor_id=${encodeURIComponent(corridor)}`),
    api(`/agreements/${encodeURIComponent(corridor)}`),
  ]);
  // answers can arrive out of order: a slower one for a corridor no longer chosen is dropped
  if ($("#checkin-corridor").value !== corridor) return;
  $("#checkin-convoy").replaceChildren(
    ...convoys.items.map((c) => option(c.id, c.label ? `${c.id} (${c.label})` : c.id)),
  );
  $("#checkin-checkpoint").replaceChildren(
    option("", t("(none)")),
    ...(rec.terms?.checkpoints ?? []).map((c) => option(c.name)),
  );
}

async function reportCheckin(latlng) {
  const corridor = $("#checkin-corridor").value;
  const convoy = $("#checkin-convoy").value;
  if (!corridor || !convoy) throw new ApiError(t("There is no registered convoy to report on."));
  const body = {
    id: reportId(),
    corridor_id: corridor,
    convoy_id: convoy,
    status: $("#checkin-status").value,
    at_utc: new Date().toISOString(),
    lat: round(latlng.lat),
    lon: round(latlng.lng),
  };
  const checkpoint = $("#checkin-checkpoint").value;
  if (checkpoint) body.checkpoint = checkpoint;
  const people = $("#checkin-people").value;
  if (people !== "") body.people = Number(people);
  await api("/reports/checkins", { method: "POST", json: body });
  setStatus(`${t("Check-in reported")}: ${body.convoy_id} ${body.status.replaceAll("_", " ")} (${body.id}).`);
}

function reportId() {
  const random = Array.from({ length: 4 }, () => Math.floor(Math.random() * 0x10000).toString(16));
  return `web-${Date.now().toString(36)}-${random.join("")}`;
}

async function reportIncident(latlng) {
  const corridor = $("#incident-corridor").value;
  if (!corridor) throw new ApiError(t("There is no agreement to report against."));
  const body = {
    id: reportId(),
    corridor_id: corridor,
    kind: $("#incident-kind").value,
    at_utc: new Date().toISOString(),
    lat: round(latlng.lat),
    lon: round(latlng.lng),
    notes: $("#incident-notes").value,
  };
  await api("/reports/incidents", { method: "POST", json: body });
  setStatus(`${t("Incident reported")}: ${body.kind.replaceAll("_", " ")} (${body.id}).`);
}

// ---- routes -------------------------------------------------------------------------------

const round = (v) => Math.round(v * 1e6) / 1e6;

// An arrow key pans the map over a 0.25 s animation, and the centre read during it is a point
// the map is passing through (at the first frames, still the old one), not the one the
// crosshair stops on: Enter pressed right after an arrow picked a point the user never saw
// under the crosshair, and two picks a keystroke apart could land on one road node (an empty
// route). So a pick asked for while the map moves is taken when it stops (moveend), in the
// mode it was asked in; a second Enter before then is the same pick, not another. The timer
// only guards against a move that never reports its end.
function pickCentre() {
  if (app.pickPending) return;
  if (!app.moving) {
    onMapClick({ latlng: app.map.getCenter() });
    return;
  }
  const mode = app.mode;
  app.pickPending = true;
  const pick = () => {
    app.map.off("moveend", pick);
    clearTimeout(timer);
    app.pickPending = false;
    if (app.mode === mode) onMapClick({ latlng: app.map.getCenter() });
  };
  app.map.on("moveend", pick);
  const timer = setTimeout(pick, 2000);
}

function onMapClick(event) {
  if (app.mode === "incident") {
    app.mode = null;
    document.body.classList.remove("picking");
    reportIncident(event.latlng).catch((e) => setStatus(e.message, true));
    return;
  }
  if (app.mode === "checkin") {
    app.mode = null;
    document.body.classList.remove("picking");
    reportCheckin(event.latlng).catch((e) => setStatus(e.message, true));
    return;
  }
  if (app.mode === "zone") {
    app.zonePoints.push(event.latlng);
    app.zoneShape.setLatLngs(app.zonePoints);
    $("#zone-finish").hidden = app.zonePoints.length < 3;
    setStatus(`${t("Corners")}: ${app.zonePoints.length}. ${t("Click the next corner, or finish the zone.")}`);
    return;
  }
  if (app.mode === "checkpoint") {
    app.mode = null;
    document.body.classList.remove("picking");
    placeCheckpoint(event.latlng);
    return;
  }
  if (app.mode === "hazard") {
    app.mode = null;
    document.body.classList.remove("picking");
    addHazard(event.latlng).catch((e) => setStatus(e.message, true));
    return;
  }
  if (app.mode === "origin") {
    app.routes.clearLayers();
    app.origin = event.latlng;
    L.circleMarker(event.latlng, { radius: 7, color: "#1b5e20", fillOpacity: 1 })
      .bindTooltip(textNode("origin"))
      .addTo(app.routes);
    app.mode = "destination";
    setStatus(t("Now click the destination (or pan and press Enter)."));
    return;
  }
  if (app.mode === "destination") {
    app.mode = null;
    document.body.classList.remove("picking");
    L.circleMarker(event.latlng, { radius: 7, color: "#b71c1c", fillOpacity: 1 })
      .bindTooltip(textNode("destination"))
      .addTo(app.routes);
    computeRoutes(app.origin, event.latlng).catch((e) => setStatus(e.message, true));
  }
}

const ROUTE_KINDS = [
  { label: "fastest", risk_weight: 0, color: "#1565c0", dashArray: "8 6" },
  { label: "safest", risk_weight: null, color: "#2e7d32", dashArray: null },
];

async function computeRoutes(origin, destination) {
  setStatus(t("Computing routes…"));
  const ask = (risk_weight, extra = {}) =>
    api("/routes", {
      method: "POST",
      json: {
        network: app.network.name,
        origin: { lat: round(origin.lat), lon: round(origin.lng) },
        destination: { lat: round(destination.lat), lon: round(destination.lng) },
        ...(risk_weight === null ? {} : { risk_weight }),
        explain: true,
        edge_ids: app.may.has("agreements.draft"),
        ...extra,
      },
    });
  const answers = await Promise.all(ROUTE_KINDS.map((k) => ask(k.risk_weight)));
  const list = $("#route-result");
  list.replaceChildren();
  // Both picks on one road node (the same point twice, or two points nearest to one junction):
  // the server answers a route of no road, with nothing to draw, explain or agree on. Say so
  // plainly instead of listing "0.0 min" routes that offer a draft of nothing.
  if (answers.every((answer) => isEmptyRoute(answer.routes[0]))) {
    const li = document.createElement("li");
    li.className = "route-empty";
    li.textContent = emptyRouteText();
    list.append(li);
    $("#route-more").replaceChildren();
    $("#pareto").hidden = true;
    setStatus(emptyRouteText(), true);
    return;
  }
  answers.forEach((answer, i) => {
    const kind = ROUTE_KINDS[i];
    const route = answer.routes[0];
    const latlngs = route.geometry.coordinates.map(([lon, lat]) => [lat, lon]);
    L.polyline(latlngs, {
      color: kind.color,
      weight: 6,
      opacity: 0.85,
      dashArray: kind.dashArray,
      className: `route route-${kind.label}`,
    }).addTo(app.routes);
    const li = document.createElement("li");
    li.className = `route-${kind.label}`;
    li.dataset.timeS = route.time_s;
    li.dataset.risk = route.risk;
    const minutes = (route.time_s / 60).toFixed(1);
    const km = (route.length_m / 1000).toFixed(2);
    const risk = (route.risk * 100).toFixed(2);
    li.textContent = `${t(kind.label)}: ${minutes} min, ${km} km, risk ${risk} %`;
    if (route.explanation) li.append(explanationPanel(route.explanation));
    if (app.may.has("agreements.draft") && route.edge_ids && !isEmptyRoute(route)) {
      const draft = document.createElement("button");
      draft.type = "button";
      draft.className = "draft-from-route";
      draft.textContent = t("Draft agreement from this route");
      draft.addEventListener("click", () => openDraft(route, kind.label).catch((e) => setStatus(e.message, true)));
      li.append(draft);
    }
    list.append(li);
  });
  const more = await moreRoutes(ask);
  const notes = [...answers, ...more].flatMap((a) => a.notes);
  setStatus(`Routes computed (${answers[0].hazards_considered} hazards considered).${notes.length ? ` ${notes.join(" ")}` : ""}`);
}

// Alternatives to the safest route and the Pareto set (time against risk), asked for after
// fastest and safest so those two come first; each is drawn and listed with its figures.
const ALT_COLOR = "#ef6c00";
const PARETO_COLOR = "#6a1b9a";

async function moreRoutes(ask) {
  const list = $("#route-more");
  list.replaceChildren();
  $("#pareto").hidden = true;
  const count = Number($("#route-alternatives")?.value ?? 0);
  const pareto = $("#route-pareto")?.checked ?? false;
  const answers = [];
  if (count > 0) {
    const answer = await ask(null, { alternatives: count, explain: false });
    answers.push(answer);
    answer.routes.slice(1).forEach((route, i) => {
      const name = `${t("alternative")} ${i + 1}`;
      list.append(routeItem(route, name, "route-alternative", ALT_COLOR, "4 6"));
    });
  }
  if (pareto) {
    const answer = await ask(null, { pareto: true, explain: false });
    answers.push(answer);
    const front = [...answer.routes].sort((a, b) => a.time_s - b.time_s);
    front.forEach((route, i) => {
      list.append(routeItem(route, `${t("trade-off")} ${i + 1}`, "route-pareto", PARETO_COLOR, "1 5"));
    });
    paretoChart(front);
  }
  return answers;
}

function routeItem(route, name, cls, color, dashArray) {
  L.polyline(route.geometry.coordinates.map(([lon, lat]) => [lat, lon]), {
    color,
    weight: 4,
    opacity: 0.8,
    dashArray,
    className: `route ${cls}`,
  })
    .bindTooltip(textNode(name))
    .addTo(app.routes);
  const li = document.createElement("li");
  li.className = cls;
  li.dataset.timeS = route.time_s;
  li.dataset.risk = route.risk;
  const minutes = (route.time_s / 60).toFixed(1);
  const km = (route.length_m / 1000).toFixed(2);
  const risk = (route.risk * 100).toFixed(2);
  li.textContent = `${name}: ${minutes} min, ${km} km, risk ${risk} %`;
  return li;
}

// A scatter of the Pareto set: minutes across, risk up; the points joined in time order.
function paretoChart(front) {
  const svg = $("#pareto-chart");
  const ns = "http://www.w3.org/2000/svg";
  svg.replaceChildren();
  const [w, h, pad] = [300, 160, 28];
  const times = front.map((r) => r.time_s);
  const risks = front.map((r) => r.risk);
  const span = (v) => [Math.min(...v), Math.max(...v) - Math.min(...v) || 1];
  const [t0, dt] = span(times);
  const [r0, dr] = span(risks);
  const x = (v) => pad + ((v - t0) / dt) * (w - 2 * pad);
  const y = (v) => h - pad - ((v - r0) / dr) * (h - 2 * pad);
  const el = (name, attrs) => {
    const node = document.createElementNS(ns, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  };
  svg.append(el("line", { x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, stroke: "#555" }));
  svg.append(el("line", { x1: pad, y1: pad, x2: pad, y2: h - pad, stroke: "#555" }));
  const points = front.map((r) => `${x(r.time_s).toFixed(1)},${y(r.risk).toFixed(1)}`).join(" ");
  svg.append(el("polyline", { points, fill: "none", stroke: PARETO_COLOR, "stroke-dasharray": "3 3" }));
  for (const r of front) {
    const dot = el("circle", { cx: x(r.time_s), cy: y(r.risk), r: 5, fill: PARETO_COLOR, class: "pareto-point" });
    const title = el("title", {});
    title.textContent = `${(r.time_s / 60).toFixed(1)} min, risk ${(r.risk * 100).toFixed(2)} %`;
    dot.append(title);
    svg.append(dot);
  }
  const axis = (text, attrs) => {
    const node = el("text", { "font-size": 10, fill: "#222", ...attrs });
    node.textContent = text;
    svg.append(node);
  };
  axis(`${(t0 / 60).toFixed(1)} min`, { x: pad, y: h - 8 });
  axis(`${((t0 + dt) / 60).toFixed(1)} min`, { x: w - pad, y: h - 8, "text-anchor": "end" });
  axis(`${(r0 * 100).toFixed(2)} %`, { x: 2, y: h - pad });
  axis(`${((r0 + dr) * 100).toFixed(2)} %`, { x: 2, y: pad - 6 });
  $("#pareto").hidden = false;
}

// Why this route: the roads it takes, the bridges and tunnels it crosses, the hazards it
// passes (each with its own share of the route's risk).
function explanationPanel(ex) {
  const details = document.createElement("details");
  details.className = "explanation";
  const summary = document.createElement("summary");
  summary.textContent = `${ex.roads.length} roads, ${ex.structures.length} bridges/tunnels, ${ex.hazards.length} hazards nearby`;
  details.append(summary);
  const section = (title, cls, items, text) => {
    if (items.length === 0) return;
    const h = document.createElement("h3");
    h.textContent = title;
    const ul = document.createElement("ul");
    ul.className = cls;
    for (const item of items) {
      const li = document.createElement("li");
      li.textContent = text(item);
      ul.append(li);
    }
    details.append(h, ul);
  };
  section("Roads", "ex-roads", ex.roads, (r) =>
    `${r.road} (${r.highway}): ${(r.length_m / 1000).toFixed(2)} km, ${(r.time_s / 60).toFixed(1)} min`);
  section("Bridges and tunnels", "ex-structures", ex.structures, (s) =>
    `${s.kind}: ${s.name}, ${Math.round(s.length_m)} m`);
  section("Hazards passed", "ex-hazards", ex.hazards, (h) =>
    `${h.kind} ${h.id}: ${Math.round(h.distance_m)} m away, risk ${(h.risk * 100).toFixed(2)} %${h.closes ? ", closes the road" : ""}`);
  return details;
}

// ---- drafting an agreement from a computed route ------------------------------------------
// The server turns the route's edge ids into terms (POST /agreements/draft, which also fills in
// the parties' registered public keys); the page proposes them with POST /agreements.

// A route with no road cannot be agreed on: its terms would have no start and no end.
const isEmptyRoute = (route) => !(route.edges > 0 && route.geometry.coordinates.length >= 2);
const emptyRouteText = () =>
  t("Start and destination are the same place on the road network, so there is no route. Pick two points further apart.");

async function openDraft(route, label) {
  if (isEmptyRoute(route)) throw new Error(emptyRouteText());
  app.draft = { route, checkpoints: [] };
  const parties = await api("/parties");
  const box = $("#draft-parties");
  box.querySelectorAll("label").forEach((el) => el.remove());
  const operators = $("#checkpoint-party");
  operators.replaceChildren();
  for (const p of parties) {
    const label = document.createElement("label");
    const check = document.createElement("input");
    check.type = "checkbox";
    check.name = "party";
    check.value = p.name;
    check.checked = true;
    label.append(check, ` ${p.name} (${p.role})`);
    box.append(label);
    operators.append(new Option(p.name, p.name));
  }
  const minutes = (route.time_s / 60).toFixed(1);
  $("#draft-route").textContent = `${t(label)}: ${route.edge_ids.length} ${t("road segments")}, ${minutes} min`;
  $("#draft-checkpoints").replaceChildren();
  $("#draft-todo").replaceChildren();
  if (!$("#draft-start").value) {
    const start = new Date(Date.now() + 24 * 3600 * 1000);
    start.setUTCMinutes(0, 0, 0);
    $("#draft-start").value = start.toISOString().slice(0, 16);
  }
  $("#draft-form").hidden = false;
  $("#draft-id").focus();
}

function placeCheckpoint(latlng) {
  const checkpoint = {
    name: $("#checkpoint-name").value.trim(),
    lat: round(latlng.lat),
    lon: round(latlng.lng),
    operated_by: $("#checkpoint-party").value,
    hours_utc: $("#checkpoint-hours").value.trim(),
    max_vehicles_per_hour: Number($("#checkpoint-rate").value),
    inspection_minutes: Number($("#checkpoint-inspection").value),
  };
  app.draft.checkpoints.push(checkpoint);
  L.circleMarker(latlng, { radius: 6, color: "#6a1b9a", fillOpacity: 0.8, className: "draft-checkpoint" })
    .bindTooltip(textNode(checkpoint.name))
    .addTo(app.routes);
  const li = document.createElement("li");
  li.textContent = `${checkpoint.name} (${checkpoint.operated_by}, ${checkpoint.hours_utc})`;
  $("#draft-checkpoints").append(li);
  $("#checkpoint-name").value = "";
  setStatus(t("Checkpoint placed."));
}

async function proposeDraft() {
  const todo = $("#draft-todo");
  todo.replaceChildren();
  const { route, checkpoints } = app.draft;
  const coords = route.geometry.coordinates;
  const [startLon, startLat] = coords[0];
  const [endLon, endLat] = coords[coords.length - 1];
  const start = new Date(`${$("#draft-start").value}:00Z`);
  const end = new Date(start.getTime() + Number($("#draft-hours").value) * 3600 * 1000);
  const body = {
    corridor_id: $("#draft-id").value.trim(),
    network: app.network.name,
    edge_ids: route.edge_ids,
    parties: [...document.querySelectorAll("#draft-parties input:checked")].map((c) => c.value),
    origin: { name: $("#draft-origin").value.trim(), lat: startLat, lon: startLon },
    destination: { name: $("#draft-destination").value.trim(), lat: endLat, lon: endLon },
    windows: [{ start_utc: start.toISOString(), end_utc: end.toISOString() }],
    checkpoints,
    markings: $("#draft-markings").value.trim(),
  };
  const title = $("#draft-title").value.trim();
  if (title) body.title = title;
  const drafted = await api("/agreements/draft", { method: "POST", json: body });
  if (drafted.todo.length) {
    todo.replaceChildren(...drafted.todo.map((item) => {
      const li = document.createElement("li");
      li.textContent = item;
      return li;
    }));
    return;
  }
  const rec = await api("/agreements", { method: "POST", json: drafted.terms });
  $("#draft-form").hidden = true;
  app.draft = null;
  setStatus(`${t("Agreement proposed")}: ${rec.corridor_id} v${rec.version}`);
  await drawAgreementRoutes();
  show("agreements-view");
}

// ---- agreements ---------------------------------------------------------------------------

async function loadAgreements() {
  const page = await api("/agreements?limit=100");
  const records = await Promise.all(
    page.items.map((a) => api(`/agreements/${encodeURIComponent(a.corridor_id)}`)),
  );
  const rows = records.map((rec) => {
    const tr = document.createElement("tr");
    tr.dataset.corridor = rec.corridor_id;
    const cells = [rec.corridor_id, String(rec.version), rec.state_now, rec.in_force ? "yes" : "no"];
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    const sigs = document.createElement("td");
    const ul = document.createElement("ul");
    ul.className = "signatures";
    for (const s of rec.statuses) {
      const li = document.createElement("li");
      li.className = `sig sig-${s.status}`;
      li.textContent = `${s.party}: ${s.status}${s.signed_at_utc ? ` (${s.signed_at_utc})` : ""}`;
      ul.append(li);
    }
    sigs.append(ul);
    const mine = rec.statuses.find((s) => s.party === app.me.party);
    if (app.may.has("agreements.sign") && mine && mine.status !== "valid") {
      sigs.append(signForm(rec, mine.party));
    }
    tr.append(sigs);
    return tr;
  });
  const body = $("#agreements tbody");
  if (rows.length === 0) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = 5;
    td.textContent = t("No agreements yet.");
    tr.append(td);
    rows.push(tr);
  }
  body.replaceChildren(...rows);
}

// The party signs the digest with its own key on its own machine; only the signature is
// uploaded here (the browser never holds a party's key). The server verifies it.
function signForm(rec, party) {
  const form = document.createElement("form");
  form.className = "sign-form";
  form.dataset.write = "";
  const id = `sig-${rec.corridor_id}`;
  const digest = document.createElement("p");
  digest.className = "digest";
  digest.textContent = `Sign for ${party}: corridor-agreement-v1 digest `;
  const code = document.createElement("code");
  code.textContent = rec.digest;
  digest.append(code);
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = t("Signature (base64)");
  const input = document.createElement("input");
  input.id = id;
  input.name = "signature";
  input.required = true;
  input.spellcheck = false;
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = t("Upload signature");
  const error = document.createElement("p");
  error.className = "error";
  error.setAttribute("role", "alert");
  form.append(digest, label, input, button, error);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const path = `/agreements/${encodeURIComponent(rec.corridor_id)}/signatures/${encodeURIComponent(party)}`;
    api(path, { method: "PUT", json: { signature: input.value.trim(), version: rec.version } })
      .then(() => loadAgreements())
      .catch((e) => {
        error.textContent = e.message;
      });
  });
  return form;
}

// ---- plans: the list, the Gantt view, gathering points and convoys on the map -------------

function setPlanSummary(text, isError = false) {
  const el = $("#plan-summary");
  el.textContent = text;
  el.classList.toggle("error", isError);
}

async function loadPlans(wanted) {
  const page = await api("/plans?limit=500");
  const select = $("#plan-select");
  const chosen = wanted ?? select.value;
  select.replaceChildren(
    ...page.items.map((p) => {
      const opt = document.createElement("option");
      opt.value = p.plan_id;
      opt.textContent = `${p.plan_id} (v${p.latest_version})`;
      return opt;
    }),
  );
  if (page.items.length === 0) {
    setPlanSummary(t("No plans yet."));
    $("#gantt").replaceChildren();
    return;
  }
  if (page.items.some((p) => p.plan_id === chosen)) select.value = chosen;
  await showPlan(select.value);
}

async function showPlan(planId) {
  const rec = await api(`/plans/${encodeURIComponent(planId)}`);
  app.planRecord = rec;
  const s = rec.schedule;
  const clearance = s.clearance_utc ? s.clearance_utc.replace("T", " ").slice(0, 16) : "—";
  setPlanSummary(
    `${rec.plan.title || rec.plan_id} v${rec.version}: ${s.moved} / ${s.total_people} ${t("people moved")}, ` +
      `${s.trips.length} ${t("trips")}, ${s.convoys.length} ${t("convoys")}, ${t("clearance")} ${clearance}`,
  );
  $("#gantt").replaceChildren(ganttChart(rec.plan, s));
  drawPlan(rec);
}

// A coordinator plans an evacuation: the plan file is read in the browser (YAML or JSON; the
// JSON schema keeps timestamps as the strings the server validates) and posted to POST /plans.
function readPlanFile(text) {
  let data;
  try {
    data = loadYaml(text, { schema: JSON_SCHEMA });
  } catch (e) {
    throw new ApiError(`${t("The plan file is not valid YAML or JSON")}: ${e.message}`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new ApiError(t("The plan file must hold a mapping"));
  }
  // A file's network and hazards are paths on the machine that wrote it; here the form names them.
  delete data.network;
  delete data.hazards;
  return data;
}

async function submitPlan(event) {
  event.preventDefault();
  const status = $("#plan-form-status");
  const button = $("#plan-submit");
  const file = $("#plan-file").files[0];
  if (!file) return;
  status.classList.remove("error");
  status.textContent = t("Planning…");
  button.disabled = true;
  try {
    const plan = readPlanFile(await file.text());
    const rec = await api("/plans", {
      method: "POST",
      json: {
        plan,
        network: $("#plan-network").value.trim(),
        hazards: $("#plan-hazards").checked,
        bound: $("#plan-bound").checked,
      },
    });
    status.textContent = `${t("Planned")}: ${rec.plan_id} v${rec.version}`;
    await loadPlans(rec.plan_id);
  } catch (e) {
    status.textContent = e.message;
    status.classList.add("error");
  } finally {
    button.disabled = false;
  }
}

function drawPlan(rec) {
  if (!app.plan) return;
  app.plan.clearLayers();
  planLayer(rec.plan, rec.schedule).addTo(app.plan);
}

// ---- audit log timeline ------------------------------------------------------------------

// The newest entries shown; the whole log is still fetched once (the export is the only
// listing the API offers) and verified on the server against every link.
const AUDIT_SHOWN = 500;

function showAuditError(text) {
  const el = $("#audit-status");
  el.textContent = text;
  el.className = "audit-status audit-broken";
}

async function loadAudit() {
  $("#audit-status").textContent = t("Verifying the log…");
  const [status, text] = await Promise.all([api("/audit/verify"), api("/audit/export")]);
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const entries = lines.map((line) => JSON.parse(line)).filter((e) => typeof e.seq === "number");
  const el = $("#audit-status");
  el.dataset.ok = String(status.ok);
  el.dataset.entries = String(status.entries);
  if (status.ok) {
    el.className = "audit-status audit-ok";
    el.textContent = `${t("Verified")}: ${status.entries} ${t("entries")}, ${t("head")} #${status.head_seq} ${status.head_hash ?? ""}`;
  } else {
    el.className = "audit-status audit-broken";
    const parts = [];
    if (status.fault) parts.push(`#${status.fault.seq} ${status.fault.kind}: ${status.fault.detail}`);
    for (const issue of status.state) parts.push(`${issue.table} ${issue.key}: ${issue.detail}`);
    el.textContent = `${t("VERIFICATION FAILED")}: ${parts.join("; ")}`;
  }
  const faultSeq = status.fault?.seq ?? null;
  const shown = entries.slice(-AUDIT_SHOWN).reverse();
  $("#audit-timeline").replaceChildren(
    ...shown.map((e) => {
      const li = document.createElement("li");
      li.value = e.seq;
      li.dataset.seq = String(e.seq);
      li.className = `audit-entry${e.seq === faultSeq ? " audit-fault" : ""}`;
      const when = document.createElement("time");
      when.dateTime = e.at_utc;
      when.textContent = e.at_utc.replace("T", " ").slice(0, 19);
      const what = document.createElement("span");
      what.className = "audit-action";
      what.textContent = e.action;
      const who = document.createElement("span");
      who.className = "audit-actor";
      who.textContent = e.actor;
      const hash = document.createElement("code");
      hash.textContent = e.entry_hash.slice(0, 12);
      hash.title = e.entry_hash;
      li.append(when, " ", what, " · ", who, " ", hash);
      return li;
    }),
  );
}

// ---- wiring -------------------------------------------------------------------------------

function wire() {
  $("#login").addEventListener("submit", (event) => {
    event.preventDefault();
    $("#login-error").textContent = "";
    logIn($("#token").value.trim()).catch((e) => {
      app.token = null;
      $("#login-error").textContent = e instanceof ApiError ? `Log in failed: ${e.message}` : String(e);
    });
  });
  $("#logout").addEventListener("click", logOut);
  for (const b of document.querySelectorAll("#tabs button")) {
    b.addEventListener("click", () => show(b.dataset.view));
  }
  $("#route-pick")?.addEventListener("click", () => {
    app.mode = "origin";
    document.body.classList.add("picking");
    setStatus(t("Click the origin on the map (or pan with the arrow keys and press Enter)."));
    $("#map").focus();
  });
  $("#route-clear")?.addEventListener("click", () => {
    app.routes?.clearLayers();
    $("#route-result").replaceChildren();
    $("#route-more").replaceChildren();
    $("#pareto").hidden = true;
  });
  $("#incident-place")?.addEventListener("click", () => {
    app.mode = "incident";
    document.body.classList.add("picking");
    setStatus(t("Click where the incident happened (or pan with the arrow keys and press Enter)."));
    $("#map").focus();
  });
  $("#checkin-place")?.addEventListener("click", () => {
    app.mode = "checkin";
    document.body.classList.add("picking");
    setStatus(t("Click where the convoy is (or pan with the arrow keys and press Enter)."));
    $("#map").focus();
  });
  $("#checkpoint-place")?.addEventListener("click", () => {
    app.mode = "checkpoint";
    document.body.classList.add("picking");
    setStatus(t("Click where the checkpoint is (or pan with the arrow keys and press Enter)."));
    $("#map").focus();
  });
  $("#draft-form")?.addEventListener("submit", (event) => {
    event.preventDefault();
    proposeDraft().catch((e) => {
      const li = document.createElement("li");
      li.textContent = e.message;
      $("#draft-todo").replaceChildren(li);
    });
  });
  $("#draft-cancel")?.addEventListener("click", () => {
    $("#draft-form").hidden = true;
    app.draft = null;
  });
  $("#zone-draw")?.addEventListener("click", startZone);
  $("#zone-finish")?.addEventListener("click", () => finishZone().catch((e) => setStatus(e.message, true)));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && app.mode === "zone") {
      cancelZone();
      setStatus(t("Zone cancelled."));
    }
  });
  $("#hazard-when").addEventListener("input", onHazardSlider);
  $("#hazard-now").addEventListener("click", () => hazardsNow().catch((e) => setStatus(e.message, true)));
  $("#hazard-place")?.addEventListener("click", () => {
    app.mode = "hazard";
    document.body.classList.add("picking");
    setStatus(t("Click where the hazard is (or pan with the arrow keys and press Enter)."));
    $("#map").focus();
  });
  $("#plan-select").addEventListener("change", () =>
    showPlan($("#plan-select").value).catch((e) => setPlanSummary(e.message, true)),
  );
  $("#plan-form")?.addEventListener("submit", submitPlan);
  $("#plan-on-map").addEventListener("click", () => {
    show("map-view");
    const bounds = app.plan?.getLayers()[0]?.getBounds?.();
    if (bounds?.isValid()) app.map.fitBounds(bounds, { padding: [30, 30] });
  });
  $("#lang").addEventListener("change", () => setLanguage($("#lang").value));
  const spoken = navigator.language.slice(0, 2);
  const lang = localStorage.getItem(LANG_KEY) ?? (["uk", "ru"].includes(spoken) ? spoken : "en");
  setLanguage(lang).finally(() => {
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) logIn(saved).catch(() => sessionStorage.removeItem(TOKEN_KEY));
  });
}

wire();
