"""The scoring app's Celery jobs (each idempotent and safe on two workers)."""
