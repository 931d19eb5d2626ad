# Delight: one small image, run as a non-root user, SQLite data in the /data volume.
#   docker build -t delight .
#   docker run --env-file .env -v delight-data:/data delight                 (Socket Mode)
#   docker run --env-file .env -p 3000:3000 -v delight-data:/data delight    (HTTP mode)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN groupadd --gid 10001 delight \
    && useradd --no-log-init --create-home --uid 10001 --gid delight delight \
    && mkdir -p /data \
    && chown delight:delight /data

WORKDIR /src

# Dependencies first, read from pyproject.toml, so editing the code does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the project itself (packages bot, handlers, schedules; README.md is its description).
COPY README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY schedules ./schedules
RUN pip install --no-cache-dir . \
    && rm -rf /src/build /src/*.egg-info

# Run from an empty directory so the installed packages are the ones imported.
WORKDIR /home/delight
ENV DELIGHT_DB=/data/delight.db \
    PORT=3000
VOLUME ["/data"]
EXPOSE 3000
USER delight

# Both modes serve /healthz and /readyz on PORT. /readyz is 503 while the database takes no
# writes, the scheduler is stopped or (Socket Mode) no connection to Slack is open.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('PORT', '3000'), timeout=4)"

CMD ["python", "-m", "bot"]
