# SCIM Seat Gateway: one slim image, run as a non-root user in one of three roles
# (entrypoint.sh): `migrate`, then `web` and `worker` (compose.yaml runs all three).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SCIM_GATEWAY_ENVIRONMENT=production \
    SCIM_GATEWAY_DATABASE_URL=sqlite:////data/scim-gateway.db \
    WEB_CONCURRENCY=4

# xmlsec1 checks the signatures of SAML sign-ins.
RUN apt-get update && apt-get install -y --no-install-recommends xmlsec1 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system app && useradd --system --gid app --home-dir /app app \
    && mkdir -p /app /data && chown app:app /data

WORKDIR /app
COPY setup.cfg pyproject.toml README.md ./
COPY seat_core ./seat_core
COPY scim_gateway ./scim_gateway
COPY migrations ./migrations
COPY wsgi.py gunicorn.conf.py entrypoint.sh ./
# Editable, so that the migrations next to the packages are found at run time. Only what
# runs is installed: no test or benchmark tools.
RUN pip install -e . && pybabel -q compile -d scim_gateway/translations

USER app
VOLUME ["/data"]
EXPOSE 8000

# For the web role; compose.yaml turns it off for the worker and migrate.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"

# The role is the argument: `docker run IMAGE migrate`, `… web` (the default), `… worker`.
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["web"]
