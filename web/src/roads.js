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

/** Draws the collection; returns how many features were drawn. */
export function drawTile(canvas, collection, toPixel, zoom) {
  const ctx = canvas.getContext("2d");
  const scale = Math.max(0.35, Math.min(2.5, 2 ** ((zoom - 14) / 2)));
  // Minor roads first, so major roads and bridges are drawn over them.
  const features = [...collection.features].sort((a, b) => rank(b) - rank(a));
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
  drawNames(ctx, features, toPixel);
  return features.length;
}

function drawNames(ctx, features, toPixel) {
  const seen = new Set();
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#111";
  ctx.strokeStyle = "rgba(255,255,255,0.9)";
  ctx.lineWidth = 3;
  for (const f of features) {
    const name = f.properties.name;
    const coords = linesOf(f.geometry)[0];
    if (!name || seen.has(name) || coords.length < 2) continue;
    const mid = Math.floor((coords.length - 1) / 2);
    const [x0, y0] = toPixel(...coords[mid]);
    const [x1, y1] = toPixel(...coords[mid + 1]);
    const x = (x0 + x1) / 2;
    const y = (y0 + y1) / 2;
    if (x < 0 || y < 0 || x > ctx.canvas.width || y > ctx.canvas.height) continue;
    seen.add(name);
    ctx.strokeText(name, x + 3, y - 3);
    ctx.fillText(name, x + 3, y - 3);
  }
}
