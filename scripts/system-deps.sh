#!/usr/bin/env bash
# Installs the Debian packages some tests need: pgRouting for the routing peer benchmark/test;
# chromium for the dashboard's browser tests (Playwright drives it: no browser download) and for
# printing the notice HTML to PDF.
# Runs as root on CI and on developer machines; elsewhere it says what is missing and tests skip.
set -euo pipefail
need=()
dpkg -s postgresql-15-pgrouting >/dev/null 2>&1 || need+=(postgresql-15-pgrouting)
dpkg -s chromium >/dev/null 2>&1 || need+=(chromium)
# the notice's print test measures pages in the font the page asks for first (Cyrillic too)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need+=(fonts-dejavu-core)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "system-deps: missing ${need[*]} (not root or no apt-get); tests that need them will skip" >&2
  exit 0
fi
echo "system-deps: installing ${need[*]}"
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
