"""Load the working-day calendar: the years the chinesecalendar package knows, and a
year's official schedule from a small CSV file (``date,kind,name`` per line)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from governance import workdays


class Command(BaseCommand):
    help = "Seed the calendar from chinesecalendar, or load one year's official schedule from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="CSV: date,kind,name — kind holiday/休 or makeup/班")
        parser.add_argument("--year", type=int, help="the year the file holds")
        parser.add_argument(
            "--note", default="", help="where the schedule comes from (the State Council notice)"
        )

    def handle(self, *args, file=None, year=None, note="", **options):
        if file is None:
            seeded = workdays.seed_from_package()
            self.stdout.write(f"seeded from chinesecalendar: {seeded or 'nothing new'}")
            self.stdout.write(f"calendar covered until: {workdays.last_covered_year()}")
            return
        if year is None:
            raise CommandError("--year is required with a file")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}")
        try:
            count = workdays.load_schedule(
                path.read_text(encoding="utf-8-sig"), year=year, note=note or path.name
            )
        except workdays.CalendarFileError as exc:
            raise CommandError("\n".join(exc.errors)) from exc
        self.stdout.write(
            f"loaded {count} days for {year}; calendar covered until {workdays.last_covered_year()}"
        )
