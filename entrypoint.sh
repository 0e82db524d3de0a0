#!/bin/sh
# The image's entrypoint: one role per container, named by the first argument.
#   migrate  bring the database schema up to date, then exit (run it before the others)
#   web      serve HTTP under gunicorn on $BIND (0.0.0.0:8000)
#   worker   deliver alerts, renew ended terms, send renewal and certificate notices and
#            reclaim dormant seats, until SIGTERM
# Anything else runs as a command line: `entrypoint.sh scim-gateway seats usage --org acme`.
set -eu
cd "$(dirname "$0")"

# Production defaults: no start without SCIM_GATEWAY_PUBLIC_URL, and /metrics closed
# unless SCIM_GATEWAY_METRICS_TOKEN is set or SCIM_GATEWAY_METRICS_OPEN=true.
export SCIM_GATEWAY_ENVIRONMENT="${SCIM_GATEWAY_ENVIRONMENT:-production}"

role="${1:-web}"
case "$role" in
  migrate)
    exec scim-gateway db upgrade
    ;;
  web)
    # A missing setting stops here with one line, not in every gunicorn worker's traceback.
    scim-gateway check
    # exec: gunicorn gets the container's signals and stops gracefully on SIGTERM.
    exec gunicorn --config gunicorn.conf.py --workers "${WEB_CONCURRENCY:-4}" \
      --bind "${BIND:-0.0.0.0:8000}" --access-logfile - wsgi:app
    ;;
  worker)
    exec scim-gateway alerts worker
    ;;
  -h|--help|help)
    sed -n '2,7p' "$0" | cut -c3-
    ;;
  *)
    exec "$@"
    ;;
esac
