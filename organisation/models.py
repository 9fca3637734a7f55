"""The command centre and the people around the villages (seeds 001, 002, 003):

* the weekly task list (周清单): the town's tasks of the week by theme, handed down town →
  village → grid (or to a department), each receiver marking its part done or saying why
  not;
* who answers for every household (三包): a town leader per village, a cadre per group or
  area, a party member or grid worker per household, each with the three duties; the
  informant networks (十户一员, 十员一组) and the compound teams (党员楼道长, 三长五员) with
  the service card each compound posts;
* officers sent in from outside (平安书记, 第一书记): their postings, activities, night
  visits (on the 1st, 10th, 15th and 25th) with the people received and their matters,
  and their yearly assessment;
* the village secretaries' files (先锋书记) over a five-year cycle, the village
  committees' commitments for their term with their progress, and the yearly report,
  democratic review and town's assessment (承诺述职评议考核).

Histories are append-only: an assignment that ends is closed (``until``), not removed; a
file's entries and a commitment's progress are appended.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from governance.models import GovernedModel

from .choices import (
    ActivityKind,
    CommitmentState,
    EntryKind,
    InformantGroupKind,
    Level,
    ListState,
    MatterOutcome,
    NightVisitState,
    OfficerGrade,
    OfficerKind,
    Post,
    Profession,
    ReviewGrade,
    TaskState,
    Theme,
)

#: The days of the month a first secretary's night visit is held (海盐: 1st, 10th, 15th, 25th).
NIGHT_VISIT_DAYS = (1, 10, 15, 25)


def _user(verbose_name, **kwargs):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=verbose_name,
        **kwargs,
    )


class _InTown(GovernedModel):
    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+", verbose_name=_("town"))

    class Meta:
        abstract = True


class _InVillage(GovernedModel):
    """A row of one village; ``town`` repeats the village's, for scoping on one column."""

    town = models.ForeignKey("grids.Town", on_delete=models.PROTECT, related_name="+", editable=False)
    village = models.ForeignKey(
        "grids.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.village_id:
            self.town_id = self.village.town_id


class _Period(models.Model):
    """Held from ``since`` until ``until`` (open while ``until`` is empty)."""

    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.since and self.until and self.until < self.since:
            raise ValidationError({"until": _("The end is before the start.")})


# ---------------------------------------------------------------------------------------
# The weekly task list (周清单)
# ---------------------------------------------------------------------------------------


class TaskList(_InTown):
    """The command centre's list of one week (Monday ``week``): drafted, then issued."""

    week = models.DateField(_("week of (Monday)"))
    note = models.TextField(_("note"), max_length=2000, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=ListState.choices, default=ListState.DRAFT, editable=False
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True, editable=False)
    issued_by = _user(_("issued by"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("weekly task list")
        verbose_name_plural = _("weekly task lists")
        ordering = ["-week", "town_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "week"],
                condition=Q(deleted_at__isnull=True),
                name="organisation_one_list_a_week",
                violation_error_message=_("The town already has a list for this week."),
            )
        ]

    def __str__(self):
        return f"{self.town} {self.week:%Y-%m-%d}"

    def clean(self):
        super().clean()
        if self.week and self.week.weekday() != 0:
            raise ValidationError({"week": _("A week starts on a Monday.")})


class Task(_InTown):
    """One task of a list: its theme, what done means and the day it is due."""

    task_list = models.ForeignKey(
        TaskList, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("list")
    )
    theme = models.CharField(_("theme"), max_length=16, choices=Theme.choices)
    title = models.CharField(_("task"), max_length=200)
    done_means = models.TextField(_("what done means"), max_length=2000)
    due = models.DateField(_("due"))

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["task_list_id", "theme", "id"]

    def __str__(self):
        return self.title


class Assignment(_InTown):
    """A task handed to one receiver: a village, a grid (handed down by its village) or a
    department. The receiver marks it done (with a note or photo) or not done (why)."""

    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("task")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        editable=False,
        verbose_name=_("handed down from"),
    )
    village = models.ForeignKey(
        "grids.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village"),
    )
    grid = models.ForeignKey(
        "grids.Grid",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("grid"),
    )
    department = models.ForeignKey(
        "grids.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=TaskState.choices, default=TaskState.OPEN, editable=False
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    photo = models.FileField(_("photo"), upload_to="organisation/tasks/", blank=True, editable=False)
    answered_by = _user(_("answered by"), null=True, blank=True, editable=False)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("task assignment")
        verbose_name_plural = _("task assignments")
        ordering = ["task_id", "village_id", "grid_id", "department_id"]
        constraints = [
            models.CheckConstraint(
                # A village's own (no grid), a grid's (with its village), or a department's.
                condition=(Q(village__isnull=False) & Q(department__isnull=True))
                | (Q(village__isnull=True) & Q(grid__isnull=True) & Q(department__isnull=False)),
                name="organisation_assignment_receiver",
            ),
            models.UniqueConstraint(
                fields=["task", "village", "grid", "department"],
                nulls_distinct=False,
                name="organisation_assignment_once",
                violation_error_message=_("The task is already assigned to this receiver."),
            ),
        ]
        indexes = [models.Index(fields=["town", "state"], name="organisation_assign_state")]

    def __str__(self):
        return f"{self.task} → {self.grid or self.village or self.department}"


# ---------------------------------------------------------------------------------------
# Who answers for every household (三包)
# ---------------------------------------------------------------------------------------


class Responsibility(_InVillage, _Period):
    """One link of the responsibility map: who answers for a village (a town leader), a
    group or area (a cadre; a grid of the village) or a household (a party member or grid
    worker), with the three duties. Reassigning closes the old link (``until``)."""

    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    grid = models.ForeignKey(
        "grids.Grid",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("group or area"),
    )
    household = models.ForeignKey(
        "grids.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("household"),
    )
    name = models.CharField(_("name"), max_length=32)
    title = models.CharField(_("post"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    user = _user(_("account"), null=True, blank=True)
    party_member = models.ForeignKey(
        "grids.PartyMember",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("party member"),
    )
    education = models.BooleanField(_("publicity and education (宣传教育)"), default=True)
    service = models.BooleanField(_("service and management (服务管理)"), default=True)
    joint_defence = models.BooleanField(_("joint prevention and control (联防联控)"), default=True)

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        ordering = ["village_id", "level", "grid_id", "household_id", "-since"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level=Level.VILLAGE) & Q(grid__isnull=True) & Q(household__isnull=True))
                | (Q(level=Level.AREA) & Q(grid__isnull=False) & Q(household__isnull=True))
                | (Q(level=Level.HOUSEHOLD) & Q(household__isnull=False)),
                name="organisation_responsibility_level",
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("since")), name="organisation_resp_period"
            ),
        ]
        indexes = [
            models.Index(fields=["household", "until"], name="organisation_resp_household"),
            models.Index(fields=["user", "until"], name="organisation_resp_user"),
        ]

    def __str__(self):
        return f"{self.name} · {self.get_level_display()}"


