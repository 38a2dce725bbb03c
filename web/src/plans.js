// A stored plan drawn two ways: its places and convoys on the map, and a Gantt chart of the
// vehicles against time with the corridor windows behind (SVG built here, no chart library).
import L from "leaflet";
import { textNode } from "./hazards.js";

const SVG = "http://www.w3.org/2000/svg";

function el(name, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  return node;
}

const ms = (iso) => Date.parse(iso);
const hhmm = (t) => new Date(t).toISOString().slice(11, 16);

// The phases of one trip, in order; a phase with no end (no return leg) is left out.
const PHASES = [
  ["load", "load_start_utc", "depart_utc"],
  ["drive", "depart_utc", "arrive_utc"],
  ["unload", "arrive_utc", "unload_end_utc"],
  ["return", "unload_end_utc", "return_utc"],
];

export function ganttChart(plan, schedule) {
  const vehicles = [
    ...(plan.vehicles?.buses ?? []).map((v) => v.id),
    ...(plan.vehicles?.ambulances ?? []).map((v) => v.id),
  ];
  for (const trip of schedule.trips) if (!vehicles.includes(trip.vehicle_id)) vehicles.push(trip.vehicle_id);
  const times = [ms(schedule.start_utc)];
  for (const w of schedule.windows) times.push(ms(w.start_utc), ms(w.end_utc));
  for (const trip of schedule.trips) {
    for (const [, a, b] of PHASES) {
      if (trip[a]) times.push(ms(trip[a]));
      if (trip[b]) times.push(ms(trip[b]));
    }
  }
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 3_600_000);
  const left = 80;
  const width = 900;
  const row = 20;
  const top = 24;
  const height = top + row * vehicles.length + 4;
  const x = (t) => left + ((t - t0) / (t1 - t0)) * width;
  const svg = el("svg", {
    class: "gantt-chart",
    viewBox: `0 0 ${left + width + 10} ${height}`,
    width: left + width + 10,
    height,
    role: "img",
    "aria-label": `${vehicles.length} vehicles, ${schedule.trips.length} trips`,
    "data-start": new Date(t0).toISOString(),
    "data-end": new Date(t1).toISOString(),
    "data-left": left,
    "data-width": width,
  });
  for (const w of schedule.windows) {
    const a = x(ms(w.start_utc));
    const rect = el("rect", {
      class: "gantt-window", x: a, y: top - 4, width: x(ms(w.end_utc)) - a, height: height - top + 4,
      "data-corridor": w.corridor_id, "data-index": w.window_index,
    });
    rect.append(el("title", {}, `${w.corridor_id} window ${w.window_index + 1}: ${hhmm(ms(w.start_utc))}–${hhmm(ms(w.end_utc))}`));
    svg.append(rect);
  }
  // An hourly axis (every two hours when the plan is long).
  const hour = 3_600_000;
  const step = (t1 - t0) / hour > 12 ? 2 * hour : hour;
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    svg.append(el("line", { class: "gantt-tick", x1: x(t), x2: x(t), y1: top - 6, y2: height }));
    svg.append(el("text", { class: "gantt-label", x: x(t), y: 12, "text-anchor": "middle" }, hhmm(t)));
  }
  vehicles.forEach((id, i) => {
    const y = top + i * row;
    svg.append(el("text", { class: "gantt-vehicle", x: 4, y: y + 14, "data-vehicle": id }, id));
    svg.append(el("line", { class: "gantt-row", x1: left, x2: left + width, y1: y + row, y2: y + row }));
  });
  for (const trip of schedule.trips) {
    const y = top + vehicles.indexOf(trip.vehicle_id) * row + 3;
    const g = el("g", {
      class: "gantt-trip", "data-trip": trip.trip_id, "data-vehicle": trip.vehicle_id,
      "data-convoy": trip.convoy_id ?? "",
    });
    g.append(el("title", {},
      `${trip.trip_id}: ${trip.vehicle_id}, ${trip.people} people from ${trip.gathering_point_id} to ${trip.reception_point_id}` +
      `, departs ${hhmm(ms(trip.depart_utc))}, arrives ${hhmm(ms(trip.arrive_utc))}` +
      (trip.convoy_id ? `, convoy ${trip.convoy_id}` : "")));
    for (const [phase, a, b] of PHASES) {
      if (!trip[a] || !trip[b]) continue;
      const xa = x(ms(trip[a]));
      g.append(el("rect", {
        class: `gantt-${phase}`, x: xa, y, width: Math.max(x(ms(trip[b])) - xa, 1), height: row - 6,
      }));
    }
    svg.append(g);
  }
  return svg;
}

export function planLayer(plan, schedule) {
  const group = L.featureGroup();
  for (const gp of plan.gathering_points ?? []) {
    const people = Object.values(gp.people ?? {}).reduce((a, b) => a + b, 0);
    L.circleMarker([gp.lat, gp.lon], { radius: 9, color: "#e65100", fillOpacity: 0.8, className: "plan-gathering" })
      .bindTooltip(textNode(`${gp.name} (${gp.id}): ${people} people`))
      .addTo(group);
  }
  for (const rp of plan.reception_points ?? []) {
    L.circleMarker([rp.lat, rp.lon], { radius: 9, color: "#1b5e20", fillOpacity: 0.8, className: "plan-reception" })
      .bindTooltip(textNode(`${rp.name} (${rp.id}): up to ${rp.capacity} people`))
      .addTo(group);
  }
  const corridors = new Map((plan.corridors ?? []).map((c) => [c.id, c]));
  // Each convoy along its corridor, entry through checkpoints to exit; convoys in the same
  // corridor are offset a little so that each can be seen and hovered.
  const seen = new Map();
  for (const convoy of schedule.convoys) {
    const c = corridors.get(convoy.corridor_id);
    if (!c?.entry || !c?.exit) continue;
    const n = seen.get(c.id) ?? 0;
    seen.set(c.id, n + 1);
    const shift = n * 0.0004;
    const points = [c.entry, ...(c.checkpoints ?? []), c.exit].map((p) => [p.lat + shift, p.lon]);
    L.polyline(points, { color: "#6a1b9a", weight: 4, opacity: 0.8, className: "plan-convoy" })
      .bindTooltip(textNode(
        `${convoy.convoy_id}: ${convoy.vehicle_ids.length} vehicles, ${convoy.people} people, ` +
        `${hhmm(ms(convoy.entry_utc))}–${hhmm(ms(convoy.exit_utc))}`))
      .addTo(group);
  }
  return group;
}
