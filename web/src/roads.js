// Draws one road tile (GeoJSON from /networks/{name}/tiles/z/x/y) onto a canvas.

// Road classes from most to least important; width in pixels at zoom 14, scaled by zoom.
export const ROAD_STYLE = {
  motorway: { color: "#c2185b", width: 4 },
  trunk: { color: "#d84315", width: 3.6 },
  primary: { color: "#ef6c00", width: 3.2 },
  secondary: { color: "#f9a825", width: 2.8 },
  tertiary: { color: "#9e9d24", width: 2.4 },
  residential: { color: "#616161", width: 1.6 },
  service: { color: "#9e9e9e", width: 1 },
  track: { color: "#8d6e63", width: 1 },
};
const FALLBACK = { color: "#757575", width: 1.4 };
const ORDER = Object.keys(ROAD_STYLE);

function styleOf(highway) {
  const base = highway.replace(/_link$/, "");
  if (ROAD_STYLE[base]) return ROAD_STYLE[base];
  if (base === "unclassified" || base === "living_street" || base === "road") {
    return ROAD_STYLE.residential;
  }
  return FALLBACK;
}

function rank(feature) {
  const i = ORDER.indexOf(feature.properties.highway.replace(/_link$/, ""));
  return i < 0 ? ORDER.length : i;
}

const linesOf = (geometry) =>
  geometry.type === "MultiLineString" ? geometry.coordinates : [geometry.coordinates];

function trace(ctx, geometry, toPixel) {
  ctx.beginPath();
  for (const line of linesOf(geometry)) {
    line.forEach(([lon, lat], i) => {
      const [x, y] = toPixel(lon, lat);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
  }
}

/** A road-name label: a Point feature anchored on its road, sent by exactly one tile. */
export const isLabel = (feature) => typeof feature.properties.label === "string";

/** Draws the roads of the collection (not its labels); returns how many features were drawn. */
export function drawTile(canvas, collection, toPixel, zoom) {
  const ctx = canvas.getContext("2d");
  const scale = Math.max(0.35, Math.min(2.5, 2 ** ((zoom - 14) / 2)));
  // Minor roads first, so major roads and bridges are drawn over them.
  const features = collection.features.filter((f) => !isLabel(f)).sort((a, b) => rank(b) - rank(a));
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  for (const f of features) {
    const style = styleOf(f.properties.highway);
    const width = style.width * scale;
    if (f.properties.bridge) {
      trace(ctx, f.geometry, toPixel);
      ctx.setLineDash([]);
      ctx.strokeStyle = "#212121";
      ctx.lineWidth = width + 3;
      ctx.stroke();
    }
    trace(ctx, f.geometry, toPixel);
    ctx.setLineDash(f.properties.tunnel ? [4, 3] : []);
    ctx.strokeStyle = style.color;
    ctx.lineWidth = width;
    ctx.stroke();
  }
  ctx.setLineDash([]);
  return features.length;
}

// Road names are drawn above the tiles (a label painted into a tile's canvas is cut at the
// tile's edge), each at most once, and never over another label: the collision rule keeps the
// first label placed in a spot and leaves out any later one that would overlap it.
const LABEL_FONT = "11px system-ui, sans-serif";
const measurer = document.createElement("canvas").getContext("2d");

export class LabelPlacer {
  constructor(map, layer, L) {
    this.map = map;
    this.layer = layer;
    this.L = L;
    this.placed = new Map(); // tile canvas -> [{ marker, box, zoom }]
    // Tiles of the previous zoom stay on the map while the new ones load: their labels go.
    map.on("zoomend", () => {
      const zoom = Math.round(map.getZoom());
      for (const [tile, labels] of this.placed) {
        if (labels.length && labels[0].zoom !== zoom) {
          this.remove(tile);
          this.placed.set(tile, []);
        }
      }
    });
  }

  /** Places the labels of one tile (its Point features); those that would overlap a label
   * already on the map at this zoom are left out. */
  add(tile, collection, zoom) {
    // A tile unloaded while its request was on the way (fast panning) gets no labels: its
    // tileunload has passed, and nothing would ever remove them.
    if (!tile.isConnected) return;
    measurer.font = LABEL_FONT;
    const mine = [];
    this.placed.set(tile, mine);
    if (zoom !== Math.round(this.map.getZoom())) return; // a late tile of another zoom
    for (const f of collection.features) {
      if (!isLabel(f)) continue;
      const [lon, lat] = f.geometry.coordinates;
      const p = this.map.project([lat, lon], zoom);
      const w = measurer.measureText(f.properties.label).width + 8;
      const h = 16;
      const box = [p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2];
      if (this.collides(box, zoom)) continue;
      const text = document.createElement("span");
      text.textContent = f.properties.label; // names come from OSM: text, never HTML
      const icon = this.L.divIcon({ className: "road-label", html: text, iconSize: null });
      const marker = this.L.marker([lat, lon], {
        icon,
        pane: "labels",
        interactive: false,
        keyboard: false,
      });
      marker.addTo(this.layer);
      mine.push({ marker, box, zoom });
    }
  }

  collides(box, zoom) {
    const hit = (o) =>
      o.zoom === zoom && box[0] < o.box[2] && o.box[0] < box[2] && box[1] < o.box[3] && o.box[1] < box[3];
    for (const labels of this.placed.values()) if (labels.some(hit)) return true;
    return false;
  }

  remove(tile) {
    for (const { marker } of this.placed.get(tile) ?? []) marker.remove();
    this.placed.delete(tile);
  }
}
