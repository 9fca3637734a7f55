from django.db import models
from django.utils.translation import gettext_lazy as _


class PointSource(models.TextChoices):
    """What earns a rule's points: an event of another app collected by the job, or an
    entry the branch or town office records by hand."""

    DUTY_LOG = "duty_log", _("A duty log signed")
    VISIT = "visit", _("A household visit")
    CASE_ON_TIME = "case_on_time", _("A case solved in time")
    THEME_DAY = "theme_day", _("Attendance at the theme party day")
    VOLUNTEERING = "volunteering", _("Volunteering")
    MANUAL = "manual", _("Recorded by hand")


#: The sources the collection job reads from the other apps' data.
COLLECTED = (PointSource.DUTY_LOG, PointSource.VISIT, PointSource.CASE_ON_TIME, PointSource.THEME_DAY)


class CapPeriod(models.TextChoices):
    MONTH = "month", _("per month")
    YEAR = "year", _("per year")


class PeriodKind(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class Indicator(models.TextChoices):
    """The village ranking's indicators (一月一排名), each a rate, never a raw count, so
    that a big village does not win by its size."""

    LOG_COMPLETENESS = "log_completeness", _("Duty logs signed (share of duty days)")
    DUTY_HOURS = "duty_hours", _("Hours on duty (share of the 8-hour rule)")
    INSPECTION_SCORE = "inspection_score", _("Inspection score (average)")
    ABSENCES = "absences", _("Present when inspected (share)")
    FLAGS_UPHELD = "flags_upheld", _("Duty days without an upheld flag (share)")
    VISIT_COVERAGE = "visit_coverage", _("Household visit coverage")
    CASE_TIMELINESS = "case_timeliness", _("Cases solved within the deadline (share)")
    SATISFACTION = "satisfaction", _("Satisfied ratings (share)")
    SORTING_PASS = "sorting_pass", _("Garbage-sorting spot checks passed (share)")


class ListKind(models.TextChoices):
    RED = "red", _("Red list (praise)")
    BLACK = "black", _("Black list (criticism)")


class ListState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved by the village")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")


class Grade(models.TextChoices):
    """The town's own assessment of a cadre's year (年终考绩)."""

    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
