"""The hierarchy: Town → Village → Grid (nested) → Household → Resident, with departments,
party branches and party members."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.models import GovernedModel
from governance.personal import PersonalDataMixin

from . import geo
from .choices import HOUSEHOLD_FLAGS, BranchKind, Gender, Residency, VillageKind
from .validators import validate_area_code, validate_id_number, validate_latitude, validate_longitude


class Area(GovernedModel):
    """What towns, villages and grids share: a code for other systems, an optional
    boundary (GeoJSON polygon) with its bounding box, and a centre point."""

    name = models.CharField(_("name"), max_length=64)
    code = models.CharField(_("code"), max_length=32, unique=True, validators=[validate_area_code])
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    centre_lat = models.FloatField(
        _("centre latitude"), null=True, blank=True, validators=[validate_latitude]
    )
    centre_lng = models.FloatField(
        _("centre longitude"), null=True, blank=True, validators=[validate_longitude]
    )
    # The bounding box is derived from the boundary; it narrows a point lookup to a few
    # candidate rows in the database before the exact polygon test.
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    min_lng = models.FloatField(null=True, blank=True, editable=False)
    max_lng = models.FloatField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.boundary:
            try:
                box = geo.bounding_box(self.boundary)
            except geo.GeoError as exc:
                raise ValidationError({"boundary": str(exc)}) from exc
            self.min_lng, self.min_lat, self.max_lng, self.max_lat = box
            if self.centre_lat is None and self.centre_lng is None:
                self.centre_lng, self.centre_lat = geo.centroid(self.boundary)
            elif (
                self.centre_lat is not None
                and self.centre_lng is not None
                and -90 <= self.centre_lat <= 90
                and -180 <= self.centre_lng <= 180
                and not geo.contains(self.boundary, self.centre_lng, self.centre_lat)
            ):
                # A centre kept from an older boundary would put the marker elsewhere.
                raise ValidationError(
                    {
                        "centre_lat": _(
                            "The centre must lie inside the boundary (leave it empty to compute it)."
                        )
                    }
                )
        else:
            self.min_lat = self.max_lat = self.min_lng = self.max_lng = None
        if (self.centre_lat is None) != (self.centre_lng is None):
            raise ValidationError({"centre_lng": _("Give both latitude and longitude, or neither.")})
        # The range of each is the fields' own validators' (clean_fields).


class Town(Area):
    """A town or sub-district (镇/街道): the unit a deployment's office staff run."""

    county = models.CharField(_("county"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("town")
        verbose_name_plural = _("towns")
        ordering = ["code"]
        permissions = [("view_personal_data", _("Can see unmasked personal data"))]


class Village(Area):
    """An administrative village or community (行政村/社区)."""

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="villages", verbose_name=_("town"))
    kind = models.CharField(
        _("kind"), max_length=16, choices=VillageKind.choices, default=VillageKind.VILLAGE
    )

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "name"],
                name="village_unique_name_per_town",
                violation_error_message=_("This town already has a village with this name."),
            )
        ]

    def sync_descendants(self) -> dict[str, int]:
        """After a move to another town: everything below that copies the town follows
        (called by governance.services.governed_update in the same transaction)."""
        return _follow(
            [
                Household.objects.filter(village_id=self.pk),
                Resident.objects.filter(village_id=self.pk),
                PartyBranch.objects.filter(village_id=self.pk),
                PartyMember.objects.filter(village_id=self.pk),
            ],
            town_id=self.town_id,
        )


