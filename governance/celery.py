"""The Celery app. Tasks are thin: they fetch by id and call a service."""

import os

from celery import Celery
from celery.signals import beat_init, before_task_publish, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

app = Celery("governance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
@before_task_publish.connect
def _make_broker_folders(**_kwargs):
    # kombu's file-system transport (the serverless default) needs its folders first.
    from governance.conf import ensure_broker_folders

    ensure_broker_folders()
