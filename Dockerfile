# One image for every backend (app1..app3 in docker-compose.yml): gunicorn serving app:create_app().
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# A user without privileges runs the app; /data holds the user database shared by the
# backends (a volume in compose), /var/lib/authlab this backend's own sessions.
RUN useradd --create-home --uid 10001 authlab \
    && mkdir -p /data /var/lib/authlab/sessions \
    && chown -R authlab:authlab /data /var/lib/authlab

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=authlab:authlab . .

USER authlab

ENV DATABASE_URL=sqlite:////data/authlab.db \
    LAB_SESSION_DIR=/var/lib/authlab/sessions \
    GUNICORN_BIND=0.0.0.0:8000

EXPOSE 8000

HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]

CMD ["gunicorn", "--config", "gunicorn.conf.py"]