class Grid(Area):
    """A grid (网格). First-level grids belong to a village; second-level grids (per
    villager group, area or compound) have a first-level parent in the same village."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="grids", verbose_name=_("village")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent grid"),
    )
    level = models.PositiveSmallIntegerField(_("level"), default=1, editable=False)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("grid leader (网格长)"),
    )

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"],
                name="grid_unique_name_per_village",
                violation_error_message=_("This village already has a grid with this name."),
            )
        ]

    def clean(self):
        super().clean()
        if self.parent_id:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("A grid cannot be its own parent.")})
            parent = self.parent
            if parent.village_id != self.village_id:
                raise ValidationError({"parent": _("The parent grid must be in the same village.")})
            if parent.parent_id:
                raise ValidationError(
                    {"parent": _("Grids nest two levels deep: the parent must be first-level.")}
                )
            if self.pk and Grid.objects.filter(parent_id=self.pk).exists():
                raise ValidationError(
                    {"parent": _("A grid with second-level grids cannot become second-level.")}
                )
            self.level = 2
        else:
            self.level = 1
        self._check_move()

    def _check_move(self) -> None:
        """A grid moved to another village takes its sub-grids and households along;
        refuse the move when their names or numbers are already taken there."""
        if not (self.pk and self.village_id):
            return
        old_village = Grid.objects.filter(pk=self.pk).values_list("village_id", flat=True).first()
        if old_village in (None, self.village_id):
            return
        ids = [self.pk, *Grid.objects.filter(parent_id=self.pk).values_list("pk", flat=True)]
        taken = Household.objects.filter(village_id=self.village_id, deleted_at__isnull=True).values("number")
        numbers = sorted(
            Household.objects.filter(grid_id__in=ids, deleted_at__isnull=True, number__in=taken).values_list(
                "number", flat=True
            )
        )
        if numbers:
            raise ValidationError(
                {
                    "village": _("That village already has households numbered %(numbers)s.")
                    % {"numbers": ", ".join(numbers[:10])}
                }
            )
        taken = Grid.objects.filter(village_id=self.village_id, deleted_at__isnull=True).values("name")
        names = sorted(
            Grid.objects.filter(parent_id=self.pk, deleted_at__isnull=True, name__in=taken).values_list(
                "name", flat=True
            )
        )
        if names:
            raise ValidationError(
                {
                    "village": _("That village already has grids named %(names)s.")
                    % {"names": ", ".join(names)}
                }
            )

    def sync_descendants(self) -> dict[str, int]:
        """After a move to another village: its second-level grids, their households,
        residents, party members and grid party branches follow (called by
        governance.services.governed_update in the same transaction), so the old
        village's cadre no longer reaches them."""
        moved = _follow([Grid.objects.filter(parent_id=self.pk)], village_id=self.village_id)
        ids = [self.pk, *Grid.objects.filter(parent_id=self.pk).values_list("pk", flat=True)]
        town_id = Village.objects.filter(pk=self.village_id).values_list("town_id", flat=True).get()
        moved.update(
            _follow(
                [
                    Household.objects.filter(grid_id__in=ids),
                    Resident.objects.filter(household__grid_id__in=ids),
                    PartyMember.objects.filter(resident__household__grid_id__in=ids),
                    PartyBranch.objects.filter(grid_id__in=ids),
                ],
                village_id=self.village_id,
                town_id=town_id,
            )
        )
        return moved


class Department(GovernedModel):
    """A functional department (职能部门: 社保局, 派出所, …) that solves cases a town assigns."""

    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, related_name="departments", verbose_name=_("town")
    )
    name = models.CharField(_("name"), max_length=64)
    code = models.CharField(_("code"), max_length=32, unique=True, validators=[validate_area_code])
    phone = models.CharField(_("office phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "name"],
                name="department_unique_name_per_town",
                violation_error_message=_("This town already has a department with this name."),
            )
        ]

    def __str__(self):
        return self.name


class Household(PersonalDataMixin, GovernedModel):
    """A household (户). ``village`` and ``town`` repeat the grid's ancestors so that
    scoping filters on one indexed column; ``clean()`` keeps them in step."""

    PERSONAL_FIELDS = ("phone",)

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+", editable=False)
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="households", editable=False)
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="households", verbose_name=_("grid")
    )
    number = models.CharField(_("household number (户号)"), max_length=32)
    head_name = models.CharField(_("head of household"), max_length=32)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone_cipher = models.TextField(blank=True, editable=False)
    phone_digest = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    is_low_income = models.BooleanField(HOUSEHOLD_FLAGS["is_low_income"], default=False)
    is_dispute = models.BooleanField(HOUSEHOLD_FLAGS["is_dispute"], default=False)
    is_petitioner = models.BooleanField(HOUSEHOLD_FLAGS["is_petitioner"], default=False)
    is_building_applicant = models.BooleanField(HOUSEHOLD_FLAGS["is_building_applicant"], default=False)
    is_hotline_caller = models.BooleanField(HOUSEHOLD_FLAGS["is_hotline_caller"], default=False)
    is_elderly_alone = models.BooleanField(HOUSEHOLD_FLAGS["is_elderly_alone"], default=False)
    is_rented_to_migrants = models.BooleanField(HOUSEHOLD_FLAGS["is_rented_to_migrants"], default=False)
    latitude = models.FloatField(_("latitude"), null=True, blank=True, validators=[validate_latitude])
    longitude = models.FloatField(_("longitude"), null=True, blank=True, validators=[validate_longitude])

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["village_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "number"],
                name="household_unique_number_per_village",
                violation_error_message=_("This village already has a household with this number."),
            )
        ]
        indexes = [models.Index(fields=["grid", "number"], name="household_grid_number")]

    def __str__(self):
        return f"{self.number} {self.head_name}"

    @property
    def flags(self) -> list[str]:
        return [name for name in HOUSEHOLD_FLAGS if getattr(self, name)]

    def clean(self):
        super().clean()
        if self.grid_id:
            self.village_id = self.grid.village_id
            self.town_id = self.grid.village.town_id

    def sync_descendants(self) -> dict[str, int]:
        """After a move to a grid of another village: its residents and their party
        member records follow (called by governed_update in the same transaction)."""
        return _follow(
            [
                Resident.objects.filter(household_id=self.pk),
                PartyMember.objects.filter(resident__household_id=self.pk),
            ],
            village_id=self.village_id,
            town_id=self.town_id,
        )


