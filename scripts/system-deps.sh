#!/usr/bin/env bash
# Install Debian's Chromium and the Noto fonts used by the browser tests, and what WeasyPrint
# (libharfbuzz-subset0) and the PDF tests (poppler-utils: pdftoppm, pdftotext) need, when missing.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -i "Noto Naskh Arabic" >/dev/null || need+=(fonts-noto-core)  # no -q: SIGPIPE under pipefail
ldconfig -p 2>/dev/null | grep "libharfbuzz-subset.so.0" >/dev/null || need+=(libharfbuzz-subset0)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
  echo "Need root (or sudo) to install: ${need[*]}" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
