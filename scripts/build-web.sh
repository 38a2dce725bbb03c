#!/usr/bin/env bash
# Rebuilds the dashboard bundle from web/ with the exact packages in web/package-lock.json.
#   scripts/build-web.sh [OUTDIR]      (default: src/corridor/web/static, the committed bundle)
# Works on a fresh copy of web/ in a temporary directory (`npm ci`, no install scripts), so the
# output depends only on the sources and the lock file; tests/web/test_bundle.py rebuilds it
# this way and fails if it differs from what is committed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/src/corridor/web/static}")
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "build-web: $tool is not installed" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$root/web/package.json" "$root/web/package-lock.json" "$root/web/build.mjs" \
  "$root/web/src" "$work/"
cd "$work"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
rm -rf "$out"
node build.mjs "$out"
echo "build-web: wrote $(ls "$out" | wc -l) files to $out"
