# Seva daemon image. Unbuilt here (no Docker engine on the development machines): written
# by reading, checked with hadolint-style review. Rasa runs from its own official image
# (see docker-compose.yml), so this image stays on maintained Python packages only.
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN python -m venv /opt/seva \
 && /opt/seva/bin/pip install --upgrade pip \
 && /opt/seva/bin/pip install .

FROM python:3.11-slim

# A non-root user; the daemon needs no privileges and writes nothing but logs to stdout.
RUN groupadd --system seva && useradd --system --gid seva --home-dir /app --shell /usr/sbin/nologin seva
COPY --from=build /opt/seva /opt/seva
WORKDIR /app
COPY --chown=seva:seva daemon.py ./
COPY --chown=seva:seva faq_kb ./faq_kb
COPY --chown=seva:seva responses ./responses

ENV PATH=/opt/seva/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SEVA_LOG_FORMAT=json \
    SEVA_WEB_HOST=0.0.0.0 \
    SEVA_WEB_PORT=8080
USER seva
EXPOSE 8080

# `seva status` exits non-zero when Redis or a configured role is down.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["seva", "status"]

# Exec form: the daemon is PID 1 and receives SIGTERM directly for a clean drain.
ENTRYPOINT ["python", "daemon.py"]
