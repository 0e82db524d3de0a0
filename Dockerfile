# SCIM Seat Gateway: a slim image that migrates, then runs gunicorn as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
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
COPY wsgi.py gunicorn.conf.py ./
# Editable, so that the migrations next to the packages are found at run time.
RUN pip install -e .

USER app
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"

# Migrate, then replace the shell with gunicorn so it gets the signals.
CMD ["sh", "-c", "scim-gateway db upgrade && exec gunicorn --workers ${WEB_CONCURRENCY} --bind 0.0.0.0:8000 --access-logfile - wsgi:app"]
