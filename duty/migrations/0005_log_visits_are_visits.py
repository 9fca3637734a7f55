"""Item 5 of the duty log (联系农户访一访) is recorded as household visits: every
``HouseholdVisit`` row becomes a ``Visit`` of its log (a routine visit by the log's cadre,
at the time it was listed, what was noted as what was found), and the log-only model goes.

Backwards, a best effort: the log's routine visits that nothing else hangs on (no case,
no photos, no three-musts occasion) go back to being log rows; the rest stay visits.
"""

from django.db import migrations

BATCH = 2000


def _keeping_times(model):
    """``model``'s created_at/updated_at as given, not now: the copied rows keep their
    history (Django's auto_now(_add) would stamp the migration's moment on them)."""
    fields = [f for f in model._meta.concrete_fields if f.name in ("created_at", "updated_at")]
    saved = [(f.auto_now, f.auto_now_add) for f in fields]

    class Keep:
        def __enter__(self):
            for f in fields:
                f.auto_now = f.auto_now_add = False

        def __exit__(self, *exc):
            for f, (now, now_add) in zip(fields, saved, strict=True):
                f.auto_now, f.auto_now_add = now, now_add

    return Keep()


def log_rows_to_visits(apps, schema_editor):
    HouseholdVisit = apps.get_model("duty", "HouseholdVisit")
    Visit = apps.get_model("duty", "Visit")
    Visitor = Visit.visitors.through
    rows = HouseholdVisit.objects.select_related("household", "log").order_by("pk")
    last = 0
    with _keeping_times(Visit):
        while True:
            batch = list(rows.filter(pk__gt=last)[:BATCH])
            if not batch:
                break
            last = batch[-1].pk
            visits = Visit.objects.bulk_create(
                [
                    Visit(
                        household_id=row.household_id,
                        town_id=row.household.town_id,
                        village_id=row.household.village_id,
                        grid_id=row.household.grid_id,
                        visited_at=row.created_at,
                        kind="routine",
                        found=row.note,
                        by_id=row.log.cadre_id,
                        log_id=row.log_id,
                        created_at=row.created_at,
                        updated_at=row.created_at,
                    )
                    for row in batch
                ]
            )
            Visitor.objects.bulk_create([Visitor(visit_id=visit.pk, user_id=visit.by_id) for visit in visits])


def visits_to_log_rows(apps, schema_editor):
    HouseholdVisit = apps.get_model("duty", "HouseholdVisit")
    Visit = apps.get_model("duty", "Visit")
    ThreeMust = apps.get_model("duty", "ThreeMust")
    VisitPhoto = apps.get_model("duty", "VisitPhoto")
    movable = (
        Visit.objects.filter(log__isnull=False, deleted_at__isnull=True, kind="routine", case__isnull=True)
        .exclude(pk__in=ThreeMust.objects.filter(visit__isnull=False).values("visit_id"))
        .exclude(pk__in=VisitPhoto.objects.values("visit_id"))
        .order_by("visited_at", "pk")
    )
    seen = set()
    moved = []
    with _keeping_times(HouseholdVisit):
        for visit in movable.iterator():
            key = (visit.log_id, visit.household_id)
            if key in seen:  # the log rows were one per household and day
                continue
            seen.add(key)
            HouseholdVisit.objects.create(
                log_id=visit.log_id,
                household_id=visit.household_id,
                note=visit.found[:200],
                created_at=visit.visited_at,
            )
            moved.append(visit.pk)
    for start in range(0, len(moved), BATCH):
        ids = moved[start : start + BATCH]
        Visit.visitors.through.objects.filter(visit_id__in=ids).delete()
        Visit.objects.filter(pk__in=ids).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("duty", "0004_visits_inspections_motions"),
    ]

    operations = [
        migrations.RunPython(log_rows_to_visits, visits_to_log_rows),
        migrations.DeleteModel(name="HouseholdVisit"),
    ]
