from celery import shared_task

from . import notify
from .sweeps import run_sweep


@shared_task(name="cases.tasks.escalation_sweep")
def escalation_sweep() -> dict:
    """Escalate overdue village cases, flag overdue town cases, send reminders.
    Idempotent and safe on two workers (see cases.sweeps)."""
    result = run_sweep()
    return {"escalated": result.escalated, "supervised": result.supervised, "reminded": result.reminded}


@shared_task(name="cases.tasks.deliver_notifications")
def deliver_notifications() -> int:
    """Send what is pending; safe to run many times at once."""
    return notify.deliver_pending()


@shared_task(name="cases.tasks.deliver_pending_notifications")
def deliver_pending_notifications() -> int:
    """The beat's delivery: whatever is still pending, so nothing waits for the next event
    (a delivery that could not be queued, a gateway that was down). Safe beside the
    deliveries queued after each commit: batches are locked (cases.notify)."""
    return notify.deliver_pending()
