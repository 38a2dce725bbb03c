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

export function hazardLayer(items) {
  const group = L.featureGroup();
  for (const h of items) {
    const kind = h.properties.kind;
    const label = `${kind.replaceAll("_", " ")} (${h.id})`;
    const g = h.geometry;
    if (g.type === "Point") {
      const [lon, lat] = g.coordinates;
      const radius = h.properties.radius_m;
      if (radius) {
        L.circle([lat, lon], { radius, color: "#b71c1c", weight: 1, fillOpacity: 0.12 }).addTo(group);
      }
      L.marker([lat, lon], { icon: icon(kind), title: label, keyboard: true, alt: label })
        .bindTooltip(textNode(label))
        .addTo(group);
    } else {
      L.geoJSON(h, { style: { color: "#b71c1c", weight: 2, fillOpacity: 0.15 } })
        .bindTooltip(textNode(label))
        .addTo(group);
    }
  }
  return group;
}