class InformantGroup(_InTown):
    """Ten informants (十员一组): of a village or community, or of a trade association
    (homestays, taxis) across the town."""

    kind = models.CharField(_("kind"), max_length=16, choices=InformantGroupKind.choices)
    village = models.ForeignKey(
        "grids.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village"),
    )
    name = models.CharField(_("name"), max_length=64)
    leader = models.CharField(_("group leader"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("informant group")
        verbose_name_plural = _("informant groups")
        ordering = ["town_id", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=InformantGroupKind.VILLAGE, village__isnull=False)
                | ~Q(kind=InformantGroupKind.VILLAGE),
                name="organisation_village_group_has_village",
            )
        ]

    def __str__(self):
        return self.name


class Informant(_InTown, _Period):
    """One informant (十户一员, 乌镇管家): the households they look after (about ten); their
    reports are cases, counted through their account."""

    group = models.ForeignKey(
        InformantGroup, on_delete=models.PROTECT, related_name="informants", verbose_name=_("group")
    )
    name = models.CharField(_("name"), max_length=32)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    user = _user(_("account"), null=True, blank=True)
    resident = models.ForeignKey(
        "grids.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident"),
    )
    households = models.ManyToManyField(
        "grids.Household", blank=True, related_name="+", verbose_name=_("households looked after")
    )

    class Meta:
        verbose_name = _("informant")
        verbose_name_plural = _("informants")
        ordering = ["group_id", "name"]

    def __str__(self):
        return self.name


