"""Small start-up helpers shared by manage.py, the worker and beat."""

from functools import cache
from pathlib import Path

from django.conf import settings


@cache
def ensure_broker_folders() -> None:
    """kombu's file-system transport needs its folders to exist before it starts."""
    if settings.CELERY_BROKER_URL != "filesystem://":
        return
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key]).mkdir(parents=True, exist_ok=True)
