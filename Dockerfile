# syntax=docker/dockerfile:1
# Debian 12 (bookworm), as CI runs on: its postgresql-client (15) matches compose's postgres:15.
FROM python:3.11-slim-bookworm AS build
WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir -r requirements/base.txt

FROM python:3.11-slim-bookworm
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
# pg_dump and pg_restore, for manage.py backup and restore.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 app
WORKDIR /app
COPY --from=build /venv /venv
COPY --chown=app:app . .
# The translations (.mo files are build output, not in the repository); pybabel is pure Python.
RUN pybabel -q compile -d locale -D django
RUN DJANGO_ENV=production SECRET_KEY=build-only ALLOWED_HOSTS=build SITE_URL=https://build.invalid \
    python manage.py collectstatic --noinput && mkdir -p var/media var/backups var/keys && chown -R app:app var \
    && chmod 700 var/keys
USER app
EXPOSE 8000
# gthread workers and the log format: trafficking_training/gunicorn_conf.py, as for `make run`.
# Processes and threads per process come from WEB_CONCURRENCY and WEB_THREADS (.env).
ENV WEB_CONCURRENCY=3
CMD ["gunicorn", "-c", "python:trafficking_training.gunicorn_conf", "trafficking_training.wsgi", "--bind", "0.0.0.0:8000"]
