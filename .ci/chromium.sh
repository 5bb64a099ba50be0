#!/usr/bin/env bash
# Debian's chromium for the browser test of the HTML report (tests/report/), run as root on
# Debian: installs the package if missing. Safe to run again. Playwright (a dev dependency)
# drives /usr/bin/chromium; it downloads no browser of its own.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
    echo "chromium.sh: installing the chromium Debian package" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y chromium >&2
fi
