# The Cibo game server (docker-compose.yml builds it; see docs/operations.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CIBO_CLIENTS=/app/clients \
    CIBO_RULESETS=/app/rulesets \
    CIBO_DATA=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY server ./server
RUN pip install .
COPY clients ./clients
COPY rulesets ./rulesets

RUN useradd --system --uid 1000 --home-dir /data --no-create-home cibo \
    && mkdir -p /data \
    && chown cibo:cibo /data
USER cibo
VOLUME ["/data"]
EXPOSE 8765

HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8765/api/health', timeout=4)"]

ENTRYPOINT ["cibo"]
CMD ["serve", "--host", "0.0.0.0", "--data", "/data", "--no-qr"]
