#!/bin/sh
# One scheduled run on this host, started by the systemd timer or the cron line (both
# beside this file). Run it under `flock -n`: while a run is still being crawled the
# lock is held, so the next tick does nothing and runs never overlap.
#
# On the one host that starts runs (CRAWLER_ENQUEUE=1 in its environment file), queue
# the registry first; on every host, work until no run has a company queued or in
# progress, then exit (non-zero when a company this host crawled was not ok).
set -eu
cd "$(dirname "$0")/.."
if [ "${CRAWLER_ENQUEUE:-0}" = 1 ]; then
    .venv/bin/scrapy enqueue
    exec .venv/bin/scrapy crawlall --worker
fi
# Started by the same timer as the host that enqueues: give it time to queue the run.
exec .venv/bin/scrapy crawlall --worker --wait "${CRAWLER_WAIT_SECONDS:-600}"
