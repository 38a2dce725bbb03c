// Hazards as map layers: a symbol by kind at points, outlined areas and lines otherwise.
import L from "leaflet";

// Letters, not emoji: a laptop offline may have no emoji font. The colour says the family
// (strikes red, fighting orange, obstacles purple, controls blue).
export const HAZARD_SYMBOL = {
  shelling: "SH",
  airstrike: "AS",
  missile: "MS",
  mines: "MN",
  checkpoint: "CP",
  roadblock: "RB",
  destroyed_bridge: "DB",
  damaged_road: "DR",
  front_line: "FL",
  no_go_zone: "NG",
  active_fighting: "AF",
  attack: "AT",
};
const FAMILY = {
  shelling: "strike", airstrike: "strike", missile: "strike", attack: "strike",
  active_fighting: "fighting", front_line: "fighting",
  mines: "obstacle", roadblock: "obstacle", destroyed_bridge: "obstacle", damaged_road: "obstacle",
  checkpoint: "control", no_go_zone: "control",
};

// Leaflet puts a string tooltip in as HTML; ids and names come from other users, so tooltips
// are always given as text nodes.
export function textNode(text) {
  const span = document.createElement("span");
  span.textContent = text;
  return span;
}

function icon(kind) {
  return L.divIcon({
    className: `hazard-icon hazard-${kind} family-${FAMILY[kind] ?? "strike"}`,
    html: `<span aria-hidden="true">${Object.hasOwn(HAZARD_SYMBOL, kind) ? HAZARD_SYMBOL[kind] : "?"}</span>`,
    iconSize: [26, 26],
    iconAnchor: [13, 13],
  });
}

const parse = (iso) => (iso ? Date.parse(iso) : null);

// The hazard's weight at `at` (ms), as corridor.hazards computes it: severity x confidence x
// 0.5 ** (age / half-life), 0 outside [valid_from, valid_until). `kinds` holds each kind's
// defaults (GET /assets/hazard-kinds.json) for what the stored Feature leaves out.
export function weightAt(h, at, kinds) {
  const p = h.properties;
  const d = kinds[p.kind] ?? {};
  const from = parse(p.valid_from);
  const until = parse(p.valid_until);
  if ((from !== null && at < from) || (until !== null && at >= until)) return 0;
  const start = parse(p.observed_at) ?? from;
  const halfLife = p.half_life_h ?? d.half_life_h ?? null;
  let decay = 1;
  if (start !== null && halfLife !== null && at > start) {
    decay = 0.5 ** ((at - start) / 3_600_000 / halfLife);
  }
  return (p.severity ?? d.severity ?? 1) * (p.confidence ?? d.confidence ?? 1) * decay;
}

// Drawn fainter as the weight falls (never invisible: a faded hazard is still there).
export function hazardLayer(items, at, kinds) {
  const group = L.featureGroup();
  for (const h of items) {
    const kind = h.properties.kind;
    const weight = weightAt(h, at, kinds);
    const opacity = 0.25 + 0.75 * Math.min(1, weight);
    const label = `${kind.replaceAll("_", " ")} (${h.id}): ${(weight * 100).toFixed(0)} %`;
    const g = h.geometry;
    if (g.type === "Point") {
      const [lon, lat] = g.coordinates;
      const radius = h.properties.radius_m;
      if (radius) {
        L.circle([lat, lon], { radius, color: "#b71c1c", weight: 1, opacity, fillOpacity: 0.12 * opacity }).addTo(group);
      }
      const marker = L.marker([lat, lon], { icon: icon(kind), title: label, keyboard: true, alt: label, opacity })
        .bindTooltip(textNode(label));
      marker.on("add", () => {
        const el = marker.getElement();
        el.dataset.hazard = h.id;
        el.dataset.weight = weight.toFixed(4);
      });
      marker.addTo(group);
    } else {
      L.geoJSON(h, { style: { color: "#b71c1c", weight: 2, opacity, fillOpacity: 0.15 * opacity } })
        .bindTooltip(textNode(label))
        .addTo(group);
    }
  }
  return group;
}
