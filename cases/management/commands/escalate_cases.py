from django.core.management.base import BaseCommand

from cases.sweeps import run_sweep


class Command(BaseCommand):
    help = "Run the escalation sweep now: escalate overdue cases, flag for supervision, send reminders."

    def handle(self, *args, **options):
        result = run_sweep()
        self.stdout.write(
            f"escalated {result.escalated}, flagged for supervision {result.supervised}, reminded {result.reminded}"
        )
