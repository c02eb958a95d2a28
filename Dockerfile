FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image; the key and hosts here exist only for this step.
RUN SECRET_KEY=collectstatic-only-not-a-real-secret ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

RUN useradd --system --create-home --uid 1000 app \
    && mkdir -p /app/media \
    && chown -R app:app /app/media
USER app

EXPOSE 8000
# Migrations run separately, as the database owner (docker-compose.yml: the `migrate` service);
# this process connects as the application's role, which may not change the schema.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"]