class ServicePost(_InVillage, _Period):
    """A post of a compound's team (a second-level grid of a community): a stairwell leader
    (党员楼道长) for a building or unit, or one of the 三长五员; shown on the compound's
    public service card with the contact and what the post handles."""

    grid = models.ForeignKey(
        "grids.Grid", on_delete=models.PROTECT, related_name="+", verbose_name=_("compound")
    )
    post = models.CharField(_("post"), max_length=16, choices=Post.choices)
    building = models.CharField(_("building or unit"), max_length=32, blank=True)
    name = models.CharField(_("name"), max_length=32)
    phone = models.CharField(_("contact phone (on the card)"), max_length=32)
    handles = models.CharField(_("what they handle"), max_length=200)
    user = _user(_("account"), null=True, blank=True)
    party_member = models.ForeignKey(
        "grids.PartyMember",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("party member"),
    )

    class Meta:
        verbose_name = _("compound post")
        verbose_name_plural = _("compound posts")
        ordering = ["grid_id", "post", "building", "name"]

    def __str__(self):
        return f"{self.get_post_display()} {self.name}"


# ---------------------------------------------------------------------------------------
# Officers sent in from outside (平安书记, 第一书记)
# ---------------------------------------------------------------------------------------


class OfficerGroup(_InTown):
    """First secretaries' group (联络组) with its leader, who sets the quarter's focus."""

    name = models.CharField(_("name"), max_length=64)
    leader = models.CharField(_("group leader"), max_length=32)

    class Meta:
        verbose_name = _("officers' group")
        verbose_name_plural = _("officers' groups")
        ordering = ["town_id", "name"]

    def __str__(self):
        return self.name


class GroupFocus(models.Model):
    """The focus a group's leader sets for a quarter."""

    group = models.ForeignKey(
        OfficerGroup, on_delete=models.PROTECT, related_name="foci", verbose_name=_("group")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), choices=[(q, f"Q{q}") for q in range(1, 5)])
    focus = models.TextField(_("focus"), max_length=2000)
    set_by = _user(_("set by"), editable=False)
    set_at = models.DateTimeField(_("set at"), auto_now_add=True)

    class Meta:
        verbose_name = _("quarter's focus")
        verbose_name_plural = _("quarters' focus")
        ordering = ["group_id", "-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "year", "quarter"],
                name="organisation_focus_once",
                violation_error_message=_("The group's focus for this quarter is already set."),
            )
        ]

    def __str__(self):
        return f"{self.group} {self.year}Q{self.quarter}"


