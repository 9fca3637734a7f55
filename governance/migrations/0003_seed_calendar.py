"""Seed the working-day calendar with the official schedules the chinesecalendar package
carries (2004–2026). Later years are entered by the town office or loaded from a file."""

from django.db import migrations


def seed(apps, schema_editor):
    from governance.workdays import seed_from_package

    seed_from_package(day_model=apps.get_model("governance", "CalendarDay"),
                      year_model=apps.get_model("governance", "CalendarYear"))


class Migration(migrations.Migration):
    dependencies = [("governance", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
