"""The escalation job on a real Celery worker process (Redis in CI, or the file-system
broker), against the test database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cases.choices import CaseState, Move
from cases.models import Case, CaseEvent
from cases.tasks import escalation_sweep

from .test_cases import report

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def worker(tmp_path, eager_celery):
    eager_celery.conf.task_always_eager = False
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("a worker process cannot reach an in-memory test database (runs on PostgreSQL in CI)")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": database_url(), "VAR_DIR": str(settings.VAR_DIR)}
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "governance",
                "worker",
                "-Q",
                queue,
                "--concurrency",
                "2",
                "--pool",
                "prefork",
                "--loglevel",
                "INFO",
                "-n",
                f"{queue}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            time.sleep(0.3)
        assert "ready." in log.read_text(), log.read_text()
        yield queue, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_the_worker_escalates_overdue_cases_once_even_when_the_job_runs_twice_at_once(world, worker):
    queue, log = worker
    # given three village cases past their deadline
    cases = [report(world) for _ in range(3)]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(
        deadline=timezone.now() - timezone.timedelta(days=1)
    )
    # when the job is sent twice at once to a worker with two processes
    escalation_sweep.apply_async(queue=queue)
    escalation_sweep.apply_async(queue=queue)
    # then each case is escalated once, with one event each
    assert wait_for(lambda: log.read_text().count("succeeded") >= 2), log.read_text()
    assert set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("state", flat=True)) == {
        CaseState.ESCALATED
    }
    assert CaseEvent.objects.filter(case__in=cases, move=Move.ESCALATE).count() == 3
