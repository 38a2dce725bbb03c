// Bundles the dashboard into one directory (default: the Python package's static folder).
// Run through scripts/build-web.sh, which installs the locked packages first with `npm ci`.
import { copyFileSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import * as esbuild from "esbuild";

const out = resolve(process.argv[2] ?? "../src/corridor/web/static");
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: { app: "src/main.js" },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  outdir: out,
  // Leaflet's images are inlined, so the bundle is three files and needs no other request.
  loader: { ".png": "dataurl", ".svg": "dataurl" },
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
});
copyFileSync("src/index.html", `${out}/index.html`);