class Resident(PersonalDataMixin, GovernedModel):
    """A person (人), registered (常住) or migrant (外来人口). The ID number and phone are
    personal data: encrypted at rest, findable by exact match through a keyed digest."""

    PERSONAL_FIELDS = ("id_number", "phone")

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+", editable=False)
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="residents", editable=False)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="residents", verbose_name=_("household")
    )
    name = models.CharField(_("name"), max_length=32)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    relation = models.CharField(_("relation to head (与户主关系)"), max_length=16, blank=True)
    residency = models.CharField(
        _("residency"), max_length=16, choices=Residency.choices, default=Residency.REGISTERED
    )
    id_number_cipher = models.TextField(blank=True, editable=False)
    id_number_digest = models.CharField(max_length=64, blank=True, editable=False)
    phone_cipher = models.TextField(blank=True, editable=False)
    phone_digest = models.CharField(max_length=64, blank=True, editable=False, db_index=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=~models.Q(id_number_digest="") & models.Q(deleted_at__isnull=True),
                name="resident_unique_id_number",
                violation_error_message=_("A resident with this ID number is already registered."),
            )
        ]
        indexes = [models.Index(fields=["village", "residency"], name="resident_village_residency")]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.household_id:
            self.village_id = self.household.village_id
            self.town_id = self.household.town_id
        if self.id_number:
            try:
                validate_id_number(self.id_number)
            except ValidationError as exc:
                raise ValidationError({"id_number": exc.messages}) from exc
            from .validators import id_number_facts

            facts = id_number_facts(self.id_number)
            if self.birth_date and self.birth_date != facts["birth_date"]:
                raise ValidationError({"birth_date": _("The date of birth differs from the ID number's.")})
            if self.gender and self.gender != facts["gender"]:
                raise ValidationError({"gender": _("The gender differs from the ID number's.")})
            self.birth_date, self.gender = facts["birth_date"], facts["gender"]

    def sync_descendants(self) -> dict[str, int]:
        """After a move to a household of another village: the party member record follows."""
        return _follow(
            [PartyMember.objects.filter(resident_id=self.pk)],
            village_id=self.village_id,
            town_id=self.town_id,
        )


class PartyBranch(GovernedModel):
    """A party branch: a village branch or a grid party branch (网格党支部)."""

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+", editable=False)
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="party_branches", verbose_name=_("village")
    )
    grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="party_branches",
        verbose_name=_("grid"),
    )
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=BranchKind.choices, default=BranchKind.VILLAGE)

    class Meta:
        verbose_name = _("party branch")
        verbose_name_plural = _("party branches")
        ordering = ["village_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"],
                name="branch_unique_name_per_village",
                violation_error_message=_("This village already has a branch with this name."),
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.village_id:
            self.town_id = self.village.town_id
        if self.grid_id and self.grid.village_id != self.village_id:
            raise ValidationError({"grid": _("The grid must be in the branch's village.")})


class PartyMember(GovernedModel):
    """A party member (党员): a resident in a branch, linked to the households they cover
    (十户联保, about ten each), possibly a party member central household (党员中心户)."""

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+", editable=False)
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+", editable=False)
    resident = models.OneToOneField(
        Resident, on_delete=models.PROTECT, related_name="party_member", verbose_name=_("resident")
    )
    branch = models.ForeignKey(
        PartyBranch, on_delete=models.PROTECT, related_name="members", verbose_name=_("party branch")
    )
    joined_on = models.DateField(_("joined the party on"), null=True, blank=True)
    is_central_household = models.BooleanField(
        _("party member central household (党员中心户)"), default=False
    )
    covered_households = models.ManyToManyField(
        Household,
        blank=True,
        related_name="covering_members",
        verbose_name=_("households covered (十户联保)"),
    )

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["branch_id", "id"]

    def __str__(self):
        return str(self.resident)

    def clean(self):
        super().clean()
        if self.resident_id:
            self.village_id = self.resident.village_id
            self.town_id = self.resident.town_id
        if self.branch_id and self.resident_id and self.branch.town_id != self.resident.town_id:
            raise ValidationError({"branch": _("The branch must be in the member's town.")})


def _follow(querysets, **copies) -> dict[str, int]:
    """Set the copied area columns (``village_id``, ``town_id``) on the rows of each
    queryset that still hold other values; the number moved, by model, for the trail."""
    moved = {}
    now = timezone.now()
    for queryset in querysets:
        differs = models.Q()
        for name, value in copies.items():
            differs |= ~models.Q(**{name: value})
        count = queryset.filter(differs).update(**copies, updated_at=now)
        if count:
            moved[queryset.model._meta.model_name] = count
    return moved