class Officer(_InTown):
    """An officer sent in from outside: a safety secretary (judge, prosecutor, police
    officer, lawyer) or a first secretary (county leader, bureau head). With an account,
    they see their villages as a supervisor does (supervisor memberships on each posting)."""

    kind = models.CharField(_("kind"), max_length=16, choices=OfficerKind.choices)
    name = models.CharField(_("name"), max_length=32)
    profession = models.CharField(_("profession"), max_length=16, choices=Profession.choices)
    employer = models.CharField(_("employer"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    user = _user(_("account"), null=True, blank=True)
    group = models.ForeignKey(
        OfficerGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officers",
        verbose_name=_("group"),
    )
    visiting_hours = models.CharField(_("visiting hours"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        ordering = ["town_id", "kind", "name"]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class Posting(_InVillage, _Period):
    """An officer's posting to a village (the officer is not on its committee)."""

    officer = models.ForeignKey(
        Officer, on_delete=models.PROTECT, related_name="postings", verbose_name=_("officer")
    )

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["officer_id", "-since"]

    def __str__(self):
        return f"{self.officer} → {self.village}"


class Activity(_InVillage):
    """What an officer did in a village: a major matter, visiting hours, a lesson, …"""

    officer = models.ForeignKey(
        Officer, on_delete=models.PROTECT, related_name="activities", verbose_name=_("officer")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    detail = models.TextField(_("what was done"), max_length=4000, blank=True)
    people = models.PositiveIntegerField(_("people reached"), default=0)
    recorded_by = _user(_("recorded by"), editable=False)

    class Meta:
        verbose_name = _("officer's activity")
        verbose_name_plural = _("officers' activities")
        ordering = ["-date", "-id"]

    def __str__(self):
        return self.title


class OfficerAssessment(_InTown):
    """The yearly assessment of an officer."""

    officer = models.ForeignKey(
        Officer, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("officer")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    grade = models.CharField(_("grade"), max_length=16, choices=OfficerGrade.choices)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    assessed_by = _user(_("assessed by"), editable=False)

    class Meta:
        verbose_name = _("officer's assessment")
        verbose_name_plural = _("officers' assessments")
        ordering = ["-year", "officer_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "year"],
                condition=Q(deleted_at__isnull=True),
                name="organisation_officer_assessed_once",
                violation_error_message=_("This officer is already assessed for this year."),
            )
        ]


class NightVisit(_InVillage):
    """A first secretary's evening at the village's party pioneer station (先锋站), on the
    1st, 10th, 15th or 25th: scheduled, then held (the people received) or cancelled."""

    officer = models.ForeignKey(
        Officer, on_delete=models.PROTECT, related_name="night_visits", verbose_name=_("officer")
    )
    date = models.DateField(_("evening of"))
    station = models.CharField(_("station"), max_length=100)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=NightVisitState.choices,
        default=NightVisitState.SCHEDULED,
        editable=False,
    )
    people_received = models.PositiveIntegerField(_("people received"), default=0)
    summary = models.TextField(_("summary"), max_length=4000, blank=True)
    held_at = models.DateTimeField(_("recorded at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("night visit")
        verbose_name_plural = _("night visits")
        ordering = ["-date", "village_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "date"],
                condition=Q(deleted_at__isnull=True),
                name="organisation_night_visit_once",
                violation_error_message=_("This officer already has a night visit that evening."),
            )
        ]

    def __str__(self):
        return f"{self.village} {self.date:%Y-%m-%d}"

    def clean(self):
        super().clean()
        if self.date and self.date.day not in NIGHT_VISIT_DAYS:
            raise ValidationError(
                {"date": _("Night visits are held on the 1st, 10th, 15th and 25th of the month.")}
            )


class NightVisitMatter(models.Model):
    """A matter a person brought to a night visit: answered on the spot, or made a case."""

    night_visit = models.ForeignKey(NightVisit, on_delete=models.PROTECT, related_name="matters")
    person = models.CharField(_("who brought it"), max_length=32)
    matter = models.TextField(_("matter"), max_length=2000)
    outcome = models.CharField(_("outcome"), max_length=16, choices=MatterOutcome.choices)
    answer = models.TextField(_("answer"), max_length=2000, blank=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("matter brought to a night visit")
        verbose_name_plural = _("matters brought to night visits")
        ordering = ["night_visit_id", "id"]

    def __str__(self):
        return self.matter[:40]


# ---------------------------------------------------------------------------------------
# The village secretaries' files (先锋书记) and 承诺述职评议考核
# ---------------------------------------------------------------------------------------


class SecretaryFile(_InVillage):
    """A village party secretary's cultivation file over a five-year cycle, with a mentor
    among the town leaders (talks every half month)."""

    secretary = models.ForeignKey(
        "grids.PartyMember", on_delete=models.PROTECT, related_name="+", verbose_name=_("secretary")
    )
    user = _user(_("account"), null=True, blank=True)
    cycle_start = models.PositiveSmallIntegerField(_("cycle from (year)"))
    selected = models.BooleanField(_("selected pioneer secretary (先锋书记)"), default=False)
    mentor = models.CharField(_("mentor (town leader)"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("secretary's file")
        verbose_name_plural = _("secretaries' files")
        ordering = ["village_id", "-cycle_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "secretary", "cycle_start"],
                condition=Q(deleted_at__isnull=True),
                name="organisation_file_once",
                violation_error_message=_("This secretary already has a file for this cycle."),
            )
        ]

    def __str__(self):
        return f"{self.village} {self.cycle_start}–{self.cycle_end}"

    @property
    def cycle_end(self) -> int:
        return self.cycle_start + 4


class FileEntry(models.Model):
    """One entry of a file, appended and never changed."""

    file = models.ForeignKey(SecretaryFile, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    detail = models.TextField(_("detail"), max_length=4000, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    by = _user(_("recorded by"), editable=False)
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("file entry")
        verbose_name_plural = _("file entries")
        ordering = ["file_id", "-date", "-id"]

    def __str__(self):
        return self.title


class Commitment(_InVillage):
    """A village committee's commitment for its term (保山村: ten three-year commitments),
    checked one by one."""

    term_start = models.PositiveSmallIntegerField(_("term from (year)"))
    term_end = models.PositiveSmallIntegerField(_("term to (year)"))
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("commitment"), max_length=200)
    detail = models.TextField(_("detail"), max_length=4000, blank=True)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=CommitmentState.choices,
        default=CommitmentState.IN_PROGRESS,
        editable=False,
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, editable=False)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["village_id", "-term_start", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "term_start", "number"],
                condition=Q(deleted_at__isnull=True),
                name="organisation_commitment_number",
                violation_error_message=_("This number is already used in the term."),
            ),
            models.CheckConstraint(condition=Q(term_end__gte=F("term_start")), name="organisation_term"),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"


class Progress(models.Model):
    """A step of a commitment's progress, with its evidence; appended, never changed. The
    last one sets the commitment's progress and, when final, its state."""

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="steps")
    date = models.DateField(_("date"))
    percent = models.PositiveSmallIntegerField(_("progress (%)"))
    note = models.TextField(_("what was done"), max_length=2000)
    state = models.CharField(_("state after"), max_length=16, choices=CommitmentState.choices)
    evidence = models.FileField(_("evidence"), upload_to="organisation/evidence/", blank=True, editable=False)
    by = _user(_("recorded by"), editable=False)
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("commitment progress")
        verbose_name_plural = _("commitment progress")
        ordering = ["commitment_id", "-date", "-id"]
        constraints = [models.CheckConstraint(condition=Q(percent__lte=100), name="organisation_percent")]

    def __str__(self):
        return f"{self.commitment} {self.percent}%"


class Review(_InVillage):
    """A village's year: the secretary's report (述职), the democratic review by party
    members and villagers' representatives (votes), and the town's assessment; published
    once assessed. Read by the scoring app's year-end assessment."""

    year = models.PositiveSmallIntegerField(_("year"))
    report = models.TextField(_("report (述职)"), max_length=8000)
    reported_on = models.DateField(_("reported on"))
    members_satisfied = models.PositiveIntegerField(_("party members: satisfied"), default=0)
    members_fair = models.PositiveIntegerField(_("party members: fairly satisfied"), default=0)
    members_unsatisfied = models.PositiveIntegerField(_("party members: unsatisfied"), default=0)
    reps_satisfied = models.PositiveIntegerField(_("representatives: satisfied"), default=0)
    reps_fair = models.PositiveIntegerField(_("representatives: fairly satisfied"), default=0)
    reps_unsatisfied = models.PositiveIntegerField(_("representatives: unsatisfied"), default=0)
    grade = models.CharField(_("town's grade"), max_length=16, choices=ReviewGrade.choices, blank=True)
    score = models.DecimalField(_("town's score"), max_digits=5, decimal_places=1, null=True, blank=True)
    comment = models.TextField(_("town's assessment"), max_length=2000, blank=True)
    assessed_by = _user(_("assessed by"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("yearly review")
        verbose_name_plural = _("yearly reviews")
        ordering = ["-year", "village_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year"],
                condition=Q(deleted_at__isnull=True),
                name="organisation_review_once",
                violation_error_message=_("The village's review of this year already exists."),
            )
        ]

    def __str__(self):
        return f"{self.village} {self.year}"

    @property
    def votes(self) -> int:
        return (
            self.members_satisfied
            + self.members_fair
            + self.members_unsatisfied
            + self.reps_satisfied
            + self.reps_fair
            + self.reps_unsatisfied
        )

    @property
    def satisfaction(self):
        """Satisfied and fairly satisfied, in percent of all votes (None without votes)."""
        if not self.votes:
            return None
        good = self.members_satisfied + self.members_fair + self.reps_satisfied + self.reps_fair
        return round(100 * good / self.votes, 1)
