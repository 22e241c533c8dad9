# syntax=docker/dockerfile:1
# rights-bot in a container (README, "Running your own"): `docker compose up -d --build` with compose.yaml, or
#   docker build -t rights-bot .
#   docker run -d -e TELEGRAM_BOT_TOKEN=123:abc -v rights-bot-state:/var/lib/rights-bot rights-bot
# The bot runs as an unprivileged user; its state (the SQLite file, the heartbeat) is in the volume; every setting
# of config.yaml can be overridden by RIGHTS_BOT_<KEY> (nested keys joined by __).
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/rights-bot
WORKDIR /src
# the locked versions (the bot's alone, no test tools) first: this layer changes only with the lock
COPY requirements-run.lock ./
RUN /opt/rights-bot/bin/pip install --no-deps -r requirements-run.lock
COPY pyproject.toml setup.py MANIFEST.in README.md config.yaml ./
COPY bot/ bot/
COPY handlers/ handlers/
COPY knowledge/ knowledge/
COPY locales/ locales/
# a wheel of the project (knowledge base, locales and config.yaml inside it), then a check that it loads
RUN /opt/rights-bot/bin/pip install --no-deps . \
 && cd / && /opt/rights-bot/bin/rights-bot kb check

FROM python:${PYTHON_VERSION}-slim
ENV PATH=/opt/rights-bot/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    STATE_DIRECTORY=/var/lib/rights-bot \
    MPLCONFIGDIR=/tmp/matplotlib \
    RIGHTS_BOT_LOG_FORMAT=json
RUN groupadd --system --gid 10001 rights-bot \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin rights-bot \
 && install -d -o 10001 -g 10001 -m 0700 /var/lib/rights-bot
COPY --from=build /opt/rights-bot /opt/rights-bot
USER 10001:10001
WORKDIR /var/lib/rights-bot
VOLUME ["/var/lib/rights-bot"]
# webhook mode only (RIGHTS_BOT_TELEGRAM__MODE=webhook, RIGHTS_BOT_TELEGRAM__WEBHOOK_LISTEN=0.0.0.0); GET /healthz
EXPOSE 8443
# the heartbeat the bot rewrites every 30 s in the state directory (polling and webhook alike)
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["rights-bot", "health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["rights-bot"]
CMD ["run"]
