# The Cibo game server (docker-compose.yml builds it; see docs/operations.md).
#
# BASE: any Debian-like image with Python >= 3.11 and its venv module. The default is the
# official Python image; tests/install/test_install_container.py builds one from Debian's
# packages instead (no container registry is reachable there).
ARG BASE=python:3.11-slim
FROM ${BASE}

# Extra options for pip, e.g. "--no-index --find-links=/wheels" to build without an index.
ARG PIP_OPTIONS=""

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/cibo/bin:$PATH \
    CIBO_DATA=/data

# The wheel built here carries the browser clients and the rulesets (package data).
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY server ./server
COPY clients ./clients
COPY rulesets ./rulesets
RUN python3 -m venv /opt/cibo \
    && /opt/cibo/bin/pip install --no-compile $PIP_OPTIONS /src \
    && rm -rf /src

RUN useradd --system --uid 1000 --home-dir /data --no-create-home cibo \
    && mkdir -p /data \
    && chown cibo:cibo /data
USER cibo
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8765

HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8765/api/health', timeout=4)"]

ENTRYPOINT ["cibo"]
CMD ["serve", "--host", "0.0.0.0", "--data", "/data", "--no-qr"]
