#!/usr/bin/env bash
# Installs Debian's chromium for the test that opens the report's HTML in a
# headless browser (test/integration/report-html.test.ts). Idempotent: an
# installed chromium is kept. Bounded: apt-get runs under timeouts. Where it
# cannot install (not root, no apt-get, apt failing) it says why and exits 0,
# so the rest of the test set-up goes on; that test then skips with the reason.
set -euo pipefail

say() { printf '[setup-chromium] %s\n' "$*"; }
cannot() {
  say "cannot install chromium: $*; test/integration/report-html.test.ts will skip" >&2
  exit 0
}

if command -v chromium >/dev/null; then
  say "present: $(timeout 30 chromium --version 2>/dev/null || echo "$(command -v chromium) (version unknown)")"
  exit 0
fi
command -v apt-get >/dev/null || cannot "no apt-get on this machine (install chromium by other means)"
[ "$(id -u)" = 0 ] || cannot "not root (run: apt-get install -y chromium)"

export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them only when chromium is unknown.
if ! apt-cache show chromium >/dev/null 2>&1; then
  timeout 300 apt-get update -qq || cannot "apt-get update failed or timed out"
fi
say "installing Debian's chromium (a few minutes on a fresh machine)"
# The fonts package gives the charts' text real glyph widths in screenshots.
timeout 900 apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null || cannot "apt-get install chromium failed or timed out"
command -v chromium >/dev/null || cannot "the chromium package installed no chromium command"
say "installed: $(timeout 30 chromium --version 2>/dev/null || echo chromium)"
