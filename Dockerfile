FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY governance governance
COPY grids grids
COPY duty duty
COPY cases cases
COPY scoring scoring
RUN pip install --no-cache-dir .
COPY . .
RUN python scripts/fetch_assets.py && DEBUG=0 SECRET_KEY=build-only FIELD_ENCRYPTION_KEY=build-only FIELD_HASH_KEY=build-only \
    python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "governance.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
